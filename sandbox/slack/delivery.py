"""Sending a request to the app as Slack does: signed HTTP POST, or an envelope over Socket Mode."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

import aiohttp

from .errors import PersonError, SlackError

if TYPE_CHECKING:
    from .server import SlackEmulator

USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"


@dataclass
class Delivery:
    """One request Slack sent the app, the app's answer, and what the person saw because of it.

    ``error`` is what the person would be told went wrong (``operation_timeout``, ``dispatch_failed``,
    ``http_401``, ``invalid_blocks`` …); ``shown`` lists ephemeral or channel messages the answer produced.
    """

    kind: str
    payload: dict
    transport: str
    status: int | None = None
    content_type: str = ""
    body: str = ""
    json: dict | None = None
    error: str | None = None
    shown: list[dict] = field(default_factory=list)
    options: list | None = None
    client_errors: dict | None = None

    @property
    def ok(self) -> bool:
        """True if the app answered in time with a 2xx and nothing it said was refused."""
        return self.error is None

    @property
    def text(self) -> str:
        """The text of the first thing shown to the person, or ''."""
        return self.shown[0].get("text", "") if self.shown else ""

    def to_dict(self) -> dict:
        """Return a JSON-able dict (for the control API)."""
        return {
            "kind": self.kind,
            "transport": self.transport,
            "status": self.status,
            "content_type": self.content_type,
            "body": self.body,
            "json": self.json,
            "error": self.error,
            "shown": self.shown,
            "options": self.options,
            "client_errors": self.client_errors,
            "payload": self.payload,
        }


def sign(secret: str, timestamp: int, body: str) -> str:
    """Return the ``X-Slack-Signature`` value (v0 HMAC-SHA256) for a raw body."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def encode(kind: str, payload: dict) -> tuple[str, str]:
    """Return ``(body, content_type)`` for an HTTP delivery of this kind."""
    if kind == "slash_commands":
        return urlencode(payload), "application/x-www-form-urlencoded"
    if kind == "interactive":
        return "payload=" + quote(json.dumps(payload)), "application/x-www-form-urlencoded"
    return json.dumps(payload), "application/json"


async def deliver(emu: SlackEmulator, kind: str, payload: dict) -> Delivery:
    """Send one request to the app over Socket Mode or HTTP and record the answer."""
    socket = emu.uses_socket_mode()
    d = Delivery(kind=kind, payload=payload, transport="socket" if socket else "http")
    emu.deliveries.append(d)
    if socket:
        try:
            ack = await emu.socket.send(kind, payload, emu.ack_timeout)
        except SlackError:
            d.error = "dispatch_failed"
            return d
        if ack is None:
            d.error = "operation_timeout"
            return d
        d.status = 200
        if ack.get("payload"):
            d.json, d.content_type = ack["payload"], "application/json"
            d.body = json.dumps(ack["payload"])
        return d
    if not emu.request_url:
        raise PersonError("no request URL: call set_request_url() or connect over Socket Mode")
    body, ctype = encode(kind, payload)
    ts = int(emu.now())
    headers = {
        "Content-Type": ctype,
        "User-Agent": USER_AGENT,
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": sign(emu.signing_secret, ts, body),
    }
    try:
        async with emu.session.post(
            emu.request_url,
            data=body.encode(),
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=emu.ack_timeout),
        ) as r:
            d.status, d.content_type, d.body = r.status, r.content_type, await r.text()
    except TimeoutError:
        d.error = "operation_timeout"
        return d
    except aiohttp.ClientError:
        d.error = "dispatch_failed"
        return d
    if not 200 <= d.status < 300 or (kind != "events_api" and d.status != 200):
        d.error = f"http_{d.status}"
        return d
    if d.content_type == "application/json" and d.body.strip():
        try:
            d.json = json.loads(d.body)
        except ValueError:
            d.error = "invalid_json"
    return d
