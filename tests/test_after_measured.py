"""Chapter 20: the newer methods measured like the rest of the book (the band of a swept knob,
each method's standing at an epoch budget, and the explorer that shows it)."""

import pandas as pd
import pytest

from lrlib import Experiment, Result, report
from lrlib.data import MNIST_FINGERPRINT
from lrlib.widgets import BudgetExplorer


def run(optimizer="lion", rate=1e-3, seed=0, val_accuracy=0.98, epochs=2, options=()):
    experiment = Experiment(optimizer, rate, epochs=epochs, seed=seed, profile="full", optimizer_options=options)
    return Result(experiment=experiment,
                  history={"loss": [1.0] * epochs, "val_loss": [0.1] * epochs, "accuracy": [0.9] * epochs,
                           "val_accuracy": [val_accuracy] * epochs, "learning_rate": [rate] * epochs},
                  test_loss=0.05, test_accuracy=val_accuracy, epochs_run=epochs, wall_time_s=1.0, train_time_s=1.0,
                  diverged=False, divergence_reason=None,
                  provenance={"lrlib": "test", "device": "CPU", "data_source": "test",
                              "data_fingerprint": MNIST_FINGERPRINT})


def test_swept_value_is_the_rate_or_the_learning_rate_free_knob():
    assert report.swept_value(run(rate=3e-4)) == 3e-4
    assert report.swept_value(run("prodigy", 1.0, options={"d_coef": 0.2})) == 0.2
    assert report.swept_value(run("prodigy", 1.0)) == 1.0  # d_coef left at its default


def test_a_prodigy_band_spans_its_d_coefs_not_its_fixed_rate():
    accuracies = {0.1: 0.95, 0.5: 0.985, 1.0: 0.99, 2.0: 0.988, 10.0: 0.9}
    runs = [run("prodigy", 1.0, val_accuracy=a, options={"d_coef": d}) for d, a in accuracies.items()]
    band = report.good_band_width(runs, tolerance=0.005)
    assert (band["best rate"], band["band from"], band["band to"]) == (1.0, 0.5, 2.0)
    assert (band["bad below"], band["bad above"]) == (0.1, 10.0)
    assert band["width"] == pytest.approx(0.60206, abs=1e-5)  # log10(2 / 0.5)
    # Seeds at one d_coef count by their median, as seeds at one rate do.
    repeats = [run("prodigy", 1.0, seed=s, val_accuracy=a, options={"d_coef": 0.5}) for s, a in ((1, 0.97), (2, 0.97))]
    assert report.good_band_width(runs + repeats, tolerance=0.005)["band from"] == 1.0
    table = report.repeated_cells_table(runs, repeats, tolerance=0.005)
    assert list(table.index) == [("prodigy", 0.5)] and not table.iloc[0]["good (median)"]


def budget_table():
    runs = {"slow": [run(epochs=e, seed=s, val_accuracy=a) for e, a in ((1, 0.95), (2, 0.98)) for s in (0, 1, 2)],
            "fast": [run(epochs=e, seed=s, val_accuracy=a + 0.001 * s) for e, a in ((1, 0.985), (2, 0.991))
                     for s in (0, 1, 2)]}
    return report.budget_table(runs, 0.9919)


def test_standings_at_a_budget_count_the_images_from_the_target():
    standings = report.standings_at(budget_table(), 2, 0.9919, images=12_000)
    assert list(standings.index) == ["fast", "slow"]  # best median first
    assert standings.loc["fast", "validation"] == "0.9920 (0.9910\u20130.9930)"
    assert standings.loc["fast", "from target (images)"] == 1 and standings.loc["fast", "reached"]
    assert standings.loc["slow", "from target (images)"] == round((0.98 - 0.9919) * 12_000) == -143
    assert not standings.loc["slow", "reached"] and list(standings["seeds"]) == [3, 3]
    with pytest.raises(ValueError, match="epochs=5"):
        report.standings_at(budget_table(), 5, 0.9919, images=12_000)
    with pytest.raises(ValueError, match="epochs=0"):
        report.standings_at(budget_table(), 0, 0.9919, images=12_000)


def test_the_budget_explorer_redraws_and_precomputes_every_budget():
    explorer = BudgetExplorer(budget_table(), 0.9919, images=12_000)
    assert explorer.epochs.value == 1 and explorer.caption().startswith("1 epoch: no strategy reached 0.9919")
    explorer.epochs.value = 2
    caption, table = explorer.output.outputs
    assert "2 epochs: fast reached 0.9919" in caption["text"] and "from target (images)" in table["data"]["text/plain"]
    html = explorer.static_html()
    assert 'data-view="lookup"' in html and html.count('"panels"') == 2
    with pytest.raises(ValueError, match="epochs=4"):
        BudgetExplorer(budget_table(), 0.9919, images=12_000, epochs=4)
    with pytest.raises(ValueError, match="images=0"):
        BudgetExplorer(budget_table(), 0.9919, images=0)
    with pytest.raises(ValueError, match="empty table"):
        BudgetExplorer(pd.DataFrame({"epochs": []}), 0.9919, images=12_000)


def test_a_sweep_of_prodigy_is_drawn_and_labelled_on_its_knob():
    from lrlib import plots

    prodigy = [run("prodigy", 1.0, val_accuracy=a, options={"d_coef": d}) for d, a in ((0.1, 0.95), (1.0, 0.99), (10.0, 0.9))]
    lion = [run("lion", rate, val_accuracy=a) for rate, a in ((1e-4, 0.99), (1e-3, 0.98))]
    assert plots.good_band(prodigy, tolerance=0.005) == (1.0, 1.0)
    ax = plots.plot_sweep({"prodigy": prodigy}, show_bands=False)
    assert list(ax.lines[0].get_xdata()) == [0.1, 1.0, 10.0] and ax.get_xlabel() == "d_coef (log scale)"
    assert plots.plot_sweep({"lion": lion, "prodigy": prodigy}).get_xlabel() == "learning rate, or d_coef for prodigy (log scale)"
    assert plots.swept_axis_label(["lion", "lamb"]) == "learning rate (log scale)"
    bands = plots.plot_bands(report.band_width_table(prodigy + lion))
    assert [label.get_text() for label in bands.get_yticklabels()] == ["lion", "prodigy (d_coef)"]
    assert bands.get_xlabel() == "learning rate, or d_coef for prodigy (log scale)"


def test_the_band_explorer_names_prodigys_knob_in_its_table_and_static_view():
    from lrlib.widgets import BandExplorer

    prodigy = [run("prodigy", 1.0, val_accuracy=a, options={"d_coef": d}) for d, a in ((0.1, 0.95), (1.0, 0.99), (10.0, 0.9))]
    lion = [run("lion", rate, val_accuracy=a) for rate, a in ((1e-4, 0.99), (1e-3, 0.98))]
    explorer = BandExplorer(lion + prodigy, tolerance=0.005)
    table_html = explorer.output.outputs[-1]["data"]["text/html"]
    assert "prodigy (d_coef)" in table_html
    page = explorer.static_html()
    assert "prodigy (d_coef)" in page and "learning rate, or d_coef for prodigy (log scale)" in page


def test_settings_in_bands_say_where_each_methods_setting_lies():
    accuracies = {1e-4: 0.95, 3e-4: 0.985, 1e-3: 0.99, 3e-3: 0.988, 1e-2: 0.9}
    lion = [run("lion", rate, val_accuracy=a) for rate, a in accuracies.items()]
    prodigy = [run("prodigy", 1.0, val_accuracy=a, options={"d_coef": d}) for d, a in ((0.1, 0.95), (1.0, 0.99), (10.0, 0.9))]
    bands = report.band_width_table(lion + prodigy, tolerance=0.005)
    table = report.settings_in_bands(bands, {"lion": 3e-3, "prodigy": 1.0})
    assert list(table.index) == ["lion", "prodigy"] and list(table["where"]) == ["in the band", "in the band"]
    assert table.loc["lion", "decades from the best"] == pytest.approx(0.47712, abs=1e-5)  # log10(3)
    assert report.settings_in_bands(bands, {"lion": 5e-3}).loc["lion", "where"] == "at an edge"
    assert report.settings_in_bands(bands, {"lion": 2e-4}).loc["lion", "where"] == "at an edge"
    assert report.settings_in_bands(bands, {"lion": 5e-2}).loc["lion", "where"] == "outside"
    with pytest.raises(ValueError, match="'muon'"):
        report.settings_in_bands(bands, {"muon": 1e-3})
    with pytest.raises(ValueError, match=r"settings\['lion'\]"):
        report.settings_in_bands(bands, {"lion": -1e-3})


def test_widths_at_most_say_which_end_of_the_grid_is_open():
    prodigy = [run("prodigy", 1.0, val_accuracy=a, options={"d_coef": d}) for d, a in ((0.1, 0.99), (1.0, 0.99), (10.0, 0.9))]
    lion = [run("lion", rate, val_accuracy=a) for rate, a in ((1e-4, 0.9), (1e-3, 0.99), (1e-2, 0.8))]
    adam = [run("adam", rate, val_accuracy=a) for rate, a in ((1e-4, 0.9), (1e-3, 0.99))]
    sgd = [run("sgd", rate, val_accuracy=0.99) for rate in (1e-3, 1e-2)]
    bands = report.band_width_table(prodigy + lion + adam + sgd, tolerance=0.005)
    shown = dict(zip(bands.index, report.widths_at_most(bands)))
    assert shown["prodigy"] == "open: no bad value below"
    assert shown["adam"] == "open: no bad value above"
    assert shown["sgd"] == "open: no bad value below or above"
    assert shown["lion"] == pytest.approx(2.0)
