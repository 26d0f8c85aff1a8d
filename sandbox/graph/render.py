"""Render nodes (IG user, media, comment, container) for a ``fields=`` request, with expansions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from . import insights
from .call import split_list
from .errors import GraphError, invalid_param, nonexisting_field
from .fields import FieldReq
from .paging import paginate, with_summary
from .state import FACEBOOK, Account, Comment, Container, Media, legacy_number

if TYPE_CHECKING:
    from .call import Call
    from .server import GraphEmulator

# Readable fields per (flavor, node kind). Facebook Login fields come from IGUser/IGMedia/IGComment specs,
# Instagram Login ones from the *ForIGOnlyAPI specs. Extra fields documented in graph-api.md but absent
# from the v25.0 spec snapshot are listed in DOC_ONLY_FIELDS (checked by the conformance test).
USER_FIELDS = {
    FACEBOOK: (
        "biography",
        "followers_count",
        "follows_count",
        "id",
        "ig_id",
        "media_count",
        "mentioned_comment",
        "mentioned_media",
        "name",
        "profile_picture_url",
        "username",
        "website",
    ),
    "instagram": (
        "account_type",
        "biography",
        "followers_count",
        "follows_count",
        "id",
        "media_count",
        "name",
        "profile_picture_url",
        "user_id",
        "username",
        "website",
    ),
}
USER_EDGE_FIELDS = ("media", "stories", "insights")
MEDIA_FIELDS = {
    FACEBOOK: (
        "alt_text",
        "caption",
        "comments_count",
        "id",
        "ig_id",
        "is_comment_enabled",
        "is_shared_to_feed",
        "legacy_instagram_media_id",
        "like_count",
        "media_product_type",
        "media_type",
        "media_url",
        "owner",
        "permalink",
        "shortcode",
        "thumbnail_url",
        "timestamp",
        "username",
        "reposts_count",
        "saved_count",
        "shares_count",
        "total_like_count",
        "total_comments_count",
        "total_views_count",
        "is_ai_generated",
        "media_audio_type",
    ),
    "instagram": (
        "alt_text",
        "caption",
        "comments_count",
        "id",
        "is_comment_enabled",
        "is_shared_to_feed",
        "like_count",
        "media_product_type",
        "media_type",
        "media_url",
        "owner",
        "permalink",
        "shortcode",
        "thumbnail_url",
        "timestamp",
        "username",
    ),
}
DOC_ONLY_FIELDS = {
    # graph-api.md §3.2: added 2026-04-22 / 2026-06-22, Facebook Login only, not in the v25.0 spec snapshot
    "IGMedia": (
        "reposts_count",
        "saved_count",
        "shares_count",
        "total_like_count",
        "total_comments_count",
        "total_views_count",
        "is_ai_generated",
        "media_audio_type",
    ),
}
MEDIA_EDGE_FIELDS = ("children", "comments", "insights")
COMMENT_FIELDS = (
    "from",
    "hidden",
    "id",
    "legacy_instagram_comment_id",
    "like_count",
    "media",
    "parent_id",
    "text",
    "timestamp",
    "user",
    "username",
)
COMMENT_EDGE_FIELDS = ("replies",)
CONTAINER_FIELDS = ("copyright_check_status", "id", "status", "status_code", "video_status")
NODE_TYPE = {
    ("user", FACEBOOK): "IGUser",
    ("user", "instagram"): "User",
    ("media", FACEBOOK): "IGMedia",
    ("media", "instagram"): "Media",
    ("comment", FACEBOOK): "IGComment",
    ("comment", "instagram"): "Comment",
    ("container", FACEBOOK): "ShadowIGMediaBuilder",
    ("container", "instagram"): "ShadowIGMediaBuilder",
}


def iso(epoch: float) -> str:
    """Format a time the way Graph does (``2026-09-10T07:00:00+0000``)."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _check(reqs: list[FieldReq], allowed: tuple[str, ...], node: str) -> None:
    for r in reqs:
        if r.name not in allowed:
            raise nonexisting_field(r.name, node)


def _limit(req: FieldReq, default: int) -> int:
    try:
        return int(req.modifiers.get("limit", default))
    except ValueError:
        raise invalid_param("limit must be an integer") from None


def media_allowed(emu: GraphEmulator, flavor: str) -> tuple[str, ...]:
    """Return the media fields readable on one host (caption/media_product_type can be switched off)."""
    fields = MEDIA_FIELDS[flavor]
    if flavor != FACEBOOK:
        fields = tuple(f for f in fields if f not in emu.instagram_hidden_media_fields)
    return fields + MEDIA_EDGE_FIELDS


def render_media(emu: GraphEmulator, call: Call, media: Media, reqs: list[FieldReq] | None) -> dict[str, Any]:
    """Render one IG Media."""
    flavor = emu.flavor_of(call.host)
    reqs = reqs or [FieldReq("id")]
    _check(reqs, media_allowed(emu, flavor), NODE_TYPE[("media", flavor)])
    st = emu.state
    owner = st.accounts.get(media.owner_id)
    out: dict[str, Any] = {}
    for r in reqs:
        n = r.name
        if n == "id":
            out["id"] = media.id
        elif n == "caption":
            if media.caption and not media.parent_id:
                out["caption"] = media.caption
        elif n == "comments_count":
            out[n] = sum(1 for c in st.comments.values() if c.media_id == media.id and not c.deleted)
        elif n == "like_count":
            out[n] = media.like_count
        elif n == "media_type":
            out[n] = media.media_type
        elif n == "media_product_type":
            out[n] = media.media_product_type
        elif n == "media_url":
            if not media.copyrighted and media.media_url:
                out[n] = media.media_url
        elif n == "thumbnail_url":
            if media.media_type == "VIDEO" and media.thumbnail_url:
                out[n] = media.thumbnail_url
        elif n == "permalink":
            if not media.parent_id:
                out[n] = media.permalink
        elif n == "shortcode":
            out[n] = media.shortcode
        elif n == "timestamp":
            out[n] = iso(media.timestamp)
        elif n == "username":
            out[n] = owner.username if owner else ""
        elif n == "owner":
            out[n] = {"id": media.owner_id}
        elif n == "is_comment_enabled":
            out[n] = media.is_comment_enabled
        elif n == "is_shared_to_feed":
            if media.media_product_type == "REELS":
                out[n] = bool(media.is_shared_to_feed)
        elif n == "alt_text":
            if media.alt_text:
                out[n] = media.alt_text
        elif n in ("ig_id", "legacy_instagram_media_id"):
            out[n] = media.legacy_id(owner.ig_id if owner else 0)
        elif n in ("reposts_count", "saved_count", "shares_count"):
            if not media.parent_id:
                metric = {"reposts_count": "reposts", "saved_count": "saved", "shares_count": "shares"}[n]
                out[n] = insights.default_media_value(media, metric)
        elif n == "total_like_count":
            out[n] = media.like_count
        elif n == "total_comments_count":
            out[n] = sum(1 for c in st.comments.values() if c.media_id == media.id and not c.deleted)
        elif n == "total_views_count":
            out[n] = insights.default_media_value(media, "views")
        elif n == "is_ai_generated":
            out[n] = False
        elif n == "media_audio_type":
            if media.media_type == "VIDEO":
                out[n] = "ORIGINAL_SOUND"
        elif n == "children":
            if media.children:
                kids = [st.media[c] for c in media.children]
                out[n] = {"data": [render_media(emu, call, k, r.sub) for k in kids]}
        elif n == "comments":
            items = top_level_comments(emu, media)
            page = paginate(
                call,
                items,
                lambda c, r=r: render_comment(emu, call, c, r.sub),
                item_id=lambda c: c.id,
                limit=_limit(r, 25),
                max_limit=50,
                links=False,
            )
            out[n] = with_summary(r.modifiers, page, len(items))
        elif n == "insights":
            metrics = split_list(r.modifiers.get("metric"), "metric")
            out[n] = insights.media_insights(emu, call, media, metrics, r.modifiers.get("breakdown"))
    return out


def top_level_comments(emu: GraphEmulator, media: Media) -> list[Comment]:
    """Return a media's top-level comments, newest first."""
    items = [
        c for c in emu.state.comments.values() if c.media_id == media.id and not c.deleted and not c.parent_id
    ]
    return sorted(items, key=lambda c: (c.timestamp, c.id), reverse=True)


def replies_of(emu: GraphEmulator, comment: Comment) -> list[Comment]:
    """Return a comment's replies, oldest first."""
    items = [c for c in emu.state.comments.values() if c.parent_id == comment.id and not c.deleted]
    return sorted(items, key=lambda c: (c.timestamp, c.id))


def render_comment(emu: GraphEmulator, call: Call, c: Comment, reqs: list[FieldReq] | None) -> dict[str, Any]:
    """Render one IG Comment (default fields: timestamp, text, id)."""
    flavor = emu.flavor_of(call.host)
    reqs = reqs or [FieldReq("timestamp"), FieldReq("text"), FieldReq("id")]
    _check(reqs, COMMENT_FIELDS + COMMENT_EDGE_FIELDS, NODE_TYPE[("comment", flavor)])
    media = emu.state.media.get(c.media_id)
    out: dict[str, Any] = {}
    for r in reqs:
        n = r.name
        if n == "id":
            out[n] = c.id
        elif n == "text":
            out[n] = c.text
        elif n == "timestamp":
            out[n] = iso(c.timestamp)
        elif n == "username":
            out[n] = c.username
        elif n == "from":
            out[n] = {"id": c.from_id, "username": c.username}
        elif n == "hidden":
            out[n] = c.hidden
        elif n == "like_count":
            out[n] = c.like_count
        elif n == "parent_id":
            if c.parent_id:
                out[n] = c.parent_id
        elif n == "legacy_instagram_comment_id":
            out[n] = str(legacy_number(c.id, 17))
        elif n == "media":
            if media:
                out[n] = {"id": media.id, "media_product_type": media.media_product_type}
        elif n == "user":
            if c.by_owner and media:
                out[n] = {"id": media.owner_id}
        elif n == "replies":
            items = replies_of(emu, c)
            page = paginate(
                call,
                items,
                lambda x, r=r: render_comment(emu, call, x, r.sub),
                item_id=lambda x: x.id,
                limit=_limit(r, 25),
                max_limit=50,
                links=False,
            )
            out[n] = with_summary(r.modifiers, page, len(items))
    return out


def render_container(
    emu: GraphEmulator, call: Call, ct: Container, reqs: list[FieldReq] | None
) -> dict[str, Any]:
    """Render a media container (default field: id)."""
    reqs = reqs or [FieldReq("id")]
    _check(reqs, CONTAINER_FIELDS, "ShadowIGMediaBuilder")
    code = emu.container_status(ct)
    out: dict[str, Any] = {}
    for r in reqs:
        if r.name == "id":
            out["id"] = ct.id
        elif r.name == "status_code":
            out["status_code"] = code
        elif r.name == "status":
            err = emu.container_error(ct)
            if code == "ERROR" and err:
                out["status"] = f"Error: Media upload has failed with error code {err[1]}"
            else:
                out["status"] = {
                    "FINISHED": "Finished: Media container is ready to be published",
                    "IN_PROGRESS": "In Progress: Media is still being processed.",
                    "PUBLISHED": "Published: Media has been published",
                    "EXPIRED": "Expired: Media container has expired",
                }.get(code, code)
        elif r.name == "copyright_check_status":
            done = code in ("FINISHED", "PUBLISHED")
            out[r.name] = {"status": "completed" if done else "in_progress", "matches_found": False}
        elif r.name == "video_status" and ("video_url" in ct.params or ct.uri):
            phase = "complete" if code in ("FINISHED", "PUBLISHED") else "in_progress"
            out[r.name] = {
                "uploading_phase": {"status": "complete" if ct.uploaded else "not_started"},
                "processing_phase": {"status": "error" if code == "ERROR" else phase},
            }
    return out


def account_media(emu: GraphEmulator, acct: Account, *, stories: bool) -> list[Media]:
    """Return an account's media (or live stories), newest first."""
    now = emu.now()
    items = [
        m
        for m in emu.state.media.values()
        if m.owner_id == acct.ig_user_id
        and not m.deleted
        and not m.parent_id
        and (m.media_product_type == "STORY") == stories
        and (not stories or now - m.timestamp < 86_400)
    ]
    return sorted(items, key=lambda m: (m.timestamp, m.id), reverse=True)


def render_user(emu: GraphEmulator, call: Call, acct: Account, reqs: list[FieldReq] | None) -> dict[str, Any]:
    """Render an IG User (default field: id)."""
    flavor = emu.flavor_of(call.host)
    reqs = reqs or [FieldReq("id")]
    _check(reqs, USER_FIELDS[flavor] + USER_EDGE_FIELDS, NODE_TYPE[("user", flavor)])
    out: dict[str, Any] = {}
    for r in reqs:
        n = r.name
        if n == "id":
            out[n] = acct.ig_user_id if flavor == FACEBOOK else acct.app_scoped_id
        elif n == "user_id":
            out[n] = acct.ig_user_id
        elif n == "ig_id":
            out[n] = acct.ig_id
        elif n == "media_count":
            out[n] = len(account_media(emu, acct, stories=False))
        elif n in (
            "username",
            "name",
            "biography",
            "website",
            "followers_count",
            "follows_count",
            "account_type",
            "profile_picture_url",
        ):
            value = getattr(acct, n)
            if value not in ("", None):
                out[n] = value
        elif n in ("media", "stories"):
            items = account_media(emu, acct, stories=n == "stories")
            out[n] = paginate(
                call,
                items,
                lambda m, r=r: render_media(emu, call, m, r.sub),
                item_id=lambda m: m.id,
                limit=_limit(r, 25),
                links=False,
            )
        elif n == "insights":
            params = {k: v for k, v in r.modifiers.items()}
            out[n] = insights.user_insights(emu, call, acct, params)
        elif n == "mentioned_comment":
            out[n] = _mentioned_comment(emu, call, acct, r)
        elif n == "mentioned_media":
            out[n] = _mentioned_media(emu, call, acct, r)
    return out


def _mentioned_comment(emu: GraphEmulator, call: Call, acct: Account, r: FieldReq) -> dict[str, Any]:
    cid = r.modifiers.get("comment_id")
    if not cid:
        raise invalid_param("mentioned_comment requires comment_id")
    c = emu.state.comments.get(cid)
    if c is None or c.deleted or c.mentioned_ig_user_id != acct.ig_user_id:
        raise GraphError(
            100, f"(#100) Invalid comment_id {cid}: the comment does not mention this account", subcode=33
        )
    media = emu.state.media.get(c.media_id)
    if media and not media.is_comment_enabled:
        raise invalid_param("Comments are disabled on the media of this mention")
    allowed = ("id", "text", "timestamp", "like_count", "media", "username")
    sub = r.sub or [FieldReq("id")]
    _check(sub, allowed, "IGComment")
    out: dict[str, Any] = {}
    for f in sub:
        if f.name == "media" and media:
            out["media"] = _external_media(emu, media, f.sub or [FieldReq("id")])
        elif f.name != "media":
            out.update(render_comment(emu, call, c, [f]))
    return out


def _mentioned_media(emu: GraphEmulator, call: Call, acct: Account, r: FieldReq) -> dict[str, Any]:
    mid = r.modifiers.get("media_id")
    media = emu.state.media.get(mid or "")
    if media is None or media.deleted or f"@{acct.username}".lower() not in media.caption.lower():
        raise GraphError(
            100, f"(#100) Invalid media_id {mid}: the media caption does not mention this account", subcode=33
        )
    if media.media_product_type == "STORY":
        raise invalid_param("mentioned_media does not support stories")
    return _external_media(emu, media, r.sub or [FieldReq("id")])


def _external_media(emu: GraphEmulator, media: Media, reqs: list[FieldReq]) -> dict[str, Any]:
    allowed = (
        "caption",
        "comments_count",
        "id",
        "like_count",
        "media_type",
        "media_url",
        "permalink",
        "timestamp",
        "username",
        "media_product_type",
    )
    _check(reqs, allowed, "IGMedia")
    owner = emu.state.accounts.get(media.owner_id)
    out: dict[str, Any] = {}
    for r in reqs:
        n = r.name
        value: Any = {
            "id": media.id,
            "caption": media.caption,
            "like_count": media.like_count,
            "media_type": media.media_type,
            "media_url": media.media_url,
            "permalink": media.permalink,
            "timestamp": iso(media.timestamp),
            "username": owner.username if owner else "",
            "media_product_type": media.media_product_type,
            "comments_count": sum(1 for c in emu.state.comments.values() if c.media_id == media.id),
        }[n]
        out[n] = value
    return out
