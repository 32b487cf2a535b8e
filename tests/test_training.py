import math

import numpy as np
import pytest

import lrlib
from lrlib import Experiment, MissingResultError, run, run_many, train
from lrlib import model_cache, run_setup, training
from lrlib.results import ResultStore
from lrlib.training import EpochRecorder

TINY = dict(profile="tiny")


def test_a_run_records_everything(isolated_results, capsys):
    experiment = Experiment("adam", 0.001, **TINY)
    result = run(experiment)
    assert result.experiment == experiment and result.epochs_run == 2
    for name in ("loss", "val_loss", "accuracy", "val_accuracy", "learning_rate"):
        assert len(result.history[name]) == 2 and all(math.isfinite(v) for v in result.history[name])
    assert result.history["learning_rate"] == pytest.approx([0.001, 0.001])
    assert 0 <= result.test_accuracy <= 1 and result.test_loss > 0
    assert 0 < result.train_time_s <= result.wall_time_s
    assert not result.diverged and result.divergence_reason is None
    assert {"lrlib", "tensorflow", "keras", "device", "data_source", "date"} <= set(result.provenance)
    assert result.steps_per_epoch == training.steps_per_epoch(experiment) == 2  # 480 training images, batches of 250
    assert ResultStore(isolated_results).load(experiment, result.data_fingerprint) == result
    printed = capsys.readouterr().out
    assert "epoch 1/2 - loss" in printed and "epoch 2/2" in printed and "\b" not in printed


def test_the_same_seed_gives_identical_metrics():
    first = train(Experiment("adam", 0.001, **TINY), verbose=False)
    second = train(Experiment("adam", 0.001, **TINY), verbose=False)
    assert first.history == second.history
    assert (first.test_loss, first.test_accuracy) == (second.test_loss, second.test_accuracy)
    other_seed = train(Experiment("adam", 0.001, seed=1, **TINY), verbose=False)
    assert other_seed.history["loss"] != first.history["loss"]


def test_train_passes_extra_callbacks_to_fit_beside_its_own():
    import keras

    seen = []

    class Counter(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)

    result = train(Experiment("adam", 0.001, **TINY), verbose=False, callbacks=[Counter()])
    assert len(seen) == result.epochs_run * result.steps_per_epoch and len(result.history["loss"]) == 2


def test_compiled_model_is_seeded_and_compiled_with_the_experiments_optimizer():
    experiment = Experiment("sgd", 0.05, optimizer_options={"momentum": 0.9}, **TINY)
    second = [weights.copy() for weights in training.compiled_model(experiment).get_weights()]
    model_cache.release()  # a new model, not the shared one
    first = training.compiled_model(experiment)
    assert all(np.array_equal(a, b) for a, b in zip(first.get_weights(), second))
    assert first.optimizer.get_config()["momentum"] == 0.9
    assert float(first.optimizer.learning_rate.numpy()) == pytest.approx(0.05)
    history = training.fit(experiment, first)
    assert len(history.history["val_loss"]) == experiment.effective_epochs


def test_divergence_is_a_result_not_a_crash():
    result = run(Experiment("sgd", 1e4, epochs=5, profile="quick"), verbose=False)
    assert result.diverged and "in epoch" in result.divergence_reason
    assert result.epochs_run < 5 and len(result.history["loss"]) == result.epochs_run  # stopped, kept
    last = result.history["loss"][-1]
    assert not math.isfinite(last) or last > training.EXPLODING_LOSS


def test_stored_results_are_served_without_training(monkeypatch):
    experiment = Experiment("adam", 0.01, **TINY)
    first = run(experiment, verbose=False)
    monkeypatch.setattr(training, "train", lambda *a, **k: pytest.fail("trained although stored"))
    assert run(experiment) == first


def test_retrain_trains_again_and_replaces_the_stored_result(isolated_results):
    experiment = Experiment("adam", 0.01, **TINY)
    first = run(experiment, verbose=False)
    second = run(experiment, retrain=True, verbose=False)
    assert second.provenance["date"] >= first.provenance["date"]
    assert ResultStore(isolated_results).load(experiment, second.data_fingerprint) == second


def test_a_corrupt_stored_result_is_recomputed(isolated_results):
    experiment = Experiment("adam", 0.01, **TINY)
    path = ResultStore(isolated_results).path(experiment)
    path.parent.mkdir(parents=True)
    path.write_text("{truncated")
    with pytest.warns(UserWarning, match="corrupt"):
        result = run(experiment, verbose=False)
    assert ResultStore(isolated_results).load(experiment, result.data_fingerprint) == result


@pytest.mark.parametrize("value", ["1", "true", "YES", "on"])
def test_stored_only_mode_trains_nothing(monkeypatch, value):
    monkeypatch.setenv("LRLIB_STORED_ONLY", value)
    monkeypatch.setattr(training, "train", lambda *a, **k: pytest.fail("trained in stored-only mode"))
    with pytest.raises(MissingResultError, match="LRLIB_STORED_ONLY forbids training") as raised:
        run(Experiment("adam", 0.02, **TINY))
    assert raised.value.experiment == Experiment("adam", 0.02, **TINY)
    assert "reproduce" not in str(raised.value)  # not in the catalogue: no command would produce it


@pytest.mark.parametrize("value", ["0", "false", "No", "off", ""])
def test_stored_only_off_values_train(monkeypatch, value):
    monkeypatch.setenv("LRLIB_STORED_ONLY", value)
    assert run(Experiment("adam", 0.02, epochs=1, **TINY), verbose=False).epochs_run == 1


def test_a_stored_only_value_that_means_nothing_is_refused(monkeypatch):
    monkeypatch.setenv("LRLIB_STORED_ONLY", "maybe")
    with pytest.raises(ValueError, match="LRLIB_STORED_ONLY='maybe'"):
        run(Experiment("adam", 0.02, **TINY))


# --- issue 8: results keyed by their data, stored where the user can write ----------------------------

def test_a_run_on_other_data_is_not_served_when_the_data_changes(monkeypatch, tmp_path, fresh_data_cache):
    from conftest import fake_mnist_arrays

    for name, seed in (("a.npz", 0), ("b.npz", 1)):
        np.savez(tmp_path / name, **fake_mnist_arrays(seed=seed))
    experiment = Experiment("adam", 0.01, epochs=1, batch_size=100, **TINY)  # 160 training images in a file
    monkeypatch.setenv("LRLIB_MNIST_PATH", str(tmp_path / "a.npz"))
    on_a = run(experiment, verbose=False)
    assert on_a.data_fingerprint == training.profile_data("tiny").fingerprint and not on_a.on_real_mnist
    assert run(experiment, verbose=False) == on_a  # the same data: served
    monkeypatch.setenv("LRLIB_MNIST_PATH", str(tmp_path / "b.npz"))
    on_b = run(experiment, verbose=False)  # other data: trained again, not served
    assert on_b.data_fingerprint != on_a.data_fingerprint and on_b.provenance["date"] >= on_a.provenance["date"]
    monkeypatch.setenv("LRLIB_MNIST_PATH", str(tmp_path / "a.npz"))
    monkeypatch.setattr(training, "train", lambda *a, **k: pytest.fail("trained although stored for this data"))
    assert run(experiment, verbose=False) == on_a


def test_the_books_results_are_served_without_any_data(monkeypatch):
    from lrlib.catalog import scenario

    def no_data(profile):
        raise OSError("no MNIST on this machine")

    monkeypatch.setattr(run_setup, "profile_data", no_data)  # where find_stored_for_training reads it
    monkeypatch.setenv("LRLIB_STORED_ONLY", "1")
    baseline = run(scenario("fixed-lr", "baseline", "full").experiment)
    assert baseline.on_real_mnist and baseline.test_accuracy > 0.98


def test_retrain_writes_to_the_users_cache_never_into_the_package(monkeypatch, tmp_path):
    from lrlib.catalog import scenario
    from lrlib.results import book_store
    from test_results import make_result

    experiment = scenario("fixed-lr", "baseline", "full").experiment
    committed = book_store().path(experiment).read_bytes()
    monkeypatch.delenv("LRLIB_RESULTS_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(training, "check_fits_data", lambda experiment: None)
    learners_run = make_result(experiment, loss=(2.0,) * 25, test_accuracy=0.9123)
    monkeypatch.setattr(training, "train", lambda *a, **k: learners_run)
    assert run(experiment, retrain=True) == learners_run
    assert book_store().path(experiment).read_bytes() == committed
    assert ResultStore(tmp_path / "cache" / "lrlib" / "results").load(experiment) == learners_run


def test_an_unwritable_results_folder_stops_the_run_before_training(monkeypatch, tmp_path):
    from lrlib.results import ResultsNotWritableError

    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("LRLIB_RESULTS_DIR", str(tmp_path / "a-file" / "results"))
    monkeypatch.setattr(training, "train", lambda *a, **k: pytest.fail("trained although it could not be stored"))
    with pytest.raises(ResultsNotWritableError, match="a-file"):
        run(Experiment("adam", 0.01, **TINY))


def test_a_result_that_cannot_be_saved_is_returned_with_advice(monkeypatch):
    from lrlib.results import ResultNotSavedWarning

    def refuse(self, result):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(ResultStore, "save", refuse)
    with pytest.warns(ResultNotSavedWarning, match=r"returned unsaved.*ResultStore\(folder\)\.save\(result\)"):
        result = run(Experiment("adam", 0.01, epochs=1, **TINY), verbose=False)
    assert result.epochs_run == 1 and result.test_accuracy >= 0


def test_a_validation_split_that_leaves_no_training_images_is_refused_before_training(monkeypatch):
    from lrlib import schedules

    monkeypatch.setattr(training, "train", lambda *a, **k: pytest.fail("trained"))
    for split in (0.999999, 1e-17):  # no training image; no validation image (1 - 1e-17 == 1.0)
        with pytest.raises(ValueError, match=f"validation_split={split!r}"):
            run(Experiment("sgd", schedules.step_decay(0.1, 0.5, 1), validation_split=split, **TINY))


def test_run_refuses_what_is_not_an_experiment():
    with pytest.raises(TypeError, match="experiment="):
        run({"optimizer": "adam"})


def test_run_many_returns_results_in_order_and_shows_a_bar_only_while_training(capsys):
    experiments = [Experiment("adam", rate, epochs=1, **TINY) for rate in (0.01, 0.001)]
    results = run_many(experiments)
    assert [r.experiment for r in results] == experiments
    assert "2/2" in capsys.readouterr().err  # trained: a bar across the runs
    assert run_many(experiments) == results
    assert "2/2" not in capsys.readouterr().err  # all stored: no bar


def test_early_stopping_and_restore_best(monkeypatch):
    result = run(Experiment("adam", 0.001, early_stopping_patience=1, restore_best=True, **TINY), verbose=False)
    assert 1 <= result.epochs_run <= 2


def test_test_each_epoch_scores_the_test_set_after_every_epoch_without_changing_training():
    plain = train(Experiment("adam", 0.001, epochs=2, **TINY), verbose=False)
    scored = train(Experiment("adam", 0.001, epochs=2, test_each_epoch=True, **TINY), verbose=False)
    assert len(scored.history["test_accuracy"]) == len(scored.history["test_loss"]) == 2
    assert scored.history["test_accuracy"][-1] == pytest.approx(scored.test_accuracy)
    assert scored.history["test_loss"][-1] == pytest.approx(scored.test_loss)
    assert {name: scored.history[name] for name in plain.history} == plain.history  # evaluation draws no randomness
    assert "test_accuracy" not in plain.history


class FakeModel:
    stop_training = False

    class optimizer:
        learning_rate = np.float32(0.5)


@pytest.mark.parametrize("losses, diverged_at", [
    ([2.3, 2.2, 2.1], None),
    ([1e4, 2.3, 2.3], None),  # a huge first epoch that settles at chance is not divergence
    ([2.3, 500.0, 2000.0], 2),  # large and growing
    ([2.3, math.inf], 2),
    ([2.3, math.nan], 2),
])
def test_epoch_recorder_divergence_rule(losses, diverged_at):
    recorder = EpochRecorder(epochs=len(losses), verbose=False)
    recorder.set_model(FakeModel())
    for epoch, loss in enumerate(losses):
        recorder.on_epoch_begin(epoch)
        recorder.on_epoch_end(epoch, {"loss": loss, "val_loss": 1.0, "accuracy": 0.1, "val_accuracy": 0.1})
        if recorder.divergence:
            break
    if diverged_at is None:
        assert recorder.divergence is None
    else:
        assert f"epoch {diverged_at}" in recorder.divergence
        assert recorder.model.stop_training
    assert recorder.history["learning_rate"][0] == 0.5


def test_profile_data_follows_the_profile():
    quick = training.profile_data("tiny")
    assert len(quick.x_train) == lrlib.PROFILES["tiny"].n_train
    assert len(quick.x_test) == lrlib.PROFILES["tiny"].n_test


# --- issue 26, item 3: whose data: results on the real MNIST are never served for data the user named ------

def test_a_named_data_file_is_never_served_the_real_mnist_result(monkeypatch, fake_mnist_file, capsys):
    from lrlib import cli
    from lrlib.data import MNIST_FINGERPRINT
    from lrlib.results import find_stored, user_store
    from test_results import make_result

    experiment = Experiment("adam", 0.01, epochs=1, batch_size=100, **TINY)
    real = make_result(experiment, loss=(2.0,), test_accuracy=0.9916)
    user_store().save(real)
    assert find_stored(experiment) == real  # the real MNIST named (make test): served
    monkeypatch.setenv("LRLIB_MNIST_PATH", str(fake_mnist_file))  # say, MNIST with shuffled labels
    assert find_stored(experiment) is None and find_stored(experiment, MNIST_FINGERPRINT) is None
    assert cli.main(["run", "--lr", "0.01", "--epochs", "1", "--batch-size", "100", "--profile", "tiny"]) == 0
    out = capsys.readouterr().out
    fingerprint = training.profile_data("tiny").fingerprint
    assert "0.9916" not in out and f"Trained now, on data {fingerprint[:12]} (file mnist.npz)" in out
    # Its own result, stored:
    assert cli.main(["run", "--lr", "0.01", "--epochs", "1", "--batch-size", "100", "--profile", "tiny"]) == 0
    assert f"Stored result, on data {fingerprint[:12]}" in capsys.readouterr().out


def test_a_served_result_says_it_came_from_the_real_mnist(monkeypatch, capsys):
    from lrlib import cli
    from lrlib.results import user_store
    from test_results import make_result

    user_store().save(make_result(Experiment("adam", 0.01, epochs=1, **TINY), loss=(2.0,)))
    assert cli.main(["run", "--lr", "0.01", "--epochs", "1", "--profile", "tiny"]) == 0
    assert "Stored result, on real MNIST" in capsys.readouterr().out
    monkeypatch.delenv("LRLIB_MNIST_PATH")  # no data named: the sample may stand in, so say so
    assert cli.main(["run", "--lr", "0.01", "--epochs", "1", "--profile", "tiny"]) == 0
    assert "Stored result, on real MNIST; no data file is named" in capsys.readouterr().out


# --- issue 26, item 9: run takes a folder's path as its store --------------------------------------

def test_run_takes_a_folder_path_as_its_store_and_refuses_other_things(tmp_path, monkeypatch):
    from test_results import make_result

    experiment = Experiment("adam", 0.01, epochs=1, **TINY)
    stored = make_result(experiment, loss=(2.0,))
    ResultStore(tmp_path / "mine").save(stored)
    monkeypatch.setattr(training, "train", lambda *a, **k: pytest.fail("trained although stored"))
    assert run(experiment, store=str(tmp_path / "mine")) == stored
    assert run(experiment, store=tmp_path / "mine") == stored
    assert run_many([experiment], store=tmp_path / "mine") == [stored]
    with pytest.raises(TypeError, match=r"Argument `store` must be an lrlib.ResultStore or a folder's path. "
                                        r"Received: store=42"):
        run(experiment, store=42)


# --- issue 26, item 18: a corrupt record is reported once per run() ------------------------------------

def test_a_corrupt_record_is_warned_about_once_per_run(monkeypatch):
    import warnings

    from lrlib.results import CorruptResultWarning, user_store
    from test_results import make_result

    experiment = Experiment("adam", 0.01, epochs=1, **TINY)
    path = user_store().path(experiment)
    path.parent.mkdir(parents=True)
    path.write_text("{ half a record")
    monkeypatch.setattr(training, "train", lambda *a, **k: make_result(experiment, loss=(2.0,)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run(experiment, verbose=False)
    assert [str(w.message) for w in caught if w.category is CorruptResultWarning] == [
        f"Stored result {path} is corrupt (JSONDecodeError: Expecting property name enclosed in double quotes: "
        "line 1 column 3 (char 2)); it will be recomputed."]
