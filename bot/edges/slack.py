"""Slack requests at the edge: size, timestamp and signature first, then the body and the payload's shape.

Every check runs before Bolt sees the request, because Bolt parses the body (and reads ids out of it) before it
verifies anything. Malformed is a 400, unsigned or stale a 401; a forged value inside a well-formed payload
(an unknown id) is left to the listener, which answers it with a clear ephemeral.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from bot.edges import safe_json
from bot.edges.http import read_capped
from bot.edges.ids import SQLITE_MAX
from bot.edges.shape import Spec, all_of, array, boolean, either, integer, mapping, null, obj, optional, problem, text

MAX_BODY = 1024 * 1024  # a view submission with every field full stays far below this
TIMESTAMP = re.compile(r"[0-9]{1,12}")
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


class Refused(Exception):
    """The request is not one igbot takes; status and message say why."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


# --- the parts of Slack payloads that Bolt or igbot read, in the shapes Slack documents ----------------------

SLACK_ID = text(max_len=64, pattern=r"[A-Za-z0-9_.-]+", what="a Slack id")
SHORT = text(max_len=3_000)
NAMED = either(null, SLACK_ID, obj(id=optional(SLACK_ID)), what="a Slack id or an object with an `id`")
OPTION = obj({"value": text(max_len=2_000)})
ELEMENT_STATE = obj(
    type=SHORT, value=optional(text(max_len=20_000)), selected_option=optional(OPTION),
    selected_options=array(OPTION, max_len=100), selected_date=optional(SHORT), selected_time=optional(SHORT),
    selected_conversation=optional(SLACK_ID), selected_channel=optional(SLACK_ID), selected_user=optional(SLACK_ID),
    files=array(obj({"id": SLACK_ID}), max_len=20),
)
ROW_ID = integer(low=1, high=SQLITE_MAX)
# What igbot's own modals keep in private_metadata (a JSON object; keys other modals use are not read here).
METADATA = obj(comment=ROW_ID, post_id=optional(ROW_ID), channel=optional(SLACK_ID), channel_id=optional(SLACK_ID))
BLOCK = obj(block_id=SHORT, element=obj(action_id=SHORT, type=SHORT, initial_option=optional(OPTION)))
VIEW = obj(
    id=SLACK_ID, callback_id=SHORT, hash=SHORT, private_metadata=text(max_len=3_000), type=SHORT,
    state=obj(values=mapping(mapping(ELEMENT_STATE, max_len=20), max_len=100)), blocks=array(BLOCK, max_len=100),
)
ACTION = obj({"action_id": text(max_len=255)}, block_id=SHORT, type=SHORT, value=text(max_len=2_000),
             selected_option=optional(OPTION), selected_conversation=optional(SLACK_ID))
USER = obj({"id": SLACK_ID})
WHO = either(SLACK_ID, USER, what="a user id or an object with an `id`")
OWNED = dict(user=WHO, channel=NAMED, team=NAMED, enterprise=NAMED, user_id=SLACK_ID, channel_id=SLACK_ID,
             enterprise_id=optional(text(max_len=64)), team_id=optional(text(max_len=64)))  # Bolt reads ids here
MESSAGE = obj(**OWNED)
EVENT = obj(type=text(max_len=64), item=obj(channel=NAMED), message=MESSAGE, previous_message=MESSAGE, **OWNED)
ENVELOPE = obj(
    type=SHORT, authorizations=array(obj(is_enterprise_install=boolean, **OWNED), max_len=10),
    is_enterprise_install=either(boolean, SHORT, what="true or false"), trigger_id=SHORT, response_url=SHORT,
    response_urls=array(obj(response_url=SHORT), max_len=10), container=obj(channel_id=optional(SLACK_ID)),
    message=MESSAGE, previous_message=MESSAGE, event=EVENT, view=VIEW, token=SHORT, api_app_id=SHORT, **OWNED,
)
SUBMITTED = obj({"user": USER, "view": all_of(VIEW, obj({"id": SLACK_ID, "callback_id": SHORT, "type": SHORT}))})
EVENTS: dict[str, Spec] = {"app_home_opened": obj({"user": SLACK_ID}, tab=SHORT, channel=SLACK_ID)}
KINDS: dict[str, Spec] = {
    "command": obj({"command": text(max_len=64), "user_id": SLACK_ID, "channel_id": SLACK_ID},
                   text=text(max_len=20_000)),
    "block_actions": obj({"user": USER, "actions": array(ACTION, min_len=1, max_len=25)}),
    "view_submission": SUBMITTED,
    "view_closed": SUBMITTED,
    "block_suggestion": obj({"user": USER, "action_id": text(max_len=255)}, value=text(max_len=2_000)),
    "event_callback": obj({"event": obj({"type": text(max_len=64)})}),
    "url_verification": obj({"challenge": text(max_len=200)}),
}


def payload_problem(body: dict) -> str | None:
    """Return what is wrong with a parsed Slack payload, or None when listeners may read it."""
    found = problem(body, ENVELOPE, "payload")
    if found:
        return found
    kind = "command" if "command" in body else body.get("type")
    if kind in KINDS and (found := problem(body, KINDS[kind], "payload")):
        return found
    if kind == "event_callback" and body["event"]["type"] in EVENTS:
        return problem(body["event"], EVENTS[body["event"]["type"]], "payload.event")
    if isinstance(body.get("view"), dict) and body["view"].get("private_metadata"):
        return metadata_problem(body["view"]["private_metadata"])
    return None


def metadata_problem(raw: str) -> str | None:
    """Return what is wrong with a modal's private_metadata (JSON written by igbot), or None."""
    try:
        data = safe_json.loads(raw)
    except safe_json.BadJSON as exc:
        return f"`view.private_metadata`: {exc}"
    return problem(data, METADATA, "view.private_metadata")


async def read_request(request: web.Request, signing_secret: str) -> tuple[str, dict]:
    """Return the raw body and the parsed payload of a signed, well-formed Slack request; else Refused."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise Refused(413, "the body is over 1 MiB")
    raw = await read_capped(request, MAX_BODY)
    if raw is None:
        raise Refused(413, "the body is over 1 MiB")
    if not signature_valid(raw, request.headers, signing_secret):
        raise Refused(401, "X-Slack-Signature is missing or wrong, or X-Slack-Request-Timestamp is stale")
    try:
        text_body = raw.decode()
        body = parse_body(text_body, request.content_type)
    except (UnicodeDecodeError, safe_json.BadJSON) as exc:
        raise Refused(400, f"malformed request body ({exc})") from None
    found = payload_problem(body)
    if found:
        raise Refused(400, found)
    return text_body, body


def signature_valid(raw: bytes, headers, signing_secret: str) -> bool:
    """True when the timestamp is digits within 5 minutes and the v0 signature matches the raw body."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not (TIMESTAMP.fullmatch(timestamp) and SIGNATURE.fullmatch(signature)):
        return False
    if abs(time.time() - int(timestamp)) > 300:  # Slack's rule is on the wall clock
        return False
    expected = hmac.new(signing_secret.encode(), b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256)
    return hmac.compare_digest("v0=" + expected.hexdigest(), signature)  # on the bytes: they may not be UTF-8


def parse_body(text_body: str, content_type: str) -> dict:
    """Parse a Slack body as Slack sends it: JSON (Events API), a form with `payload` JSON, or a plain form."""
    if content_type == "application/json" or text_body.startswith("{"):
        body: Any = safe_json.loads(text_body)
    else:
        form = dict(parse_qsl(text_body, keep_blank_values=True))
        body = safe_json.loads(form["payload"]) if "payload" in form else form
    if not isinstance(body, dict):
        raise safe_json.BadJSON("the payload must be a JSON object")
    return body
