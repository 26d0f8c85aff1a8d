"""Reading Web API arguments the way Slack does: query string, form, multipart or JSON body."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from aiohttp import web

from .errors import SlackError

# Read methods whose docs list only application/x-www-form-urlencoded: a JSON body is ignored by Slack.
FORM_ONLY = {
    "conversations.info",
    "conversations.history",
    "conversations.replies",
    "users.info",
    "users.list",
    "files.info",
    "chat.getPermalink",
    "files.getUploadURLExternal",
}


@dataclass
class Call:
    """One request the emulator received, as recorded for tests."""

    method: str
    args: dict
    token: str | None
    http_method: str
    content_type: str
    at: float
    status: int = 200
    response: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True if Slack answered ok."""
        return bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        """The error code Slack answered with, if any."""
        return self.response.get("error")

    def to_dict(self) -> dict:
        """Return a JSON-able dict (for the control API)."""
        return {
            "method": self.method,
            "args": self.args,
            "http_method": self.http_method,
            "content_type": self.content_type,
            "at": self.at,
            "status": self.status,
            "response": self.response,
        }


async def read_args(request: web.Request, method: str) -> tuple[dict, str | None, str]:
    """Return ``(args, token, content_type)``; the token comes from the Bearer header or a form field."""
    args: dict = dict(request.query)
    args.pop("token", None)  # Slack no longer accepts tokens in the query string
    ctype = request.content_type or ""
    token = None
    if request.method == "POST" and request.can_read_body:
        if ctype == "application/json":
            raw = await request.text()
            try:
                body = json.loads(raw) if raw.strip() else {}
            except ValueError as e:
                raise SlackError("invalid_json") from e
            if not isinstance(body, dict):
                raise SlackError("invalid_json")
            if method not in FORM_ONLY:
                args.update(body)
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for k in form:
                v = form.get(k)
                args[k] = v if isinstance(v, str) else getattr(v, "file", None)
            token = args.pop("token", None)
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        token = auth[len("Bearer ") :].strip()
    return args, token, ctype


def json_arg(args: dict, name: str, error: str):
    """Return a JSON-valued argument (form bodies carry it as a string); raise ``error`` if malformed."""
    value = args.get(name)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as e:
            raise SlackError(error) from e
    return value


def bool_arg(args: dict, name: str, default: bool | None = None) -> bool | None:
    """Return a boolean argument given as JSON bool, ``true``/``false`` or ``1``/``0``."""
    value = args.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("1", "true", "yes")


def required(args: dict, name: str, error: str | None = None) -> str:
    """Return a required string argument, or raise Slack's error for it."""
    value = args.get(name)
    if value in (None, ""):
        raise SlackError(
            error or "invalid_arguments",
            response_metadata={"messages": [f"[ERROR] missing required field: {name}"]},
        )
    return str(value)
