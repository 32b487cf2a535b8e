"""The learning-rate range test (Smith 2017) for any compiled Keras 3 model.

The rate grows batch by batch from ``start`` to ``end``; each batch's own loss is recorded
with the rate that batch used. Published Keras finders break on Keras 3: they read
``optimizer.lr`` and ``K.set_value``, and ``logs["loss"]`` in a batch callback, which Keras 3
reports as the running mean of the epoch so far (a curve that lags to the right). Here each
batch is one ``train_on_batch`` call after ``reset_metrics``, so its loss is its own.

The model and its optimizer end exactly as they started: every variable of both (weights,
dropout seeds, optimizer slots, step counter, rate) is restored bit for bit, so a second test
draws the same curve. Suggestions are pure functions of the rates and losses.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence

import keras
import numpy as np

from . import validation

MODES = ("exponential", "linear")
DEFAULT_STEPS = 100  # at most; never more than one epoch of the data by default


def rates_between(start: float, end: float, steps: int, mode: str = "exponential") -> np.ndarray:
    """The rate of each of ``steps`` batches: from ``start`` to ``end`` inclusive, evenly spaced
    in log-rate (``exponential``, the rate times a constant factor per batch) or in rate
    (``linear``)."""
    start = validation.learning_rate("start", start)
    end = validation.learning_rate("end", end)
    if end <= start:
        raise ValueError(f"Argument `end` must be > start={start!r}. Received: end={end!r}")
    steps = validation.integer("steps", steps, minimum=2)
    if mode == "exponential":
        return np.geomspace(start, end, steps)
    if mode == "linear":
        return np.linspace(start, end, steps)
    raise ValueError(f"Argument `mode` must be one of {MODES}. Received: mode={mode!r}")


def smooth(losses: Sequence[float], beta: float = 0.98) -> np.ndarray:
    """Exponential moving average of ``losses`` with bias correction: the average after ``i + 1``
    losses is divided by ``1 - beta ** (i + 1)``, so that early values are not pulled to 0.
    A non-finite loss makes it and every later average non-finite."""
    beta = validation.number("beta", beta, minimum=0.0, maximum=1.0, exclusive_maximum=True)
    average, smoothed = 0.0, []
    for i, loss in enumerate(np.asarray(losses, dtype=float)):
        average = beta * average + (1 - beta) * loss
        smoothed.append(average / (1 - beta ** (i + 1)))
    return np.array(smoothed)


def _curve(rates: Sequence[float], losses: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    rates, losses = np.asarray(rates, dtype=float), np.asarray(losses, dtype=float)
    if rates.ndim != 1 or rates.shape != losses.shape or len(rates) < 3:
        raise ValueError("Arguments `rates` and `losses` must be 1-D and of one length, at least 3. "
                         f"Received: rates of shape {rates.shape}, losses of shape {losses.shape}")
    finite = np.isfinite(losses)
    if finite.sum() < 3:
        raise ValueError(f"Argument `losses` must hold at least 3 finite values. Received: {int(finite.sum())}")
    return rates[finite], losses[finite]


def steepest(rates: Sequence[float], losses: Sequence[float]) -> float:
    """The rate where the loss falls fastest against log-rate (the most negative slope)."""
    rates, losses = _curve(rates, losses)
    return float(rates[int(np.argmin(np.gradient(losses, np.log10(rates))))])


def minimum_over_ten(rates: Sequence[float], losses: Sequence[float]) -> float:
    """A tenth of the rate with the lowest loss: the minimum itself is already on the edge."""
    rates, losses = _curve(rates, losses)
    return float(rates[int(np.argmin(losses))] / 10)


def valley(rates: Sequence[float], losses: Sequence[float]) -> float:
    """The middle of the longest valley: the longest chain of ever-lower losses (not necessarily
    adjacent), from where it starts to where it ends, and the rate halfway along it. A long,
    steady descent is a safer place than one steep step."""
    rates, losses = _curve(rates, losses)
    n = len(losses)
    chain = np.ones(n, dtype=int)  # length of the longest falling chain ending at each point
    first = np.arange(n)  # where that chain starts
    for i in range(1, n):
        for j in range(i):
            if losses[j] > losses[i] and chain[j] + 1 > chain[i]:
                chain[i], first[i] = chain[j] + 1, first[j]
    end = int(np.argmax(chain))
    return float(rates[(first[end] + end) // 2])


SUGGESTIONS: dict[str, Callable[[Sequence[float], Sequence[float]], float]] = {
    "steepest": steepest, "minimum/10": minimum_over_ten, "valley": valley}


def suggest(rates: Sequence[float], losses: Sequence[float], rule: str = "valley") -> float:
    """The rate that ``rule`` (one of ``SUGGESTIONS``) reads from a range-test curve."""
    if rule not in SUGGESTIONS:
        raise ValueError(f"Argument `rule` must be one of {list(SUGGESTIONS)}. Received: rule={rule!r}")
    return SUGGESTIONS[rule](rates, losses)


@dataclasses.dataclass(frozen=True)
class RangeTest:
    """What a range test recorded: per batch, the rate it used and its own loss; the smoothed
    losses (``beta``); why it stopped; and its wall time."""

    rates: tuple[float, ...]
    losses: tuple[float, ...]
    beta: float
    stop_reason: str
    wall_time_s: float

    @property
    def smoothed(self) -> np.ndarray:
        return smooth(self.losses, self.beta)

    def suggestion(self, rule: str = "valley", beta: float | None = None) -> float:
        """The rate ``rule`` reads from the smoothed curve (``beta`` to smooth it otherwise)."""
        return suggest(self.rates, smooth(self.losses, self.beta if beta is None else beta), rule)

    def suggestions(self, beta: float | None = None) -> dict[str, float]:
        """Every rule's suggestion."""
        return {rule: self.suggestion(rule, beta) for rule in SUGGESTIONS}

    def disagreement(self, beta: float | None = None) -> float:
        """How far apart the suggestions are, in decades. Over 1, treat each with suspicion."""
        values = list(self.suggestions(beta).values())
        return float(np.log10(max(values) / min(values)))


def _check_model(model) -> keras.optimizers.Optimizer:
    if not isinstance(model, keras.Model):
        raise TypeError(f"Argument `model` must be a keras.Model. Received: model={model!r}")
    if not getattr(model, "compiled", False) or model.optimizer is None:
        raise ValueError(f"Argument `model` must be compiled with an optimizer and a loss first. "
                         f"Received: model={model.name!r}, not compiled")
    if isinstance(model.optimizer.get_config().get("learning_rate"), dict):
        raise ValueError("Argument `model` must be compiled with a fixed learning rate: the range test sets "
                         "the rate of each batch, which a LearningRateSchedule does not allow. "
                         f"Received: an optimizer with a schedule, {model.optimizer.get_config()['learning_rate']}")
    return model.optimizer


def _batches_in(name: str, data, batch_size: int) -> int:
    try:
        size = len(data)
    except TypeError:
        raise TypeError(f"Argument `{name}` must be an array of samples. Received: {name} of type "
                        f"{type(data).__name__}") from None
    if size < batch_size:
        raise ValueError(f"Argument `{name}` must hold at least one batch of {batch_size} samples. "
                         f"Received: {size} samples")
    return size // batch_size


def range_test(model: keras.Model, x, y, start: float = 1e-7, end: float = 10.0, steps: int | None = None,
               batch_size: int = 32, mode: str = "exponential", beta: float = 0.98,
               stop_factor: float = 4.0) -> RangeTest:
    """Run the learning-rate range test on a compiled ``model`` with data ``x``, ``y``.

    Args:
        model: any compiled Keras 3 model whose optimizer has a fixed learning rate.
        x, y: training samples and targets (arrays); batches are taken in order, full ones only.
        start, end: the first and the last rate (``0 < start < end``).
        steps: batches to run; default ``DEFAULT_STEPS`` or one epoch of ``x``, whichever is fewer.
            With more steps than full batches, the batches repeat.
        batch_size: samples per batch.
        mode: ``"exponential"`` (equal factors per batch) or ``"linear"``.
        beta: smoothing of the losses for the stop rule and ``RangeTest.smoothed``.
        stop_factor: stop once the smoothed loss exceeds this multiple of its minimum so far,
            or at the first non-finite loss.

    Every argument is checked before any batch runs; the model and its optimizer are restored
    to their exact state afterwards, also when the test fails.
    """
    optimizer = _check_model(model)
    batch_size = validation.integer("batch_size", batch_size, minimum=1)
    batches = min(_batches_in("x", x, batch_size), _batches_in("y", y, batch_size))
    steps = min(DEFAULT_STEPS, max(batches, 2)) if steps is None else steps
    planned = rates_between(start, end, steps, mode)
    beta = validation.number("beta", beta, minimum=0.0, maximum=1.0, exclusive_maximum=True)
    stop_factor = validation.number("stop_factor", stop_factor, minimum=1.0, exclusive_minimum=True)

    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    saved = [(variable, np.array(variable.numpy(), copy=True))
             for variable in [*model.variables, *optimizer.variables]]
    rates, losses, stop_reason = [], [], f"reached end={end:g}"
    started = time.perf_counter()
    try:
        lowest = math.inf
        for step, rate in enumerate(planned):
            optimizer.learning_rate = float(rate)
            batch = slice((step % batches) * batch_size, (step % batches + 1) * batch_size)
            model.reset_metrics()  # so that the loss returned is this batch's own
            loss = float(model.train_on_batch(x[batch], y[batch], return_dict=True)["loss"])
            rates.append(float(keras.ops.convert_to_numpy(optimizer.learning_rate)))
            losses.append(loss)
            if not math.isfinite(loss):
                stop_reason = f"loss became {loss} at rate {rate:.3g}"
                break
            smoothed = smooth(losses, beta)[-1]
            lowest = min(lowest, smoothed)
            if smoothed > stop_factor * lowest:
                stop_reason = f"smoothed loss {smoothed:.3g} > {stop_factor:g} x its minimum {lowest:.3g} at rate {rate:.3g}"
                break
    finally:
        for variable, value in saved:
            variable.assign(value)
        model.reset_metrics()
    return RangeTest(rates=tuple(rates), losses=tuple(losses), beta=beta, stop_reason=stop_reason,
                     wall_time_s=round(time.perf_counter() - started, 3))
