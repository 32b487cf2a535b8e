"""Schedule-free AdamW: lrlib's against the authors' reference (``schedulefree.AdamWScheduleFree``)
step by step, Keras 3.15's against the same values (it differs, and the test says where), and
the evaluation weights a Keras fit uses with lrlib's.

The reference values come from ``reference/schedule_free_reference.py`` (a separate environment
with PyTorch): y (the training weights) and x (the evaluation weights) after each of 30 steps of
a small two-layer regression, for three settings, in float64 and float32. lrlib's agrees to
within 1e-15 in float64 (the test allows 1e-12); in float32 the frameworks round differently,
and the test allows 1e-5 absolute plus 1e-4 relative.
"""

import json
import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from lrlib import Experiment, schedules
from lrlib.model import build_cnn
from lrlib.model_cache import compile_cnn
from lrlib.optimizers import ALL_OPTIMIZERS, NEWER_DEFAULT_RATES
from lrlib.schedule_free import KerasScheduleFreeAdamW, ScheduleFreeAdamW, ScheduleFreeEvaluation

REFERENCE = json.loads((pathlib.Path(__file__).parents[1] / "lrlib" / "reference_values" / "schedule_free.json").read_text())
NAMES = ("W1", "b1", "W2")
TOLERANCE = {"float64": dict(rtol=1e-12, atol=1e-12), "float32": dict(rtol=1e-4, atol=1e-5)}


def keras_options(settings: dict) -> dict:
    options = {{"lr": "learning_rate"}.get(k, k): v for k, v in settings.items() if k != "betas"}
    if "betas" in settings:
        options["beta_1"], options["beta_2"] = settings["betas"]
    return options


def trajectory(optimizer, dtype: str, traced: bool = False):
    """``optimizer`` on the reference's problem: y and, for lrlib's, x after each step; with
    ``traced``, each step runs in a ``tf.function`` as in ``model.fit``."""
    problem = REFERENCE["problem"]
    variables = [keras.Variable(np.array(problem["initial"][name]), dtype=dtype, name=name) for name in NAMES]
    xs, ys = np.array(problem["x"], dtype=dtype), np.array(problem["y"], dtype=dtype)
    steps = []

    def one_step(x, y):
        watched = [v.value for v in variables]
        with tf.GradientTape() as tape:
            w1, b1, w2 = watched
            loss = tf.reduce_mean(((x @ w1 + b1) @ w2 - y) ** 2)
        optimizer.apply(tape.gradient(loss, watched), variables)

    if traced:
        optimizer.build(variables)
        one_step = tf.function(one_step)
    for step in range(problem["steps"]):
        one_step(xs[step % len(xs)], ys[step % len(ys)])
        record = {"y": {n: v.numpy().astype("float64") for n, v in zip(NAMES, variables)}}
        if isinstance(optimizer, ScheduleFreeAdamW):
            x = optimizer.evaluation_weights(variables)
            record["x"] = {n: keras.ops.convert_to_numpy(w).astype("float64") for n, w in zip(NAMES, x)}
        steps.append(record)
    return steps


def largest_difference(reference_steps, steps, key="y"):
    return max(float(np.max(np.abs(np.array(e[key][n]) - g[key][n]))) for e, g in zip(reference_steps, steps) for n in NAMES)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("setting", sorted(REFERENCE["results"]))
def test_lrlibs_steps_match_the_authors_reference(setting, dtype):
    reference = REFERENCE["results"][setting][dtype]
    optimizer = ScheduleFreeAdamW(**keras_options(reference["settings"]))
    steps = trajectory(optimizer, dtype)
    for number, (expected, got) in enumerate(zip(reference["steps"], steps)):
        for key in ("y", "x"):
            for name in NAMES:
                np.testing.assert_allclose(got[key][name], expected[key][name], **TOLERANCE[dtype],
                                           err_msg=f"{key} {name} after step {number + 1}")


@pytest.mark.parametrize("setting", sorted(REFERENCE["results"]))
def test_lrlibs_steps_match_the_reference_also_in_a_traced_step(setting):
    reference = REFERENCE["results"][setting]["float64"]
    steps = trajectory(ScheduleFreeAdamW(**keras_options(reference["settings"])), "float64", traced=True)
    assert largest_difference(reference["steps"], steps) < 1e-12
    assert largest_difference(reference["steps"], steps, key="x") < 1e-12


def test_keras_3_15_departs_from_the_reference_also_in_a_traced_step():
    reference = REFERENCE["results"]["default, rate 2^-8"]["float64"]
    steps = trajectory(KerasScheduleFreeAdamW(learning_rate=2.0 ** -8), "float64", traced=True)
    assert largest_difference(reference["steps"][:1], steps[:1]) < 1e-12
    assert distance(steps[-1]) < 0.95 * distance(reference["steps"][-1])


@pytest.mark.parametrize("traced", [False, True], ids=["eager", "traced"])
def test_keras_3_15_computes_the_reference_step_with_beta_1_of_one(traced):
    # With z_old read after z's update, y = (1 - c) y + c z: gradients at the average itself.
    reference = REFERENCE["results"]["beta1 1 (primal averaging), rate 2^-8"]["float64"]
    steps = trajectory(KerasScheduleFreeAdamW(learning_rate=2.0 ** -8, beta_1=0.9), "float64", traced=traced)
    assert largest_difference(reference["steps"], steps) < 1e-8


def test_keras_3_15_departs_from_the_reference_after_its_first_step():
    # Its step reads momentum.value (the tf.Variable itself) as the "old" z after updating it:
    # the first step (c = 1) agrees, every later one moves y too little.
    reference = REFERENCE["results"]["default, rate 2^-8"]["float64"]
    steps = trajectory(KerasScheduleFreeAdamW(learning_rate=2.0 ** -8), "float64")
    first = largest_difference(reference["steps"][:1], steps[:1])
    assert first < 1e-12
    moved = largest_difference(reference["steps"][-1:], [{"y": {n: np.array(REFERENCE["problem"]["initial"][n])
                                                                for n in NAMES}}])  # the largest move of a weight
    assert largest_difference(reference["steps"], steps) > 0.03 * moved
    assert distance(steps[-1]) < 0.95 * distance(reference["steps"][-1])  # its y moves too little
    # The same step with the old z read as a copy agrees with the reference (the fix); what
    # remains is Keras's ops.cast of Python floats (beta_1) through float32.
    fixed = trajectory(_CopyingKerasScheduleFreeAdamW(learning_rate=2.0 ** -8), "float64")
    assert largest_difference(reference["steps"], fixed) < 1e-8


def distance(step):
    """How far y has moved from the initial weights (Euclidean, over all weights)."""
    return np.sqrt(sum(np.sum((np.array(step["y"][n]) - np.array(REFERENCE["problem"]["initial"][n])) ** 2)
                       for n in NAMES))


class _CopyingKerasScheduleFreeAdamW(KerasScheduleFreeAdamW):
    """Keras 3.15's ``ScheduleFreeAdamW.update_step`` (without warm-up), line for line, with the
    one-line fix: the old z read as a tensor (``ops.convert_to_tensor``) before z is updated."""

    def update_step(self, gradient, variable, learning_rate):
        ops = keras.ops
        lr, gradient = ops.cast(learning_rate, variable.dtype), ops.cast(gradient, variable.dtype)
        local_step = ops.cast(self.iterations + 1, variable.dtype)
        beta_1, beta_2 = ops.cast(self.beta_1, variable.dtype), ops.cast(self.beta_2, variable.dtype)
        epsilon = ops.cast(self.epsilon, variable.dtype)
        index = self._get_variable_index(variable)
        momentum, velocity = self._momentums[index], self._velocities[index]
        self.assign(momentum, ops.where(ops.equal(self.iterations, 0), ops.convert_to_tensor(variable), momentum))
        momentum_old = ops.copy(momentum)  # Keras 3.15: momentum.value, the variable itself
        bias_correction_2 = 1 - ops.power(beta_2, local_step)
        self.assign_add(velocity, ops.multiply(ops.subtract(ops.square(gradient), velocity), 1 - beta_2))
        denom = ops.add(ops.sqrt(velocity / bias_correction_2), epsilon)
        self.assign_sub(momentum, ops.divide(ops.multiply(lr, gradient), denom))
        weight = 1.0 / local_step
        x_old = ops.divide(ops.subtract(variable, ops.multiply(1 - beta_1, momentum_old)), beta_1)
        x_new = ops.add(ops.multiply(1 - weight, x_old), ops.multiply(weight, momentum))
        self.assign(variable, ops.add(ops.multiply(1 - beta_1, momentum), ops.multiply(beta_1, x_new)))


def test_schedule_free_names_rates_and_options():
    assert ALL_OPTIMIZERS["schedule_free_adamw"] is ScheduleFreeAdamW
    assert ALL_OPTIMIZERS["keras_schedule_free_adamw"] is KerasScheduleFreeAdamW
    assert NEWER_DEFAULT_RATES["schedule_free_adamw"] == NEWER_DEFAULT_RATES["keras_schedule_free_adamw"] == 0.0025
    built = Experiment("schedule_free_adamw", 0.0025, {"warmup_steps": 100, "weight_decay": 0.01}, profile="tiny").build_optimizer()
    assert isinstance(built, ScheduleFreeAdamW) and built.warmup_steps == 100 and built.weight_decay == 0.01
    config = built.get_config()
    assert ScheduleFreeAdamW.from_config(config).get_config() == config


@pytest.mark.parametrize("optimizer", ["schedule_free_adamw", "keras_schedule_free_adamw"])
@pytest.mark.parametrize("name, value", [("warmup_steps", -10), ("warmup_steps", 2.5), ("beta_1", 0.0), ("beta_1", 1.5),
                                         ("beta_2", 1.0), ("epsilon", 0.0)])
def test_bad_schedule_free_options_are_refused_by_name(optimizer, name, value):
    with pytest.raises((ValueError, TypeError), match=f"optimizer_options\\[{name!r}\\]"):
        Experiment(optimizer, 0.0025, {name: value}, profile="tiny")


@pytest.mark.parametrize("optimizer", ["schedule_free_adamw", "keras_schedule_free_adamw"])
def test_a_schedule_for_a_schedule_free_method_is_refused_by_name(optimizer):
    with pytest.raises(ValueError, match=r"Argument `learning_rate` must be a fixed rate .*warmup_steps"):
        Experiment(optimizer, schedules.wsd(0.0025, 100), profile="tiny")


def test_the_state_before_the_first_step_does_not_depend_on_the_weights():
    for make in (ScheduleFreeAdamW, KerasScheduleFreeAdamW):
        states = []
        for value in (1.0, -3.0):
            optimizer = make()
            optimizer.build([keras.Variable(np.full((2, 2), value, dtype="float32"))])
            states.append([v.numpy() for v in optimizer.variables])
        assert all(np.array_equal(a, b) for a, b in zip(*states))


def test_a_fit_validates_and_ends_at_the_evaluation_weights():
    rng = np.random.default_rng(0)
    images = rng.random((64, 28, 28, 1), dtype="float32")
    labels = np.eye(10, dtype="float32")[rng.integers(0, 10, 64)]
    keras.utils.set_random_seed(0)
    model = build_cnn((28, 28, 1))
    optimizer = ScheduleFreeAdamW()
    compile_cnn(model, optimizer)
    seen = []

    class Probe(keras.callbacks.Callback):
        def on_test_begin(self, logs=None):
            seen.append(("validation", optimizer.training_weights))

        def on_epoch_end(self, epoch, logs=None):
            seen.append(("epoch end", optimizer.training_weights))

        def on_train_batch_begin(self, batch, logs=None):
            if batch == 0:
                seen.append(("training", optimizer.training_weights))

    model.fit(images, labels, batch_size=16, epochs=2, validation_split=0.25, verbose=0,
              callbacks=[ScheduleFreeEvaluation(), Probe()])
    assert seen == [("training", True), ("validation", False), ("epoch end", False)] * 2
    assert not optimizer.training_weights  # the model ends at x
    with pytest.raises(AssertionError):  # evaluation_weights is for a model at y
        np.testing.assert_allclose(optimizer.evaluation_weights(model.trainable_variables)[0], model.trainable_variables[0])
    # x as the reference defines it, from y and z: put back at y, then take x again.
    x = [v.numpy().copy() for v in model.trainable_variables]
    optimizer.train_mode(model.trainable_variables)
    y = [v.numpy().copy() for v in model.trainable_variables]
    z = [optimizer._z[optimizer._get_variable_index(v)].numpy() for v in model.trainable_variables]
    for xi, yi, zi in zip(x, y, z):
        np.testing.assert_allclose(xi, (yi - 0.1 * zi) / 0.9, atol=1e-5)
    assert any(not np.allclose(xi, yi) for xi, yi in zip(x, y))
