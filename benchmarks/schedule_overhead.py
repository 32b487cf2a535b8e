"""Training throughput with an in-graph schedule and with a per-batch Python callback, each
against a fixed rate, in one process with alternating rounds. Target: in-graph >= 0.97.

The in-graph side is ``lrlib.schedules`` through its Keras wrapper: the rate is computed from the
optimizer's step inside the compiled train step. The callback side sets the same rates from
Python before every batch, the way per-batch schedulers are often written; that makes Keras
call back into Python at every step.

    python benchmarks/schedule_overhead.py [--profile quick] [--epochs 5] [--rounds 5]
"""

from __future__ import annotations

import statistics

import keras

import lrlib
from common import fit_seconds, parse_arguments, training_images
from lrlib import schedules
from lrlib.training import steps_per_epoch


class PerBatchRate(keras.callbacks.Callback):
    """Sets the optimizer's rate from Python before each batch."""

    def __init__(self, schedule: schedules.Schedule):
        super().__init__()
        self.schedule, self.step = schedule, 0

    def on_train_batch_begin(self, batch, logs=None):
        self.model.optimizer.learning_rate = float(self.schedule.values(self.step))
        self.step += 1


def main() -> None:
    args = parse_arguments(__doc__.splitlines()[0])

    experiment = lrlib.Experiment("sgd", 0.1, epochs=args.epochs, profile=args.profile)
    schedule = schedules.step_decay(0.1, 0.5, epochs_per_drop=1, steps_per_epoch=steps_per_epoch(experiment))
    sides = {
        "fixed rate": lambda: fit_seconds(experiment),
        "in-graph schedule": lambda: fit_seconds(experiment, keras.optimizers.SGD(learning_rate=schedule.keras())),
        "per-batch callback": lambda: fit_seconds(experiment, keras.optimizers.SGD(learning_rate=0.1),
                                                  [PerBatchRate(schedule)]),
    }
    images = training_images(experiment)
    for measure in sides.values():  # warm-up
        measure()
    throughput = {name: [] for name in sides}
    for _ in range(args.rounds):
        for name, measure in sides.items():
            throughput[name].append(images / measure())
    fixed = statistics.median(throughput["fixed rate"])
    print(f"profile {args.profile}, {experiment.effective_epochs} epochs, {args.rounds} alternating rounds")
    for name, values in throughput.items():
        median = statistics.median(values)
        print(f"{name:>19}: {median:8.0f} images/s  ratio to fixed {median / fixed:.3f}  "
              f"(rounds: {', '.join(f'{v:.0f}' for v in values)})")
    print("target: in-graph schedule >= 0.97 of the fixed rate")


if __name__ == "__main__":
    main()
