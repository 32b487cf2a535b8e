"""Does the range test pick good rates? The analysis of its suggestions against a sweep
(lrlib.report), the figure (lrlib.plots) and the slider (lrlib.widgets), on hand-made results."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lrlib import Experiment, plots, report  # noqa: E402
from lrlib import range_test as rt  # noqa: E402
from lrlib.data import MNIST_FINGERPRINT  # noqa: E402
from lrlib.widgets import SuggestionExplorer  # noqa: E402

from test_results import make_result  # noqa: E402

SWEEP = {"adam": [(1e-4, 0.985), (1e-3, 0.990), (1e-2, 0.987), (1e-1, 0.10)],
         "sgd": [(1e-3, 0.90), (1e-2, 0.97), (1e-1, 0.988), (1.0, 0.10)]}


def run(optimizer, rate, accuracy, epochs=2, seed=0, test_accuracy=None, **fields):
    """A full-profile run whose validation accuracy (every epoch) and test accuracy are
    ``accuracy`` (the test one ``test_accuracy`` where given)."""
    result = make_result(Experiment(optimizer, rate, epochs=epochs, profile="full", seed=seed), loss=(2.0,) * epochs,
                         test_accuracy=accuracy if test_accuracy is None else test_accuracy, **fields)
    history = {**result.history, "val_accuracy": [accuracy] * epochs}
    return type(result)(**{**result.__dict__, "history": history})


def sweep():
    return [run(name, rate, accuracy) for name, cells in SWEEP.items() for rate, accuracy in cells]


def record(optimizer, valley_at, seed=0, steps=50):
    """A range test whose valley lies around ``valley_at``: a loss falling steeply there."""
    rates = rt.rates_between(1e-5, 10, steps)
    losses = 2.3 - 2 / (1 + np.exp(-4 * (np.log10(rates) - np.log10(valley_at)))) + 50 * (rates > valley_at * 30)
    test = rt.RangeTest(tuple(rates), tuple(losses), 0.0, "reached end=10", 1.0)
    plan = rt.RangeTestPlan(Experiment(optimizer, 0.001, profile="full", seed=seed), steps=steps)
    return rt.RangeTestRecord(plan, test, {"data_fingerprint": MNIST_FINGERPRINT, "lrlib": "test"})


def records():
    return [record("adam", 2e-3, seed=0), record("adam", 3e-3, seed=1), record("sgd", 0.2, seed=0),
            record("sgd", 0.3, seed=1)]


def test_suggestions_on_sweep_place_each_suggestion_on_the_band_and_judge_the_run():
    suggested = [run("adam", 2.5e-3, 0.9893, test_accuracy=0.9950), run("sgd", 0.25, 0.950)]
    table = report.suggestions_on_sweep(sweep(), records(), suggested, seed_noise=0.0024)
    adam, sgd = table.loc["adam"], table.loc["sgd"]
    assert adam["where"] == "inside the band" and adam["good"] and adam["verdict"] == "a tie"
    assert adam["difference (images)"] == -8 and adam["images"] == 12_000  # 0.9893 - 0.990 of 12,000 validation images
    assert adam["noise (images)"] == round(report.noise.difference_sampling_error(0.9893, 0.990, 12_000) * 12_000)
    assert adam["suggested test accuracy"] == 0.9950 and adam["best test accuracy"] == 0.990  # reported, not judged
    assert (adam["band from"], adam["band to"], adam["best rate"]) == (1e-4, 1e-2, 1e-3)
    assert sgd["where"] == "between the band and a bad rate" and not sgd["good"] and sgd["verdict"] == "worse"
    assert sgd["difference (images)"] == -456
    valleys = [r.test.suggestion("valley") for r in records()[:2]]
    assert adam["seed spread (decades)"] == pytest.approx(np.log10(max(valleys) / min(valleys)))
    wide = report.suggestions_on_sweep(sweep(), records(), suggested, seed_noise=0.05)
    assert dict(wide["verdict"]) == {"adam": "a tie", "sgd": "a tie"}  # 456 images, within 600 of noise


def test_suggestions_on_sweep_needs_sweep_and_tests_of_each_suggested_optimizer_and_a_validation_metric():
    with pytest.raises(ValueError, match="nadam"):
        report.suggestions_on_sweep(sweep(), records(), [run("nadam", 1e-3, 0.99)])
    for metric in ("test_accuracy", "test_loss"):
        with pytest.raises(ValueError, match="validation metric.*the test set only reports the chosen setting"):
            report.suggestions_on_sweep(sweep(), records(), [run("adam", 1e-3, 0.99)], metric=metric)


def test_range_test_cost_counts_steps_whether_or_not_a_result_recorded_them():
    # The full profile's 48,000 training images in batches of 250 make 192 steps per epoch.
    runs = sweep()[:3] + [run("adam", 1e-1, 0.1, steps_per_epoch=192)]
    table = report.range_test_cost(records()[:2], runs)
    assert table.loc["adam", "one epoch (steps)"] == 192 and table.loc["adam", "range test (steps)"] == 50
    assert table.loc["adam", "sweep (steps)"] == 4 * 2 * 192
    assert table.loc["adam", "test / epoch"] == pytest.approx(50 / 192)
    assert table.loc["adam", "sweep / test"] == pytest.approx(4 * 2 * 192 / 50)
    with pytest.raises(ValueError, match="sgd"):
        report.range_test_cost(records(), runs)
    foreign = [make_result(Experiment("adam", 1e-3, profile="full"), data_fingerprint="0" * 64)]
    with pytest.raises(ValueError, match="steps per epoch are unknown"):
        report.range_test_cost(records()[:2], foreign)


def test_plot_suggestions_on_sweep_draws_the_sweep_the_ticks_and_the_star():
    ax = plots.plot_suggestions_on_sweep(sweep()[:4], [2e-3, 3e-3], run("adam", 2.5e-3, 0.9893))
    labels = [line.get_label() for line in ax.lines]
    assert labels[0] == "sweep" and labels.count("range-test suggestions") == 1
    assert [line.get_xdata()[0] for line in ax.lines[1:3]] == [2e-3, 3e-3]
    assert labels[-2] == "trained at the suggestion: 0.9893" and ax.get_xscale() == "log"
    assert len(plots.plot_suggestions_on_sweep(sweep()[:4], [2e-3]).lines) == 3  # no star without a run


def test_suggestion_explorer_moves_the_suggestions_with_rule_and_smoothing():
    explorer = SuggestionExplorer(sweep(), records(), [run("adam", 2.5e-3, 0.9893)])
    valleys = explorer.suggestions()
    assert valleys == [r.test.suggestion("valley") for r in records()[:2]]
    explorer.rule.value = "minimum/10"
    assert explorer.suggestions() != valleys
    explorer.optimizer.value = "sgd"
    assert explorer.suggestions() == [r.test.suggestion("minimum/10") for r in records()[2:]]
    explorer.beta.value = 0.9
    assert explorer.suggestions() == [r.test.suggestion("minimum/10", 0.9) for r in records()[2:]]
    with pytest.raises(ValueError, match="none of \\['adam'\\]"):
        SuggestionExplorer(sweep()[4:], records())
    with pytest.raises(ValueError, match="records=\\[\\]"):
        SuggestionExplorer(sweep(), [])


def test_names_by_groups_the_index_by_a_column():
    import pandas as pd

    table = pd.DataFrame({"verdict": ["a tie", "worse", "a tie"]}, index=["adam", "sgd", "adagrad"])
    assert report.names_by(table, "verdict") == {"a tie": "adam, adagrad", "worse": "sgd"}


def test_good_band_width_gives_the_accuracy_of_the_bad_neighbours():
    band = report.good_band_width([run("adam", rate, accuracy) for rate, accuracy in SWEEP["adam"]])
    assert (band["accuracy below"], band["accuracy above"]) == (pytest.approx(np.nan, nan_ok=True), 0.10)
    band = report.good_band_width([run("sgd", rate, accuracy) for rate, accuracy in SWEEP["sgd"]])
    assert (band["bad below"], band["accuracy below"]) == (1e-2, 0.97)


def test_repeats_summary_counts_kept_verdicts_and_widths_and_the_seed_range():
    sweep_runs = [run("adam", rate, accuracy) for rate, accuracy in SWEEP["adam"]]
    seeds = [run("adam", 1e-2, accuracy, seed=seed) for seed, accuracy in [(1, 0.980), (2, 0.981)]]
    summary = report.repeats_summary(sweep_runs, [sweep_runs[2], *seeds])
    # The median of 0.987, 0.980 and 0.981 (0.981) misses the cutoff of 0.985: the verdict flips
    # and the band loses its upper decade.
    assert summary == {"cells": 1, "verdicts kept": 0, "optimizers": 1, "widths kept": 0,
                       "largest seed range": pytest.approx(0.007)}


def test_with_repeats_counts_the_sweeps_own_seed_once():
    sweep_runs = [run("adam", rate, accuracy) for rate, accuracy in SWEEP["adam"]]
    other = make_result(Experiment("adam", 1e-2, epochs=2, profile="full", seed=1), loss=(2.0, 2.0))
    assert report.with_repeats(sweep_runs, [sweep_runs[2], other]) == [*sweep_runs, other]
