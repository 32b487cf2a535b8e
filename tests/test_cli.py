import os
import subprocess
import sys

import pytest

from lrlib import cli


def lrlib_cli(*args):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.run([sys.executable, "-m", "lrlib", *args], capture_output=True, text=True, env=env,
                          timeout=600)


def test_run_trains_and_prints_test_scores():
    done = lrlib_cli("run", "--optimizer", "adam", "--lr", "0.01", "--epochs", "1", "--profile", "tiny")
    assert done.returncode == 0, done.stderr
    assert "epoch 1/1 - loss" in done.stdout
    assert "adam lr=0.01 (tiny profile, 1 epochs): test loss" in done.stdout and "test accuracy" in done.stdout


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


def test_reproduce_prints_the_table_against_the_article(capsys):
    assert cli.main(["reproduce", "--profile", "tiny", "--only", "fixed-lr"]) == 0
    out = capsys.readouterr().out
    assert "article: test loss / acc" in out and "ours: test loss / acc" in out
    assert "0.0286 / 0.9919" in out  # the article's baseline figures
    for label in ("adam lr=0.001", "adam lr=0.5", "adam lr=0.01", "adam lr=1e-05", "adam lr=1e-07"):
        assert label in out


def test_help_explains_both_commands():
    done = lrlib_cli("--help")
    assert done.returncode == 0 and "run" in done.stdout and "reproduce" in done.stdout
    assert "--only" in lrlib_cli("reproduce", "--help").stdout
