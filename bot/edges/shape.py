"""A small vocabulary for describing the shape of decoded JSON, and a check that names the first mismatch.

A spec is a function `(value, path) -> None` that raises `Invalid` naming the path; the builders below compose
them. Objects allow keys the spec does not name (Meta and Slack add fields over time); named keys must match.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Spec = Callable[[Any, str], None]


class Invalid(ValueError):
    """A value does not have the expected shape; the message names where and what was expected."""


def problem(value: Any, spec: Spec, path: str = "body") -> str | None:
    """Return what is wrong with value under spec, or None when it fits."""
    try:
        spec(value, path)
    except Invalid as exc:
        return str(exc)
    return None


def _fail(path: str, expected: str) -> None:
    raise Invalid(f"`{path}` must be {expected}")


def text(*, max_len: int = 100_000, pattern: str | None = None, what: str = "a string") -> Spec:
    """A string without NUL, at most max_len characters, fully matching pattern when one is given."""
    compiled = re.compile(pattern) if pattern else None

    def check(value: Any, path: str) -> None:
        if not isinstance(value, str) or "\x00" in value or len(value) > max_len or not _encodable(value):
            _fail(path, f"{what} (at most {max_len} characters, no NUL)")
        if compiled and not compiled.fullmatch(value):
            _fail(path, what)

    return check


def _encodable(value: str) -> bool:
    """False for text with lone surrogates (JSON can carry them, UTF-8 cannot)."""
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def digits(*, max_len: int = 32) -> Spec:
    """An id written as a string of decimal digits (how Meta writes every id)."""
    return text(max_len=max_len, pattern=r"[0-9]+", what="a string of digits")


def integer(*, low: int, high: int) -> Spec:
    """A JSON integer (not a boolean) in [low, high]."""

    def check(value: Any, path: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            _fail(path, f"an integer from {low} to {high}")

    return check


def boolean(value: Any, path: str) -> None:
    """true or false."""
    if not isinstance(value, bool):
        _fail(path, "true or false")


def null(value: Any, path: str) -> None:
    """JSON null."""
    if value is not None:
        _fail(path, "null")


def anything(value: Any, path: str) -> None:
    """Any value at all (for parts igbot never reads)."""


def either(*specs: Spec, what: str) -> Spec:
    """A value that fits one of specs."""

    def check(value: Any, path: str) -> None:
        for spec in specs:
            if problem(value, spec, path) is None:
                return
        _fail(path, what)

    return check


def all_of(*specs: Spec) -> Spec:
    """A value that fits every spec (the first complaint is reported)."""

    def check(value: Any, path: str) -> None:
        for spec in specs:
            spec(value, path)

    return check


def optional(spec: Spec) -> Spec:
    """Null, or a value fitting spec (whose complaint is the one reported)."""

    def check(value: Any, path: str) -> None:
        if value is not None:
            spec(value, path)

    return check


def obj(required: dict[str, Spec] | None = None, **optional_keys: Spec) -> Spec:
    """An object with every required key and, where present, the optional keys in their shapes."""
    required = required or {}

    def check(value: Any, path: str) -> None:
        if not isinstance(value, dict):
            _fail(path, "an object")
        for key, spec in required.items():
            if key not in value:
                raise Invalid(f"`{path}.{key}` is missing")
            spec(value[key], f"{path}.{key}")
        for key, spec in optional_keys.items():
            if key in value:
                spec(value[key], f"{path}.{key}")

    return check


def array(item: Spec, *, min_len: int = 0, max_len: int = 1000) -> Spec:
    """A list of min_len to max_len items, each fitting item."""

    def check(value: Any, path: str) -> None:
        if not isinstance(value, list) or not min_len <= len(value) <= max_len:
            _fail(path, f"a list of {min_len} to {max_len} items")
        for i, element in enumerate(value):
            item(element, f"{path}[{i}]")

    return check


def mapping(item: Spec, *, max_len: int = 1000) -> Spec:
    """An object with any keys (at most max_len), every value fitting item."""

    def check(value: Any, path: str) -> None:
        if not isinstance(value, dict) or len(value) > max_len:
            _fail(path, f"an object of at most {max_len} entries")
        for key, element in value.items():
            item(element, f"{path}.{key}"[:200])

    return check
