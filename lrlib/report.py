"""Tables and numbers for the chapters: our results beside the article's figures."""

from __future__ import annotations

import dataclasses
import math
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


def suggestions_on_sweep(sweep: Sequence[Result], records: Sequence, suggested: Sequence[Result], spread: float,
                         rule: str = "valley", tolerance: float = 0.005):
    """Does the range test pick a good rate? For each optimizer of ``suggested`` (runs at the
    suggested rates, as long as the runs of ``sweep``): the suggestion of each range test of
    ``records`` (lowest, highest, how many decades apart), where the suggested rate falls on the
    sweep's good band (``good_band_width``), the suggested run's test accuracy against the best
    swept one in accuracy and test images, and a verdict: a tie when the two are within
    ``spread`` (the seed-to-seed spread), else better or worse; "good" tells whether the
    suggested run clears the band's cutoff. A ``pandas.DataFrame`` indexed by optimizer."""
    import pandas as pd

    spread = _accuracy_difference("spread", spread)
    swept, tests = _by_optimizer(sweep), _by_optimizer(records)
    rows = []
    for result in suggested:
        name = result.experiment.optimizer
        if name not in swept or name not in tests:
            raise ValueError(f"Argument `suggested` holds {name}, which `sweep` and `records` must hold too.")
        band = good_band_width(swept[name], tolerance)
        rates = [record.test.suggestion(rule) for record in tests[name]]
        gap = result.test_accuracy - band["best accuracy"]
        rows.append({
            "optimizer": name, "suggested rate": result.experiment.learning_rate,
            "lowest suggestion": min(rates), "highest suggestion": max(rates),
            "seed spread (decades)": float(np.log10(max(rates) / min(rates))),
            "band from": band["band from"], "band to": band["band to"],
            "where": _where_on_band(result.experiment.learning_rate, band),
            "suggested accuracy": result.test_accuracy, "best rate": band["best rate"],
            "best accuracy": band["best accuracy"], "difference (images)": round(gap * test_images(result)),
            "good": result.test_accuracy >= band["cutoff"],
            "verdict": "a tie" if abs(gap) < spread else ("better" if gap > 0 else "worse"),
        })
    return pd.DataFrame(rows).set_index("optimizer")


def _steps_per_epoch(result: Result) -> int:
    """The steps per epoch ``result`` recorded, or (results stored before it was recorded) those
    of its profile's share of the real MNIST, without loading the data."""
    from .data import MNIST_FINGERPRINT, MNIST_TRAIN_IMAGES
    from .profiles import get_profile

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



def names_by(table, column: str) -> dict[Any, str]:
    """For each value of ``column`` in ``table`` (a ``pandas.DataFrame``), the index entries that
    have it, as text for the prose ("adam, sgd"), in the table's order."""
    return {value: ", ".join(str(name) for name in table.index[table[column] == value])
            for value in dict.fromkeys(table[column])}

# --- chapters 06 to 08 (decay) ---

def _tied(accuracy: float, other: float, spread: float) -> bool:
    """Whether two test accuracies differ by no more than ``spread``: the seed alone makes
    differences that large, so they are ties (the same rule as ``tied_with_best``)."""
    return accuracy >= other - spread and other >= accuracy - spread


def leads_over(results: dict[str, Result], reference: str, spread: float):
    """Each run's lead in test accuracy over the run named ``reference`` (a fixed rate, say), as a
    ``pandas.DataFrame`` indexed by name, the reference left out: ``test accuracy``, ``lead``
    (negative when behind), ``lead in images`` (the lead times ``test_images``, rounded) and
    ``verdict``: ``"tie"`` when the lead is no larger than ``spread`` (e.g. ``book_seed_spread``),
    else ``"ahead"`` or ``"behind"``."""
    import pandas as pd

    if reference not in results:
        raise ValueError(f"Argument `reference` must name one of the runs {sorted(results)}. "
                         f"Received: reference={reference!r}")
    spread = _accuracy_difference("spread", spread)
    base = results[reference].test_accuracy
    rows = []
    for name, result in results.items():
        if name == reference:
            continue
        lead = result.test_accuracy - base
        verdict = "tie" if _tied(result.test_accuracy, base, spread) else ("ahead" if lead > 0 else "behind")
        rows.append({"name": name, "test accuracy": result.test_accuracy, "lead": lead,
                     "lead in images": int(round(lead * test_images(result))), "verdict": verdict})
    return pd.DataFrame(rows, columns=["name", "test accuracy", "lead", "lead in images", "verdict"]).set_index("name")


def band_margins(grid: Sequence[Result], repeats: Sequence[Result], optimizer: str, rate: float,
                 scheme: str = "fixed", tolerance: float = 0.005):
    """How far one cell of a decay grid lies from the good band's cutoff, for each seed it was run
    with. The cutoff is ``grid_table``'s: the best test accuracy of ``optimizer`` in ``grid`` (one
    seed) minus ``tolerance``. ``repeats`` holds the same cells run with other seeds (runs already
    in ``grid`` count once). Returns a ``pandas.DataFrame`` indexed by seed: ``test accuracy``,
    ``margin`` (accuracy minus cutoff: negative is outside the band), ``margin in images`` (rounded)
    and ``good``."""
    import pandas as pd

    tolerance = _accuracy_difference("tolerance", tolerance)
    own = [r for r in grid if r.experiment.optimizer == optimizer]
    if not own:
        raise ValueError(f"Argument `optimizer` must be an optimizer of `grid`. Received: optimizer={optimizer!r}")
    cutoff = max(r.test_accuracy for r in own) - tolerance
    cell = {r.experiment: r for r in [*grid, *repeats]
            if r.experiment.optimizer == optimizer and r.experiment.initial_rate == rate and scheme_of(r) == scheme}
    if not cell:
        raise ValueError(f"Arguments `rate` and `scheme` must name a cell of the grid. Received: rate={rate!r}, "
                         f"scheme={scheme!r}")
    rows = [{"seed": r.experiment.seed, "test accuracy": r.test_accuracy, "margin": r.test_accuracy - cutoff,
             "margin in images": int(round((r.test_accuracy - cutoff) * test_images(r))),
             "good": bool(r.test_accuracy >= cutoff)}
            for r in sorted(cell.values(), key=lambda r: r.experiment.seed)]
    table = pd.DataFrame(rows).set_index("seed")
    table.attrs["cutoff"] = float(cutoff)
    return table


# --- chapters 09 and 10 (choosing a scheme; the article's decay code) ---

def grid_verdicts(table, tie: float, images: int):
    """``scheme_winners(table, tie)`` with a verdict for each optimizer and initial rate:
    ``"decay"`` when a decay scheme is best and the fixed rate is not within ``tie`` of it,
    ``"fixed"`` when no decay scheme is within ``tie`` of the fixed rate, else ``"tie"``. Adds
    ``gain in images`` (the best scheme's gain over the fixed rate times ``images``, the size of
    the test set, rounded) and ``tied`` (the schemes within ``tie`` of the best, best first, as a
    list)."""
    from . import validation

    images = validation.integer("images", images, minimum=1)
    winners = scheme_winners(table, tie=tie)
    tied = winners["tied with the best"].str.split(", ")
    verdicts = []
    for (best, schemes) in zip(winners["best scheme"], tied):
        if "fixed" not in schemes:
            verdicts.append("decay")
        elif schemes == ["fixed"]:
            verdicts.append("fixed")
        else:
            verdicts.append("tie")
    winners["verdict"] = verdicts
    winners["gain in images"] = (winners["gain over fixed"] * images).round().astype(int)
    winners["tied"] = tied
    return winners


def compounding_time_decay_constant(epochs: int, final_fraction: float) -> float:
    """The constant ``k`` with which the article's time-decay code (``article_code.make_time_decay``:
    each call multiplies a kept rate by ``1 / (1 + k * epoch)``), called once per epoch, reaches
    ``final_fraction`` of its initial rate in the last of ``epochs`` epochs, i.e. the root of
    ``prod(1 + k * e for e in 1 .. epochs - 1) = 1 / final_fraction``, found by bisection."""
    from . import validation

    last = validation.integer("epochs", epochs, minimum=2) - 1
    target = -np.log(validation.number("final_fraction", final_fraction, minimum=0.0, maximum=1.0,
                                       exclusive_minimum=True, exclusive_maximum=True))
    epoch_numbers = np.arange(1, last + 1)

    def shrink(k: float) -> float:
        return float(np.log1p(k * epoch_numbers).sum())

    low, high = 0.0, 1.0
    while shrink(high) < target:
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if shrink(middle) < target else (low, middle)
    return (low + high) / 2


TIME_DECAY_VERSIONS = ("per epoch (chapter 6)", "per step (Keras 2's decay)", "the article's code")


def time_decay_versions(initial_rate: float, epochs: int, steps_per_epoch: int, final_fraction: float = 0.1):
    """The rate at every step of ``epochs`` epochs for the three versions of time decay the book
    meets, each set to reach ``final_fraction`` of ``initial_rate`` at the start of the last epoch:

    - ``per epoch (chapter 6)``: lrlib's ``initial / (1 + k * epoch)``, changing once per epoch;
    - ``per step (Keras 2's decay)``: the same formula with the optimizer's step in place of the
      epoch and ``k / steps_per_epoch`` in place of ``k``, as Keras 2's ``decay`` argument
      recomputed it from the initial rate at every update;
    - ``the article's code``: the article's function, which multiplies a kept rate by
      ``1 / (1 + k * epoch)`` each time ``LearningRateScheduler`` calls it, once per epoch.

    Returns a ``pandas.DataFrame`` indexed by step, one column each (``TIME_DECAY_VERSIONS``), with
    the constants in ``attrs``."""
    import pandas as pd

    from . import article_code, schedules, validation

    epochs = validation.integer("epochs", epochs, minimum=2)
    steps_per_epoch = validation.integer("steps_per_epoch", steps_per_epoch, minimum=1)
    initial_rate = validation.learning_rate("initial_rate", initial_rate)
    per_epoch_k = (1 / final_fraction - 1) / (epochs - 1)
    compounding_k = compounding_time_decay_constant(epochs, final_fraction)
    steps = np.arange(epochs * steps_per_epoch)
    per_epoch = schedules.time_decay(initial_rate, per_epoch_k, steps_per_epoch=steps_per_epoch)
    per_step = schedules.time_decay(initial_rate, per_epoch_k / steps_per_epoch, steps_per_epoch=1)
    article = article_code.rates_over(article_code.make_time_decay(initial_rate, decay=compounding_k), epochs)
    versions = pd.DataFrame({TIME_DECAY_VERSIONS[0]: per_epoch.values(steps),
                             TIME_DECAY_VERSIONS[1]: per_step.values(steps),
                             TIME_DECAY_VERSIONS[2]: np.repeat(article, steps_per_epoch)},
                            index=pd.Index(steps, name="step"))
    versions.attrs.update({"k per epoch": per_epoch_k, "k per step": per_epoch_k / steps_per_epoch,
                           "k of the article's code": compounding_k, "steps per epoch": steps_per_epoch})
    return versions


def epoch_cuts(versions, steps_per_epoch: int):
    """For each column of ``versions`` (rates by step, as ``time_decay_versions`` returns them),
    the fraction of the rate removed at the start of each epoch from 1 on: ``1 - rate at that
    epoch's first step / rate at the previous epoch's first step``, indexed by epoch."""
    from . import validation

    steps_per_epoch = validation.integer("steps_per_epoch", steps_per_epoch, minimum=1)
    starts = versions.iloc[::steps_per_epoch].reset_index(drop=True)
    cuts = 1 - starts / starts.shift(1)
    cuts.index.name = "epoch"
    return cuts.iloc[1:]


# --- chapters 01 to 05 (fixed rates) ---

def class_shares(labels) -> np.ndarray:
    """The share of each of the ten digits among ``labels``: digits, or one-hot rows as
    ``load_mnist`` gives them."""
    from .data import NUM_CLASSES

    labels = np.asarray(labels)
    digits = labels.argmax(axis=1) if labels.ndim == 2 else labels.astype(int)
    if len(digits) == 0:
        raise ValueError("Argument `labels` must hold at least one label. Received: an empty array")
    return np.bincount(digits, minlength=NUM_CLASSES) / len(digits)


def split_labels(experiment) -> dict[str, np.ndarray]:
    """The digits of the images ``experiment`` learns from (``"training"``), validates on
    (``"validation"``: the last part of the training arrays, as Keras's ``validation_split``
    takes it) and is tested on (``"test"``), in its profile."""
    from .training import profile_data, split_sizes

    data = profile_data(experiment.profile)
    learned_from, _ = split_sizes(experiment)
    digits = data.y_train.argmax(axis=1)
    return {"training": digits[:learned_from], "validation": digits[learned_from:],
            "test": data.y_test.argmax(axis=1)}


def best_constant_guess(experiment) -> dict[str, float]:
    """The best a network that ignores its input can do on ``experiment``'s data: give every image
    the share of each digit among the training images. Returns its training ``loss`` (the
    cross-entropy of those shares with themselves, their entropy, in nats), the ``digit`` it
    names for every image (the most frequent) and ``test accuracy`` (that digit's share of the
    test images)."""
    labels = split_labels(experiment)
    shares = class_shares(labels["training"])
    present = shares[shares > 0]
    digit = int(np.argmax(shares))
    return {"loss": float(-(present * np.log(present)).sum()), "digit": digit,
            "test accuracy": float(class_shares(labels["test"])[digit])}


def answered_digit(accuracy: float, labels) -> int | None:
    """The digit a network answers for every image when its accuracy on ``labels`` is ``accuracy``:
    the one digit whose share of ``labels`` equals ``accuracy`` to within half an image. ``None``
    when no digit's share fits (the network does not answer one digit) or when several do."""
    labels = np.asarray(labels)
    shares = class_shares(labels)
    fits = np.flatnonzero(np.abs(shares - float(accuracy)) <= 0.5 / len(labels))
    return int(fits[0]) if len(fits) == 1 else None


def answered_digits(result: Result) -> list[int | None]:
    """For each epoch of ``result``, the digit it answered for every validation image, read from
    the epoch's validation accuracy with ``answered_digit`` (``None`` where that fits no single
    digit)."""
    validation = split_labels(result.experiment)["validation"]
    return [answered_digit(accuracy, validation) for accuracy in result.history["val_accuracy"]]


def digit_spans(digits: Sequence[int | None]) -> str:
    """``answered_digits`` as text for the prose: "1 in epoch 1, 8 in epoch 2, 6 in epochs 3 to 25"
    (``None``, an epoch with no single answer, reads "no single digit")."""
    if len(digits) == 0:
        raise ValueError("Argument `digits` must hold one entry per epoch. Received: digits=[]")
    parts, start = [], 0
    for end in range(1, len(digits) + 1):
        if end == len(digits) or digits[end] != digits[start]:
            epochs = f"epoch {start + 1}" if end == start + 1 else f"epochs {start + 1} to {end}"
            parts.append(f"{'no single digit' if digits[start] is None else digits[start]} in {epochs}")
            start = end
    return ", ".join(parts)


def extrapolated_epoch(result: Result, target: float, metric: str = "val_loss", law: str = "power") -> float:
    """The epoch (counted from 1) at which ``metric`` would reach ``target`` if it went on falling
    as it did over the second half of the run: ``law="power"`` extends a straight line of
    log(metric) against log(epoch), ``law="line"`` a straight line of the metric against the
    epoch, both fitted by least squares. An expectation read from the stored curve's slope, not
    a measurement. The last epoch when the run already ended at or below ``target``; ``inf``
    when the metric did not fall over that half."""
    if law not in ("power", "line"):
        raise ValueError(f"Argument `law` must be 'power' or 'line'. Received: law={law!r}")
    values = np.asarray(result.history[metric], dtype=float)
    epochs = np.arange(1, len(values) + 1, dtype=float)
    second_half = slice(len(values) // 2, None)
    if len(values[second_half]) < 2:
        raise ValueError(f"Argument `result` must have run at least 3 epochs. Received: {len(values)} epochs")
    if values[-1] <= target:
        return float(epochs[-1])
    x, y, goal = epochs[second_half], values[second_half], float(target)
    if law == "power":
        if target <= 0:
            raise ValueError(f"Argument `target` must be positive for a power law. Received: target={target!r}")
        x, y, goal = np.log(x), np.log(y), math.log(goal)
    slope, intercept = np.polyfit(x, y, 1)
    if slope >= 0:
        return math.inf
    reached = (goal - intercept) / slope
    return float(math.exp(reached) if law == "power" else reached)


def early_stopping(values: Sequence[float], patience: int) -> dict[str, int]:
    """What Keras's ``EarlyStopping(patience=patience, restore_best_weights=True)`` does on
    ``values``, one monitored value per epoch, lower being better (a validation loss): the epoch
    after which training stops (the last one when it never does) and the epoch whose weights it
    restores (the lowest value; the first of equals), both counted from 1."""
    from . import validation

    patience = validation.integer("patience", patience, minimum=0)
    if len(values) == 0:
        raise ValueError("Argument `values` must hold one value per epoch. Received: values=[]")
    best, waited = 0, 0
    for epoch, value in enumerate(values):
        waited += 1
        if epoch == 0 or value < values[best]:
            best, waited = epoch, 0
        elif waited >= patience:
            return {"stops after epoch": epoch + 1, "weights from epoch": best + 1}
    return {"stops after epoch": len(values), "weights from epoch": best + 1}


def gaps_in_images(scenarios: Sequence[Scenario], results: Sequence[Result]) -> list[int]:
    """For each scenario that has the article's test accuracy, how many test images separate it
    from ours (the absolute difference times ``test_images``, rounded), in the scenarios' order."""
    return [round(abs(r.test_accuracy - s.article_test_accuracy) * test_images(r))
            for s, r in zip(scenarios, results, strict=True) if s.article_test_accuracy is not None]


def time_share_below(results: Sequence[Result], accuracy: float) -> float:
    """The share of the wall time of ``results`` spent on runs whose test accuracy ended below
    ``accuracy``: what a search paid for runs it would not keep."""
    if not results:
        raise ValueError("Argument `results` must hold at least one run. Received: results=[]")
    total = sum(r.wall_time_s for r in results)
    return sum(r.wall_time_s for r in results if r.test_accuracy < accuracy) / total


# --- time to accuracy (one-cycle, CLR and their competitors) ------------------------------------

def accuracy_by_budget(results: Sequence[Result]) -> dict[int, dict[int, float]]:
    """Test accuracy by epoch budget, then by seed. A run scored after every epoch
    (``test_each_epoch``) gives every budget up to its last epoch, since its rate does not
    depend on the budget; any other run gives its own budget (its schedule was fitted to it)."""
    table: dict[int, dict[int, float]] = {}
    for result in results:
        experiment = result.experiment
        if experiment.test_each_epoch:
            for epoch, accuracy in enumerate(result.history["test_accuracy"], start=1):
                table.setdefault(epoch, {})[experiment.seed] = accuracy
        else:
            table.setdefault(experiment.epochs, {})[experiment.seed] = result.test_accuracy
    return dict(sorted(table.items()))


def budget_table(strategies: dict[str, Sequence[Result]], target: float):
    """A ``pandas.DataFrame`` with one row per strategy and epoch budget: each seed's test
    accuracy, their median and whether it reaches ``target``. A budget that some seed did not
    reach (a run stopped early) is left out: its median would be of fewer seeds."""
    import pandas as pd

    rows = []
    for name, results in strategies.items():
        seeds = sorted({r.experiment.seed for r in results})
        if not seeds:
            raise ValueError(f"Argument `strategies` must give each strategy runs. Received: {name!r} with none")
        for budget, by_seed in accuracy_by_budget(results).items():
            if set(by_seed) != set(seeds):
                continue
            median = float(np.median(list(by_seed.values())))
            rows.append({"strategy": name, "epochs": budget, **{f"seed {s}": by_seed[s] for s in seeds},
                         "median": median, "reached": median >= target})
    return pd.DataFrame(rows)


def epochs_to_target(table) -> dict[str, int | None]:
    """Each strategy's smallest epoch budget whose median reaches the target (``budget_table``),
    ``None`` where no budget tried does."""
    return {name: int(rows.loc[rows["reached"], "epochs"].min()) if rows["reached"].any() else None
            for name, rows in table.groupby("strategy", sort=False)}


def cycle_position(result: Result, epoch: int) -> float:
    """Where a cyclical run's rate stood at the end of ``epoch`` (counted from 1): 0 at the
    cycle's base rate, 1 at its maximum."""
    schedule = result.experiment.learning_rate
    base, peak = schedule.args["base_rate"], schedule.args["max_rate"]
    rate = float(schedule.values(epoch * result.steps_per_epoch - 1))
    return (rate - base) / (peak - base)


def clr_runs_table(results: Sequence[Result]):
    """A ``pandas.DataFrame`` with one row per cyclical run (scored every epoch, best weights
    kept): its bounds, the epoch with the best ``val_loss``, where in the cycle it ended (0 base, 1 peak),
    the epochs run, and the test accuracy of the weights kept beside that of the last epoch."""
    import pandas as pd

    rows = []
    for r in results:
        best = int(np.argmin(r.history["val_loss"])) + 1
        last = r.history["test_accuracy"][-1]
        schedule = r.experiment.learning_rate
        rows.append({"optimizer": r.experiment.optimizer,
                     "bounds": f"{schedule.args['base_rate']:.2g} to {schedule.args['max_rate']:.2g}",
                     "seed": r.experiment.seed, "epochs run": r.epochs_run,
                     "best epoch": best, "cycle position": round(cycle_position(r, best), 3),
                     "test accuracy kept": r.test_accuracy, "test accuracy last epoch": last,
                     "kept - last (images)": round((r.test_accuracy - last) * test_images(r))})
    return pd.DataFrame(rows)


def median_comparison(strategies: dict[str, Sequence[Result]], reference: str, spread: float):
    """Each strategy's median final test accuracy over its seeds against the ``reference``
    strategy's, as a ``pandas.DataFrame`` indexed by name: ``seeds``, ``median``, ``epochs
    run`` (median), ``lead`` and ``lead in images`` over the reference, and ``verdict``:
    ``"tie"`` when the lead is no larger than ``spread``, else ``"ahead"`` or ``"behind"``."""
    import pandas as pd

    if reference not in strategies:
        raise ValueError(f"Argument `reference` must name one of the strategies {sorted(strategies)}. "
                         f"Received: reference={reference!r}")
    spread = _accuracy_difference("spread", spread)
    base = float(np.median([r.test_accuracy for r in strategies[reference]]))
    rows = []
    for name, results in strategies.items():
        median = float(np.median([r.test_accuracy for r in results]))
        lead = median - base
        verdict = "tie" if _tied(median, base, spread) else ("ahead" if lead > 0 else "behind")
        rows.append({"name": name, "seeds": len(results), "median": median,
                     "epochs run": float(np.median([r.epochs_run for r in results])), "lead": lead,
                     "lead in images": int(round(lead * test_images(results[0]))),
                     "verdict": "reference" if name == reference else verdict})
    return pd.DataFrame(rows).set_index("name")


def target_summary(table, article_epochs: int = 25):
    """One row per strategy of ``report.budget_table``: the budgets tried, the best median and
    its budget, the smallest budget that reaches the target (``"not reached"`` if none does) and
    how many times fewer epochs that is than the article's ``article_epochs``."""
    import pandas as pd

    reached = epochs_to_target(table)
    rows = []
    for name, rows_of in table.groupby("strategy", sort=False):
        budgets = rows_of["epochs"].tolist()
        best = rows_of.loc[rows_of["median"].idxmax()]
        tried = ", ".join(map(str, budgets)) if len(budgets) <= 6 or budgets != list(range(budgets[0], budgets[-1] + 1)) \
            else f"{budgets[0]} to {budgets[-1]}"
        epochs = reached[name]
        rows.append({"strategy": name, "budgets tried": tried, "best median": float(best["median"]),
                     "at": int(best["epochs"]), "epochs to target": epochs or "not reached",
                     "fewer than the article": f"{article_epochs / epochs:.1f}x" if epochs else "-"})
    return pd.DataFrame(rows).set_index("strategy")


def strategy_table(strategies: Sequence, results: dict[str, Sequence[Result]], reached: dict[str, int | None]):
    """The book's summary: one row per strategy (``strategies.Strategy``) with its ``results``
    (by strategy name): what it took to find the setting, the median final test accuracy over
    its seeds, the median epochs to 99 % validation accuracy, the epochs to the target test
    accuracy where the book measured them (``reached``, by time-to-accuracy name, from
    ``epochs_to_target``) and the minutes that is at the runs' median seconds per epoch."""
    import pandas as pd

    rows = []
    for strategy in strategies:
        runs = results[strategy.name]
        to_99 = [epochs_to_accuracy(r, 0.99) for r in runs]
        seconds = float(np.median([r.train_time_s / r.epochs_run for r in runs]))
        target = reached.get(strategy.time_to_accuracy) if strategy.time_to_accuracy else None
        cost = f"{strategy.training_runs} run{'s' * (strategy.training_runs > 1)}"
        cost += f" + {strategy.range_tests} range test" if strategy.range_tests else ""
        rows.append({
            "strategy": strategy.name, "found by": strategy.found_by, "to find it": cost, "seeds": len(runs),
            "epochs": runs[0].experiment.effective_epochs,
            "median test accuracy": float(np.median([r.test_accuracy for r in runs])),
            "epochs to 99 % (validation)": int(np.median(to_99)) if None not in to_99 else "not reached",
            "epochs to target (test)": target if target else ("not reached" if strategy.time_to_accuracy else "not measured"),
            "minutes to target": round(target * seconds / 60, 1) if target else "-",
        })
    return pd.DataFrame(rows).set_index("strategy")
