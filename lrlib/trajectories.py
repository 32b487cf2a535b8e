"""The real Keras optimizers on a two-variable problem: where each one goes, and how large a step
it takes in each coordinate.

Nothing here touches MNIST: a problem is a closed-form loss of a point ``(x, y)`` with its exact
gradient, and ``trajectory`` feeds that gradient to a Keras optimizer step by step, exactly as
``fit`` would. On an ill-conditioned quadratic (curvatures 1 and 100) plain gradient descent must
keep its rate below 2/100 to stay stable in the steep direction, and then crawls along the flat
one; adaptive optimizers rescale each coordinate.

``NEWER_VARIANTS`` are the methods published after the article (the part "After the article"):
schedule-free AdamW, whose ``Trajectory`` also records x, the average it is evaluated at
(``evaluated``), beside y, where its gradients are taken (``points``); Prodigy, whose
``Trajectory`` records its distance estimate d after each step (``d_estimates``); and Lion and
LAMB as Keras ships them.

Example:
    >>> path = trajectory("SGD", 0.01, steps=3)
    >>> path.points.shape, path.step_sizes.shape
    ((4, 2), (3, 2))
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable

import keras
import numpy as np

from . import validation
from .optimizers import ALL_OPTIMIZERS, OPTIMIZERS, check_option
from .schedule_free import ScheduleFreeAdamW

# The variants the chapter compares: a Keras optimizer and its options.
VARIANTS: dict[str, tuple[str, dict]] = {
    "SGD": ("sgd", {}),
    "SGD + momentum": ("sgd", {"momentum": 0.9}),
    "Nesterov": ("sgd", {"momentum": 0.9, "nesterov": True}),
    "RMSprop": ("rmsprop", {}),
    "Adagrad": ("adagrad", {}),
    "Adadelta": ("adadelta", {}),
    "Adam": ("adam", {}),
    "AdaMax": ("adamax", {}),
    "Nadam": ("nadam", {}),
}
# Published after the article (``trajectory`` runs them too; chapter 11's explorer offers ``VARIANTS``).
NEWER_VARIANTS: dict[str, tuple[str, dict]] = {
    "Schedule-free AdamW": ("schedule_free_adamw", {}),
    "Prodigy": ("prodigy", {}),
    "Lion": ("lion", {}),
    "LAMB": ("lamb", {}),
}
ALL_VARIANTS = {**VARIANTS, **NEWER_VARIANTS}
MAX_STEPS = 2000


@dataclasses.dataclass(frozen=True)
class Problem:
    """A loss of a point ``(x, y)`` (arrays broadcast, for contour plots) with its gradient."""

    name: str
    loss: Callable[[np.ndarray, np.ndarray], np.ndarray]
    gradient: Callable[[np.ndarray], np.ndarray]
    start: tuple[float, float]
    minimum: tuple[float, float]
    extent: tuple[float, float, float, float]  # x from, x to, y from, y to: the plot's window


def quadratic(curvatures: tuple[float, float] = (1.0, 100.0), start: tuple[float, float] = (-9.0, 0.9)) -> Problem:
    """f(x, y) = (a x^2 + b y^2) / 2 with curvatures (a, b): gradient (a x, b y), minimum at 0.

    Gradient descent at rate lr multiplies each coordinate by (1 - lr * curvature) per step, so it
    is stable only for lr < 2 / max(curvatures), and the flat direction then shrinks by only
    (1 - lr * min(curvatures)) per step.
    """
    a, b = (validation.positive("curvatures", c) for c in curvatures)
    return Problem(f"quadratic (curvatures {a:g} and {b:g})",
                   loss=lambda x, y: 0.5 * (a * x**2 + b * y**2),
                   gradient=lambda p: np.array([a * p[0], b * p[1]]),
                   start=start, minimum=(0.0, 0.0), extent=(-10.0, 2.0, -1.2, 1.2))


def rosenbrock() -> Problem:
    """f(x, y) = (1 - x)^2 + 100 (y - x^2)^2: a curved, narrow valley with its minimum at (1, 1)."""
    return Problem("Rosenbrock",
                   loss=lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
                   gradient=lambda p: np.array([-2 * (1 - p[0]) - 400 * p[0] * (p[1] - p[0] ** 2),
                                                200 * (p[1] - p[0] ** 2)]),
                   start=(-1.5, 2.0), minimum=(1.0, 1.0), extent=(-2.0, 2.0, -1.0, 3.0))


PROBLEMS = {"quadratic": quadratic, "rosenbrock": rosenbrock}


@dataclasses.dataclass(frozen=True)
class Trajectory:
    """Where an optimizer went: ``points[t]`` before step t (``points[0]`` is the start), the
    ``gradients`` it was given, and the problem's loss at each point."""

    variant: str
    learning_rate: float
    problem: Problem
    points: np.ndarray  # (steps + 1, 2)
    gradients: np.ndarray  # (steps, 2)
    # Schedule-free AdamW: x, the average the method evaluates, before each step (``points`` hold
    # y, where the gradients are taken); None for an optimizer that is evaluated where it trains.
    evaluation_points: np.ndarray | None = None
    # Prodigy: its estimate d of the distance to a solution after each step; None for the others.
    d_estimates: np.ndarray | None = None
    options: tuple[tuple[str, object], ...] = ()  # the options given over the variant's own

    @property
    def evaluated(self) -> np.ndarray:
        """The points at which the model would be evaluated: x for schedule-free AdamW, the
        training points themselves for every other optimizer."""
        return self.points if self.evaluation_points is None else self.evaluation_points

    @property
    def losses(self) -> np.ndarray:
        return self.problem.loss(self.points[:, 0], self.points[:, 1])

    @property
    def step_sizes(self) -> np.ndarray:
        """The effective per-coordinate rate of each step, |move| / |gradient|: plain SGD's is the
        learning rate itself; an adaptive optimizer's changes from step to step and coordinate to
        coordinate. NaN where the gradient was zero."""
        moves = np.abs(np.diff(self.points, axis=0))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.gradients != 0, moves / np.abs(self.gradients), np.nan)

    @property
    def distance_to_minimum(self) -> float:
        return float(np.hypot(*(self.points[-1] - np.asarray(self.problem.minimum))))

    @property
    def evaluated_distance_to_minimum(self) -> float:
        """How far the last evaluated point (x for schedule-free AdamW) is from the minimum."""
        return float(np.hypot(*(self.evaluated[-1] - np.asarray(self.problem.minimum))))


def trajectory(variant: str, learning_rate: float, steps: int = 100, problem: str = "quadratic",
               options: dict | None = None) -> Trajectory:
    """Run the Keras optimizer of ``variant`` (a name in ``ALL_VARIANTS``) for ``steps`` steps from
    the problem's start, feeding it the exact gradient. A run that leaves the float range stops
    there. ``options`` (checked by ``optimizers.check_option``) go over the variant's own, e.g.
    ``{"warmup_steps": 20}`` for schedule-free AdamW or ``{"d_coef": 2.0}`` for Prodigy."""
    if variant not in ALL_VARIANTS:
        raise ValueError(f"Argument `variant` must be one of {list(ALL_VARIANTS)}. Received: variant={variant!r}")
    if problem not in PROBLEMS:
        raise ValueError(f"Argument `problem` must be one of {list(PROBLEMS)}. Received: problem={problem!r}")
    rate = validation.learning_rate("learning_rate", learning_rate)
    steps = validation.integer("steps", steps, minimum=1, maximum=MAX_STEPS)
    if options is not None and not isinstance(options, dict):
        raise TypeError(f"Argument `options` must be a dict of optimizer options or None. Received: options={options!r}")
    given = tuple(sorted((options or {}).items()))
    for option, value in given:
        check_option(ALL_VARIANTS[variant][0], option, value)
    if variant in VARIANTS and not given:
        points, gradients = _run(variant, rate, steps, problem)
        return Trajectory(variant, rate, PROBLEMS[problem](), points, gradients)
    points, gradients, evaluated, estimates = _run_newer(variant, rate, steps, problem, given)
    return Trajectory(variant, rate, PROBLEMS[problem](), points, gradients, evaluated, estimates, given)


def update_options(variant: str) -> dict:
    """The hyper-parameters of ``variant``'s update rule: its Keras optimizer's defaults with the
    variant's own options over them (what the book's static pages step with)."""
    if variant not in VARIANTS:
        raise ValueError(f"Argument `variant` must be one of {list(VARIANTS)}. Received: variant={variant!r}")
    name, options = VARIANTS[variant]
    rule = ("momentum", "nesterov", "rho", "epsilon", "beta_1", "beta_2", "initial_accumulator_value")
    defaults = {key: parameter.default for key, parameter in inspect.signature(OPTIMIZERS[name]).parameters.items()
                if key in rule}
    return defaults | options


@functools.lru_cache(maxsize=256)  # a slider returning to a setting redraws at once
def _run(variant: str, rate: float, steps: int, problem_name: str) -> tuple[np.ndarray, np.ndarray]:
    name, options = VARIANTS[variant]
    problem = PROBLEMS[problem_name]()
    for option, value in options.items():
        check_option(name, option, value)
    optimizer = OPTIMIZERS[name](learning_rate=rate, **options)
    # float64: the path, not float32 rounding, is what the chapter looks at.
    point = keras.Variable(np.asarray(problem.start, dtype="float64"), dtype="float64", name="point")
    optimizer.build([point])
    points, gradients = [np.array(problem.start, dtype="float64")], []
    for _ in range(steps):
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run overflows: we stop below
            gradient = problem.gradient(points[-1])
        if not np.all(np.isfinite(gradient)):
            break
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(gradient, dtype="float64"), point)])
        gradients.append(gradient)
        points.append(keras.ops.convert_to_numpy(point).copy())
        if not np.all(np.isfinite(points[-1])):
            break
    points_array, gradients_array = np.array(points), np.array(gradients).reshape(-1, 2)
    points_array.flags.writeable = gradients_array.flags.writeable = False  # shared by the cache
    return points_array, gradients_array


@functools.lru_cache(maxsize=256)
def _run_newer(variant: str, rate: float, steps: int, problem_name: str, given: tuple) -> tuple:
    """``_run`` for a variant with options or one published after the article, in a traced step
    (the same numbers, some ten times faster than eager steps), recording schedule-free AdamW's
    evaluation point x and Prodigy's estimate d after each step."""
    import tensorflow as tf

    name, options = ALL_VARIANTS[variant]
    problem = PROBLEMS[problem_name]()
    optimizer = ALL_OPTIMIZERS[name](learning_rate=rate, **(options | dict(given)))
    point = keras.Variable(np.asarray(problem.start, dtype="float64"), dtype="float64", name="point")
    optimizer.build([point])
    schedule_free = isinstance(optimizer, ScheduleFreeAdamW)

    @tf.function
    def step(gradient):
        optimizer.apply_gradients([(gradient, point)])

    start = np.array(problem.start, dtype="float64")
    points, gradients, evaluated, estimates = [start], [], [start], []
    for _ in range(steps):
        with np.errstate(over="ignore", invalid="ignore"):
            gradient = problem.gradient(points[-1])
        if not np.all(np.isfinite(gradient)):
            break
        step(tf.constant(gradient, dtype=tf.float64))
        gradients.append(gradient)
        points.append(keras.ops.convert_to_numpy(point).copy())
        if schedule_free:
            evaluated.append(keras.ops.convert_to_numpy(optimizer.evaluation_weights([point])[0]).copy())
        if hasattr(optimizer, "d"):
            estimates.append(optimizer.d)
        if not np.all(np.isfinite(points[-1])):
            break
    arrays = [np.array(points), np.array(gradients).reshape(-1, 2), np.array(evaluated) if schedule_free else None,
              np.array(estimates) if estimates else None]
    for array in arrays:
        if array is not None:
            array.flags.writeable = False  # shared by the cache
    return tuple(arrays)
