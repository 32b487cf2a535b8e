import json
import math
import os
import time

import pytest

from lrlib import Experiment, Result, ResultStore
from lrlib.data import MNIST_FINGERPRINT
from lrlib.results import CorruptResultWarning, PACKAGED_RESULTS, find_stored, stores

OTHER_DATA = "ab" * 32  # the fingerprint of some data that is not the real MNIST


def make_result(experiment=None, loss=(2.0, 1.0), data_fingerprint=MNIST_FINGERPRINT, **fields):
    experiment = experiment or Experiment("adam", 0.01, profile="tiny")
    n = len(loss)
    return Result(**{
        "experiment": experiment,
        "history": {"loss": list(loss), "val_loss": [1.5] * n, "accuracy": [0.5] * n,
                    "val_accuracy": [0.6] * n, "learning_rate": [0.01] * n},
        "test_loss": 1.1, "test_accuracy": 0.7, "epochs_run": n, "wall_time_s": 3.0, "train_time_s": 2.5,
        "diverged": False, "divergence_reason": None,
        "provenance": {"lrlib": "test", "device": "CPU", "data_source": "test", "data_fingerprint": data_fingerprint},
        **fields})


def test_steps_per_epoch_is_stored_and_optional_for_older_results(tmp_path):
    store = ResultStore(tmp_path)
    result = make_result(steps_per_epoch=192)
    assert store.load(result.experiment) is None and Result.from_dict(result.to_dict()) == result
    older = {key: value for key, value in make_result().to_dict().items() if key != "steps_per_epoch"}
    assert Result.from_dict(older).steps_per_epoch is None
    with pytest.raises(ValueError, match="steps_per_epoch"):
        Result.from_dict({**older, "steps_per_epoch": 0})


def test_round_trip(tmp_path):
    store = ResultStore(tmp_path)
    result = make_result()
    path = store.save(result)
    assert path == tmp_path / "tiny" / f"{result.experiment.key()}.json"
    assert store.load(result.experiment) == result
    assert json.loads(path.read_text())["experiment"]["learning_rate"] == 0.01


def test_non_finite_losses_survive_the_round_trip_as_valid_json(tmp_path):
    store = ResultStore(tmp_path)
    path = store.save(make_result(loss=(math.inf, math.nan), test_loss=math.nan, diverged=True,
                                  divergence_reason="training loss became nan in epoch 2"))
    def strict(name):
        raise AssertionError(f"{name} is not JSON")
    record = json.loads(path.read_text(), parse_constant=strict)
    assert record["history"]["loss"] == ["Infinity", "NaN"] and record["test_loss"] == "NaN"
    loaded = store.load(Experiment("adam", 0.01, profile="tiny"))
    assert loaded.history["loss"][0] == math.inf and math.isnan(loaded.history["loss"][1])
    assert math.isnan(loaded.test_loss)


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


def test_per_epoch_test_scores_are_stored_exactly_when_the_experiment_asks_for_them(tmp_path):
    scored = Experiment("adam", 0.01, profile="tiny", test_each_epoch=True)
    with_scores = make_result(scored).to_dict()
    with_scores["history"].update(test_loss=[1.2, 1.1], test_accuracy=[0.6, 0.7])
    assert Result.from_dict(with_scores).history["test_accuracy"] == [0.6, 0.7]
    with pytest.raises(ValueError, match="test_accuracy"):
        Result.from_dict(make_result(scored).to_dict())  # asked for, missing
    without = make_result().to_dict()
    without["history"].update(test_loss=[1.2, 1.1], test_accuracy=[0.6, 0.7])
    with pytest.raises(ValueError, match="must hold exactly"):
        Result.from_dict(without)  # not asked for, present


def test_a_result_of_another_experiment_is_never_served(tmp_path):
    store = ResultStore(tmp_path)
    asked = Experiment("adam", 0.5, profile="tiny")
    other = make_result(Experiment("adam", 0.01, profile="tiny"))
    store.path(asked).parent.mkdir(parents=True)
    store.path(asked).write_text(json.dumps(other.to_dict()))
    with pytest.warns(CorruptResultWarning, match="another experiment"):
        assert store.load(asked) is None


def test_stores_search_the_users_then_the_books(isolated_results):
    assert [s.root for s in stores()] == [isolated_results, PACKAGED_RESULTS]
    result = make_result()
    ResultStore(isolated_results).save(result)
    assert find_stored(result.experiment) == result


# --- issue 8, item 1: a result is keyed by the data that made it --------------------------------

def test_a_result_trained_on_other_data_is_never_served_as_real_mnist(isolated_results):
    store = ResultStore(isolated_results)
    sample_run = make_result(data_fingerprint=OTHER_DATA)
    path = store.save(sample_run)
    assert path.parent.name == f"data-{OTHER_DATA[:16]}"
    assert find_stored(sample_run.experiment) is None  # asked for the real MNIST's
    assert find_stored(sample_run.experiment, MNIST_FINGERPRINT) is None
    assert find_stored(sample_run.experiment, OTHER_DATA) == sample_run  # asked for that data's
    assert find_stored(sample_run.experiment, "cd" * 32) is None  # and for a third data set


def test_a_real_mnist_result_comes_first_whatever_the_local_data(isolated_results):
    store = ResultStore(isolated_results)
    real, sample = make_result(), make_result(data_fingerprint=OTHER_DATA, test_accuracy=0.5)
    store.save(real)
    store.save(sample)
    assert find_stored(real.experiment, OTHER_DATA) == real
    assert real.on_real_mnist and not sample.on_real_mnist


def test_a_file_moved_into_the_real_mnist_folder_is_refused(tmp_path):
    store = ResultStore(tmp_path)
    sample_run = make_result(data_fingerprint=OTHER_DATA)
    moved = store.path(sample_run.experiment)
    moved.parent.mkdir(parents=True)
    moved.write_text(json.dumps(sample_run.to_dict()))
    with pytest.warns(CorruptResultWarning, match="other data"):
        assert store.load(sample_run.experiment) is None


def test_a_record_without_a_data_fingerprint_is_not_served(tmp_path):
    store = ResultStore(tmp_path)
    record = make_result().to_dict()
    del record["provenance"]["data_fingerprint"]
    store.path(make_result().experiment).parent.mkdir(parents=True)
    store.path(make_result().experiment).write_text(json.dumps(record))
    with pytest.warns(CorruptResultWarning, match="data_fingerprint"):
        assert store.load(make_result().experiment) is None


# --- item 3: the store's folder and files ----------------------------------------------------------

def test_results_dir_expands_the_home_folder(monkeypatch, tmp_path):
    from lrlib.results import user_results_dir

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("LRLIB_RESULTS_DIR", "~/lrlib-results")
    assert user_results_dir() == tmp_path / "lrlib-results"


def test_without_a_results_dir_the_users_cache_folder_is_used(monkeypatch, tmp_path):
    from lrlib.results import user_results_dir

    monkeypatch.delenv("LRLIB_RESULTS_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert user_results_dir() == tmp_path / "cache" / "lrlib" / "results"
    assert PACKAGED_RESULTS not in user_results_dir().parents


def test_an_unwritable_folder_is_found_before_training(tmp_path):
    from lrlib.results import ResultsNotWritableError

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ResultsNotWritableError, match=f"{blocker}.*LRLIB_RESULTS_DIR"):
        ResultStore(blocker / "results").check_writable("tiny")
    ResultStore(tmp_path / "fine").check_writable("tiny")
    assert list((tmp_path / "fine" / "tiny").iterdir()) == []  # the probe leaves nothing


def test_saved_files_get_ordinary_permissions(tmp_path):
    previous = os.umask(0o022)
    try:
        path = ResultStore(tmp_path).save(make_result())
    finally:
        os.umask(previous)
    assert path.stat().st_mode & 0o777 == 0o644


def test_a_save_cleans_up_what_a_killed_save_left(tmp_path):
    store = ResultStore(tmp_path)
    folder = store.path(make_result().experiment).parent
    folder.mkdir(parents=True)
    stale, fresh = folder / ".abc.123.dead.tmp", folder / ".abc.456.live.tmp"
    stale.write_text("{half")
    fresh.write_text("{half")
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    store.save(make_result())
    assert not stale.exists() and fresh.exists()  # a save in progress elsewhere is left alone


# --- item 4: records are checked on read --------------------------------------------------------------

def _tampered(change):
    record = make_result().to_dict()
    change(record)
    return record


@pytest.mark.parametrize("change", [
    lambda r: r.update(test_accuracy="0.5"), lambda r: r.update(test_loss=None),
    lambda r: r.update(diverged="false"), lambda r: r.update(test_accuracy=7.5),
    lambda r: r.update(test_accuracy=-1), lambda r: r["history"]["loss"].__setitem__(0, "nan"),
    lambda r: r["history"]["accuracy"].__setitem__(0, True), lambda r: r["history"].update(extra=[1.0, 2.0]),
    lambda r: r["history"]["val_accuracy"].__setitem__(1, 1.5), lambda r: r.update(epochs_run=True),
    lambda r: r.update(wall_time_s=-3.0), lambda r: r.update(divergence_reason="exploded"),
    lambda r: r.update(diverged=True), lambda r: r["history"]["learning_rate"].__setitem__(0, "NaN"),
    lambda r: r["provenance"].update(device=3), lambda r: r.update(epochs_run=5),
], ids=["accuracy-text", "loss-null", "diverged-text", "accuracy-7.5", "accuracy-negative", "history-nan-text",
        "history-bool", "history-extra-key", "val-accuracy-1.5", "epochs-bool", "negative-time",
        "reason-without-divergence", "divergence-without-reason", "rate-nan", "provenance-number",
        "more-epochs-than-the-profile"])
def test_a_record_with_a_bad_field_is_reported_and_recomputed(tmp_path, change):
    store = ResultStore(tmp_path)
    experiment = make_result().experiment
    store.path(experiment).parent.mkdir(parents=True)
    store.path(experiment).write_text(json.dumps(_tampered(change)))
    with pytest.warns(CorruptResultWarning, match="corrupt"):
        assert store.load(experiment) is None


def test_nan_literals_are_not_accepted_as_json(tmp_path):
    store = ResultStore(tmp_path)
    experiment = make_result().experiment
    store.path(experiment).parent.mkdir(parents=True)
    store.path(experiment).write_text(json.dumps(make_result().to_dict()).replace('"test_loss": 1.1', '"test_loss": NaN'))
    with pytest.warns(CorruptResultWarning, match="NaN is not valid JSON"):
        assert store.load(experiment) is None


def test_what_could_not_be_read_back_is_never_written(tmp_path):
    with pytest.raises(ValueError, match="test_accuracy"):
        ResultStore(tmp_path).save(make_result(test_accuracy=3.0))
    assert not any(tmp_path.rglob("*.json"))


# --- item 5: every result has an outcome ----------------------------------------------------------------

@pytest.mark.parametrize("fields, kind, words", [
    ({}, "learned", "test accuracy 0.7000"),
    ({"loss": (1.2e9, 8.7e7), "test_accuracy": 0.098}, "diverged", "8.7e+07"),  # Adam at lr 10
    ({"loss": (1.4e4, 2.31), "test_accuracy": 0.101}, "stuck at chance", "1.4e+04 in epoch 1"),  # Adam at 0.5
    ({"loss": (2.302, 2.27), "test_accuracy": 0.1625}, "stuck at chance", "0.1625"),  # Adam at 1e-7
    ({"loss": (2.3, math.nan), "test_loss": math.nan, "test_accuracy": 0.098, "diverged": True,
      "divergence_reason": "training loss became nan in epoch 2"}, "diverged", "became nan"),
    ({"loss": (2.3, 0.5), "test_loss": math.inf}, "diverged", "inf"),
])
def test_outcome_says_how_a_run_ended_and_why(fields, kind, words):
    result = make_result(**fields)
    assert result.outcome.kind == kind and words in result.outcome.reason
    assert "outcome" not in result.to_dict()  # derived: the stored records keep their fields


# --- issue 26, item 4: hand edits are found on read ---------------------------------------------------

def test_a_history_cut_short_without_early_stop_or_divergence_is_corrupt(tmp_path):
    store = ResultStore(tmp_path)
    experiment = Experiment("adam", 0.01, epochs=2, profile="tiny")
    path = store.save(make_result(experiment))
    data = json.loads(path.read_text())
    for values in data["history"].values():
        values.pop()
    data["epochs_run"] = 1
    path.write_text(json.dumps(data))
    with pytest.warns(CorruptResultWarning, match="cut short"):
        assert store.load(experiment) is None
    stopping = Experiment("adam", 0.01, epochs=2, profile="tiny", early_stopping_patience=1)
    store.save(make_result(stopping, loss=(2.0,)))  # an early stop explains a short history
    assert store.load(stopping).epochs_run == 1


def test_a_duplicate_json_key_is_corrupt(tmp_path):
    store = ResultStore(tmp_path)
    path = store.save(make_result())
    text = path.read_text()
    path.write_text(text.replace('"test_accuracy": 0.7', '"test_accuracy": 0.7, "test_accuracy": 0.99'))
    with pytest.warns(CorruptResultWarning, match="duplicate keys \\['test_accuracy'\\]"):
        assert store.load(make_result().experiment) is None


def test_the_books_store_checks_each_file_against_its_manifest(tmp_path, monkeypatch):
    from lrlib import results

    monkeypatch.setattr(results, "PACKAGED_RESULTS", tmp_path / "book")
    book, own = results.book_store(), ResultStore(tmp_path / "own")
    result = make_result()
    for store in (book, own):
        path = store.save(result)
        assert store.load(result.experiment) == result
        path.write_text(path.read_text().replace('"test_accuracy": 0.7', '"test_accuracy": 0.9'))
    assert (tmp_path / "book" / "tiny" / "SHA256SUMS").is_file() and not list((tmp_path / "own").rglob("SHA256SUMS"))
    assert own.load(result.experiment).test_accuracy == 0.9  # a learner's own store: their edit is theirs
    with pytest.warns(CorruptResultWarning, match="checksum differs"):
        assert book.load(result.experiment) is None
    (tmp_path / "book" / "tiny" / "SHA256SUMS").write_text("")
    with pytest.warns(CorruptResultWarning, match="no checksum"):
        assert book.load(result.experiment) is None


# --- issue 26, item 17: an empty results path and unset variables are refused -------------------------

@pytest.mark.parametrize("text, words", [("", "empty path"), ("  ", "empty path"),
                                         ("$LRLIB_TEST_UNSET/x", "not set"), ("${LRLIB_TEST_UNSET}", "not set")])
def test_an_empty_results_dir_or_an_unset_variable_is_refused(text, words, monkeypatch, tmp_path, capsys):
    from lrlib import cli
    from lrlib.results import user_results_dir

    monkeypatch.delenv("LRLIB_TEST_UNSET", raising=False)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "--lr", "0.01", "--profile", "tiny", "--results-dir", text]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and words in err and f"results_dir={text!r}" in err
    if text.strip():
        monkeypatch.setenv("LRLIB_RESULTS_DIR", text)
        with pytest.raises(ValueError, match=f"Environment variable LRLIB_RESULTS_DIR.*{words}"):
            user_results_dir()
    assert list(tmp_path.iterdir()) == []  # nothing written here, no literal $LRLIB_TEST_UNSET folder


def test_set_variables_in_the_results_dir_are_expanded(monkeypatch, tmp_path):
    from lrlib.results import user_results_dir

    monkeypatch.setenv("LRLIB_TEST_ROOT", str(tmp_path))
    monkeypatch.setenv("LRLIB_RESULTS_DIR", "$LRLIB_TEST_ROOT/results")
    assert user_results_dir() == tmp_path / "results"


# --- issue 26, item 11: only regular files are read --------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_or_folder_named_like_a_result_is_reported_not_read(tmp_path):
    store = ResultStore(tmp_path)
    for make, experiment in ((os.mkfifo, Experiment("adam", 0.01, profile="tiny")),
                             (os.mkdir, Experiment("adam", 0.02, profile="tiny"))):
        path = store.path(experiment)
        path.parent.mkdir(parents=True, exist_ok=True)
        make(path)
        with pytest.warns(CorruptResultWarning, match="is not a regular file"):
            assert store.load(experiment) is None  # at once: a FIFO would block a read for ever
