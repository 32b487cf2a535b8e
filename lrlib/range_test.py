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
import hashlib
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import keras
import numpy as np

from . import validation
from .experiment import Experiment
from .run_setup import MissingResultError, compiled_model, find_stored_for_training, profile_data, provenance, \
    register_runner, split_sizes, stored_only

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


def steepest(rates: Sequence[float], losses: Sequence[float], skip_start: float = 0.1) -> float:
    """The rate where the loss falls fastest against log-rate (the most negative slope), looked
    for on the way down only: from past the first ``skip_start`` of the points (where a few
    noisy batches can fake a steep slope) to the lowest loss (past it, a blow-up can dip again)."""
    rates, losses = _curve(rates, losses)
    skip_start = validation.number("skip_start", skip_start, minimum=0.0, maximum=1.0, exclusive_maximum=True)
    first = int(len(losses) * skip_start)
    last = max(int(np.argmin(losses)), first + 1)
    slopes = np.gradient(losses, np.log10(rates))[first:last + 1]
    return float(rates[first + int(np.argmin(slopes))])


def minimum_over_ten(rates: Sequence[float], losses: Sequence[float]) -> float:
    """A tenth of the rate with the lowest loss: the minimum itself is already on the edge."""
    rates, losses = _curve(rates, losses)
    return float(rates[int(np.argmin(losses))] / 10)


def descent(rates: Sequence[float], losses: Sequence[float], fraction: float = 0.1) -> tuple[float, float]:
    """Where the last descent to the lowest loss runs: from the rate where the loss has fallen
    ``fraction`` of the way from its starting level (the median of the first tenth of the
    points: a fresh network's first batches can sit above the plateau) to its minimum, to the
    rate where it first comes within ``fraction`` of that drop of the minimum. Smith (2017)
    takes a cyclical rate's bounds from this stretch."""
    rates, losses = _curve(rates, losses)
    fraction = validation.number("fraction", fraction, minimum=0.0, maximum=0.5, exclusive_minimum=True)
    lowest = int(np.argmin(losses))
    level = float(np.median(losses[:max(len(losses) // 10, 1)]))
    drop = level - losses[lowest]
    if drop <= 0:
        raise ValueError("Argument `losses` must fall below its starting level somewhere to have a descent. "
                         f"Received: losses from {level:.4g}, never lower")
    above = np.flatnonzero(losses[:lowest + 1] > level - fraction * drop)
    start = int(above[-1]) + 1 if len(above) else 0
    end = start + int(np.argmax(losses[start:lowest + 1] <= losses[lowest] + fraction * drop))
    return float(rates[start]), float(rates[end])


def valley(rates: Sequence[float], losses: Sequence[float], fraction: float = 0.1) -> float:
    """The middle of the valley the loss falls into: the geometric middle of ``descent``. A
    steady stretch of falling loss, not one steep step, and not the plateau of rates too small
    to learn (a chain of ever-lower losses through a slowly sinking plateau would put it there)."""
    low, high = descent(rates, losses, fraction)
    return float(np.sqrt(low * high))


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

    def cycle_bounds(self, beta: float | None = None) -> tuple[float, float]:
        """Bounds for a cyclical rate (``schedules.triangular`` and kin): where the smoothed
        loss starts to fall and where it stops (``descent``)."""
        return descent(self.rates, smooth(self.losses, self.beta if beta is None else beta))

    def cyclical_schedule(self, step_size: int, policy: str = "triangular", gamma: float | None = None,
                          beta: float | None = None):
        """A cyclical rate between this test's ``cycle_bounds``: ``policy`` is ``triangular``,
        ``triangular2`` or ``exp_range`` (which needs ``gamma``). Raises ``ValueError`` when
        the curve has no descent to take bounds from."""
        from . import schedules

        policies = {"triangular": schedules.triangular, "triangular2": schedules.triangular2,
                    "exp_range": schedules.exp_range}
        if policy not in policies:
            raise ValueError(f"Argument `policy` must be one of {list(policies)}. Received: policy={policy!r}")
        low, high = self.cycle_bounds(beta)
        if low >= high:
            raise ValueError(f"This range test has no descent to take cycle bounds from: it falls at one rate only "
                             f"({low:.3g}). Received: a test of {len(self.rates)} batches, stopped because {self.stop_reason}")
        extra = {} if policy != "exp_range" else {"gamma": gamma}
        return policies[policy](low, high, step_size, **extra)

    def one_cycle_schedule(self, total_steps: int, rule: str = "valley", beta: float | None = None, **options):
        """``schedules.one_cycle`` over ``total_steps`` with this test's ``rule`` suggestion as
        its peak; ``options`` go to ``one_cycle`` (``warmup_fraction``, divisors, ``shape``).
        Raises ``ValueError`` when the curve has no descent to read a suggestion from."""
        from . import schedules

        return schedules.one_cycle(self.suggestion(rule, beta), total_steps, **options)

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


@dataclasses.dataclass(frozen=True)
class RangeTestPlan:
    """A range test of the article's CNN: the optimizer, options, batch size, validation split,
    seed and profile of ``experiment`` (its rate and epochs are replaced by the test's), and the
    arguments of ``range_test``. The seed also shuffles the training images. Stored as
    ``range-test-<key>.json``."""

    experiment: Experiment
    start: float = 1e-7
    end: float = 10.0
    steps: int = DEFAULT_STEPS
    mode: str = "exponential"
    beta: float = 0.98
    stop_factor: float = 4.0
    kind: ClassVar[str] = "range-test"

    def __post_init__(self):
        if not isinstance(self.experiment, Experiment):
            raise TypeError(f"Argument `experiment` must be an lrlib.Experiment. Received: experiment={self.experiment!r}")
        rates_between(self.start, self.end, self.steps, self.mode)  # checks start, end, steps, mode
        object.__setattr__(self, "experiment", dataclasses.replace(self.experiment, learning_rate=float(self.start),
                                                                   epochs=1))
        for name in ("start", "end"):
            object.__setattr__(self, name, float(getattr(self, name)))
        object.__setattr__(self, "beta", validation.number("beta", self.beta, minimum=0.0, maximum=1.0,
                                                           exclusive_maximum=True))
        object.__setattr__(self, "stop_factor", validation.number("stop_factor", self.stop_factor, minimum=1.0,
                                                                  exclusive_minimum=True))

    @property
    def profile(self) -> str:
        return self.experiment.profile

    def to_dict(self) -> dict[str, Any]:
        config = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        return {**config, "experiment": self.experiment.to_dict()}

    @classmethod
    def from_dict(cls, config: Mapping[str, Any]) -> RangeTestPlan:
        return cls(**{**config, "experiment": Experiment.from_dict(config["experiment"])})

    def key(self) -> str:
        canonical = json.dumps({"kind": self.kind, **self.to_dict()}, sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:20]

    def label(self) -> str:
        return (f"range test {self.experiment.optimizer} {self.start:g} to {self.end:g} in {self.steps} steps, "
                f"seed {self.experiment.seed}")

    @staticmethod
    def record_type() -> type:
        return RangeTestRecord


@dataclasses.dataclass(frozen=True)
class RangeTestRecord:
    """A stored range test: its plan, what it recorded, and how it was made."""

    plan: RangeTestPlan
    test: RangeTest
    provenance: dict[str, str]

    @property
    def spec(self) -> RangeTestPlan:
        return self.plan

    @property
    def data_fingerprint(self) -> str:
        return self.provenance["data_fingerprint"]

    def to_dict(self) -> dict[str, Any]:
        from .results import encode_non_finite

        test = dataclasses.asdict(self.test)
        return {"plan": self.plan.to_dict(), "test": encode_non_finite(test), "provenance": dict(self.provenance)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RangeTestRecord:
        from .results import NON_FINITE, FINGERPRINT_PATTERN

        if set(data) != {"plan", "test", "provenance"}:
            raise ValueError(f"a range-test record holds plan, test and provenance; got {sorted(data)}")
        test = dict(data["test"])
        rates = [float(rate) for rate in test["rates"]]
        losses = [NON_FINITE[loss] if isinstance(loss, str) else float(loss) for loss in test["losses"]]
        if not rates or len(rates) != len(losses) or not all(math.isfinite(r) and r > 0 for r in rates):
            raise ValueError("field test must hold as many positive, finite rates as losses")
        provenance = dict(data["provenance"])
        if not FINGERPRINT_PATTERN.fullmatch(str(provenance.get("data_fingerprint", ""))):
            raise ValueError("field provenance lacks the data_fingerprint of the data it was made on")
        return cls(plan=RangeTestPlan.from_dict(data["plan"]),
                   test=RangeTest(rates=tuple(rates), losses=tuple(losses), beta=float(test["beta"]),
                                  stop_reason=str(test["stop_reason"]), wall_time_s=float(test["wall_time_s"])),
                   provenance=provenance)


def run_range_test(plan: RangeTestPlan, retrain: bool = False, store=None) -> RangeTestRecord:
    """The stored range test of ``plan``, or a fresh one on the article's CNN (stored as
    ``lrlib.run`` stores results: the user's store, never the book's; nothing trains with
    ``$LRLIB_STORED_ONLY=1``). Uses the training part of the profile's images, shuffled with
    the plan's seed; the validation part stays unseen, as in training."""
    from .results import as_store, stores

    if not isinstance(plan, RangeTestPlan):
        raise TypeError(f"Argument `plan` must be an lrlib RangeTestPlan. Received: plan={plan!r}")
    store = as_store(store)
    if not retrain:
        stored = find_stored_for_training(plan, stores(store))
        if stored is not None:
            return stored
    if stored_only():
        raise MissingResultError(plan)
    store.check_writable(plan.profile)
    record = train_range_test(plan)
    store.save(record)
    return record


def train_range_test(plan: RangeTestPlan) -> RangeTestRecord:
    """Run the range test of ``plan`` now, without looking at or writing to any store (as
    ``training.train`` does for an experiment)."""
    experiment = plan.experiment
    data = profile_data(experiment.profile)
    training_images = split_sizes(experiment)[0]
    order = np.random.default_rng(experiment.seed).permutation(training_images)
    model = compiled_model(experiment)
    test = range_test(model, data.x_train[order], data.y_train[order], start=plan.start, end=plan.end,
                      steps=plan.steps, batch_size=experiment.batch_size, mode=plan.mode, beta=plan.beta,
                      stop_factor=plan.stop_factor)
    return RangeTestRecord(plan=plan, test=test, provenance=provenance(data))


register_runner(RangeTestPlan, run_range_test)  # how ``training.run_many`` runs a plan
