"""Media context for a comment (permalink, caption, thumbnail, product type): read once, then cached."""

from __future__ import annotations

import logging

from bot.deps import Deps
from bot.graph import GraphAccount, GraphError, NotFound, PermissionDenied, Priority
from bot.graph import media as graph_media
from storage import comments as comment_rows

log = logging.getLogger(__name__)


async def media_context(deps: Deps, account: dict, graph: GraphAccount | None, media_id: str | None,
                        hint: dict | None = None) -> dict | None:
    """Return the cached media row, reading it from Graph the first time (None if it cannot be read now)."""
    if not media_id:
        return None
    cached = await deps.store.run(comment_rows.get_media, account["id"], media_id)
    if cached is not None or graph is None:
        return cached
    try:
        body = await graph_media.get_media(deps.graph, graph, media_id, fields=graph_media.CONTEXT_FIELDS,
                                           priority=Priority.BACKGROUND)
    except (NotFound, PermissionDenied) as exc:
        log.info("media %s is not readable by @%s (%s); treating it as someone else's", media_id,
                 account["username"], exc.codes)
        return await deps.store.run(comment_rows.put_media, account["id"], media_id, readable=0,
                                    product_type=(hint or {}).get("media_product_type"))
    except GraphError as exc:
        log.warning("media %s context not read for @%s: %s", media_id, account["username"], exc.sentence)
        return None
    return await deps.store.run(comment_rows.put_media, account["id"], media_id, **media_values(body))


def media_values(body: dict) -> dict:
    """Return the media_cache columns from a Graph media object."""
    thumbnail = body.get("thumbnail_url") or (body.get("media_url") if body.get("media_type") == "IMAGE" else None)
    return {"permalink": body.get("permalink"), "caption": body.get("caption"), "thumbnail_url": thumbnail,
            "media_type": body.get("media_type"), "product_type": body.get("media_product_type"),
            "owner_username": body.get("username"), "posted_at": body.get("timestamp"), "readable": 1}


def is_mention(account: dict, field: str, media: dict | None) -> bool:
    """Say whether a change is a mention of the account rather than a comment on its own media.

    A `mentions` change always is. An Instagram-Login `comments` change is one when the media belongs to
    someone else: its owner's username differs from the account's, or the account cannot read the media.
    (Meta documents this thinly: Instagram Login delivers @mentions inside `comments`.)
    """
    if field == "mentions":
        return True
    if media is None:
        return False
    if not media.get("readable"):
        return True
    owner = media.get("owner_username")
    return bool(owner) and owner.lower() != account["username"].lower()
