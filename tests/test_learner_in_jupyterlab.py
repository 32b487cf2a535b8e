"""Three learner notebooks as a learner sees them in JupyterLab (headless Chromium, offline): every
Markdown cell rendered, no raw MyST, no placeholder, and every solution folded away until clicked.
Screenshots: _build/screenshots/jupyterlab_<chapter>.png (the top of the chapter) and
jupyterlab_<chapter>_exercise.png (its first exercise, with the folded solution below it)."""

import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from browser_helpers import SCREENSHOTS, PageProblems, free_port, jupyter_server

CHAPTERS = ["08_initial_rate_still_fixed", "17_one_cycle", "20_do_they_remove_the_rate_problem"]  # glue-heavy, one-cycle, the newest
RAW_MYST = re.compile(r"\{(glue:text|glue|term|doc|cite:p|cite:t|ref|exercise|solution-start|solution-end|"
                      r"admonition|literalinclude|note|tip|important|warning)\}|```\{|^:\w+:", re.M)


@pytest.fixture(scope="module")
def jupyterlab(built_book, tmp_path_factory):
    """JupyterLab on localhost over a folder holding the learner notebooks, with every cell
    rendered at once (no windowing), so that the whole chapter can be read off the page."""
    root = tmp_path_factory.mktemp("learner")
    for chapter in CHAPTERS:
        shutil.copy(built_book / "book" / f"{chapter}.ipynb", root)
    settings = tmp_path_factory.mktemp("lab-settings")
    tracker = settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}))
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))  # offline: no news pop-up
    port = free_port()
    command = [str(Path(sys.executable).with_name("jupyter-lab")), "--no-browser", f"--port={port}",
               "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=",
               f"--ServerApp.root_dir={root}", "--LabApp.news_url=",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly", "--allow-root"]
    env = {"JUPYTERLAB_SETTINGS_DIR": str(settings), "JUPYTER_RUNTIME_DIR": str(settings / "runtime"),
           "HOME": str(settings), "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"}
    with jupyter_server(command, f"http://127.0.0.1:{port}/lab", settings / "lab.log", cwd=root, env=env) as url:
        yield url.removesuffix("/lab")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_learner_notebook_reads_right_in_jupyterlab(chromium, jupyterlab, built_book, chapter):
    page = chromium.new_page(viewport={"width": 1280, "height": 2400})
    problems = PageProblems(page, origin=jupyterlab)
    # A workspace of its own: only this notebook open (not the last test's, hidden in a tab).
    page.goto(f"{jupyterlab}/lab/workspaces/{chapter}/tree/{chapter}.ipynb?reset", timeout=120_000)
    notebook = page.locator(".jp-NotebookPanel:visible")
    rendered = notebook.locator(".jp-MarkdownCell .jp-RenderedMarkdown")
    notebook.locator(".jp-RenderedMarkdown h1").first.wait_for(timeout=120_000)
    markdown_cells = sum(cell["cell_type"] == "markdown"
                         for cell in json.loads((built_book / "book" / f"{chapter}.ipynb").read_text())["cells"])
    page.wait_for_function(f"() => document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell .jp-RenderedMarkdown').length "
                           f">= {markdown_cells}", timeout=60_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"jupyterlab_{chapter}.png"))

    visible = "\n".join(rendered.all_inner_texts())  # what a reader sees: closed folds excluded
    assert not RAW_MYST.findall(visible), RAW_MYST.findall(visible)
    folds = notebook.locator(".jp-RenderedMarkdown details", has=page.locator("summary", has_text="Solution to Exercise"))
    exercises = notebook.locator(".jp-RenderedMarkdown blockquote", has_text=re.compile(r"^\s*Exercise \d+"))
    assert folds.count() == exercises.count() >= 2
    assert notebook.locator(".jp-RenderedMarkdown details").evaluate_all("all => all.every((d) => !d.open)")
    for index in range(folds.count()):
        fold = folds.nth(index)
        assert fold.locator("summary").is_visible() and "Solution to Exercise" in fold.locator("summary").inner_text()
        assert not fold.locator("pre").first.is_visible()  # the solution's code stays hidden until clicked
    assert notebook.locator(".jp-RenderedMarkdown a[href*='github.io']").count() > 0  # links to the published book
    assert notebook.locator(".jp-OutputArea-output img").count() >= 1  # the book's figures, before any run

    first = exercises.first
    first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"jupyterlab_{chapter}_exercise.png"))
    folds.first.locator("summary").click()  # and a click opens the solution
    assert folds.first.locator("pre").first.is_visible()
    assert not problems.outside, problems.outside
    page.close()
