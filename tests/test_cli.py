import os
import subprocess
import sys

import pytest

from lrlib import cli


def lrlib_cli(*args, **env_changes):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **env_changes}
    return subprocess.run([sys.executable, "-m", "lrlib", *args], capture_output=True, text=True, env=env,
                          timeout=600, errors="backslashreplace")


def test_run_trains_and_prints_test_scores():
    done = lrlib_cli("run", "--optimizer", "adam", "--lr", "0.01", "--epochs", "1", "--profile", "tiny")
    assert done.returncode == 0, done.stderr
    assert "epoch 1/1 - loss" in done.stdout
    assert "adam lr=0.01 (tiny profile, 1 epochs): test loss" in done.stdout and "test accuracy" in done.stdout


def test_run_takes_the_optimizer_in_any_case(capsys):
    assert cli.main(["run", "--optimizer", "ADAM", "--lr", "0.01", "--epochs", "1", "--profile", "tiny"]) == 0
    assert "adam lr=0.01" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["--lr", "0"], "learning_rate=0.0"), (["--lr", "-1"], "learning_rate=-1.0"),
    (["--lr", "nan"], "learning_rate=nan"), (["--lr", "inf"], "learning_rate=inf"),
    (["--lr", "0.1", "--epochs", "0"], "epochs=0"), (["--lr", "0.1", "--batch-size", "-5"], "batch_size=-5"),
])
def test_bad_values_are_refused_before_training(args, message, capsys):
    assert cli.main(["run", *args, "--profile", "tiny"]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "epoch" not in captured.out


@pytest.mark.parametrize("args", [["run", "--lr", "fast"], ["run", "--optimizer", "adamm", "--lr", "0.1"],
                                  ["run"], ["reproduce", "--only", "nothing"]])
def test_argparse_refuses_malformed_arguments(args, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(args)
    assert exited.value.code == 2


def test_reproduce_prints_the_table_against_the_article(capsys, tmp_path):
    assert cli.main(["reproduce", "--profile", "tiny", "--only", "fixed-lr", "--results-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert len(list((tmp_path / "tiny").rglob("*.json"))) == 5
    assert "outcome" in out and "learned" in out
    assert "article: test loss / acc" in out and "ours: test loss / acc" in out
    assert "0.0286 / 0.9919" in out  # the article's baseline figures
    for label in ("adam lr=0.001", "adam lr=0.5", "adam lr=0.01", "adam lr=1e-05", "adam lr=1e-07"):
        assert label in out


def test_help_explains_both_commands():
    done = lrlib_cli("--help")
    assert done.returncode == 0 and "run" in done.stdout and "reproduce" in done.stdout
    assert "--only" in lrlib_cli("reproduce", "--help").stdout


# --- issue 8, item 7: every error a user can cause is one line, never a traceback ----------------------

def assert_one_error_line(done, *words):
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and all(word in errors[0] for word in words), done.stderr


def test_a_bad_profile_in_the_environment_is_one_error_line():
    # issue 26, item 12: the message names the variable the user set, not an argument
    for args in (["run", "--lr", "0.1"], ["reproduce", "--only", "fixed-lr"]):
        done = lrlib_cli(*args, LRLIB_PROFILE="huge")
        assert_one_error_line(done, "Environment variable LRLIB_PROFILE", "Received: LRLIB_PROFILE='huge'")
        assert "Argument `profile`" not in done.stderr


def test_a_missing_data_file_is_one_error_line(tmp_path):
    done = lrlib_cli("run", "--lr", "0.1", "--profile", "tiny", "--results-dir", str(tmp_path),
                     LRLIB_MNIST_PATH=str(tmp_path / "nope.npz"))
    assert_one_error_line(done, "nope.npz")


def test_an_unwritable_results_folder_is_one_error_line_before_training(tmp_path):
    (tmp_path / "a-file").write_text("")
    done = lrlib_cli("run", "--lr", "0.1", "--profile", "tiny", "--results-dir", str(tmp_path / "a-file" / "r"))
    assert_one_error_line(done, "cannot be written", "a-file")
    assert "epoch 1" not in done.stdout


def test_a_bad_stored_only_value_is_one_error_line(tmp_path):
    done = lrlib_cli("run", "--lr", "0.1", "--profile", "tiny", LRLIB_STORED_ONLY="maybe")
    assert_one_error_line(done, "LRLIB_STORED_ONLY='maybe'")


def test_stored_only_names_the_group_that_produces_a_book_experiment(monkeypatch, capsys):
    monkeypatch.setenv("LRLIB_STORED_ONLY", "1")
    assert cli.main(["run", "--lr", "0.5", "--profile", "tiny"]) == 2
    err = capsys.readouterr().err
    assert "python -m lrlib reproduce --profile tiny --only fixed-lr --only sweep" in err
    assert cli.main(["run", "--lr", "0.3", "--profile", "tiny"]) == 2  # in no group: no reproduce advice
    err = capsys.readouterr().err
    assert "forbids training" in err and "reproduce" not in err


def test_a_terminal_that_cannot_print_unicode_gets_the_table(tmp_path):
    done = lrlib_cli("reproduce", "--profile", "tiny", "--only", "fixed-lr", "--results-dir", str(tmp_path),
                     PYTHONIOENCODING="ascii", LANG="C", LC_ALL="C")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "article: test loss / acc" in done.stdout and "Traceback" not in done.stderr


def test_reproduce_writes_the_books_results_only_from_the_real_mnist(monkeypatch, tmp_path, fake_mnist_file, capsys):
    from lrlib import results

    monkeypatch.setattr(results, "PACKAGED_RESULTS", tmp_path / "book")
    monkeypatch.setenv("LRLIB_MNIST_PATH", str(fake_mnist_file))
    assert cli.main(["reproduce", "--profile", "tiny", "--only", "fixed-lr"]) == 2
    assert "must be trained on the real MNIST" in capsys.readouterr().err
    assert not (tmp_path / "book").exists()


@pytest.mark.skipif(not os.environ.get("LRLIB_MNIST_PATH"), reason="needs the real MNIST file (make test sets it)")
def test_reproduce_writes_into_the_books_results_by_default(monkeypatch, tmp_path, capsys):
    from lrlib import results

    monkeypatch.setattr(results, "PACKAGED_RESULTS", tmp_path / "book")
    assert cli.main(["reproduce", "--profile", "tiny", "--only", "fixed-lr"]) == 0
    assert f"Results are stored in {tmp_path / 'book'}" in capsys.readouterr().out
    assert len(list((tmp_path / "book" / "tiny").glob("*.json"))) == 5


# --- issue 26, item 7: a batch larger than the training images is refused, naming both -----------------

@pytest.mark.parametrize("size", ["481", str(2**63), str(10**30)])
def test_a_batch_larger_than_the_training_images_is_one_error_line(size, tmp_path, capsys):
    assert cli.main(["run", "--lr", "0.01", "--profile", "tiny", "--batch-size", size,
                     "--results-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and f"batch_size={size}" in err and "<= 480, the training images" in err
    assert cli.main(["run", "--lr", "0.01", "--epochs", "1", "--profile", "tiny", "--batch-size", "480",
                     "--results-dir", str(tmp_path)]) == 0
