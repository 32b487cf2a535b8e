"""Tables and numbers for the chapters: our results beside the article's figures."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .results import Result
from .catalog import Scenario


def comparison_table(scenarios: Sequence[Scenario], results: Sequence[Result]):
    """A ``pandas.DataFrame``: each scenario's test loss and accuracy, the article's and ours."""
    import pandas as pd

    rows = []
    for scenario, result in zip(scenarios, results, strict=True):
        rows.append({
            "scenario": scenario.name,
            "optimizer": result.experiment.optimizer,
            "learning rate": f"{result.experiment.learning_rate:g}",
            "article: test loss": scenario.article_test_loss,
            "article: test accuracy": scenario.article_test_accuracy,
            "ours: test loss": result.test_loss,
            "ours: test accuracy": result.test_accuracy,
            "epochs": result.epochs_run,
            "outcome": result.outcome.kind,
        })
    return pd.DataFrame(rows).set_index("scenario").round(4)


def article_figures_text(scenarios: Sequence[Scenario]) -> str:
    """The article's reported test scores as a fixed-width text table (deterministic output)."""
    lines = [f"{'scenario':<10} {'learning rate':>13} {'test loss':>10} {'test accuracy':>14}"]
    for s in scenarios:
        if s.article_test_loss is not None:
            lines.append(f"{s.name:<10} {s.experiment.learning_rate:>13g} {s.article_test_loss:>10.4f} "
                         f"{s.article_test_accuracy:>14.4f}")
    return "\n".join(lines)


def epoch_to_epoch_variation(result: Result, metric: str = "val_loss", skip: int | None = None) -> float:
    """Mean absolute change of ``metric`` from one epoch to the next, after the first ``skip``
    epochs (default: the first quarter, where every run is still descending)."""
    values = np.asarray(result.history[metric], dtype=float)
    skip = len(values) // 4 if skip is None else skip
    changes = np.abs(np.diff(values[skip:]))
    return float(changes.mean()) if len(changes) else float("nan")


def scheme_of(result: Result) -> str:
    """``"fixed"`` for a fixed rate, else the schedule's kind without ``_decay`` (``"step"``)."""
    rate = result.experiment.learning_rate
    return "fixed" if isinstance(rate, float) else rate.kind.removesuffix("_decay")


def grid_table(results: Sequence[Result], tolerance: float = 0.005):
    """A ``pandas.DataFrame`` with one row per run: optimizer, scheme, initial rate, seed, test
    scores, and ``good``: test accuracy within ``tolerance`` of the best run of the same optimizer."""
    import pandas as pd

    table = pd.DataFrame([{
        "optimizer": r.experiment.optimizer, "scheme": scheme_of(r), "initial rate": r.experiment.initial_rate,
        "seed": r.experiment.seed, "test accuracy": r.test_accuracy, "test loss": r.test_loss,
        "outcome": r.outcome.kind,
    } for r in results])
    best = table.groupby("optimizer")["test accuracy"].transform("max")
    table["good"] = table["test accuracy"] >= best - tolerance
    return table


def scheme_winners(table, tie: float = 0.0):
    """Per optimizer and initial rate of a ``grid_table``: the best scheme, its test accuracy and
    its gain over the fixed rate, and every scheme within ``tie`` of the best (best first)."""
    import pandas as pd

    if not 0 <= tie < 1:
        raise ValueError(f"Argument `tie` must be an accuracy difference in [0, 1). Received: tie={tie!r}")
    repeated = table.duplicated(["optimizer", "initial rate", "scheme"])
    if repeated.any():
        raise ValueError("Argument `table` must hold one run per optimizer, initial rate and scheme (one seed). "
                         f"Received: {int(repeated.sum())} repeated runs")
    rows = []
    for (optimizer, rate), cell in table.groupby(["optimizer", "initial rate"], sort=True):
        ordered = cell.sort_values("test accuracy", ascending=False, kind="stable")
        best = ordered.iloc[0]
        fixed = cell.loc[cell["scheme"] == "fixed", "test accuracy"]
        tied = ordered.loc[ordered["test accuracy"] >= best["test accuracy"] - tie, "scheme"]
        rows.append({"optimizer": optimizer, "initial rate": rate, "best scheme": best["scheme"],
                     "best accuracy": best["test accuracy"],
                     "gain over fixed": best["test accuracy"] - fixed.iloc[0] if len(fixed) else float("nan"),
                     "tied with the best": ", ".join(tied)})
    return pd.DataFrame(rows).set_index(["optimizer", "initial rate"])


def glue(name: str, value: Any) -> None:
    """Hand ``value`` to the book's ``{glue}`` roles; a no-op where myst-nb is absent (Colab)."""
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        return
    myst_glue(name, value, display=False)
