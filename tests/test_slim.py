"""The published site ships what its pages use (lrlib.edition.slim)."""

from lrlib.edition.slim import slim, weights
from lrlib.static_view import SCRIPT_PATH

SCRIPT = "<script>" + SCRIPT_PATH.read_text().replace("</", "<\\/") + "</script>"


def toy_site(tmp_path):
    site = tmp_path / "html"
    (site / "book").mkdir(parents=True)
    (site / "_static" / "scripts").mkdir(parents=True)
    (site / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").mkdir(parents=True)
    (site / "_static" / "mathjax" / "input").mkdir()
    (site / "_static" / "mathjax" / "tex-chtml.js").write_text("mathjax")
    (site / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2" / "a.woff").write_text("font")
    (site / "_static" / "mathjax" / "input" / "tex-full.js").write_text("x" * 1000)
    (site / "_static" / "scripts" / "theme.js").write_text("code();\n//# sourceMappingURL=theme.js.map")
    (site / "_static" / "scripts" / "theme.js.map").write_text("{}" * 1000)
    page = ('<html><head><script src="../_static/scripts/theme.js"></script></head><body>'
            f'<div>{SCRIPT}<script>mount(1)</script></div><div>{SCRIPT}<script>mount(2)</script></div>'
            '<script type="application/vnd.jupyter.widget-state+json">{"state": "' + "s" * 5000 + '"}</script>'
            '</body></html>')
    (site / "book" / "ch.html").write_text(page)
    return site


def test_slim_keeps_one_copy_of_the_views_script_and_drops_what_no_page_reads(tmp_path):
    site = toy_site(tmp_path)
    before = weights(site)
    slim(site)
    page = (site / "book" / "ch.html").read_text()
    assert page.count(SCRIPT) == 1 and "mount(1)" in page and "mount(2)" in page
    assert page.index(SCRIPT) < page.index("mount(1)")  # defined before the first view mounts
    assert "widget-state" not in page
    assert not list(site.rglob("*.map")) and "sourceMappingURL" not in (site / "_static/scripts/theme.js").read_text()
    assert (site / "_static/scripts/theme.js").read_text() == "code();"
    kept = sorted(p.relative_to(site / "_static" / "mathjax").as_posix()
                  for p in (site / "_static" / "mathjax").rglob("*") if p.is_file())
    assert kept == ["output/chtml/fonts/woff-v2/a.woff", "tex-chtml.js"]
    after = weights(site)
    assert after.site_bytes < before.site_bytes and after.heaviest_page == "book/ch.html"
    assert after.heaviest_bytes < before.heaviest_bytes
    assert "MB in all; heaviest page book/ch.html" in str(after)
