"""The quick profile is small (2,000 training images) but keeps what the fixed-rate chapters
teach: a too-large rate stays at chance, a too-small one learns slowly, and whether a rate is too
large depends on the optimizer."""

import pytest

from lrlib import Experiment, PROFILES, train

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
