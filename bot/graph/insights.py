"""Account insights, media insights, and media with insights in as few calls as possible."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any

from yarl import URL

from . import errors as E
from .account import GraphAccount, Priority
from .batch import BatchRequest
from .call import Call
from .client import GraphClient
from .paging import next_call

log = logging.getLogger("bot.graph")

MEDIA_METRICS = ("reach", "views", "likes", "comments", "saved", "shares", "total_interactions")
DIGEST_MEDIA_FIELDS = ("id,caption,media_type,media_product_type,media_url,thumbnail_url,timestamp,permalink,"
                       "like_count,comments_count")
DIGEST_PROFILE_FIELDS = "followers_count,media_count"
ACCOUNT_METRICS = (
    "reach",
    "views",
    "accounts_engaged",
    "total_interactions",
    "likes",
    "comments",
    "shares",
    "saves",
    "replies",
    "profile_links_taps",
)
# The digest's account metrics (graph-api.md §4.2); follows_and_unfollows needs ≥ 100 followers.
DIGEST_ACCOUNT_METRICS = (*ACCOUNT_METRICS, "follows_and_unfollows")
_REFUSED = (E.InvalidParameter, E.PermissionDenied)


def flatten(data: list[dict[str, Any]] | None) -> dict[str, Any]:
    """Turn an insights ``data`` list into ``{metric: value}`` (total_value, else the last of values)."""
    out: dict[str, Any] = {}
    for metric in data or []:
        name = metric.get("name")
        if not name:
            continue
        if isinstance(metric.get("total_value"), dict):
            out[name] = metric["total_value"].get("value")
        else:
            values = metric.get("values") or []
            out[name] = values[-1].get("value") if values else None
    return out


async def media_insights(
    client: GraphClient,
    account: GraphAccount,
    media_id: str,
    *,
    metrics: tuple[str, ...] = MEDIA_METRICS,
    priority: Priority = Priority.BACKGROUND,
) -> dict[str, Any]:
    """Return ``{metric: value}`` for one media."""
    body = await client.get(
        f"{media_id}/insights",
        account,
        params={"metric": ",".join(metrics)},
        priority=priority,
        context={"object": f"media {media_id}"},
    )
    return flatten(body.get("data"))


async def account_insights(
    client: GraphClient,
    account: GraphAccount,
    *,
    metrics: tuple[str, ...] = ACCOUNT_METRICS,
    period: str = "day",
    metric_type: str | None = "total_value",
    since: int | None = None,
    until: int | None = None,
    priority: Priority = Priority.BACKGROUND,
) -> dict[str, Any]:
    """Return ``{"values": {metric: value}, "errors": {metric: sentence}, "data": [...]}``."""
    base: dict[str, Any] = {"period": period}
    if metric_type:
        base["metric_type"] = metric_type
    if since is not None:
        base["since"] = since
    if until is not None:
        base["until"] = until
    path = f"{account.ig_user_id}/insights"
    try:
        body = await client.get(
            path, account, params={**base, "metric": ",".join(metrics)}, priority=priority
        )
        return {"values": flatten(body.get("data")), "errors": {}, "data": body.get("data") or []}
    except E.InvalidParameter as exc:
        if len(metrics) == 1:
            raise
        refusal = exc
    out: dict[str, Any] = {"values": {}, "errors": {}, "data": []}
    rest = metrics
    named = named_metrics(refusal, metrics)
    if named and len(named) < len(metrics):
        # Meta names the refused metrics ("The following metrics (x) …"): leave them out and ask once more.
        others = tuple(m for m in metrics if m not in named)
        try:
            body = await client.get(path, account, params={**base, "metric": ",".join(others)}, priority=priority)
        except _REFUSED:
            pass
        else:
            out["data"].extend(body.get("data") or [])
            out["values"].update(flatten(body.get("data")))
            out["errors"].update({m: refusal.sentence for m in named})
            rest = ()
    for metric in rest:
        try:
            body = await client.get(path, account, params={**base, "metric": metric}, priority=priority)
        except _REFUSED as exc:
            out["errors"][metric] = exc.sentence
            continue
        out["data"].extend(body.get("data") or [])
        out["values"].update(flatten(body.get("data")))
    return out


def named_metrics(exc: E.GraphError, metrics: tuple[str, ...]) -> tuple[str, ...]:
    """Return the requested metrics a refusal names in parentheses ("The following metrics (a, b) …")."""
    groups = re.findall(r"\(([a-z_, ]+)\)", (exc.message or "").lower())
    words = {w.strip() for group in groups for w in group.split(",")}
    return tuple(m for m in metrics if m in words)


def _swap_fields(call: Call, fields: str) -> Call:
    url = URL(call.url)
    if "fields" in url.query:
        url = url.update_query(fields=fields)
    params = dict(call.params)
    if "fields" in params or not call.params:
        params["fields"] = fields
    return replace(call, url=str(url), params=params)


async def media_with_insights(
    client: GraphClient,
    account: GraphAccount,
    *,
    metrics: tuple[str, ...] = MEDIA_METRICS,
    fields: str = DIGEST_MEDIA_FIELDS,
    max_items: int = 50,
    page_size: int = 50,
    priority: Priority = Priority.BACKGROUND,
) -> list[dict[str, Any]]:
    """Return recent media with ``insights`` as ``{metric: value}`` (expansion; per media if refused)."""
    # Meta refuses a whole expanded page when one media lacks a metric: that page is then read without the
    # expansion and its insights fetched per media (batched on the Facebook host); a media whose insights are
    # refused gets ``insights: {}`` and ``insights_error``. Two refusals in a row stop trying the expansion.
    expanded = f"{fields},insights.metric({','.join(metrics)})"
    call: Call | None = Call(
        method="GET",
        url=client.url(f"{account.ig_user_id}/media", host=client.host(account)),
        params={"fields": expanded, "limit": min(page_size, max_items)},
        token=account.token,
        account=account,
        priority=priority,
    )
    out: list[dict[str, Any]] = []
    refusals = 0
    while call is not None and len(out) < max_items:
        page: Any = None
        if refusals < 2:
            try:
                page = await client.send(call)
            except _REFUSED as exc:
                refusals += 1
                log.info("graph insights expansion refused (%s); reading this page per media", exc.codes)
        if page is not None:
            refusals = 0
            items = page.get("data") or []
            for item in items:
                item["insights"] = flatten((item.get("insights") or {}).get("data"))
        else:
            page = await client.send(_swap_fields(call, fields))
            items = page.get("data") or []
            await _fill_per_media(client, account, items[: max_items - len(out)], metrics, priority)
        out.extend(items[: max_items - len(out)])
        nxt = next_call(call, page)
        call = _swap_fields(nxt, expanded) if nxt is not None else None
    return out


async def profile_with_media(
    client: GraphClient,
    account: GraphAccount,
    *,
    profile_fields: str = DIGEST_PROFILE_FIELDS,
    media_fields: str = DIGEST_MEDIA_FIELDS,
    metrics: tuple[str, ...] = MEDIA_METRICS,
    limit: int = 50,
    priority: Priority = Priority.BACKGROUND,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return the account's fields and its `limit` newest media with ``insights`` as ``{metric: value}``.

    One call, by field expansion (``GET /{ig-user-id}?fields=followers_count,…,media.limit(n){…,insights.metric(…)}``,
    graph-api.md §3.3). Meta refuses the whole call when one media lacks a metric: it is then made again without
    the nested insights, and those are read per media (batched on the Facebook host), as in media_with_insights.
    """
    plain = f"{profile_fields},media.limit({limit}){{{media_fields}}}"
    expanded = f"{profile_fields},media.limit({limit}){{{media_fields},insights.metric({','.join(metrics)})}}"
    try:
        body = await client.get(account.ig_user_id, account, params={"fields": expanded}, priority=priority)
        items = (body.get("media") or {}).get("data") or []
        for item in items:
            item["insights"] = flatten((item.get("insights") or {}).get("data"))
    except _REFUSED as exc:
        log.info("graph insights expansion refused (%s); reading the insights per media", exc.codes)
        body = await client.get(account.ig_user_id, account, params={"fields": plain}, priority=priority)
        items = (body.get("media") or {}).get("data") or []
        await _fill_per_media(client, account, items, metrics, priority)
    fields = {key: value for key, value in body.items() if key != "media"}
    return fields, items


def account_day_requests(account: GraphAccount, metric: str, ranges: list[tuple[int, int]]) -> list[BatchRequest]:
    """Return one account-insights request per day range (for get_many): the metric's total over each day."""
    return [BatchRequest(f"{account.ig_user_id}/insights",
                         {"metric": metric, "period": "day", "metric_type": "total_value", "since": s, "until": u})
            for s, u in ranges]


async def _fill_per_media(
    client: GraphClient,
    account: GraphAccount,
    items: list[dict[str, Any]],
    metrics: tuple[str, ...],
    priority: Priority,
) -> None:
    reqs = [
        BatchRequest(
            f"{m['id']}/insights", {"metric": ",".join(metrics)}, context={"object": f"media {m['id']}"}
        )
        for m in items
    ]
    results = await client.get_many(account, reqs, priority=priority)
    for item, result in zip(items, results, strict=True):
        if isinstance(result, E.GraphError):
            if result.pause:
                raise result
            item["insights"], item["insights_error"] = {}, result.sentence
        else:
            item["insights"] = flatten((result or {}).get("data"))
