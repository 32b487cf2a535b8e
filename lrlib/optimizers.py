"""The Keras optimizers a run may use, their default rates, and the rules for their options.

One place for what the chapters say about each optimizer: ``DEFAULT_RATES`` is read from the
Keras constructors themselves, ``PAPER_RATES`` holds the rate a method's paper implies where it
differs from Keras's default.

``OPTIMIZERS`` are the eight the article's era knew (the adaptive part of the book measures
each); ``NEWER_OPTIMIZERS`` those published after it (the part "After the article"), with
``NEWER_DEFAULT_RATES``. An ``Experiment`` takes a name from either (``ALL_OPTIMIZERS``).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from typing import Any

import keras

from . import validation
from .prodigy import Prodigy
from .schedule_free import KerasScheduleFreeAdamW, ScheduleFreeAdamW
from .schedules import MOMENTUM_KINDS, KerasSchedule, Schedule

OPTIMIZERS = {
    "adam": keras.optimizers.Adam,
    "adamw": keras.optimizers.AdamW,
    "adamax": keras.optimizers.Adamax,
    "nadam": keras.optimizers.Nadam,
    "sgd": keras.optimizers.SGD,
    "rmsprop": keras.optimizers.RMSprop,
    "adagrad": keras.optimizers.Adagrad,
    "adadelta": keras.optimizers.Adadelta,
}


# Published after the article (issue 28): Lion (Chen et al. 2023), LAMB (You et al. 2020) and
# Muon (Jordan et al. 2024), as Keras 3.15 ships them; schedule-free AdamW (Defazio et al. 2024)
# as its authors' code computes it (``lrlib.schedule_free``; Keras 3.15's differs, and stays
# available as ``keras_schedule_free_adamw`` to show how); Prodigy (Mishchenko & Defazio 2023),
# which Keras lacks (``lrlib.prodigy``). Both of lrlib's are tested against the authors' code.
NEWER_OPTIMIZERS = {
    "lion": keras.optimizers.Lion,
    "lamb": keras.optimizers.Lamb,
    "muon": keras.optimizers.Muon,
    "schedule_free_adamw": ScheduleFreeAdamW,
    "keras_schedule_free_adamw": KerasScheduleFreeAdamW,
    "prodigy": Prodigy,
}

ALL_OPTIMIZERS = {**OPTIMIZERS, **NEWER_OPTIMIZERS}


def _parameters(optimizer: str) -> Mapping[str, inspect.Parameter]:
    return inspect.signature(ALL_OPTIMIZERS[optimizer]).parameters


def _options(optimizer: str) -> set[str]:
    """The keyword arguments an optimizer's constructor takes, besides its rate and name."""
    return {name for name, parameter in _parameters(optimizer).items()
            if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)} - {"learning_rate", "name"}


# The learning rate each optimizer uses when none is given, as this Keras version defines it.
DEFAULT_RATES = {name: float(_parameters(name)["learning_rate"].default) for name in OPTIMIZERS}

# Where a method's paper implies another rate than Keras's default. Adadelta's rule (Zeiler 2012)
# has no learning rate: its update equals Keras's with learning_rate=1.0. AdaMax's default step
# size in Kingma & Ba (2015, Algorithm 2) is 0.002.
PAPER_RATES = {"adadelta": 1.0, "adamax": 0.002}

# The newer optimizers' rates when none is given, read from their constructors like ``DEFAULT_RATES``.
NEWER_DEFAULT_RATES = {name: float(_parameters(name)["learning_rate"].default) for name in NEWER_OPTIMIZERS}


def _fraction(name: str, value: Any) -> float:
    return validation.number(name, value, minimum=0.0, maximum=1.0, exclusive_maximum=True)


def _positive_count(name: str, value: Any) -> int:
    return validation.integer(name, value, minimum=1)


def _non_negative(name: str, value: Any) -> float:
    return validation.positive(name, value, allow_zero=True)


def _optional(rule: Callable[[str, Any], Any]) -> Callable[[str, Any], Any]:
    """``rule``, or None (which the option takes to mean "off")."""
    return lambda name, value: None if value is None else rule(name, value)


def _patterns(name: str, value: Any) -> tuple[str, ...]:
    """Regular expressions matched against variable paths (Muon's ``exclude_layers``), as a tuple."""
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"Argument `{name}` must be a list of regular expressions (strings). "
                         f"Received: {name}={value!r}")
    for pattern in value:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"Argument `{name}` holds {pattern!r}, which is no regular expression ({error}). "
                             f"Received: {name}={value!r}") from None
    return tuple(value)


# The rule for each optimizer option that Keras itself accepts without checking (Adam trains
# with beta_1=5 or epsilon=-1, SGD with nesterov="yes").
OPTION_RULES: dict[str, Callable[[str, Any], Any]] = {
    **dict.fromkeys(("beta_1", "beta_2", "rho", "momentum", "ema_momentum", "adam_beta_1", "adam_beta_2"),
                    _fraction),
    **dict.fromkeys(("epsilon", "clipnorm", "clipvalue", "global_clipnorm", "loss_scale_factor", "adam_lr_ratio"),
                    validation.positive),
    **dict.fromkeys(("weight_decay", "initial_accumulator_value", "adam_weight_decay"), _non_negative),
    **dict.fromkeys(("amsgrad", "nesterov", "centered", "use_ema", "exclude_embeddings"), validation.boolean),
    **dict.fromkeys(("ema_overwrite_frequency", "gradient_accumulation_steps", "ns_steps"), _positive_count),
    **dict.fromkeys(("muon_a", "muon_b", "muon_c"), validation.number),
    "rms_rate": _optional(validation.positive),
    "exclude_layers": _patterns,
    "warmup_steps": lambda name, value: validation.integer(name, value, minimum=0),
    **dict.fromkeys(("d0", "d_coef"), validation.positive),
    "beta_3": _optional(_fraction),
    "growth_rate": _optional(lambda name, value: validation.number(name, value, minimum=1.0)),
    **dict.fromkeys(("decouple", "use_bias_correction", "safeguard_warmup"), validation.boolean),
    "slice_p": _positive_count,
    **dict.fromkeys(("r", "weight_lr_power"), _non_negative),
}

# Where one optimizer's rule for an option differs from ``OPTION_RULES``: Keras's Lion refuses a
# beta_1 of 0 (sign descent) and takes 1; schedule-free AdamW divides by beta_1 to find x.
OPTIMIZER_RULES: dict[tuple[str, str], Callable[[str, Any], Any]] = {
    ("lion", "beta_1"): lambda name, value: validation.number(name, value, minimum=0.0, maximum=1.0,
                                                              exclusive_minimum=True),
    **dict.fromkeys([("schedule_free_adamw", "beta_1"), ("keras_schedule_free_adamw", "beta_1")],
                    lambda name, value: validation.number(name, value, minimum=0.0, maximum=1.0,
                                                          exclusive_minimum=True)),
}


def check_option(optimizer: str, name: str, value: Any) -> Any:
    """``value`` checked as option ``name`` of ``optimizer`` (without building the optimizer):
    an option the constructor does not take, or a value outside its rule, raises. SGD's
    ``momentum`` may also be one of lrlib's momentum schedules (``ScheduledMomentumSGD``)."""
    label = f"optimizer_options[{name!r}]"
    if name not in _options(optimizer):
        raise ValueError(f"Argument `optimizer_options` holds {name!r}, which {optimizer!r} does not take "
                         f"(it takes {sorted(_options(optimizer))}). Received: {label}={value!r}")
    if isinstance(value, Schedule):
        if optimizer != "sgd" or name != "momentum" or value.kind not in MOMENTUM_KINDS:
            raise ValueError(f"Argument `optimizer_options` may hold a schedule only as SGD's momentum, one of "
                             f"{', '.join(MOMENTUM_KINDS)}. Received: {label}={value.label()} for {optimizer!r}")
        return value
    rule = OPTIMIZER_RULES.get((optimizer, name), OPTION_RULES.get(name))
    if rule is not None:
        return rule(label, value)
    if not isinstance(value, (bool, int, float, str)):  # an option newer than these rules
        raise ValueError(f"Argument `optimizer_options` must hold plain numbers, booleans or strings. "
                         f"Received: {label}={value!r}")
    return value


# Learning-rate-free methods: their ``learning_rate`` only multiplies the step size they estimate,
# and their authors leave it at 1.0 (Prodigy's README: "Leave LR set to 1 unless you encounter
# instability"; its knob is ``d_coef``). lrlib fixes it at 1.0, or a schedule that peaks at 1.0
# (a shape that multiplies the estimate, e.g. ``schedules.wsd(1.0, ...)``).
RATE_FREE_OPTIMIZERS = {"prodigy": "d_coef"}


def knob_default(optimizer: str) -> float:
    """The default of a learning-rate-free optimizer's knob (``RATE_FREE_OPTIMIZERS``), read from
    its constructor's signature."""
    return float(_parameters(optimizer)[RATE_FREE_OPTIMIZERS[optimizer]].default)

# Schedule-free methods replace the schedule (their warm-up is the option ``warmup_steps``): they
# take a fixed rate only.
SCHEDULE_FREE_OPTIMIZERS = ("schedule_free_adamw", "keras_schedule_free_adamw")


def check_rate(optimizer: str, learning_rate: float | Schedule) -> float | Schedule:
    """``learning_rate`` (already a valid rate or a ``Schedule``) checked against what
    ``optimizer``'s method does with it: a learning-rate-free method (``RATE_FREE_OPTIMIZERS``)
    takes 1.0 or a schedule peaking at 1.0, a schedule-free one (``SCHEDULE_FREE_OPTIMIZERS``)
    no schedule."""
    if optimizer in RATE_FREE_OPTIMIZERS:
        knob = RATE_FREE_OPTIMIZERS[optimizer]
        peak = _schedule_peak(learning_rate) if isinstance(learning_rate, Schedule) else learning_rate
        if peak != 1.0:
            shown = learning_rate.label() if isinstance(learning_rate, Schedule) else repr(learning_rate)
            raise ValueError(f"Argument `learning_rate` must be 1.0 (or a schedule that peaks at 1.0) for "
                             f"{optimizer!r}: it estimates its own step size, and its rate only multiplies that "
                             f"estimate; to scale the steps set optimizer_options[{knob!r}]. "
                             f"Received: learning_rate={shown}")
    if optimizer in SCHEDULE_FREE_OPTIMIZERS and isinstance(learning_rate, Schedule):
        raise ValueError(f"Argument `learning_rate` must be a fixed rate for {optimizer!r}: a schedule-free "
                         f"method replaces the schedule (its warm-up is optimizer_options['warmup_steps']). "
                         f"Received: learning_rate={learning_rate.label()}")
    return learning_rate


def _schedule_peak(schedule: Schedule) -> float | None:
    """The largest rate of a schedule that names it (``peak_rate``, ``initial_rate``, ``max_rate``
    or a constant's ``rate``); None for one that does not (``piecewise_constant``, ``join``)."""
    arguments = schedule.args
    for name in ("peak_rate", "initial_rate", "max_rate", "rate"):
        if name in arguments:
            return arguments[name]
    return None


@keras.saving.register_keras_serializable(package="lrlib")
class ScheduledMomentumSGD(keras.optimizers.SGD):
    """Keras's SGD with a momentum that follows a schedule of the step, evaluated in the train
    step like the learning rate: ``momentum`` is ``schedules.cyclical_momentum`` (with
    ``triangular`` rates) or ``schedules.one_cycle_momentum`` (with ``one_cycle``).

    Keras 3's ``SGD`` reads its ``momentum`` as a Python float while it traces the train step,
    so a callback that sets ``optimizer.momentum`` during training changes nothing the compiled
    step computes. This subclass computes the momentum from ``iterations`` inside the step
    instead. The update is Keras's own (``velocity = m * velocity - lr * g``, then
    ``w = w + velocity``, or Nesterov's form).
    """

    def __init__(self, learning_rate=0.01, momentum=None, nesterov: bool = False, **kwargs):
        if isinstance(momentum, dict):  # from a saved model's config
            momentum = keras.saving.deserialize_keras_object(momentum)
        if isinstance(momentum, Schedule):
            momentum = momentum.keras()
        if not isinstance(momentum, KerasSchedule) or momentum.schedule.kind not in MOMENTUM_KINDS:
            raise ValueError(f"Argument `momentum` must be one of lrlib's momentum schedules ({', '.join(MOMENTUM_KINDS)}); "
                             f"for a constant momentum use keras.optimizers.SGD. Received: momentum={momentum!r}")
        # Any momentum other than 0 makes Keras build the velocity variables; the value is unused.
        super().__init__(learning_rate=learning_rate, momentum=1.0, nesterov=nesterov, **kwargs)
        self.momentum_schedule = momentum

    @property
    def current_momentum(self) -> float:
        """The momentum of the next step."""
        return float(self.momentum_schedule(self.iterations))

    def update_step(self, gradient, variable, learning_rate):
        ops = keras.ops
        learning_rate = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        momentum = ops.cast(self.momentum_schedule(self.iterations), variable.dtype)
        velocity = self.momentums[self._get_variable_index(variable)]
        self.assign(velocity, ops.subtract(ops.multiply(velocity, momentum), ops.multiply(gradient, learning_rate)))
        if self.nesterov:
            self.assign_add(variable, ops.subtract(ops.multiply(velocity, momentum),
                                                   ops.multiply(gradient, learning_rate)))
        else:
            self.assign_add(variable, velocity)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["momentum"] = keras.saving.serialize_keras_object(self.momentum_schedule)
        return config
