"""Chapters 16 to 18 (cycles and the summary): time to accuracy, cyclical runs, every strategy."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..results import Result
from .common import _accuracy_difference, _tied, epochs_to_accuracy, test_images


def accuracy_by_budget(results: Sequence[Result]) -> dict[int, dict[int, float]]:
    """Test accuracy by epoch budget, then by seed. A run scored after every epoch
    (``test_each_epoch``) gives every budget up to its last epoch, since its rate does not
    depend on the budget; any other run gives its own budget (its schedule was fitted to it)."""
    table: dict[int, dict[int, float]] = {}
    for result in results:
        experiment = result.experiment
        if experiment.test_each_epoch:
            for epoch, accuracy in enumerate(result.history["test_accuracy"], start=1):
                table.setdefault(epoch, {})[experiment.seed] = accuracy
        else:
            table.setdefault(experiment.epochs, {})[experiment.seed] = result.test_accuracy
    return dict(sorted(table.items()))


def budget_table(strategies: dict[str, Sequence[Result]], target: float):
    """A ``pandas.DataFrame`` with one row per strategy and epoch budget: each seed's test
    accuracy, their median and whether it reaches ``target``. A budget that some seed did not
    reach (a run stopped early) is left out: its median would be of fewer seeds."""
    import pandas as pd

    rows = []
    for name, results in strategies.items():
        seeds = sorted({r.experiment.seed for r in results})
        if not seeds:
            raise ValueError(f"Argument `strategies` must give each strategy runs. Received: {name!r} with none")
        for budget, by_seed in accuracy_by_budget(results).items():
            if set(by_seed) != set(seeds):
                continue
            median = float(np.median(list(by_seed.values())))
            rows.append({"strategy": name, "epochs": budget, **{f"seed {s}": by_seed[s] for s in seeds},
                         "median": median, "reached": median >= target})
    return pd.DataFrame(rows)


def epochs_to_target(table) -> dict[str, int | None]:
    """Each strategy's smallest epoch budget whose median reaches the target (``budget_table``),
    ``None`` where no budget tried does."""
    return {name: int(rows.loc[rows["reached"], "epochs"].min()) if rows["reached"].any() else None
            for name, rows in table.groupby("strategy", sort=False)}


def cycle_position(result: Result, epoch: int) -> float:
    """Where a cyclical run's rate stood at the end of ``epoch`` (counted from 1): 0 at the
    cycle's base rate, 1 at its maximum."""
    schedule = result.experiment.learning_rate
    base, peak = schedule.args["base_rate"], schedule.args["max_rate"]
    rate = float(schedule.values(epoch * result.steps_per_epoch - 1))
    return (rate - base) / (peak - base)


def clr_runs_table(results: Sequence[Result]):
    """A ``pandas.DataFrame`` with one row per cyclical run (scored every epoch, best weights
    kept): its bounds, the epoch with the best ``val_loss``, where in the cycle it ended (0 base, 1 peak),
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
                     "test accuracy kept": r.test_accuracy, "test accuracy last epoch": last,
                     "kept - last (images)": round((r.test_accuracy - last) * test_images(r))})
    return pd.DataFrame(rows)


def median_comparison(strategies: dict[str, Sequence[Result]], reference: str, spread: float):
    """Each strategy's median final test accuracy over its seeds against the ``reference``
    strategy's, as a ``pandas.DataFrame`` indexed by name: ``seeds``, ``median``, ``epochs
    run`` (median), ``lead`` and ``lead in images`` over the reference, and ``verdict``:
    ``"tie"`` when the lead is no larger than ``spread``, else ``"ahead"`` or ``"behind"``."""
    import pandas as pd

    if reference not in strategies:
        raise ValueError(f"Argument `reference` must name one of the strategies {sorted(strategies)}. "
                         f"Received: reference={reference!r}")
    spread = _accuracy_difference("spread", spread)
    base = float(np.median([r.test_accuracy for r in strategies[reference]]))
    rows = []
    for name, results in strategies.items():
        median = float(np.median([r.test_accuracy for r in results]))
        lead = median - base
        verdict = "tie" if _tied(median, base, spread) else ("ahead" if lead > 0 else "behind")
        rows.append({"name": name, "seeds": len(results), "median": median,
                     "epochs run": float(np.median([r.epochs_run for r in results])), "lead": lead,
                     "lead in images": int(round(lead * test_images(results[0]))),
                     "verdict": "reference" if name == reference else verdict})
    return pd.DataFrame(rows).set_index("name")


def target_summary(table, article_epochs: int = 25):
    """One row per strategy of ``report.budget_table``: the budgets tried, the best median and
    its budget, the smallest budget that reaches the target (``"not reached"`` if none does) and
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


def strategy_table(strategies: Sequence, results: dict[str, Sequence[Result]], reached: dict[str, int | None]):
    """The book's summary: one row per strategy (``strategies.Strategy``) with its ``results``
    (by strategy name): what it took to find the setting, the median final test accuracy over
    its seeds, the median epochs to 99 % validation accuracy, the epochs to the target test
    accuracy where the book measured them (``reached``, by time-to-accuracy name, from
    ``epochs_to_target``), and the minutes each of those is at the runs' median seconds per
    epoch."""
    import pandas as pd

    rows = []
    for strategy in strategies:
        runs = results[strategy.name]
        to_99 = [epochs_to_accuracy(r, 0.99) for r in runs]
        seconds = float(np.median([r.train_time_s / r.epochs_run for r in runs]))
        target = reached.get(strategy.time_to_accuracy) if strategy.time_to_accuracy else None
        cost = f"{strategy.training_runs} run{'s' * (strategy.training_runs > 1)}"
        cost += f" + {strategy.range_tests} range test" if strategy.range_tests else ""
        to_99 = int(np.median(to_99)) if None not in to_99 else None
        rows.append({
            "strategy": strategy.name, "found by": strategy.found_by, "to find it": cost, "seeds": len(runs),
            "epochs": runs[0].experiment.effective_epochs,
            "median test accuracy": float(np.median([r.test_accuracy for r in runs])),
            "epochs to 99 % (validation)": to_99 or "not reached",
            "minutes to 99 %": round(to_99 * seconds / 60, 1) if to_99 else "-",
            "epochs to target (test)": target if target else ("not reached" if strategy.time_to_accuracy else "not measured"),
            "minutes to target": round(target * seconds / 60, 1) if target else "-",
        })
    return pd.DataFrame(rows).set_index("strategy")
