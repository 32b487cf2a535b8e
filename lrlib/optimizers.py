"""The Keras optimizers a run may use, their default rates, and the rules for their options.

One place for what the chapters say about each optimizer: ``DEFAULT_RATES`` is read from the
Keras constructors themselves, ``PAPER_RATES`` holds the rate a method's paper implies where it
differs from Keras's default.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

import keras

from . import validation

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


def _parameters(optimizer: str) -> Mapping[str, inspect.Parameter]:
    return inspect.signature(OPTIMIZERS[optimizer]).parameters


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


def _fraction(name: str, value: Any) -> float:
    return validation.number(name, value, minimum=0.0, maximum=1.0, exclusive_maximum=True)


def _positive_count(name: str, value: Any) -> int:
    return validation.integer(name, value, minimum=1)


# The rule for each optimizer option that Keras itself accepts without checking (Adam trains
# with beta_1=5 or epsilon=-1, SGD with nesterov="yes").
OPTION_RULES: dict[str, Callable[[str, Any], Any]] = {
    **dict.fromkeys(("beta_1", "beta_2", "rho", "momentum", "ema_momentum"), _fraction),
    **dict.fromkeys(("epsilon", "clipnorm", "clipvalue", "global_clipnorm", "loss_scale_factor"),
                    validation.positive),
    **dict.fromkeys(("weight_decay", "initial_accumulator_value"),
                    lambda name, value: validation.positive(name, value, allow_zero=True)),
    **dict.fromkeys(("amsgrad", "nesterov", "centered", "use_ema"), validation.boolean),
    **dict.fromkeys(("ema_overwrite_frequency", "gradient_accumulation_steps"), _positive_count),
}


def check_option(optimizer: str, name: str, value: Any) -> Any:
    """``value`` checked as option ``name`` of ``optimizer`` (without building the optimizer):
    an option the constructor does not take, or a value outside its rule, raises."""
    label = f"optimizer_options[{name!r}]"
    if name not in _options(optimizer):
        raise ValueError(f"Argument `optimizer_options` holds {name!r}, which {optimizer!r} does not take "
                         f"(it takes {sorted(_options(optimizer))}). Received: {label}={value!r}")
    rule = OPTION_RULES.get(name)
    if rule is not None:
        return rule(label, value)
    if not isinstance(value, (bool, int, float, str)):  # an option newer than these rules
        raise ValueError(f"Argument `optimizer_options` must hold plain numbers, booleans or strings. "
                         f"Received: {label}={value!r}")
    return value
