"""Meta webhook deliveries: signature check on the raw bytes and the changes they carry (pure functions)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.edges import meta, safe_json

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


@dataclass
class Delivery:
    """What a webhook body carries: its `object`, the valid changes and, per invalid change, (field, reason)."""

    kind: str
    changes: list[dict] = field(default_factory=list)
    invalid: list[tuple[str, str]] = field(default_factory=list)


def parse_delivery(body: bytes) -> Delivery:
    """Parse a delivery; each valid change is {entry_id, field, object_id, value}, each invalid one is set aside.

    Only an envelope that is not a delivery at all raises BadDelivery; a change that does not have the shape its
    field needs is kept out (and reported), so Meta still gets its 200 and does not resend garbage for 36 h.
    """
    try:
        envelope = safe_json.loads(body)
    except safe_json.BadJSON as exc:
        raise BadDelivery(str(exc)) from None
    if not isinstance(envelope, dict):
        raise BadDelivery("the body must be a JSON object with `object` and `entry`")
    kind = envelope.get("object")
    entries = envelope.get("entry")
    if not isinstance(kind, str):
        raise BadDelivery("the delivery has no `object`")
    delivery = Delivery(kind=kind)
    if kind != "instagram":
        return delivery
    if not isinstance(entries, list):
        raise BadDelivery("`entry` must be a list")
    for entry in entries:
        _take_entry(delivery, entry)
    return delivery


def _take_entry(delivery: Delivery, entry: object) -> None:
    raw = entry.get("changes") if isinstance(entry, dict) else None
    if raw is None and isinstance(entry, dict) and "field" in entry:  # the published Instagram-Login sample
        raw = [{"field": entry["field"], "value": entry.get("value")}]  # omits the `changes` wrapper
    if not isinstance(raw, list):
        raw = []  # messaging deliveries and empty entries carry no changes for igbot
    entry_problem = meta.entry_problem(entry)
    if entry_problem:
        delivery.invalid.extend((meta.field_label(change), entry_problem) for change in raw or [None])
        return
    for change in raw:
        problem = meta.change_problem(change)
        if problem:
            delivery.invalid.append((meta.field_label(change), problem))
            continue
        value = change["value"]
        delivery.changes.append({"entry_id": entry["id"], "field": change["field"],
                                 "object_id": object_id(change["field"], value), "value": value})


def object_id(field: str, value: dict) -> str:
    """Return what a change is deduplicated on: the comment id, else the media id, else a digest of it."""
    comment = value.get("id") or value.get("comment_id")
    if comment and (field in COMMENT_FIELDS or field == "mentions"):
        return str(comment)
    if field == "mentions" and value.get("media_id"):
        return f"media:{value['media_id']}"
    return "sha256:" + hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()
