"""For instructors: the student edition of the chapters (grading is ``lrlib.grading``).

``student_edition`` writes each chapter without its solutions (the prose and code inside
``solution`` blocks), with outputs cleared, and with an answer cell in front of each check, so
a student fills in the answer and runs the check.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat

from .edition.learner import PROFILE, PROFILE_CELL
from .edition.solutions import without_solutions


def book_chapters(book: Path | None = None) -> list[Path]:
    """The chapter notebooks of the book (the ``book`` folder beside the package by default)."""
    book = Path(book) if book else Path(__file__).resolve().parent.parent / "book"
    chapters = sorted(book.glob("[0-9][0-9]_*.ipynb"))
    if not chapters:
        raise FileNotFoundError(f"Argument `book` must be a folder of chapter notebooks. Received: book={str(book)!r}")
    return chapters


def student_notebook(notebook: nbformat.NotebookNode, chapter: str) -> nbformat.NotebookNode:
    """``notebook`` without its solutions or outputs, with the learner edition's profile line
    after the set-up cell and an answer cell before each check."""
    student = copy.deepcopy(notebook)
    cells, code_seen = [], 0
    for cell in without_solutions(notebook.cells):
        cells.append(_cleared(cell))
        if cell.cell_type == "code":
            code_seen += 1
            if code_seen == 1:  # after the set-up cell, as in the learner edition
                cells.append(nbformat.v4.new_code_cell(PROFILE_CELL.substitute(profile=PROFILE)))
    student.cells = cells
    student.metadata["lrlib"] = {"chapter": chapter, "edition": "student"}
    return student


def _cleared(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    cell = copy.deepcopy(cell)
    if cell.cell_type == "code":
        cell.outputs, cell.execution_count = [], None
    return cell


def student_edition(out: Path, book: Path | None = None) -> list[Path]:
    """Write the student edition of every chapter into ``out``; return the notebooks written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for chapter in book_chapters(book):
        student = student_notebook(nbformat.read(chapter, as_version=4), chapter.stem)
        target = out / chapter.name
        nbformat.write(student, target)
        written.append(target)
    return written
