"""Reference values for schedule-free AdamW: the authors' ``schedulefree.AdamWScheduleFree`` on
the problem of ``problem.py``, for four settings, in float64 and float32. Writes
``lrlib/reference_values/schedule_free.json`` (shipped with lrlib); ``tests/test_schedule_free.py`` compares
lrlib's ``ScheduleFreeAdamW`` and Keras's ``keras.optimizers.ScheduleFreeAdamW`` with it.

Run it in a separate environment (the book's own environment has no PyTorch):

    python3 -m venv /work/refenv
    /work/refenv/bin/pip install torch prodigyopt schedulefree numpy
    /work/refenv/bin/python reference/schedule_free_reference.py

(``--index-url https://download.pytorch.org/whl/cpu`` gives smaller CPU wheels; that index was
unreachable here, so the committed values were made with torch 2.14.1 from PyPI, schedulefree
1.4.1, numpy 2.4.6, Python 3.11; the script records the versions it ran with.)

After each step it records y (the weights the model trains at, what the optimizer leaves in the
parameters in train mode) and x (the weights to evaluate, what ``optimizer.eval()`` puts there),
the latter computed on copies with the same ``lerp`` as ``eval()``, so that recording does not
perturb the run. The rates are powers of two: Keras keeps a rate in float32, and 0.0025 (the
default) would not be the same number in a float64 comparison.
"""

from __future__ import annotations

import pathlib
import sys

import numpy as np
import schedulefree
import torch

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from problem import problem, write_reference  # noqa: E402

SETTINGS = {
    "default, rate 2^-8": {"lr": 2.0 ** -8},
    "warm-up 10, weight decay 0.01, rate 2^-5": {"lr": 2.0 ** -5, "warmup_steps": 10, "weight_decay": 0.01},
    "beta1 0.95, beta2 0.99, r 1, weight_lr_power 1, rate 2^-6": {
        "lr": 2.0 ** -6, "betas": (0.95, 0.99), "r": 1.0, "weight_lr_power": 1.0},
    # Gradients taken at the average x itself ("primal averaging"): what Keras 3.15's step
    # computes whatever its beta_1 (tests/test_schedule_free.py).
    "beta1 1 (primal averaging), rate 2^-8": {"lr": 2.0 ** -8, "betas": (1.0, 0.999)},
}
NAMES = ("W1", "b1", "W2")


def loss_of(params, x, y):
    w1, b1, w2 = params
    return torch.mean(((x @ w1 + b1) @ w2 - y) ** 2)


def trajectory(data: dict, settings: dict, dtype) -> dict:
    params = [torch.tensor(data["initial"][name], dtype=dtype, requires_grad=True) for name in NAMES]
    optimizer = schedulefree.AdamWScheduleFree(params, **settings)
    beta1 = optimizer.param_groups[0]["betas"][0]
    optimizer.train()
    xs, ys = torch.tensor(data["x"], dtype=dtype), torch.tensor(data["y"], dtype=dtype)
    steps = []
    for step in range(data["steps"]):
        batch = step % len(xs)
        optimizer.zero_grad()
        loss = loss_of(params, xs[batch], ys[batch])
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            x_weights = [p.detach().clone().lerp_(end=optimizer.state[p]["z"], weight=1 - 1 / beta1) for p in params]
        steps.append({"loss": float(loss.detach()),
                      "y": {n: p.detach().numpy().astype(np.float64).tolist() for n, p in zip(NAMES, params)},
                      "x": {n: p.numpy().astype(np.float64).tolist() for n, p in zip(NAMES, x_weights)}})
    return {"settings": {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()}, "steps": steps}


def main() -> None:
    write_reference("schedule_free", "schedulefree", trajectory, SETTINGS, {"float64": torch.float64, "float32": torch.float32})


if __name__ == "__main__":
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    main()
