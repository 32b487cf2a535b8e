"""What every part of the book uses: glue, counts of test images, the book's stored runs. Ties
and choices are ``noise``'s."""

from __future__ import annotations

import dataclasses
import importlib.util
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..results import Result
from ..catalog import Scenario


GLUE_PREFIX = "application/papermill.record/"  # where myst-nb looks for a glued value's outputs


def glue(name: str, value: Any) -> None:
    """Hand ``value`` to the book's ``{glue}`` roles without showing it, as
    ``myst_nb.glue(name, value, display=False)`` does; a no-op where myst-nb is absent (Colab).

    Written out rather than imported: importing ``myst_nb.glue`` imports nbformat and its JSON
    schema checker, two seconds of every chapter's run on two CPU cores (the test compares the
    outputs with myst-nb's own).
    """
    if importlib.util.find_spec("myst_nb") is None:
        return
    from IPython.core.formatters import format_display_data
    from IPython.display import display

    bundle, metadata = format_display_data(value)
    metadata["scrapbook"] = {"name": name, "mime_prefix": GLUE_PREFIX}
    display({GLUE_PREFIX + mime: data for mime, data in bundle.items()}, raw=True, metadata=metadata)


def readable(frame, missing: str = "—", infinite: str = "open: the grid ends first"):
    """``frame`` (a ``pandas.DataFrame``) for a reader: each missing value as ``missing`` (say
    what it means: "not run", "never reached") and each infinite one as ``infinite``, instead of
    pandas' NaN, <NA> and inf."""
    import pandas as pd

    shown = frame.copy()
    for column in shown.columns:
        values = shown[column]
        numeric = pd.api.types.is_numeric_dtype(values)
        gaps, endless = values.isna(), (values.abs() == np.inf) if numeric else values.isna() & False
        if gaps.any() or endless.any():
            shown[column] = [missing if gap else infinite if end else value
                             for value, gap, end in zip(values.astype(object), gaps, endless)]
    return shown


def test_images(result: Result) -> int:
    """How many test images ``result`` was scored on: its profile's test set (all 10,000 of
    MNIST's in the full profile). A difference in test accuracy times this is a count of images."""
    from ..data import MNIST_TEST_IMAGES
    from ..profiles import get_profile

    return get_profile(result.experiment.profile).n_test or MNIST_TEST_IMAGES


def names_by(table, column: str) -> dict[Any, str]:
    """For each value of ``column`` in ``table`` (a ``pandas.DataFrame``), the index entries that
    have it, as text for the prose ("adam, sgd"), in the table's order."""
    return {value: ", ".join(str(name) for name in table.index[table[column] == value])
            for value in dict.fromkeys(table[column])}


def _accuracy_difference(name: str, value: float) -> float:
    value = float(value)
    if not 0 <= value < 1:
        raise ValueError(f"Argument `{name}` must be an accuracy difference in [0, 1). Received: {name}={value!r}")
    return value


def epochs_to_accuracy(result: Result, threshold: float = 0.99, metric: str = "val_accuracy") -> int | None:
    """The first epoch (counted from 1) whose ``metric`` reaches ``threshold``; ``None`` if none does."""
    reached = [epoch for epoch, value in enumerate(result.history[metric], start=1) if value >= threshold]
    return reached[0] if reached else None


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


def seed_repeats(results: Sequence[Result]) -> list[list[Result]]:
    """``results`` grouped by experiment apart from the seed, keeping the groups of two or more
    runs (what ``noise.stored_repeats`` measures the seed range on)."""
    groups: dict[Any, list[Result]] = {}
    for result in results:
        groups.setdefault(dataclasses.replace(result.experiment, seed=0), []).append(result)
    return [runs for runs in groups.values() if len(runs) > 1]


BOOK_PROFILE = "full"  # the profile of the book's stored results, which ship with lrlib


def book_runs(group: str) -> list:
    """The book's stored runs of ``group`` (its scenarios in the full profile), read from the
    results that ship with lrlib in any profile, so nothing trains.

    What an exercise reads when the quick profile is too small to show what it asks about: an
    early stop in five epochs, 99 % validation accuracy on 2,000 images. The notebook and its
    check then read the same runs, whatever the profile.
    """
    from ..catalog import scenarios
    from ..training import run_many

    return run_many([s.experiment for s in scenarios(group, profile=BOOK_PROFILE)])
