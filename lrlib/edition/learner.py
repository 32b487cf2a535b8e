"""A chapter's learner edition: the executed book chapter as a notebook that reads right anywhere.

It starts from the notebook the book build executed (so every figure and table is there before
the learner runs anything), renders its MyST Markdown to plain Markdown (``myst``), folds each
solution into a ``<details>`` block that stays closed until clicked, with a cell to answer in
and the check after it, and replaces the set-up cell with one that installs the very lrlib that
built the page. A visible line sets the profile the notebook runs in.
"""

from __future__ import annotations

import copy
import string
from dataclasses import dataclass

import nbformat

from ..report.common import GLUE_PREFIX
from . import myst
from .solutions import answer_cells, segments

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"  # a live control: nothing to show until run
PROFILE = "quick"  # as `make lab`, the instructors' page and the grader


@dataclass(frozen=True)
class Pin:
    """The lrlib that built the book: its version, commit and the published wheel."""

    version: str
    commit: str
    wheel_url: str
    repository: str


INSTALL = string.Template('''\
# Set-up: install the lrlib that built this chapter (version $version, commit $short), with the
# book's stored results. Where lrlib is already installed (`make lab`), this does nothing.
import importlib.util
import subprocess
import sys

LRLIB_WHEEL = "$wheel_url"


class InstallFailed(Exception):
    def _render_traceback_(self):  # IPython shows this one line, not a traceback
        return [f"InstallFailed: {self}"]


if importlib.util.find_spec("lrlib") is None:
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", LRLIB_WHEEL],
                         capture_output=True, text=True)
    if pip.returncode != 0:
        reason = (pip.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise InstallFailed(
            f"could not install lrlib $version from {LRLIB_WHEEL} ({reason}). Connect to the internet "
            "and run this cell again, or install this chapter's lrlib from its commit: "
            "pip install 'lrlib @ git+$repository@$commit'")
''')

PROFILE_CELL = string.Template('''\
# The profile this notebook runs in. Change this one line to switch:
# "quick": 2,000 images and at most 5 epochs, about a minute a chapter on two CPU cores; the
#          exercises' checks and the course's grader expect its answers.
# "full":  the article's setup and the numbers in the text; stored runs load at once.
import lrlib

lrlib.use_profile("$profile")
''')

FOLDED = "Each exercise's solution is folded away under *Solution*; answer in the cell"
ABOUT = string.Template('''\
> **The learner edition of this chapter.** The text, figures and tables below are the book's
> own, from its run in the *full* profile (the article's setup: all of MNIST). Read it first;
> then run the cells to make the results yours. They run in the **$profile** profile, set in
> the second code cell, so your numbers will differ from those in the text; switch that line to
> `"full"` to reproduce the text's numbers. $solutions below it and run the check.
> In Colab, pick *Runtime → Change runtime type → GPU* before training anything. The published
> page: [$title]($page).
''')


def learner_notebook(executed: nbformat.NotebookNode, chapter: str, book: myst.Book,
                     pin: Pin, solutions: bool = True) -> nbformat.NotebookNode:
    """The learner edition of ``chapter`` from the notebook the book build executed; with
    ``solutions=False``, for a class whose assignments count, each solution leaves only the cells
    to answer in."""
    cells, solution, inside = [], None, False
    code_seen = 0
    for cell in executed.cells:
        if cell.cell_type == "markdown":
            pieces, inside = segments(cell.source, inside)
            for kind, text in pieces:
                if kind == "start":
                    solution = _Solution(text, myst.exercise_number(book, text, chapter), solutions)
                elif kind == "end":
                    cells.extend(solution.cells())
                    solution = None
                elif kind == "inside":
                    solution.markdown.append(myst.render(text.strip("\n"), book, chapter))
                else:
                    cells.append(nbformat.v4.new_markdown_cell(myst.render(text.strip("\n"), book, chapter)))
            continue
        if cell.cell_type != "code":
            continue
        code_seen += 1
        if code_seen == 1:  # the set-up cell (not on the book's pages): the pinned install instead
            cells.append(nbformat.v4.new_code_cell(install_cell(pin)))
            cells.append(nbformat.v4.new_code_cell(PROFILE_CELL.substitute(profile=PROFILE)))
        elif "remove-cell" in _tags(cell):
            continue
        elif solution is not None:
            solution.add(cell, chapter)
        else:
            cells.append(_shown(cell))
    if solution is not None:
        raise myst.EditionError(f"{chapter}: the solution of {solution.label!r} has no solution-end")
    about = ABOUT.substitute(profile=PROFILE, title=book.titles.get(chapter, chapter), page=book.page(chapter),
                             solutions=FOLDED if solutions else "Answer each exercise in the cell")
    cells.insert(1, nbformat.v4.new_markdown_cell(about))
    learner = nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(executed.metadata))
    learner.metadata["lrlib"] = {"chapter": chapter, "edition": "learner", "profile": PROFILE,
                                 "version": pin.version, "commit": pin.commit}
    return learner


def install_cell(pin: Pin) -> str:
    return INSTALL.substitute(version=pin.version, commit=pin.commit, short=pin.commit[:10],
                              wheel_url=pin.wheel_url, repository=pin.repository)


class _Solution:
    """One open solution: its Markdown and code so far, folded into ``<details>`` at its end (or
    left out, ``shown=False``)."""

    def __init__(self, label: str, number: int, shown: bool = True):
        self.label, self.number, self.shown = label, number, shown
        self.markdown: list[str] = []
        self.answers: list[nbformat.NotebookNode] = []

    def add(self, cell: nbformat.NotebookNode, chapter: str) -> None:
        try:
            self.answers.extend(answer_cells(cell.source))
        except ValueError as error:
            raise myst.EditionError(f"{chapter}: {error}") from None
        if {"remove-input", "remove-cell"} & set(_tags(cell)):
            return  # hidden in the book too: it only glues numbers for the text
        outputs = [text for output in _kept(cell.outputs) if (text := _output_markdown(output))]
        self.markdown.append("\n\n".join([f"```python\n{cell.source.strip()}\n```", *outputs]))

    def cells(self) -> list[nbformat.NotebookNode]:
        if not self.shown:
            return self.answers
        folded = myst.fold(self.number, "\n\n".join(self.markdown))
        return [nbformat.v4.new_markdown_cell(folded), *self.answers]


def _output_markdown(output: nbformat.NotebookNode) -> str:
    """One output of a solution's code as Markdown inside its fold."""
    if output.output_type == "stream":
        return f"```text\n{output.text.rstrip()}\n```"
    data = output.get("data", {})
    if "image/png" in data:
        return f"![output of the solution's code](data:image/png;base64,{data['image/png'].strip()})"
    if "text/plain" in data:
        return f"```text\n{data['text/plain'].rstrip()}\n```"
    return ""


def _shown(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A code cell outside the solutions: its code and the book's outputs of it."""
    shown = nbformat.v4.new_code_cell(cell.source, metadata=copy.deepcopy(cell.metadata))
    tags = _tags(cell)
    if "remove-input" in tags:  # code that only glues numbers for the text: collapsed (JupyterLab, Notebook 7)
        shown.metadata.setdefault("jupyter", {})["source_hidden"] = True
    if "remove-output" not in tags:
        shown.outputs = _kept(cell.outputs)
    return shown


def _kept(outputs: list) -> list:
    """The outputs a reader sees in the book: no error stream, no glued values, no live widget
    (it has no state to draw until the learner runs the cell)."""
    kept = []
    for output in outputs:
        data = output.get("data", {})
        if output.output_type == "stream" and output.name == "stderr":
            continue
        if WIDGET_VIEW in data or any(mime.startswith(GLUE_PREFIX) for mime in data):
            continue
        output = copy.deepcopy(output)
        if "execution_count" in output:
            output.execution_count = None
        kept.append(output)
    return kept


def _tags(cell: nbformat.NotebookNode) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])
