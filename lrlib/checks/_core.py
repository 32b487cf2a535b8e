"""The machinery behind every exercise check: compare an answer, count tries, pick a hint.

A check says "Right" or gives a hint that gets more specific with each failed try of the same
exercise: first the form the answer must have (its type and length), then the first wrong value,
then the idea behind the exercise. The latest verdict of each exercise is kept for the grader.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from numbers import Real
from typing import Any, Callable

import numpy as np

_CHECKS: dict[str, "Check"] = {}
_tries: Counter = Counter()
_latest: dict[str, bool] = {}
_answers: dict[str, Any] = {}  # the latest answer given to each check: what the grader extracts


class FormError(TypeError):
    """Raised by a check's ``prepare`` for an answer of the wrong kind; its message describes
    the answer ("a list of 3"), and the feedback names the form expected instead of an error."""


@dataclass(frozen=True)
class Feedback:
    """What a check says: shown as text in a notebook, true when the answer is right."""

    exercise: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Mistake:
    """A wrong answer seen often enough to deserve its own hint (the article's version, say)."""

    answer: Callable[[], Any]
    hint: str


@dataclass(frozen=True)
class Check:
    """One exercise's check. ``expected`` computes the right answer with lrlib (never typed in)."""

    exercise: str
    chapter: str
    form: str  # what the answer is, in words: "one number", "a list of 25 rates", ...
    expected: Callable[[], Any]
    idea: str
    prepare: Callable[[Any], Any] = lambda answer: answer
    rtol: float = 1e-3
    atol: float = 0.0
    mistakes: tuple[Mistake, ...] = field(default=())

    @property
    def name(self) -> str:
        """The check's name in ``lrlib.checks``: the exercise's label without ``ex-``, as a name."""
        return self.exercise.removeprefix("ex-").replace("-", "_")

    def __call__(self, answer: Any) -> Feedback:
        _answers[self.exercise] = answer
        _latest[self.exercise] = False
        if answer is None or answer is Ellipsis:
            return Feedback(self.exercise, False, f"Not yet ({self.exercise}): no answer yet; the answer should be "
                                                  f"{self.form}.")
        prepared = self._prepare(answer)
        problem, difference = self.compare(prepared)
        if problem is None and difference is None:
            _tries.pop(self.exercise, None)
            _latest[self.exercise] = True
            return Feedback(self.exercise, True, f"Right! ({self.exercise})")
        if problem:  # the form is taught at once, and uses up no hint about the value
            if problem.endswith(_NOT_WHOLE):  # a known slip (a fraction for a count) keeps its own hint
                problem = self._mistake_hint(prepared) or problem
            return Feedback(self.exercise, False, f"Not yet ({self.exercise}): {problem}")
        _tries[self.exercise] += 1
        return Feedback(self.exercise, False,
                        f"Not yet ({self.exercise}, try {_tries[self.exercise]}): {self._hint(prepared, difference)}")

    def compare(self, prepared: Any, expected: Any = None) -> tuple[str | None, "_Difference | None"]:
        """Why a prepared answer has the wrong form, or how it differs from ``expected`` (computed
        when None); both None when it is right. Counts no try: the grader judges with it."""
        expected = self.expected() if expected is None else expected
        problem = _form_problem(prepared, expected, self.form)
        return problem, None if problem else _first_difference(prepared, expected, self.rtol, self.atol)

    def _prepare(self, answer: Any) -> Any:
        try:
            return self.prepare(answer)
        except FormError as error:
            return _Unusable(str(error), described=True)
        except Exception as error:  # the student's function raised: that is feedback, not a crash
            return _Unusable(f"{type(error).__name__}: {error}")

    def _mistake_hint(self, prepared: Any) -> str | None:
        return next((mistake.hint for mistake in self.mistakes
                     if _first_difference(prepared, mistake.answer(), self.rtol, self.atol) is None), None)

    def _hint(self, prepared: Any, difference: "_Difference") -> str:
        """Never the answer, never which way it lies (a single number could be bisected to): how
        much is wrong, then which value, then the idea to revisit (at once for a single number)."""
        hint = self._mistake_hint(prepared)
        if hint:
            return hint
        tries = _tries[self.exercise]
        if tries == 1:
            return f"the form is right ({self.form}), but {difference.count}. Look again, then check again."
        if tries == 2 and not difference.single:
            return f"{difference.first}."
        return f"{difference.first}. Revisit the idea: {self.idea}"


@dataclass(frozen=True)
class _Unusable:
    reason: str
    described: bool = False  # the reason describes the answer (a FormError), not an error it raised


@dataclass(frozen=True)
class _Difference:
    count: str  # how much is wrong, without saying where
    first: str  # the first wrong value, without giving the right one away or the side it lies on
    single: bool = False  # the answer is one value: naming it wrong says no more than "off"


def register(*checks: Check) -> None:
    for check in checks:
        if check.exercise in _CHECKS:
            raise ValueError(f"exercise {check.exercise!r} already has a check")
        _CHECKS[check.exercise] = check


def checks_of(chapter: str) -> list[Check]:
    """The checks of one chapter (its notebook's name without .ipynb), in the book's order."""
    return [check for check in _CHECKS.values() if check.chapter == chapter]


def all_checks() -> dict[str, Check]:
    return dict(_CHECKS)


def scores() -> dict[str, bool]:
    """The latest verdict of each exercise checked in this session: what the grader reads."""
    return dict(_latest)


def answers() -> dict[str, Any]:
    """The latest answer given to each exercise's check in this session, as given."""
    return dict(_answers)


def reset() -> None:
    """Forget every try, verdict and answer (a fresh session)."""
    _tries.clear()
    _latest.clear()
    _answers.clear()


_NOT_WHOLE = ", which is not a whole number"  # the form says "whole number": a fraction is the wrong form


def _is_number(value: Any) -> bool:
    return isinstance(value, (Real, np.number)) and not isinstance(value, (bool, np.bool_))


def _describe(value: Any) -> str:
    if isinstance(value, _Unusable):
        return value.reason if value.described else f"an error ({value.reason})"
    if isinstance(value, str):
        return f"the text {value!r}"
    if _is_number(value):
        return f"the number {value!r}"
    if isinstance(value, (list, tuple, np.ndarray)):
        return f"a {type(value).__name__} of {len(value)}"
    if value is None or value is Ellipsis:
        return f"{value!r} (no answer yet)"
    return f"a {type(value).__name__}"


def _form_problem(answer: Any, expected: Any, form: str) -> str | None:
    """Why the answer cannot be compared with the expected one, or None when it can."""
    wrong = f"the answer should be {form}, but it is {_describe(answer)}"
    if isinstance(answer, _Unusable):
        return wrong
    if isinstance(expected, str):
        return None if isinstance(answer, str) else wrong
    if isinstance(expected, dict):
        if not isinstance(answer, dict):
            return wrong
        missing = sorted(set(expected) - set(answer))
        if missing:
            return f"{wrong}, without the key {missing[0]!r}"
        return next((problem for key in expected
                     if (problem := _form_problem(answer[key], expected[key], f"{form}; at {key!r}, a number"))),
                    None)
    if isinstance(expected, (set, frozenset)):
        ok = isinstance(answer, (set, frozenset, list, tuple)) and all(isinstance(a, str) for a in answer)
        return None if ok else wrong
    if _is_number(expected):
        if not _is_number(answer):
            return wrong
        if not math.isfinite(float(answer)):
            return f"{wrong}, which is not a finite number"
        return f"{wrong}{_NOT_WHOLE}" if "whole number" in form and float(answer) % 1 else None
    values = np.asarray(expected)
    try:
        given = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return wrong
    if isinstance(answer, (str, dict)) or given.shape != values.shape:
        return wrong
    return None if np.all(np.isfinite(given)) else f"{wrong}, with values that are not finite numbers"


def _first_difference(answer: Any, expected: Any, rtol: float, atol: float) -> _Difference | None:
    if isinstance(expected, str):
        if answer.strip().lower() == expected.lower():
            return None
        return _Difference("the answer is not the right one", f"it is not {answer!r}", single=True)
    if isinstance(expected, dict):
        for key in expected:
            difference = _first_difference(answer[key], expected[key], rtol, atol)
            if difference is not None:
                wrong = sum(_first_difference(answer[k], expected[k], rtol, atol) is not None for k in expected)
                return _Difference(f"{wrong} of {len(expected)} values are off", f"at {key!r}, {difference.first}")
        return None
    if isinstance(expected, (set, frozenset)):
        given, expected = {a.strip().lower() for a in answer}, {e.lower() for e in expected}  # names in any case
        extra, missing = sorted(given - expected), sorted(expected - given)
        if not extra and not missing:
            return None
        first = f"{extra[0]!r} does not belong in it" if extra else f"one name is missing ({len(missing)} in all)"
        return _Difference(f"{len(extra) + len(missing)} names are wrong or missing", first)
    given, values = np.atleast_1d(np.asarray(answer, dtype=float)), np.atleast_1d(np.asarray(expected, dtype=float))
    wrong = np.flatnonzero(~np.isclose(given, values, rtol=rtol, atol=atol))
    if wrong.size == 0:
        return None
    where = int(wrong[0])
    if values.size == 1:
        return _Difference("the value is off", f"{given[where]:.6g} is not it", single=True)
    return _Difference(f"{wrong.size} of {values.size} values are off", f"entry {where}, {given[where]:.6g}, is not right")
