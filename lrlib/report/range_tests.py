"""Chapters 14 and 15 (the range test): suggestions, where they land on a sweep, and their cost."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..results import Result
from . import noise
from .adaptive import good_band_width


def suggestion_table(records: Sequence, beta: float | None = None):
    """For each optimizer of ``records`` (range tests, ``range_test.RangeTestRecord``, typically
    one per seed) and each suggestion rule: the median suggestion, the lowest and highest, and
    how far apart those are in decades, as a ``pandas.DataFrame`` indexed by optimizer and rule."""
    import pandas as pd

    if not records:
        raise ValueError("Argument `records` must hold at least one range test. Received: records=[]")
    found: dict[tuple[str, str], list[float]] = {}
    for record in records:
        for rule, rate in record.test.suggestions(beta).items():
            found.setdefault((record.plan.experiment.optimizer, rule), []).append(rate)
    rows = [{"optimizer": optimizer, "rule": rule, "tests": len(rates), "median": float(np.median(rates)),
             "lowest": min(rates), "highest": max(rates), "spread (decades)": float(np.log10(max(rates) / min(rates)))}
            for (optimizer, rule), rates in found.items()]
    return pd.DataFrame(rows).set_index(["optimizer", "rule"])


def _by_optimizer(results: Sequence) -> dict[str, list]:
    found: dict[str, list] = {}
    for result in results:
        experiment = getattr(result, "experiment", None) or result.plan.experiment  # a Result or a range test
        found.setdefault(experiment.optimizer, []).append(result)
    return found


def _where_on_band(rate: float, band: dict[str, Any]) -> str:
    if band["band from"] <= rate <= band["band to"]:
        return "inside the band"
    if band["bad below"] < rate < band["band from"] or band["band to"] < rate < band["bad above"]:
        return "between the band and a bad rate"
    return "outside the band"


VERDICT_WORDS = {"tie": "a tie", "ahead": "better", "behind": "worse"}


def suggestions_on_sweep(sweep: Sequence[Result], records: Sequence, suggested: Sequence[Result],
                         rule: str = "valley", tolerance: float = 0.005, metric: str = "val_accuracy",
                         seed_noise: float | None = None):
    """Does the range test pick a good rate? For each optimizer of ``suggested`` (runs at the
    suggested rates, as long as the runs of ``sweep``): the suggestion of each range test of
    ``records`` (lowest, highest, how many decades apart), where the suggested rate falls on the
    sweep's good band (``good_band_width``, chosen on ``metric``, a validation accuracy: a test
    metric is refused), the suggested run's ``metric`` against the best swept rate's, their
    difference and the noise of that difference in images of the validation set
    (``noise.compare``; ``seed_noise`` as there), a verdict (a tie, better or worse) and whether
    the suggested run clears the band's cutoff ("good"). The test accuracy of the suggested run
    and of the best rate are reported beside them (``suggested test accuracy``, ``best test
    accuracy``), not used to decide. A ``pandas.DataFrame`` indexed by optimizer."""
    import pandas as pd

    metric = noise.selection_metric(metric)
    swept, tests = _by_optimizer(sweep), _by_optimizer(records)
    rows = []
    for result in suggested:
        name = result.experiment.optimizer
        if name not in swept or name not in tests:
            raise ValueError(f"Argument `suggested` holds {name}, which `sweep` and `records` must hold too.")
        band = good_band_width(swept[name], tolerance, metric)
        best_runs = [r for r in swept[name] if r.experiment.initial_rate == band["best rate"]]
        found = noise.compare(result, best_runs, metric, seed_noise)
        rates = [record.test.suggestion(rule) for record in tests[name]]
        rows.append({
            "optimizer": name, "suggested rate": result.experiment.learning_rate,
            "lowest suggestion": min(rates), "highest suggestion": max(rates),
            "seed spread (decades)": float(np.log10(max(rates) / min(rates))),
            "band from": band["band from"], "band to": band["band to"],
            "where": _where_on_band(result.experiment.learning_rate, band),
            "suggested accuracy": found.first, "best rate": band["best rate"],
            "best accuracy": band["best accuracy"], "difference (images)": found.images,
            "noise (images)": found.noise.margin_images, "images": found.noise.images,
            "good": found.first >= band["cutoff"], "verdict": VERDICT_WORDS[found.verdict],
            "suggested test accuracy": result.test_accuracy, "best test accuracy": band["best test accuracy"],
        })
    return pd.DataFrame(rows).set_index("optimizer")


def _steps_per_epoch(result: Result) -> int:
    """The steps per epoch ``result`` recorded, or (results stored before it was recorded) those
    of its profile's share of the real MNIST, without loading the data."""
    from ..data import MNIST_FINGERPRINT, MNIST_TRAIN_IMAGES
    from ..profiles import get_profile

    if result.steps_per_epoch is not None:
        return result.steps_per_epoch
    if result.data_fingerprint != MNIST_FINGERPRINT:
        raise ValueError(f"The result of {result.experiment.label()} records no steps per epoch and was not "
                         "trained on the real MNIST: its steps per epoch are unknown.")
    experiment = result.experiment
    images = get_profile(experiment.profile).n_train or MNIST_TRAIN_IMAGES
    return math.ceil(math.floor(images * (1 - experiment.validation_split)) / experiment.batch_size)


def range_test_cost(records: Sequence, sweep: Sequence[Result]):
    """What a range test costs against the training it replaces, per optimizer, counted in
    optimizer steps (batches), which unlike stored wall times do not depend on how busy the
    machine was: the median range test, one epoch, the whole sweep of that optimizer, and the
    ratios test / epoch and sweep / test. A ``pandas.DataFrame`` indexed by optimizer. (A
    benchmark measures the time ratio of a test to an epoch in one run.)"""
    import pandas as pd

    swept = _by_optimizer(sweep)
    rows = []
    for name, tests in _by_optimizer(records).items():
        if name not in swept:
            raise ValueError(f"Argument `sweep` must hold runs of {name}, which `records` holds.")
        test = float(np.median([len(record.test.rates) for record in tests]))
        epoch = _steps_per_epoch(swept[name][0])
        total = sum(_steps_per_epoch(r) * r.epochs_run for r in swept[name])
        rows.append({"optimizer": name, "range test (steps)": test, "one epoch (steps)": epoch,
                     "sweep (steps)": total, "sweep runs": len(swept[name]), "test / epoch": test / epoch,
                     "sweep / test": total / test})
    return pd.DataFrame(rows).set_index("optimizer")
