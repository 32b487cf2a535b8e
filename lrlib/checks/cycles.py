"""Checks for the chapters on cyclical learning rates (16) and one-cycle (17)."""

from __future__ import annotations

import numpy as np

from ._core import Check, FormError, Mistake, _describe, register

_CLR = "16_cyclical_rates"
_ONE_CYCLE = "17_one_cycle"

# ex-clr-third-peak: the exercise's own setting (the chapter's Adam bounds, rounded).
_BASE, _PEAK, _HALF_CYCLE = 0.001, 0.08, 384


def _rate_at_third_peak(policy: str = "triangular2") -> float:
    from .. import schedules

    make = {"triangular": schedules.triangular, "triangular2": schedules.triangular2}[policy]
    return float(make(_BASE, _PEAK, _HALF_CYCLE).values(5 * _HALF_CYCLE))  # peaks at 1, 3, 5 half cycles


def _clr_table():
    from ..catalog import scenarios
    from ..report import clr_runs_table
    from ..training import run_many
    from .range_test import range_tests_run

    range_tests_run()  # the cycles' bounds come from them
    return clr_runs_table(run_many([s.experiment for s in scenarios("clr")]))


# ex-clr-lower-quarter: "while the rate is small" is the lowest quarter of the cycle. An epoch of
# the full profile ends just below the base, the middle or the peak of a cycle (positions 0.003,
# 0.497, 0.997): a cut at one half would count the middle as small, and every run with it.
_SMALL_RATE = 0.25


def _best_in_lower_quarter(lower: bool = True) -> int:
    positions = _clr_table()["cycle position"]
    return int(((positions < _SMALL_RATE) if lower else (positions >= _SMALL_RATE)).sum())


register(
    Check("ex-clr-third-peak", _CLR, "one number, a learning rate",
          expected=_rate_at_third_peak, rtol=1e-3,
          idea="triangular2 halves the height of each new cycle: work out the third cycle's height from the "
               "first's, and the step at which its peak falls (a cycle is two step sizes long).",
          mistakes=(Mistake(lambda: _rate_at_third_peak("triangular"),
                            "that is triangular's peak, which never shrinks; triangular2 halves each cycle."),
                    Mistake(lambda: _BASE + (_PEAK - _BASE) / 8, "the third cycle is halved twice, not three times."))),
    Check("ex-clr-lower-quarter", _CLR, "one whole number of runs",
          expected=_best_in_lower_quarter, rtol=0.0,
          idea="report.clr_runs_table(clr_runs)['cycle position'] < 0.25, summed.",
          mistakes=(Mistake(lambda: _best_in_lower_quarter(lower=False),
                            "that counts the rest of the cycle; the lowest quarter is a position below 0.25."),)),
)


# ex-one-cycle-fastai: a budget of 3 epochs of 192 steps with fastai's defaults.
_FASTAI_STEPS, _FASTAI_PEAK = 3 * 192, 0.0093


def _fastai_schedule(warmup_fraction: float = 0.25, final_divisor: float = 1e5, total_steps: int = _FASTAI_STEPS):
    from .. import schedules

    return schedules.one_cycle(_FASTAI_PEAK, total_steps, warmup_fraction=warmup_fraction, final_divisor=final_divisor)


def _rates_of(schedule) -> list[float]:
    from ..schedules import Schedule

    if not isinstance(schedule, Schedule):  # a list of rates, a number: say so, not AttributeError
        raise FormError(f"{_describe(schedule)}; build it with schedules.one_cycle(...)")
    return [float(rate) for rate in schedule.values(np.arange(_FASTAI_STEPS))]


def _budget_runs() -> dict[str, list]:
    from ..catalog import scenarios
    from ..training import run_many
    from .range_test import range_tests_run

    range_tests_run()  # one-cycle's peak comes from them
    return {name: run_many([s.experiment for s in scenarios(group)])
            for name, group in (("one-cycle", "one-cycle-budgets"), ("baseline", "baseline-each-epoch"))}


def _images_ahead_at_two_epochs(sign: float = 1.0, test_images: bool = False) -> int:
    """One-cycle's lead over the baseline at two epochs, in validation images (the metric the
    budget table decides on); ``test_images`` counts it, wrongly, in test images."""
    from ..catalog import TARGET_ACCURACY
    from ..report import budget_table, noise

    runs = _budget_runs()
    table = budget_table(runs, TARGET_ACCURACY)
    medians = {name: dict(zip(rows["epochs"], rows["median"])) for name, rows in table.groupby("strategy")}
    images = noise.evaluated_images(runs["one-cycle"][0], "test_accuracy" if test_images else "val_accuracy")
    return round(sign * (medians["one-cycle"][2] - medians["baseline"][2]) * images)


register(
    Check("ex-one-cycle-fastai", _ONE_CYCLE, "a one-cycle Schedule from lrlib.schedules",
          expected=lambda: _rates_of(_fastai_schedule()), prepare=_rates_of, rtol=1e-4,
          idea="take fastai's warm-up share and final divisor from the text, and remember that total_steps "
               "counts optimizer steps, not epochs.",
          mistakes=(Mistake(lambda: _rates_of(_fastai_schedule(0.3, 2.5e5)),
                            "those are PyTorch OneCycleLR's defaults (30 % warm-up, ending 2.5e5 below the peak)."),
                    Mistake(lambda: _rates_of(_fastai_schedule(total_steps=3)),
                            "total_steps counts optimizer steps: 3 epochs of 192 batches."),
                    Mistake(lambda: _rates_of(_fastai_schedule(0.3, 1e4)),
                            "those are lrlib's defaults; fastai warms up for 25 % and ends 1e5 below the peak."))),
    Check("ex-one-cycle-images", _ONE_CYCLE, "one whole number of validation images, positive when one-cycle is ahead",
          expected=_images_ahead_at_two_epochs, rtol=0.0, atol=0.5,
          idea="(median one-cycle validation accuracy at 2 epochs - median baseline validation accuracy after "
               "epoch 2) x the validation images (report.noise.evaluated_images), rounded; report.budget_table "
               "has both medians.",
          mistakes=(Mistake(lambda: _images_ahead_at_two_epochs(-1.0),
                            "the size is right, the sign is not: one-cycle minus baseline."),
                    Mistake(lambda: _images_ahead_at_two_epochs(test_images=True),
                            "that multiplies by the test set's size; the medians are validation accuracies, "
                            "measured on report.noise.evaluated_images(run, 'val_accuracy') images."))),
)
