"""Compiled models shared between runs, so that Keras traces each kind of train step once.

Building, compiling and tracing the article's CNN costs about a second and a half on two CPU
cores, more than an epoch of the quick profile. Runs that differ only in their seed, their fixed
rate or the numbers of their schedule trace the same train and test steps, so they share one
compiled model: each run loads into it the variables of a model freshly built from its seed
(weights and dropout seeds), the optimizer's initial state, and its own rate (a schedule's
numbers are variables of its ``KerasSchedule``). The numbers are those of a fresh model, to the
bit (``tests/test_model_cache.py``).
"""

from __future__ import annotations

import collections
import dataclasses

import keras
import numpy as np

from .experiment import Experiment
from .model import build_cnn
from .schedules import KerasSchedule, Schedule

# Compiled models kept at once (about 20 MB each on a CPU): more than the kinds of run of any
# chapter (ten in the full profile's decay grid); a new kind beyond them replaces the least
# recently used.
CAPACITY = 16

# What every run compiles the CNN with besides its optimizer.
LOSS_AND_METRICS = {"loss": "categorical_crossentropy", "metrics": ["accuracy"]}


@dataclasses.dataclass
class _Shared:
    model: keras.Model
    optimizer_state: list[np.ndarray]  # the optimizer's variables before its first step
    schedule: KerasSchedule | None  # the rate's schedule, None for a fixed rate


_shared: collections.OrderedDict[tuple, _Shared] = collections.OrderedDict()


def trace_key(experiment: Experiment, input_shape: tuple[int, ...]) -> tuple:
    """What the traced train and test steps of ``experiment`` depend on: the optimizer and its
    options, the schedule's ``structure`` (not its numbers) or a fixed rate, the input shape."""
    rate = experiment.learning_rate
    return (experiment.optimizer, experiment.optimizer_options,
            rate.structure() if isinstance(rate, Schedule) else "fixed rate", tuple(input_shape))


def compiled_model(experiment: Experiment, input_shape: tuple[int, ...], steps_per_epoch: int) -> keras.Model:
    """The article's CNN for ``experiment``, compiled with its optimizer, the cross-entropy loss
    and accuracy, in the state a fresh model seeded with ``experiment.seed`` starts in: a model
    compiled for an earlier run of the same ``trace_key`` if there is one, else a new one."""
    key = trace_key(experiment, input_shape)
    if key not in _shared and len(_shared) >= CAPACITY:
        _shared.popitem(last=False)
    rate = experiment.learning_rate
    if isinstance(rate, Schedule):
        rate = rate.with_steps_per_epoch(steps_per_epoch)
    fresh = seeded_cnn(experiment.seed, input_shape)  # its variables: the run's initial weights and dropout seeds
    shared = _shared.get(key)
    if shared is None:
        schedule = rate.keras() if isinstance(rate, Schedule) else None
        compile_cnn(fresh, experiment.build_optimizer(learning_rate=rate if schedule is None else schedule))
        _shared[key] = _Shared(fresh, [keras.ops.convert_to_numpy(v) for v in fresh.optimizer.variables], schedule)
        return fresh
    _shared.move_to_end(key)
    model = shared.model
    for target, source in zip(model.variables, fresh.variables, strict=True):
        target.assign(source)
    for target, value in zip(model.optimizer.variables, shared.optimizer_state, strict=True):
        target.assign(value)
    if shared.schedule is None:
        model.optimizer.learning_rate = rate
    else:
        shared.schedule.load(rate)
    return model


def seeded_cnn(seed: int, input_shape: tuple[int, ...]) -> keras.Model:
    """The article's CNN, its weights and dropout seeds drawn from ``seed`` (not compiled)."""
    keras.utils.set_random_seed(seed)
    return build_cnn(input_shape)


def compile_cnn(model: keras.Model, optimizer: keras.optimizers.Optimizer) -> None:
    """Compile ``model`` as every run is: ``optimizer``, the cross-entropy loss and accuracy, with
    the optimizer's and the metrics' variables made now.

    Keras on TensorFlow (with no distribution strategy) would make them while tracing the first
    train step, and TensorFlow then traces that step a second time, now without making
    variables: a quarter of a second more for each kind of run on two CPU cores, for the same
    numbers.
    """
    model.compile(optimizer=optimizer, **LOSS_AND_METRICS)
    optimizer.build(model.trainable_variables)
    images = np.zeros((1, *model.input_shape[1:]), dtype="float32")
    labels = np.zeros((1, *model.output_shape[1:]), dtype="float32")
    model.compute_metrics(images, labels, model(images, training=False))
    model.reset_metrics()  # the batch of zeros must not count in any metric


def shared_count() -> int:
    """How many compiled models are kept now."""
    return len(_shared)


def release() -> None:
    """Forget every shared model and clear Keras's session (the next run compiles afresh)."""
    _shared.clear()
    keras.backend.clear_session()
