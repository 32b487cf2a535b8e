"""Instant feedback on the book's exercises: ``checks.<name>(answer)`` says right or gives a hint.

Each exercise labelled ``ex-some-name`` in the book has the check ``checks.some_name``. Each
failed try of the same exercise gets a more specific hint: first the form the answer must have,
then the first wrong value, then the idea. The right answers are computed by lrlib from the
results the chapter uses, in whichever profile you run, never typed in.

    >>> from lrlib import checks
    >>> checks.adaptive_stable_rate(0.02)
    Right! (ex-adaptive-stable-rate)
"""

from . import adaptive, after, cycles, decay, fixed_rates, range_test, schemes, summary  # noqa: F401  (each part registers its checks)
from ._core import Check, Feedback, Mistake, all_checks, checks_of, reset, scores

__all__ = ["Check", "Feedback", "Mistake", "all_checks", "checks_of", "reset", "scores"]


def __getattr__(name: str) -> Check:
    for check in all_checks().values():
        if check.name == name:
            return check
    raise AttributeError(f"lrlib.checks has no check {name!r}; the checks are: "
                         + ", ".join(sorted(check.name for check in all_checks().values())))


def __dir__() -> list[str]:
    return sorted([*__all__, *(check.name for check in all_checks().values())])
