import math

import keras
import numpy as np
import pytest

from lrlib import range_test as rt


def linear_model(weight=1.0, optimizer=None):
    """y = w x without bias, mean squared error: with x = 1 and y = 0 the loss is w**2 and SGD's
    step is w -> w (1 - 2 rate)."""
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False,
                                                                     kernel_initializer=keras.initializers.Constant(weight))])
    model.compile(optimizer=optimizer or keras.optimizers.SGD(0.01), loss="mse")
    return model


def small_cnn():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                              keras.layers.Flatten(), keras.layers.Dropout(0.5), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.001), loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    return model, rng.normal(size=(64, 8, 8, 1)).astype("float32"), rng.integers(0, 3, 64)


def state(model):
    return [v.numpy().copy() for v in [*model.variables, *model.optimizer.variables]]


def test_rates_grow_from_start_to_end_by_equal_factors_or_steps():
    exponential = rt.rates_between(1e-6, 1.0, 7)
    assert exponential[0] == pytest.approx(1e-6) and exponential[-1] == pytest.approx(1.0)
    assert np.allclose(exponential[1:] / exponential[:-1], 10.0)
    assert np.allclose(np.diff(rt.rates_between(0.1, 1.0, 10, "linear")), 0.1)


@pytest.mark.parametrize("arguments, error, message", [
    ((1.0, 0.1, 10), ValueError, "end=0.1"), ((0.1, 0.1, 10), ValueError, "end=0.1"),
    ((0.0, 1.0, 10), ValueError, "start=0.0"), ((-1.0, 1.0, 10), ValueError, "start=-1.0"),
    ((1e-3, math.inf, 10), ValueError, "end=inf"), ((math.nan, 1.0, 10), ValueError, "start=nan"),
    ((1e-3, 1.0, 0), ValueError, "steps=0"), ((1e-3, 1.0, 2.5), TypeError, "steps=2.5"),
    ((1e-3, 1.0, 10, "cosine"), ValueError, "mode='cosine'")])
def test_bad_bounds_steps_and_modes_are_refused(arguments, error, message):
    with pytest.raises(error, match=message):
        rt.rates_between(*arguments)


def test_smoothing_is_bias_corrected():
    assert np.allclose(rt.smooth([2.0] * 5, beta=0.9), 2.0)  # no pull towards 0 at the start
    first, second = rt.smooth([1.0, 3.0], beta=0.5)
    assert first == 1.0 and second == pytest.approx((0.5 * 0.5 * 1 + 0.5 * 3) / (1 - 0.25))
    assert np.array_equal(rt.smooth([1.0, 2.0], beta=0.0), [1.0, 2.0])
    with pytest.raises(ValueError, match="beta=1.0"):
        rt.smooth([1.0], beta=1.0)


RATES = np.geomspace(1e-6, 1.0, 61)  # ten points per decade


def test_steepest_finds_the_fastest_fall_against_log_rate():
    losses = 2 - np.tanh(2 * (np.log10(RATES) + 3))  # falls fastest at 1e-3
    assert rt.steepest(RATES, losses) == pytest.approx(1e-3)


def test_steepest_ignores_a_noisy_start_and_whatever_follows_the_minimum():
    losses = 2 - np.tanh(2 * (np.log10(RATES) + 3))
    losses[:3] = [2.9, 2.2, 2.5]  # two noisy first batches: the steepest slope of the whole curve
    losses[-10:] = np.linspace(5.0, 1.5, 10)  # after the minimum, a blow-up that dips again
    assert rt.steepest(RATES, losses) == pytest.approx(1e-3)
    assert rt.steepest(RATES, losses, skip_start=0.0) == pytest.approx(RATES[0])
    with pytest.raises(ValueError, match="skip_start=1.5"):
        rt.steepest(RATES, losses, skip_start=1.5)


def test_minimum_over_ten_is_a_tenth_of_the_lowest_loss():
    losses = (np.log10(RATES) + 1) ** 2  # lowest at 0.1
    assert rt.minimum_over_ten(RATES, losses) == pytest.approx(1e-2)


def test_valley_is_the_middle_of_the_last_descent_despite_a_steeper_short_dip():
    losses = np.full(61, 2.3)
    losses[8:11] = [1.9, 1.0, 1.95]  # a short, steep dip on the plateau
    losses[20:51] = np.linspace(2.3, 0.3, 31)  # the descent, points 20 to 50
    losses[51:] = np.linspace(1.0, 5.0, 10)
    # A tenth of the 2.0 drop is done at point 23, all but a tenth at point 47: the middle is 35.
    assert rt.valley(RATES, losses) == pytest.approx(RATES[35])
    assert rt.steepest(RATES, losses) == pytest.approx(RATES[8])  # the rules disagree here
    sinking = np.linspace(2.30, 2.25, 61)  # a plateau that sinks slowly, then the descent
    sinking[40:51] = np.linspace(2.2, 0.2, 11)
    assert RATES[40] <= rt.valley(RATES, sinking) <= RATES[50]
    spiked = losses.copy()
    spiked[0] = 4.0  # a fresh network's first batch above the plateau does not move the valley
    assert rt.valley(RATES, spiked) == pytest.approx(RATES[35])
    low, high = rt.descent(RATES, losses)
    assert (low, high) == (pytest.approx(RATES[23]), pytest.approx(RATES[47]))
    test = rt.RangeTest(rates=tuple(RATES), losses=tuple(losses), beta=0.0, stop_reason="", wall_time_s=1.0)
    assert test.cycle_bounds() == (low, high)
    with pytest.raises(ValueError, match="never lower"):
        rt.valley(RATES, np.concatenate([np.full(10, 1.0), np.linspace(1.0, 2.0, 51)]))


def test_suggestion_rules_need_a_curve_and_a_known_name():
    with pytest.raises(ValueError, match="rule='fastest'"):
        rt.suggest(RATES, RATES, rule="fastest")
    with pytest.raises(ValueError, match="shape"):
        rt.steepest([1e-3, 1e-2], [1.0, 0.5])
    with pytest.raises(ValueError, match="finite"):
        rt.valley([1e-3, 1e-2, 1e-1, 1.0], [1.0, math.nan, math.inf, 0.5])


def test_each_batch_records_its_own_loss_not_the_running_mean():
    model = linear_model(weight=0.0)  # x = 0: no gradient, so batch i's loss is (i + 1)**2 whatever the rate
    x = np.zeros((40, 1), "float32")
    y = np.repeat(np.arange(1, 11, dtype="float32"), 4)[:, None]
    test = rt.range_test(model, x, y, start=1e-3, end=1.0, steps=10, batch_size=4, stop_factor=1e6)
    assert test.losses == pytest.approx([float(i) ** 2 for i in range(1, 11)])  # the running mean would be lower
    assert test.rates == pytest.approx(rt.rates_between(1e-3, 1.0, 10), rel=1e-6)


def test_the_recorded_rate_is_the_one_the_batch_used():
    model = linear_model(weight=1.0)
    x, y = np.ones((8, 1), "float32"), np.zeros((8, 1), "float32")
    test = rt.range_test(model, x, y, start=1e-3, end=0.1, steps=8, batch_size=1, stop_factor=1e6)
    weight, expected = 1.0, []
    for rate in test.rates:  # loss w**2, then SGD: w <- w (1 - 2 rate)
        expected.append(weight ** 2)
        weight *= 1 - 2 * rate
    assert test.losses == pytest.approx(expected, rel=1e-5)


def test_the_model_and_optimizer_end_bit_for_bit_as_they_started_and_a_second_test_repeats_the_first():
    model, x, y = small_cnn()
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)  # a model with optimizer state worth keeping
    before = state(model)
    first = rt.range_test(model, x, y, start=1e-5, end=1.0, steps=12, batch_size=16, stop_factor=1e6)
    after = state(model)
    assert len(after) == len(before) and all(np.array_equal(a, b) for a, b in zip(after, before))
    assert model.optimizer.learning_rate.numpy() == np.float32(0.001)
    second = rt.range_test(model, x, y, start=1e-5, end=1.0, steps=12, batch_size=16, stop_factor=1e6)
    assert second.losses == first.losses and second.rates == first.rates


def test_the_model_is_restored_when_a_test_fails_midway(monkeypatch):
    model, x, y = small_cnn()
    before = state(model)
    calls, train = [], model.train_on_batch

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("out of memory")
        return train(*args, **kwargs)

    monkeypatch.setattr(model, "train_on_batch", failing)
    with pytest.raises(RuntimeError, match="out of memory"):
        rt.range_test(model, x, y, steps=10, batch_size=16)
    assert all(np.array_equal(a, b) for a, b in zip(state(model), before))


def test_the_test_stops_when_the_smoothed_loss_runs_away_or_a_loss_is_not_finite():
    model = linear_model(weight=1.0)  # SGD diverges once 2 rate > 2: |1 - 2 rate| > 1
    x, y = np.ones((8, 1), "float32"), np.zeros((8, 1), "float32")
    test = rt.range_test(model, x, y, start=1e-2, end=1e3, steps=50, batch_size=1, beta=0.0)
    assert len(test.losses) < 50 and "x its minimum" in test.stop_reason
    assert test.losses[-1] > 4 * min(test.losses)
    overflow = rt.range_test(linear_model(weight=1e30), x, y, start=1e-2, end=1e3, steps=50, batch_size=1)
    assert not math.isfinite(overflow.losses[-1]) and "loss became" in overflow.stop_reason


def test_suggestions_of_a_result_and_their_disagreement():
    test = rt.RangeTest(rates=tuple(RATES), losses=tuple(2 - np.tanh(2 * (np.log10(RATES) + 3))), beta=0.0,
                        stop_reason="reached end=1", wall_time_s=1.0)
    found = test.suggestions()
    assert set(found) == set(rt.SUGGESTIONS) and found["steepest"] == pytest.approx(1e-3)
    assert test.disagreement() == pytest.approx(np.log10(max(found.values()) / min(found.values())))


@pytest.mark.parametrize("change, error, message", [
    ({"start": 1.0, "end": 0.1}, ValueError, "end=0.1"), ({"steps": 0}, ValueError, "steps=0"),
    ({"start": -1.0}, ValueError, "start=-1.0"), ({"end": math.inf}, ValueError, "end=inf"),
    ({"batch_size": 100}, ValueError, "at least one batch of 100"), ({"mode": "cosine"}, ValueError, "mode='cosine'"),
    ({"beta": 1.0}, ValueError, "beta=1.0"), ({"stop_factor": 1.0}, ValueError, "stop_factor=1.0")])
def test_bad_input_is_refused_before_any_batch_and_leaves_the_model_untouched(change, error, message):
    model, x, y = small_cnn()
    before = state(model)
    with pytest.raises(error, match=message):
        rt.range_test(model, x, y, **{"steps": 10, "batch_size": 16, **change})
    assert int(model.optimizer.iterations.numpy()) == 0
    assert all(np.array_equal(a, b) for a, b in zip(state(model), before))


def test_a_model_must_be_compiled_with_a_fixed_rate():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    x = np.zeros((8, 1), "float32")
    with pytest.raises(ValueError, match="compiled"):
        rt.range_test(model, x, x)
    with pytest.raises(TypeError, match="keras.Model"):
        rt.range_test("model", x, x)
    scheduled = linear_model(optimizer=keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)))
    with pytest.raises(ValueError, match="fixed learning rate"):
        rt.range_test(scheduled, x, x)


def plan(**changes):
    from lrlib import Experiment

    return rt.RangeTestPlan(Experiment("sgd", 0.01, profile="tiny"), **{"start": 1e-4, "end": 1.0, "steps": 6, **changes})


def test_a_plan_keeps_only_what_the_test_uses_in_its_key():
    from lrlib import Experiment

    assert plan().key() == rt.RangeTestPlan(Experiment("sgd", 0.5, epochs=9, profile="tiny"), 1e-4, 1.0, 6).key()
    assert plan().key() != plan(steps=7).key() != plan(beta=0.9).key()
    assert rt.RangeTestPlan.from_dict(plan().to_dict()) == plan()
    with pytest.raises(ValueError, match="end=1e-05"):
        plan(end=1e-5)
    with pytest.raises(TypeError, match="experiment="):
        rt.RangeTestPlan("sgd")


def test_run_range_test_stores_the_record_and_serves_it_again(isolated_results, monkeypatch):
    from lrlib.results import ResultStore

    record = rt.run_range_test(plan())
    assert len(record.test.rates) == len(record.test.losses) <= 6 and record.test.rates[0] == pytest.approx(1e-4)
    assert {"lrlib", "keras", "device", "data_fingerprint"} <= set(record.provenance)
    path = ResultStore(isolated_results).path(plan(), record.data_fingerprint)
    assert path.name.startswith("range-test-") and path.exists()
    monkeypatch.setattr(rt, "range_test", lambda *a, **k: pytest.fail("trained again"))
    assert rt.run_range_test(plan()) == record
    monkeypatch.setenv("LRLIB_STORED_ONLY", "1")
    from lrlib import MissingResultError

    with pytest.raises(MissingResultError, match="range test sgd"):
        rt.run_range_test(plan(steps=5))


def test_a_range_test_with_the_same_plan_gives_the_same_curve(isolated_results):
    first = rt.run_range_test(plan())
    again = rt.run_range_test(plan(), retrain=True)
    assert again.test.losses == first.test.losses


def test_a_record_round_trips_with_non_finite_losses_and_refuses_a_bad_one():
    from lrlib.data import MNIST_FINGERPRINT

    test = rt.RangeTest(rates=(1e-3, 1e-2, 1e-1), losses=(2.3, 1.9, math.nan), beta=0.98,
                        stop_reason="loss became nan", wall_time_s=0.5)
    record = rt.RangeTestRecord(plan(), test, {"data_fingerprint": MNIST_FINGERPRINT, "lrlib": "test"})
    data = record.to_dict()
    assert data["test"]["losses"][-1] == "NaN"
    back = rt.RangeTestRecord.from_dict(data)
    assert back.test.rates == test.rates and math.isnan(back.test.losses[-1]) and back.plan == record.plan
    with pytest.raises(ValueError, match="rates"):
        rt.RangeTestRecord.from_dict({**data, "test": {**data["test"], "rates": [1e-3, -1.0, 1e-1]}})
    with pytest.raises(ValueError, match="data_fingerprint"):
        rt.RangeTestRecord.from_dict({**data, "provenance": {}})


def test_plot_range_test_marks_each_suggestion_on_a_log_axis():
    import matplotlib

    matplotlib.use("Agg")
    from lrlib import plots

    test = rt.RangeTest(rates=tuple(RATES), losses=tuple(2 - np.tanh(2 * (np.log10(RATES) + 3))), beta=0.5,
                        stop_reason="reached end=1", wall_time_s=1.0)
    ax = plots.plot_range_test(test)
    labels = [line.get_label() for line in ax.lines]
    assert ax.get_xscale() == "log" and labels[:2] == ["loss of each batch", "smoothed (beta=0.5)"]
    assert [label.split(":")[0] for label in labels[2:]] == list(rt.SUGGESTIONS)
    assert len(plots.plot_range_test(test, rules=["valley"]).lines) == 3


def test_the_range_test_group_has_each_optimizer_with_five_seeds_in_full():
    from lrlib import catalog, scenarios

    full = scenarios("range-tests", "full")
    assert len(full) == 5 * len(catalog.RANGE_TEST_OPTIMIZERS)
    assert {s.experiment.steps for s in full} == {100} and {s.experiment.experiment.seed for s in full} == set(range(5))
    quick = scenarios("range-tests", "quick")
    assert {s.experiment.steps for s in quick} == {20} and len(quick) == 2 * len(catalog.RANGE_TEST_OPTIMIZERS)
    assert catalog.groups_of(full[0].experiment) == ["range-tests"]


def test_run_many_runs_range_tests_and_reproduce_prints_their_suggestions(isolated_results, capsys):
    from lrlib import run_many
    from lrlib.cli import main

    records = run_many([plan(), plan(steps=5)])
    assert all(isinstance(r, rt.RangeTestRecord) for r in records) and len(records[1].test.rates) <= 5
    assert main(["reproduce", "--profile", "tiny", "--only", "range-tests", "--results-dir",
                 str(isolated_results)]) == 0
    out = capsys.readouterr().out
    assert "== range-tests ==" in out and "valley" in out and "steps" in out


def test_range_test_explorer_redraws_with_beta_and_rule():
    from lrlib.widgets import RangeTestExplorer

    losses = 2 - np.tanh(2 * (np.log10(RATES) + 3)) + np.random.default_rng(0).normal(0, 0.05, len(RATES))
    test = rt.RangeTest(rates=tuple(RATES), losses=tuple(losses), beta=0.98, stop_reason="reached end=1",
                        wall_time_s=1.0)
    records = [rt.RangeTestRecord(plan(), test, {}), rt.RangeTestRecord(plan(steps=7), test, {})]
    explorer = RangeTestExplorer(records, beta=0.0)
    assert set(explorer.suggestions()) == set(rt.SUGGESTIONS)
    shown = explorer.output.outputs
    explorer.beta.value = 0.9
    assert explorer.suggestions() == test.suggestions(0.9) and explorer.output.outputs != shown
    explorer.rule.value = "valley"
    assert list(explorer.suggestions()) == ["valley"] and "valley:" in explorer.output.outputs[-1]["text"]
    explorer.test.value = explorer.test.options[1]
    assert explorer.current is records[1]
    with pytest.raises(ValueError, match="records=\\[\\]"):
        RangeTestExplorer([])


def test_suggestion_table_summarises_each_optimizer_and_rule_over_seeds():
    from lrlib import report

    def record(optimizer, shift, seed):
        from lrlib import Experiment

        losses = 2 - np.tanh(2 * (np.log10(RATES) + 3 - shift))  # steepest at 10**(shift - 3)
        test = rt.RangeTest(rates=tuple(RATES), losses=tuple(losses), beta=0.0, stop_reason="", wall_time_s=1.0)
        return rt.RangeTestRecord(rt.RangeTestPlan(Experiment(optimizer, 0.1, seed=seed, profile="tiny")), test, {})

    table = report.suggestion_table([record("adam", 0.0, 0), record("adam", 1.0, 1), record("sgd", 2.0, 0)])
    adam = table.loc[("adam", "steepest")]
    assert adam["tests"] == 2 and adam["lowest"] == pytest.approx(1e-3) and adam["highest"] == pytest.approx(1e-2)
    assert adam["spread (decades)"] == pytest.approx(1.0) and adam["median"] == pytest.approx(0.0055)
    assert table.loc[("sgd", "steepest"), "spread (decades)"] == 0.0
    assert set(table.index.get_level_values("rule")) == set(rt.SUGGESTIONS)
    with pytest.raises(ValueError, match="records=\\[\\]"):
        report.suggestion_table([])


def test_suggested_rates_come_from_the_stored_range_tests(book_results):
    from lrlib import catalog, run_many, scenarios

    records = run_many([s.experiment for s in scenarios("range-tests", "full")])
    for name, rate in catalog.suggested_rates("full").items():
        valleys = [r.test.suggestion("valley") for r in records if r.plan.experiment.optimizer == name]
        assert rate == pytest.approx(np.median(valleys), rel=0.05)  # two significant digits
    suggested = scenarios("range-suggested", "full")
    short = [s for s in suggested if s.experiment.epochs == catalog.sensitivity_epochs("full")]
    assert {s.experiment.optimizer for s in short} == set(catalog.RANGE_TEST_OPTIMIZERS)
    assert {s.experiment.optimizer for s in suggested if s.experiment.epochs == 25} == set(catalog.SWEEP_OPTIMIZERS)


def test_suggested_runs_wait_for_their_range_tests_and_reproduce_builds_them_in_order(tmp_path, capsys, monkeypatch):
    from lrlib import catalog, scenarios
    from lrlib.cli import main

    assert catalog.suggested_rates("tiny") is None and scenarios("range-suggested", "tiny") == []
    elsewhere = tmp_path / "elsewhere"  # --results-dir, not the user's store: the group must look there
    assert main(["reproduce", "--profile", "tiny", "--only", "range-tests", "--only", "range-suggested",
                 "--results-dir", str(elsewhere)]) == 0
    out = capsys.readouterr().out
    assert "== range-suggested ==" in out and "sgd suggested 2 epochs" in out
    monkeypatch.setenv("LRLIB_RESULTS_DIR", str(elsewhere))
    from lrlib import find_stored

    suggested = scenarios("range-suggested", "tiny")
    assert len(suggested) == 6 and all(find_stored(s.experiment) is not None for s in suggested)  # trained, stored
