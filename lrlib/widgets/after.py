"""Controls of the part "After the article" (chapters 19 and 20): schedule-free AdamW and Prodigy
on the two-variable valley of chapter 11, redrawn as their one knob moves, and every method's
standing against the article's accuracy at each epoch budget."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from .. import static_view, validation
from ..report.cycles import standings_at
from .common import _Control, _replace

SCHEDULE_FREE_RATES = (0.01, 0.03, 0.1, 0.3, 1.0)
D_COEFS = (0.1, 0.3, 1.0, 3.0, 10.0)


class AfterTheArticleExplorer(_Control):
    """Two sliders, schedule-free AdamW's learning rate and Prodigy's ``d_coef``, redrawing both
    methods' paths on the valley (schedule-free's y, where it takes gradients, and x, the average it
    is evaluated at) and how far each evaluated point is from the minimum, step by step. The real
    Keras optimizers run (``trajectories.trajectory``); the published page shows every position,
    precomputed."""

    def __init__(self, learning_rate: float = 0.1, d_coef: float = 1.0, steps: int = 200):
        from .. import trajectories

        self._trajectories = trajectories
        for name, value, grid in (("learning_rate", learning_rate, SCHEDULE_FREE_RATES), ("d_coef", d_coef, D_COEFS)):
            if value not in grid:
                raise ValueError(f"Argument `{name}` must be one of {list(grid)}. Received: {name}={value!r}")
        self.steps = validation.integer("steps", steps, minimum=10, maximum=500)
        style, layout = {"description_width": "initial"}, widgets.Layout(width="460px")
        self.rate = widgets.SelectionSlider(options=[(f"{r:g}", r) for r in SCHEDULE_FREE_RATES], value=learning_rate,
                                            description="schedule-free AdamW: learning rate", style=style, layout=layout)
        self.d_coef = widgets.SelectionSlider(options=[(f"{d:g}", d) for d in D_COEFS], value=d_coef,
                                              description="Prodigy: d_coef", style=style, layout=layout)
        self.output = widgets.Output()
        for control in (self.rate, self.d_coef):
            control.observe(lambda change: self._show(), names="value")
        self.widget = widgets.VBox([self.rate, self.d_coef, self.output])
        self._show()

    def paths(self, rate: float | None = None, d_coef: float | None = None) -> list:
        """Schedule-free AdamW's and Prodigy's trajectories at the controls' settings (or those given)."""
        rate = self.rate.value if rate is None else rate
        d_coef = self.d_coef.value if d_coef is None else d_coef
        return [self._trajectories.trajectory("Schedule-free AdamW", rate, self.steps),
                self._trajectories.trajectory("Prodigy", 1.0, self.steps, options={"d_coef": d_coef})]

    def _show(self):
        from ..plots import plot_distances, plot_evaluated_paths

        paths = self.paths()
        fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.8))
        plot_evaluated_paths(paths, ax=left)
        plot_distances(paths, ax=right)
        _replace(self.output, fig, _summary(paths))

    def static_html(self) -> str:
        controls = [static_view.control("rate", self.rate), static_view.control("d_coef", self.d_coef)]

        def view(i, j):
            return {"panels": _panels(self.paths(SCHEDULE_FREE_RATES[i], D_COEFS[j])), "text": _summary(
                self.paths(SCHEDULE_FREE_RATES[i], D_COEFS[j]))}

        return static_view.render("lookup", static_view.lookup(controls, view), controls)


class BudgetExplorer(_Control):
    """A slider over the epoch budgets of ``table`` (``report.budget_table``: validation medians
    over seeds, each strategy's schedule fitted to each budget), showing every strategy's median
    at that budget and how many of ``images`` validation images it lies above or short of
    ``target`` (``report.standings_at``). Stored runs only: nothing trains."""

    def __init__(self, table, target: float, images: int, epochs: int | None = None):
        self.budgets = sorted(int(b) for b in set(table["epochs"]))
        if not self.budgets:
            raise ValueError("Argument `table` must hold budget rows (report.budget_table). Received: an empty table")
        epochs = self.budgets[0] if epochs is None else epochs
        if epochs not in self.budgets:
            raise ValueError(f"Argument `epochs` must be one of the table's budgets {self.budgets}. "
                             f"Received: epochs={epochs!r}")
        self.table, self.target = table, validation.number("target", target, minimum=0.0, maximum=1.0)
        self.images = validation.integer("images", images, minimum=1)
        self.epochs = widgets.SelectionSlider(options=self.budgets, value=epochs, description="budget (epochs)",
                                              style={"description_width": "initial"},
                                              layout=widgets.Layout(width="460px"))
        self.output = widgets.Output()
        self.epochs.observe(lambda change: self._show(), names="value")
        self.widget = widgets.VBox([self.epochs, self.output])
        self._show()

    def standings(self, epochs: int | None = None):
        return standings_at(self.table, self.epochs.value if epochs is None else epochs, self.target, self.images)

    def caption(self, epochs: int | None = None) -> str:
        standings = self.standings(epochs)
        reached = list(standings.index[standings["reached"].astype(bool)])
        epochs = self.epochs.value if epochs is None else epochs
        who = ", ".join(reached) if reached else "no strategy"
        return (f"{epochs} epoch{'s' * (epochs != 1)}: {who} reached {self.target} "
                f"(median validation accuracy over the seeds; {self.images:,} validation images).\n")

    def _show(self):
        _replace(self.output, self.caption(), self.standings())

    def static_html(self) -> str:
        epochs = static_view.control("epochs", self.epochs)

        def view(i):
            budget = self.budgets[i]
            return {"panels": [static_view.table_panel(self.standings(budget))], "text": self.caption(budget)}

        return static_view.render("lookup", static_view.lookup([epochs], view), [epochs])


def _summary(paths) -> str:
    schedule_free, prodigy = paths
    return (f"after {len(schedule_free.points) - 1} steps: schedule-free AdamW (lr {schedule_free.learning_rate:g}) "
            f"x {schedule_free.evaluated_distance_to_minimum:.3g} and y {schedule_free.distance_to_minimum:.3g} "
            f"from the minimum; Prodigy (d_coef {dict(prodigy.options)['d_coef']:g}) "
            f"{prodigy.distance_to_minimum:.3g}, its d grew from {prodigy.d_estimates[0]:.2g} to "
            f"{prodigy.d_estimates[-1]:.3g}\n")


def _thin(values, every: int = 2) -> list[float]:
    """Every ``every``-th value (the last one kept) to 4 significant digits: the page's lookup
    holds every position's panels, and a path of 200 steps in full precision would weigh 25 times."""
    values = np.asarray(values, dtype=float)
    kept = np.unique(np.r_[np.arange(0, len(values), every), len(values) - 1])
    return [float(f"{v:.4g}") if np.isfinite(v) else v for v in values[kept]]


def _series(x, y, label, **style) -> dict:
    return static_view.series(_thin(x), _thin(y), label, **style)


def _panels(paths) -> list[dict]:
    """``plots.plot_evaluated_paths`` and ``plots.plot_distances`` as the page draws them."""
    schedule_free, prodigy = paths
    problem = schedule_free.problem
    minimum = np.asarray(problem.minimum)
    left = {"title": problem.name, "xlabel": "x", "ylabel": "y", "xlim": list(problem.extent[:2]),
            "ylim": list(problem.extent[2:]), "series": [
                _series(schedule_free.points[:, 0], schedule_free.points[:, 1],
                                   f"schedule-free AdamW, y (gradients): ends {schedule_free.distance_to_minimum:.2g} "
                                   "from the minimum", color="C0", width=1, dash=True),
                _series(schedule_free.evaluated[:, 0], schedule_free.evaluated[:, 1],
                                   f"schedule-free AdamW, x (evaluated): ends "
                                   f"{schedule_free.evaluated_distance_to_minimum:.2g} from the minimum",
                                   color="C0", width=3),
                _series(prodigy.points[:, 0], prodigy.points[:, 1],
                                   f"Prodigy: ends {prodigy.distance_to_minimum:.2g} from the minimum",
                                   color="C1", width=1, marker=1.5),
                static_view.series([problem.start[0]], [problem.start[1]], "start", color="black", marker=4,
                                   line=False),
                static_view.series([problem.minimum[0]], [problem.minimum[1]], "minimum", color="black", marker=6,
                                   line=False)]}
    steps = np.arange(len(schedule_free.points))
    right = {"title": "the evaluated point's distance to the minimum", "xlabel": "step",
             "ylabel": "distance to the minimum", "ylog": True, "series": [
                 _series(steps, np.hypot(*(schedule_free.evaluated - minimum).T), "schedule-free AdamW, x",
                                    color="C0"),
                 _series(steps, np.hypot(*(schedule_free.points - minimum).T), "schedule-free AdamW, y",
                                    color="C0", dash=True),
                 _series(np.arange(len(prodigy.points)), np.hypot(*(prodigy.points - minimum).T),
                                    "Prodigy", color="C1")]}
    return [left, right]
