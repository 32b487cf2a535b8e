"""Numbers for the part "After the article": lrlib's schedule-free AdamW and Prodigy (and Keras
3.15's schedule-free AdamW) against the values their authors' reference code produced on the
small problem of ``reference/problem.py`` (``lrlib/reference_values/*.json``, made in a separate
environment with PyTorch). The tests (``tests/test_schedule_free.py``, ``tests/test_prodigy.py``)
compare every setting; the chapter quotes these summaries, computed when it runs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

NAMES = ("W1", "b1", "W2")
REFERENCE_VALUES = Path(__file__).resolve().parents[1] / "reference_values"  # shipped with lrlib


def reference_values(name: str, folder: str | Path | None = None) -> dict:
    """The stored reference values ``name`` (``"schedule_free"`` or ``"prodigy"``), read from
    ``lrlib/reference_values/<name>.json`` (shipped with lrlib, so a Colab learner has them), or
    from ``folder``."""
    if name not in ("schedule_free", "prodigy"):
        raise ValueError(f"Argument `name` must be 'schedule_free' or 'prodigy'. Received: name={name!r}")
    folder = REFERENCE_VALUES if folder is None else Path(folder)
    path = folder / f"{name}.json"
    if not path.exists():
        raise FileNotFoundError(f"Argument `folder` must hold {name}.json, the reference values "
                                f"(reference/{name}_reference.py writes them). Received: folder={str(folder)!r}")
    return json.loads(path.read_text())


def _run(optimizer, problem: dict, dtype: str, record_x: bool = False) -> list[dict]:
    """``optimizer`` on the reference problem, eager steps as the tests take them: the weights
    after each step (and, with ``record_x``, schedule-free's evaluation weights x), and Prodigy's d."""
    import keras
    import tensorflow as tf

    variables = [keras.Variable(np.array(problem["initial"][n]), dtype=dtype, name=n) for n in NAMES]
    xs, ys = np.array(problem["x"], dtype=dtype), np.array(problem["y"], dtype=dtype)
    steps = []
    for step in range(problem["steps"]):
        watched = [v.value for v in variables]
        with tf.GradientTape() as tape:
            w1, b1, w2 = watched
            loss = tf.reduce_mean(((xs[step % len(xs)] @ w1 + b1) @ w2 - ys[step % len(ys)]) ** 2)
        optimizer.apply(tape.gradient(loss, watched), variables)
        record = {"y": {n: v.numpy().astype("float64") for n, v in zip(NAMES, variables)}}
        if record_x:
            record["x"] = {n: keras.ops.convert_to_numpy(w).astype("float64")
                           for n, w in zip(NAMES, optimizer.evaluation_weights(variables))}
        if hasattr(optimizer, "d"):
            record["d"] = optimizer.d
        steps.append(record)
    return steps


def _largest(expected: list[dict], got: list[dict], key: str) -> float:
    return max(float(np.max(np.abs(np.array(e[key][n]) - g[key][n]))) for e, g in zip(expected, got) for n in NAMES)


def schedule_free_comparison(reference: dict, setting: str = "default, rate 2^-8") -> pd.DataFrame:
    """lrlib's ``ScheduleFreeAdamW`` and Keras 3.15's ``keras.optimizers.ScheduleFreeAdamW`` (as
    lrlib registers it, ``KerasScheduleFreeAdamW``) on the reference problem in float64 at the
    reference's ``setting`` (no warm-up, no decay): the largest difference of the training
    weights y from the reference's after the first step and over all steps, from the reference
    run with beta_1 = 1 (primal averaging) over all steps, and how far y moved from the start."""
    from ..schedule_free import KerasScheduleFreeAdamW, ScheduleFreeAdamW

    runs = reference["results"]
    if setting not in runs:
        raise ValueError(f"Argument `setting` must be one of {sorted(runs)}. Received: setting={setting!r}")
    settings = runs[setting]["float64"]["settings"]
    if set(settings) != {"lr"}:
        raise ValueError(f"Argument `setting` must be a setting with a rate only (Keras's warm-up and decay differ "
                         f"by design). Received: setting={setting!r} ({settings})")
    expected = runs[setting]["float64"]["steps"]
    primal = runs["beta1 1 (primal averaging), rate 2^-8"]["float64"]["steps"]
    start = [{"y": reference["problem"]["initial"]}]
    rows = {}
    for label, optimizer in (("lrlib ScheduleFreeAdamW", ScheduleFreeAdamW(learning_rate=settings["lr"])),
                             ("Keras 3.15 ScheduleFreeAdamW", KerasScheduleFreeAdamW(learning_rate=settings["lr"]))):
        got = _run(optimizer, reference["problem"], "float64")
        rows[label] = {"after step 1": _largest(expected[:1], got[:1], "y"),
                       "over all steps": _largest(expected, got, "y"),
                       "from the reference at beta_1 = 1": _largest(primal, got, "y") if settings["lr"] == 2.0 ** -8
                       else np.nan,
                       "largest move of a weight": _largest(start, got[-1:], "y")}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = f"largest |y - reference y| ({setting}, {len(expected)} steps, float64)"
    return table


def prodigy_comparison(reference: dict, settings: tuple[str, ...] = ("default",),
                       dtypes: tuple[str, ...] = ("float64", "float32")) -> pd.DataFrame:
    """lrlib's ``Prodigy`` against ``prodigyopt.Prodigy``'s stored steps: for each setting and
    dtype, the largest absolute difference of the weights and of d over all steps, and the
    reference's d after the first and the last step."""
    from ..prodigy import Prodigy

    renamed = {"lr": "learning_rate", "eps": "epsilon", "beta3": "beta_3"}
    rows = []
    for setting in settings:
        if setting not in reference["results"]:
            raise ValueError(f"Argument `settings` holds {setting!r}, which the reference does not have "
                             f"({sorted(reference['results'])}). Received: settings={settings!r}")
        for dtype in dtypes:
            stored = reference["results"][setting][dtype]
            options = {renamed.get(k, k): v for k, v in stored["settings"].items() if k != "betas"}
            if "betas" in stored["settings"]:
                options["beta_1"], options["beta_2"] = stored["settings"]["betas"]
            got = _run(Prodigy(**options), reference["problem"], dtype)
            expected = [{"y": s["params"], "d": s["d"]} for s in stored["steps"]]
            rows.append({"setting": setting, "dtype": dtype, "weights": _largest(expected, got, "y"),
                         "d": max(abs(e["d"] - g["d"]) for e, g in zip(expected, got)),
                         "d after step 1": expected[0]["d"], "d after the last step": expected[-1]["d"]})
    return pd.DataFrame(rows).set_index(["setting", "dtype"])
