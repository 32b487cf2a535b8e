"""lrlib.report's decay_quotes: the tables and quoted numbers of chapters 7 to 9, on the book's
stored full-profile results (each number is checked against a direct reading of the runs)."""

import pandas as pd
import pytest

from lrlib import report
from lrlib.catalog import DECAY_START, grid_rates, scenarios
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


def test_decay_leads_table_and_quotes_agree_with_the_runs(decay_runs):
    spread = 0.0024
    leads = report.decay_leads_table(decay_runs, SCHEMES, spread)
    assert list(leads.loc["adam"].index) == list(SCHEMES)
    lead = decay_runs["sgd time"].test_accuracy - decay_runs["sgd fixed"].test_accuracy
    assert leads.loc[("sgd", "time"), "lead in images"] == round(lead * 10_000)
    assert leads.loc[("sgd", "fixed"), "verdict"] == "(the reference)"
    quotes = report.decay_run_quotes(decay_runs, leads, spread, 10_000)
    assert quotes["spread_images"] == "24" and quotes["n_images"] == "10,000"
    step = decay_runs["adam step"]
    assert quotes["step_final_fraction"] == f"1/{round(step.experiment.initial_rate / step.history['learning_rate'][-1])}"
    for optimizer in ("adam", "sgd"):
        counts = [int(quotes[f"{optimizer}_{verdict}_count"]) for verdict in ("ahead", "behind", "tie")]
        assert sum(counts) == len(SCHEMES) - 1  # every decay gets one verdict
        assert quotes[f"{optimizer}_fixed_accuracy"] == f"{decay_runs[f'{optimizer} fixed'].test_accuracy:.4f}"
    with pytest.raises(ValueError, match="spread"):
        report.decay_run_quotes(decay_runs, leads, -0.1, 10_000)


def test_good_rate_quotes_read_the_grids_good_band(grid):
    table = report.grid_table(grid, tolerance=0.005)
    quotes = report.good_rate_quotes(table, GRID_SCHEMES)
    for optimizer in ("adam", "sgd"):
        rates = sorted(set(table.loc[table["optimizer"] == optimizer, "initial rate"]))
        assert quotes[f"{optimizer}_rates"] == ", ".join(f"{r:g}" for r in rates)
        good_fixed = table[(table["optimizer"] == optimizer) & table["good"] & (table["scheme"] == "fixed")]
        assert quotes[f"{optimizer}_fixed_good_count"] == str(good_fixed["initial rate"].nunique())
        assert quotes[f"{optimizer}_low_rate"] == f"{rates[0]:g}" and quotes[f"{optimizer}_top_rate"] == f"{rates[-1]:g}"


def test_band_edge_quotes_follow_the_margins(grid, book_results):
    repeats = run_many([s.experiment for s in scenarios("decay-seeds")])
    rate = grid_rates()["adam"][-2]
    margins = report.band_margins(grid, repeats, "adam", rate, "fixed", tolerance=0.005)
    leads = pd.concat({seed: report.leads_over(
        {report.scheme_of(r): r for r in [*grid, *repeats] if r.experiment.optimizer == "adam"
         and r.experiment.initial_rate == rate and r.experiment.seed == seed}, "fixed", 0.0024)
        for seed in margins.index}, names=["seed"])
    quotes = report.band_edge_quotes(margins, leads, 0.0024, 10_000, rate)
    assert quotes["cutoff"] == f"{margins.attrs['cutoff']:.4f}"
    assert quotes["fixed_repeated_margin"] == str(abs(margins.loc[0, "margin in images"]))
    assert quotes["other_seeds"].count("with seed") == len(margins) - 1


def test_scheme_choice_long_run_and_seed_quotes(grid, decay_runs, book_results):
    table = report.grid_table(grid)
    winners = report.grid_verdicts(table, tie=0.0024, images=10_000)
    quotes = report.scheme_choice_quotes(winners, table, grid, 10_000)
    best = winners.loc["adam", "best accuracy"].idxmax()
    assert quotes["adam_best_start"] == f"{best:g}"
    assert int(quotes["learned_rows"]) >= int(quotes["tied_rows"])
    long = {name.split()[1]: r for name, r in decay_runs.items() if name.startswith("sgd ")}
    assert report.long_run_quotes(long, DECAY_START["sgd"], 0.0024)["long_epochs"] == str(long["fixed"].experiment.epochs)
    by_seed = pd.DataFrame({0: [0.99, 0.98], 1: [0.97, 0.985]},
                           index=pd.MultiIndex.from_tuples([("adam", "fixed"), ("adam", "linear")]))
    seeds = report.seed_winner_quotes(by_seed, [("adam", 0.001)], 10_000, 0.0024)
    assert seeds["adam_seed_winners"] == "fixed, linear" and seeds["adam_seed_leads"] == "100, 150"
    assert seeds["adam_seed_clear"] == "2" and seeds["adam_seed_spread"] == "2.00"
