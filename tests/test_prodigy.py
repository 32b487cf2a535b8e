"""lrlib's Prodigy against the authors' reference code (``prodigyopt.Prodigy``), step by step.

The reference values come from ``reference/prodigy_reference.py`` (run in a separate environment
with PyTorch): the weights and the estimate d after each of 30 steps of a small two-layer
regression, for five settings, in float64 and float32. In float64 both implementations compute
the same numbers in a different order: they agree to within 6e-14 (absolute) and 4e-13
(relative), and the test allows 1e-12 and 1e-10. In float32 the two frameworks round
differently (dot products, the order of sums) and the estimate d, a ratio of sums, carries those
differences into every step: they reach 2.4e-5 absolute (on weights of order 1 that move by
0.1 to 1 over the 30 steps) and 2e-4 relative (on entries near zero); the test allows 5e-5
absolute plus 1e-3 relative.
"""

import json
import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from lrlib import Experiment, schedules
from lrlib.optimizers import ALL_OPTIMIZERS, NEWER_DEFAULT_RATES
from lrlib.prodigy import Prodigy

REFERENCE = json.loads((pathlib.Path(__file__).parents[1] / "lrlib" / "reference_values" / "prodigy.json").read_text())
NAMES = ("W1", "b1", "W2")
TOLERANCE = {"float64": dict(rtol=1e-10, atol=1e-12), "float32": dict(rtol=1e-3, atol=5e-5)}


def keras_options(settings: dict) -> dict:
    """The reference's keyword arguments in the names lrlib's Prodigy takes."""
    renamed = {"lr": "learning_rate", "eps": "epsilon", "beta3": "beta_3"}
    options = {renamed.get(name, name): value for name, value in settings.items() if name != "betas"}
    if "betas" in settings:
        options["beta_1"], options["beta_2"] = settings["betas"]
    return options


def lrlib_trajectory(settings: dict, dtype: str):
    """lrlib's Prodigy on the reference's problem: the weights and d after each step."""
    problem = REFERENCE["problem"]
    variables = [keras.Variable(np.array(problem["initial"][name]), dtype=dtype, name=name) for name in NAMES]
    optimizer = Prodigy(**keras_options(settings))
    xs, ys = np.array(problem["x"], dtype=dtype), np.array(problem["y"], dtype=dtype)
    steps = []
    for step in range(problem["steps"]):
        x, y = xs[step % len(xs)], ys[step % len(ys)]
        watched = [v.value for v in variables]  # the tf.Variables under Keras's
        with tf.GradientTape() as tape:
            w1, b1, w2 = watched
            loss = tf.reduce_mean(((x @ w1 + b1) @ w2 - y) ** 2)
        optimizer.apply(tape.gradient(loss, watched), variables)
        steps.append({"d": optimizer.d, "params": {name: v.numpy().astype("float64") for name, v in zip(NAMES, variables)}})
    return steps


def differences(reference_steps, steps):
    """The largest absolute and relative difference of the weights and of d, over each step."""
    rows = []
    for expected, got in zip(reference_steps, steps):
        pairs = [(np.array(expected["params"][n]), got["params"][n]) for n in NAMES] + [
            (np.array(expected["d"]), np.array(got["d"]))]
        absolute = max(float(np.max(np.abs(e - g))) for e, g in pairs)
        relative = max(float(np.max(np.abs(e - g) / np.maximum(np.abs(e), 1e-12))) for e, g in pairs)
        rows.append((absolute, relative))
    return rows


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("setting", sorted(REFERENCE["results"]))
def test_every_step_matches_the_authors_reference(setting, dtype):
    reference = REFERENCE["results"][setting][dtype]
    steps = lrlib_trajectory(reference["settings"], dtype)
    assert len(steps) == len(reference["steps"]) == 30
    for number, (expected, got) in enumerate(zip(reference["steps"], steps)):
        assert got["d"] == pytest.approx(expected["d"], rel=TOLERANCE[dtype]["rtol"]), f"d after step {number + 1}"
        for name in NAMES:
            np.testing.assert_allclose(got["params"][name], expected["params"][name], **TOLERANCE[dtype],
                                       err_msg=f"{name} after step {number + 1}")


def test_the_reference_values_exercise_what_they_claim():
    results = REFERENCE["results"]
    for setting, runs in results.items():
        ds = [step["d"] for step in runs["float64"]["steps"]]
        assert ds[-1] > 10 * ds[0], f"{setting}: the estimate must grow for the comparison to mean something"
    default = results["default"]["float64"]["steps"]
    assert default[-1]["loss"] < default[0]["loss"]
    assert not any(REFERENCE["problem"]["initial"]["b1"])  # a variable that starts at zero


def test_the_estimate_stays_put_when_every_gradient_is_zero():
    variable = keras.Variable(np.ones(3, dtype="float32"))
    optimizer = Prodigy()
    optimizer.apply([np.zeros(3, dtype="float32")], [variable])
    assert optimizer.d == 1e-6 and np.array_equal(variable.numpy(), np.ones(3))


def test_prodigy_is_an_lrlib_optimizer_at_a_rate_of_one():
    assert ALL_OPTIMIZERS["prodigy"] is Prodigy and NEWER_DEFAULT_RATES["prodigy"] == 1.0
    experiment = Experiment("prodigy", 1.0, {"d_coef": 0.5, "weight_decay": 0.01}, profile="tiny")
    built = experiment.build_optimizer()
    assert isinstance(built, Prodigy) and built.d_coef == 0.5 and built.weight_decay == 0.01
    config = built.get_config()
    assert Prodigy.from_config(config).get_config() == config
    assert Experiment("prodigy", schedules.wsd(1.0, 100), profile="tiny").initial_rate == 1.0


@pytest.mark.parametrize("rate", [0.001, 2.0, schedules.cosine_decay(0.5, 100), schedules.piecewise_constant([5], [1.0, 0.1])],
                         ids=["0.001", "2.0", "cosine from 0.5", "piecewise"])
def test_a_rate_prodigy_would_only_multiply_is_refused_by_name(rate):
    with pytest.raises(ValueError, match=r"Argument `learning_rate` must be 1.0 .* optimizer_options\['d_coef'\]"):
        Experiment("prodigy", rate, profile="tiny")


@pytest.mark.parametrize("name, value", [("d_coef", 0.0), ("d0", -1e-6), ("growth_rate", 0.5), ("beta_3", 1.0),
                                         ("slice_p", 0), ("decouple", "yes"), ("safeguard_warmup", 1),
                                         ("weight_decay", -0.1), ("beta_1", 1.0), ("lr", 1.0)])
def test_bad_prodigy_options_are_refused_by_name(name, value):
    with pytest.raises((ValueError, TypeError), match=f"optimizer_options\\[{name!r}\\]"):
        Experiment("prodigy", 1.0, {name: value}, profile="tiny")


def test_its_state_before_the_first_step_does_not_depend_on_the_weights():
    # lrlib's shared compiled models restore the optimizer's initial state for each run's seed.
    def state(value):
        optimizer = Prodigy()
        optimizer.build([keras.Variable(np.full((2, 2), value, dtype="float32"))])
        return [v.numpy() for v in optimizer.variables]

    assert all(np.array_equal(a, b) for a, b in zip(state(1.0), state(-3.0)))
