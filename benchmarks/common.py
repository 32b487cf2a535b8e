"""Shared helpers of the benchmarks: one plain ``model.fit`` of the article's CNN, rounds that
alternate between the sides measured, and their medians."""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

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


def alternating_rounds(sides: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Each side's measurement ``rounds`` times, the sides taking turns so that load hits them alike."""
    measured = {name: [] for name in sides}
    for _ in range(rounds):
        for name, measure in sides.items():
            measured[name].append(measure())
    return measured


def print_medians(measured: dict[str, list[float]], unit: str) -> None:
    """One line per side: the median of its rounds, then every round."""
    width = max(map(len, measured))
    for name, values in measured.items():
        print(f"{name:>{width}}: {statistics.median(values):.3f} {unit}  (rounds: {', '.join(f'{v:.2f}' for v in values)})")
