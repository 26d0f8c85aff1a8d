"""Media, stories, publishing containers and the publishing quota."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from . import errors as E
from .account import GraphAccount, Priority
from .client import GraphClient

MEDIA_FIELDS = (
    "id,caption,media_type,media_product_type,media_url,thumbnail_url,permalink,shortcode,timestamp,"
    "like_count,comments_count"
)
PROFILE_FIELDS = "id,username,name,profile_picture_url,followers_count,follows_count,media_count"
STORY_FIELDS = "id,media_type,media_product_type,media_url,thumbnail_url,permalink,timestamp"
LINK_FIELDS = "id,permalink,shortcode,media_product_type"
# what a comment's Slack message shows of its post (and whose post it is: a mention when not the account's)
CONTEXT_FIELDS = "id,caption,permalink,thumbnail_url,media_url,media_type,media_product_type,timestamp,username"
TOKEN_CHECK_FIELDS = "id,username"  # one cheap read that proves a token works
COUNT_FIELDS = "id,timestamp,comments_count"


async def profile(
    client: GraphClient,
    account: GraphAccount,
    *,
    fields: str = PROFILE_FIELDS,
    priority: Priority = Priority.BACKGROUND,
) -> dict[str, Any]:
    """Read the account's own fields (followers_count, media_count …)."""
    return await client.get(account.ig_user_id, account, params={"fields": fields}, priority=priority)


async def current_username(
    client: GraphClient, account: GraphAccount, *, priority: Priority = Priority.BACKGROUND
) -> str | None:
    """Return the account's username as Instagram has it now (an Instagram Login token reads ``/me``)."""
    if account.login == "instagram":
        node, fields = "me", "user_id,username"
    else:
        node, fields = account.ig_user_id, "username"
    body = await client.get(node, account, params={"fields": fields}, priority=priority)
    return body.get("username")


def list_media(
    client: GraphClient,
    account: GraphAccount,
    *,
    fields: str = MEDIA_FIELDS,
    limit: int = 50,
    max_items: int | None = None,
    priority: Priority = Priority.BACKGROUND,
) -> AsyncIterator[dict[str, Any]]:
    """Iterate the account's media, newest first."""
    params = {"fields": fields, "limit": limit}
    return client.items(
        f"{account.ig_user_id}/media", account, params=params, max_items=max_items, priority=priority
    )


async def comment_counts(
    client: GraphClient,
    account: GraphAccount,
    *,
    limit: int = 25,
    priority: Priority = Priority.BACKGROUND,
) -> list[dict[str, Any]]:
    """Read the newest media with their timestamp and comments_count, in one call (what sync compares)."""
    page = await client.get(
        f"{account.ig_user_id}/media",
        account,
        params={"fields": COUNT_FIELDS, "limit": limit},
        priority=priority,
    )
    return page.get("data") or []


def stories(
    client: GraphClient,
    account: GraphAccount,
    *,
    fields: str = STORY_FIELDS,
    priority: Priority = Priority.BACKGROUND,
) -> AsyncIterator[dict[str, Any]]:
    """Iterate the account's live stories."""
    return client.items(
        f"{account.ig_user_id}/stories", account, params={"fields": fields}, priority=priority
    )


async def get_media(
    client: GraphClient,
    account: GraphAccount,
    media_id: str,
    *,
    fields: str = LINK_FIELDS,
    priority: Priority = Priority.BACKGROUND,
) -> dict[str, Any]:
    """Read one media's fields (by default its permalink, shortcode and product type)."""
    ctx = {"object": f"media {media_id}"}
    return await client.get(media_id, account, params={"fields": fields}, priority=priority, context=ctx)


async def create_container(
    client: GraphClient,
    account: GraphAccount,
    *,
    image_url: str | None = None,
    video_url: str | None = None,
    media_type: str | None = None,
    caption: str | None = None,
    children: list[str] | None = None,
    is_carousel_item: bool | None = None,
    priority: Priority = Priority.BACKGROUND,
    **extra: Any,
) -> dict[str, Any]:
    """Create a media container (``POST /{ig-user-id}/media``); return ``{"id": container_id}``."""
    form: dict[str, Any] = {
        "image_url": image_url,
        "video_url": video_url,
        "media_type": media_type,
        "caption": caption,
        "children": ",".join(children) if children else None,
        "is_carousel_item": is_carousel_item,
        **extra,
    }
    form = {k: v for k, v in form.items() if v is not None}
    url = image_url or video_url or extra.get("cover_url")
    ctx = {"url": url, "action": f"creating a container for {url or 'the carousel'}"}
    return await client.post(
        f"{account.ig_user_id}/media", account, form=form, priority=priority, context=ctx
    )


async def container_status(
    client: GraphClient, account: GraphAccount, container_id: str, *, priority: Priority = Priority.BACKGROUND
) -> dict[str, Any]:
    """Read a container's ``status_code`` (EXPIRED/ERROR/FINISHED/IN_PROGRESS/PUBLISHED) and ``status``."""
    ctx = {"object": f"container {container_id}"}
    params = {"fields": "id,status_code,status"}
    return await client.get(container_id, account, params=params, priority=priority, context=ctx)


def container_error(status: dict[str, Any], url: str | None = None) -> E.GraphError | None:
    """Return the error a container's status describes (ERROR or EXPIRED), or None."""
    code = status.get("status_code")
    if code == "EXPIRED":
        return E.build(E.EXACT_RULES[(-2, 2207020)], {"url": url}, code=-2, subcode=2207020)
    if code == "ERROR":
        return E.from_status_subcode(status.get("status"), {"url": url})
    return None


async def publish(
    client: GraphClient,
    account: GraphAccount,
    creation_id: str,
    *,
    url: str | None = None,
    priority: Priority = Priority.BACKGROUND,
) -> dict[str, Any]:
    """Publish a container, never retried: a timeout or 5xx raises OutcomeUnknown (check the container)."""
    ctx = {"object": f"container {creation_id}", "action": f"publishing container {creation_id}", "url": url}
    return await client.post(
        f"{account.ig_user_id}/media_publish",
        account,
        form={"creation_id": creation_id},
        priority=priority,
        idempotent=False,
        context=ctx,
    )


async def publishing_limit(
    client: GraphClient,
    account: GraphAccount,
    *,
    since: int | None = None,
    priority: Priority = Priority.BACKGROUND,
) -> dict[str, Any]:
    """Return ``{"quota_usage": n, "config": {"quota_total": …, "quota_duration": …}}`` for the last 24 h."""
    params: dict[str, Any] = {"fields": "quota_usage,config"}
    if since is not None:
        params["since"] = since
    body = await client.get(
        f"{account.ig_user_id}/content_publishing_limit", account, params=params, priority=priority
    )
    data = body.get("data") or [{}]
    return data[0]
