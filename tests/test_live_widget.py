"""A chapter's live widgets in a real Jupyter front end, as a learner in Jupyter uses them: Voila
serves chapter 6 on localhost and runs it in a kernel, a slider is moved in headless Chromium, and
the kernel redraws the figure. (The published pages' static views are tested elsewhere.)"""

import os
import sys
from pathlib import Path

import pytest

from browser_helpers import SCREENSHOTS, PageProblems, free_port, jupyter_server

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "06_what_decay_is.ipynb"  # its controls redraw schedules: nothing trains


@pytest.fixture(scope="module")
def voila(tmp_path_factory):
    port = free_port()
    env = {**os.environ, "LRLIB_PROFILE": "quick", "TF_CPP_MIN_LOG_LEVEL": "2",
           "LRLIB_RESULTS_DIR": str(tmp_path_factory.mktemp("results"))}
    command = [str(Path(sys.executable).with_name("voila")), CHAPTER, "--no-browser", f"--port={port}",
               "--Voila.ip=127.0.0.1", "--show_tracebacks=True"]
    with jupyter_server(command, f"http://127.0.0.1:{port}/", tmp_path_factory.mktemp("voila") / "voila.log",
                        cwd=ROOT / "book", env=env) as url:
        yield url


def test_a_slider_moved_in_voila_redraws_the_kernels_figure(chromium, voila):
    page = chromium.new_page(viewport={"width": 1280, "height": 1000})
    problems = PageProblems(page, origin=voila.rstrip("/"))
    page.goto(voila, timeout=300_000)  # Voila answers once the whole chapter has run
    slider = page.locator(".widget-slider").first
    slider.wait_for(timeout=120_000)
    figure = page.locator(".widget-output img").first
    figure.wait_for(timeout=60_000)
    before = figure.get_attribute("src")
    handle = slider.locator(".noUi-handle").first
    handle.focus()
    for _ in range(4):
        handle.press("ArrowRight")
    page.wait_for_function("(before) => { const img = document.querySelector('.widget-output img');"
                           " return img && img.getAttribute('src') !== before; }", arg=before, timeout=60_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "voila_06_what_decay_is.png"), full_page=True)
    # Voila's own page template asks a CDN for Font Awesome's icons (refused here, and not the
    # book's: the published pages load nothing from outside); nothing else may fail.
    icons = "@fortawesome/fontawesome-free"
    assert all(icons in url for url in problems.outside), problems.outside
    refused = "console error: Failed to load resource: net::ERR_FAILED"  # the console's line for each
    unexplained = [e for e in problems.errors if icons not in e and e != refused]
    assert not unexplained and problems.errors.count(refused) <= len(problems.outside), problems.errors
    page.close()
