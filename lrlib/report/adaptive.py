"""Chapters 11 to 13 (adaptive optimizers): defaults, good bands and their noisy edges.

Every band is chosen on a validation metric (``noise.selection_metric`` refuses a test one): the
best rate, the cutoff and the edges. The test accuracy of the best rate is reported beside it,
never used to choose.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .. import validation
from ..results import Result
from ..catalog import Scenario
from . import noise
from .common import _accuracy_difference, epochs_to_accuracy


def optimizer_table(scenarios: Sequence[Scenario], results: Sequence[Result], threshold: float = 0.99):
    """A ``pandas.DataFrame`` with one row per run: optimizer, rate, validation accuracy (of the
    weights it kept, ``noise.score``), test scores, the first epoch whose validation accuracy
    reaches ``threshold``, the training time, the outcome, and the article's test scores where
    it gives them."""
    import pandas as pd

    rows = []
    for scenario, result in zip(scenarios, results, strict=True):
        reached = epochs_to_accuracy(result, threshold)
        rows.append({
            "run": scenario.name, "optimizer": result.experiment.optimizer,
            "learning rate": result.experiment.initial_rate,
            "val. accuracy": noise.score(result, "val_accuracy"),
            "test loss": result.test_loss, "test accuracy": result.test_accuracy,
            f"epochs to {threshold:.0%} val. accuracy": "never" if reached is None else str(reached),
            "training time (min)": result.train_time_s / 60, "outcome": result.outcome.kind,
            "article: test accuracy": scenario.article_test_accuracy,
        })
    return pd.DataFrame(rows).set_index("run")


def _accuracy_metric(metric: str) -> str:
    """``metric`` if it is a validation accuracy: a band is a tolerance below the best accuracy."""
    metric = noise.selection_metric(metric)
    if metric != "val_accuracy":
        raise ValueError(f"Argument `metric` must be a validation accuracy ('val_accuracy'): a good band is a "
                         f"tolerance below the best accuracy. Received: metric={metric!r}")
    return metric


def swept_value(result: Result) -> float:
    """What a sensitivity sweep varies in ``result``: its (initial) learning rate, or, for a
    learning-rate-free optimizer (``optimizers.RATE_FREE_OPTIMIZERS``), its one knob (Prodigy's
    ``d_coef``, its constructor's default when left out). A band of good values is read the same
    way on both."""
    from ..optimizers import RATE_FREE_OPTIMIZERS, knob_default

    optimizer = result.experiment.optimizer
    knob = RATE_FREE_OPTIMIZERS.get(optimizer)
    if knob is None:
        return result.experiment.initial_rate
    return float(dict(result.experiment.optimizer_options).get(knob, knob_default(optimizer)))


def _runs_by_rate(results: Sequence[Result]) -> dict[float, list[Result]]:
    """The runs of ``results`` at each distinct swept value (``swept_value``), values sorted."""
    by_rate: dict[float, list[Result]] = {}
    for r in sorted(results, key=swept_value):
        by_rate.setdefault(swept_value(r), []).append(r)
    return by_rate


def _median_by_rate(results: Sequence[Result], metric: str) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (initial) rates of ``results``, sorted, and the median ``metric``
    (``noise.median_score``) at each: runs at one rate with other seeds count by their median."""
    by_rate = _runs_by_rate(results)
    return np.array(list(by_rate)), np.array([noise.median_score(runs, metric) for runs in by_rate.values()])


def _one_optimizer(results: Sequence[Result]) -> None:
    if not results:
        raise ValueError("Argument `results` must hold runs of one optimizer. Received: results=[]")
    optimizers = {r.experiment.optimizer for r in results}
    if len(optimizers) != 1:
        raise ValueError(f"Argument `results` must hold runs of one optimizer. Received: optimizers {sorted(optimizers)}")


def good_band_width(results: Sequence[Result], tolerance: float = 0.005, metric: str = "val_accuracy") -> dict[str, Any]:
    """How wide, in decades of the learning rate, the band of good rates is for one optimizer.

    Good rates are those whose ``metric`` (a validation accuracy, ``noise.score``: a test metric
    is refused) is within ``tolerance`` of the best of ``results`` (runs of one optimizer at
    different rates; several seeds at one rate count by their median, the rate ``noise.choose``
    picks is the best). On a grid the true band edges lie between grid points, so the width is
    bracketed: ``width`` spans the good rates measured (a lower bound), ``width_at_most`` spans
    the nearest rates outside them, ``bad below`` and ``bad above`` (0 and ``inf`` when the band
    reaches the grid's end, and then ``width_at_most`` is ``inf``), with their accuracy
    (``accuracy below``, ``accuracy above``; NaN at the grid's end). Returns those, the best rate
    and accuracy, the accuracy a good rate needs (``cutoff``), the band's ends, and the test
    accuracy of the best rate (``best test accuracy``, the median over its seeds), reported and
    never used to choose.
    """
    _one_optimizer(results)
    tolerance = _accuracy_difference("tolerance", tolerance)
    metric = _accuracy_metric(metric)
    by_rate = _runs_by_rate(results)
    rates, accuracy = _median_by_rate(results, metric)
    best_rate = noise.choose(by_rate, metric)
    best = int(np.flatnonzero(rates == best_rate)[0])
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
        "best test accuracy": noise.median_score(by_rate[rates[best]], "test_accuracy"),
    }


def _by_optimizer(results: Sequence[Result]) -> dict[str, list[Result]]:
    found: dict[str, list[Result]] = {}
    for result in results:
        found.setdefault(result.experiment.optimizer, []).append(result)
    return dict(sorted(found.items()))


def band_edges(results: Sequence[Result], tolerance: float = 0.005, metric: str = "val_accuracy",
               seed_noise: float | None = None):
    """Each edge cell of every optimizer's ``good_band_width`` (the lowest and highest good rate
    other than the best one, and the bad rates next to the band), and whether the noise decides
    its side of the cutoff: a ``pandas.DataFrame`` indexed by optimizer and rate with the
    ``edge``, the cell's ``seeds``, its (median) ``accuracy``, the ``cutoff``, ``from cutoff``
    (positive above it) in images of the evaluated set, the ``noise`` in images (the margin of
    ``noise.compare`` of the cell with the best rate, which the cutoff hangs on; ``seed_noise``
    as there) and ``decided``: the distance exceeds the noise. An undecided cell could move the
    band's edge by a grid step with another seed."""
    import pandas as pd

    metric = _accuracy_metric(metric)
    rows = []
    for optimizer, runs in _by_optimizer(results).items():
        band = good_band_width(runs, tolerance, metric)
        by_rate = _runs_by_rate(runs)
        edges = {band["band from"]: "lowest good", band["band to"]: "highest good",
                 band["bad below"]: "bad below", band["bad above"]: "bad above"}
        for rate, edge in edges.items():
            if rate not in by_rate or rate == band["best rate"]:
                continue  # the grid's end, or the best rate, good by definition
            found = noise.compare(by_rate[rate], by_rate[band["best rate"]], metric, seed_noise)
            distance = found.first - band["cutoff"]
            rows.append({"optimizer": optimizer, "rate": float(rate), "edge": edge, "seeds": len(by_rate[rate]),
                         "accuracy": found.first, "cutoff": band["cutoff"],
                         "from cutoff (images)": int(round(distance * found.noise.images)),
                         "noise (images)": found.noise.margin_images, "decided": abs(distance) > found.noise.margin})
    columns = ["optimizer", "rate", "edge", "seeds", "accuracy", "cutoff", "from cutoff (images)", "noise (images)",
               "decided"]
    return pd.DataFrame(rows, columns=columns).sort_values(["optimizer", "rate"]).set_index(["optimizer", "rate"])


def noisy_band_edges(results: Sequence[Result], tolerance: float = 0.005, metric: str = "val_accuracy",
                     seed_noise: float | None = None) -> list[tuple[str, float]]:
    """The (optimizer, rate) cells on which a band edge of ``good_band_width`` hangs by no more
    than the noise (``band_edges`` not ``decided``): repeating these with other seeds says
    whether the band's width holds. Sorted by optimizer, then rate."""
    edges = band_edges(results, tolerance, metric, seed_noise)
    return [(optimizer, float(rate)) for optimizer, rate in edges.index[~edges["decided"].astype(bool)]]


def with_repeats(results: Sequence[Result], repeats: Sequence[Result]) -> list[Result]:
    """A sweep's ``results`` and the runs of ``repeats`` it does not hold already (the sweep's own
    seed counts once): the pool ``good_band_width`` takes the median of per rate."""
    swept = {r.experiment for r in results}
    return list(results) + [r for r in repeats if r.experiment not in swept]


def repeated_cells_table(results: Sequence[Result], repeats: Sequence[Result], tolerance: float = 0.005,
                         metric: str = "val_accuracy"):
    """For each (optimizer, rate) cell of ``repeats`` (a sweep's cells run again with other
    seeds): the ``metric`` (a validation accuracy) of each seed, their median, the cutoff for a
    good rate, whether the cell is good on ``results`` (the sweep, one seed) and on the median of
    the seeds, and the optimizer's band width both ways, as a ``pandas.DataFrame``. Runs of
    ``repeats`` that are already in ``results`` (the sweep's own seed) count once."""
    import pandas as pd

    metric = _accuracy_metric(metric)
    combined = with_repeats(results, repeats)
    rows = []
    for optimizer, rate in dict.fromkeys((r.experiment.optimizer, swept_value(r)) for r in repeats):
        def runs(pool):
            return [r for r in pool if r.experiment.optimizer == optimizer]
        one_seed = good_band_width(runs(results), tolerance, metric)
        pooled = good_band_width(runs(combined), tolerance, metric)
        cell = [r for r in runs(combined) if swept_value(r) == rate]
        row = {"optimizer": optimizer, "rate": rate}
        row.update({f"seed {r.experiment.seed}": noise.score(r, metric)
                    for r in sorted(cell, key=lambda r: r.experiment.seed)})
        median = noise.median_score(cell, metric)
        single = [noise.score(r, metric) for r in runs(results) if swept_value(r) == rate]
        row.update({"median": median, "cutoff": pooled["cutoff"],
                    "good (one seed)": bool(single) and single[0] >= one_seed["cutoff"],
                    "good (median)": median >= pooled["cutoff"],
                    "width (one seed)": one_seed["width"], "width (median)": pooled["width"]})
        rows.append(row)
    return pd.DataFrame(rows).set_index(["optimizer", "rate"])


def repeats_summary(results: Sequence[Result], repeats: Sequence[Result], tolerance: float = 0.005,
                    metric: str = "val_accuracy") -> dict[str, Any]:
    """What repeating a sweep's edge cells with more seeds showed: how many cells were repeated,
    how many keep the verdict (good or not) of their single sweep run on the median of their
    seeds, how many optimizers keep their band width, and the largest range of ``metric`` among
    one cell's seeds (``noise.seed_range``)."""
    table = repeated_cells_table(results, repeats, tolerance, metric)
    widths = table.groupby(level="optimizer")[["width (one seed)", "width (median)"]].first()
    pooled = with_repeats(results, repeats)
    cells = {(r.experiment.optimizer, swept_value(r)) for r in repeats}
    ranges = [noise.seed_range([r for r in pooled if (r.experiment.optimizer, swept_value(r)) == cell],
                               metric) for cell in cells]
    return {"cells": len(table), "verdicts kept": int((table["good (one seed)"] == table["good (median)"]).sum()),
            "optimizers": len(widths), "widths kept": int((widths["width (one seed)"] == widths["width (median)"]).sum()),
            "largest seed range": max(ranges)}


def band_width_table(results: Sequence[Result], tolerance: float = 0.005, metric: str = "val_accuracy"):
    """``good_band_width`` for each optimizer of ``results`` (chosen on ``metric``, a validation
    accuracy), as a ``pandas.DataFrame`` sorted from the widest band to the narrowest."""
    import pandas as pd

    metric = _accuracy_metric(metric)
    table = pd.DataFrame({name: good_band_width(runs, tolerance, metric)
                          for name, runs in _by_optimizer(results).items()}).T
    table.index.name = "optimizer"
    return table.sort_values(["width", "best accuracy"], ascending=False)


def widths_at_most(bands, digits: int = 4) -> list:
    """Each band's ``width_at_most`` (rows of a ``band_width_table``) as a reader reads it: the
    number rounded to ``digits`` places, or, where the band reaches an end of the grid with no
    bad value beyond it, which end is open ("open: no bad value below"), instead of ``inf``."""
    shown = []
    for _, band in bands.iterrows():
        open_ends = [end for end, is_open in (("below", band["bad below"] == 0), ("above", np.isinf(band["bad above"])))
                     if is_open]
        shown.append("open: no bad value " + " or ".join(open_ends) if open_ends else round(band["width_at_most"], digits))
    return shown


def settings_in_bands(bands, settings: Mapping[str, float]):
    """Where the setting each optimizer comes with lies in its good band: for each optimizer of
    ``settings`` (its name in ``bands``, a ``band_width_table``, to the rate or knob it is run at),
    the ``setting``, the ``best`` swept value, the setting's distance from it in decades
    (``decades from the best``, positive above), the band's ends, and ``where``: ``"in the band"``,
    ``"at an edge"`` (between the band and the nearest bad value, where the grid leaves the edge
    somewhere) or ``"outside"``, as a ``pandas.DataFrame`` in the order of ``settings``."""
    import pandas as pd

    missing = sorted(set(settings) - set(bands.index))
    if missing:
        raise ValueError(f"Argument `settings` names {missing}, which `bands` does not hold ({sorted(bands.index)}). "
                         f"Received: settings={dict(settings)!r}")
    rows = []
    for name, setting in settings.items():
        band = bands.loc[name]
        setting = validation.number(f"settings[{name!r}]", setting, minimum=0.0, exclusive_minimum=True)
        if band["band from"] <= setting <= band["band to"]:
            where = "in the band"
        elif band["bad below"] < setting < band["bad above"]:
            where = "at an edge"
        else:
            where = "outside"
        rows.append({"optimizer": name, "setting": setting, "best": band["best rate"],
                     "decades from the best": float(np.log10(setting / band["best rate"])),
                     "band from": band["band from"], "band to": band["band to"], "where": where})
    return pd.DataFrame(rows).set_index("optimizer")
