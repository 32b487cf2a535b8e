"""Chapters 11 to 13 (adaptive optimizers): defaults, good bands and their noisy edges."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..results import Result
from ..catalog import Scenario
from .common import _accuracy_difference, epochs_to_accuracy, seed_repeats, seed_spread


def optimizer_table(scenarios: Sequence[Scenario], results: Sequence[Result], threshold: float = 0.99):
    """A ``pandas.DataFrame`` with one row per run: optimizer, rate, test scores, the first epoch
    whose validation accuracy reaches ``threshold``, the training time, the outcome, and the
    article's test scores where it gives them."""
    import pandas as pd

    rows = []
    for scenario, result in zip(scenarios, results, strict=True):
        reached = epochs_to_accuracy(result, threshold)
        rows.append({
            "run": scenario.name, "optimizer": result.experiment.optimizer,
            "learning rate": result.experiment.initial_rate,
            "test loss": result.test_loss, "test accuracy": result.test_accuracy,
            f"epochs to {threshold:.0%} val. accuracy": "never" if reached is None else str(reached),
            "training time (min)": result.train_time_s / 60, "outcome": result.outcome.kind,
            "article: test accuracy": scenario.article_test_accuracy,
        })
    return pd.DataFrame(rows).set_index("run")


def _mean_accuracy_by_rate(results: Sequence[Result]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (initial) rates of ``results``, sorted, and the mean test accuracy at each:
    runs at one rate with other seeds count by their mean."""
    by_rate: dict[float, list[float]] = {}
    for r in results:
        by_rate.setdefault(r.experiment.initial_rate, []).append(r.test_accuracy)
    rates = np.array(sorted(by_rate))
    return rates, np.array([np.mean(by_rate[rate]) for rate in rates])


def _one_optimizer(results: Sequence[Result]) -> None:
    if not results:
        raise ValueError("Argument `results` must hold runs of one optimizer. Received: results=[]")
    optimizers = {r.experiment.optimizer for r in results}
    if len(optimizers) != 1:
        raise ValueError(f"Argument `results` must hold runs of one optimizer. Received: optimizers {sorted(optimizers)}")


def good_band_width(results: Sequence[Result], tolerance: float = 0.005) -> dict[str, Any]:
    """How wide, in decades of the learning rate, the band of good rates is for one optimizer.

    Good rates are those whose test accuracy is within ``tolerance`` of the best of ``results``
    (runs of one optimizer at different rates; several seeds at one rate count by their mean).
    On a grid the true band edges lie between grid points, so the width is bracketed: ``width``
    spans the good rates measured (a lower bound), ``width_at_most`` spans the nearest rates
    outside them, ``bad below`` and ``bad above`` (0 and ``inf`` when the band reaches the
    grid's end, and then ``width_at_most`` is ``inf``), with their test accuracy (``accuracy
    below``, ``accuracy above``; NaN at the grid's end). Returns those, the best rate and
    accuracy, the accuracy a good rate needs (``cutoff``) and the band's ends.
    """
    _one_optimizer(results)
    tolerance = _accuracy_difference("tolerance", tolerance)
    rates, accuracy = _mean_accuracy_by_rate(results)
    best = int(np.argmax(accuracy))
    cutoff = accuracy[best] - tolerance
    good = accuracy >= cutoff
    # The band is the run of good rates around the best one (a good rate cut off by a bad one
    # is not part of it).
    low = high = best
    while low > 0 and good[low - 1]:
        low -= 1
    while high < len(rates) - 1 and good[high + 1]:
        high += 1
    below = rates[low - 1] if low > 0 else 0.0
    above = rates[high + 1] if high < len(rates) - 1 else np.inf
    return {
        "best rate": float(rates[best]), "best accuracy": float(accuracy[best]), "cutoff": float(cutoff),
        "band from": float(rates[low]), "band to": float(rates[high]),
        "bad below": float(below), "bad above": float(above),
        "accuracy below": float(accuracy[low - 1]) if low > 0 else float("nan"),
        "accuracy above": float(accuracy[high + 1]) if high < len(rates) - 1 else float("nan"),
        "width": float(np.log10(rates[high] / rates[low])),
        "width_at_most": float(np.log10(above / below)) if below > 0 and np.isfinite(above) else float("inf"),
    }


def noisy_band_edges(results: Sequence[Result], spread: float, tolerance: float = 0.005) -> list[tuple[str, float]]:
    """The (optimizer, rate) cells on which a band edge of ``good_band_width`` hangs by less
    than the noise: the band's end rates and the bad rates next to them whose accuracy is within
    ``spread`` (e.g. ``seed_spread``) of the cutoff. Repeating these with other seeds says
    whether the band's width holds. Sorted by optimizer, then rate."""
    spread = _accuracy_difference("spread", spread)
    by_optimizer: dict[str, list[Result]] = {}
    for result in results:
        by_optimizer.setdefault(result.experiment.optimizer, []).append(result)
    cells = []
    for optimizer, runs in sorted(by_optimizer.items()):
        band = good_band_width(runs, tolerance)
        rates, accuracy = _mean_accuracy_by_rate(runs)
        edges = {band["band from"], band["band to"], band["bad below"], band["bad above"]}
        cells += [(optimizer, float(rate)) for rate, value in zip(rates, accuracy)
                  if rate in edges and abs(value - band["cutoff"]) < spread]
    return cells


def with_repeats(results: Sequence[Result], repeats: Sequence[Result]) -> list[Result]:
    """A sweep's ``results`` and the runs of ``repeats`` it does not hold already (the sweep's own
    seed counts once): the pool ``good_band_width`` averages per rate."""
    swept = {r.experiment for r in results}
    return list(results) + [r for r in repeats if r.experiment not in swept]


def repeated_cells_table(results: Sequence[Result], repeats: Sequence[Result], tolerance: float = 0.005):
    """For each (optimizer, rate) cell of ``repeats`` (a sweep's cells run again with other
    seeds): the test accuracy of each seed, their mean, the cutoff for a good rate, whether the
    cell is good on ``results`` (the sweep, one seed) and on the mean of the seeds, and the
    optimizer's band width both ways, as a ``pandas.DataFrame``. Runs of ``repeats`` that are
    already in ``results`` (the sweep's own seed) count once."""
    import pandas as pd

    combined = with_repeats(results, repeats)
    rows = []
    for optimizer, rate in dict.fromkeys((r.experiment.optimizer, r.experiment.initial_rate) for r in repeats):
        def runs(pool):
            return [r for r in pool if r.experiment.optimizer == optimizer]
        one_seed, averaged = good_band_width(runs(results), tolerance), good_band_width(runs(combined), tolerance)
        cell = [r for r in runs(combined) if r.experiment.initial_rate == rate]
        row = {"optimizer": optimizer, "rate": rate}
        row.update({f"seed {r.experiment.seed}": r.test_accuracy for r in sorted(cell, key=lambda r: r.experiment.seed)})
        mean = float(np.mean([r.test_accuracy for r in cell]))
        single = [r.test_accuracy for r in runs(results) if r.experiment.initial_rate == rate]
        row.update({"mean": mean, "cutoff": averaged["cutoff"],
                    "good (one seed)": bool(single) and single[0] >= one_seed["cutoff"],
                    "good (mean)": mean >= averaged["cutoff"],
                    "width (one seed)": one_seed["width"], "width (mean)": averaged["width"]})
        rows.append(row)
    return pd.DataFrame(rows).set_index(["optimizer", "rate"])


def repeats_summary(results: Sequence[Result], repeats: Sequence[Result], tolerance: float = 0.005) -> dict[str, Any]:
    """What repeating a sweep's edge cells with more seeds showed: how many cells were repeated,
    how many keep the verdict (good or not) of their single sweep run when their seeds are
    averaged, how many optimizers keep their band width, and the largest range of test accuracy
    among one cell's seeds (``seed_spread`` of the repeated cells)."""
    table = repeated_cells_table(results, repeats, tolerance)
    widths = table.groupby(level="optimizer")[["width (one seed)", "width (mean)"]].first()
    pooled = with_repeats(results, repeats)
    cells = {(r.experiment.optimizer, r.experiment.initial_rate) for r in repeats}
    return {"cells": len(table), "verdicts kept": int((table["good (one seed)"] == table["good (mean)"]).sum()),
            "optimizers": len(widths), "widths kept": int((widths["width (one seed)"] == widths["width (mean)"]).sum()),
            "largest seed range": seed_spread(seed_repeats(
                [r for r in pooled if (r.experiment.optimizer, r.experiment.initial_rate) in cells]))}


def band_width_table(results: Sequence[Result], tolerance: float = 0.005):
    """``good_band_width`` for each optimizer of ``results``, as a ``pandas.DataFrame`` sorted from
    the widest band to the narrowest."""
    import pandas as pd

    by_optimizer: dict[str, list[Result]] = {}
    for result in results:
        by_optimizer.setdefault(result.experiment.optimizer, []).append(result)
    table = pd.DataFrame({name: good_band_width(runs, tolerance) for name, runs in by_optimizer.items()}).T
    table.index.name = "optimizer"
    return table.sort_values(["width", "best accuracy"], ascending=False)
