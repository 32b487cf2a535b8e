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
        time_to_accuracy: its name in ``catalog.time_to_accuracy_strategies`` (or
            ``catalog.after_time_to_accuracy``) where the book measured its time to the target,
            else None.
        search_epochs: the epochs of training those runs took, one seed each, where they differ
            in length (budgets tried); None: each is as long as the strategy's own runs.
    """

    name: str
    chapter: str
    runs: tuple[Scenario, ...]
    found_by: str
    training_runs: int = 1
    range_tests: int = 0
    time_to_accuracy: str | None = None
    search_epochs: int | None = None


def _longest(runs: list[Scenario]) -> tuple[Scenario, ...]:
    """The runs of the longest budget among ``runs`` (one per seed)."""
    longest = max(s.experiment.epochs for s in runs)
    return tuple(s for s in runs if s.experiment.epochs == longest)


def book_strategies(profile: str | None = None) -> list[Strategy]:
    """The summary's strategies in ``profile``, from the article's default to one-cycle and the
    methods that came after the article. One-cycle and the newer methods are fitted to each
    budget (``_fitted_to_budget``), so they need their stored runs; until the range tests are
    stored the cycle rows have no runs and are left out."""
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
        strategies.append(_fitted_to_budget("one-cycle (Adam)", "17_one_cycle", budgets,
                                            "peak from one range test", range_tests=1))
    for label, runs in catalog.after_time_to_accuracy(profile).items():
        strategies.append(_fitted_to_budget(label, "20_do_they_remove_the_rate_problem", runs, AFTER_FOUND_BY[label]))
    return strategies


# Where each newer method's setting came from (``catalog.AFTER_PEAK_RATES``): no run of ours.
AFTER_FOUND_BY = {"Lion (WSD)": "its authors' advice: 3 to 10 times below AdamW's", "LAMB (WSD)": "Keras's default",
                  "Muon (WSD)": "Keras's default", "schedule-free AdamW": "Keras's default, its authors' warm-up",
                  "Prodigy (cosine)": "no rate: its authors' default"}


def _fitted_to_budget(name: str, chapter: str, runs: list[Scenario], found_by: str, range_tests: int = 0) -> Strategy:
    """A schedule fitted to each budget it was run at (``runs``, one per budget and seed), shown
    at the shortest budget whose median validation accuracy reached the target (``report.budget_table``;
    the longest tried if none did). Every budget tried counts as a training run of the search."""
    from .report import budget_table, epochs_to_target
    from .training import run_many

    table = budget_table({name: run_many([s.experiment for s in runs])}, catalog.TARGET_ACCURACY)
    tried = sorted({s.experiment.epochs for s in runs})
    chosen = epochs_to_target(table)[name] or tried[-1]
    return Strategy(f"{name}, {chosen} epochs", chapter, tuple(s for s in runs if s.experiment.epochs == chosen),
                    f"{found_by}; {len(tried)} budgets tried", training_runs=len(tried), range_tests=range_tests,
                    time_to_accuracy=name, search_epochs=sum(tried))
