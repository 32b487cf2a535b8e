"""Train an ``Experiment`` (or fetch its stored result) and return a ``Result``.

The data, the compiled model, the stored-only switch and the provenance come from
``run_setup``, which the range test shares; this module never imports ``range_test``
(``run_many`` runs a range test's plan through the runner ``range_test`` registers).
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Iterable, Sequence

import keras
from tqdm.auto import tqdm

from .experiment import Experiment
from .results import EXPLODING_LOSS, METRICS, TEST_METRICS, Result, ResultNotSavedWarning, ResultStore, as_store, \
    find_stored, not_stored, stores
# Re-exported: ``lrlib.training.<name>`` is where the book, the checks and older code find them.
from .run_setup import (  # noqa: F401
    ENV_STORED_ONLY, MissingResultError, check_fits_data, compiled_model, describe_device, find_stored_for_training,
    profile_data, provenance, runner_for, split_sizes, steps_per_epoch, stored_only)


def run(experiment: Experiment, retrain: bool = False, verbose: bool = True, progress: bool = False,
        store: ResultStore | str | os.PathLike | None = None) -> Result:
    """The result of ``experiment``: the stored one if there is one, else a fresh training run.

    Args:
        experiment: what to train.
        retrain: train even if a result is stored, and store the new one.
        verbose: print one line per epoch while training.
        progress: show a ``tqdm.auto`` bar over the epochs while training.
        store: where a new result is written and searched first (a ``ResultStore`` or a
            folder's path); default the user's store (``$LRLIB_RESULTS_DIR`` or a cache folder),
            never the book's own results.

    A stored result trained on the real MNIST is served first (never when ``$LRLIB_MNIST_PATH``
    names other data); else one trained on exactly the data this machine would train on. The results folder is checked before training, and a
    result that still cannot be saved is returned with a ``ResultNotSavedWarning``. With
    ``$LRLIB_STORED_ONLY=1`` (the published book's build) nothing is trained: a missing result
    raises ``MissingResultError``.
    """
    if not isinstance(experiment, Experiment):
        raise TypeError(f"Argument `experiment` must be an lrlib.Experiment. Received: experiment={experiment!r}")
    store = as_store(store)
    if not retrain:
        stored = find_stored_for_training(experiment, stores(store))
        if stored is not None:
            return stored
    if stored_only():
        raise MissingResultError(experiment)
    check_fits_data(experiment)  # before the folder check: a bad argument is the first thing to report
    store.check_writable(experiment.profile)
    result = train(experiment, verbose=verbose, progress=progress)
    try:
        store.save(result)
    except OSError as error:
        warnings.warn(f"{not_stored(experiment.label(), store, error)}; it is returned unsaved. Keep it with "
                      "lrlib.ResultStore(folder).save(result).", ResultNotSavedWarning, stacklevel=2)
    return result


def run_many(experiments: Iterable, retrain: bool = False, verbose: bool = False,
             description: str = "experiments", store: ResultStore | str | os.PathLike | None = None) -> list:
    """``run`` each experiment in turn (a range test's plan through the runner its module
    registered, ``range_test.run_range_test``), with a progress bar across the runs when any
    will train (served results need none, and a book page shows no bar)."""
    experiments = list(experiments)
    results = []
    store = as_store(store)
    trains = retrain or any(find_stored(e, searched=stores(store)) is None for e in experiments)
    with tqdm(total=len(experiments), desc=description, unit="run", disable=not trains) as bar:
        for experiment in experiments:
            bar.set_postfix_str(experiment.label())
            runner = runner_for(experiment)
            if runner is not None:
                results.append(runner(experiment, retrain=retrain, store=store))
            else:
                results.append(run(experiment, retrain=retrain, verbose=verbose, store=store))
            bar.update()
    return results


def fit(experiment: Experiment, model: keras.Model, callbacks: Sequence[keras.callbacks.Callback] = ()):
    """``model.fit`` on ``experiment``'s data with its batch size, epochs and validation split,
    silently; returns Keras's ``History``. ``callbacks`` are passed on."""
    data = profile_data(experiment.profile)
    return model.fit(data.x_train, data.y_train, batch_size=experiment.batch_size, epochs=experiment.effective_epochs,
                     validation_split=experiment.validation_split, shuffle=True, verbose=0, callbacks=list(callbacks))


def train(experiment: Experiment, verbose: bool = True, progress: bool = False,
          callbacks: Sequence[keras.callbacks.Callback] = ()) -> Result:
    """Train ``experiment`` now, without looking at or writing to any store; ``callbacks`` are
    added to lrlib's own (a checkpoint, a logger)."""
    started = time.perf_counter()
    model = compiled_model(experiment)
    epochs = experiment.effective_epochs
    data = profile_data(experiment.profile)
    recorder = EpochRecorder(epochs, verbose, (data.x_test, data.y_test) if experiment.test_each_epoch else None)
    own = [recorder]
    if progress:
        own.append(EpochProgressBar(epochs, experiment.label()))
    if experiment.early_stopping_patience is not None or experiment.restore_best:
        own.append(keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=experiment.early_stopping_patience or epochs,
            restore_best_weights=experiment.restore_best))
    fit_started = time.perf_counter()
    fit(experiment, model, [*own, *callbacks])
    train_time = time.perf_counter() - fit_started
    test_loss, test_accuracy = model.evaluate(data.x_test, data.y_test, batch_size=1000, verbose=0)
    if verbose:
        tqdm.write(f"test loss {test_loss:.4f} - test accuracy {test_accuracy:.4f}"
                   + (f" - diverged: {recorder.divergence}" if recorder.divergence else ""))
    return Result(
        experiment=experiment, history=recorder.history, test_loss=float(test_loss),
        test_accuracy=float(test_accuracy), epochs_run=len(recorder.history["loss"]),
        wall_time_s=round(time.perf_counter() - started, 3), train_time_s=round(train_time, 3),
        diverged=recorder.divergence is not None, divergence_reason=recorder.divergence,
        provenance=provenance(data), steps_per_epoch=steps_per_epoch(experiment))


class EpochRecorder(keras.callbacks.Callback):
    """Records each epoch's metrics and rate (and, given ``test_data``, the test set's loss and
    accuracy after the epoch), prints one clean line, and stops on divergence:
    a non-finite loss, or one over ``EXPLODING_LOSS`` and still growing. A huge *first* epoch
    alone is not divergence: Adam at 0.5 averages ~1e4 in epoch 1, then sits at chance (the
    article's case); ``Result.outcome`` classifies such runs afterwards.

    It works per epoch, not per batch: a batch hook would make Keras wait for every step.
    """

    def __init__(self, epochs: int, verbose: bool, test_data: tuple | None = None):
        super().__init__()
        self.epochs, self.verbose, self.test_data = epochs, verbose, test_data
        self.history = {name: [] for name in METRICS + (TEST_METRICS if test_data else ())}
        self.divergence: str | None = None

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_rate = current_learning_rate(self.model.optimizer)
        self._epoch_started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        for name in METRICS[:-1]:  # the Keras metrics; the rate is read from the optimizer
            self.history[name].append(float(logs.get(name, math.nan)))
        self.history["learning_rate"].append(self._epoch_rate)
        if self.test_data:  # ``test_each_epoch``: the weights as they are at the end of this epoch
            x_test, y_test = self.test_data
            scores = self.model.evaluate(x_test, y_test, batch_size=1000, verbose=0, return_dict=True)
            self.history["test_loss"].append(float(scores["loss"]))
            self.history["test_accuracy"].append(float(scores["accuracy"]))
        loss = self.history["loss"][-1]
        if not math.isfinite(loss):
            self.divergence = f"training loss became {loss} in epoch {epoch + 1}"
        elif loss > EXPLODING_LOSS and len(self.history["loss"]) > 1 and loss > self.history["loss"][-2]:
            self.divergence = (f"training loss exploded to {loss:.4g} (> {EXPLODING_LOSS:.0f} and growing) "
                               f"in epoch {epoch + 1}")
        if self.divergence:
            self.model.stop_training = True
        if self.verbose:
            seconds = time.perf_counter() - self._epoch_started
            metrics = " - ".join(f"{name} {self.history[name][-1]:.4f}"
                                 for name in ("loss", "accuracy", "val_loss", "val_accuracy"))
            # tqdm.write keeps the line clear of a progress bar running across experiments.
            tqdm.write(f"epoch {epoch + 1}/{self.epochs} - {metrics} - lr {self._epoch_rate:.3g} - {seconds:.1f}s"
                       + (f" - stopped: {self.divergence}" if self.divergence else ""))


class EpochProgressBar(keras.callbacks.Callback):
    """A ``tqdm.auto`` bar that advances once per epoch (a widget in notebooks)."""

    def __init__(self, epochs: int, description: str):
        super().__init__()
        self.epochs, self.description = epochs, description

    def on_train_begin(self, logs=None):
        self.bar = tqdm(total=self.epochs, desc=self.description, unit="epoch")

    def on_epoch_end(self, epoch, logs=None):
        self.bar.update()
        self.bar.set_postfix(loss=f"{(logs or {}).get('loss', float('nan')):.4f}")

    def on_train_end(self, logs=None):
        self.bar.close()


def current_learning_rate(optimizer: keras.optimizers.Optimizer) -> float:
    """The rate the optimizer applies at its next step (a schedule evaluated at that step)."""
    return float(keras.ops.convert_to_numpy(optimizer.learning_rate))
