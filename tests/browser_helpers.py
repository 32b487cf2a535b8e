"""Driving the static views in headless Chromium (Debian's, through Playwright): the browser
tests of the published book and of lrlib.static_view share these."""

import contextlib
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "_build" / "screenshots"  # not committed: for a person to look at


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyter_server(command: list[str], url: str, log: Path, **popen):
    """Run a Jupyter server (Voila, JupyterLab) until ``url`` answers; stop it afterwards. A server
    that exits first fails the test with the end of its log."""
    with log.open("w") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, **popen)
        try:
            for _ in range(240):
                try:
                    urllib.request.urlopen(url, timeout=2).close()
                    break
                except OSError:
                    if server.poll() is not None:
                        pytest.fail(f"{command[0]} exited: {log.read_text()[-3000:]}")
                    time.sleep(0.5)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=30)


def chromium_path() -> str:
    """Debian's Chromium (``make test`` installs it); its absence fails the browser tests, so
    that they can never pass by being skipped."""
    path = os.environ.get("LRLIB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("The browser tests need Chromium: `make test` installs Debian's (apt-get install chromium), "
                    f"or point LRLIB_CHROMIUM at one. Not found: {path}")
    return path


class PageProblems:
    """What went wrong while a page was open: console errors, uncaught exceptions, failed
    requests, and requests for anything outside ``origin`` (which are refused)."""

    def __init__(self, page, origin: str | None = None):
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", lambda message: self.errors.append(f"console {message.type}: {message.text}")
                if message.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        page.on("requestfailed", lambda request: self.errors.append(f"failed: {request.url} ({request.failure})"))
        page.on("response", lambda response: self.errors.append(f"HTTP {response.status}: {response.url}")
                if response.status >= 400 else None)
        if origin is not None:
            def refuse_outside(route):
                url = route.request.url
                if url.startswith(origin) or url.startswith("data:") or url.startswith("blob:"):
                    route.continue_()
                else:
                    self.outside.append(url)
                    route.abort()
            page.route("**/*", refuse_outside)


MOVE = """(control) => {
  // One position along (or back, at the end), as a reader's drag or click would; returns how to undo it.
  if (control.type === "range") {
    const before = control.value, step = Number(control.step) || 1;
    const next = Number(control.value) + step <= Number(control.max) + 1e-12 ? Number(control.value) + step
      : Number(control.value) - step;
    control.value = String(next);
    control.dispatchEvent(new Event("input", { bubbles: true }));
    return before;
  }
  if (control.tagName === "SELECT") {
    const before = control.value;
    control.selectedIndex = (control.selectedIndex + 1) % control.options.length;
    control.dispatchEvent(new Event("change", { bubbles: true }));
    return before;
  }
  control.click();  // a checkbox
  return null;
}"""
RESTORE = """(control, before) => {
  if (control.type === "checkbox") { control.click(); return; }
  control.value = before;
  control.dispatchEvent(new Event(control.type === "range" ? "input" : "change", { bubbles: true }));
}"""


def movable_controls(view) -> list:
    """The controls of one static view that a reader can move now: visible, enabled, and with
    more than one position."""
    found = []
    for control in view.locator("[data-control]").all():
        if not control.is_visible() or control.is_disabled():
            continue
        if control.evaluate("c => (c.type === 'range' && Number(c.max) === Number(c.min)) "
                            "|| (c.tagName === 'SELECT' && c.options.length < 2)"):
            continue
        found.append(control)
    return found


def move_each_control(view) -> dict[str, bool]:
    """Move each movable control of ``view`` one position and back; for each, whether what the
    view draws changed. Then choose each option of every drop-down in turn and do the same for
    the controls that only show with it (a cycle policy's own settings)."""
    changed: dict[str, bool] = {}
    output = view.locator(".lrlib-output")

    def sweep():
        for control in movable_controls(view):
            name = control.get_attribute("data-control") + (control.get_attribute("data-option") or "")
            if name in changed:
                continue
            before = output.inner_html()
            undo = control.evaluate(MOVE)
            changed[name] = output.inner_html() != before
            control.evaluate(RESTORE, undo)

    sweep()
    for select in [c for c in movable_controls(view) if c.evaluate("c => c.tagName") == "SELECT"]:
        chosen = select.evaluate("c => c.value")
        for index in range(select.evaluate("c => c.options.length")):
            select.evaluate("(c, i) => { c.selectedIndex = i; c.dispatchEvent(new Event('change', { bubbles: true })); }",
                            index)
            sweep()
        select.evaluate(RESTORE, chosen)
    return changed
