"""Seconds per run with compiled models shared between runs (``lrlib.model_cache``) and with a
new model compiled for every run, in one process with alternating rounds.

Each round trains the runs of one group in the catalogue's order, as a chapter does: by
default the quick profile's ``decay-grid`` (Adam and SGD, two initial rates, the fixed rate
and two decays, 3 epochs each: six kinds of run, each twice), so that the second run of each
kind can share the first one's model. The fresh side releases the shared models
before every run, as lrlib did before it shared them. Both sides give the same numbers, to the
bit (``tests/test_model_cache.py``); only the time differs.

    python benchmarks/shared_models.py [--profile quick] [--rounds 2] [--group decay-grid]
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time

import lrlib
from common import alternating_rounds, print_medians
from lrlib import catalog, model_cache, train
from lrlib.training import profile_data


def seconds_per_run(experiments, share: bool) -> float:
    model_cache.release()
    started = time.perf_counter()
    for experiment in experiments:
        if not share:
            model_cache.release()
        train(experiment, verbose=False)
    return (time.perf_counter() - started) / len(experiments)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="quick", choices=sorted(lrlib.PROFILES))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--group", default="decay-grid", choices=sorted(catalog.GROUPS))
    args = parser.parse_args()
    experiments = [s.experiment for s in catalog.scenarios(args.group, args.profile)
                   if isinstance(s.experiment, lrlib.Experiment)]  # a range test's plan is not a run
    if not experiments:
        parser.error(f"argument --group: {args.group} has no training runs in the {args.profile} profile")
    seconds_per_run(experiments[:2], share=True)  # warm-up: the data loaded, TensorFlow started
    measured = alternating_rounds({side: functools.partial(seconds_per_run, experiments, share=side == "shared")
                                   for side in ("shared", "fresh")}, args.rounds)
    input_shape = profile_data(args.profile).input_shape
    kinds = len({model_cache.trace_key(e, input_shape) for e in experiments})
    print(f"profile {args.profile}, group {args.group}: {len(experiments)} runs of {experiments[0].effective_epochs} epochs "
          f"({kinds} kinds), {args.rounds} alternating rounds")
    print_medians(measured, "s per run")
    ratio = statistics.median(measured["fresh"]) / statistics.median(measured["shared"])
    print(f"shared models train {ratio:.2f} times as many runs per minute as a new model per run")


if __name__ == "__main__":
    main()
