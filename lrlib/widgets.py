"""ipywidgets controls for the chapters.

Sliders only pick among stored results and redraw at once; training sits behind a button.
Each control is a small class holding its state (so tests can drive it) and showing itself in
a notebook through ``widget``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import traitlets

from . import static_view, validation
from .experiment import OPTIMIZERS, Experiment
from .plots import plot_bands, plot_history, plot_loss_comparison, plot_range_test, plot_suggestions_on_sweep
from .report import band_width_table, scheme_winners
from .results import Result
from .training import run


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


class RateExplorer(_Control):
    """A log-spaced slider over the (initial) learning rates of stored results (and, when the
    results span several optimizers, a choice of optimizer) that redraws the chosen runs' curves.
    Runs that share optimizer and rate (other seeds, other schedules) are drawn together."""

    def __init__(self, results: Sequence[Result], metrics: Sequence[str] = ("loss", "val_loss"),
                 log_scale: bool = True):
        if not results:
            raise ValueError("Argument `results` must hold at least one Result. Received: results=[]")
        self.metrics, self.log_scale = _metrics_of(results, metrics), log_scale
        self._by_key: dict[tuple[str, float], list[Result]] = {}
        for result in results:
            key = (result.experiment.optimizer, result.experiment.initial_rate)
            self._by_key.setdefault(key, []).append(result)
        optimizers = sorted({optimizer for optimizer, _ in self._by_key})
        self.optimizer = widgets.ToggleButtons(options=optimizers, description="optimizer")
        rates = self._rates(optimizers[0])
        self.rate = widgets.SelectionSlider(options=[(f"{rate:g}", rate) for rate in rates],
                                            value=rates[len(rates) // 2], description="learning rate",
                                            layout=widgets.Layout(width="520px"),
                                            style={"description_width": "initial"})
        self.output = widgets.Output()
        self.optimizer.observe(self._on_optimizer, names="value")
        self.rate.observe(self._on_rate, names="value")
        controls = [self.rate] if len(optimizers) == 1 else [self.optimizer, self.rate]
        self.widget = widgets.VBox([*controls, self.output])
        self._show()

    @property
    def current(self) -> list[Result]:
        """The runs at the chosen optimizer and rate."""
        return self._by_key[(self.optimizer.value, self.rate.value)]

    def select(self, learning_rate: float, optimizer: str | None = None) -> list[Result]:
        if optimizer is not None:
            self.optimizer.value = optimizer
        self.rate.value = learning_rate
        return self.current

    def _rates(self, optimizer: str) -> list[float]:
        return sorted(rate for name, rate in self._by_key if name == optimizer)

    def _on_optimizer(self, change):
        rates, previous = self._rates(change["new"]), self.rate.value
        self.rate.unobserve(self._on_rate, names="value")  # one redraw for the switch, not several
        self.rate.options = [(f"{rate:g}", rate) for rate in rates]
        self.rate.value = previous if previous in rates else rates[len(rates) // 2]
        self.rate.observe(self._on_rate, names="value")
        self._show()

    def _on_rate(self, change):
        self._show()

    def _show(self):
        _draw(self.output, self.current, self.metrics, self.log_scale)

    def static_html(self) -> str:
        optimizers = list(self.optimizer.options)
        rates = [self._rates(name) for name in optimizers]
        rate = {"name": "rate", "label": self.rate.description, "type": "slider", "value": self.rate.index}
        if len(optimizers) == 1:
            controls = [rate | {"options": [f"{r:g}" for r in rates[0]]}]
        else:
            controls = [static_view.control("optimizer", self.optimizer),
                        rate | {"options": [[f"{r:g}" for r in rs] for rs in rates], "depends": "optimizer"}]

        views = {}
        for j, optimizer in enumerate(optimizers):  # each optimizer has its own rates
            for i, rate in enumerate(rates[j]):
                runs = self._by_key[(optimizer, rate)]
                views[f"{i}" if len(optimizers) == 1 else f"{j}|{i}"] = {
                    "panels": [static_view.history_panel(runs, self.metrics, self.log_scale)],
                    "text": "".join(_summary(result) + "\n" for result in runs)}
        return static_view.render("lookup", {"keys": [c["name"] for c in controls], "views": views}, controls)


class TrainPanel(_Control):
    """Pick an optimizer and a rate (log slider), then press the button to train that run now
    in the quick profile, with a progress bar. Moving the slider never trains."""

    def __init__(self, optimizer: str = "adam", learning_rate: float = 1e-3, profile: str = "quick",
                 trainer: Callable[..., Result] = run):
        start = Experiment(optimizer, learning_rate, profile=profile)  # validate the starting point
        self.profile, self._trainer = profile, trainer
        self.optimizer = widgets.Dropdown(options=sorted(OPTIMIZERS), value=start.optimizer, description="optimizer")
        self.rate = _rate_slider("learning_rate", start.learning_rate, -7, 0, step=0.25, description="learning rate",
                                 readout_format=".1e", layout=widgets.Layout(width="520px"))
        self.button = widgets.Button(description=f"Train now ({profile} profile)", icon="play",
                                     button_style="primary", layout=widgets.Layout(width="240px"))
        self.output = widgets.Output()
        self.last_result: Result | None = None
        self.error: Exception | None = None
        self.button.on_click(lambda button: self.train())
        self.widget = widgets.VBox([widgets.HBox([self.optimizer, self.rate]), self.button, self.output])

    def experiment(self) -> Experiment:
        return Experiment(self.optimizer.value, float(self.rate.value), profile=self.profile)

    def train(self) -> Result | None:
        """Train (or fetch, if stored) the chosen run and draw it; if that fails, show the error
        in place of the previous run's curves and return ``None``."""
        self.button.disabled = True
        self.last_result = self.error = None
        result = None
        try:
            experiment = self.experiment()
            # The progress bar shows in the output while training (live kernels only). The
            # error is caught inside the block: Output's context manager would swallow it.
            with self.output:
                self.output.clear_output()
                try:
                    result = self._trainer(experiment, verbose=False, progress=True)
                except Exception as error:  # a button must report, not crash the notebook
                    self.error = error
        except Exception as error:
            self.error = error
        finally:
            self.button.disabled = False
        if self.error is not None:
            _replace(self.output, f"Training failed: {type(self.error).__name__}: {self.error}\n")
            return None
        self.last_result = result
        _draw(self.output, [result], ("loss", "val_loss"), log_scale=True)
        return result

    def static_html(self) -> str:
        return static_view.notice(
            "Training needs a running Python kernel, which a published page does not have. Open this chapter "
            "in Colab (the rocket icon at the top of the page) or in Jupyter: there this cell is a live panel "
            "that trains the optimizer and rate you choose, in the quick profile, when you press its button.")


class DecayExplorer(_Control):
    """Sliders for the four decay schemes' parameters, redrawing all four curves at once from
    the same initial rate. Pure functions only: nothing trains."""

    def __init__(self, initial_rate: float = 0.01, epochs: int = 25):
        from . import schedules
        from .catalog import decay_schedule

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
        from .plots import plot_schedules

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
        from .plots import plot_loss_comparison, plot_rates_used

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
    """A slider for how large a difference in test accuracy must be to count, showing per
    optimizer and initial rate which schemes tie with the best. ``table`` is
    ``report.grid_table(...)``; nothing trains."""

    def __init__(self, table, tie: float = 0.001):
        if len(table) == 0:
            raise ValueError(f"Argument `table` must hold grid results. Received: table with {len(table)} rows")
        self.table = table
        self.tie = PlainSlider(value=validation.number("tie", tie, minimum=0.0, maximum=0.01), min=0.0, max=0.01,
                               step=0.0005, readout_format=".2%", description="tie within (test accuracy)",
                               style={"description_width": "initial"}, layout=widgets.Layout(width="520px"))
        self.output = widgets.Output()
        self.tie.observe(lambda change: self._show(), names="value")
        self.widget = widgets.VBox([self.tie, self.output])
        self._show()

    def winners(self):
        return scheme_winners(self.table, tie=self.tie.value)

    def _show(self):
        _replace(self.output, self.winners()[["best scheme", "best accuracy", "tied with the best"]].round(4))

    def static_html(self) -> str:
        tie = static_view.control("tie", self.tie, discrete=True)
        ties = static_view.positions(self.tie)

        def view(i):
            table = scheme_winners(self.table, tie=ties[i])[["best scheme", "best accuracy", "tied with the best"]]
            return {"panels": [static_view.table_panel(table.round(4))]}

        return static_view.render("lookup", static_view.lookup([tie], view), [tie])


class BandExplorer(_Control):
    """A slider for the tolerance that makes a rate "good" (within it of the optimizer's best
    test accuracy), redrawing every optimizer's good band and its width in decades. ``results``
    are runs of several optimizers across rates (a sensitivity sweep); nothing trains."""

    def __init__(self, results: Sequence[Result], tolerance: float = 0.005):
        if not results:
            raise ValueError("Argument `results` must hold at least one Result. Received: results=[]")
        self.results = list(results)
        self.tolerance = PlainSlider(value=validation.number("tolerance", tolerance, minimum=0.0, maximum=0.05),
            min=0.0, max=0.05, step=0.001, readout_format=".1%",
            description="good: within (test accuracy) of the best", style={"description_width": "initial"},
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
        ax.set_title(f"good band: test accuracy within {self.tolerance.value:.1%} of each optimizer's best")
        _replace(self.output, fig, _band_widths(table))

    def static_html(self) -> str:
        tolerance = static_view.control("tolerance", self.tolerance, discrete=True)
        tolerances = static_view.positions(self.tolerance)

        def view(i):
            table = band_width_table(self.results, tolerances[i])
            title = f"good band: test accuracy within {tolerances[i]:.1%} of each optimizer's best"
            return {"panels": [static_view.bands_panel(table, title), static_view.table_panel(_band_widths(table))]}

        return static_view.render("lookup", static_view.lookup([tolerance], view), [tolerance])


def _band_widths(table):
    """The widths a band table shows a reader; "at most" is open where no bad rate lies above."""
    from .report import readable

    widths = table[["best rate", "best accuracy", "width", "width_at_most"]].rename(
        columns={"width": "width (decades, at least)", "width_at_most": "at most"})
    return readable(widths.round(4), infinite="open: no bad rate above")


class RangeTestExplorer(_Control):
    """A choice among stored range tests, a slider for the smoothing ``beta`` and a choice of
    suggestion rule, redrawing the curve and the suggestions at once. ``records`` are
    ``range_test.RangeTestRecord``s (e.g. from ``run_many`` over the ``range-tests`` group);
    nothing trains."""

    def __init__(self, records: Sequence, beta: float = 0.98):
        from .range_test import SUGGESTIONS

        if not records:
            raise ValueError("Argument `records` must hold at least one range test. Received: records=[]")
        style = {"description_width": "initial"}
        self._records = {}
        for record in records:  # plans that differ only in beta or the stop rule share a label
            label = record.plan.label()
            self._records[label if label not in self._records else f"{label} ({record.plan.key()[:6]})"] = record
        self.test = widgets.Dropdown(options=list(self._records), description="range test", style=style,
                                     layout=widgets.Layout(width="460px"))
        self.beta = PlainSlider(value=validation.number("beta", beta, minimum=0.0, maximum=0.995), min=0.0,
                                        max=0.995, step=0.005, readout_format=".3f", description="smoothing beta",
                                        style=style, layout=widgets.Layout(width="460px"))
        self.rule = widgets.ToggleButtons(options=["all", *SUGGESTIONS], description="suggestion", style=style)
        self.output = widgets.Output()
        for control in (self.test, self.beta, self.rule):
            control.observe(lambda change: self._show(), names="value")
        self.widget = widgets.VBox([self.test, self.beta, self.rule, self.output])
        self._show()

    @property
    def current(self):
        return self._records[self.test.value]

    def suggestions(self) -> dict[str, float]:
        """The chosen test's suggestions at the chosen smoothing (the chosen rule's, or every rule's)."""
        found = self.current.test.suggestions(self.beta.value)
        return found if self.rule.value == "all" else {self.rule.value: found[self.rule.value]}

    def _show(self):
        fig, ax = plt.subplots(figsize=(9, 4.5))
        plot_range_test(self.current.test, ax=ax, rules=list(self.suggestions()), beta=self.beta.value)
        ax.set_title(self.test.value)
        _replace(self.output, fig, "".join(f"{rule}: {rate:.3g}\n" for rule, rate in self.suggestions().items()))

    def static_html(self) -> str:
        tests = [{"label": label, "rates": record.test.rates, "losses": record.test.losses}
                 for label, record in self._records.items()]
        controls = [static_view.control(name, getattr(self, name)) for name in ("test", "beta", "rule")]
        return static_view.render("rangeTest", {"tests": tests, "rules": list(self.rule.options)}, controls)


class SuggestionExplorer(_Control):
    """A choice of optimizer and suggestion rule and a slider for the smoothing ``beta``, placing
    every stored range test's suggestion on that optimizer's sweep at once. ``sweep`` and
    ``suggested`` are results (the sweep, and the runs at the suggested rates, drawn when the
    rule and smoothing are the ones they were trained at); ``records`` are range tests. Nothing
    trains."""

    def __init__(self, sweep: Sequence[Result], records: Sequence, suggested: Sequence[Result] = (),
                 rule: str = "valley", beta: float | None = None):
        from .range_test import SUGGESTIONS

        if not records:
            raise ValueError("Argument `records` must hold at least one range test. Received: records=[]")
        self._records = records
        self._sweep = {name: [r for r in sweep if r.experiment.optimizer == name]
                       for name in dict.fromkeys(r.plan.experiment.optimizer for r in records)}
        missing = [name for name, runs in self._sweep.items() if not runs]
        if missing:
            raise ValueError(f"Argument `sweep` must hold runs of every range-tested optimizer; it has none of {missing}.")
        self._suggested = {r.experiment.optimizer: r for r in suggested}
        self._trained_at = (rule, records[0].test.beta)
        style = {"description_width": "initial"}
        self.optimizer = widgets.ToggleButtons(options=list(self._sweep), description="optimizer", style=style)
        self.rule = widgets.ToggleButtons(options=list(SUGGESTIONS), value=rule, description="rule", style=style)
        beta = records[0].test.beta if beta is None else beta
        self.beta = PlainSlider(value=validation.number("beta", beta, minimum=0.0, maximum=0.995), min=0.0,
                                        max=0.995, step=0.005, readout_format=".3f", description="smoothing beta",
                                        style=style, layout=widgets.Layout(width="460px"))
        self.output = widgets.Output()
        for control in (self.optimizer, self.rule, self.beta):
            control.observe(lambda change: self._show(), names="value")
        self.widget = widgets.VBox([self.optimizer, self.rule, self.beta, self.output])
        self._show()

    def suggestions(self) -> list[float]:
        """The chosen optimizer's suggestion from each of its range tests, by the chosen rule and smoothing."""
        return [r.test.suggestion(self.rule.value, self.beta.value) for r in self._records
                if r.plan.experiment.optimizer == self.optimizer.value]

    def _show(self):
        name = self.optimizer.value
        trained = (self.rule.value, self.beta.value) == self._trained_at
        fig, ax = plt.subplots(figsize=(9, 4.5))
        plot_suggestions_on_sweep(self._sweep[name], self.suggestions(),
                                  self._suggested.get(name) if trained else None, ax=ax)
        ax.set_title(f"{name}: {self.rule.value} suggestions (beta {self.beta.value:.3f}) on the sweep")
        rates = self.suggestions()
        _replace(self.output, fig, f"suggestions from {min(rates):.3g} to {max(rates):.3g} "
                                   f"({np.log10(max(rates) / min(rates)):.1f} decades)\n")

    def static_html(self) -> str:
        from .report import good_band_width

        sweeps = {}
        for name, runs in self._sweep.items():
            ordered = sorted(runs, key=lambda r: r.experiment.learning_rate)
            band = good_band_width(ordered, 0.005)
            suggested = self._suggested.get(name)
            sweeps[name] = {
                "rates": [r.experiment.learning_rate for r in ordered], "accuracies": [r.test_accuracy for r in ordered],
                "band": [band["band from"], band["band to"]],
                "tests": [{"rates": r.test.rates, "losses": r.test.losses} for r in self._records
                          if r.plan.experiment.optimizer == name],
                "suggested": None if suggested is None else [suggested.experiment.learning_rate, suggested.test_accuracy]}
        data = {"optimizers": list(self._sweep), "rules": list(self.rule.options), "trained_at": list(self._trained_at),
                "sweeps": sweeps}
        controls = [static_view.control(name, getattr(self, name)) for name in ("optimizer", "rule", "beta")]
        return static_view.render("suggestions", data, controls)


class TrajectoryExplorer(_Control):
    """Sliders for the learning rate (log scale) and the number of steps, and a choice of
    optimizers and problem, redrawing where each real Keras optimizer goes on a two-variable
    problem and its effective rate per coordinate. Trains nothing on MNIST; paths are cached."""

    def __init__(self, variants: Sequence[str] = ("SGD", "Adam"), learning_rate: float = 0.01, steps: int = 100,
                 problem: str = "quadratic"):
        from . import trajectories

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
        from .plots import plot_step_sizes, plot_trajectories

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


CYCLE_POLICIES = ("triangular", "triangular2", "exp_range", "one_cycle")


class CycleExplorer(_Control):
    """Sliders for a cyclical rate (Smith's three policies) or one-cycle, drawn step by step
    with the momentum SGD would be cycled against it. Pure functions only: nothing trains.
    Bounds the schedules refuse (a base rate not below the maximum) show the refusal instead."""

    def __init__(self, base_rate: float = 0.001, max_rate: float = 0.08, step_epochs: float = 2.0,
                 epochs: int = 12, steps_per_epoch: int = 192, policy: str = "triangular"):
        if policy not in CYCLE_POLICIES:
            raise ValueError(f"Argument `policy` must be one of {CYCLE_POLICIES}. Received: policy={policy!r}")
        self.steps_per_epoch = validation.integer("steps_per_epoch", steps_per_epoch, minimum=1)
        style = {"description_width": "initial"}
        self.policy = widgets.Dropdown(options=CYCLE_POLICIES, value=policy, description="policy", style=style)
        self.base_rate = _rate_slider("base_rate", base_rate, -5, 0, step=0.125, description="base rate",
                                      readout_format=".1e")
        self.max_rate = _rate_slider("max_rate", max_rate, -5, 0, step=0.125, description="max rate (peak)",
                                     readout_format=".1e")
        self.step_epochs = PlainSlider(value=validation.number("step_epochs", step_epochs, minimum=0.5, maximum=10),
                                               min=0.5, max=10, step=0.5, style=style, description="half cycle (epochs)")
        self.gamma = PlainSlider(value=0.999, min=0.99, max=1.0, step=0.0005, readout_format=".4f", style=style,
                                         description="exp_range: gamma per step")
        self.warmup = PlainSlider(value=0.3, min=0.05, max=0.95, step=0.05, style=style,
                                          description="one_cycle: warm-up fraction")
        self.epochs = widgets.IntSlider(value=validation.integer("epochs", epochs, minimum=1), min=1, max=30, style=style,
                                        description="epochs")
        self.output = widgets.Output()
        controls = [self.policy, self.base_rate, self.max_rate, self.step_epochs, self.gamma, self.warmup, self.epochs]
        for control in controls:
            control.observe(lambda change: self._show(), names="value")
        self.widget = widgets.VBox([widgets.HBox([widgets.VBox(controls[:4]), widgets.VBox(controls[4:])]), self.output])
        self._show()

    @property
    def total_steps(self) -> int:
        return self.epochs.value * self.steps_per_epoch

    def schedules(self) -> tuple:
        """The rate and SGD's momentum the controls describe; ``ValueError`` naming the
        argument when the bounds are refused."""
        from . import schedules as s

        base, peak, policy = self.base_rate.value, self.max_rate.value, self.policy.value
        if policy == "one_cycle":  # the start is the base rate: its divisor is peak / base
            start_divisor = validation.number("max_rate / base_rate", peak / base, minimum=1.0, exclusive_minimum=True)
            shape = dict(total_steps=max(self.total_steps, 3), warmup_fraction=self.warmup.value)
            return (s.one_cycle(peak, start_divisor=start_divisor, **shape), s.one_cycle_momentum(**shape))
        step_size = max(round(self.step_epochs.value * self.steps_per_epoch), 1)
        extra = {"gamma": self.gamma.value} if policy == "exp_range" else {}
        rate = {"triangular": s.triangular, "triangular2": s.triangular2, "exp_range": s.exp_range}[policy]
        return rate(base, peak, step_size, **extra), s.cyclical_momentum(step_size)

    def _show(self):
        try:
            rate, momentum = self.schedules()
        except ValueError as refused:
            _replace(self.output, f"Not a cycle: {refused}\n")
            return
        steps = np.arange(self.total_steps)
        fig, ax = plt.subplots(figsize=(8, 3.6))
        ax.plot(steps / self.steps_per_epoch, rate.values(steps), color="C0")
        ax.set_xlabel("epoch")
        ax.set_ylabel("learning rate", color="C0")
        ax.grid(alpha=0.3)
        twin = ax.twinx()
        twin.plot(steps / self.steps_per_epoch, momentum.values(steps), color="C1", linestyle="--")
        twin.set_ylabel("SGD momentum (cycled against it)", color="C1")
        ax.set_title(rate.label(), fontsize="small")
        _replace(self.output, fig)

    def static_html(self) -> str:
        from . import schedules as s

        one_cycle = CYCLE_POLICIES.index("one_cycle")
        relevant = {"step_epochs": {"policy": [i for i in range(len(CYCLE_POLICIES)) if i != one_cycle]},
                    "gamma": {"policy": [CYCLE_POLICIES.index("exp_range")]}, "warmup": {"policy": [one_cycle]}}
        names = ["policy", "base_rate", "max_rate", "step_epochs", "gamma", "warmup", "epochs"]
        controls = [static_view.control(name, getattr(self, name), when=relevant.get(name)) for name in names]
        # The settings no control changes (final divisor, shape, momentum bounds) are lrlib's defaults.
        defaults = {"one_cycle": s.one_cycle(1.0, 3).to_config(), "one_cycle_momentum": s.one_cycle_momentum(3).to_config(),
                    "cyclical_momentum": s.cyclical_momentum(1).to_config()}
        return static_view.render("cycles", {"policies": CYCLE_POLICIES, "steps_per_epoch": self.steps_per_epoch,
                                             "defaults": defaults}, controls)


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
        from . import article_code, schedules

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

