"""Keep secrets out of log lines, exception text and call records."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SECRET_PARAMS = frozenset(
    {"access_token", "input_token", "client_secret", "fb_exchange_token", "code", "appsecret_proof"}
)
MASK = "[redacted]"

_NAMES = "|".join(sorted(SECRET_PARAMS - {"code"}))
_PARAM_RE = re.compile(
    rf"(?P<key>(?<![/\w])(?:{_NAMES})\b)(?P<sep>[\"']?\s*[=:]\s*[\"']?)(?P<value>[^&\s\"',}}]+)",
    re.IGNORECASE,
)
# ``code`` is also Meta's error code ("code": 190), so only ``code=<non-numeric>`` is treated as a secret.
_CODE_RE = re.compile(r"(?P<key>\bcode)(?P<sep>=)(?P<value>(?![-\d]+\b)[^&\s\"',}]+)", re.IGNORECASE)
_AUTH_RE = re.compile(r"\b(Bearer|OAuth)\s+[^\s\"',}]+", re.IGNORECASE)


def redact_params(params: Mapping[str, object] | None) -> dict[str, object]:
    """Return a copy of query or form parameters with secret values masked."""
    return {k: (MASK if k.lower() in SECRET_PARAMS else v) for k, v in (params or {}).items()}


def strip_params(url: str, names: Iterable[str] = SECRET_PARAMS) -> str:
    """Remove the named query parameters from a URL (used before following ``paging.next``)."""
    drop = {n.lower() for n in names}
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in drop]
    return urlunsplit(parts._replace(query=urlencode(query)))


def redact_url(url: str) -> str:
    """Return a URL with secret query values masked."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [
        (k, MASK if k.lower() in SECRET_PARAMS else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query, safe="[]")))


def redact_text(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Mask known secret values, ``key=value`` pairs of secret parameters and bearer credentials in text."""
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, MASK)
    for pattern in (_PARAM_RE, _CODE_RE):
        text = pattern.sub(lambda m: f"{m.group('key')}{m.group('sep')}{MASK}", text)
    return _AUTH_RE.sub(lambda m: f"{m.group(1)} {MASK}", text)
