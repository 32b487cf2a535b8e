"""lrlib.checks: the machinery (forms, hints that sharpen, the grader's verdicts) and the checks of
chapters 11, 12 and 14 against their solutions and common mistakes."""

import numpy as np
import pytest

from lrlib import checks, range_test, trajectories
from lrlib.checks import _core
from lrlib.checks._core import Check, Mistake


@pytest.fixture
def toy(monkeypatch):
    """A check registered for the test only: the answer is [1, 2, 3]; 'the article' says [1, 2, 4]."""
    check = Check("ex-toy-list", "99_toy", "a list of 3 numbers", expected=lambda: [1.0, 2.0, 3.0],
                  idea="count from one.", mistakes=(Mistake(lambda: [1.0, 2.0, 4.0], "that is the article's list."),))
    monkeypatch.setitem(_core._CHECKS, check.exercise, check)
    return check


def test_a_right_answer_passes_and_is_recorded(toy):
    feedback = toy([1, 2, 3.0004])
    assert feedback and feedback.passed and repr(feedback) == "Right! (ex-toy-list)"
    assert checks.scores() == {"ex-toy-list": True}


def test_hints_sharpen_from_the_form_to_the_first_wrong_value_to_the_idea(toy):
    first, second, third = toy([1, 5, 9]), toy([1, 5, 9]), toy([1, 5, 9])
    assert not first and "the form is right (a list of 3 numbers), but 2 of 3 values are off" in repr(first)
    assert "try 2" in repr(second) and "entry 1, 5, is not right" in repr(second) and "idea" not in repr(second)
    assert "try 3" in repr(third) and "Revisit the idea: count from one." in repr(third)
    assert checks.scores() == {"ex-toy-list": False}


@pytest.mark.parametrize("answer, words", [
    (3.0, "a list of 3 numbers, but it is the number 3.0"),
    ([1, 2], "but it is a list of 2"),
    ("1, 2, 3", "but it is the text '1, 2, 3'"),
    (..., "no answer yet; the answer should be a list of 3 numbers"),
    (None, "no answer yet; the answer should be a list of 3 numbers"),
    ([1, 2, float("nan")], "not finite"),
])
def test_a_wrong_form_or_no_answer_is_named_and_uses_up_no_hint(toy, answer, words):
    for _ in range(3):
        feedback = repr(toy(answer))
        assert words in feedback and "try" not in feedback
    assert "try 1" in repr(toy([1, 5, 9])) and checks.scores() == {"ex-toy-list": False}


def test_a_single_number_is_never_said_to_be_too_large_or_too_small(monkeypatch):
    # "too large / too small" with unlimited tries lets a student bisect to the answer: the second
    # try already names the idea to revisit instead.
    check = Check("ex-toy-number", "99_toy", "one number", expected=lambda: 0.02, idea="think of the factor.")
    monkeypatch.setitem(_core._CHECKS, check.exercise, check)
    hints = [repr(check(answer)) for answer in (0.5, 0.001, 0.03)]
    assert not any("large" in hint or "small" in hint for hint in hints)
    assert "0.001 is not it. Revisit the idea: think of the factor." in hints[1] and "0.02" not in " ".join(hints)


def test_a_known_mistake_gets_its_own_hint(toy):
    assert "that is the article's list." in repr(toy([1, 2, 4]))


def test_a_right_answer_after_failures_starts_the_hints_over(toy):
    toy([0, 0, 0])
    toy([0, 0, 0])
    assert toy([1, 2, 3])
    assert "try 1" in repr(toy([0, 0, 0]))


def test_a_function_answer_that_raises_is_feedback_not_a_crash(monkeypatch):
    check = Check("ex-toy-function", "99_toy", "a function of the epoch", expected=lambda: [1.0, 0.5],
                  idea="halve it.", prepare=lambda f: [f(epoch) for epoch in range(2)])
    monkeypatch.setitem(_core._CHECKS, check.exercise, check)
    assert "an error (ZeroDivisionError" in repr(check(lambda epoch: 1 / 0))
    assert check(lambda epoch: 0.5 ** epoch)


@pytest.mark.parametrize("expected, right, wrong, hint", [
    ("adam", " Adam ", "sgd", "it is not 'sgd'"),
    (frozenset({"adam", "nadam"}), ["Nadam", "adam"], {"adam", "sgd"}, "'sgd' does not belong in it"),
    (frozenset({"Muon (WSD)", "Lion"}), ["muon (wsd)", " Lion "], {"Lion"}, "one name is missing"),
    ({"a": 1.0, "b": 2.0}, {"b": 2, "a": 1}, {"a": 1.0, "b": 3.0}, "at 'b', 3 is not it"),
])
def test_texts_sets_and_dicts(monkeypatch, expected, right, wrong, hint):
    check = Check("ex-toy-kinds", "99_toy", "an answer", expected=lambda: expected, idea="think.")
    monkeypatch.setitem(_core._CHECKS, check.exercise, check)
    assert check(right)
    check(wrong)
    assert hint in repr(check(wrong))


def test_a_missing_dict_key_is_named(monkeypatch):
    check = Check("ex-toy-dict", "99_toy", "a dict", expected=lambda: {"a": 1.0, "b": 2.0}, idea="think.")
    monkeypatch.setitem(_core._CHECKS, check.exercise, check)
    assert "without the key 'b'" in repr(check({"a": 1.0}))


def test_checks_are_found_by_name_and_listed_by_chapter():
    assert checks.adaptive_stable_rate.exercise == "ex-adaptive-stable-rate"
    assert [c.name for c in checks.checks_of("14_the_range_test")] == ["range_lag", "range_own"]
    assert "range_lag" in dir(checks)
    with pytest.raises(AttributeError, match="no check 'nonsense'.*range_lag"):
        checks.nonsense


def test_an_exercise_gets_one_check_only():
    with pytest.raises(ValueError, match="ex-range-lag"):
        _core.register(Check("ex-range-lag", "14_the_range_test", "x", expected=lambda: 1.0, idea="x"))


def test_chapter_11_checks_pass_the_solutions_and_catch_the_mistakes():
    assert checks.adaptive_stable_rate(2 / 100)
    assert "reaches 0 in one step" in repr(checks.adaptive_stable_rate(1 / 100))
    for near in (0.0199, 0.0201):  # the solution's rates on either side of the limit; 0.0201 diverges
        assert not checks.adaptive_stable_rate(near)
    adam = trajectories.trajectory("Adam", 0.05, steps=1, problem="rosenbrock")
    assert checks.adaptive_adam_first_step(adam.points[1] - adam.points[0])
    assert "what SGD would do" in repr(checks.adaptive_adam_first_step(-0.05 * adam.gradients[0]))
    flat = trajectories.trajectory("Adagrad", 0.5, steps=200).step_sizes[:, 0]
    assert checks.adaptive_adagrad(flat[9] / flat[-1])
    assert "constant gradient" in repr(checks.adaptive_adagrad(np.sqrt(20)))


def test_chapter_12_checks_read_the_stored_defaults(book_results):
    from lrlib import report, run_many, scenarios

    chosen = [s for s in scenarios("adaptive-defaults") if s.name.endswith(" default")]
    runs = dict(zip((s.name.split()[0] for s in chosen), run_many([s.experiment for s in chosen])))
    best = report.noise.choose(runs)  # on validation accuracy
    worst = min(runs, key=lambda name: report.noise.score(runs[name]))
    gap = report.noise.score(runs[best]) - report.noise.score(runs[worst])
    images = report.noise.evaluated_images(runs[best], "val_accuracy")
    assert checks.defaults_images(round(gap * images))
    assert "fraction of the validation set" in repr(checks.defaults_images(gap))
    test_gap = max(r.test_accuracy for r in runs.values()) - min(r.test_accuracy for r in runs.values())
    assert not checks.defaults_images(round(test_gap * report.test_images(runs[best])))  # chosen on test: wrong
    reached = {n: report.epochs_to_accuracy(r) for n, r in runs.items() if report.epochs_to_accuracy(r)}
    fastest = {n for n, e in reached.items() if e == min(reached.values())}
    assert checks.defaults_fastest(fastest)
    assert not checks.defaults_fastest(set(runs) - fastest)


def test_chapter_14_checks_read_the_stored_range_test(book_results):
    from lrlib import run_many, scenarios

    plan = next(s.experiment for s in scenarios("range-tests")
                if s.experiment.experiment.optimizer == "adam" and s.experiment.experiment.seed == 0)
    test = run_many([plan])[0].test
    own = np.asarray(test.losses)
    running = np.cumsum(own) / np.arange(1, len(own) + 1)
    moves = {rule: np.log10(range_test.suggest(test.rates, range_test.smooth(running, test.beta), rule)
                            / range_test.suggest(test.rates, range_test.smooth(own, test.beta), rule))
             for rule in ("steepest", "minimum/10")}
    assert checks.range_lag({rule: round(move, 1) for rule, move in moves.items()})
    assert "signs are swapped" in repr(checks.range_lag({rule: -move for rule, move in moves.items()}))
    rates = range_test.rates_between(1e-4, 1e2, 60)
    losses = tuple(0.7 - 0.6 / (1 + np.exp(-3 * (np.log10(rates) + 1))) + 5 * (rates > 10))  # a descent around 0.1
    right = range_test.RangeTest(tuple(rates), losses, 0.9, "done", 1.0)
    weights = [np.ones((2, 2)), np.zeros(2)]
    answer = {"test": right, "valley": right.suggestion("valley"), "before": weights, "after": [w.copy() for w in weights]}
    assert checks.range_own(answer)
    linear = range_test.RangeTest(tuple(range_test.rates_between(1e-4, 1e2, 60, "linear")), losses, 0.9, "done", 1.0)
    assert not checks.range_own({**answer, "test": linear})
    assert not checks.range_own({**answer, "valley": right.suggestion("steepest")})  # not the valley rule's rate
    assert not checks.range_own({**answer, "after": [weights[0] + 0.1, weights[1]]})  # weights that changed
    assert "should be a dict {'test'" in repr(checks.range_own(right))  # the test alone is not the answer


def test_chapter_13_checks_read_the_stored_sweep(book_results):
    import pandas as pd

    from lrlib import report, run_many, scenarios

    results = run_many([s.experiment for s in scenarios("adaptive-sweep")])
    widths = pd.DataFrame({t: report.band_width_table(results, t)["width"] for t in (0.002, 0.005, 0.02)})
    right, halfway = (set(widths.index[widths[0.002] != widths[t]]) for t in (0.02, 0.005))
    assert checks.sensitivity_tolerance(right) and right != halfway
    assert "compare 0.2 % with 2 %" in repr(checks.sensitivity_tolerance(halfway))
    adam = report.good_band_width([r for r in results if r.experiment.optimizer == "adam"])
    assert checks.sensitivity_finer(np.geomspace(adam["band to"], adam["bad above"], 4)[1:-1])
    assert "log-rate" in repr(checks.sensitivity_finer(np.linspace(adam["band to"], adam["bad above"], 4)[1:-1]))


def test_chapter_15_checks_read_the_stored_runs(book_results):
    from lrlib import catalog, report, run_many, scenarios

    sweep = [r for r in run_many([s.experiment for s in scenarios("adaptive-sweep")]) if r.experiment.optimizer == "sgd"]
    best = max(sweep, key=lambda r: report.noise.score(r))  # chosen on validation accuracy
    suggested = next(r for r in run_many([s.experiment for s in scenarios("range-suggested")])
                     if r.experiment.optimizer == "sgd" and r.experiment.epochs == catalog.sensitivity_epochs())
    gap = report.noise.score(suggested) - report.noise.score(best)
    images = round(gap * report.noise.evaluated_images(best, "val_accuracy"))
    assert checks.suggested_images(images) and images != 0
    assert "sign is not" in repr(checks.suggested_images(-images))
    assert "fraction of the validation set" in repr(checks.suggested_images(gap))
    records = run_many([s.experiment for s in scenarios("range-tests")])
    inside = set()
    for name in {r.plan.experiment.optimizer for r in records}:
        steepest = np.median([r.test.suggestion("steepest") for r in records if r.plan.experiment.optimizer == name])
        band = report.good_band_width([r for r in run_many([s.experiment for s in scenarios("adaptive-sweep")])
                                       if r.experiment.optimizer == name])
        if band["band from"] <= steepest <= band["band to"]:
            inside.add(name)
    assert checks.suggested_steepest(inside)
    assert not checks.suggested_steepest(inside ^ {"sgd"})


def test_no_hint_of_decay_constants_states_the_answer():
    # Its third hint once gave both formulas solved for k.
    right = checks.decay_constants.expected()
    hints = " ".join(repr(checks.decay_constants({"time": 0.5, "exponential": 0.5})) for _ in range(4))
    assert "Revisit the idea" in hints
    for value in right.values():
        assert f"{value:.3g}" not in hints and f"{value:.2g}" not in hints
    assert not any(formula in hints for formula in ("9 / 24", "ln(10) / 24", "1 + k * 24 = 10"))
