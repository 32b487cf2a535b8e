import json
import math
import os

import pytest

from lrlib import Experiment, Result, ResultStore
from lrlib.results import CorruptResultWarning, PACKAGED_RESULTS, find_stored, stores


def make_result(experiment=None, loss=(2.0, 1.0)):
    experiment = experiment or Experiment("adam", 0.01, profile="tiny")
    n = len(loss)
    return Result(
        experiment=experiment,
        history={"loss": list(loss), "val_loss": [1.5] * n, "accuracy": [0.5] * n,
                 "val_accuracy": [0.6] * n, "learning_rate": [0.01] * n},
        test_loss=1.1, test_accuracy=0.7, epochs_run=n, wall_time_s=3.0, train_time_s=2.5,
        diverged=False, divergence_reason=None, provenance={"lrlib": "test", "device": "CPU"})


def test_round_trip(tmp_path):
    store = ResultStore(tmp_path)
    result = make_result()
    path = store.save(result)
    assert path == tmp_path / "tiny" / f"{result.experiment.key()}.json"
    assert store.load(result.experiment) == result
    assert json.loads(path.read_text())["experiment"]["learning_rate"] == 0.01


def test_nan_losses_survive_the_round_trip(tmp_path):
    store = ResultStore(tmp_path)
    store.save(make_result(loss=(2.0, math.nan)))
    assert math.isnan(store.load(Experiment("adam", 0.01, profile="tiny")).history["loss"][1])


def test_missing_result_is_none(tmp_path):
    assert ResultStore(tmp_path).load(Experiment(profile="tiny")) is None


def test_write_is_atomic_when_it_fails_midway(tmp_path, monkeypatch):
    store = ResultStore(tmp_path)
    old = make_result()
    path = store.save(old)

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        store.save(make_result(loss=(9.0, 9.0)))
    assert store.load(old.experiment) == old  # the old file is untouched
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file is left


@pytest.mark.parametrize("content", ["", "{not json", '{"experiment": {}}', "[1, 2]"])
def test_corrupt_file_is_reported_and_never_served(tmp_path, content):
    store = ResultStore(tmp_path)
    experiment = Experiment(profile="tiny")
    store.path(experiment).parent.mkdir(parents=True)
    store.path(experiment).write_text(content)
    with pytest.warns(CorruptResultWarning, match="corrupt"):
        assert store.load(experiment) is None


def test_history_shorter_than_epochs_run_is_corrupt(tmp_path):
    store = ResultStore(tmp_path)
    path = store.save(make_result())
    data = json.loads(path.read_text())
    data["history"]["loss"].pop()
    path.write_text(json.dumps(data))
    with pytest.warns(CorruptResultWarning):
        assert store.load(make_result().experiment) is None


def test_a_result_of_another_experiment_is_never_served(tmp_path):
    store = ResultStore(tmp_path)
    asked = Experiment("adam", 0.5, profile="tiny")
    other = make_result(Experiment("adam", 0.01, profile="tiny"))
    store.path(asked).parent.mkdir(parents=True)
    store.path(asked).write_text(json.dumps(other.to_dict()))
    with pytest.warns(CorruptResultWarning, match="another experiment"):
        assert store.load(asked) is None


def test_stores_search_the_writable_one_then_the_package(isolated_results):
    assert [s.root for s in stores()] == [isolated_results, PACKAGED_RESULTS]
    result = make_result()
    ResultStore(isolated_results).save(result)
    assert find_stored(result.experiment) == result
