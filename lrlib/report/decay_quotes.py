"""The numbers chapters 7 to 9 (decay) quote in their text. Each ``*_quotes`` function returns
``{name: text}`` from stored results, for a hidden cell to ``glue``; the tables the reader sees
are built here too. Every choice reads validation accuracy (``noise.score``); every tie, lead or
verdict comes from ``report.noise`` (``compare``, ``leads_over``, ``tied_with_best``); test
accuracy is shown beside it, never used to decide."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from ..results import STUCK_ACCURACY, Result
from . import noise
from .common import epoch_to_epoch_variation
from .decay import grid_cells

VAL = "val_accuracy"


def _rates_text(rates) -> str:
    return ", ".join(f"{rate:g}" for rate in sorted(rates)) or "none"


def _names(names) -> str:
    return ", ".join(names) or "none"


def _range_text(values, signed: bool = False) -> str:
    low, high = min(values), max(values)
    form = "+d" if signed else "d"
    return f"{low:{form}}" if low == high else f"{low:{form}} to {high:{form}}"


def band_width(rates) -> float:
    """The width of a band of good ``rates`` in decades, as chapter 5 measures it: log10 of the
    highest over the lowest (0.0 for one rate); NaN when there is none."""
    rates = [float(rate) for rate in rates]
    if not rates:
        return float("nan")
    return float(math.log10(max(rates) / min(rates)))


def _width_text(width: float) -> str:
    return "no good rate" if math.isnan(width) else f"{width:.1f} decade{'' if width == 1 else 's'}"


def decay_runs_table(by_name: Mapping[str, Result]):
    """Chapter 7's runs (named ``"<optimizer> <scheme>"``): the rate each started from and last
    used, its validation accuracy (``noise.score``), its test scores and lowest validation loss."""
    import pandas as pd

    rows = []
    for name, r in by_name.items():
        optimizer, scheme = name.split()
        rows.append({"optimizer": optimizer, "scheme": scheme, "initial rate": r.experiment.initial_rate,
                     "last rate used": r.history["learning_rate"][-1], "val accuracy": noise.score(r, VAL),
                     "test loss": r.test_loss, "test accuracy": r.test_accuracy,
                     "lowest val loss": min(r.history["val_loss"])})
    return pd.DataFrame(rows).set_index(["optimizer", "scheme"])


def decay_leads_table(by_name: Mapping[str, Result], schemes: Sequence[str]):
    """Per optimizer, each decay against the fixed rate from the same start, through
    ``noise.leads_over``: on validation accuracy (which decides: ``verdict``) and on test accuracy
    (shown beside it: ``test verdict``), each lead and noise margin in images of its own set, and
    every scheme's epoch-to-epoch change of validation loss after the first quarter."""
    import pandas as pd

    tables = {}
    for optimizer in dict.fromkeys(name.split()[0] for name in by_name):
        runs = {scheme: by_name[f"{optimizer} {scheme}"] for scheme in schemes}
        val = noise.leads_over(runs, "fixed", VAL).reindex(list(schemes))
        test = noise.leads_over(runs, "fixed", "test_accuracy").reindex(list(schemes))
        table = pd.DataFrame({
            "val accuracy": val["accuracy"], "lead (val images)": val["lead in images"].astype("Int64"),
            "noise (val images)": val["noise in images"].astype("Int64"), "verdict": val["verdict"],
            "test accuracy": test["accuracy"], "lead (test images)": test["lead in images"].astype("Int64"),
            "noise (test images)": test["noise in images"].astype("Int64"), "test verdict": test["verdict"]})
        table.loc["fixed", ["val accuracy", "test accuracy"]] = (noise.score(runs["fixed"], VAL),
                                                                 runs["fixed"].test_accuracy)
        table.loc["fixed", ["verdict", "test verdict"]] = "(the reference)"
        table["val loss change per epoch"] = [epoch_to_epoch_variation(runs[scheme]) for scheme in schemes]
        tables[optimizer] = table
    return pd.concat(tables, names=["optimizer", "scheme"])


def decay_run_quotes(by_name: Mapping[str, Result], leads) -> dict:
    """Chapter 7: per optimizer each decay against the fixed rate (``leads`` is
    ``decay_leads_table``): leads and noise in validation and test images, the verdicts
    (validation decides), the runs' jitter and the first cut of time and exponential decay."""
    step = by_name["adam step"]
    first = next(iter(by_name.values()))
    quotes = {"n_val_images": f"{noise.evaluated_images(first, VAL):,}",
              "n_test_images": f"{noise.evaluated_images(first, 'test_accuracy'):,}",
              "step_final_fraction": f"1/{round(step.experiment.initial_rate / step.history['learning_rate'][-1])}"}
    for optimizer in leads.index.unique("optimizer"):
        table = leads.loc[optimizer].drop(index="fixed")
        val, test = table["lead (val images)"].astype(int), table["lead (test images)"].astype(int)
        decayed = table["val accuracy"]
        val_range = round((decayed.max() - decayed.min()) * noise.evaluated_images(first, VAL))
        largest = val.abs().idxmax()
        runs = {name.split()[1]: r for name, r in by_name.items() if name.startswith(f"{optimizer} ")}
        decays = {scheme: r for scheme, r in runs.items() if scheme != "fixed"}
        among = noise.compare(decays[noise.choose(decays)], min(decays.values(), key=lambda r: noise.score(r)), VAL)
        quotes |= {
            f"{optimizer}_fixed_val": f"{noise.score(runs['fixed']):.4f}",
            f"{optimizer}_fixed_test": f"{runs['fixed'].test_accuracy:.4f}",
            f"{optimizer}_decay_val": f"{decayed.min():.4f} to {decayed.max():.4f}",
            f"{optimizer}_decay_test": f"{table['test accuracy'].min():.4f} to {table['test accuracy'].max():.4f}",
            f"{optimizer}_val_leads": ", ".join(f"{scheme} {value:+d}" for scheme, value in val.items()),
            f"{optimizer}_test_leads": ", ".join(f"{scheme} {value:+d}" for scheme, value in test.items()),
            f"{optimizer}_val_lead_range": _range_text(list(val), signed=True),
            f"{optimizer}_test_lead_range": _range_text(list(test), signed=True),
            f"{optimizer}_val_noise": _range_text(list(table["noise (val images)"].astype(int))),
            f"{optimizer}_test_noise": _range_text(list(table["noise (test images)"].astype(int))),
            f"{optimizer}_largest_gap": largest, f"{optimizer}_largest_gap_images": f"{abs(val[largest])}",
            f"{optimizer}_decay_range_images": f"{val_range}",
            f"{optimizer}_decay_range_noise": f"{among.noise.margin_images}",
            f"{optimizer}_decay_range_verdict": "a tie" if among.verdict == "tie" else "more than the noise"}
        for column, prefix in (("verdict", ""), ("test verdict", "test_")):
            for verdict in ("ahead", "behind", "tie"):
                chosen = table.index[table[column] == verdict]
                quotes[f"{optimizer}_{prefix}{verdict}"] = _names(chosen)
                quotes[f"{optimizer}_{prefix}{verdict}_count"] = str(len(chosen))
        jitter = leads.loc[optimizer, "val loss change per epoch"]
        quotes[f"{optimizer}_jitter_fixed"] = f"{jitter['fixed']:.4f}"
        quotes[f"{optimizer}_jitter_decayed"] = f"{jitter.drop('fixed').min():.4f} to {jitter.drop('fixed').max():.4f}"
        for scheme in ("time", "exponential"):
            used = by_name[f"{optimizer} {scheme}"].history["learning_rate"]
            quotes[f"{optimizer}_first_cut_{scheme}"] = f"{1 - used[1] / used[0]:.0%}"
    return quotes


def good_rate_quotes(table, schemes: Sequence[str]) -> dict:
    """Chapter 8: per optimizer of a ``grid_table`` (``good`` on validation accuracy), the best
    run (chosen on validation; its test accuracy reported beside), which initial rates land in
    the good band with a fixed rate and with some decay, the band's width in decades per scheme
    (chapter 5's measure), and what happens at the grid's lowest and highest rate."""
    quotes = {}
    for optimizer in ("adam", "sgd"):
        rows = table[table["optimizer"] == optimizer]
        all_rates, good = set(rows["initial rate"]), rows[rows["good"]]
        fixed_good = set(good.loc[good["scheme"] == "fixed", "initial rate"])
        decay_good = set(good.loc[good["scheme"] != "fixed", "initial rate"])
        widths = {scheme: band_width(good.loc[good["scheme"] == scheme, "initial rate"]) for scheme in schemes}
        decay_widths = [w for scheme, w in widths.items() if scheme != "fixed" and not math.isnan(w)]
        widest = max(decay_widths) if decay_widths else float("nan")
        gain = widest - widths["fixed"] if not math.isnan(widest + widths["fixed"]) else float("nan")
        low, top = min(all_rates), max(all_rates)
        at_low, at_top = rows[rows["initial rate"] == low], rows[rows["initial rate"] == top]
        low_decays = at_low.loc[at_low["scheme"] != "fixed", "val accuracy"]
        escaped = at_top[at_top["val accuracy"] > STUCK_ACCURACY]
        best = rows.loc[rows["val accuracy"].idxmax()]
        quotes |= {
            f"{optimizer}_best_accuracy": f"{best['val accuracy']:.4f}",
            f"{optimizer}_best_run": f"{best['scheme']} from {best['initial rate']:g}",
            f"{optimizer}_best_test": f"{best['test accuracy']:.4f}",
            f"{optimizer}_rates": _rates_text(all_rates), f"{optimizer}_fixed_good": _rates_text(fixed_good),
            f"{optimizer}_decay_good": _rates_text(decay_good),
            f"{optimizer}_never_good": _rates_text(all_rates - fixed_good - decay_good),
            f"{optimizer}_grid_span": _width_text(band_width(all_rates)),
            f"{optimizer}_fixed_width": _width_text(widths["fixed"]),
            f"{optimizer}_decay_width": _width_text(widest),
            f"{optimizer}_band_gain": "nothing" if gain == 0 else _width_text(gain),
            f"{optimizer}_low_rate": f"{low:g}",
            f"{optimizer}_low_fixed": f"{at_low.loc[at_low['scheme'] == 'fixed', 'val accuracy'].iloc[0]:.4f}",
            f"{optimizer}_low_decays": f"{low_decays.min():.4f} to {low_decays.max():.4f}",
            f"{optimizer}_top_rate": f"{top:g}",
            f"{optimizer}_top_escapes": ", ".join(f"{scheme} ({accuracy:.4f})" for scheme, accuracy
                                                  in zip(escaped["scheme"], escaped["val accuracy"])) or "none"}
    return quotes


def band_edge_quotes(margins, cells: Mapping[str, Sequence[Result]], repeated_rate: float) -> dict:
    """Chapter 8: the cell at the good band's edge (``band_margins``, on validation accuracy)
    seed by seed, against the noise of its comparison with the best run; and the decays against
    the fixed rate there (``cells``: each scheme's runs, one per seed), seed by seed and through
    ``noise.leads_over`` on the medians of the seeds."""
    images = margins.attrs["images"]
    first, others = margins.loc[0], margins.drop(index=0)
    margin_noise = margins.attrs["noise in images"]
    column = "val accuracy"
    fixed = {r.experiment.seed: noise.score(r, VAL) for r in cells["fixed"]}
    per_seed = [round((noise.score(r, VAL) - fixed[r.experiment.seed]) * images)
                for scheme, runs in cells.items() if scheme != "fixed" for r in runs]
    leads = noise.leads_over(dict(cells), "fixed", VAL)
    ahead = int((leads["verdict"] == "ahead").sum())
    return {
        "repeated_rate": f"{repeated_rate:g}", "val_images": f"{images:,}",
        "cutoff": f"{margins.attrs['cutoff']:.4f}", "fixed_repeated_accuracy": f"{first[column]:.4f}",
        "fixed_repeated_margin": f"{abs(first['margin in images'])}",
        "fixed_repeated_side": "below" if first["margin"] < 0 else "above",
        "other_seeds": "; ".join(f"{accuracy:.4f} with seed {seed}, {'inside' if good else 'outside'} the band"
                                 for seed, accuracy, good in zip(others.index, others[column], others["good"])),
        "cell_spread_images": f"{round((margins[column].max() - margins[column].min()) * images)}",
        "edge_noise_images": f"{margin_noise}",
        "edge_verdict": "smaller than the noise: undecided" if abs(first["margin in images"]) <= margin_noise
        else "larger than the noise",
        "decay_gain_images": _range_text(per_seed),
        "decay_median_gain_images": _range_text(list(leads["lead in images"])),
        "decay_gain_noise_images": _range_text(list(leads["noise in images"])),
        "decay_gain_verdict": "each of them by more than the noise" if ahead == len(leads)
        else f"{ahead} of {len(leads)} by more than the noise"}


def _cell_medians(cells: Mapping[str, Sequence[Result]]) -> dict[str, float]:
    return {scheme: noise.median_score(runs, VAL) for scheme, runs in cells.items()}


def scheme_choice_quotes(winners, results: Sequence[Result]) -> dict:
    """Chapter 9: per optimizer of ``grid_verdicts(results)``, the choice at each initial rate
    that learned and what ties with it, the best start (chosen on validation, its test accuracy
    reported once), the schemes behind there, and the fixed run's last epochs at it."""
    cells = grid_cells(results)
    images = noise.evaluated_images(results[0], VAL)
    quotes, learned_rows, tied_rows = {"val_images": f"{images:,}"}, 0, 0
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
        row = rows.loc[best_rate]
        medians = _cell_medians(cells[(optimizer, best_rate)])
        spread = max(medians.values()) - min(medians.values())
        tied = row["tied"]
        behind = sorted((s for s in medians if s not in tied), key=medians.get)
        above = [rate for rate in rows.index if rate > best_rate]
        fixed_run = next(r for r in cells[(optimizer, best_rate)]["fixed"] if r.experiment.seed == 0)
        late = fixed_run.history["val_loss"][-4:]  # the last three epochs' changes
        fixed_in = learned[learned["verdict"] != "decay"].index  # the fixed rate wins or ties there
        worst = [min(_cell_medians(cells[(optimizer, rate)]).items(), key=lambda item: item[1])[0] for rate in fixed_in]
        below = [rate for rate in rows.index if rate < best_rate]
        if below:  # the best run from the start one decade lower, against the best run chosen
            lower = cells[(optimizer, max(below))]
            lower_best = noise.choose(lower, VAL)
            found = noise.compare(cells[(optimizer, best_rate)][row["best scheme"]], lower[lower_best], VAL)
            quotes |= {f"{optimizer}_below_start": f"{max(below):g}", f"{optimizer}_below_scheme": lower_best,
                       f"{optimizer}_vs_below_images": f"{found.images}",
                       f"{optimizer}_vs_below_noise": f"{found.noise.margin_images}",
                       f"{optimizer}_vs_below_verdict": "a tie: undecided" if found.verdict == "tie"
                       else f"{found.verdict}, by more than the noise"}
        quotes |= {
            f"{optimizer}_best_start": f"{best_rate:g}", f"{optimizer}_best_tied": ", ".join(tied),
            f"{optimizer}_best_scheme": row["best scheme"], f"{optimizer}_best_seeds": str(row["seeds"]),
            f"{optimizer}_best_val": f"{row['best accuracy']:.4f}", f"{optimizer}_best_test": f"{row['test accuracy']:.4f}",
            f"{optimizer}_best_gain_images": f"{row['gain in images']}",
            f"{optimizer}_best_gain_noise": f"{row['noise in images']}",
            f"{optimizer}_best_verdict": row["verdict"],
            f"{optimizer}_spread_at_best": f"{100 * spread:.2f}",
            f"{optimizer}_spread_at_best_images": f"{round(spread * images)}",
            f"{optimizer}_behind_at_best": ", ".join(
                f"{scheme} ({round((max(medians.values()) - medians[scheme]) * images)} images)"
                for scheme in behind) or "no scheme",
            f"{optimizer}_decade_above": f"{rows.loc[min(above), 'best accuracy']:.4f} from {min(above):g}"
            if above else "not measured",
            f"{optimizer}_late_val_loss": f"{late[0]:.4f} to {late[-1]:.4f}",
            f"{optimizer}_worst_where_fixed_holds": ", ".join(dict.fromkeys(worst)) or "none"}
    return quotes | {"tied_rows": str(tied_rows), "learned_rows": str(learned_rows)}


def long_run_quotes(long: Mapping[str, Result], start: float) -> dict:
    """Chapter 9: chapter 7's longer SGD runs (by scheme), each decay against the fixed rate on
    validation accuracy (``noise.leads_over``)."""
    leads = noise.leads_over(dict(long), "fixed", VAL)
    ahead = leads[leads["lead"] > 0]
    clear = int((ahead["verdict"] == "ahead").sum())
    return {"long_epochs": str(long["fixed"].experiment.epochs), "sgd_long_start": f"{start:g}",
            "sgd_long_ahead": ", ".join(ahead.index) or "no decay scheme",
            "sgd_long_ahead_images": " and ".join(str(n) for n in ahead["lead in images"]) or "no",
            "sgd_long_noise_images": _range_text(list(ahead["noise in images"])) if len(ahead) else "no",
            "sgd_long_clear": "none" if clear == 0 else str(clear)}


def seed_leads(results: Sequence[Result], optimizer: str, rate: float):
    """For each seed of one row of a decay grid (``results`` hold the row's runs with every
    seed), the scheme chosen on validation accuracy, the runner-up, and the winner's lead as
    ``noise.compare`` measures it: a ``pandas.DataFrame`` indexed by seed with ``winner``,
    ``runner-up``, ``lead in images``, ``noise in images`` and ``verdict``."""
    import pandas as pd

    cells = grid_cells(results).get((optimizer, rate))
    if not cells:
        raise ValueError(f"Arguments `optimizer` and `rate` must name a row of `results`. "
                         f"Received: optimizer={optimizer!r}, rate={rate!r}")
    seeds = sorted({r.experiment.seed for runs in cells.values() for r in runs})
    rows = []
    for seed in seeds:
        runs = {scheme: r for scheme, rs in cells.items() for r in rs if r.experiment.seed == seed}
        winner = noise.choose(runs, VAL)
        runner = noise.choose({s: r for s, r in runs.items() if s != winner}, VAL)
        found = noise.compare(runs[winner], runs[runner], VAL)
        rows.append({"seed": seed, "winner": winner, "runner-up": runner, "lead in images": found.images,
                     "noise in images": found.noise.margin_images, "verdict": found.verdict})
    return pd.DataFrame(rows).set_index("seed")


def seed_winner_quotes(results: Sequence[Result], rows_again) -> dict:
    """Chapter 9: the decay grid's rows repeated with other seeds (``results``: their runs with
    every seed): who wins on validation with each seed, by how much against the noise, and how
    far one scheme moves between seeds and the schemes of one seed lie apart."""
    cells_by_row = grid_cells(results)
    first = next(iter(results))
    images = noise.evaluated_images(first, VAL)
    quotes = {}
    for optimizer, rate in rows_again:
        leads = seed_leads(results, optimizer, rate)
        cells = cells_by_row[(optimizer, rate)]
        by_scheme = {scheme: [noise.score(r, VAL) for r in runs] for scheme, runs in cells.items()}
        seed_spread = max(max(v) - min(v) for v in by_scheme.values())
        seeds = list(leads.index)
        scheme_spread = max(max(values[i] for values in by_scheme.values()) - min(values[i] for values in by_scheme.values())
                            for i in range(len(seeds)))
        clear = int((leads["verdict"] != "tie").sum())
        quotes |= {
            "seed_list": ", ".join(str(seed) for seed in seeds), "seed_count": str(len(seeds)),
            f"seed_rate_{optimizer}": f"{rate:g}",
            f"{optimizer}_seed_winners": ", ".join(leads["winner"]),
            f"{optimizer}_seed_spread": f"{100 * seed_spread:.2f}",
            f"{optimizer}_seed_spread_images": f"{round(seed_spread * images)}",
            f"{optimizer}_scheme_spread": f"{100 * scheme_spread:.2f}",
            f"{optimizer}_seed_leads": ", ".join(str(n) for n in leads["lead in images"]),
            f"{optimizer}_seed_noise": _range_text(list(leads["noise in images"])),
            f"{optimizer}_seed_clear": "none" if clear == 0 else str(clear)}
    return quotes


def seed_noise_quotes(profile: str = "full") -> dict:
    """Chapter 9: the book's stored seed repeats of the article's optimizers
    (``noise.seed_range_table``; the newer methods of chapter 20 are not this chapter's): the
    widest test range and where it was measured, and the widest validation range of Adam's and
    SGD's, the seed noise ``noise.compare`` uses for a setting run once."""
    from ..optimizers import OPTIMIZERS

    table = noise.seed_range_table(profile)
    table = table[table["optimizer"].isin(OPTIMIZERS)].reset_index(drop=True)
    widest = table.iloc[0]
    quotes = {"widest_test_range": f"{100 * widest['test range']:.2f}",
              "widest_test_range_fraction": f"{widest['test range']:.4f}",
              "widest_test_range_where": f"{widest['optimizer']} at {widest['learning rate']}, {widest['epochs']} epochs",
              "repeat_count": str(len(table))}
    for optimizer in ("adam", "sgd"):
        val = noise.seed_noise_for(optimizer, VAL, profile)
        own = table[table["optimizer"] == optimizer]
        where = own.loc[own["validation range"].idxmax()]
        quotes |= {f"{optimizer}_val_seed_noise": f"{100 * val:.2f}",
                   f"{optimizer}_val_seed_noise_where": f"the {where['learning rate']} runs of {where['epochs']} epochs"}
    return quotes
