"""The student book's sources: ``python -m lrlib.edition.student_book OUT``.

A class whose assignments count needs a book with no solution anywhere: not on the pages, not in
the search index, not in the notebooks the pages offer. Hiding them at build time (a Sphinx
switch) would leave them in every file built from the chapters' sources, so the student book
is built from a copy of the sources with the solutions taken out (``without_solutions``, as the
student edition does); ``make student-book`` builds it, then publishes its learner notebooks
with ``--no-solutions``. The default book, ``make book``, keeps them. A number that a solution
computes and the prose quotes elsewhere (a key takeaway, say) is an answer too: the student book
says *(an exercise's answer)* in its place.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import nbformat

from .solutions import START, WHOLE, without_solutions

ROOT = Path(__file__).resolve().parents[2]
GLUED = re.compile(r"""\bglue\(\s*(?:(f?)(["'])(.*?)\2|\w)""")
QUOTED = re.compile(r"\{glue:text\}`(\w+)(:[^`]*)?`")
ANSWER = "*(an exercise's answer)*"
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
        kept = without_solutions(notebook.cells)
        glued_anywhere, glued_outside = _glued(notebook.cells), _glued(kept)

        def quoted(match: re.Match) -> str:
            name = match[1]
            only_in_solutions = any(p.fullmatch(name) for p in glued_anywhere) and \
                not any(p.fullmatch(name) for p in glued_outside)
            return ANSWER if only_in_solutions else match[0]

        for cell in kept:
            if cell.cell_type == "markdown":
                cell.source = QUOTED.sub(quoted, cell.source)
        notebook.cells = kept
        nbformat.write(notebook, chapter)
    for page in (out / "book").glob("*.md"):
        text = page.read_text()
        if START.search(text) or WHOLE.search(text):
            raise ValueError(f"{page.name}: a solution outside a chapter notebook; the student book cannot drop it")
    return chapters


def _glued(cells) -> set[re.Pattern]:
    """The names the code of ``cells`` glues, as patterns: ``glue(f"{name}_band", ...)`` glues any
    name ending in ``_band``, and ``glue(name, ...)`` any name at all."""
    patterns = set()
    for cell in cells:
        if cell.cell_type != "code":
            continue
        for is_f, _, literal in GLUED.findall(cell.source):
            if not literal and not is_f:
                patterns.add(r"\w+")
            else:
                pieces = re.split(r"\{[^}]*\}", literal) if is_f else [literal]
                patterns.add(r"\w+".join(map(re.escape, pieces)))
    return {re.compile(pattern) for pattern in patterns}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m lrlib.edition.student_book OUT")
    try:
        written = write_sources(Path(sys.argv[1]))
    except (FileExistsError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    print(f"{len(written)} chapters without their solutions written into {sys.argv[1]}")
