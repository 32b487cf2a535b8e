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


# --- the methods published after the article (chapter 19) -------------------------------------------

def eager_steps(optimizer, steps):
    """``optimizer`` fed the valley's gradient in eager steps: y and, for schedule-free AdamW, x."""
    import keras

    point = keras.Variable(np.array(T.quadratic().start), dtype="float64")
    optimizer.build([point])
    ys, xs = [], []
    for _ in range(steps):
        gradient = T.quadratic().gradient(keras.ops.convert_to_numpy(point))
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(gradient, dtype="float64"), point)])
        ys.append(keras.ops.convert_to_numpy(point).copy())
        if hasattr(optimizer, "evaluation_weights"):
            xs.append(keras.ops.convert_to_numpy(optimizer.evaluation_weights([point])[0]))
    return np.array(ys), np.array(xs)


def test_the_traced_steps_of_schedule_free_adamw_are_its_eager_steps_and_record_x():
    from lrlib.schedule_free import ScheduleFreeAdamW

    path = T.trajectory("Schedule-free AdamW", 0.1, steps=15, options={"warmup_steps": 5})
    ys, xs = eager_steps(ScheduleFreeAdamW(learning_rate=0.1, warmup_steps=5), 15)
    np.testing.assert_allclose(path.points[1:], ys, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(path.evaluation_points[1:], xs, rtol=1e-12, atol=1e-14)
    assert path.evaluated is path.evaluation_points and np.all(path.evaluated[0] == path.points[0])
    assert path.options == (("warmup_steps", 5),)


def test_schedule_free_y_lies_between_z_and_x_and_x_is_y_when_beta_1_is_one():
    path = T.trajectory("Schedule-free AdamW", 0.1, steps=30)
    assert not np.allclose(path.points, path.evaluated)  # y = 0.1 z + 0.9 x: not the average itself
    primal = T.trajectory("Schedule-free AdamW", 0.1, steps=30, options={"beta_1": 1.0})
    np.testing.assert_allclose(primal.points, primal.evaluated, atol=1e-12)  # gradients at the average


def test_prodigys_estimate_grows_from_d0_and_never_falls():
    path = T.trajectory("Prodigy", 1.0, steps=60)
    d = path.d_estimates
    assert d.shape == (60,) and d[0] >= 1e-6 and np.all(np.diff(d) >= 0) and d[-1] > 1e4 * 1e-6
    larger = T.trajectory("Prodigy", 1.0, steps=60, options={"d_coef": 10.0}).d_estimates
    assert larger[-1] > d[-1]  # d_coef multiplies the estimate


def test_an_optimizer_evaluated_where_it_trains_has_no_separate_points():
    for variant in ("Adam", "Lion", "LAMB", "Prodigy"):
        path = T.trajectory(variant, 0.01, steps=3)
        assert path.evaluation_points is None and path.evaluated is path.points
        assert path.evaluated_distance_to_minimum == path.distance_to_minimum
    assert T.trajectory("Adam", 0.01, steps=3).d_estimates is None


def test_lions_steps_are_the_rate_in_every_coordinate():
    moves = np.abs(np.diff(T.trajectory("Lion", 0.01, steps=20).points, axis=0))
    np.testing.assert_allclose(moves, 0.01, rtol=1e-6)  # the sign of an interpolated momentum, times the rate


def test_options_over_an_older_variant_run_keras_with_them():
    import keras

    path = T.trajectory("Adam", 0.1, steps=10, options={"beta_1": 0.5})
    ys, _ = eager_steps(keras.optimizers.Adam(learning_rate=0.1, beta_1=0.5), 10)
    np.testing.assert_allclose(path.points[1:], ys, rtol=1e-12)
    assert "Prodigy" not in T.VARIANTS and set(T.NEWER_VARIANTS) <= set(T.ALL_VARIANTS)  # chapter 11's explorer unchanged


@pytest.mark.parametrize("options, message", [
    ({"d_coef": -1.0}, "d_coef"), ({"warmup_steps": -3}, "warmup_steps"), ("fast", "options='fast'"),
])
def test_bad_options_are_refused_by_name(options, message):
    variant = "Schedule-free AdamW" if "warmup" in str(options) else "Prodigy"
    with pytest.raises((ValueError, TypeError), match=message):
        T.trajectory(variant, 1.0, steps=5, options=options)
