"""Reading and updating IG Users and IG Media (graph-api.md §2.7, §3)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import GraphError, invalid_param
from .paging import paginate
from .render import account_media, render_media, render_user

if TYPE_CHECKING:
    from .call import Call
    from .server import GraphEmulator


async def get_user(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """GET /{ig-user-id} (or /me on graph.instagram.com)."""
    return render_user(emu, call, call.account, call.fields)


def _time_filter(call: Call, items: list) -> list:
    since, until = call.time_param("since"), call.time_param("until")
    if since is not None:
        items = [m for m in items if m.timestamp >= since]
    if until is not None:
        items = [m for m in items if m.timestamp <= until]
    return items


async def list_media(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """GET /{ig-user-id}/media: newest first, cursor pages, field expansion."""
    items = _time_filter(call, account_media(emu, call.account, stories=False))[:10_000]
    return paginate(call, items, lambda m: render_media(emu, call, m, call.fields), item_id=lambda m: m.id)


async def list_stories(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """GET /{ig-user-id}/stories: stories of the last 24 h."""
    items = account_media(emu, call.account, stories=True)
    return paginate(call, items, lambda m: render_media(emu, call, m, call.fields), item_id=lambda m: m.id)


async def list_tags(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """GET /{ig-user-id}/tags: other accounts' media the account is tagged in (a child counts as its album)."""
    name, st = call.account.username.lower(), emu.state
    found: dict[str, Any] = {}
    for m in st.media.values():
        if name in (t.lower() for t in m.tagged) and not m.deleted and m.owner_id != call.account.ig_user_id:
            top = st.media[m.parent_id] if m.parent_id else m
            found.setdefault(top.id, top)
    items = sorted(found.values(), key=lambda m: (m.timestamp, m.id), reverse=True)
    return paginate(call, items, lambda m: render_media(emu, call, m, call.fields), item_id=lambda m: m.id)


async def get_media(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """GET /{ig-media-id}."""
    return render_media(emu, call, call.target, call.fields)


async def list_children(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """GET /{ig-media-id}/children."""
    kids = [emu.state.media[c] for c in call.target.children]
    return {"data": [render_media(emu, call, k, call.fields) for k in kids]}


async def update_media(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """POST /{ig-media-id}?comment_enabled=true|false."""
    enabled = call.bool_param("comment_enabled")
    if enabled is None:
        raise GraphError(100, "(#100) The parameter comment_enabled is required")
    media = call.target
    if media.parent_id:
        raise invalid_param("Comments cannot be toggled on a carousel child")
    media.is_comment_enabled = enabled
    return {"success": True}


async def delete_media(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """DELETE /{ig-media-id} (Facebook Login only; not children, not ads)."""
    media = call.target
    if media.parent_id or media.media_product_type == "AD":
        raise GraphError(-1, "Media type not supported for deletion", subcode=2207073)
    media.deleted = True
    for child in media.children:
        emu.state.media[child].deleted = True
    return {"success": True, "deleted_id": media.id}
