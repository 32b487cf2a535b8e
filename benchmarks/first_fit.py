"""The set-up a new kind of run pays in its first ``fit``: tracing the train and test steps.

lrlib's ``model_cache.compile_cnn`` makes the optimizer's and the metrics' variables when it
compiles, so that TensorFlow traces the train step once; a plain ``model.compile`` leaves the
metrics to the first trace, and TensorFlow then traces the step a second time. Each round builds
a new model both ways and times its first one-epoch ``fit`` minus a second, warm one (so only the
set-up is left); rounds alternate in one process.

    python benchmarks/first_fit.py [--profile quick] [--rounds 8]
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time

import keras

import lrlib
from common import alternating_rounds, print_medians
from lrlib import model_cache
from lrlib.training import profile_data


def plain_compile(model: keras.Model, optimizer: keras.optimizers.Optimizer) -> None:
    """``compile_cnn`` without making the metrics' variables (the optimizer is built, as before)."""
    model.compile(optimizer=optimizer, **model_cache.LOSS_AND_METRICS)
    optimizer.build(model.trainable_variables)


def set_up_seconds(compile_model, x, y) -> float:
    """Seconds of a new model's first one-epoch ``fit`` on ``x``, ``y`` beyond a second, warm one."""
    keras.backend.clear_session()
    model = model_cache.seeded_cnn(0, x.shape[1:])
    compile_model(model, keras.optimizers.Adam(0.001))
    seconds = []
    for _ in range(2):
        started = time.perf_counter()
        model.fit(x, y, batch_size=250, epochs=1, verbose=0)
        seconds.append(time.perf_counter() - started)
    return seconds[0] - seconds[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="quick", choices=sorted(lrlib.PROFILES))
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    data = profile_data(args.profile)
    x, y = data.x_train[:500], data.y_train[:500]
    sides = {"compile_cnn": model_cache.compile_cnn, "plain compile": plain_compile}
    for compile_model in sides.values():  # warm-up: TensorFlow started, the data loaded
        set_up_seconds(compile_model, x, y)
    measured = alternating_rounds({name: functools.partial(set_up_seconds, compile_model, x, y)
                                   for name, compile_model in sides.items()}, args.rounds)
    print(f"set-up of a first fit (first minus a warm one-epoch fit of 500 images), {args.rounds} alternating rounds")
    print_medians(measured, "s")
    ratio = statistics.median(measured["plain compile"]) / statistics.median(measured["compile_cnn"])
    print(f"a plain compile's set-up is {ratio:.2f} times compile_cnn's")


if __name__ == "__main__":
    main()
