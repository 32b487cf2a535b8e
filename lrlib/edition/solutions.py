"""Where a chapter's solutions start and end, and the cells a learner answers in instead.

A solution runs from a ``{solution-start}`` directive to its ``{solution-end}``, across cells:
the Markdown between them and the code cells in between belong to it. Both editions for
learners (with solutions folded away) and for students (without them) split chapters here.
"""

from __future__ import annotations

import re

import nbformat

START = re.compile(r"^```\{solution-start\}[ \t]*(?P<label>[\w-]*).*?^```[ \t]*$\n?", re.M | re.S)
END = re.compile(r"^```\{solution-end\}.*?^```[ \t]*$\n?", re.M | re.S)
WHOLE = re.compile(r"^(`{3,})\{solution\}.*?^\1[ \t]*$\n?", re.M | re.S)
CHECK_CALL = re.compile(r"checks\.(\w+)\((\w+)")


def segments(text: str, inside: bool) -> tuple[list[tuple[str, str]], bool]:
    """``text`` (one Markdown cell) as ``(kind, text)`` pieces in order: kind ``"outside"`` or
    ``"inside"`` a solution, ``"start"`` (the text is the exercise's label) or ``"end"``; and
    whether the cell ends inside a solution (``inside``: whether it starts inside one)."""
    pieces, position = [], 0
    while True:
        marker = (END if inside else START).search(text, position)
        piece = text[position:marker.start() if marker else len(text)]
        if piece.strip():
            pieces.append(("inside" if inside else "outside", piece))
        if marker is None:
            return pieces, inside
        pieces.append(("end", "") if inside else ("start", marker["label"]))
        position, inside = marker.end(), not inside


def answer_cells(code: str) -> list[nbformat.NotebookNode]:
    """For a solution's code cell that runs a check (``checks.name(answer)``): a cell to fill in
    the answer (saying its form) and the check; no cells for any other code."""
    from .. import checks

    call = CHECK_CALL.search(code)
    if call is None:
        return []
    try:
        check = getattr(checks, call.group(1))
    except AttributeError as error:  # a chapter calls a check lrlib does not have
        raise ValueError(str(error).split(";")[0]) from None
    return [nbformat.v4.new_code_cell(f"# Your answer: {check.form}.\n{call.group(2)} = ..."),
            nbformat.v4.new_code_cell(code)]


def without_solutions(cells: list[nbformat.NotebookNode]) -> list[nbformat.NotebookNode]:
    """``cells`` with every solution taken out: its Markdown goes, and its code gives way to the
    cells to answer in (``answer_cells``). The student edition and the student book start here."""
    kept, inside = [], False
    for cell in cells:
        if cell.cell_type != "markdown":
            kept.extend(answer_cells(cell.source) if inside else [cell])
            continue
        pieces, inside_after = segments(WHOLE.sub("", cell.source), inside)
        text = "".join(piece for kind, piece in pieces if kind == "outside")
        if text == cell.source:
            kept.append(cell)
        elif text.strip():
            kept.append(nbformat.v4.new_markdown_cell(text))
        inside = inside_after
    return kept
