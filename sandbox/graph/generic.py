"""Graph's generic request parameters, valid on every endpoint: how a call is sent and how it is answered.

``method`` overrides the HTTP verb (``GET …?method=delete``); ``pretty`` indents the JSON (``0`` keeps it on
one line); ``suppress_http_code=1`` answers every error with HTTP 200; ``date_format`` (a PHP ``date()``
format such as ``U`` or ``Y-m-d``) rewrites every time in the answer; ``debug=all|info|warning`` adds a
``__debug__`` object with Graph's notices; ``locale`` is accepted (the emulator speaks English only);
``summary`` asks an edge for its ``summary`` object (``total_count`` on comments and replies).
Meta is retiring ``method``, ``date_format``, ``pretty`` and ``debug``: they work, and each use is recorded
in ``violations``.
"""

from __future__ import annotations

import calendar
import json
import re
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from .errors import invalid_param

GENERIC_PARAMS = frozenset(
    {
        "access_token",
        "after",
        "appsecret_proof",
        "before",
        "date_format",
        "debug",
        "fields",
        "limit",
        "locale",
        "method",
        "pretty",
        "summary",
        "suppress_http_code",
    }
)
# Served as Graph serves them today, but Meta is retiring them (graph-api.md §1.1, v26.0 and v27.0): a call
# using one is recorded as a violation, so the bot never comes to depend on them.
LEGACY = {
    "method": "HTTP method override",
    "date_format": "date/time formatting",
    "pretty": "pretty-printing",
    "debug": "debug messages",
}
METHODS = frozenset({"GET", "POST", "DELETE"})
DEBUG_LEVELS = frozenset({"all", "info", "warning"})
ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$")
# PHP date() characters -> a function of a UTC datetime.
PHP_DATE = {
    "d": lambda t: t.strftime("%d"),
    "D": lambda t: t.strftime("%a"),
    "j": lambda t: str(t.day),
    "l": lambda t: t.strftime("%A"),
    "N": lambda t: str(t.isoweekday()),
    "w": lambda t: str(t.isoweekday() % 7),
    "z": lambda t: str(t.timetuple().tm_yday - 1),
    "W": lambda t: t.strftime("%V"),
    "F": lambda t: t.strftime("%B"),
    "m": lambda t: t.strftime("%m"),
    "M": lambda t: t.strftime("%b"),
    "n": lambda t: str(t.month),
    "t": lambda t: str(calendar.monthrange(t.year, t.month)[1]),
    "Y": lambda t: t.strftime("%Y"),
    "y": lambda t: t.strftime("%y"),
    "a": lambda t: t.strftime("%p").lower(),
    "A": lambda t: t.strftime("%p"),
    "g": lambda t: str(t.hour % 12 or 12),
    "G": lambda t: str(t.hour),
    "h": lambda t: t.strftime("%I"),
    "H": lambda t: t.strftime("%H"),
    "i": lambda t: t.strftime("%M"),
    "s": lambda t: t.strftime("%S"),
    "e": lambda t: "UTC",
    "T": lambda t: "UTC",
    "O": lambda t: "+0000",
    "P": lambda t: "+00:00",
    "Z": lambda t: "0",
    "c": lambda t: t.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
    "r": lambda t: t.strftime("%a, %d %b %Y %H:%M:%S +0000"),
    "U": lambda t: str(int(t.timestamp())),
}


def is_on(value: Any) -> bool:
    """Say whether a flag parameter is set (``1``, ``true``, or any value but ``0``/``false``/empty)."""
    return value is True or str(value).strip().lower() not in ("", "0", "false", "none")


def legacy_uses(params: dict[str, Any]) -> list[str]:
    """Describe each legacy protocol feature a call uses."""
    return [f"{LEGACY[name]} ({name}=) is being removed by Meta (v26.0/v27.0)" for name in LEGACY if name in params]


def http_method(verb: str, params: dict[str, Any]) -> str:
    """Return the method a request stands for: its ``method`` parameter, else the HTTP verb."""
    override = str(params.get("method") or "").upper()
    if not override:
        return verb
    if override not in METHODS:
        raise invalid_param("Param method must be one of GET, POST or DELETE")
    return override


def php_date(epoch: float, fmt: str) -> str:
    """Format a time with a PHP ``date()`` format (backslash escapes the next character)."""
    moment = datetime.fromtimestamp(epoch, UTC)
    out, escaped = [], False
    for ch in fmt:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        else:
            out.append(PHP_DATE[ch](moment) if ch in PHP_DATE else ch)
    return "".join(out)


def reformat_times(body: Any, fmt: str) -> Any:
    """Rewrite every Graph time in a JSON body with ``date_format`` (``U`` gives integers, as Graph does)."""
    if isinstance(body, dict):
        return {k: reformat_times(v, fmt) for k, v in body.items()}
    if isinstance(body, list):
        return [reformat_times(v, fmt) for v in body]
    if isinstance(body, str) and ISO_TIME.match(body):
        epoch = datetime.strptime(body, "%Y-%m-%dT%H:%M:%S%z").timestamp()
        text = php_date(epoch, fmt)
        return int(text) if fmt == "U" else text
    return body


def debug_messages(violations: list[str]) -> dict[str, Any]:
    """Return the ``__debug__`` object: one warning per notice about the call (e.g. a missing version)."""
    return {
        "messages": [
            {"link": "https://developers.facebook.com/docs/apps/versions/", "message": v, "type": "warning"}
            for v in violations
        ]
    }


def respond(params: dict[str, Any], status: int, body: Any, headers: dict[str, str],
            violations: list[str]) -> web.Response:
    """Render an answer the way the call's generic parameters ask."""
    fmt = params.get("date_format")
    if fmt and "error" not in (body if isinstance(body, dict) else {}):
        body = reformat_times(body, str(fmt))
    if isinstance(body, dict) and str(params.get("debug", "")).lower() in DEBUG_LEVELS:
        body = {**body, "__debug__": debug_messages(violations)}
    if is_on(params.get("suppress_http_code", "")):
        status = 200
    pretty = is_on(params.get("pretty", ""))
    text = json.dumps(body, indent=2 if pretty else None, separators=None if pretty else (",", ":"))
    return web.Response(text=text, status=status, headers=headers, content_type="application/json")
