"""Cost of a learning-rate range test against one training epoch of the article's CNN.

One side runs ``lrlib.range_test`` with the book's settings (100 batches from 1e-7 to 10, batches
of 250, Adam), all 100 batches (the stop rule is switched off: the worst case); the other runs one epoch of ``model.fit`` on the same training split. Rounds
alternate in one process so that machine load hits both alike. Target: ratio <= 1 (a range test
costs at most one epoch).

    python benchmarks/range_test_cost.py [--profile full] [--rounds 3]
"""

from __future__ import annotations

import statistics
import time

import lrlib
from common import fit_seconds, parse_arguments
from lrlib import range_test
from lrlib.training import compiled_model, profile_data, split_sizes


def range_test_seconds(plan: range_test.RangeTestPlan) -> float:
    """Seconds of one range test of ``plan`` (set-up excluded, as for the epoch)."""
    experiment = plan.experiment
    data = profile_data(experiment.profile)
    training_images = split_sizes(experiment)[0]
    model = compiled_model(experiment)
    started = time.perf_counter()
    range_test.range_test(model, data.x_train[:training_images], data.y_train[:training_images], start=plan.start,
                          end=plan.end, steps=plan.steps, batch_size=experiment.batch_size, stop_factor=1e9)
    return time.perf_counter() - started


def main() -> None:
    args = parse_arguments(__doc__.splitlines()[0], profile="full", rounds=3)
    epoch = lrlib.Experiment("adam", 0.001, epochs=1, profile=args.profile)
    plan = range_test.RangeTestPlan(epoch, steps=range_test.DEFAULT_STEPS)
    range_test_seconds(plan)  # warm-up: graph tracing, data loading
    fit_seconds(epoch)
    tests, epochs = [], []
    for _ in range(args.rounds):
        tests.append(range_test_seconds(plan))
        epochs.append(fit_seconds(epoch))
    ratio = statistics.median(tests) / statistics.median(epochs)
    print(f"profile {args.profile}, {plan.steps} range-test batches of {epoch.batch_size}, {args.rounds} alternating rounds")
    print(f"range test : {statistics.median(tests):6.1f} s (rounds: {', '.join(f'{v:.1f}' for v in tests)})")
    print(f"one epoch  : {statistics.median(epochs):6.1f} s (rounds: {', '.join(f'{v:.1f}' for v in epochs)})")
    print(f"ratio (median range test / median epoch): {ratio:.2f}  (target <= 1)")


if __name__ == "__main__":
    main()
