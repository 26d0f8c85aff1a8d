"""Cursor pagination in Graph's ``{"data": [...], "paging": {...}}`` shape."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from .errors import invalid_param
from .generic import is_on

if TYPE_CHECKING:
    from .call import Call


def encode_cursor(item_id: str) -> str:
    """Make an opaque cursor for an item."""
    return base64.urlsafe_b64encode(f"sbx:{item_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """Read an item id back from a cursor, or answer 100."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raw = ""
    if not raw.startswith("sbx:"):
        raise invalid_param("The after/before cursor is invalid")
    return raw[4:]


def _link(call: Call, **cursor: str) -> str:
    query = {
        k: v
        for k, v in call.params.items()
        if k not in ("after", "before")
        and (k != "access_token" or call.token_in_params)
        and not isinstance(v, list | dict)
    }
    query.update(cursor)
    version = f"/{call.version}" if call.version else ""
    return f"{call.base_url}{version}{call.path}?{urlencode(query)}"


def paginate(
    call: Call,
    items: Sequence[Any],
    render: Callable[[Any], dict[str, Any]],
    *,
    item_id: Callable[[Any], str],
    limit: int | None = None,
    default_limit: int = 25,
    max_limit: int | None = None,
    links: bool = True,
) -> dict[str, Any]:
    """Return one page of ``items`` (already in API order) with cursors and next/previous links."""
    if limit is None:
        limit = call.int_param("limit", default_limit)
    if limit is None or limit < 0:
        raise invalid_param("Param limit must be a non-negative integer")
    if max_limit is not None:
        limit = min(limit, max_limit)
    ids = [item_id(i) for i in items]
    start = 0
    after, before = call.params.get("after"), call.params.get("before")
    if after:
        aid = decode_cursor(str(after))
        start = ids.index(aid) + 1 if aid in ids else len(ids)
    elif before:
        bid = decode_cursor(str(before))
        end = ids.index(bid) if bid in ids else 0
        start = max(0, end - limit)
    page = list(items[start : start + limit])
    out: dict[str, Any] = {"data": [render(i) for i in page]}
    if page:
        paging: dict[str, Any] = {
            "cursors": {
                "before": encode_cursor(ids[start]),
                "after": encode_cursor(ids[start + len(page) - 1]),
            }
        }
        if links and start + len(page) < len(items):
            paging["next"] = _link(call, after=paging["cursors"]["after"], limit=str(limit))
        if links and start > 0:
            paging["previous"] = _link(call, before=paging["cursors"]["before"], limit=str(limit))
        out["paging"] = paging
    return out


def with_summary(params: dict[str, Any], page: dict[str, Any], total: int) -> dict[str, Any]:
    """Add the edge's ``summary`` object (``total_count``) when ``summary`` asks for it (``true``, ``total_count``)."""
    value = params.get("summary")
    if value is not None and is_on(value):
        page["summary"] = {"total_count": total}
    return page
