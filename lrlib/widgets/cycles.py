"""Controls of the part on cycles (chapters 16 and 17): a cyclical rate or one-cycle, drawn step by
step with the momentum cycled against it."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from .. import static_view, validation
from .common import PlainSlider, _Control, _rate_slider, _replace


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
        from .. import schedules as s

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
        from .. import schedules as s

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
