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


# --- issue 28: the optimizers published after the article -----------------------------------------

import keras  # noqa: E402
import numpy as np  # noqa: E402

from lrlib import schedules  # noqa: E402
from lrlib.model import build_cnn  # noqa: E402
from lrlib.model_cache import compile_cnn  # noqa: E402


def test_the_article_eras_eight_stay_apart_from_the_newer_ones():
    assert len(optimizers.OPTIMIZERS) == 8  # the adaptive part's groups measure these eight
    assert {"lion", "lamb", "muon"} <= set(optimizers.NEWER_OPTIMIZERS)
    assert not set(optimizers.OPTIMIZERS) & set(optimizers.NEWER_OPTIMIZERS)
    assert optimizers.ALL_OPTIMIZERS == {**optimizers.OPTIMIZERS, **optimizers.NEWER_OPTIMIZERS}
    assert {name: optimizers.NEWER_DEFAULT_RATES[name] for name in ("lion", "lamb", "muon")} == {
        "lion": 0.001, "lamb": 0.001, "muon": 0.001}  # as Keras 3.15 defines them


@pytest.mark.parametrize("name, keras_class", [("lion", keras.optimizers.Lion), ("lamb", keras.optimizers.Lamb),
                                               ("muon", keras.optimizers.Muon)])
def test_keras_newer_optimizers_are_accepted_and_built(name, keras_class):
    experiment = Experiment(name.upper(), 3e-4, profile="tiny")
    assert experiment.optimizer == name and Experiment.from_dict(experiment.to_dict()) == experiment
    built = experiment.build_optimizer()
    assert type(built) is keras_class and float(built.learning_rate.numpy()) == pytest.approx(3e-4)


@pytest.mark.parametrize("optimizer, name, value", [
    ("lion", "beta_1", 0.0), ("lion", "beta_1", 1.5), ("lion", "beta_2", 1.0), ("lamb", "epsilon", -1e-7),
    ("muon", "ns_steps", 0), ("muon", "ns_steps", 2.5), ("muon", "momentum", 1.0), ("muon", "adam_beta_1", -0.1),
    ("muon", "adam_lr_ratio", 0.0), ("muon", "rms_rate", -0.2), ("muon", "exclude_layers", "dense"),
    ("muon", "exclude_layers", ["dense_1", 3]), ("muon", "exclude_layers", ["(unclosed"]),
    ("muon", "exclude_embeddings", "yes"), ("muon", "muon_a", float("nan")), ("lion", "epsilon", 1e-8),
])
def test_bad_options_of_the_newer_optimizers_are_refused_by_name(optimizer, name, value):
    with pytest.raises((ValueError, TypeError), match=f"optimizer_options\\[{name!r}\\]"):
        Experiment(optimizer, 0.001, {name: value}, profile="tiny")


def test_good_options_of_the_newer_optimizers_are_kept_hashable():
    assert Experiment("lion", 1e-4, {"beta_1": 1.0}, profile="tiny").optimizer_options == (("beta_1", 1.0),)
    muon = Experiment("muon", 0.001, {"exclude_layers": ["dense_1"], "rms_rate": None, "ns_steps": 3}, profile="tiny")
    assert dict(muon.optimizer_options) == {"exclude_layers": ("dense_1",), "rms_rate": None, "ns_steps": 3}
    assert Experiment.from_dict(muon.to_dict()) == muon and hash(muon)
    assert muon.build_optimizer().exclude_layers == ("dense_1",)


def test_keras_muon_orthogonalises_only_the_dense_kernels_of_the_cnn():
    # Keras 3.15's Muon uses its Newton-Schulz step only for variables of exactly two dimensions;
    # the 4-D convolution kernels and every bias get its AdamW step (its velocity slot).
    model = build_cnn((28, 28, 1))
    optimizer = keras.optimizers.Muon()
    optimizer.build(model.trainable_variables)
    muon = [v for v in model.trainable_variables if optimizer.adam_velocities[optimizer._get_variable_index(v)] is None]
    assert [tuple(v.shape) for v in muon] == [(1600, 256), (256, 10)]  # the output layer's kernel too
    assert sum(int(np.prod(v.shape)) for v in muon) == 412_160  # of the 431,242 parameters


@pytest.mark.parametrize("name", ["lion", "lamb", "muon"])
def test_each_newer_optimizer_takes_a_step_on_the_cnn(name):
    keras.utils.set_random_seed(0)
    model = build_cnn((28, 28, 1))
    compile_cnn(model, Experiment(name, 1e-3, profile="tiny").build_optimizer())
    before = [v.numpy().copy() for v in model.trainable_variables]
    rng = np.random.default_rng(0)
    images, labels = rng.random((16, 28, 28, 1), dtype="float32"), np.eye(10, dtype="float32")[rng.integers(0, 10, 16)]
    loss = model.train_on_batch(images, labels)
    assert np.all(np.isfinite(loss))
    assert all(not np.array_equal(b, v.numpy()) for b, v in zip(before, model.trainable_variables))


def test_a_schedule_is_checked_against_the_method_only_for_rate_free_and_schedule_free_ones():
    assert Experiment("lion", schedules.wsd(1e-4, 100), profile="tiny").learning_rate == schedules.wsd(1e-4, 100)
