"""Data profiles: how much of MNIST a run sees and how many epochs it may take.

``full`` is the article's setup. ``quick`` keeps a chapter near a minute on two CPU cores while
the phenomena stay visible (Adam at 0.5 and at 1e-7 stays at chance, at 1e-5 it learns slowly,
SGD at 0.5 learns); CI and nbval use it. Its 2,000 training images make 7 steps of the
article's batch of 250 per epoch after the validation split: a run's cost is mostly those steps
(``benchmarks/chapter_times.py``). ``tiny`` is for unit tests.
"""

from __future__ import annotations

import dataclasses
import os

ENV_PROFILE = "LRLIB_PROFILE"


@dataclasses.dataclass(frozen=True)
class Profile:
    name: str
    n_train: int | None  # None: all 60,000 training images
    n_test: int | None  # None: all 10,000 test images
    max_epochs: int | None  # None: as many as the experiment asks

    def epochs(self, requested: int) -> int:
        """The epochs a run of ``requested`` epochs gets in this profile."""
        return requested if self.max_epochs is None else min(requested, self.max_epochs)


PROFILES = {
    "full": Profile("full", n_train=None, n_test=None, max_epochs=None),
    "quick": Profile("quick", n_train=2000, n_test=2000, max_epochs=5),
    "tiny": Profile("tiny", n_train=600, n_test=200, max_epochs=2),
}


def default_profile() -> str:
    """The profile named by ``$LRLIB_PROFILE``, else ``full``; a name that is no profile is a
    ``ValueError`` naming the variable, which the user set, rather than an argument."""
    name = os.environ.get(ENV_PROFILE) or "full"
    if name not in PROFILES:
        raise ValueError(f"Environment variable {ENV_PROFILE} must be one of {sorted(PROFILES)} (or unset). "
                         f"Received: {ENV_PROFILE}={name!r}")
    return name


def get_profile(name: str) -> Profile:
    if name not in PROFILES:
        raise ValueError(f"Argument `profile` must be one of {sorted(PROFILES)}. Received: profile={name!r}")
    return PROFILES[name]


def use_profile(name: str) -> str:
    """Run everything after this call in profile ``name``; return the name.

    It sets ``$LRLIB_PROFILE``, the one place every part reads: ``default_profile``, so new
    experiments and the catalogue's scenarios, the checks' expected answers, and the worker
    processes ``run_many`` starts (they inherit the environment). A learner's notebook calls it in
    one visible line, ``lrlib.use_profile("quick")``, and the grader reads the same variable
    back, so all three agree. (No doctest here: it would switch the profile of the test session.)
    """
    if not isinstance(name, str) or name not in PROFILES:
        raise ValueError(f"Argument `name` must be one of {sorted(PROFILES)}. Received: name={name!r}")
    os.environ[ENV_PROFILE] = name
    return name
