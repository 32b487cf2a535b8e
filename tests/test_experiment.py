import dataclasses
import math
import subprocess
import sys

import pytest

from lrlib import Experiment
from lrlib.experiment import OPTIMIZERS


def test_defaults_are_the_articles_setup(monkeypatch):
    monkeypatch.delenv("LRLIB_PROFILE", raising=False)
    experiment = Experiment()
    assert (experiment.optimizer, experiment.learning_rate, experiment.epochs, experiment.batch_size,
            experiment.validation_split, experiment.profile) == ("adam", 0.001, 25, 250, 0.2, "full")


def test_profile_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("LRLIB_PROFILE", "quick")
    assert Experiment().profile == "quick"
    assert Experiment().effective_epochs == 5
    assert Experiment(epochs=3).effective_epochs == 3
    assert Experiment(profile="full").effective_epochs == 25


def test_frozen_and_hashable():
    experiment = Experiment("sgd", 0.1, {"momentum": 0.9}, profile="tiny")
    with pytest.raises(dataclasses.FrozenInstanceError):
        experiment.learning_rate = 1.0
    assert {experiment: 1}[Experiment("SGD", 0.1, {"momentum": 0.9}, profile="tiny")] == 1


def test_key_identifies_the_experiment():
    base = Experiment("adam", 0.001, profile="full")
    assert base.key() == Experiment("adam", 1e-3, profile="full").key()
    assert base.key() == Experiment("adam", 1e-3, (), 25, 250, 0.2, 0, "full").key()
    variants = [dataclasses.replace(base, **change) for change in (
        {"learning_rate": 0.0011}, {"optimizer": "sgd"}, {"epochs": 24}, {"batch_size": 128},
        {"validation_split": 0.1}, {"seed": 1}, {"profile": "quick"}, {"optimizer_options": {"beta_1": 0.8}},
        {"early_stopping_patience": 3}, {"restore_best": True}, {"test_each_epoch": True})]
    assert len({v.key() for v in variants} | {base.key()}) == len(variants) + 1


def test_key_is_stable_across_processes():
    code = "from lrlib import Experiment; print(Experiment('sgd', 0.5, {'momentum': 0.9}, profile='full').key())"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert other.stdout.strip() == Experiment("sgd", 0.5, {"momentum": 0.9}, profile="full").key()


def test_dict_round_trip():
    experiment = Experiment("sgd", 0.5, {"momentum": 0.9, "nesterov": True}, epochs=3, profile="quick",
                            early_stopping_patience=2, restore_best=True)
    assert Experiment.from_dict(experiment.to_dict()) == experiment
    assert experiment.to_dict()["optimizer_options"] == {"momentum": 0.9, "nesterov": True}


def test_fields_added_later_keep_the_keys_of_stored_results_at_their_default():
    assert "test_each_epoch" not in Experiment("adam", 0.001, profile="full").to_dict()
    # The key of the book's baseline as it was stored before ``test_each_epoch`` existed.
    assert Experiment("adam", 0.001, profile="full").key() == "fd583b87df4643d3e7c1"
    scored = Experiment("adam", 0.001, profile="full", test_each_epoch=True)
    assert scored.to_dict()["test_each_epoch"] is True and Experiment.from_dict(scored.to_dict()) == scored


def test_sgds_momentum_may_follow_a_momentum_schedule():
    from lrlib import schedules
    from lrlib.optimizers import ScheduledMomentumSGD

    momentum = schedules.one_cycle_momentum(100)
    experiment = Experiment("sgd", schedules.one_cycle(0.1, 100), {"momentum": momentum}, profile="tiny")
    assert Experiment.from_dict(experiment.to_dict()) == experiment
    assert experiment.to_dict()["optimizer_options"]["momentum"]["kind"] == "one_cycle_momentum"
    assert "momentum=one_cycle_momentum(" in experiment.label()
    optimizer = experiment.build_optimizer()
    assert isinstance(optimizer, ScheduledMomentumSGD) and optimizer.momentum_schedule.schedule == momentum
    assert experiment.key() != Experiment("sgd", schedules.one_cycle(0.1, 100), {"momentum": 0.9}, profile="tiny").key()


@pytest.mark.parametrize("optimizer, option", [("sgd", "nesterov"), ("adam", "beta_1"), ("rmsprop", "momentum")])
def test_a_schedule_is_refused_as_any_other_option(optimizer, option):
    from lrlib import schedules

    with pytest.raises(ValueError, match=f"optimizer_options\\[{option!r}\\]"):
        Experiment(optimizer, 0.1, {option: schedules.cyclical_momentum(10)})
    with pytest.raises(ValueError, match="as SGD's momentum"):
        Experiment("sgd", 0.1, {"momentum": schedules.triangular(0.01, 0.1, 10)})  # a rate, not a momentum


def test_builds_every_optimizer_with_its_rate():
    for name in OPTIMIZERS:
        optimizer = Experiment(name, 0.25, profile="tiny").build_optimizer()
        assert math.isclose(float(optimizer.learning_rate), 0.25)
    assert float(Experiment("sgd", 0.1, {"momentum": 0.9}).build_optimizer().momentum) == 0.9


@pytest.mark.parametrize("argument, value, error", [
    ("learning_rate", 0, ValueError), ("learning_rate", 0.0, ValueError), ("learning_rate", -0.1, ValueError),
    ("learning_rate", math.nan, ValueError), ("learning_rate", math.inf, ValueError),
    ("learning_rate", "0.1", TypeError), ("learning_rate", True, TypeError), ("learning_rate", None, TypeError),
    ("optimizer", "adamm", ValueError), ("optimizer", 3, TypeError),
    ("epochs", 0, ValueError), ("epochs", -2, ValueError), ("epochs", 2.5, TypeError),
    ("batch_size", 0, ValueError), ("batch_size", -250, ValueError), ("batch_size", "250", TypeError),
    ("validation_split", 0, ValueError), ("validation_split", 1, ValueError), ("validation_split", 1.5, ValueError),
    ("validation_split", -0.2, ValueError), ("validation_split", "0.2", TypeError),
    ("seed", -1, ValueError), ("seed", 2**32, ValueError), ("profile", "huge", ValueError),
    ("learning_rate", 1e300, ValueError), ("learning_rate", 1e-320, ValueError), ("learning_rate", 10**400, ValueError),
    ("early_stopping_patience", 0, ValueError), ("restore_best", "yes", TypeError),
    ("test_each_epoch", 1, TypeError),
])
def test_bad_input_names_the_argument_and_the_value(argument, value, error):
    with pytest.raises(error) as raised:
        Experiment(**{argument: value})
    assert f"`{argument}`" in str(raised.value)
    assert f"{argument}={value!r}" in str(raised.value)


@pytest.mark.parametrize("optimizer, options", [
    ("sgd", {"momentun": 0.9}), ("sgd", {"momentum": math.nan}), ("sgd", {"momentum": [0.9]}),
    ("adam", {"beta_1": 5}), ("adam", {"beta_2": -0.1}), ("adam", {"epsilon": -1}), ("adam", {"amsgrad": 1}),
    ("sgd", {"nesterov": "yes"}), ("sgd", {"clipnorm": -1}), ("sgd", {"momentum": 1.0}),
    ("rmsprop", {"centered": "false"}), ("adagrad", {"initial_accumulator_value": -0.1}),
    ("adamw", {"weight_decay": -0.01}), ("adam", {"gradient_accumulation_steps": 0}),
])
def test_bad_optimizer_options_are_refused_before_training(optimizer, options):
    with pytest.raises((ValueError, TypeError)) as raised:
        Experiment(optimizer, 0.1, options)
    name, value = next(iter(options.items()))
    assert "optimizer_options" in str(raised.value) and repr(value) in str(raised.value)


def test_numpy_scalars_are_numbers_and_keep_the_key():
    import numpy as np

    experiment = Experiment("adam", np.float64(0.001), epochs=np.int64(25), seed=np.int32(0), profile="full")
    assert experiment == Experiment("adam", 0.001, profile="full")
    assert experiment.key() == Experiment("adam", 0.001, profile="full").key()
    assert type(experiment.epochs) is int and type(experiment.learning_rate) is float
    assert Experiment("adam", np.float32(0.1), profile="tiny").learning_rate == pytest.approx(0.1)
    assert Experiment("sgd", 0.1, {"momentum": np.float32(0.5)}, profile="tiny").optimizer_options == (("momentum", 0.5),)


def test_the_largest_seed_keras_takes_is_accepted():
    assert Experiment(seed=2**32 - 1, profile="tiny").seed == 2**32 - 1


def test_label():
    assert Experiment("sgd", 1e-5, {"momentum": 0.9}).label() == "sgd lr=1e-05, momentum=0.9"


def test_initial_rate_of_a_fixed_rate_and_of_a_schedule_without_steps_per_epoch():
    from lrlib import schedules

    assert Experiment("sgd", 0.05).initial_rate == 0.05
    decayed = Experiment("sgd", schedules.time_decay(0.2, decay_rate=1.0))
    assert decayed.learning_rate.needs_steps_per_epoch and decayed.initial_rate == pytest.approx(0.2)


# --- issue 26, item 12: a bad LRLIB_PROFILE is named as the variable -----------------------------------

def test_a_bad_profile_variable_is_named_as_the_environment_variable(monkeypatch):
    monkeypatch.setenv("LRLIB_PROFILE", "bogus")
    with pytest.raises(ValueError, match=r"^Environment variable LRLIB_PROFILE must be one of \['full', 'quick', "
                                         r"'tiny'\] \(or unset\). Received: LRLIB_PROFILE='bogus'$"):
        Experiment("adam", 0.1)
    assert Experiment("adam", 0.1, profile="tiny").profile == "tiny"  # an explicit profile needs no variable
