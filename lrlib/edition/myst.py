"""The book's MyST Markdown as plain Markdown that Colab, Jupyter and JupyterLab show.

Every construct the chapters use has a plain form: a glued value becomes its text as the book
prints it, a glossary term or a page a link to the published book, a citation author and year
with a link to the bibliography, a ``literalinclude`` the code it includes, an admonition or an
exercise a quoted box. A construct without a plain form is an error naming the chapter and the
construct, so that no raw MyST ever reaches a learner.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

ROLE = re.compile(r"\{([\w:.-]+)\}`([^`]*)`")
DIRECTIVE = re.compile(r"^(?P<fence>`{3,}|~{3,}|:{3,})\{(?P<name>[\w:.-]+)\}[ \t]*(?P<argument>.*)$", re.M)
OPTION = re.compile(r"^:(?P<key>[\w-]+):[ \t]*(?P<value>.*)$")
CODE_FENCE = re.compile(r"^(`{3,}|~{3,})(?![`~{])")  # a fence of code, not of a directive
LABELLED = re.compile(r"(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)
BOX_TITLES = {"note": "Note", "tip": "Tip", "important": "Important", "warning": "Warning"}


class EditionError(ValueError):
    """A chapter uses a construct the learner edition cannot render (or renders wrongly)."""


@dataclass
class Book:
    """What the roles refer to: glued values, pages, glossary terms, the bibliography."""

    url: str  # the published book, ending in "/"
    source: Path  # the folder of the chapters, where literalinclude paths start
    titles: dict[str, str]  # page name ("14_the_range_test") -> its title
    terms: dict[str, str]  # glossary term, lower case -> its anchor on the glossary page
    citations: dict[str, tuple[str, str]]  # BibTeX key -> (authors, year)
    exercises: dict[str, int] = field(default_factory=dict)  # label -> number in the book
    glue: dict[str, dict[str, str]] = field(default_factory=dict)  # chapter -> name -> text/plain

    def page(self, name: str) -> str:
        return f"{self.url}book/{name}.html"


def render(text: str, book: Book, chapter: str) -> str:
    """``text`` (a Markdown cell of ``chapter``, outside any solution) as plain Markdown."""
    out, lines, index = [], text.split("\n"), 0
    while index < len(lines):
        line = lines[index]
        if CODE_FENCE.match(line):  # plain code: copied untouched up to its closing fence
            end = _closing(lines, index, CODE_FENCE.match(line).group(1))
            out.extend(lines[index:end + 1])
            index = end + 1
            continue
        directive = DIRECTIVE.match(line)
        if directive is None:
            out.append(_inline(line, book, chapter))
            index += 1
            continue
        if directive["fence"].startswith("`") and "`" in directive["argument"]:  # CommonMark: then no fence at all
            raise EditionError(f"{chapter}: {line.strip()!r} is no directive: a backtick fence's title has a backtick")
        end = _closing(lines, index, directive["fence"])
        options, body = _options(lines[index + 1:end])
        out.append(_directive(directive["name"], directive["argument"].strip(), options, body, book, chapter))
        index = end + 1
    return "\n".join(out)


def _closing(lines: list[str], start: int, fence: str) -> int:
    for index in range(start + 1, len(lines)):
        if lines[index].strip() == fence:
            return index
    raise EditionError(f"{lines[start].strip()!r} has no closing {fence}")


def _options(lines: list[str]) -> tuple[dict[str, str], str]:
    options, index = {}, 0
    while index < len(lines) and (option := OPTION.match(lines[index])):
        options[option["key"]] = option["value"].strip()
        index += 1
    return options, "\n".join(lines[index:]).strip("\n")


def _directive(name: str, argument: str, options: dict, body: str, book: Book, chapter: str) -> str:
    if name == "admonition" and "dropdown" in options.get("class", "").split():  # folded in the book too
        title = re.sub(r"`([^`]+)`", r"<code>\1</code>", _inline(argument, book, chapter))  # HTML: no Markdown there
        return details(f"<b>{title}</b>", render(body, book, chapter))
    if name == "admonition":
        return box(f"**{_inline(argument, book, chapter)}**", render(body, book, chapter))
    if name in BOX_TITLES:
        return box(f"**{BOX_TITLES[name]}**", render(body, book, chapter))
    if name == "exercise":
        label = _required(options, "label", name, chapter)
        title = f"**Exercise {exercise_number(book, label, chapter)}**"
        return box(f"{title} ({_inline(argument, book, chapter)})" if argument else title, render(body, book, chapter))
    if name == "solution":  # a whole solution in one directive (the chapters use solution-start/-end)
        return fold(exercise_number(book, argument, chapter), render(body, book, chapter))
    if name == "literalinclude":
        return f"```python\n{literal_include(book.source / argument, options, chapter)}\n```"
    raise EditionError(f"{chapter}: the directive {{{name}}} has no plain form in the learner edition")


def _required(options: dict, key: str, name: str, chapter: str) -> str:
    if key not in options:
        raise EditionError(f"{chapter}: a {{{name}}} directive without its :{key}: option")
    return options[key]


def box(title: str, body: str) -> str:
    """A quoted box: every front end draws a Markdown quote as a framed block."""
    lines = [title, "", *body.split("\n")] if body else [title]
    return "\n".join(f"> {line}".rstrip() for line in lines)


def details(summary: str, body: str) -> str:
    """``body`` folded under ``summary``: ``<details>`` stays closed in every front end until clicked."""
    return f"<details>\n<summary>{summary}</summary>\n\n{body}\n\n</details>"


def fold(number: int, body: str) -> str:
    """A solution folded away."""
    return details(f"<b>Solution to Exercise {number}</b> (click to open; try it yourself first)", body)


def exercise_number(book: Book, label: str, chapter: str) -> int:
    if label not in book.exercises:
        raise EditionError(f"{chapter}: the exercise {label!r} has no number in the built book")
    return book.exercises[label]


def _inline(text: str, book: Book, chapter: str) -> str:
    return ROLE.sub(lambda role: _role(role.group(1), role.group(2), book, chapter), text)


def _role(name: str, content: str, book: Book, chapter: str) -> str:
    construct = f"{{{name}}}`{content}`"
    if name == "glue:text":
        return glued_text(book, chapter, content)
    if name == "term":
        text, target = _labelled(content)
        anchor = book.terms.get(target.lower())
        if anchor is None:
            raise EditionError(f"{chapter}: {construct} names a term the glossary does not define")
        return f"[{text}]({book.page('glossary')}#{anchor})"
    if name == "doc":
        text, target = _labelled(content)
        page = target.removeprefix("/book/").removeprefix("./")
        if page not in book.titles:
            raise EditionError(f"{chapter}: {construct} points to a page that is not in the book")
        return f"[{text if text != target else book.titles[page]}]({book.page(page)})"
    if name in ("cite:p", "cite:t"):
        return _citation(name, content, book, chapter, construct)
    raise EditionError(f"{chapter}: the role {construct} has no plain form in the learner edition")


def _labelled(content: str) -> tuple[str, str]:
    """``text <target>`` -> (text, target); ``target`` -> (target, target)."""
    match = LABELLED.fullmatch(content.strip())
    return (match["text"], match["target"]) if match else (content, content)


def _citation(name: str, content: str, book: Book, chapter: str, construct: str) -> str:
    cited = []
    for key in (key.strip() for key in content.split(",")):
        if key not in book.citations:
            raise EditionError(f"{chapter}: {construct} cites {key!r}, which the bibliography lacks")
        authors, year = book.citations[key]
        link = book.page("bibliography")
        cited.append(f"[{authors}, {year}]({link})" if name == "cite:p" else f"[{authors} ({year})]({link})")
    return f"({'; '.join(cited)})" if name == "cite:p" else ", ".join(cited)


def glued_text(book: Book, chapter: str, content: str) -> str:
    """A ``{glue:text}`` value as the book prints it (myst-nb's own formatting of text/plain)."""
    from myst_nb.core.variables import format_plain_text

    key, _, spec = content.partition(":")
    values = book.glue.get(chapter, {})
    if key not in values:
        raise EditionError(f"{chapter}: {{glue:text}}`{content}` names no value the chapter glued")
    return format_plain_text(values[key], spec)


def literal_include(path: Path, options: dict, chapter: str) -> str:
    """The lines a ``literalinclude`` shows: a whole file, one ``:pyobject:`` (with its
    decorators, as Sphinx includes them) or the lines from ``:start-at:`` to ``:end-at:``."""
    if not path.is_file():
        raise EditionError(f"{chapter}: literalinclude of {path}, which does not exist")
    text = path.read_text()
    unknown = set(options) - {"pyobject", "start-at", "end-at", "language"}
    if unknown:
        raise EditionError(f"{chapter}: literalinclude option :{sorted(unknown)[0]}: has no plain form")
    if "pyobject" in options:
        return _python_object(text, options["pyobject"], path, chapter)
    lines = text.split("\n")
    start = _line_with(lines, options.get("start-at"), 0, path, chapter)
    end = _line_with(lines, options.get("end-at"), start, path, chapter) if "end-at" in options else len(lines) - 1
    return "\n".join(lines[start:end + 1]).rstrip("\n")


def _line_with(lines: list[str], marker: str | None, start: int, path: Path, chapter: str) -> int:
    if marker is None:
        return 0
    marker = marker.strip('"')
    for index in range(start, len(lines)):
        if marker in lines[index]:
            return index
    raise EditionError(f"{chapter}: literalinclude of {path.name} finds no line with {marker!r}")


def _python_object(text: str, name: str, path: Path, chapter: str) -> str:
    scope = ast.parse(text).body
    for part in name.split("."):
        node = next((n for n in scope if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                     and n.name == part), None)
        if node is None:
            raise EditionError(f"{chapter}: literalinclude finds no {name!r} in {path.name}")
        scope = node.body
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return "\n".join(text.split("\n")[first - 1:node.end_lineno])


def leftover_myst(markdown: str) -> list[str]:
    """The MyST roles, directives and glue placeholders left in ``markdown`` (none, when the
    learner edition renders right); the learner edition's tests scan every notebook with it."""
    code_free = re.sub(r"^(`{3,}|~{3,})(?![`~{]).*?^\1[ \t]*$", "", markdown, flags=re.M | re.S)
    found = [f"{{{m.group(1)}}}`" for m in ROLE.finditer(code_free)]
    found += [m.group(0) for m in DIRECTIVE.finditer(code_free)]
    found += re.findall(r"^\((?:[\w-]+)\)=$", code_free, re.M)  # MyST targets
    return found
