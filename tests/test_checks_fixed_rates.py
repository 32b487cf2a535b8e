"""The checks of chapters 01 to 05 (lrlib.checks.fixed_rates) against their solutions and common
wrong answers, and the report functions those chapters glue from."""

import dataclasses
import math

import keras
import numpy as np
import pytest

from lrlib import Experiment, checks, report, run, run_many, scenario, scenarios
from lrlib.catalog import Scenario

from test_results import make_result  # noqa: E402
from check_helpers import assert_hint, assert_right  # noqa: E402




def with_history(result, **history):
    return dataclasses.replace(result, history={**result.history, **history})


# --- report: the functions the fixed-rate chapters glue from -----------------------------------

def test_class_shares_of_digits_and_of_one_hot_rows():
    digits = np.array([1, 1, 2, 9])
    np.testing.assert_allclose(report.class_shares(digits), [0, 0.5, 0.25, 0, 0, 0, 0, 0, 0, 0.25])
    np.testing.assert_allclose(report.class_shares(np.eye(10)[digits]), report.class_shares(digits))
    with pytest.raises(ValueError, match="at least one label"):
        report.class_shares([])


def test_answered_digit_is_the_one_digit_whose_share_is_the_accuracy():
    labels = np.array([0] * 5 + [1] * 3 + [2] * 2)  # shares 0.5, 0.3, 0.2
    assert report.answered_digit(0.3, labels) == 1
    assert report.answered_digit(0.3 + 0.04, labels) == 1  # within half an image (0.05)
    assert report.answered_digit(0.36, labels) is None  # no digit's share
    assert report.answered_digit(0.0, labels) is None  # digits 3 to 9 all have share 0: ambiguous


def test_early_stopping_matches_keras():
    losses = [0.9, 0.5, 0.6, 0.4, 0.45, 0.41, 0.4, 0.3, 0.5]
    for patience in (0, 1, 2, 3, 10):
        callback = keras.callbacks.EarlyStopping(patience=patience, restore_best_weights=True)
        model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
        callback.set_model(model)
        model.stop_training = False
        callback.on_train_begin()
        last = len(losses)
        for epoch, loss in enumerate(losses):
            model.layers[0].bias.assign([float(epoch)])  # the weights remember their epoch
            callback.on_epoch_end(epoch, {"val_loss": loss})
            if model.stop_training:
                last = epoch + 1
                break
        callback.on_train_end()
        restored = int(model.layers[0].bias.numpy()[0]) + 1
        assert report.early_stopping(losses, patience) == {"stops after epoch": last, "weights from epoch": restored}
    assert report.early_stopping(losses, 3) == {"stops after epoch": 7, "weights from epoch": 4}  # 0.4 ties: no gain


def test_extrapolated_epoch_recovers_a_power_law_and_a_line():
    epochs = np.arange(1, 11)
    power = make_result(loss=tuple(2.0 * epochs ** -0.5))
    power = with_history(power, val_loss=list(2.0 * epochs ** -0.5))
    assert report.extrapolated_epoch(power, 2.0 * 100 ** -0.5) == pytest.approx(100)
    line = with_history(power, val_loss=list(3.0 - 0.1 * epochs))
    assert report.extrapolated_epoch(line, 0.5, law="line") == pytest.approx(25)
    assert report.extrapolated_epoch(line, 2.5, law="line") == 10  # already there: the last epoch
    flat = with_history(power, val_loss=[1.0] * 10)
    assert report.extrapolated_epoch(flat, 0.5) == math.inf
    with pytest.raises(ValueError, match="law"):
        report.extrapolated_epoch(power, 0.1, law="cubic")
    with pytest.raises(ValueError, match="at least 3 epochs"):
        report.extrapolated_epoch(with_history(power, val_loss=[1.0, 0.9]), 0.1)


def test_gaps_in_images_and_time_share_below():
    ours = [dataclasses.replace(make_result(), test_accuracy=a, wall_time_s=t) for a, t in ((0.70, 1.0), (0.99, 3.0))]
    plans = [Scenario("a", ours[0].experiment, 1.0, 0.72), Scenario("b", ours[1].experiment, 1.0, 0.98),
             Scenario("c", ours[1].experiment)]
    assert report.gaps_in_images(plans[:2], ours) == [4, 2]  # the tiny profile tests on 200 images
    assert report.gaps_in_images(plans[1:], ours[::-1]) == [2]  # a scenario without the article's figure is skipped
    assert report.time_share_below(ours, 0.98) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="at least one run"):
        report.time_share_below([], 0.98)


def test_the_stored_run_at_half_answers_one_digit_and_not_the_best_constant_guess(book_results):
    too_large = run(scenario("fixed-lr", "too large").experiment)
    guess = report.best_constant_guess(too_large.experiment)
    assert guess["digit"] == 1 and guess["test accuracy"] == pytest.approx(0.1135)
    assert guess["loss"] == pytest.approx(2.3010, abs=1e-4)
    assert report.answered_digit(too_large.test_accuracy, report.split_labels(too_large.experiment)["test"]) == 6
    assert report.answered_digits(too_large)[:3] == [1, 8, 6] and set(report.answered_digits(too_large)[2:]) == {6}
    assert set(report.answered_digits(run(Experiment("adam", 1.0)))) == {6, 1}


def test_tie_band_keeps_the_unbroken_run_of_tied_rates():
    def at(rate, accuracy, optimizer="adam"):
        result = make_result(Experiment(optimizer, rate, profile="full"), loss=(2.0, 1.0, 0.5))
        return with_history(result, val_accuracy=[0.5, 0.6, accuracy])

    runs = [at(1e-4, 0.90), at(1e-3, 0.985), at(1e-2, 0.99), at(1e-1, 0.989), at(1.0, 0.5), at(10.0, 0.988)]
    band = report.tie_band(runs)  # seed noise: the widest stored range for Adam on validation
    assert band["best rate"] == 0.01 and (band["band from"], band["band to"]) == (1e-3, 0.1)
    assert band["width"] == pytest.approx(2.0) and band["tied"] == [1e-3, 1e-2, 1e-1, 10.0]  # 10 is cut off
    with pytest.raises(ValueError, match="one optimizer"):
        report.tie_band(runs + [at(0.1, 0.99, "sgd")])
    with pytest.raises(ValueError, match="validation metric"):
        report.tie_band(runs, "test_accuracy")
    with pytest.raises(ValueError, match="runs"):
        report.tie_band([])


def test_tie_band_on_the_stored_sweep(book_results):
    sweep = report.book_runs("sweep")
    adam = report.tie_band([r for r in sweep if r.experiment.optimizer == "adam"])
    sgd = report.tie_band([r for r in sweep if r.experiment.optimizer == "sgd"])
    assert (adam["band from"], adam["band to"], sgd["band from"], sgd["band to"]) == (1e-4, 1e-2, 0.1, 0.5)


def test_versus_article_counts_images_against_the_margin():
    from lrlib.report import noise

    ours = dataclasses.replace(make_result(Experiment("adam", 0.001, profile="full")), test_accuracy=0.9916)
    found = report.versus_article(ours, 0.9919)
    assert found["difference in images"] == -3 and found["verdict"] == "tie"
    seed = noise.seed_noise_for("adam")
    assert found["margin in images"] == round(max(seed, noise.difference_sampling_error(0.9916, 0.9919, 10_000)) * 10_000)
    far = report.versus_article(dataclasses.replace(ours, test_accuracy=0.9437), 0.9514)
    assert far["difference in images"] == -77 and far["verdict"] == "apart"


# --- chapter 01 and the pages before chapter 2 ---------------------------------------------------

def test_primer_stable_rate_solution_and_mistakes():
    check = checks.primer_stable_rate
    assert abs(report.descent_path(0.49, curvature=4.0, steps=200)[-1]) < 1e-3
    assert abs(report.descent_path(0.51, curvature=4.0, steps=200)[-1]) > 1
    assert_right(check, 0.5)
    assert_hint(check, 2.0, "curvature of 1")
    assert_hint(check, 0.25, "one step")
    checks.reset()
    assert_hint(check, 0.4, "the value is off")


def test_primer_first_steps_solution_and_mistakes():
    check = checks.primer_first_steps
    # SGD moves by the rate times the gradient (0.1 * 4); Adam's first step is about the rate.
    assert_right(check, {"sgd": 0.4, "adam": 0.1})
    assert_hint(check, {"sgd": 0.1, "adam": 0.4}, "swapped")
    checks.reset()
    assert_hint(check, {"sgd": 0.4, "adam": 0.4}, "off")


def test_deciding_sampling_solution_and_mistakes():
    check = checks.deciding_sampling
    error = 1.96 * math.sqrt(0.96 * 0.04 / 2000 + 0.95 * 0.05 / 2000)
    assert_right(check, round(error * 2000))
    assert_hint(check, round(1.96 * math.sqrt(0.96 * 0.04 / 2000) * 2000), "error of one accuracy")
    assert_hint(check, round(error / 1.96 * 2000), "one standard error")
    checks.reset()
    assert_hint(check, 40, "the value is off")


def test_deciding_verdict_reads_the_stored_repeats(book_results):
    from lrlib.report import noise

    check = checks.deciding_verdict
    groups = {(g[0].experiment.optimizer, g[0].experiment.learning_rate, g[0].experiment.epochs): g
              for g in noise.stored_repeats()}
    found = noise.compare(groups[("sgd", 0.1, 10)], groups[("adam", 0.01, 10)], "val_accuracy")
    assert found.noise.seed_source == "their own seeds"
    answer = {"difference in images": found.images, "margin in images": found.noise.margin_images,
              "verdict": found.verdict}
    assert_right(check, answer)
    on_test = noise.compare(groups[("sgd", 0.1, 10)], groups[("adam", 0.01, 10)], "test_accuracy")
    assert_hint(check, {"difference in images": on_test.images, "margin in images": on_test.noise.margin_images,
                        "verdict": on_test.verdict}, "validation accuracy")


# --- chapter 01 -----------------------------------------------------------------------------------

def test_intro_parameters_solution_and_mistakes():
    check = checks.intro_parameters
    assert_right(check, 5 * 5 * 64)
    assert_hint(check, 7 * 7 * 64, "unpadded")
    assert_hint(check, 6 * 6 * 64, "rounds down")
    assert_hint(check, 5 * 5 * 32, "64 channels")
    assert_hint(check, 28 * 28 * 64, "each convolution and each pooling")
    checks.reset()
    assert_hint(check, 1500, "the value is off")
    assert_hint(check, "1600", "one number")


def test_intro_outcome_accepts_the_kind_the_outcome_or_the_result(book_results):
    check = checks.intro_outcome
    too_large = run(scenario("fixed-lr", "too large").experiment)
    assert_right(check, "stuck at chance")
    assert_right(check, too_large.outcome)
    assert_right(check, too_large)
    assert_hint(check, "diverged", "comes back down")
    assert_hint(check, "learned", "one image in ten")
    assert_hint(check, run(scenario("fixed-lr", "baseline").experiment), "one image in ten")


# --- chapter 02 -----------------------------------------------------------------------------------

def test_baseline_gaps_read_from_the_stored_runs(book_results):
    check = checks.baseline_gaps
    fixed = scenarios("fixed-lr")
    results = run_many([s.experiment for s in fixed])
    answer = [round(abs(r.test_accuracy - s.article_test_accuracy) * 10_000) for s, r in zip(fixed, results)]
    assert answer == [3, 52, 9, 77, 735]
    assert_right(check, answer)
    assert_hint(check, [n / 10_000 for n in answer], "multiply the size of each gap by the number of test images")
    signed = [r.test_accuracy - s.article_test_accuracy for s, r in zip(fixed, results)]
    assert_hint(check, signed, "multiply the size of each gap")
    assert_hint(check, [round(gap * 10_000) for gap in signed], "some of those are negative")
    checks.reset()
    assert_hint(check, [3, 52, 9, 77, 73], "1 of 5 values are off")
    assert_hint(check, answer[:4], "a list of 5")


def test_baseline_early_stopping_read_from_the_stored_history(book_results):
    check = checks.baseline_early_stopping
    assert_right(check, {"stops after epoch": 11, "weights from epoch": 8})
    assert_hint(check, {"stops after epoch": 10, "weights from epoch": 7}, "counted from 0")
    assert_hint(check, {"stops after epoch": 11, "weights from epoch": 11}, "not those of the last one")
    assert_hint(check, {"stops after epoch": 10, "weights from epoch": 8}, "stops one epoch early")
    checks.reset()
    assert_hint(check, {"stops after epoch": 25, "weights from epoch": 21}, "2 of 2 values are off")  # no early stop
    assert_hint(check, {"stops after epoch": 11}, "without the key 'weights from epoch'")


# --- chapter 03 -----------------------------------------------------------------------------------

def test_large_blind_loss_solution_and_mistakes(book_results):
    check = checks.large_blind_loss
    labels = report.split_labels(scenario("fixed-lr", "too large").experiment)["training"]
    shares = np.bincount(labels, minlength=10) / len(labels)
    assert len(labels) == 48_000
    assert_right(check, float(-(shares * np.log(shares)).sum()))
    assert_right(check, 2.3010)  # rounded to four decimals
    assert_hint(check, math.log(10), "not equally frequent")
    validation = report.class_shares(report.split_labels(scenario("fixed-lr", "too large").experiment)["validation"])
    assert_hint(check, float(-(validation * np.log(validation)).sum()), "the validation images' shares")
    checks.reset()
    assert_hint(check, 2.3197, "the value is off")  # the run's own flat loss is not the best guess


def test_large_adam_epsilon_solution_and_mistakes():
    check = checks.large_adam_epsilon
    gradients = np.array([1e-8, 1e-6, 1e-4])
    assert_right(check, 0.5 * gradients / (gradients + 1e-7 / math.sqrt(1 - 0.999)))  # Keras's own order
    assert_right(check, [0.0016, 0.12, 0.485])  # rounded
    assert_hint(check, [0.5, 0.5, 0.5], "far larger than Adam's epsilon")
    assert_hint(check, 0.5 * gradients / (gradients + 1e-7), "textbook formula")
    assert_hint(check, 0.5 * gradients, "plain SGD's step")
    checks.reset()
    assert_hint(check, [0.0016, 0.12, 0.4], "1 of 3 values are off")


# --- chapter 04 -----------------------------------------------------------------------------------

def test_small_budget_solution_and_mistakes(book_results):
    check = checks.small_budget
    assert_right(check, 25 * 192 * 1e-7)  # 48,000 training images in batches of 250: 192 steps
    assert_hint(check, 25 * 240 * 1e-7, "holds the last 20 %")
    assert_hint(check, 25 * 1e-7, "many steps")
    assert_hint(check, 192 * 1e-7, "that is one epoch")
    checks.reset()
    assert_hint(check, 1e-3, "the value is off")


def test_small_straight_line_solution_and_mistakes(book_results):
    check = checks.small_straight_line
    small, baseline = run(scenario("fixed-lr", "small").experiment), run(scenario("fixed-lr", "baseline").experiment)
    epochs = np.arange(13, 26)
    slope, intercept = np.polyfit(epochs, small.history["val_loss"][12:], 1)
    epoch = (min(baseline.history["val_loss"]) - intercept) / slope
    assert 40 < epoch < 43
    assert_right(check, epoch)
    assert_right(check, round(epoch))
    assert_hint(check, report.extrapolated_epoch(small, min(baseline.history["val_loss"])), "power law")
    assert_hint(check, epoch - 25, "still needed")
    checks.reset()
    assert_hint(check, 25 + 23.2, "the value is off")  # a line through the last five epochs only


# --- chapter 05 -----------------------------------------------------------------------------------

def test_waste_band_width_solution_and_mistakes(book_results):
    check = checks.waste_band_width
    assert_right(check, {"adam": math.log10(0.01 / 0.0001), "sgd": math.log10(0.5 / 0.1)})
    assert_right(check, {"adam": 2, "sgd": 0.7})
    assert_hint(check, {"adam": 3, "sgd": 2}, "count the rates in the band")
    assert_hint(check, {"adam": 2 * math.log(10), "sgd": math.log(5)}, "use log10")
    checks.reset()
    assert_hint(check, {"adam": 2, "sgd": 1}, "1 of 2 values are off")


def test_waste_tied_decides_on_validation_with_the_noise_rule(book_results):
    check = checks.waste_tied
    tied = {"adam 0.001", "sgd 0.1", "sgd 0.5", "adam 0.0001", "adam 0.01"}
    assert_right(check, tied)
    assert_right(check, ["SGD 0.5", "adam 0.001", "sgd 0.1", "adam 0.0001", "adam 0.01"])
    assert_hint(check, {"adam 0.001"}, "the single best run")
    checks.reset()
    wrong = tied | {"sgd 0.01"}
    assert_hint(check, wrong, "1 names are wrong or missing")
    assert_hint(check, wrong, "'sgd 0.01' does not belong")


def test_waste_time_weighs_runs_by_their_time(book_results):
    check = checks.waste_time
    results = run_many([s.experiment for s in scenarios("sweep")])
    kept = [r for r in results if r.test_accuracy >= 0.98]
    assert len(kept) == 5
    share = 1 - sum(r.wall_time_s for r in kept) / sum(r.wall_time_s for r in results)
    assert_right(check, share)
    assert_right(check, round(share, 2))
    assert_hint(check, 13 / 18, "the share of runs")
    assert_hint(check, 1 - share, "worth keeping")
    checks.reset()
    assert_hint(check, 0.5, "the value is off")


def test_digit_spans_names_each_stretch_of_epochs():
    assert report.digit_spans([1, 8, 6, 6, 6]) == "1 in epoch 1, 8 in epoch 2, 6 in epochs 3 to 5"
    assert report.digit_spans([None, None, 2]) == "no single digit in epochs 1 to 2, 2 in epoch 3"
    assert report.digit_spans([4]) == "4 in epoch 1"
    with pytest.raises(ValueError, match="one entry per epoch"):
        report.digit_spans([])
