"""The primer's descent on a 1-D valley (report.descent_path) and the controls of the primer and
of the page on how the book decides (lrlib.widgets_basics)."""

import math

import numpy as np
import pytest

from lrlib import report
from lrlib.widgets_basics import SamplingErrorExplorer, StepSizeExplorer, sampling_table


def test_descent_path_of_plain_gradient_descent_by_hand():
    assert np.allclose(report.descent_path(0.1, steps=3), [1.0, 0.9, 0.81, 0.729])
    assert np.allclose(report.descent_path(1.0, steps=2), [1.0, 0.0, 0.0])
    assert np.allclose(report.descent_path(1.5, steps=2), [1.0, -0.5, 0.25])  # zigzags and settles
    assert abs(report.descent_path(2.5, steps=10)[-1]) > 50  # diverges
    assert np.allclose(report.descent_path(0.1, curvature=2.0, start=2.0, steps=1), [2.0, 1.6])


def test_descent_path_with_momentum_and_adam():
    assert np.allclose(report.descent_path(0.1, "momentum", steps=3), [1.0, 0.9, 0.72, 0.486])
    adam = report.descent_path(0.1, "adam", steps=2)
    assert adam[1] == pytest.approx(0.9, abs=1e-5)  # Adam's first step is the rate, whatever the gradient
    big = report.descent_path(0.1, "adam", curvature=1000.0, steps=1)
    assert big[1] == pytest.approx(0.9, abs=1e-5)


def test_descent_path_matches_keras_adam():
    import keras

    weight, optimizer = keras.Variable([1.0]), keras.optimizers.Adam(learning_rate=0.1)
    for _ in range(5):
        optimizer.apply([keras.ops.convert_to_tensor(weight.numpy())], [weight])  # gradient of w²/2 is w
    assert float(weight.numpy()[0]) == pytest.approx(report.descent_path(0.1, "adam", steps=5)[-1], rel=1e-5)


def test_descent_path_refuses_bad_arguments():
    with pytest.raises(ValueError, match="rule"):
        report.descent_path(0.1, "adagrad")
    with pytest.raises(ValueError, match="rate"):
        report.descent_path(-0.1)
    with pytest.raises(TypeError, match="steps"):
        report.descent_path(0.1, steps=2.5)


def test_step_size_explorer_summaries_and_views():
    explorer = StepSizeExplorer(0.1)
    assert "creeps" in explorer.summary() and "0.9" in explorer.summary()
    assert "lands on 0" in explorer.summary(1.0)
    assert "settles" in explorer.summary(1.9) and "diverges" in explorer.summary(2.05)
    explorer.rate.value = 0.5
    assert explorer.path()[1] == 0.5
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"].startswith('<div class="lrlib-static"') and "diverges" in bundle["text/html"]
    with pytest.raises(ValueError, match="learning rate"):
        StepSizeExplorer(0.123)


def test_sampling_error_explorer_and_table():
    table = sampling_table(0.99, 10_000)
    assert list(table["in images"]) == [20, 28]
    assert table["as accuracy"].iloc[0] == pytest.approx(0.002)
    explorer = SamplingErrorExplorer()
    assert list(explorer.table()["in images"]) == [20, 28]
    explorer.images.value = 2_000
    assert explorer.table()["in images"].iloc[1] == round(math.sqrt(2) * 1.959964 * math.sqrt(0.99 * 0.01 / 2000) * 2000)
    html = explorer.static_html()
    assert html.startswith('<div class="lrlib-static"') and "60,000" in html
