"""Training throughput of ``lrlib.train`` against a plain ``model.fit`` of the same model.

Both sides train the article's CNN on the same profile data with the same optimizer, batch size
and validation split; rounds alternate in one process so that machine load hits both alike.
Throughput counts training images per second of ``fit`` (lrlib's ``train_time_s``; a timer
around ``fit`` for the plain side). Target: ratio >= 0.97.

    python benchmarks/throughput.py [--profile quick] [--epochs 5] [--rounds 5]
"""

from __future__ import annotations

import statistics

import lrlib
from common import fit_seconds, parse_arguments, training_images


def main() -> None:
    args = parse_arguments(__doc__.splitlines()[0])

    experiment = lrlib.Experiment("adam", 0.001, epochs=args.epochs, profile=args.profile)
    images = training_images(experiment)
    lrlib.train(experiment, verbose=False)  # warm-up: graph tracing, data loading
    fit_seconds(experiment)
    ours, plain = [], []
    for _ in range(args.rounds):
        ours.append(images / lrlib.train(experiment, verbose=False).train_time_s)
        plain.append(images / fit_seconds(experiment))
    ratio = statistics.median(ours) / statistics.median(plain)
    print(f"profile {args.profile}, {experiment.effective_epochs} epochs, {args.rounds} alternating rounds")
    print(f"lrlib.train : {statistics.median(ours):8.0f} images/s (rounds: {', '.join(f'{v:.0f}' for v in ours)})")
    print(f"model.fit   : {statistics.median(plain):8.0f} images/s (rounds: {', '.join(f'{v:.0f}' for v in plain)})")
    print(f"ratio (median lrlib / median plain): {ratio:.3f}  (target >= 0.97)")


if __name__ == "__main__":
    main()
