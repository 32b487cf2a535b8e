"""The chapters' controls as static HTML, for the published book, where no kernel runs.

Every control class in ``lrlib.widgets`` shows itself with two views of one cell output: the live
ipywidgets view, which Jupyter, JupyterLab and Colab render, and an HTML view, which the book's
HTML build prefers (``nb_mime_priority_overrides`` in ``_config.yml``). The HTML view holds its
data and ``static/lrlib_static.js`` inline, so a page needs nothing from outside the book. Its
controls redraw either from views precomputed here for every position (stored results) or from
the JavaScript mirror of lrlib's formulas (schedules, range-test smoothing and suggestions).
"""

from __future__ import annotations

import html
import itertools
import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

SCRIPT_PATH = Path(__file__).parent / "static" / "lrlib_static.js"
STYLE = """
.lrlib-static { border: 1px solid #d0d7de; border-radius: 6px; padding: 0.6em 0.8em; margin: 0.5em 0;
                background: white; color: #24292f; }
.lrlib-static .lrlib-control { margin: 0.25em 0; }
.lrlib-static .lrlib-control label { margin-right: 0.6em; display: inline-block; max-width: 100%; }
.lrlib-static input[type=range] { width: 260px; max-width: 100%; vertical-align: middle; }
.lrlib-static select { max-width: 100%; }
.lrlib-static output { font-family: monospace; margin-left: 0.3em; }
.lrlib-static .lrlib-panel { margin: 0.4em 0; max-width: 720px; }
.lrlib-static .lrlib-legend { font-size: 0.8em; }
.lrlib-static .lrlib-legend-item { margin-right: 1em; display: inline-block; max-width: 100%; overflow-wrap: anywhere; }
.lrlib-static .lrlib-swatch { display: inline-block; width: 1.6em; margin-right: 0.3em; vertical-align: middle; }
.lrlib-static .lrlib-text { font-size: 0.8em; white-space: pre-wrap; overflow-wrap: anywhere; }
.lrlib-static .lrlib-note { font-size: 0.85em; color: #57606a; margin: 0 0 0.4em 0; }
"""
NOTE = "Static view: it redraws in your browser from the book's stored results and lrlib's formulas."
# The views static/lrlib_static.js draws (its VIEWS).
VIEWS = ("lookup", "notice", "decay", "cycles", "rangeTest", "suggestions", "trajectories", "articleDecay")


def _jsonable(value):
    """``value`` with NumPy scalars and arrays made plain, and non-finite numbers as ``null``
    (JSON has no NaN; the page reads ``null`` as a gap in a curve)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


def render(view: str, data: dict, controls: Sequence[dict] = (), note: str = NOTE) -> str:
    """The HTML of one static view: its controls' specs and data as JSON, the script, and a call
    that mounts it on its own ``div`` (so several views share a page)."""
    if view not in VIEWS:
        raise ValueError(f"Argument `view` must be one of {list(VIEWS)}. Received: view={view!r}")
    spec = json.dumps(_jsonable({"view": view, "data": data, "controls": list(controls)}), allow_nan=False)
    script = SCRIPT_PATH.read_text()
    # "</" inside a script element would end it early.
    spec, script = spec.replace("</", "<\\/"), script.replace("</", "<\\/")
    return (f'<div class="lrlib-static" data-view="{view}"><style>{STYLE}</style>'
            f'<p class="lrlib-note">{html.escape(note)}</p>'
            f'<script type="application/json">{spec}</script><script>{script}</script>'
            "<script>window.lrlibStatic.mount(document.currentScript.parentNode);</script></div>")


# --- controls, from the ipywidgets they stand for -------------------------------------------

def positions(widget) -> list[float]:
    """The values a numeric slider can take, from its minimum to its maximum by its step."""
    count = int(round((widget.max - widget.min) / widget.step)) + 1
    return [round(widget.min + i * widget.step, 10) for i in range(count)]


def control(name: str, widget, discrete: bool = False, when: dict | None = None) -> dict:
    """The spec of the page's control for ipywidgets ``widget``: same label, range and start.
    ``discrete`` makes a numeric slider a choice among its positions (for precomputed views)."""
    import ipywidgets as widgets

    spec = {"name": name, "label": widget.description}
    if when:
        spec["when"] = when
    if isinstance(widget, widgets.Checkbox):
        return spec | {"type": "checkbox", "value": bool(widget.value)}
    if isinstance(widget, widgets.SelectMultiple):
        options = list(widget.options)
        return spec | {"type": "multi", "options": [str(o) for o in options],
                       "value": [options.index(v) for v in widget.value]}
    if isinstance(widget, (widgets.SelectionSlider, widgets.Dropdown, widgets.ToggleButtons)):
        kind = "slider" if isinstance(widget, widgets.SelectionSlider) else "select"
        return spec | {"type": kind, "options": list(widget._options_labels), "value": widget.index}
    log = isinstance(widget, widgets.FloatLogSlider)
    if discrete:
        grid = positions(widget)
        at = math.log10(widget.value) if log else widget.value
        labels = [f"{10 ** p if log else p:{_readout(widget)}}" for p in grid]
        return spec | {"type": "slider", "options": labels, "value": int(np.argmin([abs(p - at) for p in grid]))}
    digits = 0 if isinstance(widget, widgets.IntSlider) else None
    readout = getattr(widget, "readout_format", "")
    percent = readout.endswith("%")
    if digits is None and readout[-1:] in "f%":
        digits = int(readout.strip(".f%") or 2)
    position = math.log10(widget.value) if log else widget.value
    low, high = _grid_through(position, widget.min, widget.max, widget.step)
    return spec | {"type": "range", "min": low, "max": high, "step": widget.step, "log": log,
                   "position": position, "percent": percent, "digits": 2 if log else digits}


def _grid_through(position: float, low: float, high: float, step: float) -> tuple[float, float]:
    """The slider's ends moved inwards (by less than a step) so that its grid passes through its
    starting position: the browser snaps a range input to ``min + k * step``, and the book's
    value (the article's 1.5e-6, say) must be shown, drawn, and reachable again after a move."""
    below = math.floor((position - low) / step + 1e-9)
    start = round(position - below * step, 12)
    return start, round(start + math.floor((high - start) / step + 1e-9) * step, 12)


def _readout(widget) -> str:
    readout = getattr(widget, "readout_format", "") or ".3g"
    return readout if readout[-1] in "efg%" else ".3g"


def lookup(controls: Sequence[dict], render_at: Callable[..., dict]) -> dict:
    """The data of a precomputed view: ``render_at(*indices)`` for every combination of the
    controls' options (each a ``select`` or ``slider`` spec), keyed as the page keys them."""
    names = [c["name"] for c in controls]
    views = {"|".join(map(str, at)): render_at(*at) for at in itertools.product(*(range(len(c["options"])) for c in controls))}
    return {"keys": names, "views": views}


# --- panels: what the matplotlib figures show, as data the page draws ------------------------

def series(x, y, label: str | None = None, **style) -> dict:
    return {"x": list(x), "y": list(y), "label": label, **style}


def history_panel(results: Sequence, metrics: Sequence[str], log_scale: bool, title: str | None = None) -> dict:
    """Per-epoch curves, as ``widgets.common._draw`` draws them: one run's metrics, or each metric of each run."""
    from .plots import METRIC_NAMES

    lines = []
    for result in results:
        epochs = range(1, result.epochs_run + 1)
        for metric in metrics:
            label = METRIC_NAMES.get(metric, metric) if len(results) == 1 else \
                f"{metric}: {result.experiment.label()}, seed {result.experiment.seed}"
            lines.append(series(epochs, result.history[metric], label, marker=2.5))
    vlines = [{"x": results[0].epochs_run, "color": "red", "label": "stopped: diverged"}] \
        if len(results) == 1 and results[0].diverged else []
    return {"title": title or f"{results[0].experiment.label()} ({results[0].experiment.profile} profile)",
            "xlabel": "epoch", "ylabel": "categorical cross-entropy" if "loss" in metrics[0] else "accuracy",
            "ylog": log_scale, "series": lines, "vlines": vlines}


def comparison_panel(results: Sequence, metric: str, log_scale: bool = True) -> dict:
    """One ``metric`` curve per run, as ``plots.plot_loss_comparison`` draws it."""
    from .plots import run_labels

    return {"xlabel": "epoch", "ylabel": metric.replace("_", " "), "ylog": log_scale, "title": metric.replace("_", " "),
            "series": [series(range(1, r.epochs_run + 1), r.history[metric], label, marker=2.5)
                       for r, label in zip(results, run_labels(results))]}


def bands_panel(table, title: str) -> dict:
    """Each optimizer's good band, as ``plots.plot_bands`` draws it: a thick bar over the good
    rates, a thin line out to the nearest bad ones (dashed where the grid ends first)."""
    lines = []
    for row, (_, band) in enumerate(table.iterrows()):
        low, high = band["band from"], band["band to"]
        below = band["bad below"] if band["bad below"] > 0 else low * 0.4
        above = band["bad above"] if np.isfinite(band["bad above"]) else high * 2.5
        lines.append(series([below, above], [row, row], color="C7", width=1.5))
        lines.append(series([low, high], [row, row], color="C0", width=9, marker=6 if low == high else None))
    from .plots import band_labels, swept_axis_label

    return {"title": title, "xlabel": swept_axis_label(list(table.index)), "xlog": True, "yinvert": True,
            "ylim": [-0.6, len(table) - 0.4], "yticks": [[row, label] for row, label in enumerate(band_labels(table.index))],
            "series": lines}


def rates_used_panel(results: Sequence) -> dict:
    from .plots import run_labels

    return {"xlabel": "epoch", "ylabel": "learning rate used", "ylog": True, "title": "the rate each run used",
            "series": [series(range(1, r.epochs_run + 1), r.history["learning_rate"], label, marker=2.5,
                              steps=True) for r, label in zip(results, run_labels(results))]}


def table_panel(frame) -> dict:
    return {"html": frame.to_html(classes="table", border=0)}  # pandas formats each column as a notebook does


def notice(text: str, links: Sequence[tuple[str, str]] = ()) -> str:
    """A view with no control: ``text`` and links, for what needs a kernel (training)."""
    body = html.escape(text) + "".join(f' <a href="{html.escape(url)}">{html.escape(label)}</a>' for label, url in links)
    return render("notice", {"html": f"<p>{body}</p>"}, note="Static view.")
