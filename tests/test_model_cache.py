"""Runs that share a compiled model (lrlib.model_cache) give the numbers of a fresh model, to the bit."""

import pytest

from lrlib import Experiment, model_cache, schedules, training
from lrlib.catalog import one_cycle_rate

TINY = dict(profile="tiny")


def one_cycle_with_momentum(peak_rate, seed=0):
    rate = one_cycle_rate(peak_rate, 2, profile="tiny")
    momentum = schedules.one_cycle_momentum(rate.args["total_steps"])
    return Experiment("sgd", rate, optimizer_options={"momentum": momentum}, epochs=2, seed=seed, **TINY)


# An earlier run that leaves the shared model far from a fresh one, then the run checked.
CASES = {
    "fixed rate, other rate and seed": (Experiment("adam", 0.01, seed=1, **TINY), Experiment("adam", 0.001, **TINY)),
    "decay, other numbers": (Experiment("sgd", schedules.step_decay(0.5, 0.5, 1), **TINY),
                             Experiment("sgd", schedules.step_decay(0.1, 0.25, 1), seed=2, **TINY)),
    "one-cycle with cycled momentum": (one_cycle_with_momentum(0.3), one_cycle_with_momentum(0.05, seed=3)),
    "adagrad (its accumulators start at 0.1)": (Experiment("adagrad", 1.0, **TINY), Experiment("adagrad", 0.01, **TINY)),
    "after a diverged run": (Experiment("sgd", 1e4, **TINY), Experiment("sgd", 0.05, **TINY)),
    "early stopping with the best weights": (
        Experiment("adam", 0.3, early_stopping_patience=1, restore_best=True, test_each_epoch=True, **TINY),
        Experiment("adam", 0.003, early_stopping_patience=1, restore_best=True, test_each_epoch=True, **TINY)),
}


def numbers(result):
    return result.history, result.test_loss, result.test_accuracy, result.epochs_run


def fresh_run(experiment):
    model_cache.release()
    return training.train(experiment, verbose=False)


@pytest.mark.parametrize("name", CASES)
def test_a_run_on_a_shared_model_gives_the_numbers_of_a_fresh_one(name):
    earlier, later = CASES[name]
    assert model_cache.trace_key(earlier, (28, 28, 1)) == model_cache.trace_key(later, (28, 28, 1))
    expected = fresh_run(later)
    fresh_run(earlier)  # compiles the model the next run shares, and trains it away from a fresh state
    again = training.train(later, verbose=False)
    assert model_cache.shared_count() == 1  # the earlier run's model, not a new one
    assert numbers(again) == numbers(expected)


def test_runs_of_one_kind_share_a_model_and_other_kinds_get_their_own():
    model_cache.release()
    first = training.compiled_model(Experiment("adam", 0.001, **TINY))
    assert training.compiled_model(Experiment("adam", 0.1, seed=5, **TINY)) is first
    decay = training.compiled_model(Experiment("adam", schedules.time_decay(0.01, 0.5), **TINY))
    assert decay is not first
    assert training.compiled_model(Experiment("adam", schedules.time_decay(0.3, 2.0), **TINY)) is decay
    assert training.compiled_model(Experiment("adam", 0.001, optimizer_options={"beta_1": 0.8}, **TINY)) is not first
    assert training.compiled_model(Experiment("sgd", 0.001, **TINY)) is not first
    assert model_cache.shared_count() == 4


def test_the_shared_model_starts_each_run_as_a_fresh_one_would():
    experiment = Experiment("sgd", 0.05, optimizer_options={"momentum": 0.9}, seed=4, **TINY)
    model_cache.release()
    fresh = [w.copy() for w in training.compiled_model(experiment).get_weights()]
    training.fit(experiment, training.compiled_model(Experiment("sgd", 0.5, optimizer_options={"momentum": 0.9}, **TINY)))
    shared = training.compiled_model(experiment)
    assert all((a == b).all() for a, b in zip(shared.get_weights(), fresh))
    assert int(shared.optimizer.iterations.numpy()) == 0
    assert float(shared.optimizer.learning_rate.numpy()) == pytest.approx(0.05)
    assert all(not v.numpy().any() for v in shared.optimizer.variables if "momentum" in v.path)


def test_the_cache_keeps_at_most_its_capacity_and_replaces_the_least_recently_used(monkeypatch):
    monkeypatch.setattr(model_cache, "CAPACITY", 2)
    model_cache.release()
    adam, sgd = (training.compiled_model(Experiment(name, 0.01, **TINY)) for name in ("adam", "sgd"))
    assert training.compiled_model(Experiment("adam", 0.1, **TINY)) is adam  # adam is now the most recent
    training.compiled_model(Experiment("rmsprop", 0.01, **TINY))  # a third kind replaces sgd's
    assert model_cache.shared_count() == 2
    assert training.compiled_model(Experiment("adam", 0.001, **TINY)) is adam
    assert training.compiled_model(Experiment("sgd", 0.001, **TINY)) is not sgd


def test_a_model_for_an_optimizer_of_ones_own_is_never_shared():
    import keras

    experiment = Experiment("adam", 0.001, **TINY)
    shared = training.compiled_model(experiment)
    own = training.compiled_model(experiment, keras.optimizers.SGD(0.1))
    assert own is not shared and isinstance(own.optimizer, keras.optimizers.SGD)
    assert model_cache.shared_count() == 0


def test_a_seeded_cnn_draws_its_weights_and_dropout_seeds_from_its_seed_and_compiles_as_every_run():
    import keras

    first, again, other = (model_cache.seeded_cnn(seed, (28, 28, 1)) for seed in (3, 3, 4))
    same = [bool((a.numpy() == b.numpy()).all()) for a, b in zip(first.variables, again.variables)]
    assert all(same) and len(same) == len(first.weights) + 2  # the weights and the two dropout seed states
    assert not all((a.numpy() == b.numpy()).all() for a, b in zip(first.variables, other.variables))
    model_cache.compile_cnn(first, keras.optimizers.SGD(0.1))
    assert first.compiled and first.loss == "categorical_crossentropy" and isinstance(first.optimizer, keras.optimizers.SGD)


@pytest.mark.parametrize("own_optimizer", [False, True])
def test_a_new_kind_of_run_traces_its_train_step_once_and_starts_with_zeroed_metrics(monkeypatch, own_optimizer):
    import keras

    traces = []
    original = keras.Sequential.train_step

    def counted(self, data):
        traces.append(self)
        return original(self, data)

    monkeypatch.setattr(keras.Sequential, "train_step", counted)
    model_cache.release()
    experiment = Experiment("adam", 0.001, **TINY)
    model = training.compiled_model(experiment, keras.optimizers.Adam(0.001) if own_optimizer else None)
    assert all(not v.numpy().any() for metric in model.metrics for v in metric.variables)
    training.fit(experiment, model)
    assert len(traces) == 1  # not twice: compile_cnn made the metrics' variables before the first trace
