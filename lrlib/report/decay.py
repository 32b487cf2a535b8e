"""Chapters 6 to 10 (decay): the decay grid, its winners and verdicts (chosen on validation
accuracy, ties measured by ``report.noise``), time-based decay's versions."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..results import Result
from . import noise
from .common import _accuracy_difference


def scheme_of(result: Result) -> str:
    """``"fixed"`` for a fixed rate, else the schedule's kind without ``_decay`` (``"step"``)."""
    rate = result.experiment.learning_rate
    return "fixed" if isinstance(rate, float) else rate.kind.removesuffix("_decay")


# Accuracies are stored as float32: two that count the same images can differ in the 8th digit.
_ROUNDING = 1e-6


def metric_column(metric: str) -> str:
    """The column of a ``grid_table`` that holds ``metric`` (``"val accuracy"`` for
    ``"val_accuracy"``)."""
    return metric.replace("_", " ")


def _better(values, metric: str):
    """``values`` signed so that larger is better on ``metric`` (a loss is lower-is-better)."""
    return -values if metric.endswith("loss") else values


def grid_table(results: Sequence[Result], tolerance: float = 0.005, metric: str = "val_accuracy"):
    """A ``pandas.DataFrame`` with one row per run: optimizer, scheme, initial rate, seed, the
    selection ``metric`` (a validation metric, ``noise.score``: the kept epoch's), the test scores
    (reported, never used to choose), and ``good``: ``metric`` within ``tolerance`` of the best run
    of the same optimizer. A test metric is refused (``noise.selection_metric``)."""
    import pandas as pd

    metric = noise.selection_metric(metric)
    column = metric_column(metric)
    table = pd.DataFrame([{
        "optimizer": r.experiment.optimizer, "scheme": scheme_of(r), "initial rate": r.experiment.initial_rate,
        "seed": r.experiment.seed, column: noise.score(r, metric), "test accuracy": r.test_accuracy,
        "test loss": r.test_loss, "outcome": r.outcome.kind,
    } for r in results])
    table.attrs["metric"] = metric
    signed = _better(table[column], metric)
    best = signed.groupby(table["optimizer"]).transform("max")
    table["good"] = signed >= best - tolerance - _ROUNDING
    return table


def _table_metric(table, metric: str | None) -> str:
    return noise.selection_metric(metric or table.attrs.get("metric", "val_accuracy"))


def scheme_winners(table, tie: float = 0.0, metric: str | None = None):
    """Per optimizer and initial rate of a ``grid_table`` (one seed per cell): the best scheme on
    ``metric`` (default: the table's selection metric, a validation metric; a test metric is
    refused), its value there (``best accuracy``), its test accuracy (reported, not used to
    choose), its gain over the fixed rate on ``metric``, and every scheme within ``tie`` of the
    best (best first). ``tie`` is a plain threshold, for exploring (``TieExplorer``); the book's
    verdicts come from ``grid_verdicts``, which measures the noise."""
    import pandas as pd

    metric = _table_metric(table, metric)
    column = metric_column(metric)
    tie = _accuracy_difference("tie", tie)
    repeated = table.duplicated(["optimizer", "initial rate", "scheme"])
    if repeated.any():
        raise ValueError("Argument `table` must hold one run per optimizer, initial rate and scheme (one seed). "
                         f"Received: {int(repeated.sum())} repeated runs")
    rows = []
    for (optimizer, rate), cell in table.groupby(["optimizer", "initial rate"], sort=True):
        cell = cell.assign(_signed=_better(cell[column], metric))
        ordered = cell.sort_values("_signed", ascending=False, kind="stable")
        best = ordered.iloc[0]
        fixed = cell.loc[cell["scheme"] == "fixed", "_signed"]
        tied = ordered.loc[ordered["_signed"] >= best["_signed"] - tie, "scheme"]
        rows.append({"optimizer": optimizer, "initial rate": rate, "best scheme": best["scheme"],
                     "best accuracy": best[column], "test accuracy": best["test accuracy"],
                     "gain over fixed": best["_signed"] - fixed.iloc[0] if len(fixed) else float("nan"),
                     "tied with the best": ", ".join(tied)})
    return pd.DataFrame(rows).set_index(["optimizer", "initial rate"])


def band_margins(grid: Sequence[Result], repeats: Sequence[Result], optimizer: str, rate: float,
                 scheme: str = "fixed", tolerance: float = 0.005, metric: str = "val_accuracy"):
    """How far one cell of a decay grid lies from the good band's cutoff, for each seed it was run
    with. The cutoff is ``grid_table``'s: the best ``metric`` (a validation metric; a test metric
    is refused) of ``optimizer`` in ``grid`` (one seed) minus ``tolerance``. ``repeats`` holds the
    same cells run with other seeds (runs already in ``grid`` count once). Returns a
    ``pandas.DataFrame`` indexed by seed: the ``metric``, ``test accuracy`` (reported only),
    ``margin`` (metric minus cutoff: negative is outside the band), ``margin in images`` (rounded,
    on the images the metric was measured on) and ``good``. Its ``attrs`` hold the ``cutoff``,
    the ``images`` and ``noise in images``: the margin of ``noise.compare`` between the cell (all
    its seeds) and the best run, the size a margin must exceed to place the cell on one side."""
    import pandas as pd

    metric = noise.selection_metric(metric)
    if metric != "val_accuracy":
        raise ValueError(f"Argument `metric` must be 'val_accuracy' (a band of accuracies). Received: metric={metric!r}")
    tolerance = _accuracy_difference("tolerance", tolerance)
    own = [r for r in grid if r.experiment.optimizer == optimizer]
    if not own:
        raise ValueError(f"Argument `optimizer` must be an optimizer of `grid`. Received: optimizer={optimizer!r}")
    best = max(own, key=lambda r: noise.score(r, metric))
    cutoff = noise.score(best, metric) - tolerance
    cell = {r.experiment: r for r in [*grid, *repeats]
            if r.experiment.optimizer == optimizer and r.experiment.initial_rate == rate and scheme_of(r) == scheme}
    if not cell:
        raise ValueError(f"Arguments `rate` and `scheme` must name a cell of the grid. Received: rate={rate!r}, "
                         f"scheme={scheme!r}")
    runs = sorted(cell.values(), key=lambda r: r.experiment.seed)
    images = noise.evaluated_images(runs[0], metric)
    column = metric_column(metric)
    rows = [{"seed": r.experiment.seed, column: noise.score(r, metric), "test accuracy": r.test_accuracy,
             "margin": noise.score(r, metric) - cutoff,
             "margin in images": int(round((noise.score(r, metric) - cutoff) * images)),
             "good": bool(noise.score(r, metric) >= cutoff - _ROUNDING)} for r in runs]
    table = pd.DataFrame(rows).set_index("seed")
    table.attrs.update({"cutoff": float(cutoff), "images": images, "metric": metric,
                        "noise in images": noise.compare(runs, best, metric).noise.margin_images})
    return table


def grid_cells(results: Sequence[Result]) -> dict:
    """``results`` of a decay grid (any number of seeds per cell) as ``{(optimizer, initial rate):
    {scheme: [runs, by seed]}}``, in the order the runs come."""
    cells: dict = {}
    for r in results:
        key = (r.experiment.optimizer, r.experiment.initial_rate)
        cells.setdefault(key, {}).setdefault(scheme_of(r), []).append(r)
    return {key: {scheme: sorted(runs, key=lambda r: r.experiment.seed) for scheme, runs in schemes.items()}
            for key, schemes in cells.items()}


def grid_verdicts(results: Sequence[Result], metric: str = "val_accuracy"):
    """Per optimizer and initial rate of a decay grid (``results``: one or more seeds per cell,
    medians where several), the choice on ``metric`` (a validation metric; a test metric is
    refused) and its verdict, measured against the noise (``noise.tied_with_best``,
    ``noise.compare``): ``best scheme``, ``best accuracy`` (its median ``metric``), ``test
    accuracy`` (its median, reported only), ``seeds``, ``tied`` (the schemes tied with the best,
    best first, a list) and ``tied with the best`` (the same, as text), ``gain over fixed``
    (the best minus the fixed rate on ``metric``), ``gain in images`` and ``noise in images``
    (the images ``metric`` was measured on) and ``verdict``: ``"decay"`` when a decay is best
    and the fixed rate is not tied with it, ``"fixed"`` when the fixed rate is best and no decay
    is tied with it, else ``"tie"``."""
    import pandas as pd

    metric = noise.selection_metric(metric)
    rows = []
    for (optimizer, rate), cells in sorted(grid_cells(results).items()):
        best = noise.choose(cells, metric)
        tied = noise.tied_with_best(cells, metric)
        if "fixed" not in tied:
            verdict = "decay"
        elif tied == ["fixed"]:
            verdict = "fixed"
        else:
            verdict = "tie"
        found = noise.compare(cells[best], cells["fixed"], metric) if "fixed" in cells else None
        rows.append({"optimizer": optimizer, "initial rate": rate, "best scheme": best,
                     "best accuracy": noise.median_score(cells[best], metric),
                     "test accuracy": noise.median_score(cells[best], "test_accuracy"),
                     "seeds": len(cells[best]),
                     "gain over fixed": found.difference if found else float("nan"),
                     "gain in images": found.images if found else 0,
                     "noise in images": found.noise.margin_images if found else 0,
                     "tied with the best": ", ".join(tied), "tied": tied, "verdict": verdict})
    return pd.DataFrame(rows).set_index(["optimizer", "initial rate"])


def compounding_time_decay_constant(epochs: int, final_fraction: float) -> float:
    """The constant ``k`` with which the article's time-decay code (``article_code.make_time_decay``:
    each call multiplies a kept rate by ``1 / (1 + k * epoch)``), called once per epoch, reaches
    ``final_fraction`` of its initial rate in the last of ``epochs`` epochs, i.e. the root of
    ``prod(1 + k * e for e in 1 .. epochs - 1) = 1 / final_fraction``, found by bisection."""
    from .. import validation

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

    from .. import article_code, schedules, validation

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
    from .. import validation

    steps_per_epoch = validation.integer("steps_per_epoch", steps_per_epoch, minimum=1)
    starts = versions.iloc[::steps_per_epoch].reset_index(drop=True)
    cuts = 1 - starts / starts.shift(1)
    cuts.index.name = "epoch"
    return cuts.iloc[1:]
