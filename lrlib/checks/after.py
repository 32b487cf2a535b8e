"""Checks for the part "After the article" (chapters 19 and 20)."""

from __future__ import annotations

import numpy as np

from .. import schedules, trajectories
from ._core import Check, Mistake, register

_HOW = "19_schedule_free_and_learning_rate_free"


def _z_after(steps: int = 50, rate: float = 0.1) -> np.ndarray:
    """Schedule-free AdamW's base point z after ``steps`` steps on the valley, read from the
    optimizer's own slot (not from the formula the exercise asks for)."""
    import keras

    from ..schedule_free import ScheduleFreeAdamW

    problem = trajectories.quadratic()
    optimizer = ScheduleFreeAdamW(learning_rate=rate)
    point = keras.Variable(np.asarray(problem.start, dtype="float64"), dtype="float64")
    optimizer.build([point])
    for _ in range(steps):
        gradient = problem.gradient(keras.ops.convert_to_numpy(point))
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(gradient, dtype="float64"), point)])
    return keras.ops.convert_to_numpy(optimizer._z[0]).copy()


def _z_swapped() -> np.ndarray:
    path = trajectories.trajectory("Schedule-free AdamW", 0.1, steps=50)
    return (path.points[-1] - 0.1 * path.evaluated[-1]) / 0.9  # beta_1 and 1 - beta_1 swapped


def _d_ratio(steps: int = 200) -> float:
    d = {c: trajectories.trajectory("Prodigy", 1.0, steps, options={"d_coef": c}).d_estimates[-1] for c in (1.0, 2.0)}
    return float(d[2.0] / d[1.0])


def _stable_steps(warmup: bool = True) -> int:
    schedule = schedules.wsd(0.01, total_steps=1000, warmup_steps=100 if warmup else 0, decay_fraction=0.2)
    return int(np.sum(schedule.values(np.arange(1000)) == 0.01))


register(
    Check("ex-after-sf-z", _HOW, "two numbers, z's x and y coordinates",
          expected=_z_after, rtol=1e-6, atol=1e-9,
          idea="y = (1 - beta_1) z + beta_1 x with beta_1 = 0.9: solve for z, with y the path's last point "
               "(path.points[-1]) and x its last evaluated point (path.evaluated[-1]).",
          mistakes=(Mistake(_z_swapped, "that swaps beta_1 and 1 - beta_1: y lies close to x (weight 0.9), "
                                        "not to z."),
                    Mistake(lambda: trajectories.trajectory("Schedule-free AdamW", 0.1, steps=50).evaluated[-1],
                            "that is x, the average; z is the sequence the average is taken of."))),
    Check("ex-after-prodigy-coef", _HOW, "one number, the ratio of the two final estimates",
          expected=_d_ratio, rtol=0.01,
          idea="run trajectories.trajectory('Prodigy', 1.0, 200, options={'d_coef': c}) for c = 1 and 2 and "
               "divide the last d_estimates.",
          mistakes=(Mistake(lambda: 2.0, "that is the ratio if d_coef only scaled the final estimate; measure it: "
                                         "the estimate feeds back into the path it is estimated from."),)),
    Check("ex-after-wsd-stable", _HOW, "one number, a count of steps",
          expected=_stable_steps, rtol=0.0, atol=0.5,
          idea="the warm-up takes the first warmup_steps steps, the decay the last decay_fraction of all steps; "
               "count the steps in between (or the steps where schedule.values equals the peak).",
          mistakes=(Mistake(lambda: 700, "that is the stable phase between the phases; count the steps at the peak "
                                         "itself: look at the warm-up's last step and the decay's first."),
                    Mistake(lambda: _stable_steps(warmup=False),
                            "the warm-up's steps (but its last) are below the peak: take them out too."))),
)


# --- chapter 20: do they remove the learning-rate problem? --------------------------------------
_MEASURED = "20_do_they_remove_the_rate_problem"


def _at_two_epochs(profile: str | None = None) -> dict[str, list]:
    """Each newer method's runs at a budget of two epochs (``catalog.after_time_to_accuracy``) in
    ``profile`` (default: the current one)."""
    from ..catalog import after_time_to_accuracy
    from ..training import run_many

    return {label: run_many([s.experiment for s in runs if s.experiment.epochs == 2])
            for label, runs in after_time_to_accuracy(profile).items()}


def _book_at_two_epochs() -> dict[str, list]:
    """``_at_two_epochs`` on the book's stored runs, five seeds each, whatever the profile: a tie
    needs the seeds that the quick profile does not run."""
    from ..report import BOOK_PROFILE

    return _at_two_epochs(BOOK_PROFILE)


def _best_from_target(sign: float = 1.0, test_images: bool = False) -> int:
    """The best median validation accuracy of the newer methods at two epochs, in validation
    images above the article's accuracy (negative: short of it); ``test_images`` counts it,
    wrongly, in test images."""
    from ..catalog import TARGET_ACCURACY
    from ..report import noise

    runs = _at_two_epochs()
    best = max(noise.median_score(r, "val_accuracy") for r in runs.values())
    images = noise.evaluated_images(next(iter(runs.values()))[0], "test_accuracy" if test_images else "val_accuracy")
    return round(sign * (best - TARGET_ACCURACY) * images)


def _tied_at_two_epochs() -> frozenset[str]:
    from ..report import noise

    return frozenset(noise.tied_with_best(_book_at_two_epochs(), "val_accuracy"))


def _best_alone_at_two_epochs() -> frozenset[str]:
    from ..report import noise

    return frozenset({noise.choose(_book_at_two_epochs(), "val_accuracy")})


def _settings_out_of_band(tolerance: float = 0.002) -> frozenset[str]:
    """The methods whose own setting (``catalog.after_settings``) is not in their good band at
    ``tolerance``, on the book's stored sweep with its edge repeats, whatever the profile."""
    from ..catalog import after_settings
    from ..report import band_width_table, book_runs, settings_in_bands, with_repeats

    pooled = with_repeats(book_runs("after-sweep"), book_runs("after-repeats"))
    placed = settings_in_bands(band_width_table(pooled, tolerance), after_settings())
    return frozenset(placed.index[placed["where"] != "in the band"])


register(
    Check("ex-after-from-target", _MEASURED, "one whole number of validation images, negative when short of 0.9919",
          expected=_best_from_target, rtol=0.0, atol=0.5,
          idea="take the highest median validation accuracy at two epochs among the five methods (report.budget_table "
               "or report.standings_at), subtract 0.9919 and multiply by the validation images "
               "(report.noise.evaluated_images(run, 'val_accuracy')), rounded.",
          mistakes=(Mistake(lambda: _best_from_target(-1.0),
                            "the size is right, the sign is not: the median minus 0.9919, negative when short."),
                    Mistake(lambda: _best_from_target(test_images=True),
                            "that multiplies by the test set's size; the medians are validation accuracies."))),
    Check("ex-after-tied-at-two", _MEASURED, "a set of method names such as 'Prodigy (cosine)'",
          expected=_tied_at_two_epochs,
          idea="noise.tied_with_best on the book's two-epoch runs of each method by name "
               "(catalog.after_time_to_accuracy(profile=report.BOOK_PROFILE)), on 'val_accuracy': the best median "
               "and every method whose difference from it is within the noise.",
          mistakes=(Mistake(_best_alone_at_two_epochs,
                            "that is the best method alone; methods within the noise of it tie with it and belong "
                            "in the set."),)),
    Check("ex-after-own-setting", _MEASURED, "a set of optimizer names such as 'lamb' (empty if none)",
          expected=_settings_out_of_band,
          idea="report.band_width_table(pooled, tolerance=0.002) on the book's sweep pooled with its edge repeats "
               "(report.with_repeats(report.book_runs('after-sweep'), report.book_runs('after-repeats'))), then "
               "report.settings_in_bands(bands, catalog.after_settings()): keep the names not 'in the band'.",
          mistakes=(Mistake(lambda: _settings_out_of_band(0.005),
                            "that is at the chapter's 0.5 %; tighten the tolerance to 0.2 %."),
                    Mistake(lambda: _settings_out_of_band(0.001),
                            "that is at 0.1 %; the exercise asks for 0.2 % (24 of the 12,000 validation images)."))),
)
