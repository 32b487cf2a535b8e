"""The two-variable optimizer demo runs the real Keras optimizers: checked against closed forms."""

import numpy as np
import pytest

from lrlib import trajectories as T


@pytest.mark.parametrize("rate", [0.001, 0.015, 0.019])
def test_sgd_on_a_quadratic_follows_the_closed_form(rate):
    # x_{t+1} = (1 - lr * curvature) * x_t, per coordinate
    path = T.trajectory("SGD", rate, steps=20)
    factors = 1 - rate * np.array([1.0, 100.0])
    expected = np.array(T.quadratic().start) * factors ** np.arange(21)[:, None]
    np.testing.assert_allclose(path.points, expected, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(path.step_sizes, rate, rtol=1e-5)  # SGD's effective rate is the rate


def test_sgd_above_two_over_the_curvature_diverges_in_the_steep_direction():
    path = T.trajectory("SGD", 0.021, steps=100)
    assert abs(path.points[-1, 1]) > abs(path.points[0, 1]) * 10  # |1 - 0.021 * 100| > 1
    assert abs(path.points[-1, 0]) < abs(path.points[0, 0])  # while the flat one still shrinks


@pytest.mark.parametrize("rate", [0.001, 0.1])
def test_adams_first_step_is_the_learning_rate_in_every_coordinate(rate):
    first_move = np.abs(np.diff(T.trajectory("Adam", rate, steps=1).points, axis=0))[0]
    np.testing.assert_allclose(first_move, rate, rtol=1e-4)  # whatever the gradient's size


def test_adagrads_steps_only_shrink():
    flat = T.trajectory("Adagrad", 0.5, steps=50).step_sizes[:, 0]  # lr / sqrt(sum of squared gradients)
    assert np.all(np.diff(flat) < 0) and flat[-1] < flat[0] / 4


def test_momentum_reaches_the_minimum_where_plain_sgd_crawls():
    plain, momentum = (T.trajectory(v, 0.01, steps=100) for v in ("SGD", "SGD + momentum"))
    assert momentum.distance_to_minimum < plain.distance_to_minimum / 10


def test_rosenbrock_gradient_matches_finite_differences():
    problem = T.rosenbrock()
    point, h = np.array([-0.7, 1.3]), 1e-6
    numeric = [(problem.loss(*(point + d)) - problem.loss(*(point - d))) / (2 * h) for d in np.eye(2) * h]
    np.testing.assert_allclose(problem.gradient(point), numeric, rtol=1e-6)
    assert problem.loss(*problem.minimum) == 0


def test_every_variant_runs_and_losses_are_the_problems():
    for variant in T.VARIANTS:
        path = T.trajectory(variant, 0.01, steps=5, problem="rosenbrock")
        assert path.points.shape == (6, 2) and path.gradients.shape == (5, 2)
        np.testing.assert_allclose(path.losses, path.problem.loss(path.points[:, 0], path.points[:, 1]))


def test_a_run_that_overflows_stops_and_keeps_what_it_has():
    path = T.trajectory("SGD", 1.0, steps=2000)
    assert len(path.points) < 2001 and np.all(np.isfinite(path.gradients))


@pytest.mark.parametrize("arguments, message", [
    ({"variant": "Adamm"}, "variant='Adamm'"), ({"problem": "himmelblau"}, "problem='himmelblau'"),
    ({"learning_rate": -1.0}, "learning_rate=-1.0"), ({"steps": 0}, "steps=0"), ({"steps": 10**6}, "steps=1000000"),
])
def test_bad_arguments_name_the_argument_and_the_value(arguments, message):
    with pytest.raises((ValueError, TypeError), match=message):
        T.trajectory(**{"variant": "SGD", "learning_rate": 0.01, **arguments})
