"""Helpers for reading request parameters."""

from __future__ import annotations

from typing import Any

# Larger numbers overflow the database's 64-bit integer columns.
_MAX_DIGITS = 18


def parse_pk(raw: Any) -> int | None:
    """The primary key (or other non-negative integer) spelt by `raw`, or None.

    Only ASCII digits count: str.isdigit() also accepts characters such as "²" or "١",
    on which int() raises or which no one typed as a number."""
    if not isinstance(raw, str) or not raw or len(raw) > _MAX_DIGITS:
        return None
    if not (raw.isascii() and raw.isdigit()):
        return None
    return int(raw)
