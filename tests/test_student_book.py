"""The student book (make student-book): the same pages and learner notebooks with no solution
anywhere, built from a copy of the sources with the solutions taken out."""

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from lrlib.classroom import book_chapters
from lrlib.edition.student_book import write_sources
from solution_helpers import outside_solutions, secret_lines, text_of

ROOT = Path(__file__).resolve().parents[1]
TEXT_FILES = (".html", ".js", ".ipynb", ".txt", ".json", ".md")


def test_the_student_sources_hold_no_solution_and_keep_the_exercises(tmp_path):
    written = write_sources(tmp_path / "sources")
    assert [path.name for path in written] == [path.name for path in book_chapters()]
    for chapter in book_chapters():
        student = text_of(nbformat.read(tmp_path / "sources" / "book" / chapter.name, as_version=4))
        teacher = text_of(nbformat.read(chapter, as_version=4))
        assert not [line for line in secret_lines(chapter) if line in student]
        assert "{solution" not in student and teacher.count("{exercise}") == student.count("{exercise}")
    assert (tmp_path / "sources" / "_toc.yml").is_file() and (tmp_path / "sources" / "lrlib").is_symlink()


def test_a_number_only_a_solution_computes_is_not_quoted_elsewhere(tmp_path):
    root = tmp_path / "course"
    (root / "book").mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml"):
        (root / name).write_text("")
    cells = [nbformat.v4.new_code_cell("glue('shown', 1)\nfor n in ('adam', 'sgd'):\n    glue(f'{n}_rate', 2)"),
             nbformat.v4.new_markdown_cell("```{solution-start} ex-a\n```\nIt is {glue:text}`stop`."),
             nbformat.v4.new_code_cell("stop = 7\nglue('stop', stop)\nglue(f'{stop}_width', 3)"),
             nbformat.v4.new_markdown_cell("```{solution-end}\n```\n\n## Key takeaways\n\n- It stops at "
                                           "{glue:text}`stop`, {glue:text}`adam_width:.1f` wide, after "
                                           "{glue:text}`shown` and {glue:text}`sgd_rate:.0%`.")]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), root / "book" / "01_toy.ipynb")
    [chapter] = write_sources(tmp_path / "sources", root)
    text = text_of(nbformat.read(chapter, as_version=4))
    assert "stop = 7" not in text and "It is" not in text
    assert text.endswith("- It stops at *(an exercise's answer)*, *(an exercise's answer)* wide, after "
                         "{glue:text}`shown` and {glue:text}`sgd_rate:.0%`.")


def test_the_student_sources_refuse_to_overwrite_a_folder(tmp_path):
    with pytest.raises(FileExistsError, match=f"out={str(tmp_path)!r}"):
        write_sources(tmp_path)


@pytest.fixture(scope="session")
def student_book(tmp_path_factory):
    """The student book's build folder, built as `make student-book` builds it
    (LRLIB_STUDENT_BOOK: a developer's shortcut, one already built)."""
    if os.environ.get("LRLIB_STUDENT_BOOK"):
        return Path(os.environ["LRLIB_STUDENT_BOOK"]).resolve()
    out = tmp_path_factory.mktemp("student-book")
    write_sources(out / "sources")
    env = {**os.environ, "LRLIB_PROFILE": "full", "LRLIB_STORED_ONLY": "1", "TF_CPP_MIN_LOG_LEVEL": "2",
           "LRLIB_RESULTS_DIR": str(ROOT / "lrlib" / "results")}
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    done = subprocess.run([str(jupyter_book), "build", str(out / "sources"), "--path-output", str(out),
                           "--warningiserror", "--keep-going"], capture_output=True, text=True, env=env, timeout=1800)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-5000:]
    done = subprocess.run([sys.executable, "-m", "lrlib.edition", str(out / "_build"), "--no-solutions"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-5000:]
    return out / "_build"


def test_the_student_book_holds_no_solution(student_book):
    site = student_book / "html"
    files = {path: path.read_text(errors="replace") for path in site.rglob("*") if path.suffix in TEXT_FILES}
    pages = {path: html.unescape(re.sub(r"<[^>]+>", "", text)) for path, text in files.items() if path.suffix == ".html"}
    assert len([path for path in pages if path.parent.name == "book"]) >= len(book_chapters())
    public = "\n".join(outside_solutions(chapter) for chapter in book_chapters())
    for chapter in book_chapters():
        secret = secret_lines(chapter, public)
        for path, text in [*files.items(), *pages.items()]:
            assert not [line for line in secret if line in text], (chapter.name, path)
    for path, text in files.items():  # sphinx-exercise's solution blocks, and the learner edition's folds
        assert 'class="solution' not in text, path
        if path.name[:2].isdigit():  # a chapter (the instructors' page names the folds)
            assert "Solution to Exercise" not in text, path
    learner = nbformat.read(site / "book" / "11_how_adaptive_optimizers_adapt.ipynb", as_version=4)
    assert "largest_stable_rate = ..." in text_of(learner) and "<details>" not in text_of(learner)
