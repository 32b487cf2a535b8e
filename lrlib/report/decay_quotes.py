"""The numbers chapters 7 to 9 (decay) quote in their text. Each ``*_quotes`` function returns
``{name: text}`` from stored results, for a hidden cell to ``glue``; the tables the reader sees
are built here too."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..results import STUCK_ACCURACY, Result
from .common import _accuracy_difference, epoch_to_epoch_variation, leads_over


def _rates_text(rates) -> str:
    return ", ".join(f"{rate:g}" for rate in sorted(rates)) or "none"


def _versus(images: int, spread_images: int) -> str:
    return "smaller than" if images < spread_images else "as large as" if images == spread_images else "larger than"


def _names(names) -> str:
    return ", ".join(names) or "none"


def decay_runs_table(by_name: Mapping[str, Result]):
    """Chapter 7's runs (named ``"<optimizer> <scheme>"``): the rate each started from and last
    used, and its test scores and lowest validation loss."""
    import pandas as pd

    rows = []
    for name, r in by_name.items():
        optimizer, scheme = name.split()
        rows.append({"optimizer": optimizer, "scheme": scheme, "initial rate": r.experiment.initial_rate,
                     "last rate used": r.history["learning_rate"][-1], "test loss": r.test_loss,
                     "test accuracy": r.test_accuracy, "lowest val loss": min(r.history["val_loss"])})
    return pd.DataFrame(rows).set_index(["optimizer", "scheme"])


def decay_leads_table(by_name: Mapping[str, Result], schemes: Sequence[str], spread: float):
    """Per optimizer, each decay's lead over the fixed rate from the same start (``leads_over``)
    and every scheme's epoch-to-epoch change of validation loss after the first quarter."""
    import pandas as pd

    tables = {}
    for optimizer in dict.fromkeys(name.split()[0] for name in by_name):
        runs = {scheme: by_name[f"{optimizer} {scheme}"] for scheme in schemes}
        table = leads_over(runs, "fixed", spread).reindex(list(schemes))
        table.loc["fixed", ["test accuracy", "verdict"]] = runs["fixed"].test_accuracy, "(the reference)"
        table["lead in images"] = table["lead in images"].astype("Int64")  # blank for the fixed rate itself
        table["val loss change per epoch"] = [epoch_to_epoch_variation(runs[scheme]) for scheme in schemes]
        tables[optimizer] = table
    return pd.concat(tables, names=["optimizer", "scheme"])


def decay_run_quotes(by_name: Mapping[str, Result], leads, spread: float, n_images: int) -> dict:
    """Chapter 7: the yardstick, and per optimizer each decay against the fixed rate (leads in
    test images, verdicts, the widest gap; ``leads`` is ``decay_leads_table`` at ``spread``),
    the runs' jitter and the first cut of time and exponential decay."""
    spread = _accuracy_difference("spread", spread)
    spread_images = round(spread * n_images)
    step = by_name["adam step"]
    quotes = {"spread": f"{spread:.4f}", "spread_images": f"{spread_images}", "n_images": f"{n_images:,}",
              "step_final_fraction": f"1/{round(step.experiment.initial_rate / step.history['learning_rate'][-1])}"}
    for optimizer in leads.index.unique("optimizer"):
        table = leads.loc[optimizer].drop(index="fixed")
        images, decayed = table["lead in images"].astype(int), table["test accuracy"]
        decay_range = round((decayed.max() - decayed.min()) * n_images)
        largest = images.abs().idxmax()
        quotes |= {
            f"{optimizer}_fixed_accuracy": f"{by_name[f'{optimizer} fixed'].test_accuracy:.4f}",
            f"{optimizer}_decay_accuracies": f"{decayed.min():.4f} to {decayed.max():.4f}",
            f"{optimizer}_leads": ", ".join(f"{scheme} {value:+d}" for scheme, value in images.items()),
            f"{optimizer}_lead_range": f"{images.min():+d} to {images.max():+d}",
            f"{optimizer}_largest_gap": largest, f"{optimizer}_largest_gap_images": f"{abs(images[largest])}",
            f"{optimizer}_largest_gap_vs_spread": _versus(abs(images[largest]), spread_images),
            f"{optimizer}_decay_range_images": f"{decay_range}",
            f"{optimizer}_decay_range_vs_spread": _versus(decay_range, spread_images)}
        for verdict in ("ahead", "behind", "tie"):
            quotes[f"{optimizer}_{verdict}"] = _names(table.index[table["verdict"] == verdict])
            quotes[f"{optimizer}_{verdict}_count"] = str(int((table["verdict"] == verdict).sum()))
        jitter = leads.loc[optimizer, "val loss change per epoch"]
        quotes[f"{optimizer}_jitter_fixed"] = f"{jitter['fixed']:.4f}"
        quotes[f"{optimizer}_jitter_decayed"] = f"{jitter.drop('fixed').min():.4f} to {jitter.drop('fixed').max():.4f}"
        for scheme in ("time", "exponential"):
            used = by_name[f"{optimizer} {scheme}"].history["learning_rate"]
            quotes[f"{optimizer}_first_cut_{scheme}"] = f"{1 - used[1] / used[0]:.0%}"
    return quotes


def good_rate_quotes(table, schemes: Sequence[str]) -> dict:
    """Chapter 8: per optimizer of a ``grid_table``, which initial rates land in the good band
    with a fixed rate and with some decay, and what happens at the grid's lowest and highest rate."""
    quotes = {}
    for optimizer in ("adam", "sgd"):
        rows = table[table["optimizer"] == optimizer]
        all_rates, good = set(rows["initial rate"]), rows[rows["good"]]
        fixed_good = set(good.loc[good["scheme"] == "fixed", "initial rate"])
        decay_good = set(good.loc[good["scheme"] != "fixed", "initial rate"])
        by_scheme = {scheme: len(set(good.loc[good["scheme"] == scheme, "initial rate"])) for scheme in schemes}
        gain = max(by_scheme.values()) - by_scheme["fixed"]
        low, top = min(all_rates), max(all_rates)
        at_low, at_top = rows[rows["initial rate"] == low], rows[rows["initial rate"] == top]
        low_decays = at_low.loc[at_low["scheme"] != "fixed", "test accuracy"]
        escaped = at_top[at_top["test accuracy"] > STUCK_ACCURACY]
        quotes |= {
            f"{optimizer}_best_accuracy": f"{rows['test accuracy'].max():.4f}",
            f"{optimizer}_rates": _rates_text(all_rates), f"{optimizer}_fixed_good": _rates_text(fixed_good),
            f"{optimizer}_decay_good": _rates_text(decay_good),
            f"{optimizer}_never_good": _rates_text(all_rates - fixed_good - decay_good),
            f"{optimizer}_fixed_good_count": str(by_scheme["fixed"]),
            f"{optimizer}_decay_good_count": str(max(n for scheme, n in by_scheme.items() if scheme != "fixed")),
            f"{optimizer}_band_gain": f"{gain} decade{'' if gain == 1 else 's'}",
            f"{optimizer}_low_rate": f"{low:g}",
            f"{optimizer}_low_fixed": f"{at_low.loc[at_low['scheme'] == 'fixed', 'test accuracy'].iloc[0]:.4f}",
            f"{optimizer}_low_decays": f"{low_decays.min():.4f} to {low_decays.max():.4f}",
            f"{optimizer}_top_rate": f"{top:g}",
            f"{optimizer}_top_escapes": ", ".join(f"{scheme} ({accuracy:.4f})" for scheme, accuracy
                                                  in zip(escaped["scheme"], escaped["test accuracy"])) or "none"}
    return quotes


def band_edge_quotes(margins, leads, spread: float, n_images: int, repeated_rate: float) -> dict:
    """Chapter 8: the cell at the good band's edge (``band_margins``) seed by seed, and the
    decays' leads there (``leads_over`` per seed, concatenated with a ``seed`` level)."""
    spread_images = round(_accuracy_difference("spread", spread) * n_images)
    first, others = margins.loc[0], margins.drop(index=0)
    gains = leads["lead in images"]
    ahead = int((leads["verdict"] == "ahead").sum())
    return {
        "spread": f"{spread:.4f}", "spread_images": f"{spread_images}", "repeated_rate": f"{repeated_rate:g}",
        "cutoff": f"{margins.attrs['cutoff']:.4f}", "fixed_repeated_accuracy": f"{first['test accuracy']:.4f}",
        "fixed_repeated_margin": f"{abs(first['margin in images'])}",
        "fixed_repeated_side": "below" if first["margin"] < 0 else "above",
        "other_seeds": "; ".join(f"{accuracy:.4f} with seed {seed}, {'inside' if good else 'outside'} the band"
                                 for seed, accuracy, good in zip(others.index, others["test accuracy"], others["good"])),
        "cell_spread_images": f"{round((margins['test accuracy'].max() - margins['test accuracy'].min()) * n_images)}",
        "edge_verdict": "no larger than the seed spread: a tie with the cutoff"
        if abs(first["margin in images"]) <= spread_images else "larger than the seed spread",
        "decay_gain_images": f"{gains.min()} to {gains.max()}",
        "decay_gain_verdict": "each of them by more than the seed spread" if ahead == len(leads)
        else f"{ahead} of {len(leads)} runs by more than the seed spread"}


def scheme_choice_quotes(winners, table, results: Sequence[Result], images: int) -> dict:
    """Chapter 9: per optimizer of ``grid_verdicts``, the verdict at each initial rate that
    learned, the best start and what ties there, and the fixed run's last epochs at it."""
    quotes, learned_rows, tied_rows = {}, 0, 0
    for optimizer in ("adam", "sgd"):
        rows = winners.loc[optimizer]
        learned = rows[rows["best accuracy"] > STUCK_ACCURACY]
        learned_rows += len(learned)
        tied_rows += int((learned["tied"].str.len() > 1).sum())
        quotes[f"{optimizer}_winners"] = "; ".join(
            f"from {rate:g}, {row['best scheme']}" + (f" (tied with {', '.join(row['tied'][1:])})" if len(row["tied"]) > 1 else "")
            for rate, row in learned.iterrows())
        for verdict in ("decay", "fixed", "tie"):
            quotes[f"{optimizer}_{verdict}_from"] = _rates_text(learned[learned["verdict"] == verdict].index) \
                if (learned["verdict"] == verdict).any() else "no initial rate"
        best_rate = rows["best accuracy"].idxmax()
        at_best = table[(table["optimizer"] == optimizer) & (table["initial rate"] == best_rate)]
        spread = at_best["test accuracy"].max() - at_best["test accuracy"].min()
        tied = rows.loc[best_rate, "tied"]
        outside = at_best[~at_best["scheme"].isin(tied)].sort_values("test accuracy")
        best = rows.loc[best_rate, "best accuracy"]
        above = [rate for rate in rows.index if rate > best_rate]
        fixed_run = next(r for r in results if r.experiment.optimizer == optimizer and r.experiment.learning_rate == best_rate)
        late = fixed_run.history["val_loss"][-4:]  # the last three epochs' changes
        fixed_in = learned[learned["verdict"] != "decay"].index  # the fixed rate wins or ties there
        worst = table[(table["optimizer"] == optimizer) & table["initial rate"].isin(fixed_in)]
        worst = worst.loc[worst.groupby("initial rate")["test accuracy"].idxmin(), "scheme"]
        quotes |= {
            f"{optimizer}_best_start": f"{best_rate:g}", f"{optimizer}_best_tied": ", ".join(tied),
            f"{optimizer}_best_gain_images": f"{rows.loc[best_rate, 'gain in images']}",
            f"{optimizer}_spread_at_best": f"{100 * spread:.2f}",
            f"{optimizer}_spread_at_best_images": f"{round(spread * images)}",
            f"{optimizer}_behind_at_best": ", ".join(
                f"{scheme} ({round((best - accuracy) * images)} images)"
                for scheme, accuracy in zip(outside["scheme"], outside["test accuracy"])) or "no scheme",
            f"{optimizer}_decade_above": f"{rows.loc[min(above), 'best accuracy']:.4f} from {min(above):g}"
            if above else "not measured",
            f"{optimizer}_late_val_loss": f"{late[0]:.4f} to {late[-1]:.4f}",
            f"{optimizer}_worst_where_fixed_holds": ", ".join(dict.fromkeys(worst)) or "none"}
    return quotes | {"tied_rows": str(tied_rows), "learned_rows": str(learned_rows)}


def long_run_quotes(long: Mapping[str, Result], start: float, tie: float) -> dict:
    """Chapter 9: chapter 7's longer SGD runs (by scheme), each decay against the fixed rate."""
    leads = leads_over(dict(long), "fixed", tie)
    ahead = leads[leads["lead"] > 0]
    clear = int((ahead["verdict"] == "ahead").sum())
    return {"long_epochs": str(long["fixed"].experiment.epochs), "sgd_long_start": f"{start:g}",
            "sgd_long_ahead": ", ".join(ahead.index) or "no decay scheme",
            "sgd_long_ahead_images": " and ".join(str(n) for n in ahead["lead in images"]) or "no",
            "sgd_long_clear": "none" if clear == 0 else str(clear)}


def seed_winner_quotes(by_seed, rows_again, images: int, tie: float) -> dict:
    """Chapter 9: the decay grid's rows repeated with other seeds (``by_seed``: test accuracy by
    optimizer and scheme, a column per seed): who wins with each seed, and by how much."""
    quotes = {"seed_list": ", ".join(str(seed) for seed in by_seed.columns), "seed_count": str(len(by_seed.columns))}
    for optimizer, rate in rows_again:
        row = by_seed.loc[optimizer]
        seed_leads = [row[seed].max() - row[seed].nlargest(2).iloc[-1] for seed in row.columns]
        clear = sum(bool(lead > tie) for lead in seed_leads)
        quotes |= {
            f"seed_rate_{optimizer}": f"{rate:g}",
            f"{optimizer}_seed_winners": ", ".join(row[seed].idxmax() for seed in row.columns),
            f"{optimizer}_seed_spread": f"{100 * (row.max(axis=1) - row.min(axis=1)).max():.2f}",
            f"{optimizer}_scheme_spread": f"{100 * (row.max() - row.min()).max():.2f}",
            f"{optimizer}_seed_leads": ", ".join(f"{round(lead * images)}" for lead in seed_leads),
            f"{optimizer}_seed_clear": "none" if clear == 0 else str(clear)}
    return quotes
