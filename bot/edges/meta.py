"""Meta webhook changes: the shape each field igbot acts on must have before it is stored.

Ids are digit strings, text is a string, `from` is an object with string fields. A change that does not fit is
reported (and counted by the caller), never stored; fields igbot does not act on only need an object value.
"""

from __future__ import annotations

from typing import Any

from bot.edges.shape import Invalid, Spec, digits, either, integer, obj, problem, text

MAX_TEXT = 8_000  # Instagram caps comments at 2,200 characters; leave room, refuse absurd sizes
KNOWN_FIELDS = frozenset({"comments", "live_comments", "mentions"})
GRAPH_ID = digits(max_len=32)
TIMESTAMP = either(text(max_len=40), integer(low=0, high=2**53), what="a time (string or Unix seconds)")
COMMENT = obj(
    id=GRAPH_ID, comment_id=GRAPH_ID, parent_id=GRAPH_ID, text=text(max_len=MAX_TEXT), timestamp=TIMESTAMP,
    media=obj(id=GRAPH_ID, media_product_type=text(max_len=32)),
    **{"from": obj(id=GRAPH_ID, username=text(max_len=100))},
)
MENTION = obj(media_id=GRAPH_ID, comment_id=GRAPH_ID)
CHANGE = obj({"field": text(max_len=64), "value": obj()})


def _needs_one_of(spec: Spec, *keys: str) -> Spec:
    def check(value: Any, path: str) -> None:
        spec(value, path)
        if not any(value.get(key) for key in keys):
            raise Invalid(f"`{path}` needs " + " or ".join(f"`{key}`" for key in keys))

    return check


VALUES: dict[str, Spec] = {
    "comments": _needs_one_of(COMMENT, "id", "comment_id"),
    "live_comments": _needs_one_of(COMMENT, "id", "comment_id"),
    "mentions": _needs_one_of(MENTION, "comment_id", "media_id"),
}


def entry_problem(entry: Any) -> str | None:
    """Return what is wrong with an `entry` item (it needs an object with a digit-string `id`)."""
    return problem(entry, obj({"id": GRAPH_ID}), "entry")


def change_problem(change: Any) -> str | None:
    """Return what is wrong with one change, or None when igbot may store it."""
    found = problem(change, CHANGE, "change")
    if found or change["field"] not in VALUES:
        return found
    return problem(change["value"], VALUES[change["field"]], f"{change['field']}.value")


def field_label(change: Any) -> str:
    """Return the metric label for a change's field: a known field's name, else `other`."""
    field = change.get("field") if isinstance(change, dict) else None
    return field if field in KNOWN_FIELDS else "other"
