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


SWEEP = """(view, [settings, seed]) => {
  // Every control to each of its extremes alone, all at their minimum and all at their maximum,
  // then `settings` random settings (seeded). After each move: how long the redraw took, and
  // what is wrong with what it drew. Returns the problems found, each with the setting.
  let s = seed >>> 0;
  const random = () => { s = (s + 0x6D2B79F5) >>> 0; let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
  const output = view.querySelector(".lrlib-output"), problems = [];
  const specs = Object.fromEntries(JSON.parse(view.querySelector("script[type='application/json']").textContent)
    .controls.map((c) => [c.name, c]));
  const visible = () => Array.from(view.querySelectorAll("[data-control]")).filter((c) => c.offsetParent !== null && !c.disabled);
  const describe = () => visible().map((c) => `${c.dataset.control}${c.dataset.option || ""}=` +
    (c.type === "checkbox" ? c.checked : c.value)).join(" ");
  const set = (control, where) => {  // where: "min", "max" or a number in [0, 1)
    const started = performance.now();
    if (control.type === "checkbox") {
      const want = where === "max" || (where !== "min" && where >= 0.5);
      if (control.checked === want) return;
      control.click();
    } else if (control.tagName === "SELECT") {
      const n = control.options.length;
      control.selectedIndex = where === "min" ? 0 : where === "max" ? n - 1 : Math.floor(where * n);
      control.dispatchEvent(new Event("change", { bubbles: true }));
    } else {
      const low = Number(control.min), high = Number(control.max), step = Number(control.step) || 1;
      const k = Math.round((high - low) / step);
      const at = where === "min" ? 0 : where === "max" ? k : Math.floor(where * (k + 1));
      control.value = String(low + Math.min(at, k) * step);
      control.dispatchEvent(new Event("input", { bubbles: true }));
    }
    const took = performance.now() - started;
    if (took > 1000) problems.push(`redraw took ${Math.round(took)} ms at ${describe()}`);
    inspect();
  };
  const inspect = () => {
    const where = describe();
    output.querySelectorAll("svg").forEach((svg) => {
      const drawn = Array.from(svg.querySelectorAll("path")).filter((p) => /[ML]\\s*-?\\d/.test(p.getAttribute("d") || ""));
      if (!drawn.length && !svg.querySelector("circle")) problems.push(`empty plot "${svg.getAttribute("aria-label")}" at ${where}`);
      svg.querySelectorAll("path").forEach((p) => {
        if (/NaN|Infinity/.test(p.getAttribute("d") || "")) problems.push(`NaN in a path of "${svg.getAttribute("aria-label")}" at ${where}`);
      });
      const labels = Array.from(svg.querySelectorAll("text[text-anchor=end]")).map((t) => t.textContent);
      if (new Set(labels).size !== labels.length) problems.push(`repeated tick labels ${labels.join(",")} at ${where}`);
    });
    // Each number a slider shows is the one the view draws from.
    view.querySelectorAll(".lrlib-control").forEach((row) => {
      const spec = specs[row.dataset.name], readout = row.querySelector("output");
      if (!spec || spec.type !== "range" || row.style.display === "none") return;
      const drawn = view.lrlibState[spec.name], text = readout.textContent.trim();
      const shown = parseFloat(text) / (text.endsWith("%") ? 100 : 1);
      const decimals = (text.replace(/[ %]/g, "").split(".")[1] || "").length;
      const tolerance = Math.max(Math.abs(drawn) * 0.006, 0.51 * Math.pow(10, -decimals) / (text.endsWith("%") ? 100 : 1));
      if (!(Math.abs(shown - drawn) <= tolerance)) problems.push(`${spec.name} shows ${text} but draws ${drawn} at ${where}`);
    });
    if (/Infinity|NaN|e\\+30\\d/.test(output.textContent)) problems.push(`"${(output.textContent.match(/.{0,40}(Infinity|NaN|e\\+30\\d).{0,20}/) || [""])[0]}" shown at ${where}`);
  };
  const defaults = visible().map((c) => [c, c.type === "checkbox" ? c.checked : c.value]);
  const restore = () => defaults.forEach(([c, v]) => {
    if (c.type === "checkbox") { if (c.checked !== v) c.click(); return; }
    c.value = v; c.dispatchEvent(new Event(c.tagName === "SELECT" ? "change" : "input", { bubbles: true }));
  });
  inspect();
  visible().forEach((c) => { set(c, "min"); set(c, "max"); restore(); });
  ["min", "max"].forEach((end) => { visible().forEach((c) => set(c, end)); restore(); });
  // Each option of a multiple choice alone, with every other control at each end.
  const options = visible().filter((c) => c.dataset.option !== undefined);
  options.forEach((only) => {
    set(only, "max");
    options.filter((c) => c !== only).forEach((c) => set(c, "min"));
    visible().filter((c) => c.dataset.option === undefined).forEach((c) => { set(c, "min"); set(c, "max"); });
    restore();
  });
  for (let i = 0; i < settings; i++) visible().forEach((c) => set(c, random()));
  return Array.from(new Set(problems)).slice(0, 20);
}"""


def sweep_controls(view, settings: int = 50, seed: int = 0) -> list[str]:
    """Move every control of a static view to its extremes and to ``settings`` random settings;
    return what went wrong: a redraw over a second, an empty plot, a NaN path, repeated tick
    labels, a slider showing another number than the one drawn, Infinity or NaN shown to the
    reader."""
    return view.evaluate(SWEEP, [settings, seed])
