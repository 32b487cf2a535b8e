import math

import numpy as np
import pytest

import lrlib
from lrlib import Experiment, MissingResultError, run, run_many, train
from lrlib import training
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
    assert ResultStore(isolated_results).load(experiment) == result
    printed = capsys.readouterr().out
    assert "epoch 1/2 - loss" in printed and "epoch 2/2" in printed and "\b" not in printed


def test_the_same_seed_gives_identical_metrics():
    first = train(Experiment("adam", 0.001, **TINY), verbose=False)
    second = train(Experiment("adam", 0.001, **TINY), verbose=False)
    assert first.history == second.history
    assert (first.test_loss, first.test_accuracy) == (second.test_loss, second.test_accuracy)
    other_seed = train(Experiment("adam", 0.001, seed=1, **TINY), verbose=False)
    assert other_seed.history["loss"] != first.history["loss"]


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
    assert ResultStore(isolated_results).load(experiment) == second


def test_a_corrupt_stored_result_is_recomputed(isolated_results):
    experiment = Experiment("adam", 0.01, **TINY)
    path = ResultStore(isolated_results).path(experiment)
    path.parent.mkdir(parents=True)
    path.write_text("{truncated")
    with pytest.warns(UserWarning, match="corrupt"):
        result = run(experiment, verbose=False)
    assert ResultStore(isolated_results).load(experiment) == result


def test_stored_only_mode_names_the_command(monkeypatch):
    monkeypatch.setenv("LRLIB_STORED_ONLY", "1")
    with pytest.raises(MissingResultError, match="python -m lrlib reproduce --profile tiny"):
        run(Experiment("adam", 0.02, **TINY))


def test_stored_only_mode_names_the_group_of_a_book_experiment(monkeypatch):
    monkeypatch.setenv("LRLIB_STORED_ONLY", "1")
    monkeypatch.setattr(training, "find_stored", lambda experiment: None)
    with pytest.raises(MissingResultError, match="reproduce --profile full --only fixed-lr --only sweep"):
        run(Experiment("adam", 0.5, profile="full"))


def test_run_refuses_what_is_not_an_experiment():
    with pytest.raises(TypeError, match="experiment="):
        run({"optimizer": "adam"})


def test_run_many_returns_results_in_order():
    experiments = [Experiment("adam", rate, epochs=1, **TINY) for rate in (0.01, 0.001)]
    results = run_many(experiments)
    assert [r.experiment for r in results] == experiments


def test_early_stopping_and_restore_best(monkeypatch):
    result = run(Experiment("adam", 0.001, early_stopping_patience=1, restore_best=True, **TINY), verbose=False)
    assert 1 <= result.epochs_run <= 2


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
