"""Shared timing helper of the benchmarks: one plain ``model.fit`` of the article's CNN."""

from __future__ import annotations

import argparse
import time

import keras

import lrlib
from lrlib.training import profile_data


def fit_seconds(experiment: lrlib.Experiment, optimizer: keras.optimizers.Optimizer | None = None,
                callbacks: list | None = None) -> float:
    """Seconds of ``model.fit`` for ``experiment``'s model, data and settings (nothing stored)."""
    data = profile_data(experiment.profile)
    keras.backend.clear_session()
    keras.utils.set_random_seed(experiment.seed)
    model = lrlib.build_cnn(data.input_shape)
    model.compile(loss="categorical_crossentropy", optimizer=optimizer or experiment.build_optimizer(),
                  metrics=["accuracy"])
    started = time.perf_counter()
    model.fit(data.x_train, data.y_train, batch_size=experiment.batch_size, epochs=experiment.effective_epochs,
              validation_split=experiment.validation_split, shuffle=True, verbose=0, callbacks=callbacks)
    return time.perf_counter() - started


def training_images(experiment: lrlib.Experiment) -> float:
    """Images one run trains on: the training split, once per epoch."""
    n = len(profile_data(experiment.profile).x_train)
    return n * (1 - experiment.validation_split) * experiment.effective_epochs


def parse_arguments(description: str) -> argparse.Namespace:
    """The options every benchmark takes: profile, epochs per run, alternating rounds."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--profile", default="quick", choices=sorted(lrlib.PROFILES))
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    return parser.parse_args()
