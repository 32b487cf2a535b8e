"""report.noise: how the book decides (choose on validation, compare against the noise)."""

import math

import pandas as pd
import pytest

from lrlib import Experiment, Result
from lrlib.data import MNIST_FINGERPRINT
from lrlib.report import noise
from lrlib.optimizers import OPTIMIZERS


def make(optimizer="adam", rate=0.001, seed=0, test_accuracy=0.99, val_accuracy=(0.97, 0.98, 0.975),
         val_loss=(0.3, 0.1, 0.2), profile="full", restore_best=False, epochs=3, test_loss=0.03):
    experiment = Experiment(optimizer, rate, epochs=epochs, seed=seed, profile=profile, restore_best=restore_best)
    n = len(val_loss)
    return Result(
        experiment=experiment,
        history={"loss": [1.0] * n, "val_loss": list(val_loss), "accuracy": [0.9] * n,
                 "val_accuracy": list(val_accuracy), "learning_rate": [rate] * n},
        test_loss=test_loss, test_accuracy=test_accuracy, epochs_run=n, wall_time_s=3.0, train_time_s=2.5,
        diverged=False, divergence_reason=None,
        provenance={"lrlib": "test", "device": "CPU", "data_source": "test", "data_fingerprint": MNIST_FINGERPRINT})


def seeds(accuracies, **fields):
    return [make(seed=seed, test_accuracy=a, val_accuracy=(0.5, a, a), **fields) for seed, a in enumerate(accuracies)]


def test_kept_epoch_is_the_last_without_restore_best_and_the_lowest_val_loss_with_it():
    assert noise.kept_epoch(make()) == 3
    assert noise.kept_epoch(make(restore_best=True)) == 2
    # A diverged run (NaN losses) keeps its lowest finite epoch; all NaN: the last.
    assert noise.kept_epoch(make(restore_best=True, val_loss=(0.3, math.nan, 0.2))) == 3
    assert noise.kept_epoch(make(restore_best=True, val_loss=(math.nan,) * 3)) == 3


def test_score_reads_the_kept_epoch_and_the_stored_test_accuracy():
    assert noise.score(make()) == 0.975
    assert noise.score(make(restore_best=True)) == 0.98
    assert noise.score(make(), "val_loss") == 0.2
    assert noise.score(make(test_accuracy=0.9876), "test_accuracy") == 0.9876
    assert math.isnan(noise.score(make(test_accuracy=math.nan), "test_accuracy"))
    with pytest.raises(ValueError, match="validation metric"):
        noise.score(make(), "test_loss")


@pytest.mark.parametrize("metric", ["test_accuracy", "test_loss"])
def test_choose_refuses_a_test_metric_by_name(metric):
    results = {"a": make(), "b": make(rate=0.01)}
    with pytest.raises(ValueError, match=rf"validation metric.*test set only reports.*{metric}"):
        noise.choose(results, metric)
    with pytest.raises(ValueError, match="validation metric"):
        noise.selection_metric(metric)
    with pytest.raises(ValueError, match="validation metric"):
        noise.tied_with_best(results, metric)


def test_selection_metric_accepts_validation_metrics_and_refuses_others():
    assert noise.selection_metric("val_accuracy") == "val_accuracy"
    assert noise.selection_metric("val_loss") == "val_loss"
    with pytest.raises(ValueError, match="accuracy"):
        noise.selection_metric("accuracy")


def test_choose_picks_the_highest_val_accuracy_and_the_lowest_val_loss():
    results = {
        "high accuracy": make(val_accuracy=(0.9, 0.9, 0.99), val_loss=(0.5, 0.4, 0.3), test_accuracy=0.5),
        "low loss": make(val_accuracy=(0.9, 0.9, 0.95), val_loss=(0.5, 0.4, 0.1), test_accuracy=0.999),
        "diverged": make(val_accuracy=(0.9, 0.9, math.nan), val_loss=(0.5, 0.4, math.nan)),
    }
    assert noise.choose(results, "val_accuracy") == "high accuracy"  # the test accuracy plays no part
    assert noise.choose(results, "val_loss") == "low loss"
    # Several seeds count by their median.
    assert noise.choose({"steady": seeds([0.98, 0.98, 0.98]), "lucky": seeds([0.97, 0.97, 0.999])}) == "steady"
    with pytest.raises(ValueError, match="results"):
        noise.choose({})


def test_median_score_and_seed_range():
    runs = seeds([0.98, 0.99, 0.985])
    assert noise.median_score(runs) == pytest.approx(0.985)
    assert noise.median_score(runs[0]) == pytest.approx(0.98)
    assert noise.seed_range(runs) == pytest.approx(0.01)
    assert noise.seed_range(runs, "val_accuracy") == pytest.approx(0.01)
    assert noise.seed_range(runs[:1]) == 0.0
    with pytest.raises(ValueError, match="runs"):
        noise.median_score([])
    with pytest.raises(ValueError, match="differ only in their seed"):
        noise.seed_range([make(), make(rate=0.01)])
    with pytest.raises(ValueError, match="metric"):
        noise.seed_range(runs, "val_loss")


def test_evaluated_images_by_profile_and_split():
    assert noise.evaluated_images(make(), "test_accuracy") == 10_000
    assert noise.evaluated_images(make(), "val_accuracy") == 12_000  # 20 % of 60,000
    assert noise.evaluated_images(make(profile="quick"), "test_accuracy") == 2_000
    assert noise.evaluated_images(make(profile="quick"), "val_accuracy") == 400


def test_sampling_error_by_hand():
    # 1.96 * sqrt(0.99 * 0.01 / 10,000) = 1.96 * 0.000995 = 0.00195
    assert noise.sampling_error(0.99, 10_000) == pytest.approx(0.0019501, abs=1e-6)
    assert noise.sampling_error(0.5, 100) == pytest.approx(0.0979982, abs=1e-6)
    # Two accuracies of 0.99: sqrt(2) times one, about 28 of 10,000 images.
    difference = noise.difference_sampling_error(0.99, 0.99, 10_000)
    assert difference == pytest.approx(math.sqrt(2) * 0.0019501, abs=1e-6)
    assert round(difference * 10_000) == 28


def test_compare_uses_their_own_seeds_when_both_have_several():
    first, second = seeds([0.990, 0.992, 0.991]), seeds([0.980, 0.985, 0.982], rate=0.01)
    found = noise.compare(first, second)
    assert found.noise.seed_source == "their own seeds"
    assert found.noise.seed == pytest.approx(0.005)  # the wider of the two ranges
    assert found.first == pytest.approx(0.991) and found.second == pytest.approx(0.982)
    assert found.difference == pytest.approx(0.009) and found.images == 90
    assert found.noise.sampling == pytest.approx(noise.difference_sampling_error(0.991, 0.982, 10_000))
    assert found.noise.margin == pytest.approx(0.005) and found.noise.margin_images == 50
    assert found.verdict == "ahead"
    assert noise.compare(second, first).verdict == "behind"


def test_compare_with_a_given_seed_noise_and_the_book_fallback(monkeypatch):
    one, other = make(test_accuracy=0.990), make(rate=0.01, test_accuracy=0.985)
    given = noise.compare(one, other, seed_noise=0.006)
    assert given.noise.seed_source == "given" and given.noise.seed == 0.006 and given.verdict == "tie"
    assert noise.compare(one, other, seed_noise=0.001).verdict == "ahead"
    asked = []
    monkeypatch.setattr(noise, "seed_noise_for", lambda optimizers, metric: asked.append((optimizers, metric)) or 0.004)
    fallback = noise.compare(one, seeds([0.98, 0.99], optimizer="sgd"))
    assert asked == [({"adam", "sgd"}, "test_accuracy")]
    assert fallback.noise.seed == 0.004 and fallback.noise.seed_source == "the book's repeats of adam, sgd"


def test_compare_tie_when_the_sampling_error_is_the_larger_part():
    # 20 images apart with no seed noise: within the 29 images of sampling error (0.990 and 0.988).
    found = noise.compare(make(test_accuracy=0.990), make(test_accuracy=0.988), seed_noise=0.0)
    assert found.noise.seed == 0.0 and found.noise.margin == found.noise.sampling
    assert found.images == 20 and found.noise.margin_images == 29 and found.verdict == "tie"


def test_compare_of_a_diverged_run():
    diverged, trained = make(test_accuracy=math.nan), make()
    found = noise.compare(diverged, trained, seed_noise=0.0)
    assert math.isnan(found.difference) and found.images == 0 and found.noise.sampling == 0.0
    assert found.verdict == "behind"
    assert noise.compare(trained, diverged, seed_noise=0.0).verdict == "ahead"
    assert noise.compare(diverged, diverged, seed_noise=0.0).verdict == "tie"


def test_tied_with_best_and_leads_over(monkeypatch):
    monkeypatch.setattr(noise, "seed_noise_for", lambda optimizers, metric: 0.003)
    results = {
        "best": make(val_accuracy=(0.9, 0.9, 0.990)),
        "close": make(rate=0.002, val_accuracy=(0.9, 0.9, 0.988)),
        "far": make(rate=0.003, val_accuracy=(0.9, 0.9, 0.970)),
    }
    # Validation images: 12,000; seed noise 0.003; sampling error of a difference 0.0025 to 0.0035.
    assert noise.tied_with_best(results) == ["best", "close"]
    table = noise.leads_over(results, "best", "val_accuracy")
    assert isinstance(table, pd.DataFrame) and list(table.index) == ["close", "far"]
    assert list(table["verdict"]) == ["tie", "behind"]
    assert table.loc["far", "lead in images"] == -240 and table.loc["far", "noise in images"] == 42
    with pytest.raises(ValueError, match="reference"):
        noise.leads_over(results, "missing")
    for metric in ("val_loss", "test_accuracy"):  # a loss has no images to count; test never chooses
        with pytest.raises(ValueError, match=f"metric='{metric}'"):
            noise.tied_with_best(results, metric)


def test_seed_range_table_and_seed_noise_for_on_the_stored_results():
    table = noise.seed_range_table()
    assert list(table.columns) == ["optimizer", "learning rate", "epochs", "seeds", "validation range", "test range"]
    assert (table["seeds"] >= 2).all() and table["test range"].is_monotonic_decreasing
    article = table[table["optimizer"].isin(OPTIMIZERS)]
    assert article["test range"].max() == pytest.approx(0.0067, abs=5e-5)  # RMSprop at 0.01 (issue 25)
    assert table["test range"].max() > article["test range"].max()  # LAMB at one epoch (issue 28)
    assert noise.seed_noise_for("adam") == table[table["optimizer"] == "adam"]["test range"].max()
    assert noise.seed_noise_for("adam", "val_accuracy") == table[table["optimizer"] == "adam"]["validation range"].max()
    # An optimizer never repeated falls back on the widest range of the article's optimizers.
    assert noise.seed_noise_for({"no such optimizer"}) == article["test range"].max()
    assert noise.seed_noise_for("adagrad", "val_accuracy") == article["validation range"].max()
    assert noise.seed_noise_for(["adam", "sgd"]) >= noise.seed_noise_for("sgd")
