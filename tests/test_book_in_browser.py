"""The built book, as a reader opens it: every page in headless Chromium, served from localhost
with every request outside the book refused. Screenshots go to _build/screenshots/."""

import functools
import http.server
import json
import re
import threading
from pathlib import Path
from urllib.parse import urljoin

import pytest

from browser_helpers import SCREENSHOTS, PageProblems, move_each_control, movable_controls, sweep_controls

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p.stem for p in (ROOT / "book").glob("[0-9][0-9]_*.ipynb"))
OTHER_PAGES = ["index.html", "search.html", "genindex.html"] + [
    f"book/{p.stem}.html" for p in sorted((ROOT / "book").glob("*.md"))]
REPOSITORY = "lrlib-course/choosing-learning-rates"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(built_book):
    """The built book on a local web server (a reader's browser, or GitHub Pages, serves it so)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler,
                                                                                directory=str(built_book)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture
def open_page(chromium, site):
    """Open a page of the book; returns the page and what went wrong on it."""
    opened = []

    def open_(path):
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        problems = PageProblems(page, origin=site)
        page.goto(site + path, wait_until="load")
        page.wait_for_load_state("networkidle")
        opened.append(page)
        return page, problems

    yield open_
    for page in opened:
        page.close()


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


BROKEN_IMAGES = "() => Array.from(document.images).filter((i) => !i.complete || i.naturalWidth === 0).map((i) => i.src)"


@pytest.mark.parametrize("path", [f"book/{c}.html" for c in CHAPTERS] + OTHER_PAGES)
def test_every_page_loads_offline_with_no_error_and_no_broken_image(open_page, path):
    page, problems = open_page(path)
    screenshot(page, path.replace("/", "_").removesuffix(".html"))  # loads every image on the way
    assert not problems.outside, f"{path} asks for files outside the book: {problems.outside}"
    assert not problems.errors, problems.errors
    assert page.evaluate(BROKEN_IMAGES) == []


def test_no_built_page_names_a_script_stylesheet_or_font_outside_the_book(built_book):
    outside = re.compile(r"""<(script|link)\b[^>]*\b(src|href)=["'](https?:)?//""")
    for page in built_book.rglob("*.html"):
        text = page.read_text()
        for match in outside.finditer(text):
            tag = text[match.start():match.start() + 300]
            # A <link> that is a plain hyperlink target (not rel=stylesheet/preload/icon) loads nothing.
            if match.group(1) == "link" and not re.search(r"rel=[\"'](stylesheet|preload|icon|modulepreload)", tag):
                continue
            pytest.fail(f"{page.relative_to(built_book)} loads {tag[:160]}")


def test_no_page_shows_a_local_path_or_a_progress_bar(built_book):
    local = [str(ROOT), str(built_book), "/tmp/", "/home/", "/root/"]
    progress = re.compile(r"\d+(\.\d+)? ?(run|it)/s|\d+%\|")  # tqdm's rate and bar
    for page in built_book.rglob("*.html"):
        text = page.read_text()
        assert not [path for path in local if path in text], page.relative_to(built_book)
        assert not progress.search(text), (page.relative_to(built_book), progress.search(text))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapters_controls_redraw(open_page, chapter):
    """Every chapter has controls (under "Try it", or beside the text they illustrate)."""
    page, problems = open_page(f"book/{chapter}.html")
    views = page.locator(".lrlib-static")
    assert views.count() >= 1 and page.locator(".lrlib-static[data-ready=true]").count() == views.count()
    moved = 0
    for i in range(views.count()):
        view = views.nth(i)
        changed = move_each_control(view)
        assert all(changed.values()), f"view {i}: {changed}"
        spec = json.loads(view.locator("script[type='application/json']").text_content().replace("<\\/", "</"))
        assert len(changed) == sum(len(c["options"]) if c["type"] == "multi" else 1 for c in spec["controls"])
        moved += len(changed)
        if movable_controls(view):
            view.scroll_into_view_if_needed()
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            view.screenshot(path=str(SCREENSHOTS / f"controls_{chapter}_{i}.png"))
    assert moved >= 1, "no control on the page moves"
    assert not problems.errors and not problems.outside


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapters_views_draw_right_at_their_extremes_and_random_settings(open_page, chapter):
    """No freeze, page error, NaN path, blank plot, repeated tick label or readout that differs
    from the value drawn, at any end of any control or at 20 random settings of each view."""
    page, problems = open_page(f"book/{chapter}.html")
    views = page.locator(".lrlib-static[data-ready=true]")
    for i in range(views.count()):
        assert sweep_controls(views.nth(i), settings=20, seed=i) == [], f"view {i}"
    assert not problems.errors, problems.errors[:5]


LAYOUT = """() => {
  // What a reader cannot see whole: anything past the column's right edge, content cut off
  // without a scroll bar, figures shrunk below three quarters of their size, text under 9 px.
  const article = document.querySelector(".bd-article"), edge = article.getBoundingClientRect().right + 1;
  const problems = [];
  article.querySelectorAll("pre, table, img, svg, select").forEach((el) => {
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    if (box.width && box.right > edge) problems.push(`${el.tagName} sticks out by ${Math.round(box.right - edge)} px`);
    if (el.scrollWidth > el.clientWidth + 1 && !["auto", "scroll"].includes(style.overflowX)
        && !["svg", "SELECT"].includes(el.tagName)) problems.push(`${el.tagName} cut off: ${el.textContent.slice(0, 60)}`);
  });
  // (On a phone every figure is shown smaller; there the panels' text is what must stay legible.)
  if (window.innerWidth >= 1000) article.querySelectorAll("div.cell_output img").forEach((img) => {
    const shown = img.getBoundingClientRect().width / img.naturalWidth;
    if (img.naturalWidth > 300 && shown < 0.75) problems.push(`figure shown at ${shown.toFixed(2)} of its size`);
  });
  article.querySelectorAll(".lrlib-static svg").forEach((svg) => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    svg.querySelectorAll("text").forEach((t) => {
      const size = Number(t.getAttribute("font-size")) * scale;
      if (t.textContent && size < 9) problems.push(`plot text ${size.toFixed(1)} px: ${t.textContent}`);
    });
  });
  if (document.documentElement.scrollWidth > window.innerWidth + 1) problems.push("the page scrolls sideways");
  return Array.from(new Set(problems));
}"""


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_fits_its_column(open_page, chapter):
    page, _ = open_page(f"book/{chapter}.html")
    assert page.evaluate(LAYOUT) == []


@pytest.mark.parametrize("chapter", ["14_the_range_test", "11_how_adaptive_optimizers_adapt"])
def test_a_chapter_and_its_panels_fit_a_phone(chromium, site, chapter):
    page = chromium.new_page(viewport={"width": 375, "height": 800})
    page.goto(site + f"book/{chapter}.html", wait_until="load")
    assert page.evaluate(LAYOUT) == []
    screenshot(page, f"phone_{chapter}")
    page.close()


def test_clicking_the_exercise_link_in_a_solutions_title_opens_the_solution(open_page):
    page, problems = open_page("book/08_initial_rate_still_fixed.html")
    solution = page.locator(".solution.dropdown").first
    body = solution.locator("p").nth(1)
    assert not body.is_visible()
    before = page.url
    solution.scroll_into_view_if_needed()
    link = solution.locator(".admonition-title a").first.bounding_box()
    page.mouse.click(link["x"] + link["width"] / 2, link["y"] + link["height"] / 2)  # where a reader clicks
    body.wait_for(state="visible", timeout=5_000)
    assert page.url == before and not problems.errors


def test_the_site_has_a_favicon(open_page):
    page, problems = open_page("book/intro.html")
    icon = page.locator("link[rel~='icon']").first.get_attribute("href")
    assert page.request.get(urljoin(page.url, icon)).ok and not problems.errors


def test_search_finds_a_chapter(open_page):
    page, problems = open_page("search.html?q=range+test")
    results = page.locator("#search-results a")
    results.first.wait_for(timeout=20_000)
    found = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert any("14_the_range_test" in href for href in found), found
    screenshot(page, "search_range_test")
    assert not problems.errors and not problems.outside


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_colab_link_opens_the_chapters_own_notebook(open_page, chapter):
    page, _ = open_page(f"book/{chapter}.html")
    links = page.locator("a[href*='colab.research.google.com']")
    assert links.count() >= 1
    # gh-pages: the branch the site is served from, where book/<chapter>.ipynb is the learner edition
    expected = f"https://colab.research.google.com/github/{REPOSITORY}/blob/gh-pages/book/{chapter}.ipynb"
    assert {links.nth(i).get_attribute("href") for i in range(links.count())} == {expected}
    downloads = page.locator("a[href$='.ipynb']:not([href*='colab'])")
    assert downloads.count() >= 1
    # The notebook beside the page (what Colab opens) and the download button's: the learner edition.
    for href in {f"{chapter}.ipynb", *(downloads.nth(i).get_attribute("href") for i in range(downloads.count()))}:
        served = page.request.get(urljoin(page.url, href))
        assert served.ok and json.loads(served.text())["metadata"]["lrlib"]["edition"] == "learner", href
