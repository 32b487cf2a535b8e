"""Checks for the chapters on choosing a decay scheme and the article's decay code (09 and 10)."""

from __future__ import annotations

from ._core import Check, Mistake, register  # noqa: F401
