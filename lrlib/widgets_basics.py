"""Controls for the two pages before the fixed-rate chapters: the primer's step size on a 1-D
valley, and how many images the sampling error of an accuracy is.

Each shows itself as ``lrlib.widgets``' controls do: live ipywidgets in Jupyter and Colab, and
an HTML view with every position precomputed (``lrlib.static_view``) in the published book.
Nothing trains.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from . import static_view
from .report.fixed_rates import descent_path
from .report.noise import difference_sampling_error, sampling_error

PRIMER_RATES = (0.05, 0.1, 0.3, 0.5, 0.9, 1.0, 1.5, 1.9, 2.0, 2.05)
ACCURACIES = (0.9, 0.95, 0.97, 0.98, 0.99, 0.995)
IMAGE_COUNTS = (400, 2_000, 10_000, 12_000, 60_000)


class _Shown:
    """Shown by Jupyter as its live ipywidgets, by the HTML book (which prefers text/html) as
    its static view."""

    widget: widgets.Widget

    def static_html(self) -> str:
        raise NotImplementedError

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude)
        bundle["text/html"] = self.static_html()
        return bundle


def _choice(description: str, options: Sequence, value) -> widgets.SelectionSlider:
    if value not in options:
        raise ValueError(f"Argument `{description}` must be one of {list(options)}. Received: {value!r}")
    return widgets.SelectionSlider(options=list(options), value=value, description=description,
                                   style={"description_width": "initial"}, layout=widgets.Layout(width="520px"))


def _show(output: widgets.Output, *items) -> None:
    from .widgets import _replace

    _replace(output, *items)


class StepSizeExplorer(_Shown):
    """A slider over the learning rate of plain gradient descent on the loss ``w**2 / 2``
    (curvature 1): the path of ``w`` step by step, which creeps (small rates), lands at once (1),
    zigzags (between 1 and 2) or flies away (above 2)."""

    def __init__(self, rate: float = 0.1, steps: int = 20, rates: Sequence[float] = PRIMER_RATES):
        self.steps = steps
        self.rate = _choice("learning rate η", rates, rate)
        self.output = widgets.Output()
        self.rate.observe(lambda change: self._show(), names="value")
        self.widget = widgets.VBox([self.rate, self.output])
        self._show()

    def path(self, rate: float | None = None) -> np.ndarray:
        return descent_path(self.rate.value if rate is None else rate, steps=self.steps)

    def summary(self, rate: float | None = None) -> str:
        rate = self.rate.value if rate is None else rate
        path = self.path(rate)
        factor = 1 - rate
        kind = ("creeps towards 0" if 0 < factor < 1 else "lands on 0 in one step" if factor == 0 else
                "zigzags across 0 and settles" if -1 < factor < 0 else "zigzags without settling" if factor == -1
                else "zigzags further out at every step: it diverges")
        return (f"η = {rate:g}: each step multiplies w by 1 − η = {factor:g}; after {self.steps} steps "
                f"w = {path[-1]:.3g} (loss {path[-1] ** 2 / 2:.3g}). The descent {kind}.")

    def _show(self):
        fig, ax = plt.subplots(figsize=(7, 3))
        path = self.path()
        ax.plot(range(len(path)), path, marker="o", markersize=3)
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.set_ylim(-2.5, 2.5)
        ax.set_xlabel("step")
        ax.set_ylabel("w (the minimum is at 0)")
        ax.set_title(f"gradient descent on w²/2 at η = {self.rate.value:g}")
        _show(self.output, fig, self.summary())

    def static_html(self) -> str:
        rate = static_view.control("rate", self.rate)
        options = list(self.rate.options)

        def view(i):
            path = np.clip(self.path(options[i]), -2.5, 2.5)
            panel = {"title": f"gradient descent on w²/2 at η = {options[i]:g}", "xlabel": "step",
                     "ylabel": "w (the minimum is at 0)", "ylim": [-2.5, 2.5], "hlines": [{"y": 0}],
                     "series": [static_view.series(range(len(path)), path, "w", marker=2.5)]}
            return {"panels": [panel, {"html": f"<p>{self.summary(options[i])}</p>"}]}

        return static_view.render("lookup", static_view.lookup([rate], view), [rate])


def sampling_table(accuracy: float, images: int):
    """The 95 % sampling error of ``accuracy`` measured on ``images`` images, and of the
    difference of two such accuracies, as accuracy and as images (a ``pandas.DataFrame``)."""
    import pandas as pd

    one, two = sampling_error(accuracy, images), difference_sampling_error(accuracy, accuracy, images)
    return pd.DataFrame({"as accuracy": [round(one, 4), round(two, 4)],
                         "in images": [round(one * images), round(two * images)]},
                        index=[f"one accuracy of {accuracy:g} on {images:,} images: ±",
                               "the difference of two such accuracies: ±"])


class SamplingErrorExplorer(_Shown):
    """Two sliders, the accuracy and the number of images it is measured on, and the 95 %
    sampling error of that accuracy and of a difference of two such accuracies."""

    def __init__(self, accuracy: float = 0.99, images: int = 10_000):
        self.accuracy = _choice("accuracy", ACCURACIES, accuracy)
        self.images = _choice("images", IMAGE_COUNTS, images)
        self.output = widgets.Output()
        for control in (self.accuracy, self.images):
            control.observe(lambda change: self._show(), names="value")
        self.widget = widgets.VBox([self.accuracy, self.images, self.output])
        self._show()

    def table(self):
        return sampling_table(self.accuracy.value, self.images.value)

    def _show(self):
        _show(self.output, self.table())

    def static_html(self) -> str:
        controls = [static_view.control("accuracy", self.accuracy), static_view.control("images", self.images)]

        def view(i, j):
            return {"panels": [static_view.table_panel(sampling_table(ACCURACIES[i], IMAGE_COUNTS[j]))]}

        return static_view.render("lookup", static_view.lookup(controls, view), controls)
