"""JSON parsing with a nesting limit, so a body nested 10,000 deep is refused instead of exhausting the stack."""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64  # Block Kit views and Meta deliveries nest well under 20 levels
# A JSON string (escapes included) or one bracket; strings are skipped so brackets inside them do not count.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


class BadJSON(ValueError):
    """The text is not JSON igbot accepts; the message says why."""


def loads(raw: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON text (bytes must be UTF-8) nested at most max_depth levels; BadJSON otherwise."""
    try:
        text = raw.decode() if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise BadJSON("the body is not UTF-8") from None
    depth = 0
    for token in _TOKENS.finditer(text):
        mark = token.group()
        if mark in "[{":
            depth += 1
            if depth > max_depth:
                raise BadJSON(f"the JSON is nested deeper than {max_depth} levels")
        elif mark in "]}":
            depth -= 1
    try:
        return json.loads(text)
    except ValueError as exc:
        raise BadJSON(f"the body is not JSON ({type(exc).__name__})") from None
