"""The small deterministic problem on which lrlib's optimizers are compared with their authors'
reference code (imported by the scripts of this folder; NumPy only, no lrlib, no framework).

A two-layer linear regression: prediction = (X @ W1 + b1) @ W2, loss = the mean of the squared
errors against Y, on a cycle of fixed batches. W1 (4x3) and W2 (3x2) start from a seeded normal
draw, b1 at zero (so that an optimizer meets a variable whose initial values are all zero, a
case the Prodigy reference treats apart). Everything the comparison needs is written into the
JSON file with the results, so that the test does not depend on NumPy's generator.
"""

from __future__ import annotations

import json
import pathlib
import sys
from importlib.metadata import version

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


def write_reference(name: str, package: str, trajectory, settings: dict, dtypes: dict) -> None:
    """Run ``trajectory(problem, setting, dtype)`` for each of ``settings`` and ``dtypes`` and write
    the problem, the results and the versions (of torch, ``package``, NumPy and Python) to
    ``lrlib/reference_values/<name>.json``, which ships with lrlib."""
    import torch

    data = problem()
    results = {label: {dtype_name: trajectory(data, setting, dtype) for dtype_name, dtype in dtypes.items()}
               for label, setting in settings.items()}
    out = {"problem": data, "results": results,
           "versions": {"torch": torch.__version__, package: version(package), "numpy": np.__version__,
                        "python": sys.version.split()[0]}}
    path = pathlib.Path(__file__).parents[1] / "lrlib" / "reference_values" / f"{name}.json"
    path.write_text(json.dumps(out) + "\n")
    print(f"wrote {path}")
