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
            "diverged": result.diverged,
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


def glue(name: str, value: Any) -> None:
    """Hand ``value`` to the book's ``{glue}`` roles; a no-op where myst-nb is absent (Colab)."""
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        return
    myst_glue(name, value, display=False)
