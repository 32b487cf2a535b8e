"""The experiments the book shows, grouped as ``python -m lrlib reproduce --only GROUP`` runs them.

Each scenario carries the article's reported test loss and accuracy where the article gives
them, so that tables can put "article" and "this book" side by side.
"""

from __future__ import annotations

import dataclasses

from .experiment import Experiment


@dataclasses.dataclass(frozen=True)
class Scenario:
    name: str
    experiment: Experiment
    article_test_loss: float | None = None
    article_test_accuracy: float | None = None


# The article's five fixed-rate runs (Adam, batch 250, 25 epochs, validation split 0.2) and the
# test scores it printed for them.
ARTICLE_FIXED_RATES = (
    ("baseline", 0.001, 0.02863448634357819, 0.9919000267982483),
    ("too large", 0.5, 2.3188612442016603, 0.10100000351667404),
    ("large", 0.01, 0.045392444870159344, 0.9887999892234802),
    ("small", 0.00001, 0.17123142351806164, 0.9513999819755554),
    ("too small", 0.0000001, 2.2723510555267334, 0.16249999403953552),
)


def fixed_lr(profile: str | None = None) -> list[Scenario]:
    """The article's fixed-rate scenarios with Adam."""
    return [Scenario(name, _experiment("adam", rate, profile), loss, accuracy)
            for name, rate, loss, accuracy in ARTICLE_FIXED_RATES]


def _experiment(optimizer: str, learning_rate: float, profile: str | None, **options) -> Experiment:
    if profile is not None:
        options["profile"] = profile
    return Experiment(optimizer, learning_rate, **options)


# One rate per decade from 1e-7 to 1, plus the article's 0.5; for Adam (the article's code) and
# plain SGD (what the article's text names). The Adam runs the article made are shared with
# ``fixed_lr``: same experiment, same stored result.
SWEEP_RATES = (1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 0.5, 1.0)
SWEEP_OPTIMIZERS = ("adam", "sgd")


def sweep(profile: str | None = None) -> list[Scenario]:
    """Every rate of ``SWEEP_RATES`` with each optimizer of ``SWEEP_OPTIMIZERS``, 25 epochs each."""
    article = {(rate, "adam"): (loss, accuracy) for _, rate, loss, accuracy in ARTICLE_FIXED_RATES}
    return [Scenario(f"{optimizer} {rate:g}", _experiment(optimizer, rate, profile),
                     *article.get((rate, optimizer), (None, None)))
            for optimizer in SWEEP_OPTIMIZERS for rate in SWEEP_RATES]


GROUPS = {"fixed-lr": fixed_lr, "sweep": sweep}


def scenarios(group: str, profile: str | None = None) -> list[Scenario]:
    """The scenarios of one group (``GROUPS``) in the given profile (default: ``$LRLIB_PROFILE``)."""
    if group not in GROUPS:
        raise ValueError(f"Argument `group` must be one of {sorted(GROUPS)}. Received: group={group!r}")
    return GROUPS[group](profile)


def scenario(group: str, name: str, profile: str | None = None) -> Scenario:
    """One named scenario of a group."""
    found = {s.name: s for s in scenarios(group, profile)}
    if name not in found:
        raise ValueError(f"Argument `name` must be one of {sorted(found)}. Received: name={name!r}")
    return found[name]
