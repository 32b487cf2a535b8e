"""For instructors: the student edition of the chapters (grading is ``lrlib.grading``).

``student_edition`` writes each chapter without its solutions (the prose and code inside
``solution`` blocks), with outputs cleared, and with an answer cell in front of each check, so
a student fills in the answer and runs the check.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat

from . import validation
from .edition.learner import PROFILE, PROFILE_CELL
from .edition.solutions import START, WHOLE, without_solutions


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


def student_edition(out: Path, book: Path | None = None, force: bool = False) -> list[Path]:
    """Write the student edition of every chapter into ``out``; return the notebooks written.

    Refuses (``FileExistsError``, naming what would be lost) to write into the book's own folder
    or over a notebook that has solutions, unless ``force``: either would strip the answers of
    the instructor's only copy."""
    out = Path(out)
    chapters = book_chapters(book)
    if not validation.boolean("force", force):
        _refuse_overwriting_solutions(out, chapters)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for chapter in chapters:
        student = student_notebook(nbformat.read(chapter, as_version=4), chapter.stem)
        target = out / chapter.name
        nbformat.write(student, target)
        written.append(target)
    return written


def _refuse_overwriting_solutions(out: Path, chapters: list[Path]) -> None:
    if out.resolve() == chapters[0].parent.resolve():
        raise FileExistsError(f"Argument `out` is the book's own folder: writing there would overwrite its "
                              f"{len(chapters)} chapters with their solutions removed. Choose another folder, "
                              f"or pass --force (force=True). Received: out={str(out)!r}")
    at_risk = [target.name for target in (out / chapter.name for chapter in chapters)
               if target.exists() and _has_solutions(target)]
    if at_risk:
        raise FileExistsError(f"Argument `out` holds {len(at_risk)} notebooks with solutions that would be "
                              f"overwritten ({', '.join(at_risk)}). Choose another folder, or pass --force "
                              f"(force=True). Received: out={str(out)!r}")


def _has_solutions(path: Path) -> bool:
    """Whether the notebook at ``path`` has solution blocks; one that cannot be read counts as
    having them: overwriting what we cannot inspect could lose them."""
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception:
        return True
    return any(START.search(cell.source) or WHOLE.search(cell.source)
               for cell in notebook.cells if cell.cell_type == "markdown")
