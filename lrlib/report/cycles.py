"""Chapters 16 to 18 (cycles and the summary): time to accuracy, cyclical runs, every strategy."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from .. import validation
from ..results import Result
from . import noise
from .common import epochs_to_accuracy, test_images


def at_budget(result: Result, epochs: int) -> Result | None:
    """``result`` as the run of ``epochs`` epochs it stands for, or ``None`` where it stands for
    none. A run scored after every epoch (``test_each_epoch``) does not depend on its budget, so
    its first ``epochs`` epochs are an ``epochs``-epoch run (with the best weights kept where the
    experiment keeps them: ``noise.kept_epoch``), if it ran that far; any other run stands only
    for its own budget, its schedule being fitted to it."""
    experiment = result.experiment
    if not experiment.test_each_epoch:
        return result if experiment.epochs == epochs else None
    if not 1 <= epochs <= min(result.epochs_run, experiment.epochs):
        return None
    history = {name: list(values[:epochs]) for name, values in result.history.items()}
    cut = dataclasses.replace(result, experiment=dataclasses.replace(experiment, epochs=epochs), history=history,
                              epochs_run=epochs)
    kept = noise.kept_epoch(cut) - 1
    return dataclasses.replace(cut, test_accuracy=history["test_accuracy"][kept],
                               test_loss=history.get("test_loss", [result.test_loss] * epochs)[kept])


def _budgets_of(result: Result) -> list[int]:
    experiment = result.experiment
    return list(range(1, experiment.epochs + 1)) if experiment.test_each_epoch else [experiment.epochs]


def runs_by_budget(results: Sequence[Result]) -> dict[int, list[Result]]:
    """Each epoch budget ``results`` stand for (``at_budget``), with one run per seed, from the
    shortest. A budget that a seed planned but did not reach (a run stopped early) is left out:
    its median would be of fewer seeds."""
    planned: dict[int, set[int]] = {}
    found: dict[int, list[Result]] = {}
    for result in results:
        for budget in _budgets_of(result):
            planned.setdefault(budget, set()).add(result.experiment.seed)
            view = at_budget(result, budget)
            if view is not None:
                found.setdefault(budget, []).append(view)
    return {budget: sorted(found[budget], key=lambda r: r.experiment.seed) for budget in sorted(found)
            if {r.experiment.seed for r in found[budget]} == planned[budget]}


def accuracy_by_budget(results: Sequence[Result], metric: str = "val_accuracy") -> dict[int, dict[int, float]]:
    """``metric`` (validation by default, or ``test_accuracy`` to report) by epoch budget, then
    by seed, for every budget of ``runs_by_budget``: the value of the weights each
    ``at_budget`` run ends with (``noise.score``)."""
    metric = metric if metric == "test_accuracy" else noise.selection_metric(metric)
    return {budget: {r.experiment.seed: noise.score(r, metric) for r in runs}
            for budget, runs in runs_by_budget(results).items()}


def budget_table(strategies: dict[str, Sequence[Result]], target: float, metric: str = "val_accuracy"):
    """A ``pandas.DataFrame`` with one row per strategy and epoch budget (``runs_by_budget``):
    the number of seeds, each seed's ``metric``, their median, lowest and highest, and whether the
    median reaches ``target``. ``metric`` decides, so it must be a validation metric (a test
    metric is refused, ``noise.selection_metric``); ``test median``, ``test min`` and ``test max``
    report the test accuracy beside it."""
    import pandas as pd

    metric = noise.selection_metric(metric)
    rows = []
    for name, results in strategies.items():
        if not results:
            raise ValueError(f"Argument `strategies` must give each strategy runs. Received: {name!r} with none")
        seeds = sorted({r.experiment.seed for r in results})
        for budget, runs in runs_by_budget(results).items():
            values = {r.experiment.seed: noise.score(r, metric) for r in runs}
            tests = [noise.score(r, "test_accuracy") for r in runs]
            median = float(np.median(list(values.values())))
            reached = median >= target if metric.endswith("accuracy") else median <= target
            rows.append({"strategy": name, "epochs": budget, "seeds": len(runs),
                         **{f"seed {s}": values.get(s, np.nan) for s in seeds},
                         "median": median, "min": min(values.values()), "max": max(values.values()),
                         "reached": reached, "test median": float(np.median(tests)),
                         "test min": min(tests), "test max": max(tests)})
    return pd.DataFrame(rows)


def epochs_to_target(table) -> dict[str, int | None]:
    """Each strategy's smallest epoch budget whose median reaches the target (``budget_table``,
    on validation data), ``None`` where no budget tried does."""
    return {name: int(rows.loc[rows["reached"], "epochs"].min()) if rows["reached"].any() else None
            for name, rows in table.groupby("strategy", sort=False)}


def headline_table(table, budgets: Sequence[int] | None = None):
    """``budget_table``'s medians and ranges, validation (which decides) and test (reported), one
    row per strategy and budget of ``budgets`` (all when None), as text ``median (min-max)``."""
    rows = table if budgets is None else table[table["epochs"].isin(list(budgets))]
    shown = rows.assign(validation=[_spread(row) for _, row in rows.iterrows()],
                        test=[_spread(row, "test ") for _, row in rows.iterrows()])
    return shown.set_index(["epochs", "strategy"]).sort_index(level=0, sort_remaining=False)[["seeds", "validation", "test"]]


def _spread(row, prefix: str = "") -> str:
    """A ``budget_table`` row's median and range (``prefix`` "test " for the test columns) as text."""
    return f"{row[prefix + 'median']:.4f} ({row[prefix + 'min']:.4f}\u2013{row[prefix + 'max']:.4f})"


def standings_at(table, epochs: int, target: float, images: int):
    """Every strategy of ``budget_table`` (validation medians) at a budget of ``epochs`` epochs,
    as a ``pandas.DataFrame`` by strategy, best median first: its seeds, the median and range as
    text, ``from target (images)``, how many of ``images`` evaluated images the median lies above
    the ``target`` (negative: short of it), and whether it reached it. Strategies without that
    budget are left out; a budget none has is refused."""
    rows = table[table["epochs"] == validation.integer("epochs", epochs, minimum=1)]
    if rows.empty:
        raise ValueError(f"Argument `epochs` must be a budget of the table, one of {sorted(set(table['epochs']))}. "
                         f"Received: epochs={epochs!r}")
    rows = rows.sort_values("median", ascending=False).set_index("strategy")
    return rows.assign(
        validation=[_spread(row) for _, row in rows.iterrows()],
        **{"from target (images)": [int(round((median - target) * images)) for median in rows["median"]]},
    )[["seeds", "validation", "from target (images)", "reached"]]


def budget_comparison(strategies: dict[str, Sequence[Result]], epochs: int, reference: str,
                      metric: str = "val_accuracy"):
    """Every strategy against ``reference`` at a budget of ``epochs`` epochs (``runs_by_budget``),
    by ``noise.leads_over`` on ``metric``: the equal-budget comparison. Strategies without that
    budget are left out."""
    at = {name: runs_by_budget(results).get(epochs) for name, results in strategies.items()}
    at = {name: runs for name, runs in at.items() if runs}
    if reference not in at:
        raise ValueError(f"Argument `reference` must name a strategy run at {epochs} epochs, one of {sorted(at)}. "
                         f"Received: reference={reference!r}")
    return noise.leads_over(at, reference, metric)


def budget_step(results: Sequence[Result], shorter: int, longer: int, metric: str = "val_accuracy"):
    """``noise.compare`` of one strategy's ``longer`` budget with its ``shorter`` one: is the
    extra budget's gain larger than the noise?"""
    by_budget = runs_by_budget(results)
    missing = [b for b in (shorter, longer) if b not in by_budget]
    if missing:
        raise ValueError(f"Argument `results` must hold every seed at the budgets compared. "
                         f"Received: none at {missing[0]} epochs (budgets {sorted(by_budget)})")
    return noise.compare(by_budget[longer], by_budget[shorter], metric)


def cycle_position(result: Result, epoch: int) -> float:
    """Where a cyclical run's rate stood at the end of ``epoch`` (counted from 1): 0 at the
    cycle's base rate, 1 at its maximum."""
    schedule = result.experiment.learning_rate
    base, peak = schedule.args["base_rate"], schedule.args["max_rate"]
    rate = float(schedule.values(epoch * result.steps_per_epoch - 1))
    return (rate - base) / (peak - base)


def cycle_phase(result: Result, epoch: int) -> str:
    """Whether a cyclical run's rate was ``"rising"`` or ``"falling"`` at the end of ``epoch``
    (the position alone cannot tell a mid-climb from a mid-descent)."""
    schedule = result.experiment.learning_rate
    step = epoch * result.steps_per_epoch - 1
    return "rising" if float(schedule.values(step + 1)) > float(schedule.values(step)) else "falling"


def clr_runs_table(results: Sequence[Result]):
    """A ``pandas.DataFrame`` with one row per cyclical run (scored every epoch, best weights
    kept): its bounds, the epoch with the best ``val_loss``, where in the cycle it ended (0 base, 1 peak)
    and whether the rate was rising or falling there,
    the epochs run, and the test accuracy of the weights kept beside that of the last epoch."""
    import pandas as pd

    rows = []
    for r in results:
        best = int(np.argmin(r.history["val_loss"])) + 1
        last = r.history["test_accuracy"][-1]
        schedule = r.experiment.learning_rate
        rows.append({"optimizer": r.experiment.optimizer,
                     "bounds": f"{schedule.args['base_rate']:.2g} to {schedule.args['max_rate']:.2g}",
                     "seed": r.experiment.seed, "epochs run": r.epochs_run,
                     "best epoch": best, "cycle position": round(cycle_position(r, best), 3),
                     "phase": cycle_phase(r, best),
                     "test accuracy kept": r.test_accuracy, "test accuracy last epoch": last,
                     "kept - last (images)": round((r.test_accuracy - last) * test_images(r))})
    return pd.DataFrame(rows)


def median_comparison(strategies: dict[str, Sequence[Result]], reference: str, metric: str = "val_accuracy"):
    """Each strategy's median ``metric`` over its seeds against the ``reference`` strategy's, by
    ``noise.compare``, as a ``pandas.DataFrame`` indexed by name: ``seeds``, ``epochs run``
    (median), ``median``, ``lead``, ``lead in images``, ``noise in images`` (the margin) and
    ``verdict`` (``"tie"``, ``"ahead"``, ``"behind"``; ``"reference"`` for the reference), with
    ``test median`` beside them. ``metric`` decides, so a test metric is refused
    (``noise.selection_metric``)."""
    import pandas as pd

    metric = noise.selection_metric(metric)
    if reference not in strategies:
        raise ValueError(f"Argument `reference` must name one of the strategies {sorted(strategies)}. "
                         f"Received: reference={reference!r}")
    rows = []
    for name, results in strategies.items():
        found = noise.compare(results, strategies[reference], metric)
        rows.append({"name": name, "seeds": len(results),
                     "epochs run": float(np.median([r.epochs_run for r in results])), "median": found.first,
                     "lead": found.difference, "lead in images": found.images,
                     "noise in images": found.noise.margin_images,
                     "verdict": "reference" if name == reference else found.verdict,
                     "test median": noise.median_score(results, "test_accuracy")})
    return pd.DataFrame(rows).set_index("name")


def target_summary(table, article_epochs: int = 25):
    """One row per strategy of ``report.budget_table`` (medians on validation data): the budgets
    tried, the best median and its budget, the smallest budget that reaches the target (``"not reached"`` if none does) and
    how many times fewer epochs that is than the article's ``article_epochs``."""
    import pandas as pd

    reached = epochs_to_target(table)
    rows = []
    for name, rows_of in table.groupby("strategy", sort=False):
        budgets = rows_of["epochs"].tolist()
        best = rows_of.loc[rows_of["median"].idxmax()]
        tried = ", ".join(map(str, budgets)) if len(budgets) <= 6 or budgets != list(range(budgets[0], budgets[-1] + 1)) \
            else f"{budgets[0]} to {budgets[-1]}"
        epochs = reached[name]
        rows.append({"strategy": name, "budgets tried": tried, "best median": float(best["median"]),
                     "at": int(best["epochs"]), "epochs to target": epochs or "not reached",
                     "fewer than the article": f"{article_epochs / epochs:.1f}x" if epochs else "-"})
    return pd.DataFrame(rows).set_index("strategy")


def strategy_table(strategies: Sequence, results: dict[str, Sequence[Result]], reached: dict[str, int | None],
                   metric: str = "val_accuracy"):
    """The book's summary: one row per strategy (``strategies.Strategy``) with its ``results``
    (by strategy name): what it took to find the setting (training runs, their epochs with one
    seed each, and range tests), its seeds and epochs, the median
    ``metric`` over its seeds (validation: it ranks, so a test metric is refused), whether it
    ties with the best by ``noise.tied_with_best``, the median epochs to 99 % validation
    accuracy, the epochs to the target (validation) where the book measured them (``reached``, by
    time-to-accuracy name, from ``epochs_to_target``), and, reported once, the median test
    accuracy. Epochs, not minutes, measure time: every run takes the same steps per epoch, while
    the machines that ran them did not take the same seconds per step."""
    import pandas as pd

    metric = noise.selection_metric(metric)
    ranked = {strategy.name: results[strategy.name] for strategy in strategies}
    tied = set(noise.tied_with_best(ranked, metric))
    best = noise.choose(ranked, metric)
    rows = []
    for strategy in strategies:
        runs = results[strategy.name]
        to_99 = [epochs_to_accuracy(r, 0.99) for r in runs]
        target = reached.get(strategy.time_to_accuracy) if strategy.time_to_accuracy else None
        search = strategy.search_epochs
        search = strategy.training_runs * runs[0].experiment.epochs if search is None else search
        cost = f"{strategy.training_runs} run{'s' * (strategy.training_runs > 1)} ({search} epochs)"
        cost += f" + {strategy.range_tests} range test" if strategy.range_tests else ""
        to_99 = int(np.median(to_99)) if None not in to_99 else None
        label = "validation accuracy" if metric == "val_accuracy" else "validation loss"
        rows.append({
            "strategy": strategy.name, "found by": strategy.found_by, "to find it": cost, "seeds": len(runs),
            "epochs": runs[0].experiment.effective_epochs,
            f"median {label}": noise.median_score(runs, metric),
            "against the best": "best" if strategy.name == best else ("tie" if strategy.name in tied else "behind"),
            "epochs to 99 % (validation)": to_99 or "not reached",
            "epochs to target (validation)": target if target else ("not reached" if strategy.time_to_accuracy
                                                                   else "not measured"),
            "median test accuracy": noise.median_score(runs, "test_accuracy"),
        })
    return pd.DataFrame(rows).set_index("strategy")
