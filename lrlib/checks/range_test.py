"""Checks for the chapter on the learning-rate range test (14)."""

from __future__ import annotations

import numpy as np

from ._core import Check, Mistake, register

_CHAPTER = "14_the_range_test"
_LAG_RULES = ("steepest", "minimum/10")


def _adam_seed_0():
    """The book's stored range test of Adam with seed 0, in every profile: the quick profile's
    test of 20 batches is too short for the running mean's lag to move a suggestion."""
    from ..catalog import scenarios
    from ..report import BOOK_PROFILE
    from ..training import run_many

    tests = [s.experiment for s in scenarios("range-tests", BOOK_PROFILE)
             if s.experiment.experiment.optimizer == "adam" and s.experiment.experiment.seed == 0]
    return run_many(tests)[0].test


def _lag_in_decades(rules=_LAG_RULES, sign: float = 1.0) -> dict[str, float]:
    from .. import range_test

    test = _adam_seed_0()
    own = np.asarray(test.losses)
    running = np.cumsum(own) / np.arange(1, len(own) + 1)
    moves = {}
    for rule in rules:
        honest = range_test.suggest(test.rates, range_test.smooth(own, test.beta), rule)
        lagged = range_test.suggest(test.rates, range_test.smooth(running, test.beta), rule)
        moves[rule] = sign * float(np.log10(lagged / honest))
    return moves


def _own_test(answer) -> dict[str, float]:
    """What the answer to ex-range-own shows: the shape of its test (first rate, decades per
    batch), the valley rate it names against the test's own valley (1.0 when read right), and
    whether the weights after the test equal those before it (1.0) or not (0.0)."""
    test, before, after = answer["test"], answer["before"], answer["after"]
    rates = np.asarray(test.rates)
    restored = len(before) == len(after) and all(
        np.shape(a) == np.shape(b) and np.array_equal(a, b) for a, b in zip(before, after))
    return {"first rate": float(rates[0]), "decades per batch": float(np.log10(rates[1] / rates[0])),
            "valley read": float(answer["valley"]) / float(test.suggestion("valley")),
            "weights restored": float(restored)}


register(
    Check("ex-range-lag", _CHAPTER, "a dict of decades moved: {'steepest': ..., 'minimum/10': ...}",
          expected=_lag_in_decades, rtol=0.0, atol=0.05,
          idea="suggest on the smoothed running mean and on the smoothed own losses, then take log10 of "
               "the ratio lagged / honest: positive means the running mean moves the suggestion up.",
          mistakes=(Mistake(lambda: _lag_in_decades(sign=-1.0),
                            "the sizes are right but the signs are swapped: take log10(lagged / honest)."),)),
    Check("ex-range-own", _CHAPTER,
          "a dict {'test': the RangeTest that lrlib.range_test.range_test returned, 'valley': the rate its valley "
          "rule suggests, 'before': the model's weights before the test, 'after': its weights after it}",
          expected=lambda: {"first rate": 1e-4, "decades per batch": 6 / 59, "valley read": 1.0,
                            "weights restored": 1.0},
          prepare=_own_test, rtol=0.01,
          idea="call range_test with the exercise's start, end and number of batches (its rates are equal "
               "steps of log-rate, one fewer step than batches), read mine.suggestion('valley'), and take "
               "classifier.get_weights() before and after the test: the test restores every variable."),
)


_WORKS = "15_does_the_range_test_work"


def range_tests_run() -> list:
    """The range tests of the profile, run (or read) first: the suggested rates, the cycles'
    bounds and one-cycle's peak come from them, and a group built on them is empty until they
    are stored, so a check that reads such a group must not depend on a chapter run before it."""
    from ..catalog import scenarios
    from ..training import run_many

    return run_many([s.experiment for s in scenarios("range-tests")])


def _short_runs(group: str, optimizer: str | None = None, profile: str | None = None) -> list:
    from ..catalog import scenarios, sensitivity_epochs
    from ..training import run_many

    if group == "range-suggested" and profile is None:
        range_tests_run()
    runs = run_many([s.experiment for s in scenarios(group, profile)])
    if group == "range-suggested":
        runs = [r for r in runs if r.experiment.epochs == sensitivity_epochs(profile)]
    return [r for r in runs if optimizer in (None, r.experiment.optimizer)]


def _suggested_minus_best(name: str = "sgd", fraction: bool = False) -> float:
    """The run at ``name``'s suggested rate against the sweep's best rate, chosen on validation
    (``noise.choose``), in validation images (``noise.compare``)."""
    from ..report import noise

    swept = {}
    for run in _short_runs("adaptive-sweep", name):
        swept.setdefault(run.experiment.learning_rate, []).append(run)
    found = noise.compare(_short_runs("range-suggested", name)[0], swept[noise.choose(swept)], "val_accuracy")
    return found.difference if fraction else found.images


def _inside_the_band(rule: str) -> frozenset[str]:
    """The optimizers whose median suggestion by ``rule`` lies in their good band, from the
    book's stored range tests and sweep, in every profile: the quick sweep's rates lie two
    decades apart and no quick suggestion lands on a good one."""
    from ..report import BOOK_PROFILE, book_runs, good_band_width

    records = book_runs("range-tests")
    inside = set()
    for name in {r.plan.experiment.optimizer for r in records}:
        rate = np.median([r.test.suggestion(rule) for r in records if r.plan.experiment.optimizer == name])
        band = good_band_width(_short_runs("adaptive-sweep", name, BOOK_PROFILE))
        if band["band from"] <= rate <= band["band to"]:
            inside.add(name)
    return frozenset(inside)


register(
    Check("ex-suggested-images", _WORKS,
          "one whole number of validation images, positive when the suggested run is better",
          expected=_suggested_minus_best, rtol=0.0, atol=0.5,
          idea="report.noise.choose picks the sweep's best rate on validation accuracy; "
               "report.noise.compare(suggested run, best run, 'val_accuracy').images is suggested minus best, "
               "in validation images.",
          mistakes=(Mistake(lambda: -_suggested_minus_best(), "the size is right, the sign is not: suggested minus best."),
                    Mistake(lambda: _suggested_minus_best(fraction=True),
                            "that is a fraction of the validation set; turn it into images."))),
    Check("ex-suggested-steepest", _WORKS, "a set of optimizer names",
          expected=lambda: _inside_the_band("steepest"),
          idea="for each optimizer: np.median of record.test.suggestion('steepest') over its tests, then "
               "band from <= that <= band to.",
          mistakes=(Mistake(lambda: _inside_the_band("valley"), "those are the valley rule's; use 'steepest'."),)),
)
