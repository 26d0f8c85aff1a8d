"""Meta webhook deliveries: signature check on the raw bytes and the changes they carry (pure functions)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable

SIGNATURE_HEADER = "X-Hub-Signature-256"
COMMENT_FIELDS = frozenset({"comments", "live_comments"})


class BadDelivery(ValueError):
    """The body is not a webhook delivery; the message says what was wrong."""


def signature_valid(body: bytes, header: str | None, secrets: Iterable[str]) -> bool:
    """Return True when `sha256=<hex>` is the HMAC-SHA256 of the raw body under one of the secrets."""
    if not header or not header.startswith("sha256="):
        return False
    given = header[len("sha256="):].strip().lower().encode()
    valid = False
    for secret in secrets:
        if secret:
            expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()
            valid |= hmac.compare_digest(expected, given)  # no early exit: each secret costs the same
    return valid


def parse_delivery(body: bytes) -> tuple[str, list[dict]]:
    """Return (object, changes); each change is {entry_id, field, object_id, value}."""
    try:
        envelope = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadDelivery(f"the body is not JSON ({type(exc).__name__})") from None
    if not isinstance(envelope, dict):
        raise BadDelivery("the body must be a JSON object with `object` and `entry`")
    kind = envelope.get("object")
    entries = envelope.get("entry")
    if not isinstance(kind, str):
        raise BadDelivery("the delivery has no `object`")
    if kind != "instagram":
        return kind, []
    if not isinstance(entries, list):
        raise BadDelivery("`entry` must be a list")
    changes = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str | int):
            raise BadDelivery("every entry needs an `id`")
        changes.extend(_entry_changes(entry))
    return kind, changes


def _entry_changes(entry: dict) -> list[dict]:
    entry_id = str(entry["id"])
    raw = entry.get("changes")
    if raw is None and "field" in entry:  # the published Instagram-Login sample omits the `changes` wrapper
        raw = [{"field": entry["field"], "value": entry.get("value")}]
    if not isinstance(raw, list):
        return []  # messaging deliveries and empty entries carry no changes for igbot
    out = []
    for change in raw:
        if not isinstance(change, dict) or not isinstance(change.get("field"), str):
            raise BadDelivery("every change needs a `field`")
        value = change.get("value") if isinstance(change.get("value"), dict) else {}
        out.append({"entry_id": entry_id, "field": change["field"], "object_id": object_id(change["field"], value),
                    "value": value})
    return out


def object_id(field: str, value: dict) -> str:
    """Return what a change is deduplicated on: the comment id, else the media id, else a digest of it."""
    comment = value.get("id") or value.get("comment_id")
    if comment and (field in COMMENT_FIELDS or field == "mentions"):
        return str(comment)
    if field == "mentions" and value.get("media_id"):
        return f"media:{value['media_id']}"
    return "sha256:" + hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()
