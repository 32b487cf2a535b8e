import numpy as np

from check_helpers import assert_hint, assert_right
from lrlib import checks, report, run_many, scenarios, schedules


def test_the_third_peak_of_triangular2_and_the_usual_slips():
    rate = float(schedules.triangular2(0.001, 0.08, 384).values(5 * 384))
    assert rate == np.float32(0.001 + 0.079 / 4)
    assert_right(checks.clr_third_peak, rate)
    assert_hint(checks.clr_third_peak, 0.08, "never shrinks")
    assert_hint(checks.clr_third_peak, 0.001 + 0.079 / 8, "halved twice")


def test_where_the_clr_runs_kept_their_weights(book_results):
    table = report.clr_runs_table(run_many([s.experiment for s in scenarios("clr")]))
    lower = int((table["cycle position"] < 0.25).sum())
    assert_right(checks.clr_lower_quarter, lower)
    if lower != len(table) - lower:
        assert_hint(checks.clr_lower_quarter, len(table) - lower, "the rest of the cycle")


def test_fastais_one_cycle_and_its_neighbours():
    assert_right(checks.one_cycle_fastai, schedules.one_cycle(0.0093, 576, warmup_fraction=0.25, final_divisor=1e5))
    assert_hint(checks.one_cycle_fastai, schedules.one_cycle(0.0093, 576, warmup_fraction=0.3, final_divisor=2.5e5),
                "PyTorch")
    assert_hint(checks.one_cycle_fastai, schedules.one_cycle(0.0093, 3, warmup_fraction=0.25, final_divisor=1e5),
                "optimizer steps")
    assert_hint(checks.one_cycle_fastai, schedules.one_cycle(0.0093, 576), "lrlib's defaults")
    assert "Not yet" in repr(checks.one_cycle_fastai("0.0093"))  # not a schedule: feedback, not a crash


def test_a_list_of_rates_for_fastais_cycle_is_a_form_error_not_an_attribute_error():
    rates = list(schedules.one_cycle(0.0093, 576, warmup_fraction=0.25, final_divisor=1e5).values(np.arange(576)))
    feedback = repr(checks.one_cycle_fastai(rates))
    assert "should be a one-cycle Schedule from lrlib.schedules, but it is a list of 576" in feedback, feedback
    assert "Error" not in feedback and "try" not in feedback  # the form is taught at once, no try used up


def test_a_whole_number_form_refuses_a_fraction(book_results):
    feedback = repr(checks.summary_search_epochs(10.5))
    assert "should be one whole number of epochs, but it is the number 10.5, which is not a whole number" in feedback
    assert "try" not in feedback
    assert "which is not a whole number" not in repr(checks.summary_search_epochs(9.0))  # 9.0 is a whole number


def test_one_cycle_against_the_baseline_at_two_epochs_in_validation_images(book_results):
    from lrlib.catalog import TARGET_ACCURACY

    strategies = {"one-cycle": run_many([s.experiment for s in scenarios("one-cycle-budgets")]),
                  "baseline": run_many([s.experiment for s in scenarios("baseline-each-epoch")])}
    table = report.budget_table(strategies, TARGET_ACCURACY).set_index(["strategy", "epochs"])["median"]
    lead = table[("one-cycle", 2)] - table[("baseline", 2)]
    images = round(lead * report.noise.evaluated_images(strategies["one-cycle"][0], "val_accuracy"))
    assert_right(checks.one_cycle_images, images)
    assert_hint(checks.one_cycle_images, -images, "sign is not")
    assert_hint(checks.one_cycle_images, round(lead * report.test_images(strategies["one-cycle"][0])), "test set's size")


def test_the_summary_checks_read_the_strategies(book_results):
    from lrlib import catalog
    from lrlib.strategies import book_strategies

    medians = {s.name: report.noise.median_score(run_many([x.experiment for x in s.runs]), "val_accuracy")
               for s in book_strategies()}  # the summary ranks on validation data
    assert_right(checks.summary_best, max(medians, key=medians.get))
    assert_hint(checks.summary_best, min(medians, key=medians.get), "lowest median")
    epochs = sum(catalog.ONE_CYCLE_BUDGETS)
    assert_right(checks.summary_search_epochs, epochs)
    assert_hint(checks.summary_search_epochs, 3 * epochs, "three seeds")
