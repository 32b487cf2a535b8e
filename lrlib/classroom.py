"""For instructors: the student edition of the chapters, and grading of submitted notebooks.

``student_edition`` writes each chapter without its solutions (the prose and code inside
``solution`` blocks), with outputs cleared, and with an answer cell in front of each check, so
a student fills in the answer and runs the check. ``grade`` executes a folder of submitted
notebooks, reads each exercise's latest check verdict and the profile the notebook ran in, and
writes one CSV row per notebook: a notebook that cannot be read, raises or runs past its time
still gets its row.
"""

from __future__ import annotations

import copy
import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import checks, validation
from .edition.learner import PROFILE, PROFILE_CELL
from .edition.solutions import START, WHOLE, answer_cells, segments
from .profiles import get_profile

_SCORES_MARK = "LRLIB-SCORES "
# The first and last columns of the scores CSV: how ``grade`` recognises a file it wrote.
_HEADER_START, _HEADER_END = ("notebook", "chapter", "status"), ("score", "out of")


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
    cells, inside, code_seen = [], False, 0
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            pieces, inside = segments(WHOLE.sub("", cell.source), inside)
            text = "".join(piece for kind, piece in pieces if kind == "outside")
            if text.strip():
                cells.append(nbformat.v4.new_markdown_cell(text))
        elif not inside:
            cells.append(_cleared(cell))
            code_seen += 1
            if code_seen == 1:  # after the set-up cell, as in the learner edition
                cells.append(nbformat.v4.new_code_cell(PROFILE_CELL.substitute(profile=PROFILE)))
        else:
            cells.extend(answer_cells(cell.source))
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


@dataclass(frozen=True)
class Grade:
    """One submission's row: which exercises pass, and how the run went."""

    notebook: str
    chapter: str
    status: str  # "ok", "errors in N cells", "timed out in N cells", "unreadable: ...", "failed: ...",
    # and "ran in profile 'full', not 'quick'" when the notebook switched profile itself
    passed: dict[str, bool]
    profile: str = ""  # the profile the checks ran in, as the notebook reported it ("" when it never got there)

    @property
    def score(self) -> int:
        return sum(self.passed.values())


def grade_notebook(path: Path, timeout: int = 600, profile: str = "quick") -> Grade:
    """Execute one submission in a fresh kernel (in ``profile``) and read its checks' verdicts.

    The kernel starts in ``profile`` ($LRLIB_PROFILE), but a notebook may call
    ``lrlib.use_profile`` itself, and its checks then expect that profile's answers: the row keeps
    the profile the notebook ended in, and its status says when that is not ``profile``."""
    from nbclient import NotebookClient

    path = Path(path)
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception as error:  # a broken file is a row, not a crash
        return Grade(path.name, path.stem, f"unreadable: {type(error).__name__}", {})
    chapter = notebook.metadata.get("lrlib", {}).get("chapter", path.stem)
    exercises = {check.exercise: False for check in checks.checks_of(chapter)}
    notebook.cells.append(nbformat.v4.new_code_cell(
        f"import json as _json\nfrom lrlib import checks as _checks, default_profile as _profile\n"
        f"print({_SCORES_MARK!r} + _json.dumps({{'profile': _profile(), 'scores': _checks.scores()}}))"))
    failures = {"error": 0, "timeout": 0}

    def count(cell, cell_index, execute_reply):
        if execute_reply["content"].get("status") == "error":
            failures["timeout" if execute_reply["content"].get("ename") == "Timeout" else "error"] += 1

    client = NotebookClient(notebook, timeout=timeout, allow_errors=True, interrupt_on_timeout=True,
                            error_on_timeout={"ename": "Timeout", "evalue": f"a cell ran past {timeout} s",
                                              "traceback": []},
                            kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                            on_cell_executed=count)
    try:
        client.execute(env={**os.environ, "LRLIB_PROFILE": profile})
    except Exception as error:  # a dead kernel, say: the row says so
        return Grade(path.name, chapter, f"failed: {type(error).__name__}: {error}".splitlines()[0], exercises)
    reported = _reported(notebook.cells[-1])
    exercises.update(reported.get("scores", {}))
    ran_in = reported.get("profile", "")
    status = "; ".join([*([f"timed out in {failures['timeout']} cells"] if failures["timeout"] else []),
                        *([f"errors in {failures['error']} cells"] if failures["error"] else []),
                        *([f"ran in profile {ran_in!r}, not {profile!r}"] if ran_in and ran_in != profile else [])])
    return Grade(path.name, chapter, status or "ok", exercises, ran_in)


def _reported(cell) -> dict:
    """What the grader's last cell printed: the profile the notebook ended in and its verdicts."""
    for output in cell.get("outputs", []):
        for line in output.get("text", "").splitlines():
            if line.startswith(_SCORES_MARK):
                return json.loads(line[len(_SCORES_MARK):])
    return {}


def grade(folder: Path, out: Path, timeout: int = 600, profile: str = "quick") -> list[Grade]:
    """Grade every notebook in ``folder`` and write ``out``, a CSV with one row per notebook:
    its name, chapter, status, the profile it ran in, 1 or 0 per exercise (its latest check) and the
    score. Each cell may run ``timeout`` seconds; the notebooks start in ``profile`` (quick: minutes
    on a laptop), and a row whose notebook switched to another says so in its status."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"Argument `folder` must be a folder of notebooks. Received: folder={str(folder)!r}")
    profile = get_profile(profile).name
    timeout = validation.integer("timeout", timeout, minimum=1)
    out = Path(out)
    check_scores_path(out)  # before grading, which may take an hour
    grades = [grade_notebook(path, timeout, profile) for path in sorted(folder.glob("*.ipynb"))]
    exercises = list(dict.fromkeys(e for g in grades for e in g.passed))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow([*_HEADER_START, "profile", *exercises, *_HEADER_END])
        for g in grades:
            writer.writerow([g.notebook, g.chapter, g.status, g.profile,
                             *("" if e not in g.passed else int(g.passed[e]) for e in exercises),
                             g.score, len(g.passed)])
    return grades


def check_scores_path(out: Path) -> None:
    """``ValueError`` unless ``out`` is a ``.csv`` path that is new or a scores CSV ``grade``
    wrote: anything else there (a submission, a folder) would be lost."""
    received = f"Received: out={str(out)!r}"
    if out.suffix.lower() != ".csv":
        raise ValueError(f"Argument `out` must be a .csv file. {received}")
    if out.exists() or out.is_symlink():
        if not out.is_file():
            raise ValueError(f"Argument `out` must be a file, but it is a folder or another kind of file. {received}")
        try:
            with out.open(newline="") as file:
                header = next(csv.reader(file), [])
        except (OSError, UnicodeDecodeError, csv.Error):
            header = []
        if tuple(header[:3]) != _HEADER_START or tuple(header[-2:]) != _HEADER_END:
            raise ValueError(f"Argument `out` names an existing file that is not a scores CSV written by "
                             f"grade; it would be overwritten. Choose a new file. {received}")
