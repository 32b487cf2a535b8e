"""The small deterministic problem on which lrlib's optimizers are compared with their authors'
reference code (imported by the scripts of this folder; NumPy only, no lrlib, no framework).

A two-layer linear regression: prediction = (X @ W1 + b1) @ W2, loss = the mean of the squared
errors against Y, on a cycle of fixed batches. W1 (4x3) and W2 (3x2) start from a seeded normal
draw, b1 at zero (so that an optimizer meets a variable whose initial values are all zero, a
case the Prodigy reference treats apart). Everything the comparison needs is written into the
JSON file with the results, so that the test does not depend on NumPy's generator.
"""

from __future__ import annotations

import numpy as np

STEPS = 30
BATCHES = 5
BATCH_SIZE = 8


def problem() -> dict:
    """The initial weights (names in order) and the batches, as nested lists of floats."""
    rng = np.random.default_rng(20231017)
    true_w = rng.normal(size=(4, 2))
    xs = rng.normal(size=(BATCHES, BATCH_SIZE, 4))
    ys = xs @ true_w + 0.1 * rng.normal(size=(BATCHES, BATCH_SIZE, 2))
    return {
        "initial": {"W1": (0.5 * rng.normal(size=(4, 3))).tolist(), "b1": np.zeros(3).tolist(),
                    "W2": (0.5 * rng.normal(size=(3, 2))).tolist()},
        "x": xs.tolist(), "y": ys.tolist(), "steps": STEPS,
    }
