"""Each optimizer's default rate, its paper's rate, and the rules for its options, in one place."""

import pytest

from lrlib import Experiment, optimizers
from lrlib.catalog import adaptive_defaults, adaptive_sweep, decay_grid


def test_default_rates_are_read_from_keras():
    built = {name: float(cls().learning_rate.numpy()) for name, cls in optimizers.OPTIMIZERS.items()}
    assert optimizers.DEFAULT_RATES == pytest.approx(built)  # built: as float32
    assert optimizers.DEFAULT_RATES["adam"] == 0.001 and optimizers.DEFAULT_RATES["sgd"] == 0.01
    assert optimizers.DEFAULT_RATES["adadelta"] == 0.001  # what the article's reader gets


def test_paper_rates_differ_from_the_defaults_they_correct():
    assert optimizers.PAPER_RATES["adadelta"] == 1.0
    assert all(optimizers.PAPER_RATES[name] != optimizers.DEFAULT_RATES[name] for name in optimizers.PAPER_RATES)


@pytest.mark.parametrize("optimizer, name, value", [
    ("sgd", "beta_1", 0.9), ("adam", "momentum", 0.9), ("adam", "learning_rate", 0.1), ("adam", "kwargs", 1),
    ("adam", "name", "mine"),
])
def test_options_an_optimizer_does_not_take_are_refused(optimizer, name, value):
    with pytest.raises(ValueError, match=f"optimizer_options\\[{name!r}\\]"):
        Experiment(optimizer, 0.1, {name: value}, profile="tiny")


def test_an_experiment_checks_its_options_without_building_an_optimizer(monkeypatch):
    # Building a Keras optimizer for every Experiment (and every stored result read) took ~4 ms;
    # the rules take ~0.1 ms.
    monkeypatch.setattr(Experiment, "build_optimizer", lambda *a, **k: pytest.fail("built an optimizer"))
    Experiment("sgd", 0.1, {"momentum": 0.9, "nesterov": True}, profile="tiny")


def test_the_adaptive_groups_cover_every_optimizer_and_share_the_grids_runs():
    defaults = adaptive_defaults("full")
    assert [s.experiment.optimizer for s in defaults[:8]] == list(optimizers.OPTIMIZERS)
    assert all(s.experiment.learning_rate == optimizers.DEFAULT_RATES[s.experiment.optimizer] for s in defaults[:8])
    assert {s.name for s in defaults[8:]} == {f"{name} paper" for name in optimizers.PAPER_RATES}
    assert defaults[0].article_test_accuracy == pytest.approx(0.9919)  # the article's baseline is Adam's default
    sweep = adaptive_sweep("full")
    assert len(sweep) == 8 * 7 and {s.experiment.epochs for s in sweep} == {10}
    shared = {s.experiment for s in sweep} & {s.experiment for s in decay_grid("full")}
    assert len(shared) == 8  # the grid's fixed-rate runs of Adam and SGD are not trained twice
    quick = adaptive_sweep("quick")
    assert len(quick) == 4 * 3 and {s.experiment.optimizer for s in quick} == {"sgd", "adam", "adagrad", "adadelta"}
