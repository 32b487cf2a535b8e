"""Chapters 6 to 10 (decay): the decay grid, its winners and verdicts, time-based decay's versions."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..results import Result
from .common import _accuracy_difference, test_images


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


def grid_verdicts(table, tie: float, images: int):
    """``scheme_winners(table, tie)`` with a verdict for each optimizer and initial rate:
    ``"decay"`` when a decay scheme is best and the fixed rate is not within ``tie`` of it,
    ``"fixed"`` when no decay scheme is within ``tie`` of the fixed rate, else ``"tie"``. Adds
    ``gain in images`` (the best scheme's gain over the fixed rate times ``images``, the size of
    the test set, rounded) and ``tied`` (the schemes within ``tie`` of the best, best first, as a
    list)."""
    from .. import validation

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
