"""Reading the body of a ``/_sandbox/`` control request, shared by both emulators' control routes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web


async def read_fields(request: web.Request, *, from_form: Callable[[dict[str, str]], dict] = dict) -> dict[str, Any]:
    """Return a control request's fields: a JSON object, or form fields and the query (``curl -d``).

    ``from_form`` turns form fields into what the JSON object would hold (flags, lists). A body that is not
    a JSON object answers 400.
    """
    if request.content_type != "application/json":
        form = await request.post() if request.can_read_body else {}
        return from_form({**request.query, **{k: v for k, v in form.items() if isinstance(v, str)}})
    try:
        data = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    return data
