import dataclasses
import math

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
    assert catalog.grid_schemes("full") == catalog.GRID_SCHEMES
    assert catalog.grid_schemes("quick") == catalog.grid_schemes("tiny") == ("fixed", "step", "exponential")
    assert len(quick) == 4 * 3 and {s.name.split()[1] for s in quick} == {"fixed", "step", "exponential"}
    assert {s.experiment.initial_rate for s in quick} == {1e-3, 1e-1, 1e-2, 1.0}
    assert {s.experiment.effective_epochs for s in quick} == {catalog.SMALL_GRID_EPOCHS}
    exponential = next(s.experiment for s in quick if s.name == "adam exponential 0.001")
    assert exponential.learning_rate.args["decay_rate"] == math.log(10) / (catalog.SMALL_GRID_EPOCHS - 1)  # to a tenth


def test_seed_repeats_rerun_one_grid_row_per_optimizer_with_other_seeds():
    grid = {s.experiment: s for s in scenarios("decay-grid", "full")}
    repeats = scenarios("decay-seeds", "full")
    assert len(repeats) == 2 * 2 * len(catalog.GRID_SCHEMES)
    for s in repeats:
        assert s.experiment.seed in (1, 2)
        assert s.experiment.initial_rate == {"adam": 1e-2, "sgd": 1e-1}[s.experiment.optimizer]
        assert dataclasses.replace(s.experiment, seed=0) in grid  # the same run as the grid's, but the seed
    quick = scenarios("decay-seeds", "quick")
    assert {s.experiment.seed for s in quick} == {1} and len(quick) == 2 * len(catalog.grid_schemes("quick"))


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


@pytest.mark.parametrize("profile", ["full", "quick", "tiny"])
def test_steps_per_epoch_of_a_profile_is_what_training_counts(profile):
    from lrlib import training

    assert catalog.steps_per_epoch(profile) == training.steps_per_epoch(Experiment(profile=profile))


def test_cycle_bounds_and_one_cycle_peak_come_from_the_stored_range_tests(book_results):
    from lrlib import run_many

    records = run_many([s.experiment for s in scenarios("range-tests", "full")])
    adam = [r.test.cycle_bounds() for r in records if r.plan.experiment.optimizer == "adam"]
    low, high = catalog.suggested_bounds("full")["adam"]
    assert low == pytest.approx(sorted(b[0] for b in adam)[2], rel=0.05)  # the median of five, two digits
    assert high == pytest.approx(sorted(b[1] for b in adam)[2], rel=0.05)
    peak = catalog.suggested_rates("full")["adam"]
    budgets = scenarios("one-cycle-budgets", "full")
    seeds = {budget: sorted(s.experiment.seed for s in budgets if s.experiment.epochs == budget)
             for budget in catalog.ONE_CYCLE_BUDGETS}
    assert seeds == {budget: list(catalog.HEADLINE_SEEDS) if budget in catalog.HEADLINE_BUDGETS else [0, 1, 2]
                     for budget in catalog.ONE_CYCLE_BUDGETS}  # five seeds where the headline turns
    for s in budgets:  # each budget a run of its own, its cycle fitted to the budget
        rate = s.experiment.learning_rate
        assert (rate.kind, rate.args["peak_rate"]) == ("one_cycle", peak)
        assert rate.args["total_steps"] == s.experiment.epochs * 192
    clr = scenarios("clr", "full")
    variants = catalog.clr_variants("full")
    assert variants[catalog.CLR_TO_SUGGESTION] == ("adam", low, peak)  # Adam up to its suggestion only
    for name in catalog.CLR_OPTIMIZERS:
        assert variants[name] == (name, *catalog.suggested_bounds("full")[name])
    for variant, (name, base, top) in variants.items():
        runs = catalog.clr_runs_of(variant, clr)
        assert [s.experiment.seed for s in runs] == list(catalog.HEADLINE_SEEDS) and {s.experiment.optimizer for s in runs} == {name}
        assert {(s.experiment.learning_rate.args["base_rate"], s.experiment.learning_rate.args["max_rate"])
                for s in runs} == {(base, top)}
    for s in clr:  # the article's advice: stop after a cycle without progress, keep the best weights
        rate = s.experiment.learning_rate
        assert rate.args["step_size"] == 2 * 192 and s.experiment.epochs == 12
        assert s.experiment.early_stopping_patience == 4 and s.experiment.restore_best and s.experiment.test_each_epoch


def test_the_one_cycle_choices_vary_one_thing_at_a_time(book_results):
    choices = {s.name: s.experiment for s in scenarios("one-cycle-choices", "full")}
    reference = choices["adam peak 0.0093"]
    for name, experiment in choices.items():
        differs = {k for k, v in experiment.learning_rate.args.items() if v != reference.learning_rate.args[k]}
        assert experiment.epochs == 2 and experiment.seed == 0
        assert len(differs) <= 1 or name == "sgd momentum cycled", name
    sgd = choices["sgd momentum cycled"]
    momentum = dict(sgd.optimizer_options)["momentum"]
    assert momentum.kind == "one_cycle_momentum" and momentum.args["total_steps"] == 2 * 192


def test_cycle_groups_are_empty_until_their_range_tests_are_stored(isolated_results):
    for group in ("clr", "one-cycle-choices", "one-cycle-budgets"):
        assert scenarios(group, "tiny") == []


def test_the_competitors_time_to_accuracy_runs():
    baseline = scenarios("baseline-each-epoch", "full")
    assert [(s.experiment.learning_rate, s.experiment.epochs, s.experiment.test_each_epoch) for s in baseline] \
        == [(0.001, 25, True)] * len(catalog.HEADLINE_SEEDS)
    decays = scenarios("decay-budgets", "full")
    assert sorted({s.experiment.epochs for s in decays}) == list(catalog.DECAY_BUDGETS)
    for budget in catalog.HEADLINE_BUDGETS:  # every strategy has as many seeds as one-cycle there
        assert sorted(s.experiment.seed for s in decays if s.experiment.epochs == budget) == list(catalog.HEADLINE_SEEDS)
    assert {s.experiment.seed for s in scenarios("clr", "full")} == set(catalog.HEADLINE_SEEDS)
    grid = {s.experiment for s in scenarios("decay-grid", "full") + scenarios("decay-seeds", "full")}
    ten = [s.experiment for s in decays if s.experiment.epochs == 10]
    assert len(ten) == 3 and set(ten) <= grid  # the decay grid's own runs: shared, not trained again


def test_a_budget_of_zero_epochs_is_refused():
    with pytest.raises(ValueError, match="epochs=0"):
        catalog.one_cycle_rate(0.01, 0, "full")


def test_the_time_to_accuracy_strategies_are_the_groups_runs():
    strategies = catalog.time_to_accuracy_strategies("quick")
    assert list(strategies)[:3] == ["one-cycle (Adam)", "fixed 0.001 (Adam)", "linear decay from 0.01 (Adam)"]
    assert strategies["fixed 0.001 (Adam)"] == scenarios("baseline-each-epoch", "quick")
    assert strategies["linear decay from 0.01 (Adam)"] == scenarios("decay-budgets", "quick")


def test_the_one_cycle_repeats_add_seeds_to_a_choice(book_results):
    choices = {s.name: s.experiment for s in scenarios("one-cycle-choices", "full")}
    repeats = scenarios("one-cycle-repeats", "full")
    assert [s.experiment.seed for s in repeats] == [0, 1, 2] * len(catalog.ONE_CYCLE_REPEATS)
    assert repeats[0].experiment == choices[catalog.ONE_CYCLE_REPEATS[0]]  # seed 0 is the choice's own run
    assert scenarios("one-cycle-repeats", "quick") == []


def test_every_group_built_from_stored_range_tests_waits_for_them_in_a_parallel_reproduction(isolated_results):
    from lrlib.cli import BUILT_FROM_STORED

    waiting = {group for group in catalog.GROUPS if scenarios(group, "tiny") == []}  # no range test stored yet
    assert waiting == set(BUILT_FROM_STORED)


# --- issue 28: after the article -----------------------------------------------------------------

def test_the_after_sweep_covers_each_method_with_at_least_seven_settings():
    sweep = scenarios("after-sweep", "full")
    by_method = {}
    for s in sweep:
        by_method.setdefault(s.experiment.optimizer, []).append(s.experiment)
    assert set(by_method) == set(catalog.AFTER_METHODS.values())
    assert all(len(runs) >= 7 for runs in by_method.values()) and len(sweep) == 36
    assert {s.experiment.epochs for s in sweep} == {10} and {s.experiment.seed for s in sweep} == {0}
    assert all(not isinstance(s.experiment.learning_rate, Schedule) for s in sweep)  # fixed rates
    prodigy = by_method["prodigy"]
    assert {e.learning_rate for e in prodigy} == {1.0}  # its knob is d_coef, not the rate
    assert sorted(dict(e.optimizer_options)["d_coef"] for e in prodigy) == list(catalog.AFTER_SWEEP_D_COEFS)
    assert 0.0025 in {e.learning_rate for e in by_method["schedule_free_adamw"]}  # its default
    assert len({s.experiment.key() for s in sweep}) == len(sweep)
    quick = scenarios("after-sweep", "quick")
    assert len(quick) == 16 and {s.experiment.effective_epochs for s in quick} == {2}


def test_the_after_budgets_fit_each_methods_schedule_to_its_budget():
    runs = {s.name: s.experiment for s in scenarios("after-budgets", "full")}
    assert len(runs) == 5 * (3 + 5 + 5)
    for method in catalog.AFTER_METHODS:
        assert {runs[f"{method} 2 epochs seed {seed}"].seed for seed in catalog.HEADLINE_SEEDS} == set(catalog.HEADLINE_SEEDS)
        assert f"{method} 1 epochs seed 3" not in runs and f"{method} 3 epochs seed 4" in runs
    lion = runs["lion 2 epochs seed 0"].learning_rate
    assert lion.kind == "wsd" and lion.args["total_steps"] == 2 * 192 and lion.args["warmup_steps"] == 19
    assert lion.args["peak_rate"] == 3e-4 and lion.args["decay_fraction"] == 0.2
    assert runs["muon 3 epochs seed 0"].learning_rate.args["peak_rate"] == 1e-3
    free = runs["schedule-free adamw 3 epochs seed 0"]
    assert free.learning_rate == 0.0025 and dict(free.optimizer_options) == {"warmup_steps": 29}
    prodigy = runs["prodigy 1 epochs seed 0"].learning_rate
    assert prodigy.kind == "cosine_decay" and prodigy.args["initial_rate"] == 1.0 and prodigy.args["decay_steps"] == 192
    quick = scenarios("after-budgets", "quick")
    assert len(quick) == 5 * 2 and {s.experiment.seed for s in quick} == {0}


def test_after_budget_run_refuses_an_unknown_method_and_a_zero_budget():
    with pytest.raises(ValueError, match="method='adam'"):
        catalog.after_budget_run("adam", 2, "full")
    with pytest.raises(ValueError, match="epochs"):
        catalog.after_budget_run("lion", 0, "full")


def test_after_time_to_accuracy_splits_the_after_budgets_by_method():
    for profile in ("full", "quick"):
        by_label = catalog.after_time_to_accuracy(profile)
        assert list(by_label) == list(catalog.AFTER_LABELS.values())
        assert sum(by_label.values(), []) == scenarios("after-budgets", profile)
        for method, label in catalog.AFTER_LABELS.items():
            optimizers = {s.experiment.optimizer for s in by_label[label]}
            assert optimizers == {catalog.AFTER_METHODS[method]}


def test_the_after_repeats_rerun_each_chosen_cell_with_more_seeds():
    sweep = {s.experiment for s in scenarios("after-sweep", "full")}
    repeats = scenarios("after-repeats", "full")
    assert len(repeats) == 3 * len(catalog.AFTER_SWEEP_REPEATS)
    for method, value in catalog.AFTER_SWEEP_REPEATS:
        name = f"prodigy d_coef {value:g}" if method == "prodigy" else f"{method} {value:g}"
        cell = [s.experiment for s in repeats if s.name.startswith(f"{name} seed ")]
        assert sorted(e.seed for e in cell) == [0, 1, 2]
        assert [e for e in cell if e.seed == 0][0] in sweep  # seed 0 is the sweep's own run
        assert {dataclasses.replace(e, seed=0) for e in cell} <= sweep
    # Outside the full profile: only the cells on the sparser sweep, seeds 0 and 1.
    quick_sweep = {s.experiment for s in scenarios("after-sweep", "quick")}
    quick = scenarios("after-repeats", "quick")
    assert {e.seed for e in (s.experiment for s in quick)} <= {0, 1}
    assert all(dataclasses.replace(s.experiment, seed=0) in quick_sweep for s in quick)
    on_grid = [cell for cell in catalog.AFTER_SWEEP_REPEATS if cell[1] in catalog.after_sweep_settings("quick")[cell[0]]]
    assert len(quick) == 2 * len(on_grid)


def test_after_settings_are_the_peak_rates_and_prodigys_default_d_coef():
    import inspect

    from lrlib.prodigy import Prodigy

    settings = catalog.after_settings()
    assert list(settings) == list(catalog.AFTER_METHODS.values())
    assert settings["lion"] == 3e-4 and settings["schedule_free_adamw"] == 0.0025
    assert settings["prodigy"] == inspect.signature(Prodigy).parameters["d_coef"].default == 1.0
