"""lrlib.report's decay_quotes: the tables and quoted numbers of chapters 7 to 9, on the book's
stored full-profile results (each number is checked against a direct reading of the runs)."""

import math

import pytest

from lrlib import report
from lrlib.catalog import DECAY_START, grid_rates, scenarios
from lrlib.optimizers import OPTIMIZERS
from lrlib.training import run_many

SCHEMES = ("fixed", "linear", "step", "time", "exponential")
GRID_SCHEMES = SCHEMES


@pytest.fixture
def decay_runs(book_results):
    runs = scenarios("decay")
    return {s.name: r for s, r in zip(runs, run_many([s.experiment for s in runs]))}


@pytest.fixture
def grid(book_results):
    return run_many([s.experiment for s in scenarios("decay-grid")])


def test_decay_runs_table_has_a_row_per_run_with_the_rates_it_used(decay_runs):
    table = report.decay_runs_table(decay_runs)
    assert len(table) == len(decay_runs)
    row = table.loc[("adam", "step")]
    assert row["initial rate"] == DECAY_START["adam"]
    assert row["last rate used"] == decay_runs["adam step"].history["learning_rate"][-1]


def test_decay_leads_table_and_quotes_decide_on_validation_with_test_beside(decay_runs):
    leads = report.decay_leads_table(decay_runs, SCHEMES)
    assert list(leads.loc["adam"].index) == list(SCHEMES)
    val = report.noise.score(decay_runs["sgd time"]) - report.noise.score(decay_runs["sgd fixed"])
    test = decay_runs["sgd time"].test_accuracy - decay_runs["sgd fixed"].test_accuracy
    assert leads.loc[("sgd", "time"), "lead (val images)"] == round(val * 12_000)
    assert leads.loc[("sgd", "time"), "lead (test images)"] == round(test * 10_000)
    assert leads.loc[("sgd", "fixed"), "verdict"] == "(the reference)"
    found = report.noise.compare(decay_runs["adam linear"], decay_runs["adam fixed"], "val_accuracy")
    assert leads.loc[("adam", "linear"), "verdict"] == found.verdict
    assert leads.loc[("adam", "linear"), "noise (val images)"] == found.noise.margin_images
    quotes = report.decay_run_quotes(decay_runs, leads)
    assert quotes["n_val_images"] == "12,000" and quotes["n_test_images"] == "10,000"
    step = decay_runs["adam step"]
    assert quotes["step_final_fraction"] == f"1/{round(step.experiment.initial_rate / step.history['learning_rate'][-1])}"
    for optimizer in ("adam", "sgd"):
        for prefix in ("", "test_"):
            counts = [int(quotes[f"{optimizer}_{prefix}{verdict}_count"]) for verdict in ("ahead", "behind", "tie")]
            assert sum(counts) == len(SCHEMES) - 1  # every decay gets one verdict
        assert quotes[f"{optimizer}_fixed_val"] == f"{report.noise.score(decay_runs[f'{optimizer} fixed']):.4f}"
    # The review's case: Adam's decays lead on test by 43 to 49 images, on one seed, within its
    # validation noise: validation decides, and it says tie.
    assert quotes["adam_test_lead_range"] == "+43 to +49" and quotes["adam_test_ahead_count"] == "4"
    assert quotes["adam_tie_count"] == "4"


def test_good_rate_quotes_read_the_grids_good_band_on_validation(grid):
    table = report.grid_table(grid, tolerance=0.005)
    quotes = report.good_rate_quotes(table, GRID_SCHEMES)
    for optimizer in ("adam", "sgd"):
        rates = sorted(set(table.loc[table["optimizer"] == optimizer, "initial rate"]))
        assert quotes[f"{optimizer}_rates"] == ", ".join(f"{r:g}" for r in rates)
        assert quotes[f"{optimizer}_grid_span"] == "3.0 decades"  # four rates one decade apart
        assert quotes[f"{optimizer}_low_rate"] == f"{rates[0]:g}" and quotes[f"{optimizer}_top_rate"] == f"{rates[-1]:g}"
    # The review's "2 of the four decades against 1": the widths are 1.0 and 1.0 on validation.
    assert quotes["adam_fixed_width"] == quotes["adam_decay_width"] == "1.0 decade"
    assert quotes["adam_band_gain"] == "nothing"
    assert quotes["sgd_fixed_width"] == "0.0 decades"
    best = table.loc[table.loc[table["optimizer"] == "adam", "val accuracy"].idxmax()]
    assert quotes["adam_best_test"] == f"{best['test accuracy']:.4f}"  # the chosen run's test accuracy


def test_band_width_is_log10_of_the_highest_good_rate_over_the_lowest():
    assert report.band_width([0.001, 0.01]) == pytest.approx(1.0)
    assert report.band_width([0.1]) == 0.0
    assert report.band_width([0.0001, 0.01, 0.001]) == pytest.approx(2.0)
    assert math.isnan(report.band_width([]))


def test_band_edge_quotes_follow_the_margins_and_the_noise(grid, book_results):
    repeats = run_many([s.experiment for s in scenarios("decay-seeds")])
    rate = grid_rates()["adam"][-2]
    margins = report.band_margins(grid, repeats, "adam", rate, "fixed", tolerance=0.005)
    cells = report.grid_cells([*grid, *repeats])[("adam", rate)]
    quotes = report.band_edge_quotes(margins, cells, rate)
    assert quotes["cutoff"] == f"{margins.attrs['cutoff']:.4f}"
    assert quotes["fixed_repeated_margin"] == str(abs(margins.loc[0, "margin in images"]))
    assert quotes["other_seeds"].count("with seed") == len(margins) - 1
    assert quotes["edge_verdict"] == "smaller than the noise: undecided"
    assert quotes["decay_gain_verdict"] == "each of them by more than the noise"  # three seeds decide


def test_scheme_choice_long_run_and_seed_quotes(grid, decay_runs, book_results):
    repeats = run_many([s.experiment for s in scenarios("decay-seeds")])
    winners = report.grid_verdicts([*grid, *repeats])
    quotes = report.scheme_choice_quotes(winners, [*grid, *repeats])
    best = winners.loc["adam", "best accuracy"].idxmax()
    assert quotes["adam_best_start"] == f"{best:g}" == "0.01"
    assert quotes["adam_best_seeds"] == "3" and quotes["adam_best_verdict"] == "decay"
    assert quotes["sgd_best_start"] == "0.1" and quotes["sgd_best_verdict"] == "tie"  # decays tie or lose from 0.1
    assert quotes["adam_vs_below_verdict"] == "a tie: undecided"  # the takeaway's start rests on one seed below it
    assert int(quotes["learned_rows"]) >= int(quotes["tied_rows"])
    long = {name.split()[1]: r for name, r in decay_runs.items() if name.startswith("sgd ")}
    long_quotes = report.long_run_quotes(long, DECAY_START["sgd"])
    assert long_quotes["long_epochs"] == str(long["fixed"].experiment.epochs)
    assert long_quotes["sgd_long_clear"] == "none"
    rows_again = sorted({(r.experiment.optimizer, r.experiment.initial_rate) for r in repeats})
    same_row = [r for r in grid if (r.experiment.optimizer, r.experiment.initial_rate) in rows_again]
    seeds = report.seed_winner_quotes(same_row + repeats, rows_again)
    assert seeds["sgd_seed_winners"] == "fixed, fixed, fixed" and seeds["sgd_seed_leads"] == "20, 13, 29"
    assert seeds["seed_list"] == "0, 1, 2" and seeds["sgd_seed_clear"] == "none"
    leads = report.seed_leads(same_row + repeats, "sgd", 0.1)
    assert list(leads["runner-up"]) == ["linear"] * 3 and set(leads["verdict"]) == {"tie"}
    with pytest.raises(ValueError, match="rate=0.5"):
        report.seed_leads(same_row + repeats, "sgd", 0.5)


def test_seed_noise_quotes_compute_the_widest_stored_range(book_results):
    quotes = report.seed_noise_quotes()
    table = report.noise.seed_range_table()
    article = table[table["optimizer"].isin(OPTIMIZERS)]  # chapter 9 quotes the article's optimizers only
    assert quotes["widest_test_range_fraction"] == f"{article['test range'].max():.4f}" == "0.0067"  # not 0.0024
    assert quotes["repeat_count"] == str(len(article)) and len(article) < len(table)
    assert quotes["widest_test_range"] == "0.67"
    assert quotes["adam_val_seed_noise"] == f"{100 * report.noise.seed_noise_for('adam', 'val_accuracy'):.2f}"
