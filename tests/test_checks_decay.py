"""The checks of chapters 06 to 08 (lrlib.checks.decay) against their solutions, the article's
buggy code and common wrong answers, and the report functions those chapters glue from."""

import math

import numpy as np
import pytest

from lrlib import Experiment, article_code, checks, report, run_many, scenarios
from lrlib.catalog import DECAY_SCHEMES, DECAY_START, decay_schedule, grid_rates

from test_plots_report_widgets import grid_of, with_val_accuracy  # noqa: E402
from test_results import make_result  # noqa: E402
from check_helpers import assert_hint, assert_right  # noqa: E402




def the_runs(group):
    chosen = scenarios(group)
    return {s.name: r for s, r in zip(chosen, run_many([s.experiment for s in chosen]))}


# --- chapter 06 ------------------------------------------------------------------------------------

def test_decay_constants_solution_and_mistakes():
    check = checks.decay_constants
    assert_right(check, {"time": 9 / 24, "exponential": math.log(10) / 24})
    assert_right(check, {"time": 0.375, "exponential": 0.0959})  # rounded as a student would
    assert_hint(check, {"time": 9 / 25, "exponential": math.log(10) / 25}, "the last of 25 epochs is epoch 24")
    assert_hint(check, {"time": 10 / 24, "exponential": math.log(10) / 24}, "1 + k * 24 = 10, not k * 24 = 10")
    assert_hint(check, {"time": 9 / 24, "exponential": 1 / 24}, "use the natural logarithm")
    assert_hint(check, {"time": 0.375}, "without the key 'exponential'")
    checks.reset()  # a plain wrong value: the first try says how much is off, not where
    assert_hint(check, {"time": 0.375, "exponential": 0.5}, "1 of 2 values are off")


def my_step_decay(epoch):
    return 0.01 * 0.5 ** math.floor(epoch / 8)


def test_decay_step_fix_solution_matches_lrlib_and_the_article_fails():
    check = checks.decay_step_fix
    assert_right(check, my_step_decay)
    schedule = decay_schedule("step", 0.01, 25).with_steps_per_epoch(1)
    assert_right(check, lambda epoch: float(schedule.values(epoch)))
    assert_hint(check, lambda epoch: article_code.step_decay(epoch, 0.01, 0.5, 8), "drops at epoch 7, one epoch early")
    assert_hint(check, lambda epoch: article_code.step_decay(epoch, 0.01), "a drop every 15")
    assert_hint(check, lambda epoch: 0.01 * 0.5 ** (epoch / 8), "round the number of drops down with floor")
    assert_hint(check, lambda epoch: 1 / 0, "an error (ZeroDivisionError")
    assert_hint(check, 0.01, "a Python function of the epoch")


def test_decay_above_half_solution_and_mistakes():
    check = checks.decay_above_half
    counts = {}
    for scheme in DECAY_SCHEMES:
        rates = decay_schedule(scheme, 0.01, 25).with_steps_per_epoch(1).values(np.arange(25))
        counts[scheme] = int((rates > 0.005).sum())
    assert counts == {"linear": 14, "step": 8, "time": 3, "exponential": 8}  # by hand from the formulas
    assert_right(check, counts)
    assert_hint(check, {**counts, "step": 16}, "leaves those epochs out")
    assert_hint(check, {scheme: n - 1 for scheme, n in counts.items()}, "the number of epochs is one more")
    checks.reset()
    assert_hint(check, {**counts, "time": 8}, "1 of 4 values are off")


# --- chapter 07 ------------------------------------------------------------------------------------

def test_decay_final_fractions_read_from_the_stored_runs(book_results):
    check = checks.decay_final_fractions
    runs = the_runs("decay")
    answer = {name.split()[1]: r.history["learning_rate"][-1] / DECAY_START["adam"]
              for name, r in runs.items() if name.startswith("adam ")}
    assert answer["step"] == pytest.approx(1 / 8) and answer["time"] == pytest.approx(1 / 10)
    assert_right(check, answer)
    assert_right(check, {"fixed": 1, "linear": 0.1, "step": 0.125, "time": 0.1, "exponential": 0.1})
    assert_hint(check, {"fixed": 1, "linear": 0.1, "step": 0.1, "time": 0.1, "exponential": 0.1},
                "not every scheme is fitted to end at a tenth")
    assert_hint(check, {scheme: value * 0.01 for scheme, value in answer.items()}, "those are the rates themselves")
    checks.reset()
    assert_hint(check, {**answer, "step": 0.25}, "1 of 5 values are off")


def test_decay_sgd_images_read_from_the_stored_runs(book_results):
    check = checks.decay_sgd_images
    runs = {name.split()[1]: r for name, r in the_runs("decay").items() if name.startswith("sgd ")}
    answer = {scheme: round((report.noise.score(r) - report.noise.score(runs["fixed"])) * 12_000)
              for scheme, r in runs.items() if scheme != "fixed"}
    assert answer == {"linear": 26, "step": 21, "time": -2, "exponential": 16}  # of 12,000 validation images
    assert_right(check, answer)
    assert_hint(check, {scheme: n / 12_000 for scheme, n in answer.items()}, "multiply by the number of validation")
    on_test = {scheme: round((r.test_accuracy - runs["fixed"].test_accuracy) * 10_000)
               for scheme, r in runs.items() if scheme != "fixed"}
    assert on_test == {"linear": 6, "step": 3, "time": -24, "exponential": -7}
    assert_hint(check, on_test, "those are test images")
    assert_hint(check, {scheme: -n for scheme, n in answer.items()}, "the signs are swapped")
    checks.reset()
    assert_hint(check, {**answer, "time": -24}, "1 of 4 values are off")


# --- chapter 08 ------------------------------------------------------------------------------------

def test_decay_good_rates_read_with_grid_table(book_results):
    check = checks.decay_good_rates
    results = run_many([s.experiment for s in scenarios("decay-grid")])
    table = report.grid_table(results, tolerance=0.005)
    adam = table[(table["optimizer"] == "adam") & table["good"]]
    rates = {scheme: sorted(adam.loc[adam["scheme"] == scheme, "initial rate"]) for scheme in ("fixed", *DECAY_SCHEMES)}
    assert all(found == [0.001, 0.01] for found in rates.values())  # on validation the fixed 0.01 is in, by 1 image
    answer = {scheme: math.log10(found[-1] / found[0]) for scheme, found in rates.items()}
    assert answer == pytest.approx({scheme: 1.0 for scheme in answer})
    assert_right(check, answer)
    assert_hint(check, {scheme: 2 for scheme in answer}, "those look like counts of good rates")
    checks.reset()
    assert_hint(check, {**answer, "fixed": 0}, "1 of 5 values are off")


def test_decay_sgd_edge_margins_per_seed(book_results):
    check = checks.decay_sgd_edge
    rate = grid_rates()["sgd"][-2]
    assert rate == 0.1
    grid = run_many([s.experiment for s in scenarios("decay-grid")])
    repeats = run_many([s.experiment for s in scenarios("decay-seeds") if s.name.startswith("sgd ")])
    margins = report.band_margins(grid, repeats, "sgd", rate, "exponential")
    answer = list(margins["margin in images"])
    assert answer == [0, 14, -8] and list(margins["good"]) == [True, True, False]  # seed 0 sits on the cutoff
    assert margins.attrs["images"] == 12_000
    assert_right(check, answer)
    assert_hint(check, list(margins["margin"]), "turn them into validation images")
    assert_hint(check, [-n for n in answer], "the signs are swapped")
    fixed = list(report.band_margins(grid, repeats, "sgd", rate)["margin in images"])
    assert_hint(check, fixed, "pass scheme='exponential'")
    assert_hint(check, [0, 14], "a list of validation-image counts, one per seed")
    checks.reset()
    assert_hint(check, [0, 14, -1], "1 of 3 values are off")


def test_the_adam_fixed_rate_at_001_sits_on_the_band_edge_within_the_noise(book_results):
    # The numbers behind chapter 08's "whether decay widens Adam's band is up to the seed".
    grid = run_many([s.experiment for s in scenarios("decay-grid")])
    repeats = run_many([s.experiment for s in scenarios("decay-seeds") if s.name.startswith("adam ")])
    margins = report.band_margins(grid, repeats, "adam", 0.01)
    assert list(margins["margin in images"]) == [1, -9, 5]  # validation images: both sides of the cutoff
    assert margins.attrs["cutoff"] == pytest.approx(0.99242 - 0.005, abs=1e-5)
    assert margins.attrs["noise in images"] > 9  # every margin is within the noise: undecided
    with pytest.raises(ValueError, match="the test set only reports"):
        report.band_margins(grid, repeats, "adam", 0.01, metric="test_accuracy")


def test_each_chapter_has_its_checks_in_order():
    assert [c.name for c in checks.checks_of("06_what_decay_is")] == [
        "decay_constants", "decay_step_fix", "decay_above_half"]
    assert [c.name for c in checks.checks_of("07_training_with_decay")] == [
        "decay_final_fractions", "decay_sgd_images"]
    assert [c.name for c in checks.checks_of("08_initial_rate_still_fixed")] == [
        "decay_good_rates", "decay_sgd_edge"]


# --- the report functions the chapters glue from ------------------------------------------------------

def test_band_margins_measure_each_seed_from_the_grids_cutoff_on_validation():
    grid = grid_of({("adam", "fixed", 1e-3): 0.990, ("adam", "step", 1e-2): 0.992,
                    ("adam", "fixed", 1e-2): 0.986, ("sgd", "fixed", 1e-1): 0.999},
                   test_offset={("adam", "fixed", 1e-2): 0.01})  # on test the fixed 0.01 would be good
    repeats = [with_val_accuracy(make_result(Experiment("adam", 1e-2, seed=seed, profile="tiny")), accuracy)
               for seed, accuracy in ((1, 0.9885), (2, 0.980))]
    margins = report.band_margins(grid, repeats + grid, "adam", 1e-2)  # runs given twice count once
    assert margins.attrs["cutoff"] == pytest.approx(0.987)  # Adam's best 0.992 - 0.005; SGD's best plays no part
    assert list(margins.index) == [0, 1, 2]
    assert list(margins["margin"]) == pytest.approx([-0.001, 0.0015, -0.007])
    assert list(margins["good"]) == [False, True, False]
    assert margins.attrs["images"] == 120  # the tiny profile's validation split: 600 x 0.2
    assert list(margins["margin in images"]) == [0, 0, -1]
    assert margins.attrs["noise in images"] >= 0
    assert list(report.band_margins(grid, [], "adam", 1e-2, "step")["good"]) == [True]
    with pytest.raises(ValueError, match="optimizer='rmsprop'"):
        report.band_margins(grid, [], "rmsprop", 1e-2)
    with pytest.raises(ValueError, match="rate=0.5"):
        report.band_margins(grid, [], "adam", 0.5)
