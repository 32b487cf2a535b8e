"""Controls of the part on fixed rates (chapters 1 to 5): a slider over stored runs' rates, and a
panel that trains the rate a reader picks (used again in the part on adaptive optimizers)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ipywidgets as widgets

from .. import static_view
from ..experiment import OPTIMIZERS, Experiment
from ..results import Result
from ..training import run
from .common import _Control, _draw, _metrics_of, _rate_slider, _replace, _summary


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
