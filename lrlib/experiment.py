"""A frozen, hashable description of one training run."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

import keras

from .profiles import default_profile, get_profile
from .schedules import Schedule

# Bump when the meaning of a stored result changes, so that old files are never served.
RESULT_SCHEMA = 1

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


@dataclasses.dataclass(frozen=True)
class Experiment:
    """One run of the article's CNN on MNIST.

    Args:
        optimizer: a name from ``OPTIMIZERS`` (``"adam"``, ``"sgd"``, ...).
        learning_rate: a positive, finite float, or a ``Schedule`` (``lrlib.schedules``); an
            epoch-based schedule without ``steps_per_epoch`` gets it from the data at training.
        optimizer_options: further keyword arguments of the Keras optimizer (e.g.
            ``{"momentum": 0.9}``); stored as sorted ``(name, value)`` pairs so it hashes.
        epochs: epochs to train; a profile may cap them (``quick`` trains at most 5).
        batch_size, validation_split: as in the article (250, 0.2).
        seed: seeds weights, dropout and shuffling; same seed, same numbers.
        profile: ``"full"``, ``"quick"`` or ``"tiny"``; defaults to ``$LRLIB_PROFILE`` or full.
        early_stopping_patience: stop after this many epochs without a better ``val_loss``.
        restore_best: end with the weights of the epoch with the best ``val_loss``.

    Example:
        >>> Experiment("adam", 0.001).key() == Experiment("adam", 1e-3).key()
        True
    """

    optimizer: str = "adam"
    learning_rate: float | Schedule = 0.001
    optimizer_options: Any = ()
    epochs: int = 25
    batch_size: int = 250
    validation_split: float = 0.2
    seed: int = 0
    profile: str = dataclasses.field(default_factory=default_profile)
    early_stopping_patience: int | None = None
    restore_best: bool = False

    def __post_init__(self):
        if not isinstance(self.optimizer, str):
            raise TypeError(f"Argument `optimizer` must be a string. Received: optimizer={self.optimizer!r}")
        if self.optimizer.lower() not in OPTIMIZERS:
            raise ValueError(f"Argument `optimizer` must be one of {sorted(OPTIMIZERS)}. "
                             f"Received: optimizer={self.optimizer!r}")
        object.__setattr__(self, "optimizer", self.optimizer.lower())
        if not isinstance(self.learning_rate, Schedule):
            object.__setattr__(self, "learning_rate", _positive_float("learning_rate", self.learning_rate))
        object.__setattr__(self, "optimizer_options", _frozen_options(self.optimizer_options))
        _positive_int("epochs", self.epochs)
        _positive_int("batch_size", self.batch_size)
        _positive_int("seed", self.seed, minimum=0)
        if self.early_stopping_patience is not None:
            _positive_int("early_stopping_patience", self.early_stopping_patience)
        if not isinstance(self.restore_best, bool):
            raise TypeError(f"Argument `restore_best` must be True or False. Received: restore_best={self.restore_best!r}")
        split = self.validation_split
        if isinstance(split, bool) or not isinstance(split, (int, float)) or not 0 < split < 1:
            raise ValueError("Argument `validation_split` must be a number strictly between 0 and 1. "
                             f"Received: validation_split={split!r}")
        get_profile(self.profile)
        self.build_optimizer(steps_per_epoch=1)  # bad optimizer options fail here, before training

    @property
    def initial_rate(self) -> float:
        """The rate of the first step: the fixed rate, or where the schedule starts."""
        return self.learning_rate.initial_rate if isinstance(self.learning_rate, Schedule) else self.learning_rate

    @property
    def effective_epochs(self) -> int:
        """The epochs this experiment trains in its profile."""
        return get_profile(self.profile).epochs(self.epochs)

    def build_optimizer(self, steps_per_epoch: int | None = None) -> keras.optimizers.Optimizer:
        """The Keras optimizer; ``steps_per_epoch`` completes an epoch-based schedule."""
        options = dict(self.optimizer_options)
        rate = self.learning_rate
        if isinstance(rate, Schedule):
            rate = (rate.with_steps_per_epoch(steps_per_epoch) if steps_per_epoch else rate).keras()
        try:
            return OPTIMIZERS[self.optimizer](learning_rate=rate, **options)
        except (TypeError, ValueError) as error:
            raise ValueError(f"Argument `optimizer_options` is not valid for {self.optimizer!r}. "
                             f"Received: optimizer_options={options!r} ({error})") from error

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description; ``from_dict`` inverts it."""
        config = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        config["optimizer_options"] = dict(self.optimizer_options)
        if isinstance(self.learning_rate, Schedule):
            config["learning_rate"] = self.learning_rate.to_config()
        return config

    @classmethod
    def from_dict(cls, config: Mapping[str, Any]) -> Experiment:
        config = dict(config)
        if isinstance(config.get("learning_rate"), Mapping):
            config["learning_rate"] = Schedule.from_config(config["learning_rate"])
        return cls(**config)

    def key(self) -> str:
        """A stable hash of everything that determines the result (same across processes)."""
        canonical = json.dumps({"schema": RESULT_SCHEMA, **self.to_dict()}, sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:20]

    def label(self) -> str:
        """A short human-readable name, e.g. ``adam lr=0.001``."""
        options = "".join(f", {k}={v}" for k, v in self.optimizer_options)
        rate = self.learning_rate.label() if isinstance(self.learning_rate, Schedule) else f"{self.learning_rate:g}"
        return f"{self.optimizer} lr={rate}{options}"


def _positive_float(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"Argument `{name}` must be a positive number. Received: {name}={value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"Argument `{name}` must be positive and finite. Received: {name}={value!r}")
    return float(value)


def _positive_int(name: str, value: Any, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"Argument `{name}` must be an integer. Received: {name}={value!r}")
    if value < minimum:
        raise ValueError(f"Argument `{name}` must be >= {minimum}. Received: {name}={value!r}")


def _frozen_options(options: Any) -> tuple[tuple[str, Any], ...]:
    pairs = options.items() if isinstance(options, Mapping) else options
    try:
        frozen = tuple(sorted((str(k), v) for k, v in pairs))
    except (TypeError, ValueError) as error:
        raise TypeError("Argument `optimizer_options` must be a mapping of names to values. "
                        f"Received: optimizer_options={options!r}") from error
    for name, value in frozen:
        if not isinstance(value, (bool, int, float, str)) or (isinstance(value, float) and not math.isfinite(value)):
            raise ValueError(f"Argument `optimizer_options` must hold plain finite numbers, booleans or "
                             f"strings. Received: optimizer_options[{name!r}]={value!r}")
    return frozen
