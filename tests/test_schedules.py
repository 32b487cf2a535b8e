"""Every schedule against a formula written here independently, its properties, its graph
evaluation, its config round trip, and a saved-and-reloaded model that keeps its rates."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from lrlib import Experiment
from lrlib import schedules as S

STEPS = np.arange(0, 3001)
SPE = 100  # steps per epoch in these tests


def epoch_of(step):
    return step // SPE


REFERENCE = {
    "constant": (S.constant(0.3), lambda t: 0.3),
    "linear": (S.linear_decay(0.1, 0.01, decay_epochs=20, steps_per_epoch=SPE),
               lambda t: 0.1 - (0.1 - 0.01) * min(epoch_of(t), 20) / 20),
    "step": (S.step_decay(0.1, 0.5, epochs_per_drop=10, steps_per_epoch=SPE),
             lambda t: 0.1 * 0.5 ** (epoch_of(t) // 10)),
    "time": (S.time_decay(0.1, 0.5, steps_per_epoch=SPE), lambda t: 0.1 / (1 + 0.5 * epoch_of(t))),
    "exponential": (S.exponential_decay(0.1, 0.2, steps_per_epoch=SPE), lambda t: 0.1 * math.exp(-0.2 * epoch_of(t))),
    "piecewise": (S.piecewise_constant([1000, 2000], [0.1, 0.01, 0.001]),
                  lambda t: 0.1 if t < 1000 else (0.01 if t < 2000 else 0.001)),
    "polynomial": (S.polynomial_decay(0.1, 0.001, decay_steps=2000, power=2.0),
                   lambda t: (0.1 - 0.001) * (1 - min(t, 2000) / 2000) ** 2 + 0.001),
    "cosine": (S.cosine_decay(0.1, decay_steps=2000, final_rate=0.001),
               lambda t: 0.001 + 0.5 * 0.099 * (1 + math.cos(math.pi * min(t, 2000) / 2000))),
    "warmup": (S.linear_warmup(0.1, warmup_steps=500, start_rate=0.01),
               lambda t: 0.01 + 0.09 * min(t, 500) / 500),
    "warmup+cosine": (S.join([S.linear_warmup(0.1, 500), S.cosine_decay(0.1, 2000)], [500]),
                      lambda t: 0.1 * t / 500 if t < 500 else 0.05 * (1 + math.cos(math.pi * min(t - 500, 2000) / 2000))),
    "triangular": (S.triangular(0.01, 0.1, step_size=400), lambda t: 0.01 + 0.09 * triangle(t, 400)),
    "triangular2": (S.triangular2(0.01, 0.1, step_size=400),
                    lambda t: 0.01 + 0.09 * triangle(t, 400) / 2 ** (t // 800)),
    "exp_range": (S.exp_range(0.01, 0.1, step_size=400, gamma=0.999),
                  lambda t: 0.01 + 0.09 * triangle(t, 400) * 0.999 ** t),
    "one_cycle": (S.one_cycle(0.1, total_steps=2001), lambda t: one_cycle(t, cosine=True)),
    "one_cycle linear": (S.one_cycle(0.1, total_steps=2001, shape="linear"), lambda t: one_cycle(t, cosine=False)),
    "cyclical_momentum": (S.cyclical_momentum(step_size=400), lambda t: 0.95 - 0.10 * triangle(t, 400)),
    "one_cycle_momentum": (S.one_cycle_momentum(total_steps=2001), lambda t: one_cycle_momentum(t)),
    "wsd": (S.wsd(0.1, total_steps=2000, warmup_steps=200, decay_fraction=0.25, final_rate=0.001),
            lambda t: wsd(t)),
    "wsd cosine": (S.wsd(0.1, total_steps=2000, warmup_steps=200, decay_shape="cosine"),
                   lambda t: wsd(t, decay=400, final=0.0, shape=lambda f: (1 - math.cos(math.pi * f)) / 2)),
    "wsd 1-sqrt": (S.wsd(0.1, total_steps=2000, decay_fraction=0.1, decay_shape="1-sqrt"),
                   lambda t: wsd(t, warmup=0, decay=200, final=0.0, shape=math.sqrt)),
}


def triangle(t, step_size):
    """0 at the start of each cycle of 2 step_size steps, 1 in its middle, straight in between."""
    position = t % (2 * step_size)
    return position / step_size if position <= step_size else 2 - position / step_size


def one_cycle(t, peak=0.1, total=2001, warmup=0.3, start_divisor=25, final_divisor=1e4, cosine=True):
    """Smith and Topin's one cycle, written out: the peak at step 600 of 0..2000."""
    top = round(warmup * (total - 1))
    start, final = peak / start_divisor, peak / final_divisor
    shape = (lambda f: (1 - math.cos(math.pi * f)) / 2) if cosine else (lambda f: f)
    if t < top:
        return start + (peak - start) * shape(t / top)
    return peak + (final - peak) * shape(min((t - top) / (total - 1 - top), 1))


def wsd(t, peak=0.1, total=2000, warmup=200, decay=500, final=0.001, shape=lambda f: f):
    """Warmup-stable-decay written out: up over the first ``warmup`` steps (peak at step
    warmup - 1), flat, then down over the last ``decay`` steps, reaching ``final`` at ``total``."""
    if t < warmup:
        return peak * (t + 1) / warmup
    if t < total - decay:
        return peak
    return peak - (peak - final) * shape(min((t - (total - decay)) / decay, 1))


def one_cycle_momentum(t, low=0.85, high=0.95, total=2001, warmup=0.3):
    """fastai's momentum for one cycle: high to low (cosine) while the rate rises, back after."""
    top = round(warmup * (total - 1))
    if t < top:
        return high - (high - low) * (1 - math.cos(math.pi * t / top)) / 2
    return low + (high - low) * (1 - math.cos(math.pi * min((t - top) / (total - 1 - top), 1))) / 2


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_matches_an_independent_formula(name):
    schedule, formula = REFERENCE[name]
    expected = np.array([formula(int(t)) for t in STEPS])
    np.testing.assert_allclose(schedule.values(STEPS), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_in_graph_equals_numpy(name):
    schedule, _ = REFERENCE[name]
    keras_schedule = schedule.keras()
    graph = tf.function(lambda step: keras_schedule(step))
    for step in (0, 1, 99, 100, 499, 500, 501, 999, 1000, 1999, 2000, 2999):
        assert float(graph(tf.constant(step, dtype=tf.int64))) == pytest.approx(float(schedule.values(step)), rel=1e-6)


@pytest.mark.parametrize("name", ["linear", "step", "time", "exponential", "polynomial", "cosine", "piecewise"])
def test_decays_never_rise_and_start_at_the_initial_rate(name):
    schedule, formula = REFERENCE[name]
    values = schedule.values(STEPS)
    assert np.all(np.diff(values) <= 1e-15)
    assert values[0] == pytest.approx(formula(0)) == pytest.approx(schedule.initial_rate)


@pytest.mark.parametrize("name", ["linear", "step", "time", "exponential"])
def test_epoch_based_schedules_change_only_at_epoch_boundaries(name):
    values = REFERENCE[name][0].values(STEPS)
    changes = np.flatnonzero(np.diff(values)) + 1
    assert len(changes) and np.all(changes % SPE == 0)


def test_step_decay_first_drop_is_at_epoch_epochs_per_drop():
    schedule = S.step_decay(1.0, 0.5, epochs_per_drop=15, steps_per_epoch=1)
    assert schedule.values(14) == 1.0 and schedule.values(15) == 0.5
    assert list(schedule.values([0, 15, 30, 45])) == [1.0, 0.5, 0.25, 0.125]


def test_warmup_rises_peaks_at_the_boundary_and_join_is_continuous():
    schedule, _ = REFERENCE["warmup+cosine"]
    values = schedule.values(STEPS)
    assert np.all(np.diff(values[:501]) > 0) and values[500] == pytest.approx(0.1)
    assert np.all(np.diff(values[500:]) <= 1e-15)
    assert abs(values[500] - values[499]) < 0.001  # no jump where the pieces meet


def test_join_gives_each_piece_its_own_local_step():
    schedule = S.join([S.constant(1.0), S.step_decay(1.0, 0.5, 1, steps_per_epoch=10)], [100])
    assert list(schedule.values([99, 100, 109, 110, 120])) == [1.0, 1.0, 1.0, 0.5, 0.25]


def test_values_do_not_depend_on_call_history():
    schedule, _ = REFERENCE["time"]
    first = schedule.values(STEPS)
    schedule.values(STEPS[::-1])
    assert np.array_equal(schedule.values(STEPS), first)
    assert schedule.values(1234) == schedule.values(1234)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_config_round_trip(name):
    schedule, _ = REFERENCE[name]
    assert S.Schedule.from_config(schedule.to_config()) == schedule
    keras_schedule = schedule.keras()
    again = S.KerasSchedule.from_config(keras_schedule.get_config())
    assert again.schedule == schedule
    restored = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(keras_schedule))
    assert isinstance(restored, S.KerasSchedule) and restored.schedule == schedule


def test_schedules_are_hashable_and_equal_by_value():
    assert S.step_decay(0.1, 0.5, 10) == S.step_decay(0.1, 0.5, 10)
    assert len({S.step_decay(0.1, 0.5, 10), S.step_decay(0.1, 0.5, 10), S.time_decay(0.1, 0.5)}) == 2


def test_steps_per_epoch_is_filled_in_later_also_inside_joins():
    schedule = S.join([S.linear_warmup(0.1, 10), S.step_decay(0.1, 0.5, 1)], [10])
    assert schedule.needs_steps_per_epoch
    with pytest.raises(ValueError, match="steps_per_epoch"):
        schedule.keras()
    filled = schedule.with_steps_per_epoch(5)
    assert not filled.needs_steps_per_epoch and float(filled.values(15)) == 0.05
    given = S.step_decay(0.1, 0.5, 1, steps_per_epoch=7)
    assert given.with_steps_per_epoch(5) == given


@pytest.mark.parametrize("make, argument, value", [
    (lambda v: S.constant(v), "rate", 0), (lambda v: S.constant(v), "rate", -1.0),
    (lambda v: S.constant(v), "rate", math.nan), (lambda v: S.step_decay(v, 0.5, 10), "initial_rate", math.inf),
    (lambda v: S.step_decay(0.1, v, 10), "drop_factor", 0.0), (lambda v: S.step_decay(0.1, v, 10), "drop_factor", 1.5),
    (lambda v: S.step_decay(0.1, 0.5, v), "epochs_per_drop", 0), (lambda v: S.time_decay(0.1, v), "decay_rate", -0.1),
    (lambda v: S.exponential_decay(0.1, v), "decay_rate", 0), (lambda v: S.linear_decay(0.1, 0.0, v), "decay_epochs", -3),
    (lambda v: S.linear_decay(0.1, v, 5), "final_rate", 0.2), (lambda v: S.cosine_decay(0.1, v), "decay_steps", 0),
    (lambda v: S.linear_warmup(0.1, v), "warmup_steps", 2.5), (lambda v: S.step_decay(0.1, 0.5, 1, v), "steps_per_epoch", 0),
    (lambda v: S.piecewise_constant(v, [0.1, 0.01, 0.001]), "boundaries", [200, 100]),
    (lambda v: S.polynomial_decay(0.1, 0.0, 100, v), "power", 0),
    (lambda v: S.cosine_decay(0.1, 100, final_rate=v), "final_rate", 0.2),
    (lambda v: S.polynomial_decay(0.1, v, 100), "final_rate", 0.5),
    (lambda v: S.linear_warmup(0.1, 10, start_rate=v), "start_rate", 0.3),
    (lambda v: S.constant(v), "rate", 1e300), (lambda v: S.step_decay(v, 0.5, 10), "initial_rate", 1e-320),
    (lambda v: S.constant(v), "rate", 10**400),
    (lambda v: S.triangular(v, 0.1, 10), "base_rate", 0.2), (lambda v: S.triangular2(0.01, v, 10), "max_rate", -0.1),
    (lambda v: S.triangular(0.01, 0.1, v), "step_size", 0), (lambda v: S.exp_range(0.01, 0.1, 10, v), "gamma", 1.5),
    (lambda v: S.exp_range(0.01, 0.1, 10, v), "gamma", 0.0), (lambda v: S.one_cycle(0.1, v), "total_steps", 2),
    (lambda v: S.one_cycle(0.1, 100, warmup_fraction=v), "warmup_fraction", 1.0),
    (lambda v: S.one_cycle(0.1, 100, start_divisor=v), "start_divisor", 0.5),
    (lambda v: S.one_cycle(0.1, 100, final_divisor=v), "final_divisor", 0.0),
    (lambda v: S.one_cycle(0.1, 100, shape=v), "shape", "cubic"),
    (lambda v: S.wsd(0.1, 100, warmup_steps=v), "warmup_steps", -5),
    (lambda v: S.wsd(0.1, 100, warmup_steps=v), "warmup_steps", 2.5),
    (lambda v: S.wsd(0.1, 100, decay_fraction=v), "decay_fraction", 0.0),
    (lambda v: S.wsd(0.1, 100, decay_fraction=v), "decay_fraction", -0.2),
    (lambda v: S.wsd(0.1, 100, decay_fraction=v), "decay_fraction", 1.5),
    (lambda v: S.wsd(0.1, 100, warmup_steps=v, decay_fraction=0.95), "warmup_steps", 10),  # overlaps the decay
    (lambda v: S.wsd(0.1, 100, warmup_steps=v, decay_fraction=0.5), "warmup_steps", 51),
    (lambda v: S.wsd(0.1, v), "total_steps", 0), (lambda v: S.wsd(v, 100), "peak_rate", -0.1),
    (lambda v: S.wsd(0.1, 100, final_rate=v), "final_rate", 0.2),
    (lambda v: S.wsd(0.1, 100, decay_shape=v), "decay_shape", "exponential"),
])
def test_bad_arguments_name_the_argument_and_the_value(make, argument, value):
    with pytest.raises((ValueError, TypeError)) as raised:
        make(value)
    assert f"`{argument}`" in str(raised.value) and repr(value) in str(raised.value)


def test_cycles_hit_their_bounds_at_the_boundary_steps():
    rates = S.triangular(0.01, 0.1, step_size=50).values([0, 50, 100, 150, 200, 199])
    np.testing.assert_allclose(rates, [0.01, 0.1, 0.01, 0.1, 0.01, 0.01 + 0.09 / 50])
    np.testing.assert_allclose(S.triangular2(0.01, 0.1, 50).values([50, 150, 250]), [0.1, 0.055, 0.0325])
    assert S.exp_range(0.01, 0.1, 50, gamma=0.99).values(50) == pytest.approx(0.01 + 0.09 * 0.99 ** 50)


@pytest.mark.parametrize("shape", S.ONE_CYCLE_SHAPES)
def test_one_cycle_starts_peaks_and_ends_where_its_arguments_say(shape):
    schedule = S.one_cycle(0.5, total_steps=1001, warmup_fraction=0.25, start_divisor=10, final_divisor=1e5, shape=shape)
    np.testing.assert_allclose(schedule.values([0, 250, 1000, 5000]), [0.05, 0.5, 5e-6, 5e-6], rtol=1e-12)
    values = schedule.values(np.arange(1001))
    assert np.all(np.diff(values[:251]) > 0) and np.all(np.diff(values[250:]) < 0)
    assert float(schedule.keras()(1000)) == pytest.approx(5e-6, rel=1e-5)  # float32 keeps the small end
    assert schedule.initial_rate == pytest.approx(0.05)


def test_every_kind_is_registered_once_with_its_constructor():
    assert {"triangular", "triangular2", "exp_range", "one_cycle", "step_decay", "join"} <= set(S.kinds())
    for kind in S.kinds():
        assert getattr(S, kind).__name__ == kind


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind='cyclic_magic'"):
        S.Schedule.from_config({"kind": "cyclic_magic", "rate": 0.1})


def test_experiment_with_a_schedule_hashes_round_trips_and_labels():
    experiment = Experiment("sgd", S.step_decay(0.1, 0.5, 10), profile="tiny")
    assert Experiment.from_dict(experiment.to_dict()) == experiment
    assert experiment.key() != Experiment("sgd", S.step_decay(0.1, 0.5, 11), profile="tiny").key()
    assert experiment.label() == "sgd lr=step_decay(drop_factor=0.5, epochs_per_drop=10, initial_rate=0.1)"
    # A float learning rate keeps the key it had before schedules existed.
    assert Experiment("adam", 0.001, profile="full").key() == "fd583b87df4643d3e7c1"


def test_an_optimizer_built_with_a_schedule_refuses_a_float_rate():
    optimizer = Experiment("sgd", S.constant(0.1), profile="tiny").build_optimizer()
    with pytest.raises(TypeError):
        optimizer.learning_rate = 0.5


def tiny_model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    return model


def rates_seen(model, x, y, epochs, initial_epoch=0):
    seen = []
    rate_probe = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: seen.append(float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))))
    model.fit(x, y, batch_size=10, epochs=epochs, initial_epoch=initial_epoch, verbose=0, callbacks=[rate_probe])
    return seen


@pytest.mark.parametrize("schedule", [S.step_decay(0.1, 0.5, epochs_per_drop=2, steps_per_epoch=5),
                                      S.triangular2(0.01, 0.1, step_size=7), S.exp_range(0.01, 0.1, 7, gamma=0.99),
                                      S.one_cycle(0.1, total_steps=30)], ids=lambda s: s.kind)
def test_saved_model_reloads_and_resumes_at_the_right_rates(tmp_path, schedule):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(50, 4)).astype("float32"), np.eye(3)[rng.integers(0, 3, 50)].astype("float32")

    def compiled():
        keras.utils.set_random_seed(0)
        model = tiny_model()
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=schedule.keras()), loss="categorical_crossentropy")
        return model

    uninterrupted = rates_seen(compiled(), x, y, epochs=6)
    model = compiled()
    first = rates_seen(model, x, y, epochs=3)
    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = keras.models.load_model(path)
    assert isinstance(reloaded.optimizer.learning_rate_schedule if hasattr(reloaded.optimizer, "learning_rate_schedule")
                      else reloaded.optimizer._learning_rate, S.KerasSchedule)
    resumed = rates_seen(reloaded, x, y, epochs=6, initial_epoch=3)
    assert first + resumed == pytest.approx(uninterrupted)
    assert uninterrupted == pytest.approx(schedule.values(np.arange(0, 30, 5)).tolist())  # 5 steps per epoch


# The same structures with other numbers: what a shared compiled model loads for its next run.
SIBLINGS = {
    "constant": S.constant(0.02),
    "linear": S.linear_decay(0.5, 0.05, decay_epochs=4, steps_per_epoch=10),
    "step": S.step_decay(0.01, 0.25, epochs_per_drop=2, steps_per_epoch=7),
    "time": S.time_decay(0.3, 2.25, steps_per_epoch=19),
    "exponential": S.exponential_decay(0.5, math.log(10) / 4, steps_per_epoch=10),
    "piecewise": S.piecewise_constant([7, 2500], [0.2, 0.02, 0.0002]),
    "polynomial": S.polynomial_decay(0.3, 0.0, decay_steps=150, power=0.5),
    "cosine": S.cosine_decay(0.03, decay_steps=99, final_rate=0.0003),
    "warmup": S.linear_warmup(0.2, warmup_steps=30, start_rate=0.0),
    "warmup+cosine": S.join([S.linear_warmup(0.3, 40), S.cosine_decay(0.3, 900, 0.003)], [40]),
    "triangular": S.triangular(0.001, 0.03, step_size=19),
    "triangular2": S.triangular2(0.002, 0.2, step_size=55),
    "exp_range": S.exp_range(0.001, 0.04, step_size=20, gamma=0.9999),
    "one_cycle": S.one_cycle(0.004, total_steps=2001, start_divisor=10.0, final_divisor=1e3),
    "one_cycle linear": S.one_cycle(0.7, total_steps=2001, shape="linear"),
    "cyclical_momentum": S.cyclical_momentum(step_size=20, low_momentum=0.8, high_momentum=0.99),
    "one_cycle_momentum": S.one_cycle_momentum(total_steps=2001, low_momentum=0.5, high_momentum=0.9),
    "wsd": S.wsd(0.03, total_steps=2000, warmup_steps=200, decay_fraction=0.25, final_rate=0.0003),
    "wsd cosine": S.wsd(0.5, total_steps=2000, warmup_steps=200, decay_shape="cosine", final_rate=0.005),
    "wsd 1-sqrt": S.wsd(0.002, total_steps=2000, decay_fraction=0.1, decay_shape="1-sqrt"),
}


def numbers_in_graph(schedule):
    """The formula evaluated in a traced graph with the schedule's numbers written into it as
    constants, independently of KerasSchedule's variables."""
    return tf.function(lambda step: keras.ops.cast(
        schedule._evaluate(keras.ops.cast(step, "float64"), keras.ops), "float32"))


def test_every_kind_has_a_sibling_of_its_structure():
    assert sorted(SIBLINGS) == sorted(REFERENCE)
    for name, sibling in SIBLINGS.items():
        schedule = REFERENCE[name][0]
        assert sibling.structure() == schedule.structure() and sibling.numbers() != schedule.numbers()


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_keras_schedule_reads_its_numbers_from_variables_and_loads_a_sibling(name):
    schedule, sibling = REFERENCE[name][0], SIBLINGS[name]
    keras_schedule = schedule.keras()
    graph = tf.function(lambda step: keras_schedule(step))  # traced once, with the first numbers
    steps = [tf.constant(step, dtype=tf.int64) for step in (0, 1, 6, 7, 39, 40, 99, 600, 1000, 1500, 2000, 2999)]
    constants = numbers_in_graph(schedule)
    # the same float32 rates, to the bit, as with the numbers written into the graph
    assert [float(graph(step)) for step in steps] == [float(constants(step)) for step in steps]
    keras_schedule.load(sibling)
    expected = numbers_in_graph(sibling)
    assert [float(graph(step)) for step in steps] == [float(expected(step)) for step in steps]
    assert graph.experimental_get_tracing_count() == 1
    assert keras_schedule.get_config() == {"schedule": sibling.to_config()}


def test_structure_holds_what_shapes_the_graph():
    assert S.one_cycle(0.1, 100).structure() != S.one_cycle(0.1, 101).structure()  # its peak step is Python's round
    assert S.one_cycle(0.1, 100).structure() != S.one_cycle(0.1, 100, warmup_fraction=0.25).structure()
    assert S.one_cycle(0.1, 100).structure() != S.one_cycle(0.1, 100, shape="linear").structure()
    assert S.piecewise_constant([10], [0.1, 0.01]).structure() != S.piecewise_constant([10, 20], [0.1, 0.01, 0.001]).structure()
    assert S.step_decay(0.1, 0.5, 3).structure() != S.step_decay(0.1, 0.5, 3, steps_per_epoch=10).structure()
    assert S.linear_decay(0.1, 0.01, 4, 10).numbers() == [4.0, 0.01, 0.1, 10.0]  # in the order of the arguments


def test_a_keras_schedule_refuses_another_structure():
    keras_schedule = S.linear_decay(0.1, 0.01, 4, steps_per_epoch=10).keras()
    with pytest.raises(ValueError, match=r"Argument `schedule` must have the structure of linear_decay.*"
                                         r"Received: schedule=step_decay"):
        keras_schedule.load(S.step_decay(0.1, 0.5, 2, steps_per_epoch=10))
    with pytest.raises(ValueError, match="Received: schedule=0.1"):
        keras_schedule.load(0.1)
    assert keras_schedule.schedule == S.linear_decay(0.1, 0.01, 4, steps_per_epoch=10)  # unchanged


# --- issue 26, item 14: a config with a missing or unknown argument is refused clearly ------------------

@pytest.mark.parametrize("config, words", [
    ({"kind": "step_decay", "initial_rate": 0.1, "epochs_per_drop": 8}, "missing a required argument: 'drop_factor'"),
    ({"kind": "step_decay", "initial_rate": 0.1, "drop_factor": 0.5, "epochs_per_drop": 8, "speed": 2},
     "unexpected keyword argument 'speed'"),
    ({"kind": "join", "boundaries": [10]}, "missing a required argument: 'schedules'"),
])
def test_a_config_missing_an_argument_names_it_and_the_kinds_signature(config, words):
    with pytest.raises(ValueError, match=r"Argument `config` must hold the arguments of \w+\(") as raised:
        S.Schedule.from_config(config)
    assert words in str(raised.value) and f"Received: config={config!r}" in str(raised.value)
    with pytest.raises(TypeError, match="Received: config=None"):
        S.Schedule.from_config(None)


# --- issue 28: warmup-stable-decay ---------------------------------------------------------------

@pytest.mark.parametrize("shape", S.WSD_DECAY_SHAPES)
def test_wsd_warms_up_holds_and_decays_where_its_arguments_say(shape):
    schedule = S.wsd(0.2, total_steps=100, warmup_steps=10, decay_fraction=0.2, final_rate=0.002, decay_shape=shape)
    values = schedule.values(np.arange(120))
    np.testing.assert_allclose(values[[0, 9, 10, 79, 80]], [0.02, 0.2, 0.2, 0.2, 0.2], rtol=1e-12)
    assert np.all(np.diff(values[:10]) > 0) and np.all(values[10:81] == 0.2)
    assert np.all(np.diff(values[80:100]) < 0) and 0.002 < values[99] < 0.2  # the last step still learns
    np.testing.assert_allclose(values[100:], 0.002)  # the final rate, reached one past the last step
    assert schedule.initial_rate == pytest.approx(0.02)


def test_wsd_without_warm_up_starts_at_the_peak_and_a_whole_decay_is_allowed():
    assert S.wsd(0.1, 50, decay_fraction=0.2).initial_rate == 0.1
    whole = S.wsd(0.1, 50, decay_fraction=1.0)  # decay_fraction=1: no stable phase, no warm-up
    np.testing.assert_allclose(whole.values([0, 25, 50]), [0.1, 0.05, 0.0], atol=1e-15)
    tight = S.wsd(0.1, 10, warmup_steps=8, decay_fraction=0.2)  # the stable phase may be empty
    np.testing.assert_allclose(tight.values([7, 8, 9]), [0.1, 0.1, 0.05])
    assert S.wsd(0.1, 3, decay_fraction=0.01).values(2) == 0.1  # at least one step of decay


def test_wsd_serialises_into_an_experiment_and_keeps_its_structure_apart():
    experiment = Experiment("adam", S.wsd(0.003, 384, warmup_steps=19, decay_fraction=0.2), epochs=2, profile="tiny")
    assert Experiment.from_dict(experiment.to_dict()) == experiment
    assert experiment.to_dict()["learning_rate"] == {
        "kind": "wsd", "decay_fraction": 0.2, "decay_shape": "linear", "final_rate": 0.0, "peak_rate": 0.003,
        "total_steps": 384, "warmup_steps": 19}
    assert experiment.label() == ("adam lr=wsd(decay_fraction=0.2, decay_shape=linear, final_rate=0, "
                                  "peak_rate=0.003, total_steps=384, warmup_steps=19)")
    assert S.wsd(0.1, 100).structure() != S.wsd(0.1, 101).structure()
    assert S.wsd(0.1, 100).structure() != S.wsd(0.1, 100, warmup_steps=5).structure()
    assert S.wsd(0.1, 100).structure() == S.wsd(0.3, 100, final_rate=0.01).structure()
