"""The student book's sources: ``python -m lrlib.edition.student_book OUT``.

A class whose assignments count needs a book with no solution anywhere: not on the pages, not in
the search index, not in the notebooks the pages offer. Hiding them at build time (a Sphinx
switch) would leave them in every file built from the chapters' sources, so the student book
is built from a copy of the sources with the solutions taken out (``without_solutions``, as the
student edition does); ``make student-book`` builds it, then publishes its learner notebooks
with ``--no-solutions``. The default book, ``make book``, keeps them.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat

from .solutions import START, WHOLE, without_solutions

ROOT = Path(__file__).resolve().parents[2]
# What jupyter-book reads besides the chapters: its configuration, and the files the pages
# include (lrlib's code shown with literalinclude, the chapter times on the instructors' page).
COPIED = ("_config.yml", "_toc.yml")
LINKED = ("lrlib", "benchmarks")


def write_sources(out: Path, root: Path = ROOT) -> list[Path]:
    """Write the book's sources into ``out`` with every solution taken out; return the chapters."""
    out = Path(out)
    if out.exists():
        raise FileExistsError(f"Argument `out` must be a folder that does not exist yet. Received: out={str(out)!r}")
    shutil.copytree(root / "book", out / "book")
    for name in COPIED:
        shutil.copy2(root / name, out / name)
    for name in LINKED:
        (out / name).symlink_to(root / name, target_is_directory=True)
    chapters = sorted((out / "book").glob("[0-9][0-9]_*.ipynb"))
    for chapter in chapters:
        notebook = nbformat.read(chapter, as_version=4)
        notebook.cells = without_solutions(notebook.cells)
        nbformat.write(notebook, chapter)
    for page in (out / "book").glob("*.md"):
        text = page.read_text()
        if START.search(text) or WHOLE.search(text):
            raise ValueError(f"{page.name}: a solution outside a chapter notebook; the student book cannot drop it")
    return chapters


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m lrlib.edition.student_book OUT")
    try:
        written = write_sources(Path(sys.argv[1]))
    except (FileExistsError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    print(f"{len(written)} chapters without their solutions written into {sys.argv[1]}")
