import dataclasses

import pytest

from lrlib import Experiment, catalog, scenario, scenarios
from lrlib.schedules import Schedule


def test_fixed_lr_holds_the_articles_five_runs_and_figures():
    fixed = scenarios("fixed-lr", "full")
    assert [s.experiment.learning_rate for s in fixed] == [0.001, 0.5, 0.01, 0.00001, 0.0000001]
    assert all(s.experiment.optimizer == "adam" and s.experiment.epochs == 25 for s in fixed)
    assert scenario("fixed-lr", "baseline", "full").article_test_accuracy == pytest.approx(0.9919, abs=1e-4)


def test_sweep_shares_the_articles_runs():
    sweep = {s.experiment: s for s in scenarios("sweep", "full")}
    assert len(sweep) == 18
    for s in scenarios("fixed-lr", "full"):
        assert sweep[s.experiment].article_test_accuracy == s.article_test_accuracy


@pytest.mark.parametrize("scheme", catalog.DECAY_SCHEMES)
def test_each_decay_ends_near_a_tenth_in_the_last_epoch(scheme):
    schedule = catalog.decay_schedule(scheme, 0.5, 25).with_steps_per_epoch(1)
    assert float(schedule.values(0)) == pytest.approx(0.5)
    expected = 0.5 / 8 if scheme == "step" else 0.05  # step decay halves three times
    assert float(schedule.values(24)) == pytest.approx(expected)


def test_unknown_scheme_is_refused():
    with pytest.raises(ValueError, match="scheme='cyclic'"):
        catalog.decay_schedule("cyclic", 0.1, 25)


def test_decays_are_fitted_to_the_profiles_epochs():
    full = {s.name: s.experiment for s in scenarios("decay", "full")}
    quick = {s.name: s.experiment for s in scenarios("decay", "quick")}
    assert full["adam linear"].learning_rate.args["decay_epochs"] == 24
    assert quick["adam linear"].learning_rate.args["decay_epochs"] == 4
    assert isinstance(full["sgd step"].learning_rate, Schedule) and full["sgd fixed"].learning_rate == 0.5


def test_grid_covers_every_rate_and_scheme():
    grid = scenarios("decay-grid", "full")
    assert len(grid) == sum(len(r) for r in catalog.GRID_RATES.values()) * (1 + len(catalog.DECAY_SCHEMES))
    assert all(s.experiment.epochs == catalog.GRID_EPOCHS for s in grid)
    assert len({s.experiment.key() for s in grid}) == len(grid)


def test_quick_grid_keeps_a_good_and_a_too_large_rate_per_optimizer():
    assert catalog.grid_rates("full") == catalog.GRID_RATES
    assert catalog.grid_rates("quick") == {"adam": (1e-3, 1e-1), "sgd": (1e-2, 1.0)}
    quick = scenarios("decay-grid", "quick")
    assert len(quick) == 4 * len(catalog.GRID_SCHEMES)
    assert {s.experiment.initial_rate for s in quick} == {1e-3, 1e-1, 1e-2, 1.0}
    assert {s.experiment.effective_epochs for s in quick} == {catalog.SMALL_GRID_EPOCHS}
    linear = next(s.experiment for s in quick if s.name == "adam linear 0.001")
    assert linear.learning_rate.args["decay_epochs"] == catalog.SMALL_GRID_EPOCHS - 1


def test_seed_repeats_rerun_one_grid_row_per_optimizer_with_other_seeds():
    grid = {s.experiment: s for s in scenarios("decay-grid", "full")}
    repeats = scenarios("decay-seeds", "full")
    assert len(repeats) == 2 * 2 * len(catalog.GRID_SCHEMES)
    for s in repeats:
        assert s.experiment.seed in (1, 2)
        assert s.experiment.initial_rate == {"adam": 1e-2, "sgd": 1e-1}[s.experiment.optimizer]
        assert dataclasses.replace(s.experiment, seed=0) in grid  # the same run as the grid's, but the seed
    quick = scenarios("decay-seeds", "quick")
    assert {s.experiment.seed for s in quick} == {1} and len(quick) == 2 * len(catalog.GRID_SCHEMES)


def test_sensitivity_repeats_add_seeds_to_sweep_cells():
    sweep = {s.experiment for s in scenarios("adaptive-sweep", "full")}
    repeats = scenarios("adaptive-repeats", "full")
    assert len(repeats) == 3 * len(catalog.SENSITIVITY_REPEATS)
    assert {(s.experiment.optimizer, s.experiment.initial_rate) for s in repeats} == set(catalog.SENSITIVITY_REPEATS)
    assert {s.experiment for s in repeats if s.experiment.seed == 0} <= sweep  # seed 0 is the sweep's own run
    assert {dataclasses.replace(s.experiment, seed=0) for s in repeats} <= sweep
    quick = scenarios("adaptive-repeats", "quick")
    assert {s.experiment.seed for s in quick} == {0, 1}
    assert {s.experiment.optimizer for s in quick} <= set(catalog.sensitivity_optimizers("quick"))
    assert {s.experiment.effective_epochs for s in quick} == {catalog.sensitivity_epochs("quick")}


def test_unknown_group_and_name_are_refused():
    with pytest.raises(ValueError, match="group='cycles'"):
        scenarios("cycles")
    with pytest.raises(ValueError, match="name='huge'"):
        scenario("fixed-lr", "huge")


def test_scenarios_follow_the_profile_default(monkeypatch):
    monkeypatch.setenv("LRLIB_PROFILE", "quick")
    assert scenarios("fixed-lr")[0].experiment == Experiment("adam", 0.001, profile="quick")
