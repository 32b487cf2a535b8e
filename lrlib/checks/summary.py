"""Checks for the summary chapter (18)."""

from __future__ import annotations

from ._core import Check, Mistake, register

_SUMMARY = "18_what_to_do_on_monday"


def _medians() -> dict[str, float]:
    """Each strategy's median validation accuracy: the summary ranks on validation data."""
    from ..report import noise
    from ..strategies import book_strategies
    from ..training import run_many

    return {s.name: noise.median_score(run_many([run.experiment for run in s.runs]), "val_accuracy")
            for s in book_strategies()}


def _ranked(best: bool = True) -> str:
    medians = _medians()
    return (max if best else min)(medians, key=medians.get)


def _one_cycle_search_epochs(seeds: int = 1) -> int:
    from ..catalog import one_cycle_budgets

    return seeds * sum({s.experiment.epochs for s in one_cycle_budgets()})


register(
    Check("ex-summary-best", _SUMMARY, "one strategy's name, as the table's index writes it",
          expected=_ranked, idea="rank the strategies by the table's median validation accuracy (the test accuracy only reports); "
               "the answer is a row's name.",
          mistakes=(Mistake(lambda: _ranked(best=False), "that is the lowest median; take the highest."),)),
    Check("ex-summary-search-epochs", _SUMMARY, "one whole number of epochs",
          expected=_one_cycle_search_epochs, rtol=0.0,
          idea="one run per budget tried, each as long as its budget: the sum of the distinct budgets of "
               "scenarios('one-cycle-budgets').",
          mistakes=(Mistake(lambda: _one_cycle_search_epochs(seeds=3),
                            "that counts three seeds per budget, as the book ran to measure the noise; "
                            "one seed per budget is enough to search."),)),
)
