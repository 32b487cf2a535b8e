"""Publish the learner edition beside the HTML book: one notebook per chapter, and lrlib's wheel.

After ``jupyter-book build``, ``publish(build)`` writes each chapter's learner notebook where the
page's Colab button (``book/<chapter>.ipynb`` on the branch the site is served from) and its
download button (``_sources/book/<chapter>.ipynb``) find it, and lrlib's wheel under
``lrlib/<commit>/``, which every learner notebook installs. The repository's address is read from
``_config.yml`` only; the site's address follows from it (GitHub Pages).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

from .. import __version__
from . import myst
from .learner import Pin, learner_notebook

ROOT = Path(__file__).resolve().parents[2]
EXERCISE = re.compile(r'<div class="exercise admonition" id="(?P<label>[\w-]+)">\s*<p class="admonition-title">'
                      r'<span class="caption-number">Exercise (?P<number>\d+)\s*</span>')
TERM = re.compile(r'<dt id="(?P<anchor>term-[^"]+)">(?P<term>.*?)<a class="headerlink"', re.S)


def repository_url(root: Path = ROOT) -> str:
    """The repository's address: ``repository.url`` of ``_config.yml``, its one home."""
    return yaml.safe_load((root / "_config.yml").read_text())["repository"]["url"].rstrip("/")


def pages_url(repository: str) -> str:
    """Where GitHub Pages serves a repository's site: ``https://github.com/o/r`` ->
    ``https://o.github.io/r/``."""
    match = re.fullmatch(r"https://github\.com/(?P<owner>[\w.-]+)/(?P<name>[\w.-]+?)(?:\.git)?", repository)
    if match is None:
        raise ValueError(f"Argument `repository` must be a GitHub address https://github.com/<owner>/<name>. "
                         f"Received: repository={repository!r}")
    return f"https://{match['owner'].lower()}.github.io/{match['name']}/"


def source_commit(root: Path = ROOT) -> str:
    """The commit the book is built from (``git rev-parse HEAD``)."""
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as error:
        raise RuntimeError(f"the learner edition pins lrlib to a commit, but {root} is not a git checkout "
                           f"({error})") from error


def build_wheel(out: Path, root: Path = ROOT) -> Path:
    """lrlib's wheel (with the stored results), built from ``root`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(out), str(root)], check=True, timeout=600)
    return next(out.glob(f"lrlib-{__version__}-*.whl"))


def book_context(build: Path, root: Path = ROOT) -> myst.Book:
    """What the chapters' roles refer to, read from the built book and its sources."""
    html_dir = build / "html"
    pages = {path.stem: path for path in (root / "book").iterdir() if path.suffix in (".ipynb", ".md")}
    exercises = {}
    for page in pages:
        built = html_dir / "book" / f"{page}.html"
        if built.is_file():
            exercises.update({m["label"]: int(m["number"]) for m in EXERCISE.finditer(built.read_text())})
    glossary = (html_dir / "book" / "glossary.html").read_text()
    terms = {html.unescape(re.sub(r"<[^>]+>", "", m["term"])).strip().lower(): m["anchor"]
             for m in TERM.finditer(glossary)}
    return myst.Book(url=pages_url(repository_url(root)), source=root / "book",
                     titles={name: _title(path) for name, path in pages.items()
                             if (html_dir / "book" / f"{name}.html").is_file()},
                     terms=terms, citations=_citations(root / "book" / "references.bib"), exercises=exercises,
                     glue={name: _glued(build / "jupyter_execute" / "book" / f"{name}.glue.json") for name in pages})


def _title(path: Path) -> str:
    if path.suffix == ".ipynb":
        text = nbformat.read(path, as_version=4).cells[0].source
    else:
        text = path.read_text()
    return next(line[2:].strip() for line in text.splitlines() if line.startswith("# "))


def _glued(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    return {name: output["data"]["text/plain"] for name, output in json.loads(path.read_text()).items()
            if "text/plain" in output.get("data", {})}


def _citations(bibliography: Path) -> dict[str, tuple[str, str]]:
    """Each entry's authors and year as the book cites them (author-year: "Smith and Topin",
    "Duchi et al.")."""
    from pybtex.database import parse_file

    cited = {}
    for key, entry in parse_file(str(bibliography)).entries.items():
        names = [" ".join(person.last_names).replace("{", "").replace("}", "")
                 for person in entry.persons.get("author", [])]
        authors = names[0] if len(names) == 1 else " and ".join(names) if len(names) == 2 else f"{names[0]} et al."
        cited[key] = (authors, entry.fields.get("year", "n.d."))
    return cited


def chapters(root: Path = ROOT) -> list[str]:
    from ..classroom import book_chapters

    return [path.stem for path in book_chapters(root / "book")]


def publish(build: Path, root: Path = ROOT, solutions: bool = True) -> list[Path]:
    """Write the learner notebooks (with their solutions folded, or none: ``solutions=False``) and
    lrlib's wheel into the built site ``build/html``; return the notebooks written. Fails, naming the chapter and the construct, on anything it cannot
    render, before writing any notebook."""
    build = Path(build)
    site = build / "html"
    if not (site / "book").is_dir():
        raise FileNotFoundError(f"Argument `build` must be a Jupyter Book build folder (with html/book). "
                                f"Received: build={str(build)!r}")
    book = book_context(build, root)
    commit = source_commit(root)
    wheel_name = f"lrlib-{__version__}-py3-none-any.whl"
    pin = Pin(version=__version__, commit=commit, repository=repository_url(root),
              wheel_url=f"{book.url}lrlib/{commit}/{wheel_name}")
    notebooks = {}  # every chapter rendered before anything is written
    for chapter in chapters(root):
        executed = nbformat.read(build / "jupyter_execute" / "book" / f"{chapter}.ipynb", as_version=4)
        notebooks[chapter] = learner_notebook(executed, chapter, book, pin, solutions)
    wheels = site / "lrlib"
    shutil.rmtree(wheels, ignore_errors=True)
    if build_wheel(wheels / commit, root).name != wheel_name:
        raise RuntimeError(f"the wheel built is not {wheel_name}, the one the notebooks install")
    written = []
    for chapter, notebook in notebooks.items():
        for target in (site / "book" / f"{chapter}.ipynb", site / "_sources" / "book" / f"{chapter}.ipynb"):
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, target)
        written.append(site / "book" / f"{chapter}.ipynb")
    return written
