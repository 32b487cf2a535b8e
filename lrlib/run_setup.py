"""What every run stands on, a training run (``training``) and a range test (``range_test``)
alike: the profile's data and its validation split, the seeded and compiled CNN, whether
training is allowed (``$LRLIB_STORED_ONLY``) and which stored record serves instead, and the
provenance written beside a fresh record.

Both ``training`` and ``range_test`` import this module and neither imports the other:
``training.run_many`` runs a range test's plan through the runner that ``range_test``
registers here (``register_runner``), so the imports run one way.
"""

from __future__ import annotations

import datetime
import functools
import math
import os
import platform
import sys
from collections.abc import Callable

import keras
import numpy as np

from . import __version__, model_cache, validation
from .data import ENV_PATH, Mnist, load_mnist
from .experiment import Experiment
from .profiles import get_profile
from .results import ResultStore, find_stored, search, servable_fingerprints

ENV_STORED_ONLY = "LRLIB_STORED_ONLY"


class MissingResultError(RuntimeError):
    """A stored result was required (``$LRLIB_STORED_ONLY``) but none exists; ``experiment``
    says which (the command line adds how to produce it)."""

    def __init__(self, experiment: Experiment):
        self.experiment = experiment
        super().__init__(f"No stored {experiment.profile}-profile result for {experiment.label()} "
                         f"(key {experiment.key()}), and {ENV_STORED_ONLY} forbids training. Unset "
                         f"{ENV_STORED_ONLY} to train it.")


def stored_only() -> bool:
    """Whether ``$LRLIB_STORED_ONLY`` forbids training (``1``/``true``/``yes``/``on``)."""
    return validation.flag_from_environment(ENV_STORED_ONLY, os.environ.get(ENV_STORED_ONLY))


def find_stored_for_training(spec, searched: list[ResultStore]):
    """The stored record of ``spec`` (an experiment or a range test's plan) made on the real
    MNIST, else one made on exactly the data this machine would train on (unless
    ``$LRLIB_STORED_ONLY`` forbids training: then no data is loaded); ``None`` if neither."""
    stored = find_stored(spec, searched=searched)
    if stored is None and not stored_only():  # then the data is needed anyway, to train
        here = profile_data(spec.profile).fingerprint
        if here not in servable_fingerprints():  # each file is read once: a corrupt one is reported once
            stored = search(spec, [here], searched)
    return stored


def compiled_model(experiment: Experiment, optimizer: keras.optimizers.Optimizer | None = None) -> keras.Model:
    """The article's CNN for ``experiment``: seeded, and compiled with its optimizer (or
    ``optimizer``), the cross-entropy loss and accuracy. Checks first that the data fits.

    With the experiment's own optimizer the model may be one compiled for an earlier run of
    the same kind, in the state a fresh one starts in (``model_cache``); with ``optimizer``
    it is always a new one.
    """
    check_fits_data(experiment)
    input_shape = profile_data(experiment.profile).input_shape
    if optimizer is None:
        return model_cache.compiled_model(experiment, input_shape, steps_per_epoch(experiment))
    model_cache.release()
    model = model_cache.seeded_cnn(experiment.seed, input_shape)
    model_cache.compile_cnn(model, optimizer)
    return model


@functools.lru_cache(maxsize=3)
def _cached_profile_data(profile: str, mnist_path: str | None) -> Mnist:
    spec = get_profile(profile)
    return load_mnist(n_train=spec.n_train, n_test=spec.n_test)


def profile_data(profile: str) -> Mnist:
    """The MNIST arrays a profile trains on (cached per profile and data file)."""
    return _cached_profile_data(profile, os.environ.get(ENV_PATH))


def split_sizes(experiment: Experiment) -> tuple[int, int]:
    """Training and validation images of ``experiment`` after Keras's validation split."""
    images = len(profile_data(experiment.profile).x_train)
    training_images = math.floor(images * (1 - experiment.validation_split))  # Keras's own split
    return training_images, images - training_images


def check_fits_data(experiment: Experiment) -> None:
    """``ValueError`` unless the validation split leaves images both to train and to validate on,
    and one batch is no larger than the training images (a larger one would fill no batch, and
    a huge one overflows NumPy's and TensorFlow's sizes)."""
    training_images, validation_images = split_sizes(experiment)
    if training_images < 1 or validation_images < 1:
        raise ValueError(f"Argument `validation_split` leaves {training_images} training and "
                         f"{validation_images} validation images of the {training_images + validation_images} "
                         f"in the {experiment.profile} profile; each needs at least one. "
                         f"Received: validation_split={experiment.validation_split!r}")
    if experiment.batch_size > training_images:
        raise ValueError(f"Argument `batch_size` must be <= {training_images}, the training images of the "
                         f"{experiment.profile} profile after the validation split. "
                         f"Received: batch_size={experiment.batch_size!r}")


def steps_per_epoch(experiment: Experiment) -> int:
    """Optimizer steps in one epoch of ``experiment``: its training images (after the validation
    split) divided by the batch size, rounded up, as Keras counts them."""
    return math.ceil(split_sizes(experiment)[0] / experiment.batch_size)


def describe_device() -> str:
    """The device TensorFlow trains on, e.g. ``GPU: NVIDIA T4`` or ``CPU: x86_64, 2 cores``."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        names = [tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name) for gpu in gpus]
        return "GPU: " + ", ".join(names)
    return f"CPU: {platform.machine()}, {os.cpu_count()} cores"


def provenance(data: Mnist) -> dict[str, str]:
    """Versions, machine and data behind a result."""
    import tensorflow as tf

    return {
        "lrlib": __version__, "tensorflow": tf.__version__, "keras": keras.__version__,
        "numpy": np.__version__, "python": sys.version.split()[0], "platform": platform.platform(),
        "device": describe_device(), "data_source": data.source, "data_fingerprint": data.fingerprint,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


_RUNNERS: dict[type, Callable] = {}


def register_runner(kind: type, runner: Callable) -> None:
    """Make ``runner(spec, retrain=..., store=...)`` the way ``training.run_many`` runs a spec of
    type ``kind`` (``range_test`` registers its plans this way; an ``Experiment`` needs none)."""
    if not isinstance(kind, type) or not callable(runner):
        raise TypeError(f"register_runner takes a type and a callable. Received: kind={kind!r}, runner={runner!r}")
    _RUNNERS[kind] = runner


def runner_for(spec) -> Callable | None:
    """The runner registered for ``spec``'s type (or a base of it); ``None`` if there is none."""
    for kind in type(spec).__mro__:
        if kind in _RUNNERS:
            return _RUNNERS[kind]
    return None
