"""What every control of ``lrlib.widgets`` shares: sliders that refuse values outside their
range, the redraw of an output in one update, a run's curves and summary line, and ``_Control``,
the base that shows a control live in Jupyter and as its static view in the HTML book."""

from __future__ import annotations

import math
from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import traitlets

from .. import validation
from ..plots import plot_history, plot_loss_comparison
from ..results import Result


def _summary(result: Result) -> str:
    outcome = result.outcome
    # The book's own results are the real MNIST's; a learner's run on other data says so.
    return (f"{result.experiment.label()}, seed {result.experiment.seed}: test loss {result.test_loss:.4f}, "
            f"test accuracy {result.test_accuracy:.4f}"
            + ("" if outcome.kind == "learned" else f", {outcome}")
            + ("" if result.on_real_mnist else f", on {result.data_description}"))


def _metrics_of(results: Sequence[Result], metrics: Sequence[str]) -> tuple[str, ...]:
    """``metrics`` as a tuple, when every one of ``results`` records each of them."""
    held = sorted(set.intersection(*(set(result.history) for result in results)))
    chosen = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    if not chosen or any(metric not in held for metric in chosen):
        raise ValueError(f"Argument `metrics` must name one or more of the metrics the results record, "
                         f"{held}. Received: metrics={metrics!r}")
    return chosen


class _RefusesOutOfRange:
    """A slider that refuses NaN and values outside its range, set from code (ipywidgets lets
    NaN through, after which every redraw of the panel fails, and clamps the rest without a word)."""

    @traitlets.validate("value")
    def _validate_value(self, proposal):
        value, (low, high) = proposal["value"], self._range()
        lowest, highest = self._tolerated(low, high)
        if not (math.isfinite(value) and lowest <= value <= highest):
            raise traitlets.TraitError(f"{self.description or 'value'} must lie in [{low:g}, {high:g}]. "
                                       f"Received: {value!r}")
        return min(max(value, low), high)


class RateSlider(_RefusesOutOfRange, widgets.FloatLogSlider):
    """A log-scale slider that refuses NaN and values outside its range."""

    def _range(self) -> tuple[float, float]:
        return self.base ** self.min, self.base ** self.max

    def _tolerated(self, low: float, high: float) -> tuple[float, float]:
        # A browser's pow may differ from Python's in the last bit at the ends of the range.
        return low * (1 - 1e-9), high * (1 + 1e-9)


class PlainSlider(_RefusesOutOfRange, widgets.FloatSlider):
    """A linear slider that refuses NaN and values outside its range."""

    def _range(self) -> tuple[float, float]:
        return self.min, self.max

    def _tolerated(self, low: float, high: float) -> tuple[float, float]:
        slack = 1e-9 * (high - low)  # a browser's sum of steps may overshoot in the last bit
        return low - slack, high + slack


def _rate_slider(name: str, value: float, low_exponent: float, high_exponent: float, **options) -> RateSlider:
    """A ``RateSlider`` from 10**low_exponent to 10**high_exponent starting at ``value``, which
    must lie in that range (``ValueError`` naming ``name`` otherwise)."""
    value = validation.number(name, value, minimum=10.0 ** low_exponent, maximum=10.0 ** high_exponent)
    return RateSlider(value=value, base=10, min=low_exponent, max=high_exponent,
                      style={"description_width": "initial"}, **options)


def _replace(output: widgets.Output, *items) -> None:
    """Replace what ``output`` shows by ``items`` (figures, tables, or text), in one update.

    The widget's ``outputs`` are set directly instead of capturing with ``with output:``: a
    capture makes nbclient (the book build) echo each output back to the kernel on the shell
    channel, which can leave it waiting forever for the cell's reply (jupyter/nbclient#312).
    Figures are closed once formatted, so that they do not show a second time below the cell.
    """
    from IPython.core.interactiveshell import InteractiveShell

    formatter = InteractiveShell.instance().display_formatter
    shown = []
    for item in items:
        if isinstance(item, str):
            shown.append({"output_type": "stream", "name": "stdout", "text": item})
            continue
        data, metadata = formatter.format(item)
        shown.append({"output_type": "display_data", "data": data, "metadata": metadata})
        if isinstance(item, plt.Figure):
            plt.close(item)
    output.outputs = tuple(shown)


def _draw(output: widgets.Output, results: Sequence[Result], metrics: Sequence[str], log_scale: bool) -> None:
    """One run's curves, or, for several runs (seeds, schemes), each metric of each run."""
    fig, ax = plt.subplots(figsize=(7, 3.5))
    if len(results) == 1:
        plot_history(results[0], ax=ax, metrics=metrics, log_scale=log_scale)
    else:
        for metric in metrics:
            plot_loss_comparison(results, ax=ax, metric=metric, log_scale=log_scale, show_chance=False,
                                 labels=[f"{metric}: {r.experiment.label()}, seed {r.experiment.seed}" for r in results])
    _replace(output, fig, "".join(_summary(result) + "\n" for result in results))


class _Control:
    """A control shown by Jupyter and Colab as its live ipywidgets, and by the HTML book, which
    prefers text/html (``_config.yml``), as its static view (``lrlib.static_view``)."""

    widget: widgets.Widget

    def static_html(self) -> str:
        raise NotImplementedError

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude)
        bundle["text/html"] = self.static_html()
        return bundle
