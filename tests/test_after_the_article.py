"""The part "After the article": its report numbers (lrlib's schedule-free AdamW and Prodigy, and
Keras 3.15's schedule-free AdamW, against the authors' reference values), its exercise checks,
its plots and its explorer."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lrlib import checks, plots, report, trajectories  # noqa: E402
from lrlib.checks import after as after_checks  # noqa: E402


@pytest.fixture(scope="module")
def schedule_free_table():
    return report.schedule_free_comparison(report.reference_values("schedule_free"))


def test_lrlibs_schedule_free_matches_the_reference_and_keras_computes_beta_1_of_one(schedule_free_table):
    lrlib_row, keras_row = schedule_free_table.iloc[0], schedule_free_table.iloc[1]
    assert lrlib_row["over all steps"] < 1e-12 and lrlib_row["from the reference at beta_1 = 1"] > 1e-3
    assert keras_row["after step 1"] < 1e-12  # the first step's averaging weight is 1: no difference yet
    assert keras_row["over all steps"] > 0.05 * keras_row["largest move of a weight"]
    assert keras_row["from the reference at beta_1 = 1"] < 1e-8


def test_a_setting_with_warm_up_or_decay_is_refused_by_name():
    reference = report.reference_values("schedule_free")
    with pytest.raises(ValueError, match="setting='warm-up 10"):
        report.schedule_free_comparison(reference, "warm-up 10, weight decay 0.01, rate 2^-5")
    with pytest.raises(ValueError, match="setting='nope'"):
        report.schedule_free_comparison(reference, "nope")


def test_prodigy_matches_the_reference_in_both_dtypes():
    table = report.prodigy_comparison(report.reference_values("prodigy"),
                                      settings=("default", "no first moment, d_coef 2"))
    assert list(table.index) == [(s, d) for s in ("default", "no first moment, d_coef 2") for d in ("float64", "float32")]
    assert table.xs("float64", level="dtype")["weights"].max() < 1e-12
    assert table.xs("float32", level="dtype")["weights"].max() < 5e-5
    assert (table["d after the last step"] > 1e4 * table["d after step 1"].clip(lower=1e-6) / 10).all()
    with pytest.raises(ValueError, match="'nope'"):
        report.prodigy_comparison(report.reference_values("prodigy"), settings=("nope",))


def test_reference_values_name_what_they_need(tmp_path):
    with pytest.raises(ValueError, match="name='adam'"):
        report.reference_values("adam")
    with pytest.raises(FileNotFoundError, match="prodigy.json"):
        report.reference_values("prodigy", folder=tmp_path)
    assert set(report.reference_values("prodigy")) >= {"problem", "results", "versions"}


# --- the chapter's exercise checks --------------------------------------------------------------

def test_the_z_check_reads_the_optimizers_own_z_and_knows_the_swapped_betas():
    checks.reset()
    path = trajectories.trajectory("Schedule-free AdamW", 0.1, steps=50)
    y, x = path.points[-1], path.evaluated[-1]
    assert checks.after_sf_z((y - 0.9 * x) / 0.1)
    swapped = checks.after_sf_z((y - 0.1 * x) / 0.9)
    assert not swapped and "swaps beta_1" in swapped.message
    assert "that is x" in checks.after_sf_z(x).message
    np.testing.assert_allclose(after_checks._z_after(), (y - 0.9 * x) / 0.1, rtol=1e-9)


def test_the_prodigy_check_wants_the_measured_ratio_not_two():
    checks.reset()
    ratio = after_checks._d_ratio()
    assert 1 < ratio < 2 and checks.after_prodigy_coef(ratio)
    assert "measure it" in checks.after_prodigy_coef(2.0).message


def test_the_wsd_check_counts_the_steps_at_the_peak():
    checks.reset()
    assert after_checks._stable_steps() == 702  # the warm-up's last step and the decay's first are at the peak
    assert checks.after_wsd_stable(702)
    assert "warm-up's last step" in checks.after_wsd_stable(700).message
    assert [c.name for c in checks.checks_of("19_schedule_free_and_learning_rate_free")] == [
        "after_sf_z", "after_prodigy_coef", "after_wsd_stable"]


# --- plots and the explorer ----------------------------------------------------------------------

def test_the_evaluated_paths_plot_draws_x_and_y_for_schedule_free_only():
    paths = [trajectories.trajectory("Adam", 0.1, 20), trajectories.trajectory("Schedule-free AdamW", 0.1, 20)]
    fig, (left, right) = plt.subplots(1, 2)
    plots.plot_evaluated_paths(paths, ax=left)
    plots.plot_distances(paths, ax=right)
    labels = [text.get_text() for text in left.get_legend().get_texts()]
    assert sum("x (evaluated)" in label for label in labels) == 1 and sum("y (gradients)" in label for label in labels) == 1
    assert labels[-2:] == ["start", "minimum"]
    assert len(right.get_lines()) == 3  # Adam, and schedule-free's x and y
    plt.close(fig)


def test_the_explorer_redraws_and_precomputes_every_position():
    from lrlib.widgets import D_COEFS, SCHEDULE_FREE_RATES, AfterTheArticleExplorer

    explorer = AfterTheArticleExplorer(learning_rate=0.1, d_coef=1.0, steps=40)
    explorer.d_coef.value = 3.0
    schedule_free, prodigy = explorer.paths()
    assert dict(prodigy.options) == {"d_coef": 3.0} and schedule_free.learning_rate == 0.1
    assert len(explorer.output.outputs) == 2  # the figure and the summary
    html = explorer.static_html()
    assert 'data-view="lookup"' in html
    assert html.count('"panels"') == len(SCHEDULE_FREE_RATES) * len(D_COEFS)
    with pytest.raises(ValueError, match="d_coef=0.5"):
        AfterTheArticleExplorer(d_coef=0.5)
    with pytest.raises(ValueError, match="learning_rate=0.2"):
        AfterTheArticleExplorer(learning_rate=0.2)
