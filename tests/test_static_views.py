"""The published book's controls (lrlib.static_view): the browser-side formulas give lrlib's
values, and every control of every view redraws, in headless Chromium with no network."""

import json

import ipywidgets as widgets
import numpy as np
import pytest

from browser_helpers import PageProblems, move_each_control, sweep_controls
from lrlib import schedules, static_view, trajectories
from lrlib.range_test import SUGGESTIONS, smooth, suggest

S = schedules
SCHEDULES = [
    S.constant(0.01),
    S.linear_decay(0.1, 0.01, decay_epochs=10, steps_per_epoch=7),
    S.step_decay(0.1, 0.5, epochs_per_drop=3, steps_per_epoch=5),
    S.time_decay(0.1, 0.3, steps_per_epoch=4),
    S.exponential_decay(0.1, 0.2, steps_per_epoch=3),
    S.piecewise_constant([10, 50], [0.1, 0.01, 0.001]),
    S.polynomial_decay(0.1, 0.001, 100, power=2.0),
    S.cosine_decay(0.1, 100, final_rate=0.001),
    S.linear_warmup(0.1, 20, start_rate=0.001),
    S.join([S.linear_warmup(0.1, 20), S.cosine_decay(0.1, 80)], [20]),
    S.triangular(1e-3, 1e-2, 25),
    S.triangular2(1e-3, 1e-2, 25),
    S.exp_range(1e-3, 1e-2, 25, gamma=0.999),
    S.one_cycle(0.01, 333),
    S.one_cycle(0.01, 101, warmup_fraction=0.25, start_divisor=10.0, final_divisor=100.0, shape="linear"),
    S.one_cycle(0.01, 6, warmup_fraction=0.5),  # a peak step of 2.5, which Python rounds to 2
    S.wsd(0.01, 100, warmup_steps=5),
    S.wsd(0.01, 90, warmup_steps=0, decay_fraction=0.25, final_rate=0.001, decay_shape="cosine"),  # 22.5: rounds to 22
    S.wsd(0.01, 40, warmup_steps=3, decay_fraction=1.0 - 3 / 40, decay_shape="1-sqrt"),
    S.cyclical_momentum(25),
    S.one_cycle_momentum(333, shape="linear"),
]


@pytest.fixture(scope="module")
def page(chromium):
    """A blank page with the static views' script loaded."""
    page = chromium.new_page()
    problems = PageProblems(page)
    page.set_content(f"<html><body><script>{static_view.SCRIPT_PATH.read_text()}</script></body></html>")
    yield page
    assert not problems.errors
    page.close()


# --- without a browser ----------------------------------------------------------------------------

def test_jsonable_makes_numpy_plain_and_non_finite_numbers_gaps():
    data = static_view._jsonable({"a": np.array([1.0, np.nan, np.inf]), 2: (np.int64(3), np.bool_(True))})
    assert data == {"a": [1.0, None, None], "2": [3, True]}
    json.dumps(data, allow_nan=False)


def test_render_keeps_its_data_from_ending_the_script_early():
    html = static_view.render("notice", {"html": "</script><b>bold</b>"})
    assert html.count("</script>") == 3  # the data's, the library's and the mount call's
    assert 'data-view="notice"' in html and "lrlibStatic.mount" in html


def test_controls_follow_their_widgets():
    log = widgets.FloatLogSlider(value=0.01, base=10, min=-5, max=0, step=0.25, description="rate")
    assert static_view.control("rate", log) == {
        "name": "rate", "label": "rate", "type": "range", "min": -5, "max": 0, "step": 0.25, "log": True,
        "position": pytest.approx(-2), "percent": False, "digits": 2}
    share = widgets.FloatSlider(value=0.005, min=0, max=0.05, step=0.001, readout_format=".1%", description="tol")
    spec = static_view.control("tol", share, discrete=True)
    assert spec["type"] == "slider" and len(spec["options"]) == 51 and spec["options"][spec["value"]] == "0.5%"
    assert static_view.control("n", widgets.IntSlider(value=3, min=1, max=9))["digits"] == 0
    choice = static_view.control("o", widgets.ToggleButtons(options=["adam", "sgd"], value="sgd"))
    assert choice["type"] == "select" and choice["options"] == ["adam", "sgd"] and choice["value"] == 1
    picks = static_view.control("v", widgets.SelectMultiple(options=["a", "b", "c"], value=("a", "c")))
    assert picks["type"] == "multi" and picks["value"] == [0, 2]
    assert static_view.control("log", widgets.Checkbox(value=True))["value"] is True
    when = static_view.control("g", widgets.FloatSlider(), when={"policy": [2]})
    assert when["when"] == {"policy": [2]}


def test_lookup_precomputes_every_combination_under_the_pages_key():
    controls = [{"name": "a", "options": ["x", "y"]}, {"name": "b", "options": ["1", "2", "3"]}]
    data = static_view.lookup(controls, lambda i, j: {"text": f"{i}{j}"})
    assert data["keys"] == ["a", "b"] and len(data["views"]) == 6 and data["views"]["1|2"] == {"text": "12"}


def test_positions_run_from_the_minimum_to_the_maximum():
    assert static_view.positions(widgets.FloatSlider(min=0, max=0.01, step=0.0005))[-1] == 0.01
    assert len(static_view.positions(widgets.FloatLogSlider(min=-4, max=0.5, step=0.125))) == 37


def test_every_schedule_kind_has_a_case_here():
    assert {schedule.kind for schedule in SCHEDULES} == set(schedules.kinds())


# --- the formulas, in Chromium -------------------------------------------------------------

@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: s.kind)
def test_browser_schedules_give_lrlibs_values(page, schedule):
    steps = np.concatenate([np.arange(0, 1500), [2.5, 99.5, 1e5]])
    browser = page.evaluate("([config, steps]) => window.lrlibStatic.values(config, steps)",
                            [schedule.to_config(), steps.tolist()])
    np.testing.assert_allclose(browser, schedule.values(steps), rtol=1e-12, atol=1e-15)


def test_browser_refuses_a_schedule_kind_it_does_not_know(page):
    message = page.evaluate("() => { try { window.lrlibStatic.value({kind: 'nope'}, 0) } catch (e) { return e.message } }")
    assert "nope" in message


SUGGEST = """([rates, losses, beta, rules]) => {
  const smoothed = window.lrlibStatic.smooth(losses, beta), found = {};
  rules.forEach((rule) => {
    try { found[rule] = window.lrlibStatic.suggest(rates, smoothed, rule); } catch (e) { found[rule] = "error"; }
  });
  return [smoothed.map((v) => (Number.isFinite(v) ? v : null)), found];
}"""


def python_suggestions(rates, losses, beta):
    smoothed, found = smooth(losses, beta), {}
    for rule in SUGGESTIONS:
        try:
            found[rule] = suggest(rates, smoothed, rule)
        except ValueError:
            found[rule] = "error"
    return smoothed, found


def assert_same_suggestions(page, rates, losses, beta):
    smoothed, found = python_suggestions(rates, losses, beta)
    browser_smoothed, browser_found = page.evaluate(SUGGEST, [list(rates), static_view._jsonable(losses), beta,
                                                              list(SUGGESTIONS)])
    browser_smoothed = np.array([np.nan if v is None else v for v in browser_smoothed])
    np.testing.assert_array_equal(np.isfinite(browser_smoothed), np.isfinite(smoothed))
    np.testing.assert_allclose(browser_smoothed[np.isfinite(smoothed)], smoothed[np.isfinite(smoothed)], rtol=1e-12)
    assert browser_found.keys() == found.keys()
    for rule, rate in found.items():
        expected = rate if isinstance(rate, str) else pytest.approx(rate, rel=1e-12)
        assert browser_found[rule] == expected, (rule, beta)


def test_browser_range_test_suggestions_are_lrlibs_on_every_stored_test(page, book_results):
    from lrlib.catalog import scenarios
    from lrlib.training import run_many

    records = run_many([s.experiment for s in scenarios("range-tests")], description="range tests")
    assert len(records) >= 8
    for record in records:
        for beta in (0.0, 0.5, 0.9, 0.98, 0.995):
            assert_same_suggestions(page, record.test.rates, record.test.losses, beta)


def test_browser_range_test_edge_cases_are_lrlibs(page):
    rates = list(np.geomspace(1e-6, 10, 60))
    falling = list(np.concatenate([np.full(20, 2.3), np.linspace(2.3, 0.3, 30), np.geomspace(0.3, 50, 10)]))
    with_gaps = falling[:45] + [float("nan"), float("inf")] + falling[47:]
    flat = [2.3] * 60  # no descent: valley refuses, as lrlib does
    for losses in (falling, with_gaps, flat):
        for beta in (0.0, 0.9):
            assert_same_suggestions(page, rates, losses, beta)


TRAJECTORY = """([optimizer, options, rate, steps, problem]) => {
  const path = window.lrlibStatic.trajectory(optimizer, options, rate, steps, problem);
  return path.points.map((p) => p.map((v) => (Number.isFinite(v) ? v : null)));
}"""


@pytest.mark.parametrize("variant", list(trajectories.VARIANTS))
def test_browser_trajectories_step_as_keras_does(page, variant):
    for problem_name, make in trajectories.PROBLEMS.items():
        problem = make()
        spec = {"kind": problem_name, "start": problem.start, "curvatures": problem.gradient(np.ones(2))}
        for rate in (1e-3, 0.01, 0.3):
            keras_path = trajectories.trajectory(variant, rate, 150, problem_name).points
            browser = page.evaluate(TRAJECTORY, static_view._jsonable(
                [trajectories.VARIANTS[variant][0], trajectories.update_options(variant), rate, 150, spec]))
            browser = np.array([[np.nan if v is None else float(v) for v in point] for point in browser])
            assert browser.shape == keras_path.shape, (problem_name, rate)
            finite = np.isfinite(keras_path).all(axis=1)
            np.testing.assert_allclose(browser[finite], keras_path[finite], rtol=1e-9, atol=1e-12,
                                       err_msg=f"{variant} on {problem_name} at {rate}")


def test_update_options_are_kerass_defaults_under_the_variants_own():
    assert trajectories.update_options("Nesterov") == {"momentum": 0.9, "nesterov": True}
    assert trajectories.update_options("Adagrad")["initial_accumulator_value"] == 0.1
    with pytest.raises(ValueError, match="variant.*'Lion'"):
        trajectories.update_options("Lion")


def test_browser_compounding_is_the_article_codes(page):
    from lrlib import article_code

    for decay in (1.5e-6, 1e-3, 0.1, 1.0):
        code = article_code.rates_over(article_code.make_time_decay(0.01, decay=decay), 25)
        browser = page.evaluate("([r, k, n]) => window.lrlibStatic.compounding(r, k, n)", [0.01, decay, 25])
        assert browser == code  # the same operations in the same order: equal to the bit


# --- every control class's static view, in Chromium ------------------------------------------

CONTROL_COUNT = 17


@pytest.fixture(scope="module")
def every_control(chromium):
    """One instance of every control class, on the book's stored full-profile results (two of
    BandExplorer: rates alone, and rates beside a learning-rate-free method's knob)."""
    import os

    from lrlib import catalog, report
    from lrlib import widgets as w
    from lrlib.catalog import scenarios
    from lrlib.training import run_many

    saved = {name: os.environ.get(name) for name in ("LRLIB_PROFILE", "LRLIB_STORED_ONLY")}
    os.environ.update(LRLIB_PROFILE="full", LRLIB_STORED_ONLY="1")
    try:
        def stored(group):
            return run_many([s.experiment for s in scenarios(group)], description=group)

        fixed, grid, sweep = stored("fixed-lr"), stored("decay-grid"), stored("adaptive-sweep")
        records, suggested = stored("range-tests"), stored("range-suggested")
        short = [r for r in suggested if r.experiment.epochs == catalog.sensitivity_epochs()]
        starts = sorted({(r.experiment.optimizer, r.experiment.initial_rate) for r in grid})[:3]
        controls = [
            w.RateExplorer(fixed), w.RateExplorer(sweep, metrics=("val_accuracy",), log_scale=False),
            w.TrainPanel("adam", 0.001), w.DecayExplorer(0.01, 25),
            w.ResultBrowser({f"{o} from {r:g}": [x for x in grid if (x.experiment.optimizer, x.experiment.initial_rate)
                                                  == (o, r)] for o, r in starts}),
            w.TieExplorer(report.grid_table(grid), tie=0.001), w.BandExplorer(sweep, tolerance=0.005),
            w.RangeTestExplorer(records), w.SuggestionExplorer(sweep, records, short),
            w.TrajectoryExplorer(("SGD", "Adam"), learning_rate=0.01, steps=100),
            w.CycleExplorer(0.01, 0.1, step_epochs=2, epochs=12, steps_per_epoch=192),
            w.ArticleDecayExplorer(0.01, 25), w.StepSizeExplorer(rate=0.1),
            w.SamplingErrorExplorer(accuracy=0.99, images=10_000), w.AfterTheArticleExplorer(0.1, 1.0, steps=60)]
        budgets = {name: run_many([s.experiment for s in runs], description=name)
                   for name, runs in catalog.after_time_to_accuracy().items()}
        controls.append(w.BudgetExplorer(report.budget_table(budgets, catalog.TARGET_ACCURACY),
                                         catalog.TARGET_ACCURACY, images=12_000))
        # The after-the-article bands: a learning-rate-free method's knob on the same axis as rates.
        controls.append(w.BandExplorer(report.with_repeats(stored("after-sweep"), stored("after-repeats")),
                                       tolerance=0.005))
    finally:
        for name, value in saved.items():
            os.environ.pop(name) if value is None else os.environ.__setitem__(name, value)
    return controls


def test_every_control_class_is_covered(every_control):
    from lrlib.widgets import _Control

    assert {type(c) for c in every_control} == set(_Control.__subclasses__())
    assert len(every_control) == CONTROL_COUNT  # the per-view tests below run over range(CONTROL_COUNT)


def test_each_control_offers_a_live_and_a_static_view(every_control):
    for control in every_control:
        bundle = control._repr_mimebundle_()
        assert "application/vnd.jupyter.widget-view+json" in bundle, type(control).__name__
        assert bundle["text/html"].startswith('<div class="lrlib-static"')


@pytest.fixture
def opened(chromium, every_control):
    """Open the static view of one of ``every_control`` on a blank page: its page, view and problems."""
    pages = []

    def open_(index):
        page = chromium.new_page(viewport={"width": 1100, "height": 900})
        problems = PageProblems(page, origin="about:blank")
        page.set_content(f"<html><body>{every_control[index].static_html()}</body></html>")
        pages.append(page)
        return page, page.locator(".lrlib-static[data-ready=true]"), problems

    yield open_
    for page in pages:
        page.close()


@pytest.mark.parametrize("index", range(CONTROL_COUNT))
def test_every_control_of_every_static_view_redraws(opened, every_control, index):
    control = every_control[index]
    page, view, problems = opened(index)
    assert view.count() == 1
    changed = move_each_control(view)
    if type(control).__name__ != "TrainPanel":  # a notice with no control: training needs a kernel
        assert changed and all(changed.values()), changed
        spec = json.loads(page.locator("script[type='application/json']").text_content().replace("<\\/", "</"))
        expected = {c["name"] + (str(i) if c["type"] == "multi" else "") for c in spec["controls"]
                    for i in (range(len(c["options"])) if c["type"] == "multi" else [None])}
        assert set(changed) == expected  # every control was moved, those shown only for some choices too
    assert view.locator("svg, table, pre").count() >= 1 or "kernel" in view.inner_text()
    assert not problems.errors and not problems.outside


@pytest.mark.parametrize("index", range(CONTROL_COUNT))
def test_every_static_view_draws_right_at_its_extremes_and_at_random_settings(opened, index):
    _, view, problems = opened(index)
    assert sweep_controls(view, settings=50, seed=index) == []
    assert not problems.errors, problems.errors[:5]


def test_render_refuses_a_view_the_script_does_not_draw():
    with pytest.raises(ValueError, match="view.*'histogram'"):
        static_view.render("histogram", {})


def test_the_python_list_of_views_is_the_scripts():
    import re

    script = static_view.SCRIPT_PATH.read_text()
    table = script[script.index("const VIEWS = {"):script.index("};", script.index("const VIEWS = {"))]
    assert set(re.findall(r"^\s+(\w+):", table, re.M)) == set(static_view.VIEWS)


def test_article_decay_explorer_draws_the_code_against_the_formula(monkeypatch):
    from lrlib import article_code, schedules
    from lrlib.widgets import ArticleDecayExplorer
    from lrlib.widgets import decay as part  # where the explorer looks ``_replace`` up

    drawn = []
    monkeypatch.setattr(part, "_replace", lambda output, *items: drawn.append(items[0].axes[0].get_title()))

    explorer = ArticleDecayExplorer(0.01, 25, decay=1e-2)
    code, formula = explorer.rates()
    assert code == article_code.rates_over(article_code.make_time_decay(0.01, decay=1e-2), 25)
    np.testing.assert_allclose(formula, schedules.time_decay(0.01, 1e-2, steps_per_epoch=1).values(np.arange(25)))
    explorer.decay.value = 0.1
    assert len(drawn) == 2  # drawn at the start, redrawn once for the move
    assert drawn[0] == f"k = 1.0e-02: the article's code keeps {code[-1] / 0.01:.2%} of the rate"
    assert drawn[1].startswith("k = 1.0e-01")
    with pytest.raises(ValueError, match="initial_rate"):
        ArticleDecayExplorer(-1.0)
    with pytest.raises(ValueError, match="epochs"):
        ArticleDecayExplorer(0.01, epochs=0)
    with pytest.raises(ValueError, match="decay"):
        ArticleDecayExplorer(0.01, decay=5.0)


@pytest.mark.parametrize("policy", ["triangular", "exp_range", "one_cycle"])
def test_browser_cycle_view_draws_what_cycle_explorer_computes(page, policy):
    from lrlib.widgets import CycleExplorer

    explorer = CycleExplorer(0.002, 0.05, step_epochs=1.5, epochs=3, steps_per_epoch=75, policy=policy)
    explorer.warmup.value, explorer.gamma.value = 0.4, 0.995
    spec = json.loads(explorer.static_html().split('<script type="application/json">')[1].split("</script>")[0]
                      .replace("<\\/", "</"))
    state = {"policy": explorer.policy.index, "base_rate": 0.002, "max_rate": 0.05, "step_epochs": 1.5,
             "gamma": 0.995, "warmup": 0.4, "epochs": 3}
    drawn = page.evaluate("([state, data]) => window.lrlibStatic.VIEWS.cycles(state, data).panels[0].series"
                          ".map((s) => s.y)", [state, spec["data"]])
    rate, momentum = explorer.schedules()
    steps = np.arange(explorer.total_steps)
    np.testing.assert_allclose(drawn[0], rate.values(steps), rtol=1e-12)
    np.testing.assert_allclose(drawn[1], momentum.values(steps), rtol=1e-12)
