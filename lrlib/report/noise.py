"""How the book decides: choose on validation data, and call a difference a tie unless it exceeds
the noise measured for it.

Two kinds of noise blur a comparison of two accuracies:

- the **seed**: the same experiment with another seed ends elsewhere. Where the cells compared
  were run with several seeds, their own range says how far; where one of them has a single
  seed, the largest range the book has stored for that optimizer stands in for it
  (``seed_noise_for``);
- the **sample**: a validation or test set is a sample of the digits the network will meet. The
  95 % sampling error of a difference between two accuracies, each measured on ``images``
  images, is ``1.96 * sqrt(a(1 - a)/images + b(1 - b)/images)`` (about 0.0028, 28 of 10,000
  images, at 99 %). Both are scored on the same images, which makes the true error of the
  difference smaller; without the stored predictions this is the safe upper bound.

A difference is decided only when it exceeds both (``Noise.margin``). Selections (the best
rate, the best scheme, a budget) read validation metrics only, and refuse a test metric
(``selection_metric``): the test set is looked at once, for the setting already chosen.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..results import Result

Z_95 = 1.959964  # the normal quantile of a two-sided 95 % interval
SELECTION_METRICS = ("val_accuracy", "val_loss")
COMPARED_METRICS = ("val_accuracy", "test_accuracy")


def selection_metric(metric: str) -> str:
    """``metric`` if it is one of ``SELECTION_METRICS``; a test metric (or anything else) is
    refused by name: choosing a setting on the test set would make its test accuracy a biased
    estimate of the accuracy it will have on new digits."""
    if metric not in SELECTION_METRICS:
        why = " (the test set only reports the chosen setting)" if str(metric).startswith("test") else ""
        raise ValueError(f"Argument `metric` must be a validation metric, one of {SELECTION_METRICS}{why}. "
                         f"Received: metric={metric!r}")
    return metric


def _compared_metric(metric: str) -> str:
    if metric not in COMPARED_METRICS:
        raise ValueError(f"Argument `metric` must be one of {COMPARED_METRICS}. Received: metric={metric!r}")
    return metric


def kept_epoch(result: Result) -> int:
    """The epoch (counted from 1) whose weights ``result`` ended with: the one with the lowest
    validation loss when the experiment restores the best weights, else the last one run."""
    losses = np.asarray(result.history["val_loss"], dtype=float)
    if result.experiment.restore_best and np.isfinite(losses).any():
        return int(np.nanargmin(np.where(np.isfinite(losses), losses, np.nan))) + 1
    return len(losses)


def score(result: Result, metric: str = "val_accuracy") -> float:
    """``result``'s ``metric`` for the weights it ended with: a validation metric from the kept
    epoch's history, ``test_accuracy`` as stored (a diverged run's NaN stays NaN)."""
    if metric == "test_accuracy":
        return float(result.test_accuracy)
    metric = selection_metric(metric)
    return float(result.history[metric][kept_epoch(result) - 1])


def _better_first(values: Sequence[float], metric: str) -> list[int]:
    """Indices of ``values`` from best to worst (a NaN last): highest accuracy, lowest loss."""
    sign = 1.0 if metric.endswith("loss") else -1.0
    return sorted(range(len(values)), key=lambda i: (math.isnan(values[i]), sign * values[i]))


def choose(results: Mapping[Any, Result | Sequence[Result]], metric: str = "val_accuracy") -> Any:
    """The key of ``results`` whose run (or the median of whose runs) is best on ``metric``, a
    validation metric: a test metric is refused before anything is read."""
    metric = selection_metric(metric)
    if not results:
        raise ValueError("Argument `results` must map names to results. Received: results={}")
    keys = list(results)
    values = [median_score(results[key], metric) for key in keys]
    return keys[_better_first(values, metric)[0]]


def _runs(runs: Result | Sequence[Result]) -> list[Result]:
    return [runs] if isinstance(runs, Result) else list(runs)


def median_score(runs: Result | Sequence[Result], metric: str = "val_accuracy") -> float:
    """The median of ``score`` over ``runs`` (one result or several seeds of one setting)."""
    runs = _runs(runs)
    if not runs:
        raise ValueError("Argument `runs` must hold at least one result. Received: runs=[]")
    return float(np.median([score(r, metric) for r in runs]))


def seed_range(runs: Sequence[Result], metric: str = "test_accuracy") -> float:
    """The largest minus the smallest ``metric`` among ``runs`` that differ only in their seed;
    0.0 for a single run (nothing measured)."""
    runs = _runs(runs)
    keys = {dataclasses.replace(r.experiment, seed=0) for r in runs}
    if len(keys) > 1:
        raise ValueError(f"Argument `runs` must differ only in their seed. Received: {len(keys)} experiments")
    values = [score(r, _compared_metric(metric)) for r in runs]
    return float(max(values) - min(values)) if values else 0.0


def evaluated_images(result: Result, metric: str) -> int:
    """How many images ``metric`` of ``result`` was measured on: the profile's test set, or the
    validation split of its training images."""
    from ..data import MNIST_TRAIN_IMAGES
    from ..profiles import get_profile
    from .common import test_images

    if _compared_metric(metric) == "test_accuracy":
        return test_images(result)
    train = get_profile(result.experiment.profile).n_train or MNIST_TRAIN_IMAGES
    return int(round(train * result.experiment.validation_split))


def sampling_error(accuracy: float, images: int) -> float:
    """The half-width of the 95 % interval of an accuracy measured on ``images`` images."""
    return Z_95 * math.sqrt(accuracy * (1 - accuracy) / images)


def difference_sampling_error(accuracy: float, other: float, images: int) -> float:
    """The half-width of the 95 % interval of ``accuracy - other``, both measured on ``images``
    images, taken as independent (an upper bound: they share the images)."""
    return math.hypot(sampling_error(accuracy, images), sampling_error(other, images))


@dataclasses.dataclass(frozen=True)
class Noise:
    """The noise of one comparison: the ``seed`` range (and where it came from, ``seed_source``)
    and the ``sampling`` error, as accuracy differences, with the ``images`` they were measured
    on. A difference no larger than ``margin`` is a tie."""

    seed: float
    sampling: float
    images: int
    seed_source: str

    @property
    def margin(self) -> float:
        return max(self.seed, self.sampling)

    @property
    def margin_images(self) -> int:
        return int(round(self.margin * self.images))


@dataclasses.dataclass(frozen=True)
class Comparison:
    """``first`` against ``second``: the ``difference`` of their medians (positive when
    ``first`` is ahead), in ``images`` (0 when a diverged run's NaN makes the difference NaN),
    the ``noise`` and the ``verdict``: ``"tie"``, ``"ahead"`` or ``"behind"`` (a diverged run
    is behind one that trained)."""

    first: float
    second: float
    difference: float
    images: int
    noise: Noise
    verdict: str


def compare(first: Result | Sequence[Result], second: Result | Sequence[Result],
            metric: str = "test_accuracy", seed_noise: float | None = None) -> Comparison:
    """Compare two settings (each one result or its seeds) on ``metric``, their medians against
    the noise: their own seed ranges where both have seeds, else ``seed_noise`` (default: the
    book's ``seed_noise_for`` their optimizers), and the sampling error of the difference."""
    first_runs, second_runs = _runs(first), _runs(second)
    a, b = median_score(first_runs, metric), median_score(second_runs, metric)
    images = evaluated_images(first_runs[0], metric)
    if len(first_runs) > 1 and len(second_runs) > 1:
        seed, source = max(seed_range(first_runs, metric), seed_range(second_runs, metric)), "their own seeds"
    elif seed_noise is not None:
        seed, source = float(seed_noise), "given"
    else:
        optimizers = {r.experiment.optimizer for r in first_runs + second_runs}
        seed, source = seed_noise_for(optimizers, metric), f"the book's repeats of {', '.join(sorted(optimizers))}"
    sampling = difference_sampling_error(a, b, images) if math.isfinite(a + b) else 0.0
    noise = Noise(seed=seed, sampling=sampling, images=images, seed_source=source)
    difference = a - b
    if math.isfinite(difference):
        verdict = "tie" if abs(difference) <= noise.margin else ("ahead" if difference > 0 else "behind")
    else:  # a diverged run (NaN) is behind any that trained; two diverged runs tie
        verdict = "tie" if math.isnan(a) and math.isnan(b) else ("behind" if math.isnan(a) else "ahead")
    return Comparison(first=a, second=b, difference=difference,
                      images=int(round(difference * images)) if math.isfinite(difference) else 0,
                      noise=noise, verdict=verdict)


@functools.lru_cache(maxsize=None)
def stored_repeats(profile: str = "full") -> tuple[tuple[Result, ...], ...]:
    """Every setting the book stored with two or more seeds in ``profile``, read from the results
    that ship with lrlib (nothing trains), each as its runs. Read once per process: the book's
    results change only when ``reproduce`` stores more."""
    from ..catalog import GROUPS, scenarios
    from ..experiment import Experiment
    from ..results import book_store
    from .common import seed_repeats

    store = book_store()
    experiments = {s.experiment for group in GROUPS for s in scenarios(group, profile)
                   if isinstance(s.experiment, Experiment)}
    stored = [store.load(e) for e in sorted(experiments, key=lambda e: e.key())]
    return tuple(tuple(runs) for runs in seed_repeats([r for r in stored if r is not None]))


def seed_range_table(profile: str = "full"):
    """A ``pandas.DataFrame`` of ``stored_repeats``: optimizer, rate, epochs, seeds and the seed
    range of validation and test accuracy, widest test range first."""
    import pandas as pd

    rows = [{"optimizer": runs[0].experiment.optimizer, "learning rate": _rate_text(runs[0]),
             "epochs": runs[0].experiment.epochs, "seeds": len(runs),
             "validation range": seed_range(runs, "val_accuracy"), "test range": seed_range(runs, "test_accuracy")}
            for runs in stored_repeats(profile)]
    return pd.DataFrame(rows).sort_values("test range", ascending=False, ignore_index=True)


def _rate_text(result: Result) -> str:
    rate = result.experiment.learning_rate
    return f"{rate:g}" if isinstance(rate, (int, float)) else str(rate.kind).replace("_", " ")


def seed_noise_for(optimizers, metric: str = "test_accuracy", profile: str = "full") -> float:
    """The seed noise of a setting run once: the largest seed range of ``metric`` among the
    book's stored repeats of ``optimizers`` (a name or several), or, where none of them has any,
    among the repeats of the article's optimizers (``optimizers.OPTIMIZERS``). The newer methods
    are left out of that fallback: their repeats include one-epoch runs far from converged, no
    stand-in for an article optimizer trained for ten."""
    from ..optimizers import OPTIMIZERS

    optimizers = {optimizers} if isinstance(optimizers, str) else set(optimizers)
    column = "test range" if _compared_metric(metric) == "test_accuracy" else "validation range"
    table = seed_range_table(profile)
    own = table[table["optimizer"].isin(optimizers)]
    fallback = table[table["optimizer"].isin(OPTIMIZERS)]
    return float((own if len(own) else fallback)[column].max())


def tied_with_best(results: Mapping[Any, Result | Sequence[Result]], metric: str = "val_accuracy") -> list:
    """The keys of ``results`` (each one result or its seeds) that ``compare`` calls a tie with
    the one ``choose`` picks on ``metric`` (``val_accuracy``: a tie is measured in images, which
    a loss is not), that one first, then by ``metric``."""
    if selection_metric(metric) != "val_accuracy":
        raise ValueError("Argument `metric` must be 'val_accuracy': ties are counted in images, which a loss is not. "
                         f"Received: metric={metric!r}")
    best = choose(results, metric)
    keys = [key for key in results if key == best or compare(results[key], results[best], metric).verdict == "tie"]
    values = [median_score(results[key], metric) for key in keys]
    return [keys[i] for i in _better_first(values, metric)]


def leads_over(results: Mapping[Any, Result | Sequence[Result]], reference: Any, metric: str = "test_accuracy"):
    """Each setting's ``compare`` with the one named ``reference``, as a ``pandas.DataFrame``
    indexed by name (the reference left out): ``accuracy`` (the median), ``lead`` (negative when
    behind), ``lead in images``, ``noise in images`` (the margin) and ``verdict``."""
    import pandas as pd

    if reference not in results:
        raise ValueError(f"Argument `reference` must name one of the settings {sorted(map(str, results))}. "
                         f"Received: reference={reference!r}")
    rows = []
    for name, runs in results.items():
        if name == reference:
            continue
        found = compare(runs, results[reference], metric)
        rows.append({"name": name, "accuracy": found.first, "lead": found.difference, "lead in images": found.images,
                     "noise in images": found.noise.margin_images, "verdict": found.verdict})
    columns = ["name", "accuracy", "lead", "lead in images", "noise in images", "verdict"]
    return pd.DataFrame(rows, columns=columns).set_index("name")
