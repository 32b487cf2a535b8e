"""Checks for the chapters on adaptive optimizers (11 and 12)."""

from __future__ import annotations

import numpy as np

from .. import trajectories
from ._core import Check, Mistake, register

_HOW = "11_how_adaptive_optimizers_adapt"
_DEFAULTS = "12_optimizers_at_their_defaults"


def _steep_curvature() -> float:
    return float(trajectories.quadratic().gradient(np.array([0.0, 1.0]))[1])  # f = b y^2 / 2 has gradient b y


def _adam_first_move() -> np.ndarray:
    path = trajectories.trajectory("Adam", 0.05, steps=1, problem="rosenbrock")
    return path.points[1] - path.points[0]


def _adagrad_factor() -> float:
    flat = trajectories.trajectory("Adagrad", 0.5, steps=200).step_sizes[:, 0]
    return float(flat[9] / flat[-1])


def _default_runs() -> dict:
    from ..catalog import scenarios
    from ..training import run_many

    chosen = [s for s in scenarios("adaptive-defaults") if s.name.endswith(" default")]
    return {s.name.split()[0]: r for s, r in zip(chosen, run_many([s.experiment for s in chosen]))}


def _images_between_best_and_worst(fraction: bool = False) -> float:
    """The validation images between the default chosen best (``noise.choose``) and the worst:
    a comparison made on validation, in images of the validation set."""
    from ..report import noise

    runs = _default_runs()
    best, worst = noise.choose(runs), min(runs, key=lambda name: noise.score(runs[name]))
    found = noise.compare(runs[best], runs[worst], "val_accuracy")
    return found.difference if fraction else found.images


def _book_default_runs() -> dict:
    """The book's stored runs at the defaults, by optimizer, in every profile: in the quick
    profile's five epochs on 2,000 images no optimizer reaches 99 % validation accuracy."""
    from ..catalog import scenarios
    from ..report import BOOK_PROFILE, book_runs

    chosen = scenarios("adaptive-defaults", BOOK_PROFILE)
    return {s.name.split()[0]: r for s, r in zip(chosen, book_runs("adaptive-defaults")) if s.name.endswith(" default")}


def _first_to_99() -> frozenset[str]:
    from ..report import epochs_to_accuracy

    reached = {name: epochs_to_accuracy(r) for name, r in _book_default_runs().items()}
    reached = {name: epoch for name, epoch in reached.items() if epoch is not None}
    return frozenset(name for name, epoch in reached.items() if epoch == min(reached.values()))


register(
    # rtol 0.1 %: 0.0199 and 0.0201, the two rates the solution runs on either side of the limit,
    # are both wrong answers (the second diverges).
    Check("ex-adaptive-stable-rate", _HOW, "one number, a learning rate",
          expected=lambda: 2 / _steep_curvature(), rtol=0.001,
          idea="per step, SGD multiplies the steep coordinate by (1 - rate x curvature); it shrinks only "
               "while that factor lies between -1 and 1: solve |1 - rate x curvature| = 1 exactly.",
          mistakes=(Mistake(lambda: 1 / _steep_curvature(),
                            "at that rate the steep coordinate reaches 0 in one step, the fastest case; "
                            "the question is where it stops shrinking at all."),)),
    Check("ex-adaptive-adam-first-step", _HOW, "two numbers, Adam's move in x and in y",
          expected=_adam_first_move, rtol=0.01,
          idea="Adam's first step divides the gradient by its own size, so each coordinate moves by about "
               "the learning rate, against the sign of its gradient.",
          mistakes=(Mistake(lambda: -0.05 * trajectories.trajectory("Adam", 0.05, steps=1,
                                                                     problem="rosenbrock").gradients[0],
                            "that is what SGD would do (rate times gradient); Adam rescales each coordinate."),)),
    Check("ex-adaptive-adagrad", _HOW, "one number, the factor by which the effective rate falls",
          expected=_adagrad_factor, rtol=0.01,
          idea="divide the flat coordinate's effective rate at step 10 (index 9) by the one at step 200.",
          mistakes=(Mistake(lambda: np.sqrt(200 / 10),
                            "that is the factor for a constant gradient; measure it on the run, where the "
                            "gradient shrinks."),)),
    Check("ex-defaults-images", _DEFAULTS, "one whole number, a count of validation images",
          expected=_images_between_best_and_worst, atol=0.5, rtol=0.0,
          idea="report.noise.choose picks the best default on validation accuracy; the worst has the lowest "
               "report.noise.score; report.noise.compare(best run, worst run, 'val_accuracy').images is the "
               "difference in validation images.",
          mistakes=(Mistake(lambda: _images_between_best_and_worst(fraction=True),
                            "that is a fraction of the validation set; turn it into images."),)),
    Check("ex-defaults-fastest", _DEFAULTS, "a set of optimizer names (those tied for the fewest epochs)",
          expected=_first_to_99,
          idea="report.epochs_to_accuracy gives each of the book's runs its first epoch at 99 % validation "
               "accuracy, or None; keep the names with the smallest epoch."),
)


_SENSITIVITY = "13_does_the_rate_matter_less"


def _sweep():
    from ..catalog import scenarios
    from ..training import run_many

    return run_many([s.experiment for s in scenarios("adaptive-sweep")])


def _widths_changed(tolerances=(0.002, 0.02)) -> frozenset[str]:
    """The optimizers whose band width differs between two tolerances in the book's stored sweep,
    in every profile: the quick sweep's rates lie two decades apart and its runs are two epochs
    long, so no band there moves between 0.2 % and 2 %."""
    from ..report import band_width_table, book_runs

    narrow, wide = (band_width_table(book_runs("adaptive-sweep"), tolerance)["width"].sort_index()
                    for tolerance in tolerances)
    return frozenset(narrow.index[narrow != wide])


def _finer_rates(spacing=np.geomspace) -> np.ndarray:
    from ..report import good_band_width

    adam = good_band_width([r for r in _sweep() if r.experiment.optimizer == "adam"])
    return spacing(adam["band to"], adam["bad above"], 4)[1:-1]


register(
    Check("ex-sensitivity-tolerance", _SENSITIVITY, "a set of optimizer names",
          expected=_widths_changed,
          idea="report.band_width_table(report.book_runs('adaptive-sweep'), tolerance) (chosen on validation "
               "accuracy) at 0.002 and at 0.02: "
               "keep the names whose 'width' differs.",
          mistakes=(Mistake(lambda: _widths_changed((0.002, 0.005)),
                            "those change between 0.2 % and 0.5 %; compare 0.2 % with 2 %."),)),
    Check("ex-sensitivity-finer", _SENSITIVITY, "two numbers, the new rates between the edge's bounds",
          expected=_finer_rates, rtol=0.02,
          idea="three rates per decade are equal steps in log-rate: np.geomspace(band to, bad above, 4), "
               "without its two ends.",
          mistakes=(Mistake(lambda: _finer_rates(np.linspace),
                            "those are equal steps in the rate itself; a decade is a factor, so space them "
                            "evenly in log-rate."),)),
)
