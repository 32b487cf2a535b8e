"""The checks of chapters 09 and 10 (lrlib.checks.schemes) against their solutions, the article's
buggy code and common wrong answers, and the report functions those chapters glue from."""

import math

import numpy as np
import pytest

from lrlib import article_code, checks, report, run_many, scenarios, schedules
from lrlib.catalog import decay_schedule

from test_plots_report_widgets import grid_of  # noqa: E402
from check_helpers import assert_hint, assert_right  # noqa: E402




def test_each_chapter_has_its_checks_in_order():
    assert [c.name for c in checks.checks_of("09_choosing_a_scheme")] == [
        "schemes_ties", "schemes_seed_leads", "schemes_tie_slider"]
    assert [c.name for c in checks.checks_of("10_article_decay_code")] == ["article_time_fix", "article_per_step"]


# --- chapter 09 ------------------------------------------------------------------------------------

def book_grid():
    return report.grid_table(run_many([s.experiment for s in scenarios("decay-grid")]))


def test_schemes_ties_at_the_article_rate(book_results):
    check = checks.schemes_ties
    cell = report.grid_cells(run_many([s.experiment for s in scenarios("decay-grid")]))[("adam", 0.001)]
    tied = report.noise.tied_with_best(cell)
    assert tied[0] == report.noise.choose(cell) == "linear"  # chosen on validation accuracy
    assert set(tied) == {"fixed", "linear", "step", "time", "exponential"}  # one seed each: Adam's noise is wider
    assert_right(check, set(tied))
    assert_right(check, [name.upper() for name in tied])  # any order, any case
    assert_hint(check, {"linear"}, "the best scheme alone")
    slider = report.scheme_winners(book_grid(), tie=0.001).loc[("adam", 0.001), "tied with the best"].split(", ")
    assert set(slider) == {"linear", "step", "exponential"}
    assert_hint(check, set(slider), "a plain threshold of 0.001")
    assert_hint(check, {"fixed", "linear", "step", "exponential"}, "near the best on test accuracy")
    checks.reset()
    assert_hint(check, {"fixed", "time"}, "names are wrong or missing")
    assert_hint(check, "fixed", "should be a set of scheme names")


def sgd_seed_accuracies(metric="val_accuracy"):
    """SGD's row of the seed study, {seed: {scheme: accuracy}}, read independently of the check."""
    repeats = [r for r in run_many([s.experiment for s in scenarios("decay-seeds")]) if r.experiment.optimizer == "sgd"]
    rate = repeats[0].experiment.initial_rate
    grid = [r for r in run_many([s.experiment for s in scenarios("decay-grid")])
            if r.experiment.optimizer == "sgd" and r.experiment.initial_rate == rate]
    by_seed = {}
    for r in grid + repeats:
        by_seed.setdefault(r.experiment.seed, {})[report.scheme_of(r)] = report.noise.score(r, metric)
    return dict(sorted(by_seed.items()))


def test_schemes_seed_leads_in_validation_images(book_results):
    check = checks.schemes_seed_leads
    seeds = sgd_seed_accuracies()
    fractions = [sorted(a.values())[-1] - sorted(a.values())[-2] for a in seeds.values()]
    leads = [round(f * 12_000) for f in fractions]  # 12,000 validation images
    assert leads == [20, 13, 29]
    assert_right(check, leads)
    assert_hint(check, fractions, "not images")
    assert_hint(check, [round((max(a.values()) - min(a.values())) * 12_000) for a in seeds.values()],
                "the lead over the worst scheme")
    on_test = sgd_seed_accuracies("test_accuracy")
    assert_hint(check, [round((sorted(a.values())[-1] - sorted(a.values())[-2]) * 10_000) for a in on_test.values()],
                "leads in test images")
    checks.reset()
    assert_hint(check, [20, 13, 40], "1 of 3 values are off")
    assert_hint(check, [20, 13], "but it is a list of 2")


def test_schemes_tie_slider_reads_the_gap_of_the_fixed_rate(book_results):
    check = checks.schemes_tie_slider
    cell = book_grid().query("optimizer == 'adam' and `initial rate` == 0.01").set_index("scheme")["val accuracy"]
    gap = cell.max() - cell["fixed"]
    assert round(gap * 12_000) == 59
    assert_right(check, gap)
    assert_right(check, 0.005)  # the first slider position (steps of 0.0005) at which the fixed rate joins
    assert_hint(check, 100 * gap, "that is in points")
    top_two = cell.nlargest(2)
    assert_hint(check, top_two.iloc[0] - top_two.iloc[1], "the runner-up joins the best")
    checks.reset()
    assert_hint(check, 0.0025, "the value is off")


# --- chapter 10 ------------------------------------------------------------------------------------

def fixed_time_decay(epoch):
    return 0.01 / (1 + 9 / 24 * epoch)


def test_article_time_fix_passes_a_pure_function_and_catches_the_articles_code():
    check = checks.article_time_fix
    assert_right(check, fixed_time_decay)
    assert_right(check, [fixed_time_decay(epoch) for epoch in range(25)])
    assert_right(check, decay_schedule("time", 0.01, 25).with_steps_per_epoch(1).values(np.arange(25)))
    # The article's function keeps its rate between calls: asked twice, it gives itself away.
    assert_hint(check, article_code.make_time_decay(0.01, decay=9 / 24), "it keeps state between calls")
    assert_hint(check, article_code.rates_over(article_code.make_time_decay(0.01, decay=9 / 24), 25),
                "the article's compounding rates")
    assert_hint(check, lambda epoch: fixed_time_decay(epoch + 1), "use epoch, not epoch + 1")
    assert_hint(check, lambda epoch: 0.01 / (1 + article_code.ARTICLE_TIME_DECAY * epoch), "the article's constant")
    checks.reset()
    assert_hint(check, lambda epoch: 0.01 * math.exp(-9 / 24 * epoch), "values are off")
    assert_hint(check, lambda epoch: 0.01 / (9 / 24 * epoch), "an error (ZeroDivisionError")


def test_article_per_step_passes_lrlib_and_keras_schedules_and_catches_per_epoch_ones():
    import keras

    check = checks.article_per_step
    assert_right(check, schedules.time_decay(0.01, 9 / 24 / 192, steps_per_epoch=1))
    assert_right(check, keras.optimizers.schedules.InverseTimeDecay(0.01, decay_steps=192, decay_rate=9 / 24))
    assert_right(check, lambda step: 0.01 / (1 + 9 / 24 * step / 192))
    assert_hint(check, schedules.time_decay(0.01, 9 / 24, steps_per_epoch=192), "changes once per epoch")
    assert_hint(check, schedules.time_decay(0.01, 9 / 24), "changes once per epoch")  # steps per epoch left unset
    assert_hint(check, schedules.time_decay(0.01, 9 / 24, steps_per_epoch=1), "falls 192 times too fast")
    checks.reset()
    assert_hint(check, schedules.exponential_decay(0.01, math.log(10) / 24 / 192, steps_per_epoch=1), "values are off")
    assert_hint(check, "time decay", "should be an lrlib schedule")


# --- report functions of chapters 09 and 10 --------------------------------------------------------

GRID = {("adam", "fixed", 1e-3): 0.990, ("adam", "step", 1e-3): 0.9895, ("adam", "time", 1e-3): 0.980,
        ("adam", "fixed", 1e-2): 0.970, ("adam", "step", 1e-2): 0.992, ("adam", "time", 1e-2): 0.9915,
        ("sgd", "fixed", 1e-1): 0.950, ("sgd", "step", 1e-1): 0.940, ("sgd", "time", 1e-1): 0.949}


def test_grid_verdicts_choose_on_validation_and_measure_ties_with_the_noise(monkeypatch):
    monkeypatch.setattr(report.noise, "seed_noise_for", lambda optimizers, metric="test_accuracy", profile="full": 0.002)
    # The tiny profile validates on 200 images: a sampling error of ~0.02 would tie everything, so
    # the noise below is set by seeds only.
    monkeypatch.setattr(report.noise, "difference_sampling_error", lambda a, b, images: 0.0)
    runs = grid_of(GRID, test_offset={("adam", "time", 1e-2): 0.01})  # on test, time would win
    verdicts = report.grid_verdicts(runs)
    assert verdicts.loc[("adam", 1e-3), "verdict"] == "tie"  # step is 0.0005 behind the fixed rate
    assert verdicts.loc[("adam", 1e-3), "tied"] == ["fixed", "step"]
    assert verdicts.loc[("adam", 1e-2), "verdict"] == "decay"
    assert verdicts.loc[("adam", 1e-2), "best scheme"] == "step"
    assert verdicts.loc[("adam", 1e-2), "test accuracy"] == pytest.approx(0.992)  # reported, not chosen on
    assert verdicts.loc[("adam", 1e-2), "gain over fixed"] == pytest.approx(0.022)
    assert verdicts.loc[("adam", 1e-2), "tied"] == ["step", "time"]
    assert verdicts.loc[("sgd", 1e-1), "verdict"] == "tie"  # time is 0.001 behind
    # Seeds: a cell's own range replaces the book's noise, and its median decides.
    more = grid_of({("adam", "fixed", 1e-2): 0.971, ("adam", "step", 1e-2): 0.9925, ("adam", "time", 1e-2): 0.9905},
                   seed=1)
    seeded = report.grid_verdicts(runs + more)
    assert seeded.loc[("adam", 1e-2), "seeds"] == 2
    assert seeded.loc[("adam", 1e-2), "best accuracy"] == pytest.approx(0.99225)  # the median of the seeds
    # time's median is 0.00125 behind, more than the ranges of its seeds (0.001) and step's (0.0005)
    assert seeded.loc[("adam", 1e-2), "tied"] == ["step"]
    assert seeded.loc[("adam", 1e-2), "verdict"] == "decay"
    with pytest.raises(ValueError, match="the test set only reports"):
        report.grid_verdicts(runs, metric="test_accuracy")


def test_compounding_constant_makes_the_articles_code_end_at_the_fraction():
    k = report.compounding_time_decay_constant(25, 0.1)
    rates = article_code.rates_over(article_code.make_time_decay(1.0, decay=k), 25)
    assert rates[-1] == pytest.approx(0.1, rel=1e-9)
    assert math.prod(1 + k * epoch for epoch in range(1, 25)) == pytest.approx(10, rel=1e-9)
    assert report.compounding_time_decay_constant(2, 0.5) == pytest.approx(1.0)  # one factor, 1 / (1 + k)
    with pytest.raises(ValueError, match="final_fraction"):
        report.compounding_time_decay_constant(25, 1.0)
    with pytest.raises(ValueError, match="epochs"):
        report.compounding_time_decay_constant(1, 0.1)


def test_time_decay_versions_meet_at_epoch_starts_and_cut_in_opposite_ways():
    versions = report.time_decay_versions(0.01, 25, 8)
    formula, per_step, compounding = report.TIME_DECAY_VERSIONS
    assert list(versions.columns) == list(report.TIME_DECAY_VERSIONS) and len(versions) == 25 * 8
    starts = versions.iloc[::8]
    assert np.allclose(starts[formula], starts[per_step])  # the per-step formula meets chapter 6's at epoch starts
    assert np.allclose(starts[formula], [0.01 / (1 + 0.375 * e) for e in range(25)])
    assert starts.iloc[-1].to_numpy() == pytest.approx([0.001] * 3)
    assert versions[per_step].iloc[4] < versions[formula].iloc[4]  # inside an epoch only the per-step one moves
    assert versions.attrs["k per step"] == pytest.approx(0.375 / 8)
    cuts = report.epoch_cuts(versions, 8)
    assert list(cuts.index) == list(range(1, 25))
    assert cuts[formula].is_monotonic_decreasing and cuts[compounding].is_monotonic_increasing
    assert cuts[formula].iloc[0] == pytest.approx(1 - 1 / 1.375)
    assert cuts[compounding].iloc[0] == pytest.approx(1 - 1 / (1 + versions.attrs["k of the article's code"]))
    with pytest.raises(ValueError, match="steps_per_epoch"):
        report.time_decay_versions(0.01, 25, 0)
