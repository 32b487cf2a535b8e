"""Every strategy of the book side by side, for its summary: which stored runs measure each, and
what it took to find its setting (a sweep of N rates is N training runs; a range test is one
short test)."""

from __future__ import annotations

import dataclasses

from . import catalog
from .catalog import Scenario
from .optimizers import PAPER_RATES


@dataclasses.dataclass(frozen=True)
class Strategy:
    """One way to choose the learning rate, as the book measured it.

    Args:
        name: what the summary calls it.
        chapter: the notebook (without ``.ipynb``) where the book measured it.
        runs: its runs, one per seed.
        found_by: how its setting was found, in words.
        training_runs: the full training runs it took to find the setting, the run that uses it
            included (1 for a default; a sweep of N rates is N).
        range_tests: the range tests it took besides.
        time_to_accuracy: its name in ``catalog.time_to_accuracy_strategies`` where the book
            measured its time to the target, else None.
    """

    name: str
    chapter: str
    runs: tuple[Scenario, ...]
    found_by: str
    training_runs: int = 1
    range_tests: int = 0
    time_to_accuracy: str | None = None


def _longest(runs: list[Scenario]) -> tuple[Scenario, ...]:
    """The runs of the longest budget among ``runs`` (one per seed)."""
    longest = max(s.experiment.epochs for s in runs)
    return tuple(s for s in runs if s.experiment.epochs == longest)


def book_strategies(profile: str | None = None) -> list[Strategy]:
    """The summary's strategies in ``profile``, from the article's default to one-cycle. The
    one-cycle row takes the shortest budget whose median validation accuracy reached the target
    (``report.budget_table``; the longest tried if none did), so it needs the stored one-cycle runs; until the range tests are stored the cycle rows
    have no runs and are left out."""
    from .report import budget_table, epochs_to_target
    from .training import run_many

    sweep_runs = len(catalog.SWEEP_RATES)
    grid_runs = len(catalog.GRID_RATES["adam"]) * len(catalog.GRID_SCHEMES)
    decays = catalog.decay_budgets(profile)
    paper_rate = PAPER_RATES["adamax"]
    strategies = [
        Strategy("fixed 0.001 (Adam)", "02_baseline", tuple(catalog.baseline_each_epoch(profile)),
                 "Keras's default, the article's baseline", time_to_accuracy="fixed 0.001 (Adam)"),
        Strategy("fixed 0.1 (SGD)", "05_fixed_rates_waste",
                 (catalog.scenario("sweep", "sgd 0.1", profile),), "best of a sweep", training_runs=sweep_runs),
        Strategy(f"linear decay from 0.01 (Adam), {max(s.experiment.epochs for s in decays)} epochs",
                 "09_choosing_a_scheme", _longest(decays), "best of a grid of start rates and schemes",
                 training_runs=grid_runs, time_to_accuracy="linear decay from 0.01 (Adam)"),
        Strategy("linear decay from 0.5 (SGD)", "07_training_with_decay", (catalog.scenario("decay", "sgd linear", profile),),
                 "a sweep's large rate as the start", training_runs=sweep_runs + 1),
        Strategy(f"AdaMax at {paper_rate:g}", "12_optimizers_at_their_defaults",
                 (catalog.scenario("adaptive-defaults", "adamax paper", profile),), "its paper's default"),
    ]
    suggested = [s for s in catalog.range_suggested(profile) if s.experiment.optimizer == "adam" and s.experiment.epochs == 25]
    strategies += [Strategy(f"Adam at its suggestion {s.experiment.learning_rate:.2g}", "15_does_the_range_test_work",
                            (s,), "one range test", range_tests=1) for s in suggested[:1]]
    clr_runs = catalog.clr(profile)
    for variant, (_, low, high) in catalog.clr_variants(profile).items():
        strategies.append(Strategy(f"cyclical ({variant})", "16_cyclical_rates",
                                   tuple(catalog.clr_runs_of(variant, clr_runs)),
                                   f"bounds {low:.2g} to {high:.2g} from one range test",
                                   range_tests=1, time_to_accuracy=f"cyclical ({variant})"))
    budgets = catalog.one_cycle_budgets(profile)
    if budgets:
        table = budget_table({"one-cycle": run_many([s.experiment for s in budgets])}, catalog.TARGET_ACCURACY)
        tried = sorted({s.experiment.epochs for s in budgets})
        chosen = epochs_to_target(table)["one-cycle"] or tried[-1]
        strategies.append(Strategy(f"one-cycle (Adam), {chosen} epochs", "17_one_cycle",
                                   tuple(s for s in budgets if s.experiment.epochs == chosen),
                                   f"peak from one range test; {len(tried)} budgets tried", range_tests=1,
                                   training_runs=len(tried), time_to_accuracy="one-cycle (Adam)"))
    return strategies
