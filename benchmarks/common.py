"""Shared timing helper of the benchmarks: one plain ``model.fit`` of the article's CNN."""

from __future__ import annotations

import argparse
import time

import keras

import lrlib
from lrlib.training import compiled_model, fit, profile_data


def fit_seconds(experiment: lrlib.Experiment, optimizer: keras.optimizers.Optimizer | None = None,
                callbacks: list | None = None) -> float:
    """Seconds of ``model.fit`` for ``experiment``'s model, data and settings (nothing stored),
    set up and fitted as ``lrlib.train`` does, without lrlib's callbacks."""
    model = compiled_model(experiment, optimizer)
    started = time.perf_counter()
    fit(experiment, model, callbacks or ())
    return time.perf_counter() - started


def training_images(experiment: lrlib.Experiment) -> float:
    """Images one run trains on: the training split, once per epoch."""
    n = len(profile_data(experiment.profile).x_train)
    return n * (1 - experiment.validation_split) * experiment.effective_epochs


def parse_arguments(description: str, profile: str = "quick", rounds: int = 5) -> argparse.Namespace:
    """The options every benchmark takes: profile, epochs per run, alternating rounds."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--profile", default=profile, choices=sorted(lrlib.PROFILES))
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=rounds)
    return parser.parse_args()
