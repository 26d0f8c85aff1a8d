"""Content publishing: containers, processing, publish, quota (graph-api.md §2)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from .errors import GraphError, invalid_param, missing_param
from .fixtures import MB, MediaFixture, coded_error
from .render import render_container
from .state import DAY, FACEBOOK, Container, Media

if TYPE_CHECKING:
    from .call import Call
    from .server import GraphEmulator

CONTAINERS_PER_DAY = 400
MEDIA_TYPES = ("IMAGE", "VIDEO", "REELS", "STORIES", "CAROUSEL")
COMMON = {"media_type", "upload_type"}
ALLOWED = {
    "IMAGE": {
        "image_url",
        "caption",
        "alt_text",
        "location_id",
        "user_tags",
        "collaborators",
        "product_tags",
        "is_carousel_item",
    },
    "VIDEO": {"video_url", "is_carousel_item", "user_tags", "product_tags", "thumb_offset"},
    "REELS": {
        "video_url",
        "caption",
        "cover_url",
        "thumb_offset",
        "share_to_feed",
        "audio_name",
        "location_id",
        "user_tags",
        "collaborators",
        "trial_params",
        "product_tags",
    },
    "STORIES": {"image_url", "video_url", "user_tags"},
    "CAROUSEL": {"children", "caption", "location_id", "collaborators", "product_tags"},
}
HASHTAG = re.compile(r"(?<!\w)#\w+")
MENTION = re.compile(r"(?<![\w@])@[\w.]+")


def container_error(emu: GraphEmulator, ct: Container) -> tuple[int, int] | None:
    """Return the (code, subcode) of a failed container (or of its failed child)."""
    if ct.error and emu.now() >= ct.ready_at:
        return ct.error
    for child_id in ct.children:
        err = container_error(emu, emu.state.containers[child_id])
        if err:
            return err
    return None


def container_status(emu: GraphEmulator, ct: Container) -> str:
    """Compute ``status_code``: PUBLISHED, EXPIRED, ERROR, IN_PROGRESS or FINISHED."""
    now = emu.now()
    if ct.published_media_id:
        return "PUBLISHED"
    if now >= ct.created_at + DAY:
        return "EXPIRED"
    if container_error(emu, ct):
        return "ERROR"
    if not ct.uploaded or now < ct.ready_at:
        return "IN_PROGRESS"
    kids = [container_status(emu, emu.state.containers[c]) for c in ct.children]
    if any(k != "FINISHED" for k in kids):
        return "IN_PROGRESS"
    return "FINISHED"


def check_caption(caption: str) -> None:
    """Apply Instagram's caption limits (2,200 chars, 30 hashtags, 20 @mentions)."""
    if len(caption) > 2200:
        raise GraphError(
            36004,
            "The caption is too long. It should be at most 2,200 characters.",
            subcode=2207010,
            user_title="Caption too long",
        )
    if len(HASHTAG.findall(caption)) > 30:
        raise GraphError(
            36004,
            "The caption has too many hashtags. It should have at most 30.",
            subcode=2207010,
            user_title="Too many hashtags",
        )
    if len(MENTION.findall(caption)) > 20:
        raise GraphError(
            100,
            "(#100) The caption has too many @mentions. It should have at most 20.",
            subcode=2207040,
            user_title="Too many tags",
        )


def check_image(fx: MediaFixture, url: str, *, feed: bool) -> None:
    """Apply the JPEG, 8 MiB and (feed) aspect-ratio rules."""
    if fx.content_type != "image/jpeg":
        raise coded_error(36001, 2207005, url)
    if fx.size > 8 * MB:
        raise coded_error(36000, 2207004, url)
    if feed and fx.width and fx.height and not (4 / 5 - 1e-3 <= fx.width / fx.height <= 1.91 + 1e-3):
        raise coded_error(36003, 2207009, url)


def video_problem(fx: MediaFixture, media_type: str) -> int | None:
    """Return the subcode processing will fail with for this video, or None."""
    if fx.processing_error:
        return fx.processing_error
    limits = {"STORIES": (3, 60, 100 * MB), "REELS": (3, 15 * 60, 300 * MB), "VIDEO": (3, 60 * 60, 300 * MB)}
    low, high, size = limits[media_type]
    if fx.size > size or (fx.duration is not None and not low <= fx.duration <= high):
        return 2207026
    return None


async def _fetch_video(emu: GraphEmulator, url: str) -> MediaFixture:
    fx = await emu.fetcher.fetch(url)
    if fx.content_type not in ("video/mp4", "video/quicktime"):
        raise coded_error(352, 2207026, url)
    return fx


def _tagged_usernames(raw: Any) -> tuple[str, ...]:
    """Return the usernames a container's (already validated) ``user_tags`` tag."""
    if not raw:
        return ()
    tags = json.loads(raw) if isinstance(raw, str) else raw
    return tuple(str(tag["username"]) for tag in tags)


def _validate_user_tags(raw: Any, media_type: str) -> None:
    try:
        tags = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise invalid_param("Param user_tags must be a JSON array") from None
    if not isinstance(tags, list):
        raise invalid_param("Param user_tags must be a JSON array")
    for tag in tags:
        if not isinstance(tag, dict) or "username" not in tag:
            raise invalid_param("Each user tag needs a username")
        if media_type == "IMAGE" and not all(isinstance(tag.get(k), int | float) for k in ("x", "y")):
            raise invalid_param("User tags on images need x and y")


async def create_container(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """POST /{ig-user-id}/media: validate like Meta and create a container."""
    acct = call.account
    p = {k: v for k, v in call.params.items() if k not in ("access_token", "appsecret_proof", "fields")}
    media_type = str(p.get("media_type") or "IMAGE").upper()
    is_item = bool(call.bool_param("is_carousel_item", False))
    if media_type not in MEDIA_TYPES:
        raise GraphError(
            100, f"(#100) The media type {p.get('media_type')} is not supported.", subcode=2207023
        )
    if media_type == "VIDEO" and not is_item:
        raise GraphError(
            100, "(#100) The VIDEO media type is not supported for single videos; use REELS.", subcode=2207023
        )
    if is_item and media_type not in ("IMAGE", "VIDEO"):
        raise invalid_param(f"{media_type} cannot be a carousel item", subcode=2207023)
    for name in p:
        if name not in ALLOWED[media_type] | COMMON:
            raise invalid_param(
                f"The parameter {name} is not supported for media type {media_type}"
                + (" (carousel item)" if is_item else "")
            )
    if media_type == "STORIES" and acct.account_type != "BUSINESS":
        raise invalid_param("Stories can only be published by business accounts")
    if is_item and "caption" in p:
        raise invalid_param("The parameter caption is not supported on carousel items")
    resumable = p.get("upload_type") == "resumable"
    if "upload_type" in p and not resumable:
        raise invalid_param("upload_type must be resumable")
    if resumable and (
        emu.flavor_of(call.host) != FACEBOOK or media_type not in ("REELS", "STORIES", "VIDEO")
    ):
        raise invalid_param("Resumable upload is not available for this request")
    if "product_tags" in p and emu.flavor_of(call.host) != FACEBOOK:
        raise invalid_param("product_tags is only available with Facebook Login")
    if "alt_text" in p and len(str(p["alt_text"])) > 1000:
        raise invalid_param("alt_text must be at most 1,000 characters")
    if "caption" in p:
        check_caption(str(p["caption"]))
    if "user_tags" in p:
        _validate_user_tags(p["user_tags"], media_type)
    if "collaborators" in p and len(call.list_param("collaborators")) > 3:
        raise invalid_param("At most 3 collaborators are allowed")
    now = emu.now()
    acct.container_times[:] = [t for t in acct.container_times if t > now - DAY]
    if len(acct.container_times) >= CONTAINERS_PER_DAY:
        raise GraphError(
            9,
            "(#9) Application request limit reached: at most 400 media containers per account "
            "in a 24-hour period",
            user_title="Container limit reached",
        )
    ready_at, error, children = now + emu.image_processing_seconds, None, []
    if media_type == "CAROUSEL":
        children = call.list_param("children")
        if not 2 <= len(children) <= 10:
            raise GraphError(100, "(#100) The carousel must contain between 2 and 10 items.", subcode=2207028)
        for cid in children:
            child = emu.state.containers.get(cid)
            if child is None or child.owner_id != acct.ig_user_id or not child.is_carousel_item:
                raise invalid_param(f"Invalid child container id {cid}: not a carousel item of this account")
            if child.published_media_id or now >= child.created_at + DAY:
                raise invalid_param(f"Child container {cid} is expired or already used")
    elif media_type in ("IMAGE",) or (media_type == "STORIES" and "image_url" in p):
        if "video_url" in p and media_type == "STORIES":
            raise invalid_param("Send either image_url or video_url, not both")
        url = p.get("image_url") or _missing("image_url")
        check_image(await emu.fetcher.fetch(url), url, feed=media_type == "IMAGE")
    else:
        url = p.get("video_url")
        if url is None and not resumable:
            raise missing_param("video_url")
        if url is not None:
            fx = await _fetch_video(emu, url)
            ready_at = now + (
                fx.processing_seconds if fx.processing_seconds is not None else emu.video_processing_seconds
            )
            sub = video_problem(fx, media_type)
            error = (352, sub) if sub else None
        if "cover_url" in p:
            cover = p["cover_url"]
            check_image(await emu.fetcher.fetch(cover), cover, feed=False)
    ct = Container(
        emu.state.ids.next("container"),
        acct.ig_user_id,
        media_type,
        p,
        now,
        ready_at,
        is_carousel_item=is_item,
        children=children,
        error=error,
    )
    out: dict[str, Any] = {"id": ct.id}
    if resumable and "video_url" not in p:
        ct.uploaded = False
        ct.uri = f"{emu.urls.rupload_facebook}/ig-api-upload/{call.version or 'v25.0'}/{ct.id}"
        out["uri"] = ct.uri
    emu.state.containers[ct.id] = ct
    acct.container_times.append(now)
    return out


def _missing(name: str) -> Any:
    raise missing_param(name)


async def get_container(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """GET /{ig-container-id}?fields=status_code,status."""
    return render_container(emu, call, call.target, call.fields)


def _new_media(
    emu: GraphEmulator, ct: Container, owner: str, product: str, parent: str | None = None
) -> Media:
    st = emu.state
    mid = st.ids.next("media")
    is_video = ct.media_type in ("VIDEO", "REELS") or "video_url" in ct.params or bool(ct.uri)
    media_type = "CAROUSEL_ALBUM" if ct.media_type == "CAROUSEL" else ("VIDEO" if is_video else "IMAGE")
    ext = "mp4" if is_video else "jpg"
    media = Media(
        mid,
        owner,
        media_type,
        product,
        emu.now(),
        shortcode=emu.shortcode(),
        caption=str(ct.params.get("caption", "")) if not parent else "",
        media_url=f"https://scontent.cdninstagram.example/v/{mid}.{ext}",
        thumbnail_url=f"https://scontent.cdninstagram.example/v/{mid}_thumb.jpg" if is_video else None,
        alt_text=ct.params.get("alt_text"),
        parent_id=parent,
        container_id=ct.id,
        is_shared_to_feed=(str(ct.params.get("share_to_feed", "true")).lower() != "false")
        if ct.media_type == "REELS"
        else None,
        tagged=_tagged_usernames(ct.params.get("user_tags")),
    )
    if media_type == "CAROUSEL_ALBUM":
        media.media_url = ""
    st.media[mid] = media
    return media


async def publish(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """POST /{ig-user-id}/media_publish?creation_id=…"""
    acct = call.account
    cid = str(call.require("creation_id"))
    ct = emu.state.containers.get(cid)
    if ct is None or ct.owner_id != acct.ig_user_id:
        raise GraphError(
            24,
            f"The media builder with creation id = {cid} does not exist or has been expired.",
            subcode=2207008,
            is_transient=True,
        )
    if ct.is_carousel_item:
        raise invalid_param("A carousel item cannot be published on its own; publish its carousel")
    status = container_status(emu, ct)
    if status == "PUBLISHED":
        raise invalid_param(
            f"The media builder with creation id = {cid} has already been published",
            user_msg=f"Already published as media {ct.published_media_id}",
        )
    if status == "EXPIRED":
        raise GraphError(-2, "The media container has expired. Create a new container.", subcode=2207020)
    if status == "ERROR":
        code, sub = container_error(emu, ct) or (352, 2207026)
        raise coded_error(code, sub, str(ct.params.get("video_url", "")))
    if status == "IN_PROGRESS":
        raise GraphError(
            9007,
            "Media ID is not available",
            subcode=2207027,
            is_transient=True,
            user_title="Media not ready",
            user_msg="The media is not ready for publishing, please wait for a moment",
        )
    now = emu.now()
    acct.publish_times[:] = [t for t in acct.publish_times if t > now - DAY]
    if len(acct.publish_times) >= acct.quota_total:
        raise GraphError(
            9,
            "Application request limit reached",
            subcode=2207042,
            user_title="Limit reached",
            user_msg="You reached maximum number of posts that is allowed to be published by "
            "Content Publishing API",
        )
    product = {"REELS": "REELS", "STORIES": "STORY"}.get(ct.media_type, "FEED")
    media = _new_media(emu, ct, acct.ig_user_id, product)
    for child_id in ct.children:
        child_ct = emu.state.containers[child_id]
        child = _new_media(emu, child_ct, acct.ig_user_id, "FEED", parent=media.id)
        media.children.append(child.id)
        child_ct.published_media_id = child.id
    ct.published_media_id = media.id
    acct.publish_times.append(now)
    return {"id": media.id}


async def publishing_limit(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """GET /{ig-user-id}/content_publishing_limit."""
    acct, now = call.account, emu.now()
    since = call.time_param("since")
    start = now - DAY
    if since is not None:
        start = since
        if start < now - DAY - 1:
            raise invalid_param("since must be no older than 24 hours")
    used = sum(1 for t in acct.publish_times if t >= start and t > now - DAY)
    reqs = call.fields or []
    names = [r.name for r in reqs] or ["quota_usage"]
    for n in names:
        if n not in ("quota_usage", "config"):
            from .errors import nonexisting_field

            raise nonexisting_field(n, "ContentPublishingLimitResponse")
    item: dict[str, Any] = {}
    if "quota_usage" in names:
        item["quota_usage"] = used
    if "config" in names:
        item["config"] = {"quota_total": acct.quota_total, "quota_duration": int(DAY)}
    return {"data": [item]}


async def rupload(
    emu: GraphEmulator, container_id: str, token: str | None, headers: dict[str, str], body: bytes
) -> tuple[int, dict[str, Any]]:
    """Handle a resumable upload to rupload.facebook.com (local bytes or ``file_url``)."""
    tok = emu.state.tokens.get(token or "")
    ct = emu.state.containers.get(container_id)
    if tok is None or tok.flavor != FACEBOOK or ct is None or not ct.uri:
        return 400, {
            "debug_info": {
                "retriable": False,
                "type": "ProcessingFailedError",
                "message": "Request processing failed",
            }
        }
    url = headers.get("file_url")
    try:
        fx = (
            await _fetch_video(emu, url)
            if url
            else MediaFixture("upload", "video/mp4", len(body), 1080, 1920, duration=None)
        )
    except GraphError as err:
        return 400, {
            "debug_info": {"retriable": False, "type": "ProcessingFailedError", "message": err.message}
        }
    if not url:
        declared = headers.get("file_size")
        if declared is None or int(declared) != len(body) + int(headers.get("offset", "0")):
            return 400, {
                "debug_info": {
                    "retriable": True,
                    "type": "PartialRequestError",
                    "message": "file_size does not match the bytes received",
                }
            }
    ct.uploaded = True
    ct.ready_at = emu.now() + emu.video_processing_seconds
    sub = video_problem(fx, ct.media_type)
    ct.error = (352, sub) if sub else None
    return 200, {"success": True, "message": "Upload successful."}
