"""The article's decay functions, rebuilt as the article describes them, errors included.

They exist only so that the course can run them next to ``lrlib.schedules`` and show what
goes wrong; do not train with them. Each one takes ``(epoch)`` like the article's functions,
which it hands to Keras's ``LearningRateScheduler``.

- ``linear_decay`` and ``time_decay`` keep state between calls (the article uses ``global``
  variables): the rate depends on how many times the function was called, not on the epoch.
  We keep that state in a closure, so that each ``make_*`` call gives a fresh "module".
- ``step_decay`` computes the drop from ``1 + epoch``: with Keras counting epochs from 0, the
  first drop comes one epoch early.
"""

from __future__ import annotations

import math
from collections.abc import Callable

# The constants the article's code uses.
ARTICLE_LINEAR_DECAY = 0.00001
ARTICLE_DROP_BY = 0.5
ARTICLE_DROP_EVERY = 15
ARTICLE_TIME_DECAY = 0.0000015
# What the article's text says the successive step-decay drops are.
ARTICLE_STATED_DROPS = (0.5, 0.025, 0.0125)


def make_linear_decay(initial_rate: float, decay: float = ARTICLE_LINEAR_DECAY) -> Callable[[int], float]:
    """The article's linear decay: every *call* subtracts ``decay`` from a shared rate."""
    state = {"rate": initial_rate}

    def linear_decay(epoch: int) -> float:
        state["rate"] = state["rate"] - decay
        return max(state["rate"], 0)

    return linear_decay


def step_decay(epoch: int, initial_rate: float, drop_by: float = ARTICLE_DROP_BY,
               drop_every: int = ARTICLE_DROP_EVERY) -> float:
    """The article's step decay: ``initial * drop_by ** floor((1 + epoch) / drop_every)``."""
    return initial_rate * math.pow(drop_by, math.floor((1 + epoch) / drop_every))


def make_time_decay(initial_rate: float, decay: float = ARTICLE_TIME_DECAY) -> Callable[[int], float]:
    """The article's time decay: every call multiplies a shared rate by ``1 / (1 + decay * epoch)``."""
    state = {"rate": initial_rate}

    def time_decay(epoch: int) -> float:
        state["rate"] *= 1 / (1 + decay * epoch)
        return state["rate"]

    return time_decay


def rates_over(schedule: Callable[[int], float], epochs: int, start_epoch: int = 0) -> list[float]:
    """The rates Keras's ``LearningRateScheduler`` would set, calling ``schedule`` once at the
    start of each epoch from ``start_epoch`` (as a resumed ``fit(initial_epoch=...)`` does)."""
    return [schedule(epoch) for epoch in range(start_epoch, epochs)]
