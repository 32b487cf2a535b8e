"""Every exercise has a meaningful answer in each profile a learner can be in.

A check's right answer is computed by lrlib from the runs of the profile the notebook runs in
(quick under ``make lab``, the grader and CI; full in Colab and the published book). Where that
profile is too small for what an exercise asks, the answer degenerates into one that teaches
nothing: an empty set (no optimizer reaches 99 %), a share of 1 (every run was wasted), an early
stop at the profile's last epoch (nothing stopped), zeros (nothing moved), or an answer that one
of the check's own known mistakes gives too. Each check's answer, in quick and in full, is held
against those degenerate answers.

The quick profile trains its runs once, into one folder for the whole module, in the book's
order (a later chapter reuses the runs of an earlier one, as a learner's session does); the full
profile reads the book's stored results and trains nothing.
"""

import dataclasses
import math
from dataclasses import dataclass
from numbers import Real
from pathlib import Path

import numpy as np
import pytest

from lrlib import PROFILES, catalog, checks, scenarios

LEARNER_PROFILES = ("quick", "full")
BOOK_RESULTS = Path(__file__).resolve().parents[1] / "lrlib" / "results"


@dataclass(frozen=True)
class Answers:
    """One profile's expected answer of every check (or the error computing it raised), and for
    each check what is wrong with its known mistakes there: one that passes the check too, or
    whose answer cannot be computed (its hint would crash the check)."""

    profile: str
    expected: dict
    mistaken: dict


def _in_book_order():
    # Sorted by chapter, the registration order kept within one: a learner's session order.
    return sorted(checks.all_checks().values(), key=lambda check: check.chapter)


def _compute(profile: str) -> Answers:
    expected, mistaken = {}, {}
    for check in _in_book_order():
        try:
            expected[check.exercise] = check.expected()
        except Exception as error:  # reported by the test of that check, not as a crash of all
            expected[check.exercise] = error
            continue
        mistaken[check.exercise] = [problem for i, mistake in enumerate(check.mistakes)
                                    if (problem := _mistake_problem(check, i, mistake))]
    checks.reset()
    return Answers(profile, expected, mistaken)


def _mistake_problem(check, i, mistake):
    # A mistake's answer is given as the check compares it, after ``prepare`` (a list of rates for a
    # function of the epoch, say): compare it with a copy of the check that takes it as it is.
    try:
        passes = dataclasses.replace(check, prepare=lambda answer: answer)(mistake.answer()).passed
    except Exception as error:
        return f"mistake {i} raised {type(error).__name__}: {error}"
    return f"mistake {i} passes too: {mistake.hint!r}" if passes else None


@pytest.fixture(scope="module", params=LEARNER_PROFILES)
def answers(request, tmp_path_factory):
    """Every check's expected answer in one profile, computed once per module."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LRLIB_PROFILE", request.param)
        if request.param == "full":  # as `make book` reads them: the book's results only, nothing trains
            patch.setenv("LRLIB_STORED_ONLY", "1")
            patch.setenv("LRLIB_RESULTS_DIR", str(BOOK_RESULTS))
        else:
            patch.delenv("LRLIB_STORED_ONLY", raising=False)
            patch.setenv("LRLIB_RESULTS_DIR", str(tmp_path_factory.mktemp(f"{request.param}-results")))
        return _compute(request.param)


# --- the degenerate answers ---------------------------------------------------------------------

def _leaves(answer):
    """The scalar values inside an answer (a dict's values, a list's items, the answer itself)."""
    if isinstance(answer, dict):
        return [leaf for value in answer.values() for leaf in _leaves(value)]
    if isinstance(answer, (list, tuple, np.ndarray)):
        return [leaf for value in np.asarray(answer, dtype=object).ravel() for leaf in _leaves(value)]
    return [answer]


def _numbers(answer):
    return [float(leaf) for leaf in _leaves(answer) if isinstance(leaf, (Real, np.number)) and not isinstance(leaf, bool)]


def missing(answer, _profile):
    # None, NaN or infinity: nothing a learner can type matches it, or the check compares nothing.
    if any(leaf is None for leaf in _leaves(answer)):
        return "holds None"
    if any(not math.isfinite(number) for number in _numbers(answer)):
        return "holds a value that is not a finite number"
    return None


def empty(answer, _profile):
    # An empty set, list, dict or text: "which optimizers reach 99 %?" answered by none of them.
    if isinstance(answer, (str, dict, set, frozenset, list, tuple, np.ndarray)) and len(answer) == 0:
        return "is empty"
    return None


def all_zero(answer, _profile):
    # Every number 0: a width, a move, a lead or a gap of nothing; the effect asked about did not happen.
    numbers = _numbers(answer)
    if numbers and all(number == 0 for number in numbers):
        return "is all zeros"
    return None


GENERAL = (missing, empty, all_zero)


def share_at_an_end(answer, _profile):
    # A share of 0 or 1: every run, or none, on one side of the line; nothing was told apart.
    return f"is a share of {answer}" if answer in (0, 1) else None


def all_equal(answer, _profile):
    # A comparison whose values are all the same: nothing to tell apart (which optimizer leaves more room?).
    numbers = _numbers(answer)
    return "compares values that are all equal" if len(numbers) > 1 and len(set(numbers)) == 1 else None


def at_an_epoch_cap(answer, profile):
    # An epoch equal to the profile's cap on the article's 25 epochs (5 in quick) or to the 25 themselves:
    # training ran out before the event asked about (an early stop) happened.
    caps = {PROFILES[profile].epochs(25), 25}
    hits = sorted({int(number) for number in _numbers(answer) if number in caps})
    return f"is an epoch at the cap of the runs ({hits})" if hits else None


def everything_of(candidates):
    """A set holding every candidate: the criterion (tied, changed, inside the band) separates nothing."""
    def everything(answer, profile):
        # The profile's candidates, and the book's: an exercise may read the book's runs in any profile.
        universes = [set(candidates(p)) for p in dict.fromkeys((profile, "full"))]
        return f"holds every candidate ({sorted(answer)})" if set(answer) in universes else None
    everything.__name__ = "everything"
    return everything


def _sweep_names(profile):
    return [s.name for s in scenarios("sweep", profile)]


def _default_optimizers(profile):
    return [s.name.split()[0] for s in scenarios("adaptive-defaults", profile) if s.name.endswith(" default")]


def _clr_runs(profile):
    return len(scenarios("clr", profile))


def _not_every_run(answer, profile):
    # As a share of 1: every cyclical run kept its weights where the rate is small, a cut that counts all.
    return f"counts every run ({answer})" if answer == _clr_runs(profile) else None


# The degenerate answers of each kind of exercise, beyond the general ones. Every check is listed,
# so a new exercise is classified here before it is tested.
SPECIFIC = {
    "ex-intro-parameters": (), "ex-intro-outcome": (),
    "ex-primer-stable-rate": (), "ex-primer-first-steps": (all_equal,), "ex-deciding-sampling": (), "ex-deciding-verdict": (),
    "ex-baseline-gaps": (), "ex-baseline-early-stopping": (at_an_epoch_cap,),
    "ex-large-blind-loss": (), "ex-large-adam-epsilon": (),
    "ex-small-budget": (), "ex-small-straight-line": (),
    "ex-waste-band-width": (all_equal,), "ex-waste-tied": (everything_of(_sweep_names),),
    "ex-waste-time": (share_at_an_end,),
    "ex-decay-constants": (), "ex-decay-step-fix": (), "ex-decay-above-half": (),
    "ex-decay-final-fractions": (),  # the fixed rate's fraction is 1 by definition, not a share
    "ex-decay-sgd-images": (all_equal,), "ex-decay-good-rates": (), "ex-decay-sgd-edge": (),
    # At the article's rate every scheme ties with the best under the noise rule: that is the
    # lesson (a decay has nothing to win there), so "every scheme" is not a degenerate answer.
    "ex-schemes-ties": (),
    "ex-schemes-seed-leads": (), "ex-schemes-tie-slider": (),
    "ex-article-time-fix": (), "ex-article-per-step": (),
    "ex-adaptive-stable-rate": (),
    "ex-adaptive-adam-first-step": (),  # equal moves in x and y are the lesson: Adam's first step is the rate
    "ex-adaptive-adagrad": (),
    "ex-defaults-images": (), "ex-defaults-fastest": (everything_of(_default_optimizers),),
    "ex-sensitivity-tolerance": (everything_of(lambda profile: catalog.sensitivity_optimizers(profile)),),
    "ex-sensitivity-finer": (),
    "ex-range-lag": (), "ex-range-own": (),
    "ex-suggested-images": (), "ex-suggested-steepest": (everything_of(lambda _: catalog.RANGE_TEST_OPTIMIZERS),),
    "ex-clr-third-peak": (), "ex-clr-lower-quarter": (_not_every_run,),
    "ex-one-cycle-fastai": (), "ex-one-cycle-images": (),
    "ex-summary-best": (), "ex-summary-search-epochs": (),
    "ex-after-sf-z": (), "ex-after-prodigy-coef": (), "ex-after-wsd-stable": (),
    "ex-after-from-target": (), "ex-after-tied-at-two": (everything_of(lambda _: catalog.AFTER_LABELS.values()),),
    "ex-after-own-setting": (everything_of(lambda _: catalog.after_settings()),),
}


def test_every_check_is_classified():
    assert set(SPECIFIC) == set(checks.all_checks())


@pytest.mark.parametrize("exercise", [check.exercise for check in _in_book_order()])
def test_the_expected_answer_is_not_degenerate(answers, exercise):
    answer = answers.expected[exercise]
    where = f"{exercise} in the {answers.profile} profile"
    if isinstance(answer, Exception):
        pytest.fail(f"{where}: computing the answer raised {type(answer).__name__}: {answer}")
    if isinstance(answer, np.ndarray):
        answer = answer.tolist()
    problems = [f"{predicate.__name__}: {problem}" for predicate in (*GENERAL, *SPECIFIC.get(exercise, ()))
                if (problem := predicate(answer, answers.profile))]
    # A known mistake that passes too: its hint can never show, and the exercise cannot tell the idea
    # from the slip (the best run alone is "tied with the best" when nothing ties with it).
    problems += answers.mistaken[exercise]
    assert not problems, f"{where}: the answer {answer!r} " + "; ".join(problems)


def test_the_predicates_catch_the_answers_that_degenerated_before():
    # The answers the quick profile gave before the exercises read the book's runs where it is too small.
    assert empty(frozenset(), "quick") and all_zero({"adam": 0.0, "sgd": 0.0}, "quick")
    assert share_at_an_end(1.0, "quick") and at_an_epoch_cap({"stops after epoch": 5, "weights from epoch": 5}, "quick")
    assert all_equal({"adam": 0.7, "sgd": 0.7}, "full") and missing([1.0, float("nan")], "full")
    assert not at_an_epoch_cap({"stops after epoch": 11, "weights from epoch": 8}, "full")
    assert not all_zero(0.02, "quick") and not all_equal([0.05], "quick")
