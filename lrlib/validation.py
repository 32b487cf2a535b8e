"""One way to check an argument: every error names the argument and quotes the value received.

NumPy scalars count as numbers (``np.float32(0.1)``, ``np.int64(3)``); booleans never do. Values
come back as plain Python ``float``/``int`` so that they hash, compare and serialize the same way
whatever type the caller used.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

# A rate is stored by the optimizer as float32: outside these bounds it would become inf or 0.
FLOAT32_TINY = float(np.finfo(np.float32).tiny)
FLOAT32_MAX = float(np.finfo(np.float32).max)


def _received(name: str, value: Any) -> str:
    return f"Received: {name}={value!r}"


def number(name: str, value: Any, *, minimum: float | None = None, maximum: float | None = None,
           exclusive_minimum: bool = False, exclusive_maximum: bool = False) -> float:
    """``value`` as a finite float within the bounds, else a ``TypeError``/``ValueError``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"Argument `{name}` must be a number. {_received(name, value)}")
    try:
        converted = float(value)
    except OverflowError:  # an int such as 10**400
        raise ValueError(f"Argument `{name}` must be finite. {_received(name, value)}") from None
    if not math.isfinite(converted):
        raise ValueError(f"Argument `{name}` must be finite. {_received(name, value)}")
    too_small = minimum is not None and (converted <= minimum if exclusive_minimum else converted < minimum)
    too_large = maximum is not None and (converted >= maximum if exclusive_maximum else converted > maximum)
    if too_small or too_large:
        low = "" if minimum is None else f"{'>' if exclusive_minimum else '>='} {minimum:g}"
        high = "" if maximum is None else f"{'<' if exclusive_maximum else '<='} {maximum:g}"
        raise ValueError(f"Argument `{name}` must be {' and '.join(filter(None, (low, high)))}. "
                         f"{_received(name, value)}")
    return converted


def positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """A finite number > 0 (>= 0 with ``allow_zero``)."""
    return number(name, value, minimum=0.0, exclusive_minimum=not allow_zero)


def learning_rate(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """A positive rate that float32 can hold: 1e300 would train at inf and 1e-320 at 0."""
    rate = positive(name, value, allow_zero=allow_zero)
    if rate > FLOAT32_MAX or (0 < rate < FLOAT32_TINY):
        raise ValueError(f"Argument `{name}` must lie between {FLOAT32_TINY:.3g} and {FLOAT32_MAX:.3g}, "
                         f"the positive range of float32 in which the optimizer keeps it. "
                         f"{_received(name, value)}")
    return rate


def integer(name: str, value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as an int within the bounds; floats such as ``2.0`` are refused."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"Argument `{name}` must be an integer. {_received(name, value)}")
    converted = int(value)
    if (minimum is not None and converted < minimum) or (maximum is not None and converted > maximum):
        low = "" if minimum is None else f">= {minimum}"
        high = "" if maximum is None else f"<= {maximum}"
        raise ValueError(f"Argument `{name}` must be an integer {' and '.join(filter(None, (low, high)))}. "
                         f"{_received(name, value)}")
    return converted


def boolean(name: str, value: Any) -> bool:
    """``True`` or ``False`` itself: ``"yes"``, ``"false"`` or ``1`` are refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"Argument `{name}` must be True or False. {_received(name, value)}")
    return bool(value)


def not_above(name: str, value: float, other_name: str, other: float) -> float:
    """``value`` when it is <= ``other``: a decay ends below where it starts, a warm-up the reverse."""
    if value > other:
        raise ValueError(f"Argument `{name}` must be <= {other_name}={other!r}. {_received(name, value)}")
    return value


def below(name: str, value: float, other_name: str, other: float) -> float:
    """``value`` when it is < ``other``: the low bound of a cycle, which equal bounds would flatten."""
    if value >= other:
        raise ValueError(f"Argument `{name}` must be < {other_name}={other!r}. {_received(name, value)}")
    return value


def flag_from_environment(name: str, text: str | None) -> bool:
    """An on/off environment variable: ``1/true/yes/on`` or ``0/false/no/off`` (or unset/empty)."""
    cleaned = (text or "").strip().lower()
    if cleaned in ("", "0", "false", "no", "off"):
        return False
    if cleaned in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"Environment variable {name} must be one of 1, true, yes, on, 0, false, no, off "
                     f"(or unset). Received: {name}={text!r}")
