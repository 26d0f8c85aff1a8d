"""Ids and numbers people type or click: parsed strictly and range-checked before they reach SQL."""

from __future__ import annotations

SQLITE_MAX = 2**63 - 1  # SQLite integers are signed 64-bit
MAX_PAGE = 100_000


def row_id(value: object) -> int | None:
    """Return a database id written as plain decimal digits (1 … 2^63-1), else None."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    word = str(value)
    if not (word.isascii() and word.isdigit()) or len(word) > 19:
        return None
    number = int(word)
    return number if 1 <= number <= SQLITE_MAX else None


def page_number(value: object) -> int | None:
    """Return a page number (1 … 100,000) written as digits, else None."""
    number = row_id(value)
    return number if number is not None and number <= MAX_PAGE else None
