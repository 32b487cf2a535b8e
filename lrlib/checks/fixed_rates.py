"""Checks for the introduction and the chapters on fixed learning rates (01 to 05)."""

from __future__ import annotations

import math

import numpy as np

from ._core import Check, Mistake, register

_INTRO = "01_introduction"
_PRIMER = "01_primer"
_DECIDING = "01_when_is_a_difference_real"
_BASELINE = "02_baseline"
_LARGE = "03_too_large"
_SMALL = "04_too_small"
_WASTE = "05_fixed_rates_waste"


def _fixed_run(name: str, profile: str | None = None):
    from ..catalog import scenario
    from ..training import run

    return run(scenario("fixed-lr", name, profile).experiment, verbose=False)


# --- 01: the introduction --------------------------------------------------------------------

def _flattened_size() -> int:
    import keras

    from ..model import build_cnn

    flatten = next(layer for layer in build_cnn().layers if isinstance(layer, keras.layers.Flatten))
    return int(flatten.output.shape[-1])


def _outcome_kind(answer):
    """A run's outcome as its kind ("stuck at chance"): from a Result, an Outcome or the text."""
    from ..results import Outcome, Result

    if isinstance(answer, Result):
        answer = answer.outcome
    return answer.kind if isinstance(answer, Outcome) else answer


# --- 01: the primer and how the book decides ---------------------------------------------------

_PRIMER_CURVATURE = 4.0


def _largest_stable_rate(curvature: float = _PRIMER_CURVATURE) -> float:
    """The largest rate at which plain gradient descent on ``curvature * w**2 / 2`` does not
    run away: each step multiplies w by 1 - rate * curvature, which must stay within [-1, 1]."""
    return 2.0 / curvature


def _first_moves(rate: float = 0.1, swapped: bool = False) -> dict:
    """How far the first step of SGD and of Adam moves w on the primer's steeper valley
    (curvature 4, from w = 1): SGD by the rate times the gradient, Adam by about the rate."""
    from ..report.fixed_rates import descent_path

    moves = {rule: float(abs(descent_path(rate, rule, curvature=_PRIMER_CURVATURE, steps=1)[1] - 1.0))
             for rule in ("sgd", "adam")}
    return {"sgd": moves["adam"], "adam": moves["sgd"]} if swapped else moves


def _sampling_images(single: bool = False, z: float | None = None) -> int:
    from ..report import noise

    a, b, n = 0.96, 0.95, 2_000
    if single:
        return round(noise.sampling_error(a, n) * n)
    error = noise.difference_sampling_error(a, b, n)
    return round(error * (1 if z is None else z / noise.Z_95) * n)


def _repeats(optimizer: str, rate: float, epochs: int = 10):
    from ..report import noise

    return next(group for group in noise.stored_repeats() if (group[0].experiment.optimizer,
                group[0].experiment.learning_rate, group[0].experiment.epochs) == (optimizer, rate, epochs))


def _sgd_against_adam(metric: str = "val_accuracy") -> dict:
    from ..report import noise

    found = noise.compare(_repeats("sgd", 0.1), _repeats("adam", 0.01), metric)
    return {"difference in images": found.images, "margin in images": found.noise.margin_images,
            "verdict": found.verdict}


# --- 02: the baseline ------------------------------------------------------------------------

def _article_gaps(fraction: bool = False) -> list[float]:
    from .. import report
    from ..catalog import scenarios
    from ..training import run_many

    fixed = scenarios("fixed-lr")
    results = run_many([s.experiment for s in fixed])
    if fraction:
        return [abs(r.test_accuracy - s.article_test_accuracy) for s, r in zip(fixed, results)]
    return report.gaps_in_images(fixed, results)


def _signed_images() -> list[int]:
    from .. import report
    from ..catalog import scenarios
    from ..training import run_many

    fixed = scenarios("fixed-lr")
    results = run_many([s.experiment for s in fixed])
    return [round((r.test_accuracy - s.article_test_accuracy) * report.test_images(r)) for s, r in zip(fixed, results)]


def _early_stopping(patience: int = 3, shift: int = 0, restored_is_last: bool = False) -> dict[str, int]:
    """What early stopping does on the book's stored 25-epoch baseline, in every profile: the
    quick profile's five epochs all lower the validation loss, so nothing would stop there."""
    from .. import report

    stop = report.early_stopping(_fixed_run("baseline", report.BOOK_PROFILE).history["val_loss"], patience)
    if restored_is_last:
        stop["weights from epoch"] = stop["stops after epoch"]
    return {key: value + shift for key, value in stop.items()}


# --- 03: too large ---------------------------------------------------------------------------

def _blind_loss(split: str = "training") -> float:
    from .. import report

    experiment = _fixed_run("too large").experiment
    if split == "training":
        return report.best_constant_guess(experiment)["loss"]
    shares = report.class_shares(report.split_labels(experiment)[split])
    shares = shares[shares > 0]
    return float(-(shares * np.log(shares)).sum())


_GRADIENTS = (1e-8, 1e-6, 1e-4)
_RATE = 0.5


def _adam_first_steps() -> list[float]:
    """Keras's Adam, one step at rate 0.5 from 0, for each gradient of ``_GRADIENTS``."""
    import keras

    steps = []
    for gradient in _GRADIENTS:
        weight = keras.Variable([0.0])
        keras.optimizers.Adam(learning_rate=_RATE).apply([keras.ops.convert_to_tensor([gradient])], [weight])
        steps.append(-float(keras.ops.convert_to_numpy(weight)[0]))
    return steps


def _textbook_adam_first_steps() -> list[float]:
    # The bias-corrected textbook form, epsilon added after the correction: rate g / (|g| + 1e-7).
    return [_RATE * g / (g + 1e-7) for g in _GRADIENTS]


# --- 04: too small ---------------------------------------------------------------------------

def _budget(steps_per_epoch: int | None = None, epochs: int | None = None) -> float:
    from ..training import steps_per_epoch as keras_steps

    tiny = _fixed_run("too small")
    steps = keras_steps(tiny.experiment) if steps_per_epoch is None else steps_per_epoch
    return (tiny.epochs_run if epochs is None else epochs) * steps * tiny.experiment.learning_rate


def _all_images_steps() -> int:
    from ..training import profile_data

    tiny = _fixed_run("too small")
    return math.ceil(len(profile_data(tiny.experiment.profile).x_train) / tiny.experiment.batch_size)


def _straight_line_epoch(law: str = "line", still_needed: bool = False) -> float:
    from .. import report

    small, baseline = _fixed_run("small"), _fixed_run("baseline")
    epoch = report.extrapolated_epoch(small, min(baseline.history["val_loss"]), law=law)
    return epoch - small.epochs_run if still_needed else epoch


# --- 05: why fixed rates waste ---------------------------------------------------------------

def _sweep() -> dict:
    """The book's stored sweep by name, in every profile: in the quick profile's five epochs on
    2,000 images no run reaches 98 %, each optimizer is good at one rate only, and the best run
    ties with nothing, so every exercise on the sweep would have a degenerate answer."""
    from .. import report
    from ..catalog import scenarios

    return dict(zip((s.name for s in scenarios("sweep", report.BOOK_PROFILE)), report.book_runs("sweep")))


def _band_widths(measure: str = "decades") -> dict[str, float]:
    from .. import report

    widths = {}
    for optimizer in ("adam", "sgd"):
        runs = [r for r in _sweep().values() if r.experiment.optimizer == optimizer]
        band = report.tie_band(runs)
        if measure == "decades":
            widths[optimizer] = band["width"]
        elif measure == "natural log":
            widths[optimizer] = band["width"] * math.log(10)
        else:  # how many rates of the grid lie in the band
            widths[optimizer] = float(sum(band["band from"] <= r.experiment.learning_rate <= band["band to"]
                                          for r in runs))
    return widths


def _tied_with_best() -> frozenset[str]:
    from ..report import noise

    return frozenset(noise.tied_with_best(_sweep(), "val_accuracy"))


def _best_alone() -> frozenset[str]:
    from ..report import noise

    return frozenset({noise.choose(_sweep(), "val_accuracy")})


def _wasted_time(count_runs: bool = False) -> float:
    from .. import report

    results = list(_sweep().values())
    if count_runs:
        return sum(r.test_accuracy < 0.98 for r in results) / len(results)
    return report.time_share_below(results, 0.98)


register(
    Check("ex-primer-stable-rate", _PRIMER, "one number, a learning rate",
          expected=_largest_stable_rate, rtol=0.0, atol=0.01,
          idea="the gradient of 4 w²/2 is 4 w, so a step multiplies w by 1 - 4 η; the descent settles while "
               "that factor lies between -1 and 1.",
          mistakes=(Mistake(lambda: 2.0,
                            "2 is the limit for a curvature of 1; here the gradient is 4 w, four times steeper."),
                    Mistake(lambda: 1 / _PRIMER_CURVATURE,
                            "at 1/4 the descent lands on the minimum in one step; larger rates zigzag, and still "
                            "settle for a while."))),
    Check("ex-primer-first-steps", _PRIMER, "a dict {'sgd': ..., 'adam': ...} of two distances",
          expected=_first_moves, rtol=0.0, atol=1e-4,
          idea="report.descent_path(0.1, rule, curvature=4.0, steps=1) gives w before and after the first "
               "step; the distance is how far w moved. Compare each with the rate and with the gradient.",
          mistakes=(Mistake(lambda: _first_moves(swapped=True), "the two distances are swapped: which rule "
                            "multiplies the gradient by the rate, and which divides the gradient by its own size?"),)),
    Check("ex-deciding-sampling", _DECIDING, "one number, a count of images",
          expected=_sampling_images, rtol=0.0, atol=0.5,
          idea="1.96 * sqrt(a(1 - a)/n + b(1 - b)/n) with a = 0.96, b = 0.95 and n = 2,000, times n, rounded.",
          mistakes=(Mistake(lambda: _sampling_images(single=True),
                            "that is the error of one accuracy; a difference carries the noise of both."),
                    Mistake(lambda: _sampling_images(z=1.0),
                            "that is one standard error (about 68 %); the book's margin is the 95 % interval, "
                            "1.96 standard errors."))),
    Check("ex-deciding-verdict", _DECIDING,
          "a dict {'difference in images': ..., 'margin in images': ..., 'verdict': ...}",
          expected=_sgd_against_adam, rtol=0.0, atol=0.5,
          idea="noise.compare(sgd_runs, adam_runs, 'val_accuracy'): its images, noise.margin_images and verdict.",
          mistakes=(Mistake(lambda: _sgd_against_adam("test_accuracy"),
                            "that compares test accuracies; the exercise compares on validation accuracy, "
                            "the images that choose."),)),
    Check("ex-intro-parameters", _INTRO, "one number, the values per image that reach the dense layer",
          expected=_flattened_size, rtol=0.0, atol=0.5,
          idea="each unpadded 3x3 convolution takes 2 pixels off each side length and each 2x2 pooling "
               "halves it (rounding down); multiply the final side length squared by the channels of the "
               "last convolution.",
          mistakes=(Mistake(lambda: 7 * 7 * 64,
                            "that is what padded ('same') convolutions would give; these convolutions are "
                            "unpadded: each takes 2 pixels off each side length."),
                    Mistake(lambda: 6 * 6 * 64,
                            "max-pooling rounds down: 11 pixels pool to 5, not 6."),
                    Mistake(lambda: 5 * 5 * 32,
                            "the side length is right, but the second convolution has 64 channels."),
                    Mistake(lambda: 28 * 28 * 64,
                            "the image shrinks on its way: each convolution and each pooling makes it smaller."))),
    Check("ex-intro-outcome", _INTRO, "a text, the run's outcome kind ('learned', 'stuck at chance' or 'diverged')",
          expected=lambda: _fixed_run("too large").outcome.kind, prepare=_outcome_kind,
          idea="read `.outcome.kind` of the result that `run` returns for scenario('fixed-lr', 'too large').",
          mistakes=(Mistake(lambda: "diverged",
                            "the first epoch's loss is enormous, but it comes back down and stays near a "
                            "guess's loss; lrlib says 'diverged' only when the loss ends huge or not a number."),
                    Mistake(lambda: "learned",
                            "look at the test accuracy: about one image in ten is what naming one digit gives."))),
    Check("ex-baseline-gaps", _BASELINE, "a list of 5 counts of test images, in the article's order",
          expected=_article_gaps, rtol=0.0, atol=0.5,
          idea="for each of the five runs, |our test accuracy - the article's| times report.test_images(result), "
               "rounded.",
          mistakes=(Mistake(lambda: _article_gaps(fraction=True),
                            "those are fractions of the test set; multiply the size of each gap by the "
                            "number of test images."),
                    Mistake(_signed_images,
                            "some of those are negative: count the size of each gap, whichever run is ahead."))),
    Check("ex-baseline-early-stopping", _BASELINE,
          "a dict {'stops after epoch': ..., 'weights from epoch': ...}, epochs counted from 1",
          expected=_early_stopping, rtol=0.0, atol=0.5,
          idea="walk through the validation losses: training stops at the third epoch in a row that does not "
               "beat the lowest loss so far, and restore_best=True brings back the epoch of that lowest loss.",
          mistakes=(Mistake(lambda: _early_stopping(shift=-1),
                            "those are Keras's epoch indices, counted from 0; the book counts epochs from 1."),
                    Mistake(lambda: _early_stopping(restored_is_last=True),
                            "with restore_best=True the model keeps the weights of its best epoch, "
                            "not those of the last one."),
                    Mistake(lambda: _early_stopping(patience=2),
                            "that stops one epoch early: patience 3 waits for three epochs without a new "
                            "lowest loss."))),
    Check("ex-large-blind-loss", _LARGE, "one number, a loss in nats",
          expected=_blind_loss, rtol=0.0, atol=1e-4,
          idea="the best constant answer gives each digit its share p among the training images; its "
               "cross-entropy is -sum(p * ln p).",
          mistakes=(Mistake(lambda: math.log(10),
                            "ln 10 is the loss of equal shares; MNIST's digits are not equally frequent."),
                    Mistake(lambda: _blind_loss("validation"),
                            "that uses the validation images' shares; the network learns from the first 80 % "
                            "of the training images."))),
    Check("ex-large-adam-epsilon", _LARGE, "a list of 3 numbers, Adam's first steps",
          expected=_adam_first_steps, rtol=0.03,
          idea="Keras adds epsilon = 1e-7 to the square root of the uncorrected second moment, which is only "
               "sqrt(1 - 0.999) |g| after one step: the step is rate * g / (|g| + 1e-7 / sqrt(0.001)).",
          mistakes=(Mistake(lambda: [_RATE] * len(_GRADIENTS),
                            "'the step is the rate' holds only while the gradient is far larger than Adam's "
                            "epsilon; measure the steps with keras.optimizers.Adam."),
                    Mistake(_textbook_adam_first_steps,
                            "that is the textbook formula, with epsilon added after the bias correction; "
                            "Keras adds it before, where it weighs about 30 times more. Measure the steps."),
                    Mistake(lambda: [_RATE * g for g in _GRADIENTS],
                            "that is plain SGD's step, the rate times the gradient."))),
    Check("ex-small-budget", _SMALL, "one number, a distance (steps x learning rate)",
          expected=_budget, rtol=0.01,
          idea="steps per epoch (lrlib.training.steps_per_epoch: the training images left after the "
               "validation split, divided by the batch size, rounded up) times the epochs times the rate.",
          mistakes=(Mistake(lambda: _budget(steps_per_epoch=_all_images_steps()),
                            "Keras holds the last 20 % of the training images out for validation; the steps "
                            "of an epoch cover only the rest."),
                    Mistake(lambda: _budget(steps_per_epoch=1),
                            "Adam moves a weight by up to the rate at every step, and an epoch has many steps."),
                    Mistake(lambda: _budget(epochs=1),
                            "that is one epoch; the run trained for all its epochs."))),
    Check("ex-small-straight-line", _SMALL, "one number, an epoch",
          expected=_straight_line_epoch, rtol=0.01, atol=0.5,
          idea="np.polyfit(epochs, val_loss, 1) over the second half of the run (epochs 13 to 25 of a 25-epoch "
               "run), then solve intercept + slope * epoch = the baseline's lowest validation loss.",
          mistakes=(Mistake(lambda: _straight_line_epoch(law="power"),
                            "that is the power law of the text (a straight line on log-log axes); the exercise "
                            "asks for a straight line of the loss against the epoch."),
                    Mistake(lambda: _straight_line_epoch(still_needed=True),
                            "that counts the epochs still needed after the run; give the epoch itself."))),
    Check("ex-waste-band-width", _WASTE, "a dict of widths in decades: {'adam': ..., 'sgd': ...}",
          expected=_band_widths, rtol=0.0, atol=0.01,
          idea="report.tie_band on each optimizer's runs of the book's sweep: the rates that tie on validation "
               "accuracy with the optimizer's best; log10 of the highest of them over the lowest.",
          mistakes=(Mistake(lambda: _band_widths("rates"),
                            "those count the rates in the band; measure its width in decades, log10(high / low)."),
                    Mistake(lambda: _band_widths("natural log"),
                            "that is the natural logarithm; a decade is a factor of 10, so use log10."))),
    Check("ex-waste-tied", _WASTE, "a set of run names such as 'adam 0.001'",
          expected=_tied_with_best,
          idea="noise.tied_with_best on the book's sweep's runs by name, on 'val_accuracy': the runs that "
               "noise.compare calls a tie with the best on validation.",
          mistakes=(Mistake(_best_alone,
                            "that is the single best run; runs within the noise margin of it are tied with it "
                            "and belong in the set."),)),
    Check("ex-waste-time", _WASTE, "one number, a share between 0 and 1",
          expected=_wasted_time, rtol=0.0, atol=0.005,
          idea="add the wall_time_s of the runs below 98 % test accuracy and divide by the wall time of all "
               "the book's sweep's runs.",
          mistakes=(Mistake(lambda: _wasted_time(count_runs=True),
                            "that is the share of runs; the runs took different times, so weigh each by "
                            "its wall_time_s."),
                    Mistake(lambda: 1 - _wasted_time(),
                            "that is the share spent on the runs worth keeping; the question asks for the "
                            "others."))),
)
