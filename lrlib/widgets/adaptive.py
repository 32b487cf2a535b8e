"""Controls of the part on adaptive optimizers (chapters 11 to 13): where each optimizer steps on
a two-variable problem, and how wide each optimizer's band of good rates is."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from .. import static_view, validation
from ..plots import band_labels, plot_bands
from ..report import band_width_table
from ..results import Result
from .common import PlainSlider, _Control, _rate_slider, _replace


class TrajectoryExplorer(_Control):
    """Sliders for the learning rate (log scale) and the number of steps, and a choice of
    optimizers and problem, redrawing where each real Keras optimizer goes on a two-variable
    problem and its effective rate per coordinate. Trains nothing on MNIST; paths are cached."""

    def __init__(self, variants: Sequence[str] = ("SGD", "Adam"), learning_rate: float = 0.01, steps: int = 100,
                 problem: str = "quadratic"):
        from .. import trajectories

        unknown = [v for v in variants if v not in trajectories.VARIANTS]
        if not variants or unknown:
            raise ValueError(f"Argument `variants` must name some of {list(trajectories.VARIANTS)}. "
                             f"Received: variants={variants!r}")
        if problem not in trajectories.PROBLEMS:
            raise ValueError(f"Argument `problem` must be one of {list(trajectories.PROBLEMS)}. "
                             f"Received: problem={problem!r}")
        self._trajectories = trajectories
        style = {"description_width": "initial"}
        self.rate = _rate_slider("learning_rate", learning_rate, -4, 0.5, step=0.125, description="learning rate",
                                 readout_format=".3g", layout=widgets.Layout(width="460px"))
        self.steps = widgets.IntSlider(value=validation.integer("steps", steps, minimum=10, maximum=500), min=10,
                                       max=500, step=10, description="steps", style=style,
                                       layout=widgets.Layout(width="460px"))
        self.variants = widgets.SelectMultiple(options=list(trajectories.VARIANTS), value=tuple(variants), rows=9,
                                               description="optimizers", style=style)
        self.problem = widgets.ToggleButtons(options=list(trajectories.PROBLEMS), value=problem, description="problem",
                                             style=style)
        self.output = widgets.Output()
        for control in (self.rate, self.steps, self.variants, self.problem):
            control.observe(lambda change: self._show(), names="value")
        self.widget = widgets.VBox([widgets.HBox([widgets.VBox([self.rate, self.steps, self.problem]), self.variants]),
                                    self.output])
        self._show()

    def paths(self) -> list:
        """The trajectories the controls describe, one per chosen optimizer."""
        return [self._trajectories.trajectory(variant, self.rate.value, self.steps.value, self.problem.value)
                for variant in self.variants.value]

    def _show(self):
        from ..plots import plot_step_sizes, plot_trajectories

        paths = self.paths()
        if not paths:
            _replace(self.output, "Choose at least one optimizer.\n")
            return
        fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
        plot_trajectories(paths, ax=left)
        plot_step_sizes(paths, ax=right)
        _replace(self.output, fig)

    def static_html(self) -> str:
        t = self._trajectories
        problems = {}
        for name, make in t.PROBLEMS.items():
            problem = make()
            problems[name] = {"kind": name, "name": problem.name, "start": problem.start, "minimum": problem.minimum,
                              "extent": problem.extent}
            if name == "quadratic":  # its gradient at (1, 1) is its pair of curvatures
                problems[name]["curvatures"] = problem.gradient(np.ones(2))
        data = {"problems": problems, "problem_names": list(t.PROBLEMS), "variant_names": list(t.VARIANTS),
                "variants": {label: [t.VARIANTS[label][0], t.update_options(label)] for label in t.VARIANTS}}
        controls = [static_view.control(name, getattr(self, name)) for name in ("rate", "steps", "variants", "problem")]
        return static_view.render("trajectories", data, controls)


class BandExplorer(_Control):
    """A slider for the tolerance that makes a rate "good" (within it of the optimizer's best
    validation accuracy), redrawing every optimizer's good band and its width in decades. ``results``
    are runs of several optimizers across rates (a sensitivity sweep); nothing trains."""

    def __init__(self, results: Sequence[Result], tolerance: float = 0.005):
        if not results:
            raise ValueError("Argument `results` must hold at least one Result. Received: results=[]")
        self.results = list(results)
        self.tolerance = PlainSlider(value=validation.number("tolerance", tolerance, minimum=0.0, maximum=0.05),
            min=0.0, max=0.05, step=0.001, readout_format=".1%",
            description="good: within (validation accuracy) of the best", style={"description_width": "initial"},
            layout=widgets.Layout(width="560px"))
        self.output = widgets.Output()
        self.tolerance.observe(lambda change: self._show(), names="value")
        self.widget = widgets.VBox([self.tolerance, self.output])
        self._show()

    def table(self):
        """``report.band_width_table`` at the chosen tolerance."""
        return band_width_table(self.results, self.tolerance.value)

    def _show(self):
        table = self.table()
        fig, ax = plt.subplots(figsize=(9, 0.45 * len(table) + 1.2))
        plot_bands(table, ax=ax)
        ax.set_title(f"good band: validation accuracy within {self.tolerance.value:.1%} of each optimizer's best")
        _replace(self.output, fig, _band_widths(table))

    def static_html(self) -> str:
        tolerance = static_view.control("tolerance", self.tolerance, discrete=True)
        tolerances = static_view.positions(self.tolerance)

        def view(i):
            table = band_width_table(self.results, tolerances[i])
            title = f"good band: validation accuracy within {tolerances[i]:.1%} of each optimizer's best"
            return {"panels": [static_view.bands_panel(table, title), static_view.table_panel(_band_widths(table))]}

        return static_view.render("lookup", static_view.lookup([tolerance], view), [tolerance])


def _band_widths(table):
    """The widths a band table shows a reader; "at most" says which end is open where a band
    reaches the grid's end."""
    from ..report import widths_at_most

    widths = table[["best rate", "best accuracy", "width"]].round(4).rename(
        index=dict(zip(table.index, band_labels(table.index))), columns={"width": "width (decades, at least)"})
    widths["at most"] = widths_at_most(table)
    return widths
