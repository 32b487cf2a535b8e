"""Tables and numbers for the chapters: our results beside the article's figures."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from .results import Result
from .catalog import Scenario


def comparison_table(scenarios: Sequence[Scenario], results: Sequence[Result]):
    """A ``pandas.DataFrame``: each scenario's test loss and accuracy, the article's and ours."""
    import pandas as pd

    rows = []
    for scenario, result in zip(scenarios, results, strict=True):
        rows.append({
            "scenario": scenario.name,
            "optimizer": result.experiment.optimizer,
            "learning rate": f"{result.experiment.learning_rate:g}",
            "article: test loss": scenario.article_test_loss,
            "article: test accuracy": scenario.article_test_accuracy,
            "ours: test loss": result.test_loss,
            "ours: test accuracy": result.test_accuracy,
            "epochs": result.epochs_run,
            "outcome": result.outcome.kind,
        })
    return pd.DataFrame(rows).set_index("scenario").round(4)


def article_figures_text(scenarios: Sequence[Scenario]) -> str:
    """The article's reported test scores as a fixed-width text table (deterministic output)."""
    lines = [f"{'scenario':<10} {'learning rate':>13} {'test loss':>10} {'test accuracy':>14}"]
    for s in scenarios:
        if s.article_test_loss is not None:
            lines.append(f"{s.name:<10} {s.experiment.learning_rate:>13g} {s.article_test_loss:>10.4f} "
                         f"{s.article_test_accuracy:>14.4f}")
    return "\n".join(lines)


def epoch_to_epoch_variation(result: Result, metric: str = "val_loss", skip: int | None = None) -> float:
    """Mean absolute change of ``metric`` from one epoch to the next, after the first ``skip``
    epochs (default: the first quarter, where every run is still descending)."""
    values = np.asarray(result.history[metric], dtype=float)
    skip = len(values) // 4 if skip is None else skip
    changes = np.abs(np.diff(values[skip:]))
    return float(changes.mean()) if len(changes) else float("nan")


def scheme_of(result: Result) -> str:
    """``"fixed"`` for a fixed rate, else the schedule's kind without ``_decay`` (``"step"``)."""
    rate = result.experiment.learning_rate
    return "fixed" if isinstance(rate, float) else rate.kind.removesuffix("_decay")


def grid_table(results: Sequence[Result], tolerance: float = 0.005):
    """A ``pandas.DataFrame`` with one row per run: optimizer, scheme, initial rate, seed, test
    scores, and ``good``: test accuracy within ``tolerance`` of the best run of the same optimizer."""
    import pandas as pd

    table = pd.DataFrame([{
        "optimizer": r.experiment.optimizer, "scheme": scheme_of(r), "initial rate": r.experiment.initial_rate,
        "seed": r.experiment.seed, "test accuracy": r.test_accuracy, "test loss": r.test_loss,
        "outcome": r.outcome.kind,
    } for r in results])
    best = table.groupby("optimizer")["test accuracy"].transform("max")
    table["good"] = table["test accuracy"] >= best - tolerance
    return table


def scheme_winners(table, tie: float = 0.0):
    """Per optimizer and initial rate of a ``grid_table``: the best scheme, its test accuracy and
    its gain over the fixed rate, and every scheme within ``tie`` of the best (best first)."""
    import pandas as pd

    tie = _accuracy_difference("tie", tie)
    repeated = table.duplicated(["optimizer", "initial rate", "scheme"])
    if repeated.any():
        raise ValueError("Argument `table` must hold one run per optimizer, initial rate and scheme (one seed). "
                         f"Received: {int(repeated.sum())} repeated runs")
    rows = []
    for (optimizer, rate), cell in table.groupby(["optimizer", "initial rate"], sort=True):
        ordered = cell.sort_values("test accuracy", ascending=False, kind="stable")
        best = ordered.iloc[0]
        fixed = cell.loc[cell["scheme"] == "fixed", "test accuracy"]
        tied = ordered.loc[ordered["test accuracy"] >= best["test accuracy"] - tie, "scheme"]
        rows.append({"optimizer": optimizer, "initial rate": rate, "best scheme": best["scheme"],
                     "best accuracy": best["test accuracy"],
                     "gain over fixed": best["test accuracy"] - fixed.iloc[0] if len(fixed) else float("nan"),
                     "tied with the best": ", ".join(tied)})
    return pd.DataFrame(rows).set_index(["optimizer", "initial rate"])


def glue(name: str, value: Any) -> None:
    """Hand ``value`` to the book's ``{glue}`` roles; a no-op where myst-nb is absent (Colab)."""
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        return
    myst_glue(name, value, display=False)


def epochs_to_accuracy(result: Result, threshold: float = 0.99, metric: str = "val_accuracy") -> int | None:
    """The first epoch (counted from 1) whose ``metric`` reaches ``threshold``; ``None`` if none does."""
    reached = [epoch for epoch, value in enumerate(result.history[metric], start=1) if value >= threshold]
    return reached[0] if reached else None


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


def _accuracy_difference(name: str, value: float) -> float:
    value = float(value)
    if not 0 <= value < 1:
        raise ValueError(f"Argument `{name}` must be an accuracy difference in [0, 1). Received: {name}={value!r}")
    return value


def good_band_width(results: Sequence[Result], tolerance: float = 0.005) -> dict[str, Any]:
    """How wide, in decades of the learning rate, the band of good rates is for one optimizer.

    Good rates are those whose test accuracy is within ``tolerance`` of the best of ``results``
    (runs of one optimizer at different rates; several seeds at one rate count by their mean).
    On a grid the true band edges lie between grid points, so the width is bracketed: ``width``
    spans the good rates measured (a lower bound), ``width_at_most`` spans the nearest rates
    outside them, ``bad below`` and ``bad above`` (0 and ``inf`` when the band reaches the
    grid's end, and then ``width_at_most`` is ``inf``). Returns those, the best rate and
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


def repeated_cells_table(results: Sequence[Result], repeats: Sequence[Result], tolerance: float = 0.005):
    """For each (optimizer, rate) cell of ``repeats`` (a sweep's cells run again with other
    seeds): the test accuracy of each seed, their mean, the cutoff for a good rate, whether the
    cell is good on ``results`` (the sweep, one seed) and on the mean of the seeds, and the
    optimizer's band width both ways, as a ``pandas.DataFrame``. Runs of ``repeats`` that are
    already in ``results`` (the sweep's own seed) count once."""
    import pandas as pd

    swept = {r.experiment for r in results}
    combined = list(results) + [r for r in repeats if r.experiment not in swept]
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


def seed_spread(repeats: Sequence[Sequence[Result]]) -> float:
    """The largest range of test accuracy among runs that differ only in their seed: each item
    of ``repeats`` holds one experiment run with several seeds. Differences smaller than this
    are ties."""
    spreads = []
    for runs in repeats:
        keys = {dataclasses.replace(r.experiment, seed=0) for r in runs}
        if len(runs) < 2 or len(keys) != 1:
            raise ValueError("Argument `repeats` must hold groups of at least two runs that differ only in "
                             f"their seed. Received: a group of {len(runs)} runs of {len(keys)} experiments")
        accuracies = [r.test_accuracy for r in runs]
        spreads.append(max(accuracies) - min(accuracies))
    if not spreads:
        raise ValueError("Argument `repeats` must hold at least one group. Received: repeats=[]")
    return max(spreads)


def seed_repeats(results: Sequence[Result]) -> list[list[Result]]:
    """``results`` grouped by experiment apart from the seed, keeping the groups of two or more
    runs (the input of ``seed_spread``)."""
    groups: dict[Any, list[Result]] = {}
    for result in results:
        groups.setdefault(dataclasses.replace(result.experiment, seed=0), []).append(result)
    return [runs for runs in groups.values() if len(runs) > 1]


def book_seed_spread() -> float:
    """The book's yardstick for ties: ``seed_spread`` over its full-profile runs made with three
    seeds (the ``decay-seeds`` group and the grid's seed-0 runs), read from the stored results
    in any profile."""
    from .catalog import scenarios
    from .training import run_many

    repeated = [s.experiment for s in scenarios("decay-seeds", profile="full")]
    repeated += list(dict.fromkeys(dataclasses.replace(e, seed=0) for e in repeated))
    return seed_spread(seed_repeats(run_many(repeated)))


def tied_with_best(results: dict[str, Result], spread: float) -> list[str]:
    """The names of the runs whose test accuracy is within ``spread`` (e.g. ``seed_spread``) of
    the best run's, best first: differences smaller than that are ties."""
    if not results:
        raise ValueError("Argument `results` must map names to results. Received: results={}")
    spread = _accuracy_difference("spread", spread)
    ordered = sorted(results, key=lambda name: -results[name].test_accuracy)
    best = results[ordered[0]].test_accuracy
    return [name for name in ordered if results[name].test_accuracy >= best - spread]


def test_images(result: Result) -> int:
    """How many test images ``result`` was scored on: its profile's test set (all 10,000 of
    MNIST's in the full profile). A difference in test accuracy times this is a count of images."""
    from .data import MNIST_TEST_IMAGES
    from .profiles import get_profile

    return get_profile(result.experiment.profile).n_test or MNIST_TEST_IMAGES


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
