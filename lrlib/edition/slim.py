"""Ship what the published pages use, and say what a page weighs.

The HTML build carries things no reader's browser needs: the ipywidgets state that myst-nb
embeds in every chapter (the pages draw the static views, which never read it), a second copy
of the static views' script on pages with two panels, the theme's source maps, and the whole
MathJax distribution, of which the pages load ``tex-chtml.js`` and its fonts. ``slim`` removes
them from a built site; ``weights`` measures a site before and after.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..static_view import SCRIPT_PATH

WIDGET_STATE = re.compile(r'<script type="application/vnd\.jupyter\.widget-state\+json">.*?</script>\s*', re.S)
SOURCE_MAP_COMMENT = re.compile(r"\n?(//# sourceMappingURL=\S+|/\*# sourceMappingURL=\S+? ?\*/)\s*$")
# What a browser fetches to show a page: scripts, images, and stylesheets, preloads and icons
# (not the <link>s to the previous and next pages).
TAG = re.compile(r"<(script|img|link)\b[^>]*>")
LOCAL_URL = re.compile(r'\b(?:src|href)="(?!https?:|//|#|data:)([^"?#]+)')
MATHJAX_USED = ("tex-chtml.js", "output/chtml/fonts/woff-v2/")  # what tex-chtml.js loads


@dataclass(frozen=True)
class Weight:
    """A site's size on disk, and its heaviest page with what that page loads."""

    site_bytes: int
    heaviest_page: str
    heaviest_bytes: int

    def __str__(self) -> str:
        return (f"{self.site_bytes / 1e6:.1f} MB in all; heaviest page {self.heaviest_page}, "
                f"{self.heaviest_bytes / 1e6:.2f} MB with the files it loads")


def slim(site: Path) -> None:
    """Remove from the built ``site`` what no page uses (see the module's docstring)."""
    inline_script = "<script>" + SCRIPT_PATH.read_text().replace("</", "<\\/") + "</script>"
    for page in site.rglob("*.html"):
        text = page.read_text()
        slimmer = WIDGET_STATE.sub("", text)
        first = slimmer.find(inline_script)
        if first >= 0:  # every view after the first on a page finds window.lrlibStatic already there
            end = first + len(inline_script)
            slimmer = slimmer[:end] + slimmer[end:].replace(inline_script, "")
        if slimmer != text:
            page.write_text(slimmer)
    static = site / "_static"
    for source_map in static.rglob("*.map"):
        source_map.unlink()
    for asset in [*static.rglob("*.js"), *static.rglob("*.css")]:
        text = asset.read_text(errors="surrogateescape")
        if "sourceMappingURL" in text:
            asset.write_text(SOURCE_MAP_COMMENT.sub("", text), errors="surrogateescape")
    mathjax = static / "mathjax"
    if (mathjax / MATHJAX_USED[0]).is_file():
        for path in sorted(mathjax.rglob("*"), reverse=True):
            relative = path.relative_to(mathjax).as_posix()
            if path.is_file() and not any(relative == keep or relative.startswith(keep) for keep in MATHJAX_USED):
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()


def weights(site: Path) -> Weight:
    """The site's size and its heaviest page: the HTML and every local file it names (scripts,
    stylesheets, images; MathJax's fonts, which load only where a page has math, not counted)."""
    total = sum(path.stat().st_size for path in site.rglob("*") if path.is_file())
    heaviest = ("", 0)
    for page in site.rglob("*.html"):
        loaded = {(page.parent / url[1]).resolve() for tag in TAG.finditer(page.read_text())
                  if tag[1] != "link" or re.search(r'rel="[^"]*(stylesheet|preload|icon)', tag[0])
                  if (url := LOCAL_URL.search(tag[0]))}
        size = page.stat().st_size + sum(path.stat().st_size for path in loaded if path.is_file())
        heaviest = max(heaviest, (page.relative_to(site).as_posix(), size), key=lambda item: item[1])
    return Weight(total, *heaviest)
