"""The teacher's view of a graded folder: progress as it goes, the CSV, the summary.

The CSV imports into an LMS gradebook: one row per student (taken from the file name), the same
columns in the same order for every row, the score and what it is out of, then one 1/0 column
per exercise of the chapter. The executed notebooks sit beside it, in ``<csv name>-notebooks/``.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Callable, TextIO

from .grader import Grade, Grader, student_of
from .sandbox import landlock_abi

COLUMNS = ["student", "score", "out of", "status", "seconds", "first error", "profile", "chapter", "notebook",
           "executed notebook"]


def grade_folder(folder: Path, out: Path, grader: Grader,
                 progress: Callable[[int, int, Grade], None] | None = None) -> list[Grade]:
    """Grade every ``*.ipynb`` of ``folder`` with ``grader``, write the CSV ``out`` and return the rows;
    ``progress(done, total, grade)`` is called after each submission."""
    folder, out = Path(folder), Path(out)
    if not folder.is_dir():
        raise NotADirectoryError(f"Argument `folder` must be a folder of notebooks. Received: folder={str(folder)!r}")
    check_scores_path(out)  # before grading, which may take an hour
    submissions = sorted(folder.glob("*.ipynb"))
    students = [student_of(path, grader.chapter) for path in submissions]
    repeated = sorted({s for s in students if students.count(s) > 1})
    if repeated:
        raise ValueError(f"Argument `folder` must hold one notebook per student; {repeated[0]!r} has "
                         f"{students.count(repeated[0])}. Received: folder={str(folder)!r}")
    grader.expected_answers()
    kept = out.parent / f"{out.stem}-notebooks"
    grades = []
    for path in submissions:
        grades.append(grader.grade(path, kept))
        if progress:
            progress(len(grades), len(submissions), grades[-1])
    write_csv(out, grades, grader.exercises)
    return grades


def check_scores_path(out: Path) -> None:
    """``ValueError`` unless ``out`` is a ``.csv`` path that is new or a scores CSV the grader
    wrote: anything else there (a submission, a folder, another gradebook) would be lost."""
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
        if header[:len(COLUMNS)] != COLUMNS:
            raise ValueError(f"Argument `out` names an existing file that is not a scores CSV written by "
                             f"grade; it would be overwritten. Choose a new file. {received}")


def write_csv(out: Path, grades: list[Grade], exercises: list[str]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow([*COLUMNS, *exercises])
        for g in grades:
            writer.writerow([g.student, g.score, g.out_of, g.status, g.seconds, g.first_error, g.profile, g.chapter,
                             g.notebook, g.executed, *(int(g.passed[e]) for e in exercises)])


def progress_bar(stream: TextIO = sys.stderr, width: int = 20) -> Callable[[int, int, Grade], None]:
    """A progress line per submission: the bar, then who, the score, the time and the status."""
    def show(done: int, total: int, grade: Grade) -> None:
        filled = round(width * done / total)
        stream.write(f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total}  {grade.student}: "
                     f"{grade.score}/{grade.out_of} in {grade.seconds:.0f} s, {grade.status}\n")
        stream.flush()
    return show


def summary(grades: list[Grade], exercises: list[str]) -> str:
    """The mean of each exercise, the mean score, and the submissions that did not run cleanly."""
    if not grades:
        return "No submissions."
    lines = [f"{len(grades)} submissions; mean score {sum(g.score for g in grades) / len(grades):.2f} "
             f"out of {len(exercises)}"]
    width = max(len(e) for e in exercises) if exercises else 0
    lines += [f"  {e:<{width}}  {sum(g.passed[e] for g in grades) / len(grades):.0%} right" for e in exercises]
    failed = [g for g in grades if g.status != "ok"]
    lines.append(f"Not clean ({len(failed)}):" if failed else "Every notebook ran cleanly.")
    lines += [f"  {g.student} ({g.notebook}): {g.status}" + (f"; first error {g.first_error}" if g.first_error else "")
              for g in failed]
    if not landlock_abi():
        lines.append("Landlock is missing on this machine: a notebook could write wherever you can. "
                     "For marks that count, grade in the container (see the instructors' page).")
    return "\n".join(lines)
