"""The quick profile is small (2,000 training images) but keeps what the fixed-rate chapters
teach: a too-large rate stays at chance, a too-small one learns slowly, and whether a rate is too
large depends on the optimizer; and what its cut-down decay grid shows in chapters 8 and 9."""

import pytest

from lrlib import Experiment, PROFILES, scenarios, train

RATES = {("adam", 0.001), ("adam", 0.5), ("adam", 1e-5), ("adam", 1e-7), ("sgd", 0.5)}


@pytest.fixture(scope="module")
def quick():
    return {(name, rate): train(Experiment(name, rate, profile="quick"), verbose=False) for name, rate in RATES}


def test_the_quick_profile_is_small():
    assert (PROFILES["quick"].n_train, PROFILES["quick"].n_test, PROFILES["quick"].max_epochs) == (2000, 2000, 5)


def test_a_too_large_and_a_far_too_small_rate_stay_at_chance(quick):
    assert quick[("adam", 0.5)].outcome.kind == "stuck at chance"
    assert quick[("adam", 1e-7)].outcome.kind == "stuck at chance"


def test_the_baseline_learns_and_a_too_small_rate_learns_slowly(quick):
    baseline, small = quick[("adam", 0.001)], quick[("adam", 1e-5)]
    assert baseline.outcome.kind == "learned" and baseline.test_accuracy > 0.8
    val_loss = small.history["val_loss"]
    assert all(later < earlier for earlier, later in zip(val_loss, val_loss[1:]))  # it does learn...
    assert small.test_accuracy < baseline.test_accuracy - 0.3  # ...slowly


def test_adams_too_large_rate_is_one_sgd_learns_with(quick):
    assert quick[("sgd", 0.5)].outcome.kind == "learned"


@pytest.fixture(scope="module")
def quick_grid():
    """The quick decay grid's runs by (optimizer, scheme, initial rate)."""
    return {(s.experiment.optimizer, s.name.split()[1], s.experiment.initial_rate): train(s.experiment, verbose=False)
            for s in scenarios("decay-grid", "quick")}


def test_the_quick_grid_keeps_what_decay_rescues_and_what_it_does_not(quick_grid):
    decays = ("step", "exponential")
    # SGD's too-large start: stuck at chance with a fixed rate, rescued by a decay (chapter 8).
    assert quick_grid[("sgd", "fixed", 1.0)].outcome.kind == "stuck at chance"
    assert max(quick_grid[("sgd", d, 1.0)].test_accuracy for d in decays) > quick_grid[("sgd", "fixed", 1.0)].test_accuracy + 0.2
    # Adam's too-large start wrecks the network in its first epoch: no decay rescues it.
    assert all(quick_grid[("adam", s, 0.1)].outcome.kind == "stuck at chance" for s in ("fixed", *decays))
    # From a small start a decay only makes a small rate smaller: the fixed rate is ahead (chapter 9).
    assert all(quick_grid[("sgd", d, 0.01)].test_accuracy < quick_grid[("sgd", "fixed", 0.01)].test_accuracy for d in decays)
    # At Adam's good start every scheme learns.
    assert all(quick_grid[("adam", s, 0.001)].test_accuracy > 0.7 for s in ("fixed", *decays))
