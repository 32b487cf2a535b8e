"""Controls of the part on the range test (chapters 14 and 15): a stored range test's curve and
suggestions, and every test's suggestion placed on an optimizer's sweep."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from .. import static_view, validation
from ..plots import plot_range_test, plot_suggestions_on_sweep
from ..results import Result
from .common import PlainSlider, _Control, _replace


class RangeTestExplorer(_Control):
    """A choice among stored range tests, a slider for the smoothing ``beta`` and a choice of
    suggestion rule, redrawing the curve and the suggestions at once. ``records`` are
    ``range_test.RangeTestRecord``s (e.g. from ``run_many`` over the ``range-tests`` group);
    nothing trains."""

    def __init__(self, records: Sequence, beta: float = 0.98):
        from ..range_test import SUGGESTIONS

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
        from ..range_test import SUGGESTIONS

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
        from ..report import good_band_width

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
