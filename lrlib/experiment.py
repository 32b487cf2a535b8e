"""A frozen, hashable description of one training run."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from typing import Any

import keras

from . import validation
from .optimizers import ALL_OPTIMIZERS, OPTIMIZERS, ScheduledMomentumSGD, check_option, check_rate
from .profiles import default_profile, get_profile
from .schedules import Schedule

# Keras's set_random_seed takes seeds below 2**32 (NumPy's limit).
MAX_SEED = 2**32 - 1

# Bump when the meaning of a stored result changes, so that old files are never served.
RESULT_SCHEMA = 1

# Fields added after results were stored, with their defaults: at the default they are left out
# of ``to_dict`` (and so of ``key``), so the stored results keep their keys.
ADDED_FIELDS = {"test_each_epoch": False}
_UNSET = object()


@dataclasses.dataclass(frozen=True)
class Experiment:
    """One run of the article's CNN on MNIST.

    Args:
        optimizer: a name from ``ALL_OPTIMIZERS`` (``"adam"``, ``"sgd"``, ..., ``"lion"``, ``"prodigy"``).
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
        test_each_epoch: also score the test set after every epoch (the history gains
            ``test_loss`` and ``test_accuracy``), so that one run of a rate that does not depend
            on the budget tells the epochs it takes to reach a test accuracy.

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
    test_each_epoch: bool = False

    def __post_init__(self):
        if not isinstance(self.optimizer, str):
            raise TypeError(f"Argument `optimizer` must be a string. Received: optimizer={self.optimizer!r}")
        if self.optimizer.lower() not in ALL_OPTIMIZERS:
            raise ValueError(f"Argument `optimizer` must be one of {sorted(ALL_OPTIMIZERS)}. "
                             f"Received: optimizer={self.optimizer!r}")
        checked = {
            "optimizer": str(self.optimizer.lower()),
            "learning_rate": check_rate(self.optimizer.lower(), self.learning_rate if isinstance(
                self.learning_rate, Schedule) else validation.learning_rate("learning_rate", self.learning_rate)),
            "optimizer_options": _frozen_options(self.optimizer.lower(), self.optimizer_options),
            "epochs": validation.integer("epochs", self.epochs, minimum=1),
            "batch_size": validation.integer("batch_size", self.batch_size, minimum=1),
            "seed": validation.integer("seed", self.seed, minimum=0, maximum=MAX_SEED),
            "validation_split": validation.number("validation_split", self.validation_split, minimum=0.0,
                                                  maximum=1.0, exclusive_minimum=True, exclusive_maximum=True),
            "restore_best": validation.boolean("restore_best", self.restore_best),
            "test_each_epoch": validation.boolean("test_each_epoch", self.test_each_epoch),
        }
        if self.early_stopping_patience is not None:
            checked["early_stopping_patience"] = validation.integer(
                "early_stopping_patience", self.early_stopping_patience, minimum=1)
        for name, value in checked.items():  # plain Python values: NumPy scalars hash and serialize alike
            object.__setattr__(self, name, value)
        get_profile(self.profile)

    @property
    def initial_rate(self) -> float:
        """The rate of the first step: the fixed rate, or where the schedule starts."""
        return self.learning_rate.initial_rate if isinstance(self.learning_rate, Schedule) else self.learning_rate

    @property
    def effective_epochs(self) -> int:
        """The epochs this experiment trains in its profile."""
        return get_profile(self.profile).epochs(self.epochs)

    def build_optimizer(self, steps_per_epoch: int | None = None,
                        learning_rate: float | keras.optimizers.schedules.LearningRateSchedule | None = None
                        ) -> keras.optimizers.Optimizer:
        """The Keras optimizer; ``steps_per_epoch`` completes an epoch-based schedule.
        ``learning_rate`` replaces the rate made from the experiment's own (a ``KerasSchedule``
        the caller keeps, to ``load`` other schedules into it later)."""
        options = dict(self.optimizer_options)
        rate = self.learning_rate if learning_rate is None else learning_rate
        if isinstance(rate, Schedule):
            rate = (rate.with_steps_per_epoch(steps_per_epoch) if steps_per_epoch else rate).keras()
        make = ALL_OPTIMIZERS[self.optimizer]
        if isinstance(options.get("momentum"), Schedule):
            make = ScheduledMomentumSGD
        try:
            return make(learning_rate=rate, **options)
        except (TypeError, ValueError) as error:
            raise ValueError(f"Argument `optimizer_options` is not valid for {self.optimizer!r}. "
                             f"Received: optimizer_options={options!r} ({error})") from error

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description; ``from_dict`` inverts it."""
        config = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)
                  if ADDED_FIELDS.get(field.name, _UNSET) != getattr(self, field.name)}
        config["optimizer_options"] = {name: value.to_config() if isinstance(value, Schedule) else value
                                       for name, value in self.optimizer_options}
        if isinstance(self.learning_rate, Schedule):
            config["learning_rate"] = self.learning_rate.to_config()
        return config

    @classmethod
    def from_dict(cls, config: Mapping[str, Any]) -> Experiment:
        config = dict(config)
        if isinstance(config.get("learning_rate"), Mapping):
            config["learning_rate"] = Schedule.from_config(config["learning_rate"])
        config["optimizer_options"] = {name: Schedule.from_config(value) if isinstance(value, Mapping) else value
                                       for name, value in dict(config.get("optimizer_options", {})).items()}
        return cls(**config)

    def key(self) -> str:
        """A stable hash of everything that determines the result (same across processes)."""
        canonical = json.dumps({"schema": RESULT_SCHEMA, **self.to_dict()}, sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:20]

    def label(self) -> str:
        """A short human-readable name, e.g. ``adam lr=0.001``."""
        options = "".join(f", {k}={v.label() if isinstance(v, Schedule) else v}" for k, v in self.optimizer_options)
        rate = self.learning_rate.label() if isinstance(self.learning_rate, Schedule) else f"{self.learning_rate:g}"
        return f"{self.optimizer} lr={rate}{options}"


def _frozen_options(optimizer: str, options: Any) -> tuple[tuple[str, Any], ...]:
    """The options as sorted ``(name, value)`` pairs, each checked for ``optimizer``."""
    pairs = options.items() if isinstance(options, Mapping) else options
    try:
        frozen = tuple(sorted((str(k), v) for k, v in pairs))
    except (TypeError, ValueError) as error:
        raise TypeError("Argument `optimizer_options` must be a mapping of names to values. "
                        f"Received: optimizer_options={options!r}") from error
    return tuple((name, check_option(optimizer, name, value)) for name, value in frozen)
