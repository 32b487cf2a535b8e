"""What counts as a chapter's solution text, for the tests that prove an edition holds none."""

import re

import nbformat

SOLUTION = re.compile(r"```\{solution-start\}.*?```\{solution-end\}", re.S)
CHECK_LINE = re.compile(r"^checks\.\w+\(\w+\)$")


def text_of(notebook):
    return "\n".join(cell.source for cell in notebook.cells)


def outside_solutions(chapter) -> str:
    return SOLUTION.sub("", text_of(nbformat.read(chapter, as_version=4)))


def secret_lines(chapter, public: str = "") -> set[str]:
    """The lines of a chapter's solutions (prose and code) that appear nowhere outside them (nor
    in ``public``, the rest of the book, say): long enough to be telling, and not the check call
    the student edition keeps."""
    teacher = text_of(nbformat.read(chapter, as_version=4))
    outside = SOLUTION.sub("", teacher) + public
    lines = {line.strip() for block in SOLUTION.findall(teacher) for line in block.splitlines()}
    return {line for line in lines if len(line) > 25 and line not in outside and not CHECK_LINE.match(line)}
