"""Controls of the part on decay (chapters 6 to 10): the four schemes' shapes, a browser over
groups of decayed runs, the tie that decides a scheme, and the article's compounding time decay."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from .. import static_view, validation
from ..report import scheme_winners
from ..results import Result
from .common import PlainSlider, RateSlider, _Control, _rate_slider, _replace, _summary


class DecayExplorer(_Control):
    """Sliders for the four decay schemes' parameters, redrawing all four curves at once from
    the same initial rate. Pure functions only: nothing trains."""

    def __init__(self, initial_rate: float = 0.01, epochs: int = 25):
        from .. import schedules
        from ..catalog import decay_schedule

        self.epochs = validation.integer("epochs", epochs, minimum=2)  # a decay needs a first and a last epoch
        self._schedules = schedules
        self.initial_rate = _rate_slider("initial_rate", initial_rate, -5, 0, step=0.25, description="initial rate",
                                         readout_format=".1e")
        # Start from the course's settings: each scheme ends at a tenth of the initial rate.
        start = {scheme: decay_schedule(scheme, initial_rate, epochs).args for scheme in ("step", "time", "exponential")}
        style = {"description_width": "initial"}
        self.linear_final = PlainSlider(value=0.1, min=0.0, max=1.0, step=0.05, style=style,
                                                description="linear: final / initial")
        self.step_factor = PlainSlider(value=start["step"]["drop_factor"], min=0.05, max=0.95, step=0.05, style=style,
                                               description="step: drop factor")
        self.step_every = widgets.IntSlider(value=start["step"]["epochs_per_drop"], min=1, max=epochs, style=style, description="step: every (epochs)")
        self.time_rate = RateSlider(value=start["time"]["decay_rate"], base=10, min=-3, max=1, step=0.125, style=style,
                                                description="time: decay rate", readout_format=".3f")
        self.exponential_rate = RateSlider(value=start["exponential"]["decay_rate"], base=10, min=-3, max=0, step=0.125, style=style,
                                                       description="exponential: decay rate", readout_format=".3f")
        self.log_scale = widgets.Checkbox(value=False, description="log scale")
        self.output = widgets.Output()
        controls = [self.initial_rate, self.linear_final, self.step_factor, self.step_every, self.time_rate,
                    self.exponential_rate, self.log_scale]
        for control in controls:
            control.observe(lambda change: self._show(), names="value")
        self.widget = widgets.VBox([widgets.HBox([widgets.VBox(controls[:4]), widgets.VBox(controls[4:])]),
                                    self.output])
        self._show()

    def schedules(self) -> dict:
        """The four schedules the sliders describe (epoch-based, one step per epoch)."""
        s, rate = self._schedules, self.initial_rate.value
        return {
            "linear": s.linear_decay(rate, rate * self.linear_final.value, decay_epochs=self.epochs - 1),
            "step": s.step_decay(rate, self.step_factor.value, epochs_per_drop=self.step_every.value),
            "time": s.time_decay(rate, self.time_rate.value),
            "exponential": s.exponential_decay(rate, self.exponential_rate.value),
        }

    def _show(self):
        from ..plots import plot_schedules

        fig, ax = plt.subplots(figsize=(8, 3.8))
        plot_schedules(self.schedules(), self.epochs, ax=ax, log_scale=self.log_scale.value)
        ax.set_title(f"four decay schemes from {self.initial_rate.value:.1e}")
        _replace(self.output, fig)

    def static_html(self) -> str:
        names = ["initial_rate", "linear_final", "step_factor", "step_every", "time_rate", "exponential_rate",
                 "log_scale"]
        return static_view.render("decay", {"epochs": self.epochs},
                                  [static_view.control(name, getattr(self, name)) for name in names])


class ResultBrowser(_Control):
    """A slider over named groups of stored results: each position draws its group's validation
    loss and the learning rate each run used per epoch. Nothing trains."""

    def __init__(self, groups: dict[str, Sequence[Result]], description: str = "show"):
        if not groups or not all(groups.values()):
            raise ValueError(f"Argument `groups` must map names to non-empty lists of results. Received: groups={groups!r}")
        self.groups = {name: list(results) for name, results in groups.items()}
        self.choice = widgets.SelectionSlider(options=list(self.groups), description=description,
                                              layout=widgets.Layout(width="520px"),
                                              style={"description_width": "initial"})
        self.output = widgets.Output()
        self.choice.observe(lambda change: self._show(), names="value")
        self.widget = widgets.VBox([self.choice, self.output])
        self._show()

    @property
    def current(self) -> list[Result]:
        return self.groups[self.choice.value]

    def _show(self):
        from ..plots import plot_loss_comparison, plot_rates_used

        fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
        plot_loss_comparison(self.current, ax=left, metric="val_loss", show_chance=False)
        plot_rates_used(self.current, ax=right)
        _replace(self.output, fig, "".join(_summary(result) + "\n" for result in self.current))

    def static_html(self) -> str:
        choice = static_view.control("choice", self.choice)

        def view(i):
            runs = self.groups[list(self.groups)[i]]
            return {"panels": [static_view.comparison_panel(runs, "val_loss"), static_view.rates_used_panel(runs)],
                    "text": "".join(_summary(result) + "\n" for result in runs)}

        return static_view.render("lookup", static_view.lookup([choice], view), [choice])


class TieExplorer(_Control):
    """A slider for how large a difference in validation accuracy (what the choice reads) must
    be to count, showing per optimizer and initial rate which schemes tie with the best. ``table`` is
    ``report.grid_table(...)``; nothing trains."""

    def __init__(self, table, tie: float = 0.001):
        if len(table) == 0:
            raise ValueError(f"Argument `table` must hold grid results. Received: table with {len(table)} rows")
        self.table = table
        self.tie = PlainSlider(value=validation.number("tie", tie, minimum=0.0, maximum=0.01), min=0.0, max=0.01,
                               step=0.0005, readout_format=".2%", description="tie within (validation accuracy)",
                               style={"description_width": "initial"}, layout=widgets.Layout(width="520px"))
        self.output = widgets.Output()
        self.tie.observe(lambda change: self._show(), names="value")
        self.widget = widgets.VBox([self.tie, self.output])
        self._show()

    def winners(self):
        return scheme_winners(self.table, tie=self.tie.value)

    @staticmethod
    def _caption(tie: float) -> str:
        return f"A tie: within {tie:.2%} of the best scheme's validation accuracy.\n"

    def _show(self):
        _replace(self.output, self._caption(self.tie.value),
                 self.winners()[["best scheme", "best accuracy", "tied with the best"]].round(4))

    def static_html(self) -> str:
        tie = static_view.control("tie", self.tie, discrete=True)
        ties = static_view.positions(self.tie)

        def view(i):
            table = scheme_winners(self.table, tie=ties[i])[["best scheme", "best accuracy", "tied with the best"]]
            return {"panels": [static_view.table_panel(table.round(4))], "text": self._caption(ties[i])}

        return static_view.render("lookup", static_view.lookup([tie], view), [tie])


class ArticleDecayExplorer(_Control):
    """A slider for the decay constant k of the article's time decay, drawing the rates its code
    sets (each call shrinks the rate the call before left: the cuts compound) against the
    inverse-time formula the article means. Pure functions only: nothing trains."""

    def __init__(self, initial_rate: float = 0.01, epochs: int = 25, decay: float = 1.5e-6):
        self.initial_rate = validation.learning_rate("initial_rate", initial_rate)
        self.epochs = validation.integer("epochs", epochs, minimum=1)
        self.decay = _rate_slider("decay", decay, -7, 0, step=0.25, description="decay constant k", readout_format=".1e")
        self.output = widgets.Output()
        self.decay.observe(lambda change: self._show(), names="value")
        self.widget = widgets.VBox([self.decay, self.output])
        self._show()

    def rates(self) -> tuple[list[float], np.ndarray]:
        """The rate of each epoch from the article's code, and from the formula."""
        from .. import article_code, schedules

        code = article_code.rates_over(article_code.make_time_decay(self.initial_rate, decay=self.decay.value),
                                       self.epochs)
        formula = schedules.time_decay(self.initial_rate, self.decay.value, steps_per_epoch=1)
        return code, formula.values(np.arange(self.epochs))

    def _show(self):
        code, formula = self.rates()
        fig, ax = plt.subplots(figsize=(8, 3.5))
        ax.plot(range(self.epochs), code, marker=".", label="the article's code (compounding)")
        ax.plot(range(self.epochs), formula, drawstyle="steps-post", label="inverse-time formula")
        ax.set_xlabel("epoch")
        ax.set_ylabel("learning rate")
        ax.legend()
        ax.grid(alpha=0.3)
        ax.set_title(f"k = {self.decay.value:.1e}: the article's code keeps {code[-1] / self.initial_rate:.2%} of the rate")
        _replace(self.output, fig)

    def static_html(self) -> str:
        return static_view.render("articleDecay", {"initial_rate": self.initial_rate, "epochs": self.epochs},
                                  [static_view.control("decay", self.decay)])
