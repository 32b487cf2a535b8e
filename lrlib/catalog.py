"""The catalogue of experiments the book shows, grouped as ``python -m lrlib reproduce --only GROUP`` runs them.

Each scenario carries the article's reported test loss and accuracy where the article gives
them, so that tables can put "article" and "this book" side by side.
"""

from __future__ import annotations

import dataclasses
import math
import statistics

from . import schedules, validation
from .data import MNIST_TRAIN_IMAGES
from .experiment import Experiment
from .optimizers import DEFAULT_RATES, OPTIMIZERS, PAPER_RATES, RATE_FREE_OPTIMIZERS, knob_default
from .profiles import default_profile, get_profile
from .range_test import RangeTestPlan


@dataclasses.dataclass(frozen=True)
class Scenario:
    """A named run of the book: ``experiment`` is an ``Experiment``, or for the range tests a
    ``range_test.RangeTestPlan``."""

    name: str
    experiment: Experiment | RangeTestPlan
    article_test_loss: float | None = None
    article_test_accuracy: float | None = None


# The article's five fixed-rate runs (Adam, batch 250, 25 epochs, validation split 0.2) and the
# test scores it printed for them.
ARTICLE_FIXED_RATES = (
    ("baseline", 0.001, 0.02863448634357819, 0.9919000267982483),
    ("too large", 0.5, 2.3188612442016603, 0.10100000351667404),
    ("large", 0.01, 0.045392444870159344, 0.9887999892234802),
    ("small", 0.00001, 0.17123142351806164, 0.9513999819755554),
    ("too small", 0.0000001, 2.2723510555267334, 0.16249999403953552),
)


def fixed_lr(profile: str | None = None) -> list[Scenario]:
    """The article's fixed-rate scenarios with Adam."""
    return [Scenario(name, _experiment("adam", rate, profile), loss, accuracy)
            for name, rate, loss, accuracy in ARTICLE_FIXED_RATES]


def _experiment(optimizer: str, learning_rate: float, profile: str | None, **options) -> Experiment:
    if profile is not None:
        options["profile"] = profile
    return Experiment(optimizer, learning_rate, **options)


# One rate per decade from 1e-7 to 1, plus the article's 0.5; for Adam (the article's code) and
# plain SGD (what the article's text names). The Adam runs the article made are shared with
# ``fixed_lr``: same experiment, same stored result.
SWEEP_RATES = (1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 0.5, 1.0)
SWEEP_OPTIMIZERS = ("adam", "sgd")


def sweep(profile: str | None = None) -> list[Scenario]:
    """Every rate of ``SWEEP_RATES`` with each optimizer of ``SWEEP_OPTIMIZERS``, 25 epochs each."""
    article = {(rate, "adam"): (loss, accuracy) for _, rate, loss, accuracy in ARTICLE_FIXED_RATES}
    return [Scenario(f"{optimizer} {rate:g}", _experiment(optimizer, rate, profile),
                     *article.get((rate, optimizer), (None, None)))
            for optimizer in SWEEP_OPTIMIZERS for rate in SWEEP_RATES]


# Decay: the article's four schemes, each set to end at a tenth of its initial rate in the last
# epoch, so that they differ in shape only. ``epochs`` is the run's length.
DECAY_SCHEMES = ("linear", "step", "time", "exponential")


def decay_schedule(scheme: str, initial_rate: float, epochs: int) -> schedules.Schedule:
    """One of ``DECAY_SCHEMES`` from ``initial_rate`` down to ``initial_rate / 10`` in the last
    epoch (epoch ``epochs - 1``); step decay halves every ``epochs // 3`` epochs instead."""
    last = validation.integer("epochs", epochs, minimum=2) - 1  # a decay needs a first and a last epoch
    if scheme == "linear":
        return schedules.linear_decay(initial_rate, initial_rate / 10, decay_epochs=last)
    if scheme == "step":
        return schedules.step_decay(initial_rate, 0.5, epochs_per_drop=max(epochs // 3, 1))
    if scheme == "time":
        return schedules.time_decay(initial_rate, decay_rate=9 / last)
    if scheme == "exponential":
        return schedules.exponential_decay(initial_rate, decay_rate=math.log(10) / last)
    raise ValueError(f"Argument `scheme` must be one of {DECAY_SCHEMES}. Received: scheme={scheme!r}")


DECAY_START = {"adam": 0.01, "sgd": 0.5}  # the upper end of each optimizer's good fixed rates, where decay has room to help


def _epochs_in(profile: str | None, epochs: int) -> int:
    """The epochs a run of ``epochs`` gets in ``profile``: decays are fitted to that length."""
    return get_profile(profile or default_profile()).epochs(epochs)


def _rate_for(scheme: str, initial_rate: float, epochs: int) -> float | schedules.Schedule:
    """``initial_rate`` itself for ``"fixed"``, else that decay scheme fitted to ``epochs``."""
    return initial_rate if scheme == "fixed" else decay_schedule(scheme, initial_rate, epochs)


def decay(profile: str | None = None) -> list[Scenario]:
    """Each decay scheme for 25 epochs from ``DECAY_START`` (Adam and SGD), and the fixed rate."""
    epochs = _epochs_in(profile, 25)
    return [Scenario(f"{optimizer} {scheme}", _experiment(optimizer, _rate_for(scheme, rate, epochs), profile))
            for optimizer, rate in DECAY_START.items() for scheme in ("fixed", *DECAY_SCHEMES)]


GRID_RATES = {"adam": (1e-4, 1e-3, 1e-2, 1e-1), "sgd": (1e-3, 1e-2, 1e-1, 1.0)}
GRID_EPOCHS = 10
GRID_SCHEMES = ("fixed", *DECAY_SCHEMES)
# Outside the full profile the grid is cut down so that its chapters stay within a minute on two
# CPU cores: every other initial rate (a good one and a too-large one per optimizer), the fixed
# rate and two decays of different shapes (step, halving each epoch, and exponential, smoothly
# down to a tenth), and 3 epochs, still enough for each decay to take three different rates.
SMALL_GRID_SCHEMES = ("fixed", "step", "exponential")
SMALL_GRID_EPOCHS = 3


def _is_full(profile: str | None) -> bool:
    return (profile or default_profile()) == "full"


def grid_rates(profile: str | None = None) -> dict[str, tuple[float, ...]]:
    """The initial rates of the decay grid in ``profile``: ``GRID_RATES``, or every other one."""
    if _is_full(profile):
        return dict(GRID_RATES)
    return {optimizer: rates[1::2] for optimizer, rates in GRID_RATES.items()}


def grid_schemes(profile: str | None = None) -> tuple[str, ...]:
    """The ways of handling the rate in the decay grid of ``profile``: ``GRID_SCHEMES``, or
    ``SMALL_GRID_SCHEMES``."""
    return GRID_SCHEMES if _is_full(profile) else SMALL_GRID_SCHEMES


def grid_epochs(profile: str | None = None) -> int:
    """The epochs of each decay-grid run in ``profile``: ``GRID_EPOCHS``, or ``SMALL_GRID_EPOCHS``."""
    requested = GRID_EPOCHS if _is_full(profile) else SMALL_GRID_EPOCHS
    return _epochs_in(profile, requested)


def decay_grid(profile: str | None = None) -> list[Scenario]:
    """Initial rate x scheme (``grid_schemes``, fixed included) for Adam and SGD, ``grid_epochs``
    epochs each."""
    epochs = grid_epochs(profile)
    return [Scenario(f"{optimizer} {scheme} {rate:g}",
                     _experiment(optimizer, _rate_for(scheme, rate, epochs), profile, epochs=epochs))
            for optimizer, rates in grid_rates(profile).items() for rate in rates
            for scheme in grid_schemes(profile)]


def decay_seeds(profile: str | None = None) -> list[Scenario]:
    """The grid's row at each optimizer's second-largest initial rate (where decay has a large
    step to shrink) again with other seeds: two in the full profile, one elsewhere. Seed 0 is the
    grid's own run."""
    epochs = grid_epochs(profile)
    seeds = (1, 2) if _is_full(profile) else (1,)
    return [Scenario(f"{optimizer} {scheme} {rates[-2]:g} seed {seed}",
                     _experiment(optimizer, _rate_for(scheme, rates[-2], epochs), profile, epochs=epochs, seed=seed))
            for optimizer, rates in grid_rates(profile).items() for seed in seeds
            for scheme in grid_schemes(profile)]


def adaptive_epochs(profile: str | None = None) -> int:
    """Epochs of the adaptive optimizers' default-rate runs: the article's 25, or
    ``SMALL_GRID_EPOCHS`` outside the full profile (eight optimizers must fit in a minute)."""
    return _epochs_in(profile, 25 if _is_full(profile) else SMALL_GRID_EPOCHS)


def adaptive_defaults(profile: str | None = None) -> list[Scenario]:
    """Every Keras optimizer at its own default rate (``optimizers.DEFAULT_RATES``), then each
    at the rate its paper implies where that differs (``optimizers.PAPER_RATES``)."""
    epochs = adaptive_epochs(profile)
    article = {"adam": ARTICLE_FIXED_RATES[0][2:]}  # the article's baseline is Adam at its default
    defaults = [Scenario(f"{name} default", _experiment(name, rate, profile, epochs=epochs), *article.get(name, (None, None)))
                for name, rate in DEFAULT_RATES.items()]
    return defaults + [Scenario(f"{name} paper", _experiment(name, rate, profile, epochs=epochs))
                       for name, rate in PAPER_RATES.items()]


# The sensitivity sweep: one rate per decade from 1e-5 to 10 for every optimizer, at the decay
# grid's length (so its fixed-rate runs are shared).
SENSITIVITY_RATES = (1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0)


def sensitivity_rates(profile: str | None = None) -> tuple[float, ...]:
    """``SENSITIVITY_RATES``, or every other one outside the full profile."""
    return SENSITIVITY_RATES if _is_full(profile) else SENSITIVITY_RATES[1::2]


def sensitivity_epochs(profile: str | None = None) -> int:
    """``GRID_EPOCHS`` in the full profile; 2 elsewhere, so that the sweep fits in about a minute."""
    return _epochs_in(profile, GRID_EPOCHS if _is_full(profile) else 2)


# Outside the full profile, four optimizers keep the chapter near a minute: plain SGD, Adam (the
# article's), and the two adaptive ones that fail at their Keras defaults.
SMALL_SENSITIVITY_OPTIMIZERS = ("sgd", "adam", "adagrad", "adadelta")


def sensitivity_optimizers(profile: str | None = None) -> tuple[str, ...]:
    """Every optimizer of ``OPTIMIZERS``, or ``SMALL_SENSITIVITY_OPTIMIZERS`` outside the full profile."""
    return tuple(OPTIMIZERS) if _is_full(profile) else SMALL_SENSITIVITY_OPTIMIZERS


def adaptive_sweep(profile: str | None = None) -> list[Scenario]:
    """Every optimizer of ``sensitivity_optimizers`` at every rate of ``sensitivity_rates``,
    ``sensitivity_epochs`` epochs each."""
    epochs = sensitivity_epochs(profile)
    return [Scenario(f"{name} {rate:g}", _experiment(name, rate, profile, epochs=epochs))
            for name in sensitivity_optimizers(profile) for rate in sensitivity_rates(profile)]


# The sweep's cells on which a good band's edge hung by less than the seed-to-seed spread, when
# the bands were still read on test accuracy (``report.noisy_band_edges``; a test records how the
# list was chosen). Each is repeated with two more seeds to see whether the band's width holds.
SENSITIVITY_REPEATS = (("adam", 0.01), ("adamax", 0.001), ("adamw", 0.01), ("rmsprop", 0.01))


def adaptive_repeats(profile: str | None = None) -> list[Scenario]:
    """Each cell of ``SENSITIVITY_REPEATS`` whose optimizer the profile's sweep has, with seeds
    0, 1 and 2 (0 and 1 outside the full profile), as in ``adaptive_sweep``; seed 0 is the
    sweep's own run where the sweep has that rate."""
    epochs = sensitivity_epochs(profile)
    seeds = (0, 1, 2) if _is_full(profile) else (0, 1)
    return [Scenario(f"{name} {rate:g} seed {seed}", _experiment(name, rate, profile, epochs=epochs, seed=seed))
            for name, rate in SENSITIVITY_REPEATS if name in sensitivity_optimizers(profile) for seed in seeds]


# Range tests: SGD, Adam, and the two adaptive optimizers that fail at their Keras defaults,
# each from 1e-7 to 10 over about half an epoch (full) or one epoch (elsewhere), with five
# seeds in the full profile to see how far the suggestions move.
RANGE_TEST_OPTIMIZERS = SMALL_SENSITIVITY_OPTIMIZERS
RANGE_TEST_STEPS = {"full": 100, "small": 20}  # 192 and 20 batches make an epoch


def range_tests(profile: str | None = None) -> list[Scenario]:
    """A range test of each of ``RANGE_TEST_OPTIMIZERS``, seeds 0-4 (0-1 outside the full profile)."""
    full = _is_full(profile)
    steps = RANGE_TEST_STEPS["full" if full else "small"]
    seeds = range(5) if full else range(2)
    return [Scenario(f"{name} seed {seed}", RangeTestPlan(_experiment(name, 0.001, profile, seed=seed), steps=steps))
            for name in RANGE_TEST_OPTIMIZERS for seed in seeds]


# The range test put to the test: each optimizer of ``RANGE_TEST_OPTIMIZERS`` trained at its
# suggestion (the median over the seeds of the valley rule, to two significant digits) for the
# adaptive sweep's epochs, to compare with that sweep; those of ``SWEEP_OPTIMIZERS`` also for the
# article's 25, to compare with the rate sweep. The rates come from the stored range tests, so
# the group is empty until those are stored.
SUGGESTION_RULE = "valley"


def suggested_rates(profile: str | None = None) -> dict[str, float] | None:
    """Each range-tested optimizer's suggested rate, from the stored range tests of ``profile``;
    None while any of them is not stored."""
    suggestions: dict[str, list[float]] = {}
    for s, record in _stored_range_tests(profile):
        if record is None:
            return None
        suggestions.setdefault(s.experiment.experiment.optimizer, []).append(record.test.suggestion(SUGGESTION_RULE))
    return {name: float(f"{statistics.median(rates):.2g}") for name, rates in suggestions.items()}


def _stored_range_tests(profile: str | None) -> list[tuple[Scenario, object]]:
    """Each range test of ``profile`` with its stored record (None where it is not stored)."""
    from .results import stores
    from .training import find_stored_for_training

    return [(s, find_stored_for_training(s.experiment, stores())) for s in range_tests(profile)]


def range_suggested(profile: str | None = None) -> list[Scenario]:
    """Each optimizer at its ``suggested_rates`` rate for ``sensitivity_epochs``, then those of the
    rate sweep for 25 epochs."""
    rates = suggested_rates(profile) or {}
    short = [(name, rate, sensitivity_epochs(profile)) for name, rate in rates.items()]
    long = [(name, rate, 25) for name, rate in rates.items() if name in SWEEP_OPTIMIZERS]
    return [Scenario(f"{name} suggested {epochs} epochs", _experiment(name, rate, profile, epochs=epochs))
            for name, rate, epochs in short + long]


# --- cycles: CLR, one-cycle and the time to the article's accuracy ------------------------------
TARGET_ACCURACY = 0.9919  # the test accuracy the article reports for its 25-epoch baseline


def steps_per_epoch(profile: str | None = None) -> int:
    """Optimizer steps in one epoch of the article's setup in ``profile`` (192 in the full one),
    from the profile's sizes, so that a schedule can be fitted to a budget without the data."""
    setup = Experiment(profile=profile or default_profile())  # the article's split and batch size
    images = get_profile(setup.profile).n_train or MNIST_TRAIN_IMAGES
    return math.ceil(math.floor(images * (1 - setup.validation_split)) / setup.batch_size)


def suggested_bounds(profile: str | None = None) -> dict[str, tuple[float, float]] | None:
    """Each range-tested optimizer's cycle bounds (``RangeTest.cycle_bounds``: where the smoothed
    loss starts and stops falling), the median over the seeds to two significant digits, from
    the stored range tests of ``profile``; None while any of them is not stored."""
    bounds: dict[str, list[tuple[float, float]]] = {}
    for s, record in _stored_range_tests(profile):
        if record is None:
            return None
        bounds.setdefault(s.experiment.experiment.optimizer, []).append(record.test.cycle_bounds())
    return {name: tuple(float(f"{statistics.median(edge):.2g}") for edge in zip(*pairs))
            for name, pairs in bounds.items()}


# Cyclical rates (Smith 2017): a triangle between each optimizer's range-test bounds, half a
# cycle every CLR_STEP_EPOCHS epochs (Smith: 2 to 10 epochs' steps), three cycles, with the
# article's advice: stop when ``val_loss`` has not improved for a whole cycle and keep the best
# weights. The test set is scored after every epoch for the time to accuracy. Adam's descent
# ends at the edge of divergence, so Adam also cycles up to its valley suggestion only.
CLR_OPTIMIZERS = ("adam", "sgd")
CLR_STEP_EPOCHS = 2
CLR_CYCLES = 3
CLR_TO_SUGGESTION = "adam to its suggestion"


def clr_variants(profile: str | None = None) -> dict[str, tuple[str, float, float]]:
    """Each cyclical variant's optimizer, base rate and maximum: ``CLR_OPTIMIZERS`` between their
    ``suggested_bounds``, and ``CLR_TO_SUGGESTION``, Adam from its lower bound up to its
    ``suggested_rates`` rate. Empty until the range tests are stored."""
    bounds, rates = suggested_bounds(profile) or {}, suggested_rates(profile) or {}
    variants = {name: (name, *bounds[name]) for name in CLR_OPTIMIZERS if name in bounds}
    if "adam" in bounds:
        variants[CLR_TO_SUGGESTION] = ("adam", bounds["adam"][0], rates["adam"])
    return variants


def clr(profile: str | None = None) -> list[Scenario]:
    """Each of ``clr_variants`` on a triangular cycle, ``HEADLINE_SEEDS`` (seed 0 and half cycles
    of one epoch outside the full profile): scored every epoch, so its epochs 2 and 3 join the
    headline budgets. Empty until the range tests are stored."""
    full = _is_full(profile)
    step_epochs = CLR_STEP_EPOCHS if full else 1
    epochs = _epochs_in(profile, 2 * step_epochs * CLR_CYCLES)
    step_size = step_epochs * steps_per_epoch(profile)
    return [Scenario(f"{variant} seed {seed}",
                     _experiment(name, schedules.triangular(low, high, step_size), profile, epochs=epochs,
                                 seed=seed, early_stopping_patience=2 * step_epochs, restore_best=True,
                                 test_each_epoch=True))
            for variant, (name, low, high) in clr_variants(profile).items() for seed in (HEADLINE_SEEDS if full else (0,))]


def clr_runs_of(variant: str, scenarios_: list[Scenario]) -> list[Scenario]:
    """The scenarios of one ``clr_variants`` variant among ``scenarios_`` (the ``clr`` group)."""
    return [s for s in scenarios_ if s.name.rsplit(" seed ", 1)[0] == variant]


# One-cycle (Smith & Topin 2017): each epoch budget is a run of its own from scratch, with the
# cycle fitted to it. Adam, with its range-test suggestion as the peak (the choices group shows
# why), the warm-up fraction 0.3 and the final rate 1e4 times below the peak.
ONE_CYCLE_OPTIMIZER = "adam"
ONE_CYCLE_BUDGETS = (1, 2, 3, 4)
# The budgets the time-to-accuracy headline turns on (two or three epochs) get five seeds in the
# full profile, every strategy alike, so that "3 rather than 2" rests on a median of five.
HEADLINE_BUDGETS = (2, 3)
HEADLINE_SEEDS = (0, 1, 2, 3, 4)


def _budget_seeds(budget: int, full: bool, seeds: tuple[int, ...]) -> tuple[int, ...]:
    """``HEADLINE_SEEDS`` for a ``HEADLINE_BUDGETS`` budget in the full profile, else ``seeds``."""
    return HEADLINE_SEEDS if full and budget in HEADLINE_BUDGETS else seeds


def one_cycle_rate(peak_rate: float, epochs: int, profile: str | None = None, **options) -> schedules.Schedule:
    """``schedules.one_cycle`` from ``peak_rate``, fitted to a budget of ``epochs`` epochs."""
    epochs = validation.integer("epochs", epochs, minimum=1)
    return schedules.one_cycle(peak_rate, epochs * steps_per_epoch(profile), **options)


def _one_cycle_run(name: str, peak_rate: float, epochs: int, profile: str | None, seed: int = 0,
                   **options) -> Experiment:
    rate = one_cycle_rate(peak_rate, epochs, profile, **options)
    momentum = {}
    if name == "sgd":  # cycled against the rate, as Smith and fastai do
        momentum = {"momentum": schedules.one_cycle_momentum(rate.args["total_steps"], rate.args["warmup_fraction"],
                                                             shape=rate.args["shape"])}
    return _experiment(name, rate, profile, optimizer_options=momentum, epochs=epochs, seed=seed)


def one_cycle_choices(profile: str | None = None) -> list[Scenario]:
    """What the one-cycle recipe rests on, at a budget of 2 epochs (seed 0): Adam's peak at a
    third of, at, and three times its range-test suggestion; in the full profile also the
    warm-up fraction (0.1, 0.5), the linear shape, and SGD with cycled momentum at its own
    suggestion. Empty until the range tests are stored."""
    rates = suggested_rates(profile)
    if rates is None:
        return []
    peak = rates[ONE_CYCLE_OPTIMIZER]
    chosen = [(f"adam peak {rate:g}", "adam", rate, {}) for rate in (float(f"{peak / 3:.2g}"), peak, float(f"{peak * 3:.2g}"))]
    if _is_full(profile):
        chosen += [(f"adam warm-up {fraction}", "adam", peak, {"warmup_fraction": fraction}) for fraction in (0.1, 0.5)]
        chosen += [("adam linear", "adam", peak, {"shape": "linear"}), ("sgd momentum cycled", "sgd", rates["sgd"], {})]
    return [Scenario(label, _one_cycle_run(name, rate, 2, profile, **options)) for label, name, rate, options in chosen]


# The choice whose two-epoch run came closest to the target (seed 0 alone cannot tell it from the
# recipe: it is within the seed spread), repeated with seeds 1 and 2 at two epochs.
ONE_CYCLE_REPEATS = ("adam linear",)


def one_cycle_repeats(profile: str | None = None) -> list[Scenario]:
    """Each choice of ``ONE_CYCLE_REPEATS`` at two epochs with seeds 0-2 (seed 0 is the choices
    group's own run); full profile only, empty elsewhere and until the range tests are stored."""
    if not _is_full(profile):
        return []
    chosen = {s.name: s.experiment for s in one_cycle_choices(profile)}
    return [Scenario(f"{name} seed {seed}", dataclasses.replace(chosen[name], seed=seed))
            for name in ONE_CYCLE_REPEATS if name in chosen for seed in (0, 1, 2)]


def one_cycle_budgets(profile: str | None = None) -> list[Scenario]:
    """One-cycle (``ONE_CYCLE_OPTIMIZER`` at its suggested rate) at each of ``ONE_CYCLE_BUDGETS``,
    seeds 0-2, and 0-4 at ``HEADLINE_BUDGETS`` (budgets 1-2 and seeds 0-1 outside the full
    profile). Empty until the range tests are stored."""
    rates = suggested_rates(profile)
    if rates is None:
        return []
    full = _is_full(profile)
    budgets, seeds = (ONE_CYCLE_BUDGETS, (0, 1, 2)) if full else (ONE_CYCLE_BUDGETS[:2], (0, 1))
    return [Scenario(f"{budget} epochs seed {seed}",
                     _one_cycle_run(ONE_CYCLE_OPTIMIZER, rates[ONE_CYCLE_OPTIMIZER], budget, profile, seed))
            for budget in budgets for seed in _budget_seeds(budget, full, seeds)]


# The competitors' time to accuracy. The fixed baseline's rate does not depend on the budget, so
# its epoch-E test accuracy is that of an E-epoch run: one run per seed, scored every epoch. The
# best decay of the decay part (Adam, linear from 0.01 to a tenth) is fitted to its budget, so
# each budget is a run of its own; its 10-epoch runs are the decay grid's.
DECAY_BUDGETS = (2, 3, 5, 10)


def baseline_each_epoch(profile: str | None = None) -> list[Scenario]:
    """The article's baseline (Adam at 0.001, 25 epochs), the test set scored after every
    epoch, ``HEADLINE_SEEDS`` (seed 0 outside the full profile): its epochs 2 and 3 are the
    headline budgets."""
    seeds = HEADLINE_SEEDS if _is_full(profile) else (0,)
    return [Scenario(f"baseline seed {seed}", _experiment("adam", 0.001, profile, seed=seed, test_each_epoch=True))
            for seed in seeds]


def decay_budgets(profile: str | None = None) -> list[Scenario]:
    """Adam's linear decay from 0.01 fitted to each of ``DECAY_BUDGETS`` (2 and 3 epochs
    outside the full profile), seeds 0-2, and 0-4 at ``HEADLINE_BUDGETS`` (seed 0 outside the
    full profile)."""
    full = _is_full(profile)
    budgets, seeds = (DECAY_BUDGETS, (0, 1, 2)) if full else ((2, 3), (0,))
    return [Scenario(f"{budget} epochs seed {seed}",
                     _experiment("adam", _rate_for("linear", 0.01, budget), profile, epochs=budget, seed=seed))
            for budget in budgets for seed in _budget_seeds(budget, full, seeds)]


def time_to_accuracy_strategies(profile: str | None = None) -> dict[str, list[Scenario]]:
    """The runs that measure each strategy's time to ``TARGET_ACCURACY``, by strategy: one-cycle,
    the fixed baseline, the linear decay and each optimizer's cyclical rate."""
    clr_runs = clr(profile)
    return {"one-cycle (Adam)": one_cycle_budgets(profile), "fixed 0.001 (Adam)": baseline_each_epoch(profile),
            "linear decay from 0.01 (Adam)": decay_budgets(profile),
            **{f"cyclical ({variant})": clr_runs_of(variant, clr_runs) for variant in clr_variants(profile)}}


GROUPS = {"fixed-lr": fixed_lr, "sweep": sweep, "decay": decay, "decay-grid": decay_grid, "decay-seeds": decay_seeds,
          "adaptive-defaults": adaptive_defaults, "adaptive-sweep": adaptive_sweep, "adaptive-repeats": adaptive_repeats,
          "range-tests": range_tests, "range-suggested": range_suggested, "clr": clr,
          "one-cycle-choices": one_cycle_choices, "one-cycle-repeats": one_cycle_repeats,
          "one-cycle-budgets": one_cycle_budgets,
          "baseline-each-epoch": baseline_each_epoch, "decay-budgets": decay_budgets}


def scenarios(group: str, profile: str | None = None) -> list[Scenario]:
    """The scenarios of one group (``GROUPS``) in the given profile (default: ``$LRLIB_PROFILE``)."""
    if group not in GROUPS:
        raise ValueError(f"Argument `group` must be one of {sorted(GROUPS)}. Received: group={group!r}")
    return GROUPS[group](profile)


def groups_of(experiment: Experiment | RangeTestPlan) -> list[str]:
    """The groups (in the book's order) whose scenarios include ``experiment`` (or a plan)."""
    return [group for group in GROUPS if experiment in (s.experiment for s in scenarios(group, experiment.profile))]


def scenario(group: str, name: str, profile: str | None = None) -> Scenario:
    """One named scenario of a group."""
    found = {s.name: s for s in scenarios(group, profile)}
    if name not in found:
        raise ValueError(f"Argument `name` must be one of {sorted(found)}. Received: name={name!r}")
    return found[name]


# --- after the article (issue 28): today's optimizers and schedules ----------------------------
# Five methods published after the article, each measured as the book measures the others: a
# sensitivity sweep (its band of good rates) and its time to the article's accuracy.
# ``AFTER_METHODS`` maps the name the book shows to lrlib's optimizer name.
AFTER_METHODS = {"lion": "lion", "lamb": "lamb", "muon": "muon", "schedule-free adamw": "schedule_free_adamw",
                 "prodigy": "prodigy"}

# The sweep: fixed rates in half-decades around each method's default (Keras's, or the
# authors'), at least seven each; schedule-free AdamW also at its default, 0.0025. Prodigy has no
# rate (lrlib fixes its multiplier at 1.0): its one knob, ``d_coef``, the factor on its estimated
# step size, from a tenth to ten times the default 1.0.
AFTER_SWEEP_RATES = {
    "lion": (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2),
    "lamb": (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1),
    "muon": (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1),
    "schedule-free adamw": (1e-4, 3e-4, 1e-3, 0.0025, 3e-3, 1e-2, 3e-2, 1e-1),
}
AFTER_SWEEP_D_COEFS = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def after_sweep_settings(profile: str | None = None) -> dict[str, tuple[float, ...]]:
    """Each method's swept values (rates; Prodigy's ``d_coef``): all of them in the full profile,
    every other one elsewhere."""
    settings = {**AFTER_SWEEP_RATES, "prodigy": AFTER_SWEEP_D_COEFS}
    return settings if _is_full(profile) else {method: values[1::2] for method, values in settings.items()}


def after_sweep(profile: str | None = None) -> list[Scenario]:
    """Each of ``AFTER_METHODS`` at each of its ``after_sweep_settings``, a fixed rate (Prodigy:
    its rate 1.0 and each ``d_coef``), every other option at its default, seed 0,
    ``sensitivity_epochs`` epochs (10 in the full profile, as the adaptive sweep; 2 elsewhere).
    Scenario names: ``"<method> <rate>"``, ``"prodigy d_coef <value>"``."""
    return [_after_sweep_cell(method, value, profile)
            for method, values in after_sweep_settings(profile).items() for value in values]


def _after_sweep_cell(method: str, value: float, profile: str | None, seed: int = 0) -> Scenario:
    """One run of ``after_sweep``: ``method`` at the swept ``value``, with ``seed``."""
    optimizer, epochs = AFTER_METHODS[method], sensitivity_epochs(profile)
    if optimizer == "prodigy":
        return Scenario(f"prodigy d_coef {value:g}", _experiment(
            "prodigy", 1.0, profile, optimizer_options={"d_coef": value}, epochs=epochs, seed=seed))
    return Scenario(f"{method} {value:g}", _experiment(optimizer, value, profile, epochs=epochs, seed=seed))


# The sweep's cells on which a band edge hangs by no more than the noise: each method's
# ``report.noisy_band_edges`` on its seed-0 sweep (full profile), with the noise that its
# time-to-accuracy repeats measured. A method's cells are chosen once its sweep is stored whole
# (a test records how); each is run again with two more seeds.
AFTER_SWEEP_REPEATS = (("lion", 3e-5), ("lion", 1e-3), ("lamb", 1e-3), ("lamb", 1e-2),
                       ("muon", 3e-4), ("muon", 1e-2), ("schedule-free adamw", 1e-3), ("prodigy", 5.0))


def after_repeats(profile: str | None = None) -> list[Scenario]:
    """Each cell of ``AFTER_SWEEP_REPEATS`` (a method of ``AFTER_METHODS`` and its swept value)
    with seeds 0, 1 and 2 as in ``after_sweep``; seed 0 is the sweep's own run. Outside the full
    profile, only the cells on that profile's sparser sweep, with seeds 0 and 1. Scenario names
    as ``after_sweep``'s, followed by ``" seed <seed>"``."""
    full = _is_full(profile)
    settings = after_sweep_settings(profile)
    runs = []
    for method, value in AFTER_SWEEP_REPEATS:
        if value in settings[method]:
            for seed in (0, 1, 2) if full else (0, 1):
                cell = _after_sweep_cell(method, value, profile, seed)
                runs.append(Scenario(f"{cell.name} seed {seed}", cell.experiment))
    return runs


# Time to accuracy: each method at its default or recommended setting, each budget (in epochs) a
# run of its own with the method's schedule fitted to it. Lion, LAMB and Muon follow a WSD
# schedule (linear warm-up over the first 5 % of the steps, the peak held, a linear decay to 0
# over the last 20 %, the usual split) peaking at their rate: Keras's default 0.001 for LAMB and
# Muon (whose update Keras scales so that AdamW's rates fit it), 0.0003 for Lion (its authors:
# 3 to 10 times below AdamW's 0.001). Schedule-free AdamW keeps its fixed default 0.0025 with its
# own warm-up over the first 5 % of the steps (its authors warm up as a schedule would).
# Prodigy keeps its rate 1.0 under the cosine decay to 0 over the budget that its authors
# recommend (no warm-up, which they advise against).
AFTER_BUDGETS = (1, 2, 3)
AFTER_WARMUP_FRACTION = 0.05
AFTER_DECAY_FRACTION = 0.2
AFTER_PEAK_RATES = {"lion": 3e-4, "lamb": 1e-3, "muon": 1e-3, "schedule-free adamw": 0.0025, "prodigy": 1.0}


def after_settings() -> dict[str, float]:
    """The swept value (``report.swept_value``) each method's time-to-accuracy runs use, by
    lrlib's optimizer name: the peak of ``AFTER_PEAK_RATES``, or, for Prodigy, whose rate is a
    multiplier left at 1.0, its ``d_coef`` at the constructor's default."""
    return {optimizer: knob_default(optimizer) if optimizer in RATE_FREE_OPTIMIZERS else AFTER_PEAK_RATES[method]
            for method, optimizer in AFTER_METHODS.items()}


def wsd_rate(peak_rate: float, epochs: int, profile: str | None = None) -> schedules.Schedule:
    """``schedules.wsd`` from ``peak_rate`` fitted to a budget of ``epochs`` epochs: warm-up over
    ``AFTER_WARMUP_FRACTION`` of the steps, decay to 0 over the last ``AFTER_DECAY_FRACTION``."""
    total = validation.integer("epochs", epochs, minimum=1) * steps_per_epoch(profile)
    return schedules.wsd(peak_rate, total, warmup_steps=round(AFTER_WARMUP_FRACTION * total),
                         decay_fraction=AFTER_DECAY_FRACTION)


def after_budget_run(method: str, epochs: int, profile: str | None = None, seed: int = 0) -> Experiment:
    """The time-to-accuracy run of ``method`` (a key of ``AFTER_METHODS``) at a budget of
    ``epochs`` epochs: its setting and schedule as ``AFTER_PEAK_RATES`` and the comment above say."""
    if method not in AFTER_METHODS:
        raise ValueError(f"Argument `method` must be one of {sorted(AFTER_METHODS)}. Received: method={method!r}")
    optimizer, peak = AFTER_METHODS[method], AFTER_PEAK_RATES[method]
    total = validation.integer("epochs", epochs, minimum=1) * steps_per_epoch(profile)
    options: dict = {}
    if optimizer == "schedule_free_adamw":
        rate = peak
        options["warmup_steps"] = round(AFTER_WARMUP_FRACTION * total)
    elif optimizer == "prodigy":
        rate = schedules.cosine_decay(peak, decay_steps=total)
    else:
        rate = wsd_rate(peak, epochs, profile)
    return _experiment(optimizer, rate, profile, optimizer_options=options, epochs=epochs, seed=seed)


def after_budgets(profile: str | None = None) -> list[Scenario]:
    """Each of ``AFTER_METHODS`` at each of ``AFTER_BUDGETS`` (``after_budget_run``): seeds 0-2 at
    one epoch and ``HEADLINE_SEEDS`` (0-4) at the ``HEADLINE_BUDGETS`` 2 and 3 in the full profile;
    budgets 1 and 2, seed 0, elsewhere. Scenario names: ``"<method> <budget> epochs seed <seed>"``."""
    full = _is_full(profile)
    budgets, seeds = (AFTER_BUDGETS, (0, 1, 2)) if full else (AFTER_BUDGETS[:2], (0,))
    return [Scenario(f"{method} {budget} epochs seed {seed}", after_budget_run(method, budget, profile, seed))
            for method in AFTER_METHODS for budget in budgets for seed in _budget_seeds(budget, full, seeds)]


# What the book calls each method's time-to-accuracy runs: the method and the schedule it ran.
AFTER_LABELS = {"lion": "Lion (WSD)", "lamb": "LAMB (WSD)", "muon": "Muon (WSD)",
                "schedule-free adamw": "schedule-free AdamW", "prodigy": "Prodigy (cosine)"}


def after_time_to_accuracy(profile: str | None = None) -> dict[str, list[Scenario]]:
    """``after_budgets`` by method, under ``AFTER_LABELS``: the runs that measure each newer
    method's time to ``TARGET_ACCURACY``, as ``time_to_accuracy_strategies`` does for the others."""
    runs = after_budgets(profile)
    return {label: [s for s in runs if s.experiment.optimizer == AFTER_METHODS[method]]
            for method, label in AFTER_LABELS.items()}


GROUPS["after-sweep"] = after_sweep
GROUPS["after-budgets"] = after_budgets
GROUPS["after-repeats"] = after_repeats
