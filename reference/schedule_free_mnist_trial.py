"""The issue's quick trial, method or implementation: the article's CNN on MNIST (full profile:
48,000 training images, batch 250, 2 epochs, seed 0) with Adam at 0.001, Keras 3.15's
``ScheduleFreeAdamW`` and lrlib's faithful one, both at the reference's default rate 0.0025.
Prints each run's last-epoch training loss and validation accuracy, and its test accuracy: for
lrlib's at x (the evaluation weights, as the method prescribes) and at y; for Keras's at y (the
only weights it has). Trains in lrlib's environment, stores nothing:

    LRLIB_MNIST_PATH=... PYTHONPATH=. python reference/schedule_free_mnist_trial.py [epochs]

Its output on 2 shared CPU cores (TensorFlow 2, Keras 3.15.1, 2026-12-06), one seed each:
adam 0.001: training loss 0.093, validation accuracy 0.9832, test 0.9849; Keras's 0.0025:
0.083, 0.9828, test 0.9851 (at y); lrlib's 0.0025: 0.070, 0.9862, test 0.9878 at x (0.9884
at y). Keras's bug does not make it slow here; a training loss near 1 after 2 epochs is what
the quick profile gives (2,000 images, 14 steps: Adam 1.31, Keras's schedule-free 1.09).
"""

import sys

from lrlib import Experiment
from lrlib.schedule_free import ScheduleFreeEvaluation
from lrlib.training import compiled_model, fit, profile_data


def trial(optimizer: str, rate: float, epochs: int) -> dict:
    experiment = Experiment(optimizer, rate, epochs=epochs, profile="full")
    model = compiled_model(experiment)
    callbacks = [ScheduleFreeEvaluation()] if optimizer == "schedule_free_adamw" else []
    history = fit(experiment, model, callbacks).history
    data = profile_data("full")
    row = {"run": f"{optimizer} {rate:g}", "train loss": history["loss"][-1],
           "val accuracy": history["val_accuracy"][-1],
           "test accuracy": model.evaluate(data.x_test, data.y_test, batch_size=1000, verbose=0)[1]}
    if callbacks:
        model.optimizer.train_mode(model.trainable_variables)
        row["test accuracy at y"] = model.evaluate(data.x_test, data.y_test, batch_size=1000, verbose=0)[1]
    return row


if __name__ == "__main__":
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    for optimizer, rate in (("adam", 0.001), ("keras_schedule_free_adamw", 0.0025), ("schedule_free_adamw", 0.0025)):
        print(trial(optimizer, rate, epochs), flush=True)
