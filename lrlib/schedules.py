"""Learning-rate schedules as pure functions of the optimizer step.

A ``Schedule`` is a frozen, hashable description (a kind and its arguments). Evaluating it is a
pure function of the global step, written once with array functions that NumPy and
``keras.ops`` share, so the same formula draws the plot (``schedule.values(steps)``) and drives
training in graph (``schedule.keras()``). Nothing is stored between calls: the rate at step k is
the same whether or not the schedule saw steps 0..k-1, so a resumed run gets the rates of an
uninterrupted one.

Cyclical schedules (``triangular``, ``triangular2``, ``exp_range``), ``one_cycle`` and ``wsd``
count in steps, as their papers do. Epoch-based schedules (``linear_decay``, ``step_decay``,
``time_decay``, ``exponential_decay``) change once per epoch, like the article's per-epoch callbacks: epoch = floor(step /
steps_per_epoch). Leave ``steps_per_epoch`` unset to have ``lrlib.run`` fill it in from the data.

Example:
    >>> schedule = step_decay(0.1, drop_factor=0.5, epochs_per_drop=10, steps_per_epoch=100)
    >>> [float(schedule.values(step)) for step in (0, 999, 1000, 2000)]
    [0.1, 0.1, 0.05, 0.025]
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import keras
import numpy as np

from . import validation



@dataclasses.dataclass(frozen=True)
class _Kind:
    """Everything lrlib knows about one kind of schedule, in one place."""

    formula: Callable  # formula(step, xp, **arguments) with xp NumPy or keras.ops
    constructor: Callable  # the public function that checks the arguments and makes the Schedule
    epoch_based: bool  # changes once per epoch, so it needs steps_per_epoch
    # Numbers the formula uses in Python (``round``, ``min``) rather than in array arithmetic:
    # they shape the traced graph, so a ``KerasSchedule`` cannot keep them in variables.
    structural: tuple[str, ...] = ()


_KINDS: dict[str, _Kind] = {}


def _kind(name: str, formula: Callable, epoch_based: bool = False, structural: tuple[str, ...] = ()) -> Callable:
    """Register the decorated constructor as the maker of schedules of kind ``name``."""
    def register(constructor: Callable) -> Callable:
        _KINDS[name] = _Kind(formula, constructor, epoch_based, structural)
        return constructor
    return register


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def kinds() -> list[str]:
    """Every kind of schedule, e.g. ``"step_decay"``."""
    return list(_KINDS)


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
        return _KINDS[self.kind].formula(step, xp, **self.args)

    def with_steps_per_epoch(self, steps_per_epoch: int) -> Schedule:
        """This schedule with every unset ``steps_per_epoch`` (also inside joins) filled in."""
        arguments = dict(self.arguments)
        if _KINDS[self.kind].epoch_based and arguments.get("steps_per_epoch") is None:
            arguments["steps_per_epoch"] = _positive_int("steps_per_epoch", steps_per_epoch)
        if self.kind == "join":
            arguments["schedules"] = tuple(s.with_steps_per_epoch(steps_per_epoch) for s in arguments["schedules"])
        return Schedule(self.kind, tuple(sorted(arguments.items())))

    @property
    def needs_steps_per_epoch(self) -> bool:
        if self.kind == "join":
            return any(s.needs_steps_per_epoch for s in self.args["schedules"])
        return _KINDS[self.kind].epoch_based and self.args.get("steps_per_epoch") is None

    def to_config(self) -> dict[str, Any]:
        """A JSON-ready dict; ``from_config`` inverts it."""
        config = {"kind": self.kind}
        for name, value in self.arguments:
            config[name] = [s.to_config() for s in value] if name == "schedules" else (
                list(value) if isinstance(value, tuple) else value)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Schedule:
        if not isinstance(config, Mapping):
            raise TypeError(f"Argument `config` must be a dict from to_config(). Received: config={config!r}")
        original, config = config, dict(config)
        kind = config.pop("kind", None)
        if kind not in _KINDS:
            raise ValueError(f"Argument `kind` must be one of {sorted(_KINDS)}. Received: kind={kind!r}")
        constructor = _KINDS[kind].constructor
        try:  # a missing or unknown argument, said with the kind's signature and the config
            inspect.signature(constructor).bind(**config)
        except TypeError as error:
            raise ValueError(f"Argument `config` must hold the arguments of {kind}"
                             f"{inspect.signature(constructor)}: {error}. Received: config={original!r}") from None
        if kind == "join":
            config["schedules"] = [cls.from_config(c) for c in config["schedules"]]
        return constructor(**config)

    def keras(self) -> KerasSchedule:
        """This schedule as a serializable ``keras.optimizers.schedules.LearningRateSchedule``."""
        if self.needs_steps_per_epoch:
            raise ValueError(f"Schedule {self.label()} needs `steps_per_epoch` before it can drive training. "
                             "Received: steps_per_epoch=None")
        return KerasSchedule(self.to_config())

    def structure(self) -> Schedule:
        """What a traced train step depends on: this schedule with each number a ``KerasSchedule``
        keeps in a variable replaced by ``"number"``; the kinds, the arguments that shape the
        graph and how many numbers each holds stay. Schedules of one structure can share one
        traced train step."""
        return _map_numbers(self, lambda number: "number")

    def numbers(self) -> list[float]:
        """The numbers a ``KerasSchedule`` keeps in variables, in the order ``structure`` meets them."""
        found: list[float] = []
        _map_numbers(self, lambda number: found.append(float(number)))
        return found

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
    step, saved with the model as the schedule's config.

    The schedule's numbers live in float64 variables that the traced train step reads, so
    ``load`` can give a compiled model another schedule of the same ``structure`` without
    tracing its train step again (the rates are the same, to the bit, as with the numbers
    written into the graph).
    """

    def __init__(self, schedule: dict[str, Any]):
        self.schedule = Schedule.from_config(schedule)
        self._variables = [keras.Variable(number, dtype="float64", trainable=False, name="schedule_number")
                           for number in self.schedule.numbers()]
        variables = iter(self._variables)
        self._in_graph = _map_numbers(self.schedule, lambda number: next(variables))

    def load(self, schedule: Schedule) -> None:
        """Follow ``schedule`` from now on; it must have this schedule's ``structure``."""
        if not isinstance(schedule, Schedule) or schedule.structure() != self.schedule.structure():
            received = schedule.label() if isinstance(schedule, Schedule) else repr(schedule)
            raise ValueError(f"Argument `schedule` must have the structure of {self.schedule.label()}. "
                             f"Received: schedule={received}")
        for variable, number in zip(self._variables, schedule.numbers()):
            variable.assign(number)
        self.schedule = schedule

    def __call__(self, step):
        # In float64: a rate far below its peak (the end of one-cycle, gamma ** step) would lose
        # digits in float32 arithmetic; only the result is float32, like the optimizer's rate.
        step = keras.ops.cast(step, "float64")
        return keras.ops.cast(self._in_graph._evaluate(step, keras.ops), "float32")

    def get_config(self) -> dict[str, Any]:
        return {"schedule": self.schedule.to_config()}


def _map_numbers(schedule: Schedule, replace: Callable) -> Schedule:
    """``schedule`` with ``replace(number)`` in place of each number that the formula uses in
    array arithmetic (not those its kind calls ``structural``), nested schedules included, in
    the order of the arguments; for evaluation and comparison only (no constructor checks)."""
    def mapped(value):
        return replace(value) if _is_number(value) else value

    arguments = []
    for name, value in schedule.arguments:
        if name == "schedules":
            value = tuple(_map_numbers(s, replace) for s in value)
        elif name not in _KINDS[schedule.kind].structural:
            value = tuple(mapped(v) for v in value) if isinstance(value, tuple) else mapped(value)
        arguments.append((name, value))
    return Schedule(schedule.kind, tuple(arguments))


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


@_kind("constant", _constant)
def constant(rate: float) -> Schedule:
    """lr(step) = rate."""
    return _make("constant", rate=_rate("rate", rate))


def _linear_decay(step, xp, initial_rate, final_rate, decay_epochs, steps_per_epoch):
    fraction = xp.minimum(_epoch(step, xp, steps_per_epoch) / decay_epochs, 1.0)
    return initial_rate + (final_rate - initial_rate) * fraction


@_kind("linear_decay", _linear_decay, epoch_based=True)
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


@_kind("step_decay", _step_decay, epoch_based=True)
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


@_kind("time_decay", _time_decay, epoch_based=True)
def time_decay(initial_rate: float, decay_rate: float, steps_per_epoch: int | None = None) -> Schedule:
    """Epoch-based time (inverse-time) decay: slow at first relative to exponential decay.

    lr = initial / (1 + decay_rate * epoch)
    """
    return _make("time_decay", initial_rate=_rate("initial_rate", initial_rate),
                 decay_rate=validation.positive("decay_rate", decay_rate), steps_per_epoch=_optional_steps(steps_per_epoch))


def _exponential_decay(step, xp, initial_rate, decay_rate, steps_per_epoch):
    return initial_rate * xp.exp(-decay_rate * _epoch(step, xp, steps_per_epoch))


@_kind("exponential_decay", _exponential_decay, epoch_based=True)
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


@_kind("piecewise_constant", _piecewise_constant)
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


@_kind("polynomial_decay", _polynomial_decay)
def polynomial_decay(initial_rate: float, final_rate: float, decay_steps: int, power: float = 1.0) -> Schedule:
    """lr = (initial - final) * (1 - min(step / decay_steps, 1)) ** power + final."""
    initial_rate, final_rate = _decay_bounds(initial_rate, final_rate)
    return _make("polynomial_decay", initial_rate=initial_rate, final_rate=final_rate,
                 decay_steps=_positive_int("decay_steps", decay_steps), power=validation.positive("power", power))


def _cosine_decay(step, xp, initial_rate, final_rate, decay_steps):
    fraction = xp.minimum(step / decay_steps, 1.0)
    return final_rate + 0.5 * (initial_rate - final_rate) * (1.0 + xp.cos(math.pi * fraction))


@_kind("cosine_decay", _cosine_decay)
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


@_kind("linear_warmup", _linear_warmup)
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


@_kind("join", _join)
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


# --- cyclical schedules (Smith 2017) and one-cycle (Smith & Topin 2017) -----------------------

def _cycle_bounds(base_rate: Any, max_rate: Any) -> tuple[float, float]:
    """A cycle's low and high rates: positive, and the low one below the high one."""
    max_rate = _rate("max_rate", max_rate)
    return validation.below("base_rate", _rate("base_rate", base_rate), "max_rate", max_rate), max_rate


def _triangle(step, xp, step_size):
    """The cycle number (from 1) and the triangle wave 1 - |x|: 0 at the start of each cycle,
    1 after ``step_size`` steps, 0 again after ``2 * step_size``."""
    cycle = xp.floor(1.0 + step / (2.0 * step_size))
    return cycle, xp.maximum(0.0, 1.0 - xp.abs(step / step_size - 2.0 * cycle + 1.0))


def _triangular(step, xp, base_rate, max_rate, step_size):
    _, wave = _triangle(step, xp, step_size)
    return base_rate + (max_rate - base_rate) * wave


@_kind("triangular", _triangular)
def triangular(base_rate: float, max_rate: float, step_size: int) -> Schedule:
    """Smith's (2017) triangular cyclical rate: up from ``base_rate`` to ``max_rate`` in
    ``step_size`` steps, down again in as many, and over (a cycle is ``2 * step_size`` steps;
    the step counts from 0, as in the reference code).

    cycle = floor(1 + step / (2 step_size)),  x = |step / step_size - 2 cycle + 1|
    lr = base + (max - base) * max(0, 1 - x)
    """
    base_rate, max_rate = _cycle_bounds(base_rate, max_rate)
    return _make("triangular", base_rate=base_rate, max_rate=max_rate, step_size=_positive_int("step_size", step_size))


def _triangular2(step, xp, base_rate, max_rate, step_size):
    cycle, wave = _triangle(step, xp, step_size)
    return base_rate + (max_rate - base_rate) * wave / xp.power(2.0, cycle - 1.0)


@_kind("triangular2", _triangular2)
def triangular2(base_rate: float, max_rate: float, step_size: int) -> Schedule:
    """``triangular`` with the height of the triangle halved after every cycle.

    lr = base + (max - base) * max(0, 1 - x) / 2 ** (cycle - 1)
    """
    base_rate, max_rate = _cycle_bounds(base_rate, max_rate)
    return _make("triangular2", base_rate=base_rate, max_rate=max_rate, step_size=_positive_int("step_size", step_size))


def _exp_range(step, xp, base_rate, max_rate, step_size, gamma):
    _, wave = _triangle(step, xp, step_size)
    return base_rate + (max_rate - base_rate) * wave * xp.power(gamma, step)


@_kind("exp_range", _exp_range)
def exp_range(base_rate: float, max_rate: float, step_size: int, gamma: float) -> Schedule:
    """``triangular`` with the height of the triangle shrunk by ``gamma`` at every step (per
    iteration, as Smith's reference code applies it, not per cycle: gamma is close to 1,
    e.g. 0.99994).

    lr = base + (max - base) * max(0, 1 - x) * gamma ** step
    """
    base_rate, max_rate = _cycle_bounds(base_rate, max_rate)
    gamma = validation.number("gamma", gamma, minimum=0.0, maximum=1.0, exclusive_minimum=True)
    return _make("exp_range", base_rate=base_rate, max_rate=max_rate, step_size=_positive_int("step_size", step_size),
                 gamma=gamma)


ONE_CYCLE_SHAPES = ("cosine", "linear")


def _one_cycle_halves(step, xp, total_steps, warmup_fraction, shape):
    """The peak step, how much of the warm-up is done and how much of the anneal is left (each
    from 0 to 1, along ``shape``)."""
    peak_step = _one_cycle_peak(total_steps, warmup_fraction)
    rising = xp.minimum(step / peak_step, 1.0)
    falling = xp.clip((step - peak_step) / (total_steps - 1 - peak_step), 0.0, 1.0)
    if shape == "cosine":
        return peak_step, (1.0 - xp.cos(math.pi * rising)) / 2.0, (1.0 + xp.cos(math.pi * falling)) / 2.0
    return peak_step, rising, 1.0 - falling


def _one_cycle(step, xp, peak_rate, total_steps, warmup_fraction, start_divisor, final_divisor, shape):
    peak_step, done, left = _one_cycle_halves(step, xp, total_steps, warmup_fraction, shape)
    start, final = peak_rate / start_divisor, peak_rate / final_divisor
    # The anneal is written from the final rate up, so that its small end keeps float32 precision.
    return xp.where(step < peak_step, start + (peak_rate - start) * done, final + (peak_rate - final) * left)


def _one_cycle_peak(total_steps: int, warmup_fraction: float) -> int:
    """The step at which one-cycle reaches its peak: a fraction of the way to the last step,
    at least 1 and at most the one before the last."""
    return min(max(round(warmup_fraction * (total_steps - 1)), 1), total_steps - 2)


@_kind("one_cycle", _one_cycle, structural=("total_steps", "warmup_fraction"))
def one_cycle(peak_rate: float, total_steps: int, warmup_fraction: float = 0.3, start_divisor: float = 25.0,
              final_divisor: float = 1e4, shape: str = "cosine") -> Schedule:
    """One-cycle (Smith & Topin 2017): one warm-up from ``peak_rate / start_divisor`` to
    ``peak_rate`` at step p = round(warmup_fraction * (total_steps - 1)), then one anneal down to
    ``peak_rate / final_divisor`` at the last step, ``total_steps - 1`` (far below the start);
    constant after it. Both halves follow ``shape``: with t the fraction of a half done,
    cosine moves by (1 - cos(pi t)) / 2, linear by t.

    lr = start + (peak - start) * shape(step / p)                           for step < p
    lr = final + (peak - final) * (1 - shape((step - p) / (total_steps - 1 - p)))   from p on

    The defaults of others differ: PyTorch's ``OneCycleLR`` starts at peak/25 and ends at
    (peak/25)/1e4 = peak/2.5e5 with 30 % warm-up (``final_divisor=2.5e5``); fastai's
    ``fit_one_cycle`` starts at peak/25 and ends at peak/1e5 with 25 % warm-up
    (``final_divisor=1e5, warmup_fraction=0.25``); both anneal along a cosine.
    """
    peak_rate = _rate("peak_rate", peak_rate)
    total_steps, warmup_fraction, shape = _one_cycle_shape(total_steps, warmup_fraction, shape)
    start_divisor = validation.number("start_divisor", start_divisor, minimum=1.0)
    final_divisor = validation.number("final_divisor", final_divisor, minimum=1.0)
    _rate("peak_rate / final_divisor", peak_rate / final_divisor)  # the final rate must stay a float32 rate
    return _make("one_cycle", peak_rate=peak_rate, total_steps=total_steps, warmup_fraction=warmup_fraction,
                 start_divisor=start_divisor, final_divisor=final_divisor, shape=shape)


def _one_cycle_shape(total_steps: Any, warmup_fraction: Any, shape: Any) -> tuple[int, float, str]:
    total_steps = validation.integer("total_steps", total_steps, minimum=3)
    warmup_fraction = validation.number("warmup_fraction", warmup_fraction, minimum=0.0, maximum=1.0,
                                        exclusive_minimum=True, exclusive_maximum=True)
    if shape not in ONE_CYCLE_SHAPES:
        raise ValueError(f"Argument `shape` must be one of {ONE_CYCLE_SHAPES}. Received: shape={shape!r}")
    return total_steps, warmup_fraction, shape


# --- momentum cycled against the rate ---------------------------------------------------------
# Smith (2018) pairs a rising rate with a falling momentum and the other way round: while the
# rate is large, a smaller momentum keeps the effective step (rate / (1 - momentum)) in check.
# These are schedules of SGD's momentum, for ``optimizers.ScheduledMomentumSGD``.

MOMENTUM_KINDS = ("cyclical_momentum", "one_cycle_momentum")


def _momentum_bounds(low_momentum: Any, high_momentum: Any) -> tuple[float, float]:
    high = validation.number("high_momentum", high_momentum, minimum=0.0, maximum=1.0, exclusive_maximum=True)
    low = validation.number("low_momentum", low_momentum, minimum=0.0, maximum=1.0, exclusive_maximum=True)
    return validation.below("low_momentum", low, "high_momentum", high), high


def _cyclical_momentum(step, xp, low_momentum, high_momentum, step_size):
    _, wave = _triangle(step, xp, step_size)
    return high_momentum - (high_momentum - low_momentum) * wave


@_kind("cyclical_momentum", _cyclical_momentum)
def cyclical_momentum(step_size: int, low_momentum: float = 0.85, high_momentum: float = 0.95) -> Schedule:
    """The momentum for ``triangular`` (and kin) with the same ``step_size``: ``high_momentum``
    where the rate is at its base, down to ``low_momentum`` where it peaks, and back.

    momentum = high - (high - low) * max(0, 1 - x)   (x as in ``triangular``)
    """
    low, high = _momentum_bounds(low_momentum, high_momentum)
    return _make("cyclical_momentum", low_momentum=low, high_momentum=high,
                 step_size=_positive_int("step_size", step_size))


def _one_cycle_momentum(step, xp, low_momentum, high_momentum, total_steps, warmup_fraction, shape):
    peak_step, done, left = _one_cycle_halves(step, xp, total_steps, warmup_fraction, shape)
    span = high_momentum - low_momentum
    return xp.where(step < peak_step, high_momentum - span * done, low_momentum + span * (1.0 - left))


@_kind("one_cycle_momentum", _one_cycle_momentum, structural=("total_steps", "warmup_fraction"))
def one_cycle_momentum(total_steps: int, warmup_fraction: float = 0.3, low_momentum: float = 0.85,
                       high_momentum: float = 0.95, shape: str = "cosine") -> Schedule:
    """The momentum for ``one_cycle`` with the same ``total_steps``, ``warmup_fraction`` and
    ``shape``: from ``high_momentum`` down to ``low_momentum`` at the rate's peak, then back up
    to ``high_momentum`` at the last step (fastai's default bounds, 0.95 and 0.85).

    momentum = high - (high - low) * shape(step / p)                                 for step < p
    momentum = low + (high - low) * shape((step - p) / (total_steps - 1 - p))        from p on
    """
    low, high = _momentum_bounds(low_momentum, high_momentum)
    total_steps, warmup_fraction, shape = _one_cycle_shape(total_steps, warmup_fraction, shape)
    return _make("one_cycle_momentum", low_momentum=low, high_momentum=high, total_steps=total_steps,
                 warmup_fraction=warmup_fraction, shape=shape)


# --- warmup-stable-decay (WSD) ----------------------------------------------------------------
# The schedule of recent large-model training (Hu et al. 2024, MiniCPM; Hägele et al. 2024): a
# linear warm-up, a long constant phase at the peak, and a short final decay, often 10-20 % of
# the steps. Unlike a cosine or one-cycle, the rate does not depend on the budget until the
# decay starts, so one run can be branched into decays at several budgets.

WSD_DECAY_SHAPES = ("linear", "cosine", "1-sqrt")


def _wsd_phases(total_steps: int, decay_fraction: float) -> tuple[int, int]:
    """The first step of the decay and the decay's length in steps: round(decay_fraction *
    total_steps), at least 1."""
    decay_steps = max(round(decay_fraction * total_steps), 1)
    return total_steps - decay_steps, decay_steps


def _wsd(step, xp, peak_rate, total_steps, warmup_steps, decay_fraction, final_rate, decay_shape):
    decay_start, decay_steps = _wsd_phases(total_steps, decay_fraction)
    rate = step * 0.0 + peak_rate
    if warmup_steps > 0:  # reaches the peak at its last step, warmup_steps - 1; no step at rate 0
        rate = xp.where(step < warmup_steps, peak_rate * (step + 1.0) / warmup_steps, rate)
    done = xp.clip((step - decay_start) / decay_steps, 0.0, 1.0)
    if decay_shape == "cosine":
        left = (1.0 + xp.cos(math.pi * done)) / 2.0
    elif decay_shape == "1-sqrt":
        left = 1.0 - xp.sqrt(done)
    else:
        left = 1.0 - done
    return xp.where(step >= decay_start, final_rate + (peak_rate - final_rate) * left, rate)


@_kind("wsd", _wsd, structural=("total_steps", "warmup_steps", "decay_fraction"))
def wsd(peak_rate: float, total_steps: int, warmup_steps: int = 0, decay_fraction: float = 0.2,
        final_rate: float = 0.0, decay_shape: str = "linear") -> Schedule:
    """Warmup-stable-decay: a straight rise over ``warmup_steps`` steps to ``peak_rate``, the peak
    held, and a decay over the last D = max(round(decay_fraction * total_steps), 1) steps
    towards ``final_rate``, which the rate reaches at step ``total_steps`` (one past the last
    step, so that no step is spent at the final rate); constant after it. With W =
    ``warmup_steps`` and S = total_steps - D the first step of the decay:

    lr = peak * (step + 1) / W                                   for step < W (no step at rate 0)
    lr = peak                                                    for W <= step < S
    lr = final + (peak - final) * shape((step - S) / D)          from S on, clipped at 1

    with shape(t) = 1 - t (``"linear"``), (1 + cos(pi t)) / 2 (``"cosine"``) or 1 - sqrt(t)
    (``"1-sqrt"``, the cooldown Hägele et al. 2024 found best). The warm-up and the decay may
    not overlap: W + D <= total_steps (a stable phase of zero steps is allowed).
    """
    peak_rate = _rate("peak_rate", peak_rate)
    total_steps = validation.integer("total_steps", total_steps, minimum=1)
    warmup_steps = validation.integer("warmup_steps", warmup_steps, minimum=0)
    decay_fraction = validation.number("decay_fraction", decay_fraction, minimum=0.0, maximum=1.0,
                                       exclusive_minimum=True)
    final_rate = validation.not_above("final_rate", _rate("final_rate", final_rate, allow_zero=True),
                                      "peak_rate", peak_rate)
    if decay_shape not in WSD_DECAY_SHAPES:
        raise ValueError(f"Argument `decay_shape` must be one of {WSD_DECAY_SHAPES}. "
                         f"Received: decay_shape={decay_shape!r}")
    decay_start, decay_steps = _wsd_phases(total_steps, decay_fraction)
    if warmup_steps > decay_start:
        raise ValueError(f"Argument `warmup_steps` must be <= {decay_start}, the steps before the decay "
                         f"({decay_steps} of the {total_steps} steps at decay_fraction={decay_fraction!r}): "
                         f"the warm-up and the decay may not overlap. Received: warmup_steps={warmup_steps!r}")
    return _make("wsd", peak_rate=peak_rate, total_steps=total_steps, warmup_steps=warmup_steps,
                 decay_fraction=decay_fraction, final_rate=final_rate, decay_shape=decay_shape)
