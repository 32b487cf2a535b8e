"""Checks for the chapters on fixed learning rates (02 to 05)."""

from __future__ import annotations

from ._core import Check, Mistake, register  # noqa: F401
