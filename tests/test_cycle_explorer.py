import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lrlib.widgets import CycleExplorer  # noqa: E402


def drawn(explorer):
    """The kinds of output the explorer shows: a figure (png) or a text."""
    return ["text" if "text" in out else "figure" for out in explorer.output.outputs]


def test_the_triangle_runs_between_the_bounds_with_the_momentum_against_it():
    explorer = CycleExplorer(base_rate=0.001, max_rate=0.08, step_epochs=2, epochs=8, steps_per_epoch=10)
    rate, momentum = explorer.schedules()
    steps = np.arange(80)
    values = rate.values(steps)
    assert values[0] == pytest.approx(0.001) and values[20] == pytest.approx(0.08) and values[40] == pytest.approx(0.001)
    assert momentum.values(20) == pytest.approx(0.85) and momentum.values(0) == pytest.approx(0.95)
    assert drawn(explorer) == ["figure"]


def test_each_control_changes_the_schedule_drawn():
    explorer = CycleExplorer(steps_per_epoch=10)
    before = explorer.schedules()[0]
    for control, value in [(explorer.policy, "triangular2"), (explorer.step_epochs, 1.0), (explorer.max_rate, 0.01),
                           (explorer.base_rate, 1e-4), (explorer.policy, "exp_range"), (explorer.gamma, 0.995),
                           (explorer.policy, "one_cycle"), (explorer.warmup, 0.5), (explorer.epochs, 3)]:
        control.value = value
        after = explorer.schedules()[0]
        assert after != before, control.description
        assert drawn(explorer) == ["figure"]
        before = after


def test_one_cycle_starts_at_the_base_rate_and_peaks_at_the_max_rate():
    explorer = CycleExplorer(base_rate=0.0004, max_rate=0.01, epochs=2, steps_per_epoch=100, policy="one_cycle")
    rate, momentum = explorer.schedules()
    values = rate.values(np.arange(200))
    assert values[0] == pytest.approx(0.0004) and values.max() == pytest.approx(0.01)
    assert values[-1] == pytest.approx(0.01 / 1e4)
    assert momentum.values(int(np.argmax(values))) == pytest.approx(0.85)


def test_bounds_in_the_wrong_order_show_the_refusal_instead_of_a_figure():
    explorer = CycleExplorer(base_rate=0.001, max_rate=0.08)
    explorer.base_rate.value = 0.1
    assert drawn(explorer) == ["text"] and "base_rate" in explorer.output.outputs[0]["text"]
    explorer.policy.value = "one_cycle"
    assert drawn(explorer) == ["text"] and "max_rate / base_rate" in explorer.output.outputs[0]["text"]
    explorer.base_rate.value = 0.001
    assert drawn(explorer) == ["figure"]


@pytest.mark.parametrize("arguments, shown", [({"policy": "zigzag"}, "policy='zigzag'"),
                                              ({"step_epochs": 0}, "step_epochs=0"),
                                              ({"base_rate": math.nan}, "base_rate=nan"),
                                              ({"epochs": 0}, "epochs=0"), ({"steps_per_epoch": 0}, "steps_per_epoch=0")])
def test_bad_arguments_are_refused_by_name(arguments, shown):
    with pytest.raises(ValueError) as raised:
        CycleExplorer(**arguments)
    assert shown in str(raised.value)
