"""Parse Graph ``fields=`` expressions (``a,b.limit(5){c,d},insights.metric(x,y)``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .errors import GraphError

MODIFIERS = frozenset(
    {
        "limit",
        "metric",
        "period",
        "metric_type",
        "breakdown",
        "timeframe",
        "since",
        "until",
        "comment_id",
        "media_id",
        "summary",
    }
)


@dataclass
class FieldReq:
    """One requested field: its name, modifiers like ``limit(5)``, and nested fields."""

    name: str
    modifiers: dict[str, str] = field(default_factory=dict)
    sub: list[FieldReq] | None = None


def _split_top(text: str) -> list[str]:
    """Split on commas that are outside braces and parentheses."""
    parts, depth, buf = [], 0, []
    for ch in text:
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
            if depth < 0:
                raise _syntax(text)
        if ch == "," and depth == 0:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    if depth != 0:
        raise _syntax(text)
    parts.append("".join(buf))
    return [p.strip() for p in parts if p.strip()]


def _syntax(text: str) -> GraphError:
    return GraphError(2500, f'Syntax error "Expected end of string instead of..." at character 0: {text}')


def parse_fields(text: str | None) -> list[FieldReq] | None:
    """Parse a fields expression; None when no fields were asked for."""
    if text is None or not str(text).strip():
        return None
    text = str(text).strip()
    if text.startswith("["):  # the JSON-array form: ["id","username"]
        try:
            names = json.loads(text)
        except ValueError:
            raise _syntax(text) from None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise _syntax(text)
        text = ",".join(names)
    return [_parse_one(p) for p in _split_top(text)]


def _parse_one(item: str) -> FieldReq:
    sub = None
    if item.endswith("}"):
        start = item.find("{")
        if start < 0:
            raise _syntax(item)
        sub = [_parse_one(p) for p in _split_top(item[start + 1 : -1])]
        item = item[:start]
    name, _, rest = item.partition(".")
    mods: dict[str, str] = {}
    while rest:
        open_ = rest.find("(")
        close = rest.find(")")
        if open_ < 0 or close < open_:
            raise _syntax(item)
        modifier = rest[:open_]
        if modifier == "as":
            raise GraphError(100, "(#100) Field aliases are not supported for this app")
        if modifier not in MODIFIERS:
            raise _syntax(item)
        mods[modifier] = rest[open_ + 1 : close]
        rest = rest[close + 1 :].lstrip(".")
    if not name or not name.replace("_", "").isalnum():
        raise _syntax(item)
    return FieldReq(name=name, modifiers=mods, sub=sub)
