"""Reference values for lrlib's Prodigy: the authors' ``prodigyopt.Prodigy`` on the problem of
``problem.py``, for several settings, in float64 and float32. Writes ``lrlib/reference_values/prodigy.json``
beside this script, which ``tests/test_prodigy.py`` compares lrlib's Prodigy with, step by step.

Run it in a separate environment (the book's own environment has no PyTorch):

    python3 -m venv /work/refenv
    /work/refenv/bin/pip install torch prodigyopt schedulefree numpy
    /work/refenv/bin/python reference/prodigy_reference.py

(The CPU wheels from ``--index-url https://download.pytorch.org/whl/cpu`` are smaller; that
index was unreachable here, so the values committed were made with torch 2.14.1 from PyPI,
prodigyopt 1.1.2, numpy 2.4.6, Python 3.11; the script records the versions it ran with.)
"""

from __future__ import annotations

import pathlib
import sys

import numpy as np
import prodigyopt
import torch

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from problem import problem, write_reference  # noqa: E402

# Each setting: the keyword arguments of prodigyopt.Prodigy (the names lrlib's Prodigy takes
# are in the test). The default one is what the book trains with.
SETTINGS = {
    "default": {},
    "bias correction, decoupled decay, growth, d_coef 0.5": {
        "use_bias_correction": True, "weight_decay": 0.01, "growth_rate": 1.5, "d0": 1e-3, "d_coef": 0.5},
    "safeguard warm-up, decoupled decay, growth": {
        "safeguard_warmup": True, "weight_decay": 0.01, "growth_rate": 1.5, "d0": 1e-3},
    "coupled decay, beta3, slices, rate 0.5": {
        "weight_decay": 0.05, "decouple": False, "beta3": 0.95, "slice_p": 2, "lr": 0.5, "d0": 1e-4},
    "no first moment, d_coef 2": {"betas": (0.0, 0.99), "d_coef": 2.0, "eps": 1e-6},
}


def loss_of(params, x, y):
    w1, b1, w2 = params
    return torch.mean(((x @ w1 + b1) @ w2 - y) ** 2)


def trajectory(data: dict, settings: dict, dtype) -> dict:
    params = [torch.tensor(data["initial"][name], dtype=dtype, requires_grad=True) for name in ("W1", "b1", "W2")]
    optimizer = prodigyopt.Prodigy(params, **settings)
    xs, ys = torch.tensor(data["x"], dtype=dtype), torch.tensor(data["y"], dtype=dtype)
    steps = []
    for step in range(data["steps"]):
        batch = step % len(xs)
        optimizer.zero_grad()
        loss = loss_of(params, xs[batch], ys[batch])
        loss.backward()
        optimizer.step()
        group = optimizer.param_groups[0]
        steps.append({"loss": float(loss.detach()), "d": float(group["d"]),
                      "params": {name: p.detach().numpy().astype(np.float64).tolist()
                                 for name, p in zip(("W1", "b1", "W2"), params)}})
    return {"settings": {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()}, "steps": steps}


def main() -> None:
    write_reference("prodigy", "prodigyopt", trajectory, SETTINGS, {"float64": torch.float64, "float32": torch.float32})


if __name__ == "__main__":
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    main()
