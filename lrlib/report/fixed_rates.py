"""Chapters 1 to 5 (fixed rates): what a stuck run answers, extrapolations, early stopping."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..results import Result
from ..catalog import Scenario
from .common import test_images


def class_shares(labels) -> np.ndarray:
    """The share of each of the ten digits among ``labels``: digits, or one-hot rows as
    ``load_mnist`` gives them."""
    from ..data import NUM_CLASSES

    labels = np.asarray(labels)
    digits = labels.argmax(axis=1) if labels.ndim == 2 else labels.astype(int)
    if len(digits) == 0:
        raise ValueError("Argument `labels` must hold at least one label. Received: an empty array")
    return np.bincount(digits, minlength=NUM_CLASSES) / len(digits)


def split_labels(experiment) -> dict[str, np.ndarray]:
    """The digits of the images ``experiment`` learns from (``"training"``), validates on
    (``"validation"``: the last part of the training arrays, as Keras's ``validation_split``
    takes it) and is tested on (``"test"``), in its profile."""
    from ..training import profile_data, split_sizes

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
    from .. import validation

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


DESCENT_RULES = ("sgd", "momentum", "adam")


def descent_path(rate: float, rule: str = "sgd", curvature: float = 1.0, start: float = 1.0, steps: int = 20,
                 momentum: float = 0.9, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7) -> np.ndarray:
    """The positions ``w`` (``start`` first, then one per step) of a descent on the 1-D loss
    ``curvature * w**2 / 2``, whose gradient is ``g = curvature * w``. ``rule="sgd"``:
    ``w <- w - rate * g``; ``"momentum"``: ``v <- momentum * v - rate * g``, ``w <- w + v``
    (Keras's SGD with momentum); ``"adam"``: Keras's Adam (moving averages ``m`` and ``v`` of
    ``g`` and ``g**2``, bias-corrected, ``w <- w - rate * m_hat / (sqrt(v_hat) + epsilon)``,
    with ``epsilon`` added as Keras adds it). The primer's picture of the update rules."""
    from .. import validation

    rate = validation.number("rate", rate, minimum=0.0)
    steps = validation.integer("steps", steps, minimum=0)
    if rule not in DESCENT_RULES:
        raise ValueError(f"Argument `rule` must be one of {DESCENT_RULES}. Received: rule={rule!r}")
    w, velocity, m, v = float(start), 0.0, 0.0, 0.0
    path = [w]
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, steps + 1):
            g = curvature * w
            if rule == "sgd":
                w = w - rate * g
            elif rule == "momentum":
                velocity = momentum * velocity - rate * g
                w = w + velocity
            else:
                m = beta_1 * m + (1 - beta_1) * g
                v = beta_2 * v + (1 - beta_2) * g * g
                step_rate = rate * math.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
                w = w - step_rate * m / (math.sqrt(v) + epsilon)
            path.append(w)
    return np.asarray(path, dtype=float)


def tie_band(results: Sequence[Result], metric: str = "val_accuracy") -> dict:
    """The good band of one optimizer's sweep by the book's noise rule: the unbroken run of rates
    around the one ``noise.choose`` picks on ``metric`` (a validation metric) whose runs (one, or
    several seeds) ``noise.compare`` calls a tie with it. Returns the ``best rate``, ``band from``
    and ``band to``, the ``width`` in decades (log10 of their ratio) and the ``tied`` rates
    (ascending; a tied rate cut off by a worse one is listed but not in the band)."""
    from . import noise

    if not results:
        raise ValueError("Argument `results` must hold one optimizer's runs. Received: results=[]")
    optimizers = {r.experiment.optimizer for r in results}
    if len(optimizers) != 1:
        raise ValueError(f"Argument `results` must hold runs of one optimizer. Received: {sorted(optimizers)}")
    by_rate: dict[float, list[Result]] = {}
    for result in results:
        by_rate.setdefault(result.experiment.initial_rate, []).append(result)
    rates = sorted(by_rate)
    best = noise.choose(by_rate, metric)
    tied = set(noise.tied_with_best(by_rate, metric))
    low = high = rates.index(best)
    while low > 0 and rates[low - 1] in tied:
        low -= 1
    while high < len(rates) - 1 and rates[high + 1] in tied:
        high += 1
    return {"best rate": float(best), "band from": float(rates[low]), "band to": float(rates[high]),
            "width": float(math.log10(rates[high] / rates[low])), "tied": [float(r) for r in rates if r in tied]}


def versus_article(result: Result, article_accuracy: float) -> dict:
    """Our test accuracy against the article's figure for the same setting, by the book's noise
    rule: ``difference in images`` (ours minus the article's, signed), the ``margin in images``
    (the larger of the widest seed range stored for the optimizer, ``noise.seed_noise_for``, and
    the sampling error of the difference, ``noise.difference_sampling_error``) and the
    ``verdict``, ``"tie"`` when the difference is within the margin, else ``"apart"``."""
    from . import noise

    images = test_images(result)
    ours, theirs = float(result.test_accuracy), float(article_accuracy)
    margin = max(noise.seed_noise_for(result.experiment.optimizer, "test_accuracy"),
                 noise.difference_sampling_error(ours, theirs, images))
    difference = ours - theirs
    return {"difference in images": int(round(difference * images)), "margin in images": int(round(margin * images)),
            "verdict": "tie" if abs(difference) <= margin else "apart"}
