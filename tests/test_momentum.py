"""ScheduledMomentumSGD: Keras's SGD update with a momentum that follows a schedule of the step,
checked against SGD itself, against the update written out here, and through save and resume;
and the cycle bounds a range test hands to a cyclical schedule."""

import keras
import numpy as np
import pytest

from lrlib import range_test as rt
from lrlib import schedules as S
from lrlib.optimizers import ScheduledMomentumSGD


def tiny_model(seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])


def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(60, 4)).astype("float32"), rng.integers(0, 3, 60)


def trained(optimizer, epochs=2, model=None):
    model = model or tiny_model()
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    model.fit(*data(), batch_size=10, epochs=epochs, shuffle=False, verbose=0)
    return model


@pytest.mark.parametrize("nesterov", [False, True])
def test_a_momentum_held_at_one_value_trains_exactly_as_keras_sgd(nesterov):
    flat = S.cyclical_momentum(step_size=5, low_momentum=0.899999, high_momentum=0.9)  # about 0.9 throughout
    ours = trained(ScheduledMomentumSGD(0.05, momentum=flat, nesterov=nesterov))
    keras_sgd = trained(keras.optimizers.SGD(0.05, momentum=0.9, nesterov=nesterov))
    for a, b in zip(ours.get_weights(), keras_sgd.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_each_step_uses_the_scheduled_momentum():
    # One weight, loss (w - 3)^2 / 2: the gradient is w - 3, so the update can be written out.
    schedule = S.one_cycle_momentum(total_steps=12, warmup_fraction=0.3)
    optimizer = ScheduledMomentumSGD(0.1, momentum=schedule)
    weight = keras.Variable(np.array([0.0], dtype="float32"))
    w, velocity, seen = 0.0, 0.0, []
    for step in range(12):
        seen.append(optimizer.current_momentum)
        optimizer.apply([keras.ops.convert_to_tensor(weight.numpy() - 3.0)], [weight])
        velocity = schedule.values(step) * velocity - 0.1 * (w - 3.0)
        w += velocity
        assert weight.numpy()[0] == pytest.approx(w, rel=1e-5)
    np.testing.assert_allclose(seen, schedule.values(np.arange(12)), rtol=1e-6)
    assert seen[0] == pytest.approx(0.95) and min(seen) == pytest.approx(0.85, abs=1e-6)


def test_a_saved_model_resumes_with_its_momentum_schedule(tmp_path):
    def optimizer():
        return ScheduledMomentumSGD(S.triangular(0.01, 0.1, step_size=6).keras(), S.cyclical_momentum(step_size=6))

    straight = trained(optimizer(), epochs=4)
    first = trained(optimizer(), epochs=2)
    path = tmp_path / "model.keras"
    first.save(path)
    reloaded = keras.models.load_model(path)
    assert isinstance(reloaded.optimizer, ScheduledMomentumSGD)
    assert reloaded.optimizer.momentum_schedule.schedule == S.cyclical_momentum(step_size=6)
    assert int(reloaded.optimizer.iterations) == 12
    reloaded.fit(*data(), batch_size=10, epochs=4, initial_epoch=2, shuffle=False, verbose=0)
    for a, b in zip(reloaded.get_weights(), straight.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("momentum", [0.9, None, S.triangular(0.01, 0.1, step_size=5)])
def test_only_a_momentum_schedule_is_accepted(momentum):
    with pytest.raises(ValueError, match="momentum="):
        ScheduledMomentumSGD(0.1, momentum=momentum)


@pytest.mark.parametrize("arguments, message", [
    ({"step_size": 5, "low_momentum": 0.95, "high_momentum": 0.85}, "low_momentum=0.95"),
    ({"step_size": 5, "low_momentum": 0.9, "high_momentum": 0.9}, "low_momentum=0.9"),
    ({"step_size": 5, "high_momentum": 1.0}, "high_momentum=1.0"),
    ({"step_size": 0}, "step_size=0"),
])
def test_momentum_bounds_are_checked(arguments, message):
    with pytest.raises(ValueError, match=message):
        S.cyclical_momentum(**arguments)


def test_cycle_bounds_reversed_or_equal_are_refused():
    with pytest.raises(ValueError, match="base_rate=0.1"):
        S.triangular(0.1, 0.01, step_size=5)
    with pytest.raises(ValueError, match="base_rate=0.1"):
        S.triangular2(0.1, 0.1, step_size=5)
    with pytest.raises(ValueError, match="warmup_fraction=1.0"):
        S.one_cycle_momentum(total_steps=10, warmup_fraction=1.0)


def curve():
    rates = rt.rates_between(1e-5, 10, 60)
    losses = 2.3 - 2 / (1 + np.exp(-4 * (np.log10(rates) + 2))) + 50 * (rates > 0.5)
    return rt.RangeTest(tuple(rates), tuple(losses), 0.0, "reached end=10", 1.0)


@pytest.mark.parametrize("policy", ["triangular", "triangular2", "exp_range"])
def test_a_range_test_gives_a_cyclical_schedule_between_its_bounds(policy):
    test = curve()
    low, high = test.cycle_bounds()
    schedule = test.cyclical_schedule(step_size=10, policy=policy, gamma=0.999 if policy == "exp_range" else None)
    assert schedule.kind == policy and (schedule.args["base_rate"], schedule.args["max_rate"]) == (low, high)
    assert low < 0.01 < high


@pytest.mark.parametrize("rule", ["valley", "steepest", "minimum/10"])
def test_a_range_test_gives_a_one_cycle_schedule_peaking_at_its_suggestion(rule):
    test = curve()
    schedule = test.one_cycle_schedule(384, rule, warmup_fraction=0.25)
    assert schedule.kind == "one_cycle" and schedule.args["peak_rate"] == test.suggestion(rule)
    assert (schedule.args["total_steps"], schedule.args["warmup_fraction"]) == (384, 0.25)
    assert schedule.values([0, 383]).max() < schedule.args["peak_rate"] == schedule.values(np.arange(384)).max()


@pytest.mark.parametrize("arguments, message", [
    ({"total_steps": 0}, "total_steps=0"), ({"total_steps": 384, "warmup_fraction": 1.0}, "warmup_fraction=1.0"),
    ({"total_steps": 384, "warmup_fraction": 0}, "warmup_fraction=0"), ({"total_steps": 384, "rule": "best"}, "rule='best'"),
])
def test_a_one_cycle_schedule_from_a_range_test_checks_its_arguments(arguments, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[")):
        curve().one_cycle_schedule(**arguments)


def test_a_range_test_without_a_usable_descent_gives_no_schedule():
    flat = rt.RangeTest(tuple(rt.rates_between(1e-5, 10, 20)), (2.3,) * 20, 0.0, "reached end=10", 1.0)
    with pytest.raises(ValueError, match="losses"):
        flat.cyclical_schedule(step_size=10)
    with pytest.raises(ValueError, match="losses"):
        flat.one_cycle_schedule(total_steps=384)
    with pytest.raises(ValueError, match="policy='zigzag'"):
        curve().cyclical_schedule(step_size=10, policy="zigzag")
    with pytest.raises(TypeError, match="gamma=None"):
        curve().cyclical_schedule(step_size=10, policy="exp_range")
