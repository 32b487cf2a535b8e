"""The learner edition: MyST rendered to Markdown every front end shows, solutions folded away,
the glued numbers and executed outputs in place, and a pinned install of the lrlib that built it."""

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from lrlib import checks
from lrlib.edition import myst
from lrlib.edition.learner import PROFILE, Pin, learner_notebook
from lrlib.edition.publish import chapters, pages_url
from lrlib.edition.solutions import segments
from venv_helpers import learner_env, venv_without_lrlib

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = chapters()
PIN = Pin(version="0.1.0", commit="0123456789abcdef", repository="https://github.com/o/r",
          wheel_url="https://o.github.io/r/lrlib/0123456789abcdef/lrlib-0.1.0-py3-none-any.whl")


@pytest.fixture
def book(tmp_path):
    (tmp_path / "code.py").write_text("import x\n\n\n@decorated\ndef shown(a):\n    return a\n\n\ndef other():\n"
                                      "    pass\n\n# start here\nRATES = 1\n# end\n")
    return myst.Book(url="https://o.github.io/r/", source=tmp_path,
                     titles={"14_the_range_test": "The range test", "glossary": "Glossary",
                             "02_toy": "A toy chapter"},
                     terms={"seed spread": "term-Seed-spread"},
                     citations={"smith2017cyclical": ("Smith", "2017"), "kingma2015adam": ("Kingma and Ba", "2015")},
                     exercises={"ex-toy-one": 7},
                     glue={"02_toy": {"accuracy": "'0.9919'", "count": "12", "share": "0.25"}})


def render(text, book):
    return myst.render(text, book, "02_toy")


def test_glued_values_are_printed_as_the_book_prints_them(book):
    assert render("reaches {glue:text}`accuracy` in {glue:text}`count` runs, {glue:text}`share:.0%`", book) == \
        "reaches 0.9919 in 12 runs, 25%"


def test_terms_pages_and_citations_become_links_to_the_published_book(book):
    text = render("the {term}`spread <seed spread>`; see {doc}`14_the_range_test` and {cite:p}`smith2017cyclical`; "
                  "{cite:t}`kingma2015adam` say", book)
    assert text == ("the [spread](https://o.github.io/r/book/glossary.html#term-Seed-spread); see "
                    "[The range test](https://o.github.io/r/book/14_the_range_test.html) and "
                    "([Smith, 2017](https://o.github.io/r/book/bibliography.html)); "
                    "[Kingma and Ba (2015)](https://o.github.io/r/book/bibliography.html) say")


def test_admonitions_and_exercises_become_visible_numbered_boxes(book):
    text = render("```{admonition} Learning objectives\n:class: important\nAfter this you can\n\n- read "
                  "{glue:text}`count` runs\n```\n\n```{exercise} Count the runs\n:label: ex-toy-one\n\nHow many?\n```",
                  book)
    assert text == ("> **Learning objectives**\n>\n> After this you can\n>\n> - read 12 runs\n\n"
                    "> **Exercise 7** (Count the runs)\n>\n> How many?")


def test_a_whole_solution_directive_is_folded_too(book):
    text = render("````{solution} ex-toy-one\n:class: dropdown\n\nThe secret: {glue:text}`count`.\n````", book)
    assert text.startswith("<details>\n<summary><b>Solution to Exercise 7</b>") and "The secret: 12." in text


def test_a_dropdown_admonition_stays_folded(book):
    text = render("~~~~{admonition} The code of `other`\n:class: dropdown\n\n```{literalinclude} code.py\n:pyobject: other\n```\n~~~~",
                  book)
    assert text == "<details>\n<summary><b>The code of <code>other</code></b></summary>\n\n```python\ndef other():\n    pass\n```\n\n</details>"


def test_literalinclude_shows_the_code_with_its_decorators(book):
    assert render("```{literalinclude} code.py\n:pyobject: shown\n```", book) == \
        "```python\n@decorated\ndef shown(a):\n    return a\n```"
    assert render('```{literalinclude} code.py\n:start-at: "# start here"\n:end-at: "# end"\n```', book) == \
        "```python\n# start here\nRATES = 1\n# end\n```"


def test_code_blocks_and_math_are_left_as_they_are(book):
    text = "$w \\leftarrow w - \\eta g$\n\n```python\nprint('{glue:text}`x`')\n```"
    assert render(text, book) == text


@pytest.mark.parametrize("text, construct", [
    ("{glue:text}`missing`", "{glue:text}`missing`"),
    ("{term}`nonsense`", "{term}`nonsense`"),
    ("{doc}`99_no_such_page`", "{doc}`99_no_such_page`"),
    ("{cite:p}`nobody2020`", "nobody2020"),
    ("{ref}`somewhere`", "{ref}`somewhere`"),
    ("```{figure} x.png\n```", "{figure}"),
    ("```{exercise} No label\nText\n```", ":label:"),
    ("```{exercise} Unnumbered\n:label: ex-not-in-the-book\nText\n```", "ex-not-in-the-book"),
    ("```{literalinclude} code.py\n:pyobject: absent\n```", "absent"),
    ("````{admonition} The `code`\n:class: dropdown\nx\n````", "backtick"),
])
def test_a_construct_it_cannot_render_fails_naming_the_chapter_and_the_construct(book, text, construct):
    with pytest.raises(myst.EditionError) as error:
        render(text, book)
    assert "02_toy" in str(error.value) and construct in str(error.value)


def test_leftover_myst_finds_raw_roles_and_directives_outside_code():
    assert myst.leftover_myst("a {term}`x` b\n```{note}\nn\n```\n(target)=\n") == ["{term}`", "```{note}", "(target)="]
    assert myst.leftover_myst("```python\nx = '{glue:text}`y`'\n```\n[a link](https://x)") == []


def toy_executed():
    cells = [
        nbformat.v4.new_markdown_cell("# A toy chapter\n\nIt reaches {glue:text}`accuracy`."),
        nbformat.v4.new_code_cell("# the book's own set-up cell", metadata={"tags": ["remove-cell"]}),
        nbformat.v4.new_code_cell("print('hello')", outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="hello\n"),
            nbformat.v4.new_output("stream", name="stderr", text="TensorFlow noise\n")]),
        nbformat.v4.new_code_cell("Explorer()", outputs=[nbformat.v4.new_output(
            "execute_result", data={"application/vnd.jupyter.widget-view+json": {"model_id": "m"},
                                    "text/plain": "Explorer"})]),
        nbformat.v4.new_code_cell("glue('x', 1)", metadata={"tags": ["remove-input"]}),
        nbformat.v4.new_markdown_cell("```{exercise} Count\n:label: ex-toy-one\nHow many?\n```\n\n"
                                      "```{solution-start} ex-toy-one\n:class: dropdown\n```\n\nThe secret is "
                                      "{glue:text}`count`."),
        nbformat.v4.new_code_cell("answer = 12\nprint(answer)", outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="12\n")]),
        nbformat.v4.new_code_cell("checks.adaptive_stable_rate(answer)", outputs=[
            nbformat.v4.new_output("execute_result", data={"text/plain": "Right! (ex-adaptive-stable-rate)"})]),
        nbformat.v4.new_markdown_cell("```{solution-end}\n```\n\n## Key takeaways\n\n- it ends"),
    ]
    return nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})


def test_a_learner_notebook_folds_solutions_and_keeps_what_the_book_showed(book):
    learner = learner_notebook(toy_executed(), "02_toy", book, PIN)
    nbformat.validate(learner)
    kinds = [(cell.cell_type, cell.source.splitlines()[0]) for cell in learner.cells]
    assert kinds == [
        ("markdown", "# A toy chapter"),
        ("markdown", "> **The learner edition of this chapter.** The text, figures and tables below are the book's"),
        ("code", "# Set-up: install the lrlib that built this chapter (version 0.1.0, commit 0123456789), with the"),
        ("code", "# The profile this notebook runs in. Change this one line to switch:"),
        ("code", "print('hello')"),
        ("code", "Explorer()"),
        ("code", "glue('x', 1)"),
        ("markdown", "> **Exercise 7** (Count)"),
        ("markdown", "<details>"),
        ("code", f"# Your answer: {checks.adaptive_stable_rate.form}."),
        ("code", "checks.adaptive_stable_rate(answer)"),
        ("markdown", "## Key takeaways"),
    ]
    cells = learner.cells
    assert "It reaches 0.9919." in cells[0].source
    assert [o.text for o in cells[4].outputs] == ["hello\n"]  # no stderr
    assert cells[5].outputs == []  # a live control has nothing to draw until it runs
    assert cells[6].metadata["jupyter"]["source_hidden"] and cells[6].outputs == []
    fold = cells[8].source
    assert fold.startswith("<details>\n<summary><b>Solution to Exercise 7</b>") and "open" not in fold.split("\n")[0]
    assert "The secret is 12." in fold and "answer = 12" in fold and "```text\n12\n```" in fold
    assert cells[9].source.endswith("answer = ...") and cells[10].outputs == []
    assert f'lrlib.use_profile("{PROFILE}")' in cells[3].source
    assert learner.metadata["lrlib"] == {"chapter": "02_toy", "edition": "learner", "profile": PROFILE,
                                         "version": "0.1.0", "commit": "0123456789abcdef"}


def test_a_learner_notebook_without_solutions_keeps_only_the_cells_to_answer_in(book):
    folded = learner_notebook(toy_executed(), "02_toy", book, PIN)
    student = learner_notebook(toy_executed(), "02_toy", book, PIN, solutions=False)
    nbformat.validate(student)
    text = "\n".join(cell.source for cell in student.cells)
    assert "<details>" not in text and "secret" not in text and "answer = 12" not in text
    assert "folded away" not in student.cells[1].source and "Answer each exercise in the cell" in student.cells[1].source
    assert [c.source for c in student.cells if c.cell_type == "code"] == \
        [c.source for c in folded.cells if c.cell_type == "code"]


def test_the_install_cell_installs_the_pinned_wheel_and_says_what_to_do_when_it_cannot(book, tmp_path):
    learner = learner_notebook(toy_executed(), "02_toy", book, PIN)
    install = learner.cells[2].source
    assert f'LRLIB_WHEEL = "{PIN.wheel_url}"' in install
    # Where lrlib is missing and the wheel cannot be fetched: one line, naming what to do instead.
    script = install.replace('"lrlib"', '"no_such_package_lrlib"').replace(PIN.wheel_url, str(tmp_path / "absent.whl"))
    done = subprocess.run([sys.executable, "-m", "IPython", "--colors=NoColor", "-c", script],
                          capture_output=True, text=True, timeout=300)
    shown = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert len(shown) == 1 and shown[0].startswith("InstallFailed: could not install lrlib 0.1.0"), shown
    assert "git+https://github.com/o/r@0123456789abcdef" in shown[0]


def test_pages_url_follows_from_the_repository():
    assert pages_url("https://github.com/lrlib-course/choosing-learning-rates") == \
        "https://lrlib-course.github.io/choosing-learning-rates/"
    with pytest.raises(ValueError, match="repository='https://gitlab.com/a/b'"):
        pages_url("https://gitlab.com/a/b")


# --- the learner edition the book build publishes ---------------------------------------------

def published(built_book, chapter):
    return nbformat.read(built_book / "book" / f"{chapter}.ipynb", as_version=4)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_learner_notebook_has_no_myst_left_and_folds_every_solution(built_book, chapter):
    learner = published(built_book, chapter)
    markdown = "\n\n".join(cell.source for cell in learner.cells if cell.cell_type == "markdown")
    assert myst.leftover_myst(markdown) == []
    assert "solution-start" not in markdown and "<details open" not in markdown
    page = (built_book / "book" / f"{chapter}.html").read_text()
    numbers = re.findall(r'class="caption-number">Exercise (\d+)', page)
    assert len(numbers) >= 2
    for number in numbers:
        assert f"> **Exercise {number}** (" in markdown
        assert f"<summary><b>Solution to Exercise {number}</b>" in markdown
    assert learner == nbformat.read(built_book / "_sources" / "book" / f"{chapter}.ipynb", as_version=4)
    # The book's figures, every one of them outside the solutions (those are drawn in their folds).
    executed = nbformat.read(built_book.parent / "jupyter_execute" / "book" / f"{chapter}.ipynb", as_version=4)
    assert figures(learner.cells) == figures(outside_solutions(executed.cells))


def figures(cells):
    return [output.data["image/png"] for cell in cells if cell.cell_type == "code"
            for output in cell.outputs if "image/png" in output.get("data", {})]


def outside_solutions(cells):
    inside, kept = False, []
    for cell in cells:
        if cell.cell_type == "markdown":
            inside = segments(cell.source, inside)[1]
        elif not inside:
            kept.append(cell)
    return kept


def test_the_citations_read_as_the_book_prints_them(built_book):
    learner = published(built_book, "01_introduction")
    page = (built_book / "book" / "01_introduction.html").read_text()
    markdown = "\n".join(cell.source for cell in learner.cells if cell.cell_type == "markdown")
    cited = re.findall(r"\[([^\]]+, \d{4})\]\(https://[^)]+/bibliography\.html\)", markdown)
    assert cited and all(text in page for text in cited)


def test_the_wheel_a_learner_notebook_installs_is_published_with_it(built_book):
    install = published(built_book, "02_baseline").cells[2].source
    url = re.search(r'LRLIB_WHEEL = "([^"]+)"', install).group(1)
    site = pages_url("https://github.com/lrlib-course/choosing-learning-rates")
    assert url.startswith(site) and (built_book / url.removeprefix(site)).is_file()
    assert json.loads(json.dumps(published(built_book, "02_baseline").metadata["lrlib"]))["commit"] in url


@pytest.fixture(scope="module")
def learner_venv(tmp_path_factory):
    return venv_without_lrlib(tmp_path_factory.mktemp("learner-venv"))


@pytest.mark.parametrize("chapter", ["02_baseline", "10_article_decay_code"])
def test_a_learner_notebook_installs_its_pinned_lrlib_and_runs_from_the_stored_results(built_book, learner_venv,
                                                                                        chapter, tmp_path):
    """As in a fresh Colab runtime: lrlib is missing, the first cell installs the wheel the book
    published (here from the local build, not the site), and with the profile line switched to
    "full" every result comes from the wheel's stored results: nothing is trained."""
    learner = published(built_book, chapter)
    site = pages_url("https://github.com/lrlib-course/choosing-learning-rates")
    learner.cells[2].source = learner.cells[2].source.replace(site, f"{built_book}/")
    assert learner.cells[3].source.count(f'lrlib.use_profile("{PROFILE}")') == 1
    learner.cells[3].source = learner.cells[3].source.replace(f'use_profile("{PROFILE}")', 'use_profile("full")')
    notebook = tmp_path / f"{chapter}.ipynb"
    nbformat.write(learner, notebook)
    script = ("import nbformat, sys\nfrom nbclient import NotebookClient\n"
              f"nb = nbformat.read({str(notebook)!r}, as_version=4)\n"
              "NotebookClient(nb, timeout=600, kernel_name='python3').execute()\n"
              "nbformat.write(nb, sys.argv[1])\n")
    done = subprocess.run([str(learner_venv), "-c", script, str(notebook)], capture_output=True, text=True,
                          env=learner_env(tmp_path / "cache", LRLIB_STORED_ONLY="1"), cwd=tmp_path, timeout=900)
    assert done.returncode == 0, done.stderr[-4000:]
    ran = nbformat.read(notebook, as_version=4)
    text = "".join(o.get("text", "") for c in ran.cells if c.cell_type == "code" for o in c.outputs)
    assert "profile: full" in text and "epoch 1/" not in text  # read from the stored results
    where = subprocess.check_output([str(learner_venv), "-c", "import lrlib; print(lrlib.__file__)"], text=True,
                                    env=learner_env(tmp_path / "cache"), cwd=tmp_path).strip()
    assert "site-packages" in where and not where.startswith(str(ROOT))  # the wheel's lrlib


def toy_book(tmp_path, markdown):
    """A one-chapter book and its build, as jupyter-book leaves them, in a git checkout."""
    root, build = tmp_path / "root", tmp_path / "_build"
    (root / "book").mkdir(parents=True)
    (root / "_config.yml").write_text("repository:\n  url: https://github.com/o/r\n")
    (root / "book" / "references.bib").write_text("")
    (root / "book" / "glossary.md").write_text("# Glossary\n")
    chapter = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(markdown),
                                              nbformat.v4.new_code_cell("# set-up")])
    nbformat.write(chapter, root / "book" / "01_toy.ipynb")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q",
                    "--allow-empty", "-m", "toy"], check=True)
    for page in ("01_toy", "glossary"):
        (build / "html" / "book").mkdir(parents=True, exist_ok=True)
        (build / "html" / "book" / f"{page}.html").write_text("<html></html>")
    (build / "jupyter_execute" / "book").mkdir(parents=True)
    nbformat.write(chapter, build / "jupyter_execute" / "book" / "01_toy.ipynb")
    return root, build


@pytest.mark.parametrize("markdown, construct", [
    ("# Toy\n\n```{figure} x.png\n```", "{figure}"),
    ("# Toy\n\nIt reaches {glue:text}`accuracy`.", "{glue:text}`accuracy`"),
    ("# Toy\n\nSee {doc}`02_not_in_the_book`.", "{doc}`02_not_in_the_book`"),
])
def test_publish_fails_naming_the_chapter_and_writes_nothing(tmp_path, markdown, construct):
    from lrlib.edition.publish import publish

    root, build = toy_book(tmp_path, markdown)
    with pytest.raises(myst.EditionError) as error:
        publish(build, root)
    assert "01_toy" in str(error.value) and construct in str(error.value)
    assert not list((build / "html").rglob("*.ipynb")) and not (build / "html" / "lrlib").exists()


def test_the_command_refuses_a_folder_that_is_no_book_build_in_one_line(tmp_path, capsys):
    from lrlib.edition.__main__ import main

    assert main([str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("error: ") and f"build={str(tmp_path)!r}" in error


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_learner_notebook_runs_top_to_bottom(built_book, chapter, tmp_path, monkeypatch):
    """Run all, as a learner would, with the profile line set to "full" so that the book's stored
    results serve every run: no cell may need a name that only a folded solution defines."""
    from nbclient import NotebookClient

    learner = published(built_book, chapter)
    learner.cells[3].source = learner.cells[3].source.replace(f'use_profile("{PROFILE}")', 'use_profile("full")')
    monkeypatch.setenv("LRLIB_STORED_ONLY", "1")
    monkeypatch.setenv("LRLIB_RESULTS_DIR", str(ROOT / "lrlib" / "results"))
    NotebookClient(learner, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    checked = [cell for cell in learner.cells if cell.cell_type == "code" and cell.source.startswith("checks.")]
    assert checked and all("no answer yet" in cell.outputs[0]["data"]["text/plain"] for cell in checked)


def test_a_solution_calling_a_check_lrlib_lacks_fails_naming_the_chapter_and_the_check(book):
    executed = toy_executed()
    executed.cells[7].source = "checks.no_such_check(answer)"
    with pytest.raises(myst.EditionError, match="02_toy: lrlib.checks has no check 'no_such_check'"):
        learner_notebook(executed, "02_toy", book, PIN)
