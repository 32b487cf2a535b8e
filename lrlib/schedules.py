"""Learning-rate schedules as pure functions of the optimizer step.

A ``Schedule`` is a frozen, hashable description (a kind and its arguments). Evaluating it is a
pure function of the global step, written once with array functions that NumPy and
``keras.ops`` share, so the same formula draws the plot (``schedule.values(steps)``) and drives
training in graph (``schedule.keras()``). Nothing is stored between calls: the rate at step k is
the same whether or not the schedule saw steps 0..k-1, so a resumed run gets the rates of an
uninterrupted one.

Epoch-based schedules (``linear_decay``, ``step_decay``, ``time_decay``, ``exponential_decay``)
change once per epoch, like the article's per-epoch callbacks: epoch = floor(step /
steps_per_epoch). Leave ``steps_per_epoch`` unset to have ``lrlib.run`` fill it in from the data.

Example:
    >>> schedule = step_decay(0.1, drop_factor=0.5, epochs_per_drop=10, steps_per_epoch=100)
    >>> [float(schedule.values(step)) for step in (0, 999, 1000, 2000)]
    [0.1, 0.1, 0.05, 0.025]
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np

from . import validation

EPOCH_BASED = ("linear_decay", "step_decay", "time_decay", "exponential_decay")


@dataclasses.dataclass(frozen=True)
class Schedule:
    """A learning-rate schedule: ``kind`` names the formula, ``arguments`` its keyword arguments
    as sorted ``(name, value)`` pairs (nested schedules for ``join``)."""

    kind: str
    arguments: tuple[tuple[str, Any], ...]

    @property
    def args(self) -> dict[str, Any]:
        return dict(self.arguments)

    @property
    def initial_rate(self) -> float:
        """The rate at step 0 (the same for any ``steps_per_epoch``)."""
        schedule = self.with_steps_per_epoch(1) if self.needs_steps_per_epoch else self
        return float(schedule.values(0))

    def values(self, steps) -> np.ndarray:
        """The rate at each step (NumPy), e.g. for a plot."""
        return np.asarray(self._evaluate(np.asarray(steps, dtype="float64"), np), dtype="float64")

    def _evaluate(self, step, xp):
        return _FORMULAS[self.kind](step, xp, **self.args)

    def with_steps_per_epoch(self, steps_per_epoch: int) -> Schedule:
        """This schedule with every unset ``steps_per_epoch`` (also inside joins) filled in."""
        arguments = dict(self.arguments)
        if self.kind in EPOCH_BASED and arguments.get("steps_per_epoch") is None:
            arguments["steps_per_epoch"] = _positive_int("steps_per_epoch", steps_per_epoch)
        if self.kind == "join":
            arguments["schedules"] = tuple(s.with_steps_per_epoch(steps_per_epoch) for s in arguments["schedules"])
        return Schedule(self.kind, tuple(sorted(arguments.items())))

    @property
    def needs_steps_per_epoch(self) -> bool:
        if self.kind == "join":
            return any(s.needs_steps_per_epoch for s in self.args["schedules"])
        return self.kind in EPOCH_BASED and self.args.get("steps_per_epoch") is None

    def to_config(self) -> dict[str, Any]:
        """A JSON-ready dict; ``from_config`` inverts it."""
        config = {"kind": self.kind}
        for name, value in self.arguments:
            config[name] = [s.to_config() for s in value] if name == "schedules" else (
                list(value) if isinstance(value, tuple) else value)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Schedule:
        config = dict(config)
        kind = config.pop("kind", None)
        if kind not in _CONSTRUCTORS:
            raise ValueError(f"Argument `kind` must be one of {sorted(_CONSTRUCTORS)}. Received: kind={kind!r}")
        if kind == "join":
            config["schedules"] = [cls.from_config(c) for c in config["schedules"]]
        return _CONSTRUCTORS[kind](**config)

    def keras(self) -> KerasSchedule:
        """This schedule as a serializable ``keras.optimizers.schedules.LearningRateSchedule``."""
        if self.needs_steps_per_epoch:
            raise ValueError(f"Schedule {self.label()} needs `steps_per_epoch` before it can drive training. "
                             "Received: steps_per_epoch=None")
        return KerasSchedule(self.to_config())

    def label(self) -> str:
        """A short readable name, e.g. ``step_decay(0.1, drop_factor=0.5, epochs_per_drop=10)``."""
        shown = [f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                 for k, v in self.arguments if k not in ("steps_per_epoch", "schedules") and v is not None]
        if self.kind == "join":
            shown.insert(0, " + ".join(s.label() for s in self.args["schedules"]))
        return f"{self.kind}({', '.join(shown)})"


@keras.saving.register_keras_serializable(package="lrlib")
class KerasSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """The one Keras wrapper for every ``Schedule``: evaluated in graph from the optimizer's
    step, saved with the model as the schedule's config."""

    def __init__(self, schedule: dict[str, Any]):
        self.schedule = Schedule.from_config(schedule)

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        return keras.ops.cast(self.schedule._evaluate(step, keras.ops), "float32")

    def get_config(self) -> dict[str, Any]:
        return {"schedule": self.schedule.to_config()}


# --- validation -----------------------------------------------------------------------------

def _rate(name: str, value: Any, allow_zero: bool = False) -> float:
    return validation.learning_rate(name, value, allow_zero=allow_zero)


def _positive_int(name: str, value: Any) -> int:
    return validation.integer(name, value, minimum=1)


def _decay_bounds(initial_rate: Any, final_rate: Any) -> tuple[float, float]:
    """A decay's start and end rates: positive, and the end not above the start."""
    initial_rate = _rate("initial_rate", initial_rate)
    final_rate = validation.not_above("final_rate", _rate("final_rate", final_rate, allow_zero=True),
                                      "initial_rate", initial_rate)
    return initial_rate, final_rate


def _optional_steps(steps_per_epoch):
    return None if steps_per_epoch is None else _positive_int("steps_per_epoch", steps_per_epoch)


def _boundaries(boundaries: Sequence[int]) -> tuple[int, ...]:
    """Positive, strictly increasing step boundaries, as a tuple."""
    for boundary in boundaries:
        _positive_int("boundaries", boundary)
    if list(boundaries) != sorted(set(boundaries)):
        raise ValueError(f"Argument `boundaries` must increase strictly. Received: boundaries={boundaries!r}")
    return tuple(boundaries)


def _make(kind: str, **arguments) -> Schedule:
    return Schedule(kind, tuple(sorted(arguments.items())))


def _epoch(step, xp, steps_per_epoch):
    return xp.floor(step / steps_per_epoch)


# --- the schedules ----------------------------------------------------------------------------

def _constant(step, xp, rate):
    return step * 0.0 + rate


def constant(rate: float) -> Schedule:
    """lr(step) = rate."""
    return _make("constant", rate=_rate("rate", rate))


def _linear_decay(step, xp, initial_rate, final_rate, decay_epochs, steps_per_epoch):
    fraction = xp.minimum(_epoch(step, xp, steps_per_epoch) / decay_epochs, 1.0)
    return initial_rate + (final_rate - initial_rate) * fraction


def linear_decay(initial_rate: float, final_rate: float, decay_epochs: int,
                 steps_per_epoch: int | None = None) -> Schedule:
    """Epoch-based linear decay (Lau, 2017): from ``initial_rate`` in epoch 0 down to
    ``final_rate`` in epoch ``decay_epochs``, then constant.

    lr = initial + (final - initial) * min(epoch / decay_epochs, 1)
    """
    initial_rate, final_rate = _decay_bounds(initial_rate, final_rate)
    return _make("linear_decay", initial_rate=initial_rate, final_rate=final_rate,
                 decay_epochs=_positive_int("decay_epochs", decay_epochs),
                 steps_per_epoch=_optional_steps(steps_per_epoch))


def _step_decay(step, xp, initial_rate, drop_factor, epochs_per_drop, steps_per_epoch):
    drops = xp.floor(_epoch(step, xp, steps_per_epoch) / epochs_per_drop)
    return initial_rate * xp.power(drop_factor, drops)


def step_decay(initial_rate: float, drop_factor: float, epochs_per_drop: int,
               steps_per_epoch: int | None = None) -> Schedule:
    """Epoch-based step decay: multiply the rate by ``drop_factor`` every ``epochs_per_drop``
    epochs, the first drop at the start of epoch ``epochs_per_drop`` (counting from 0).

    lr = initial * drop_factor ** floor(epoch / epochs_per_drop)
    """
    drop_factor = validation.number("drop_factor", drop_factor, minimum=0.0, maximum=1.0,
                                    exclusive_minimum=True, exclusive_maximum=True)
    return _make("step_decay", initial_rate=_rate("initial_rate", initial_rate),
                 drop_factor=drop_factor, epochs_per_drop=_positive_int("epochs_per_drop", epochs_per_drop),
                 steps_per_epoch=_optional_steps(steps_per_epoch))


def _time_decay(step, xp, initial_rate, decay_rate, steps_per_epoch):
    return initial_rate / (1.0 + decay_rate * _epoch(step, xp, steps_per_epoch))


def time_decay(initial_rate: float, decay_rate: float, steps_per_epoch: int | None = None) -> Schedule:
    """Epoch-based time (inverse-time) decay: slow at first relative to exponential decay.

    lr = initial / (1 + decay_rate * epoch)
    """
    return _make("time_decay", initial_rate=_rate("initial_rate", initial_rate),
                 decay_rate=validation.positive("decay_rate", decay_rate), steps_per_epoch=_optional_steps(steps_per_epoch))


def _exponential_decay(step, xp, initial_rate, decay_rate, steps_per_epoch):
    return initial_rate * xp.exp(-decay_rate * _epoch(step, xp, steps_per_epoch))


def exponential_decay(initial_rate: float, decay_rate: float, steps_per_epoch: int | None = None) -> Schedule:
    """Epoch-based exponential decay: the rate shrinks by the same factor every epoch.

    lr = initial * exp(-decay_rate * epoch)
    """
    return _make("exponential_decay", initial_rate=_rate("initial_rate", initial_rate),
                 decay_rate=validation.positive("decay_rate", decay_rate), steps_per_epoch=_optional_steps(steps_per_epoch))


def _piecewise_constant(step, xp, boundaries, values):
    rate = step * 0.0 + values[0]
    for boundary, value in zip(boundaries, values[1:]):
        rate = xp.where(step >= boundary, value, rate)
    return rate


def piecewise_constant(boundaries: Sequence[int], values: Sequence[float]) -> Schedule:
    """``values[i]`` for steps in [boundaries[i-1], boundaries[i]); one more value than boundaries."""
    if len(values) != len(boundaries) + 1:
        raise ValueError("Argument `values` must hold one more value than `boundaries`. "
                         f"Received: values={values!r}, boundaries={boundaries!r}")
    boundaries, values = _boundaries(boundaries), tuple(values)
    return _make("piecewise_constant", boundaries=boundaries,
                 values=tuple(_rate("values", v) for v in values))


def _polynomial_decay(step, xp, initial_rate, final_rate, decay_steps, power):
    fraction = xp.minimum(step / decay_steps, 1.0)
    return (initial_rate - final_rate) * xp.power(1.0 - fraction, power) + final_rate


def polynomial_decay(initial_rate: float, final_rate: float, decay_steps: int, power: float = 1.0) -> Schedule:
    """lr = (initial - final) * (1 - min(step / decay_steps, 1)) ** power + final."""
    initial_rate, final_rate = _decay_bounds(initial_rate, final_rate)
    return _make("polynomial_decay", initial_rate=initial_rate, final_rate=final_rate,
                 decay_steps=_positive_int("decay_steps", decay_steps), power=validation.positive("power", power))


def _cosine_decay(step, xp, initial_rate, final_rate, decay_steps):
    fraction = xp.minimum(step / decay_steps, 1.0)
    return final_rate + 0.5 * (initial_rate - final_rate) * (1.0 + xp.cos(math.pi * fraction))


def cosine_decay(initial_rate: float, decay_steps: int, final_rate: float = 0.0) -> Schedule:
    """Half a cosine from ``initial_rate`` down to ``final_rate`` over ``decay_steps``, then constant.

    lr = final + (initial - final) * (1 + cos(pi * min(step / decay_steps, 1))) / 2
    """
    initial_rate, final_rate = _decay_bounds(initial_rate, final_rate)
    return _make("cosine_decay", initial_rate=initial_rate, final_rate=final_rate,
                 decay_steps=_positive_int("decay_steps", decay_steps))


def _linear_warmup(step, xp, peak_rate, warmup_steps, start_rate):
    fraction = xp.minimum(step / warmup_steps, 1.0)
    return start_rate + (peak_rate - start_rate) * fraction


def linear_warmup(peak_rate: float, warmup_steps: int, start_rate: float = 0.0) -> Schedule:
    """A straight rise from ``start_rate`` to ``peak_rate`` over ``warmup_steps``, then constant."""
    peak_rate = _rate("peak_rate", peak_rate)
    start_rate = validation.not_above("start_rate", _rate("start_rate", start_rate, allow_zero=True),
                                      "peak_rate", peak_rate)
    return _make("linear_warmup", peak_rate=peak_rate, warmup_steps=_positive_int("warmup_steps", warmup_steps),
                 start_rate=start_rate)


def _join(step, xp, schedules, boundaries):
    rate = schedules[0]._evaluate(step, xp)
    for boundary, schedule in zip(boundaries, schedules[1:]):
        # Each piece sees its own local step, counted from its boundary; clamping keeps the
        # unused branch finite (both branches are evaluated, as in graph code).
        local = xp.maximum(step - boundary, 0.0)
        rate = xp.where(step >= boundary, schedule._evaluate(local, xp), rate)
    return rate


def join(schedules: Sequence[Schedule], boundaries: Sequence[int]) -> Schedule:
    """Run ``schedules[i]`` from ``boundaries[i-1]`` (in steps) on, restarting its step at 0 there.

    Example: warmup then cosine, ``join([linear_warmup(0.1, 500), cosine_decay(0.1, 4500)], [500])``.
    """
    schedules = tuple(schedules)
    if not all(isinstance(s, Schedule) for s in schedules):
        raise TypeError(f"Argument `schedules` must hold Schedule objects. Received: schedules={schedules!r}")
    if len(schedules) != len(boundaries) + 1:
        raise ValueError("Argument `schedules` must hold one more schedule than `boundaries`. "
                         f"Received: {len(schedules)} schedules, boundaries={boundaries!r}")
    return _make("join", schedules=schedules, boundaries=_boundaries(boundaries))


_FORMULAS: dict[str, Callable] = {
    "constant": _constant, "linear_decay": _linear_decay, "step_decay": _step_decay, "time_decay": _time_decay,
    "exponential_decay": _exponential_decay, "piecewise_constant": _piecewise_constant,
    "polynomial_decay": _polynomial_decay, "cosine_decay": _cosine_decay, "linear_warmup": _linear_warmup,
    "join": _join,
}
_CONSTRUCTORS = {
    "constant": constant, "linear_decay": linear_decay, "step_decay": step_decay, "time_decay": time_decay,
    "exponential_decay": exponential_decay, "piecewise_constant": piecewise_constant,
    "polynomial_decay": polynomial_decay, "cosine_decay": cosine_decay, "linear_warmup": linear_warmup,
    "join": join,
}
