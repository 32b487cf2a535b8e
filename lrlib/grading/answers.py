"""Answers as plain data: encoded inside the student's kernel, decoded and bounded by the grader.

The kernel is not trusted, so nothing it holds crosses over as an object (no pickle): each answer
becomes JSON with an explicit type. A check whose answer is a function, a schedule, a range test
or a run's result turns it into numbers or text first, with its own ``prepare``, inside the kernel;
the grader then gets only what ``decode`` accepts and judges it in its own process. Whatever the
kernel sends is at worst a different answer, never a score.
"""

from __future__ import annotations

import json
import math
from numbers import Real
from typing import Any

import numpy as np

from ..checks import _core

MAX_ITEMS = 100_000  # numbers and texts in one submission's answers: far above any exercise's
MAX_TEXT = 10_000  # characters in one text
MAX_DEPTH = 8  # nested lists and dicts


class Opaque:
    """An answer of a type no check accepts (a model, a figure): kept only as its type's name."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"a {self.name}"


def encode(exercise: str, answer: Any) -> dict:
    """``answer`` to ``exercise``'s check as typed JSON data, prepared by the check when it turns
    objects into data (run in the student's kernel)."""
    check = _core.all_checks().get(exercise)
    prepared = answer if check is None or _prepares_nothing(check) else check._prepare(answer)
    return _to_data(prepared, 0)


def _prepares_nothing(check: _core.Check) -> bool:
    return check.prepare is _core.Check.__dataclass_fields__["prepare"].default


def _to_data(value: Any, depth: int) -> dict:
    if depth > MAX_DEPTH:
        return {"type": "other", "name": "answer nested too deep"}
    if isinstance(value, _core._Unusable):
        return {"type": "error", "reason": value.reason[:MAX_TEXT]}
    if value is None:
        return {"type": "none"}
    if value is Ellipsis:
        return {"type": "ellipsis"}
    if isinstance(value, (bool, np.bool_)):
        return {"type": "bool", "value": bool(value)}
    if isinstance(value, (Real, np.number)):
        number = float(value)
        return {"type": "number", "value": number if math.isfinite(number) else repr(number)}
    if isinstance(value, str):
        return {"type": "text", "value": value[:MAX_TEXT]}
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {"type": "dict", "items": {key: _to_data(item, depth + 1) for key, item in value.items()}}
    if isinstance(value, (set, frozenset)):
        return {"type": "set", "items": [_to_data(item, depth + 1) for item in value]}
    if isinstance(value, (list, tuple, np.ndarray)):
        items = value.tolist() if isinstance(value, np.ndarray) else value
        return {"type": "list", "items": [_to_data(item, depth + 1) for item in items]}
    return {"type": "other", "name": type(value).__name__[:100]}


def report() -> str:
    """Every answer checked in this session, encoded, as one line of JSON (run in the kernel)."""
    from .. import default_profile

    answers = {}
    for exercise, answer in _core.answers().items():
        try:
            answers[exercise] = encode(exercise, answer)
        except Exception as error:  # an answer that cannot be read is a wrong answer, not a lost row
            answers[exercise] = {"type": "error", "reason": f"{type(error).__name__}: {error}"[:MAX_TEXT]}
    return json.dumps({"profile": default_profile(), "answers": answers})


class Malformed(ValueError):
    """The data did not come from ``report``: the grader counts the answer as unreadable."""


def decode(data: Any) -> Any:
    """One encoded answer back as numbers, texts, lists, dicts and sets, or ``Malformed``."""
    budget = [MAX_ITEMS]
    return _from_data(data, 0, budget)


def _from_data(data: Any, depth: int, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH + 1:
        raise Malformed("the answer is larger than any exercise's")
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise Malformed(f"not an encoded answer: {str(data)[:80]!r}")
    kind = data["type"]
    if kind in ("none", "ellipsis"):
        return None if kind == "none" else Ellipsis
    if kind == "bool" and isinstance(data.get("value"), bool):
        return data["value"]
    if kind == "number":
        return _number(data.get("value"))
    if kind in ("text", "error", "other"):
        text = data.get({"text": "value", "error": "reason", "other": "name"}[kind])
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise Malformed(f"a {kind} without its text")
        return text if kind == "text" else _core._Unusable(text) if kind == "error" else Opaque(text)
    items = data.get("items")
    if kind == "dict" and isinstance(items, dict):
        return {str(key): _from_data(item, depth + 1, budget) for key, item in items.items()}
    if kind in ("list", "set") and isinstance(items, list):
        decoded = [_from_data(item, depth + 1, budget) for item in items]
        if kind == "list":
            return decoded
        if not all(isinstance(item, str) for item in decoded):
            return Opaque("set of things other than names")
        return set(decoded)
    raise Malformed(f"an answer of unknown type {kind!r}")


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise Malformed(f"a number that is not one: {value!r}")
    if isinstance(value, str) and value not in ("nan", "inf", "-inf"):
        raise Malformed(f"a number that is not one: {value[:40]!r}")
    return float(value)
