"""Checks for the chapters on decay schedules (06 to 08)."""

from __future__ import annotations

from ._core import Check, Mistake, register  # noqa: F401
