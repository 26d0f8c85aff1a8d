"""Read what a digest needs from Graph in as few calls as possible (normally 3) and store the day's values."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from bot.digests.schedule import day_range, local_day
from bot.graph import errors as E
from bot.graph.account import GraphAccount, Priority
from bot.graph.client import GraphClient
from bot.graph.insights import (
    DIGEST_ACCOUNT_METRICS,
    DIGEST_MEDIA_FIELDS,
    DIGEST_PROFILE_FIELDS,
    MEDIA_METRICS,
    account_day_requests,
    account_insights,
    profile_with_media,
)
from bot.graph.media import profile
from storage import digests as rows
from storage.db import Store

log = logging.getLogger(__name__)
META_TIME_ZONE = "America/Los_Angeles"  # Meta counts daily insights from midnight to midnight Pacific time
RECENT_MEDIA = 50
MIN_FOLLOWERS_FOR_FOLLOWS = 100
CAPTION_KEEP = 300
REFUSED = (E.InvalidParameter, E.PermissionDenied)  # Meta will not give this; anything else is retried


async def collect(graph: GraphClient, account: GraphAccount, *, timezone: str, day: date,
                  priority: Priority = Priority.BACKGROUND) -> dict[str, Any]:
    """Read the profile with the recent media and their insights (one call), yesterday's account insights and
    day −2 again: three counted calls.

    A refused metric or media read is kept as a footnote; any other GraphError (reconnect, throttled, rate
    limited, transient) is raised so the run is tried again later.
    """
    before = graph.counters.calls
    yesterday, day_before = day - timedelta(days=1), day - timedelta(days=2)
    media, media_error = [], None
    try:
        prof, media = await profile_with_media(graph, account, profile_fields=DIGEST_PROFILE_FIELDS,
                                               media_fields=DIGEST_MEDIA_FIELDS, metrics=MEDIA_METRICS,
                                               limit=RECENT_MEDIA, priority=priority)
    except REFUSED as exc:  # the media cannot be read: the profile alone, and the digest says why
        media_error = exc.sentence
        prof = await profile(graph, account, fields=DIGEST_PROFILE_FIELDS, priority=priority)
    followers = prof.get("followers_count")
    metrics, refused = list(DIGEST_ACCOUNT_METRICS), {}
    if followers is not None and followers < MIN_FOLLOWERS_FOR_FOLLOWS:
        metrics.remove("follows_and_unfollows")
        refused["follows_and_unfollows"] = "Instagram reports follows and unfollows from 100 followers on"
    since, until = day_range(yesterday, timezone)
    got = await _account_day(graph, account, tuple(metrics), since, until, priority)
    refused.update(got["errors"])
    kept = [m for m in metrics if m not in got["errors"]]
    since2, until2 = day_range(day_before, timezone)
    reread: dict[str, Any] = {}
    if kept:
        again = await _account_day(graph, account, tuple(kept), since2, until2, priority)
        reread = again["values"]
    return {
        "day": day.isoformat(),
        "yesterday": yesterday.isoformat(),
        "timezone": timezone,
        "followers_count": followers,
        "media_count": prof.get("media_count"),
        "metrics": got["values"],
        "refused": refused,
        "reread": {"day": day_before.isoformat(), "values": reread},
        "media": [_slim(m) for m in media],
        "media_error": media_error,
        "graph_calls": graph.counters.calls - before,
    }


async def _account_day(graph: GraphClient, account: GraphAccount, metrics: tuple[str, ...], since: int,
                       until: int, priority: Priority) -> dict[str, Any]:
    try:
        return await account_insights(graph, account, metrics=metrics, period="day", metric_type="total_value",
                                      since=since, until=until, priority=priority)
    except REFUSED as exc:
        return {"values": {}, "errors": dict.fromkeys(metrics, exc.sentence)}


def _slim(media: dict[str, Any]) -> dict[str, Any]:
    """Keep what the digest shows of a media (captions cut, so stored content stays small)."""
    caption = media.get("caption") or ""
    return {
        "id": media.get("id"),
        "caption": caption[:CAPTION_KEEP],
        "media_type": media.get("media_type"),
        "media_product_type": media.get("media_product_type"),
        "thumbnail": media.get("thumbnail_url") or media.get("media_url"),
        "timestamp": media.get("timestamp"),
        "permalink": media.get("permalink"),
        "like_count": media.get("like_count"),
        "comments_count": media.get("comments_count"),
        "insights": media.get("insights") or {},
        "insights_error": media.get("insights_error"),
    }


async def store_collected(store: Store, account_id: int, content: dict[str, Any]) -> None:
    """Store the day's values: yesterday (preliminary), day −2 re-read (overwrites), today's followers."""
    await store.run(rows.put_insight_day, account_id, content["yesterday"], content["metrics"], preliminary=True)
    reread = content["reread"]
    if reread["values"]:
        await store.run(rows.put_insight_day, account_id, reread["day"], reread["values"], preliminary=False)
    if content["followers_count"] is not None:
        await store.run(rows.put_follower_snapshot, account_id, content["day"],
                        followers_count=content["followers_count"], media_count=content["media_count"])


async def backfill(graph: GraphClient, account: GraphAccount, *, timezone: str, day: date, store: Store,
                   account_id: int, days: int = 28) -> str | None:
    """Read the 28 days before day −2 once (reach as a time series, views one call per day).

    Runs outside the digest's budget and only when the account has room under its rate limit; returns a
    note for the digest when part of the history could not be read, and marks the account done unless the
    read must be tried again later (throttled or paused).
    """
    if await graph.ready_at(account) is not None:
        log.info("digest backfill for %s waits: the account is throttled", account.label)
        return None
    first = day - timedelta(days=days)
    last = day - timedelta(days=3)  # day −2 and −1 are read by every digest
    since, _ = day_range(first, timezone)
    _, until = day_range(last, timezone)
    notes: list[str] = []
    history: dict[str, dict[str, int]] = {}
    try:
        series = await account_insights(graph, account, metrics=("reach",), period="day",
                                        metric_type="time_series", since=since, until=until)
        for point in series["data"][0].get("values", []) if series["data"] else []:
            end = point.get("end_time")
            if end and point.get("value") is not None:
                history.setdefault(_day_ending(end), {})["reach"] = point["value"]
    except E.GraphError as exc:
        if exc.pause:
            return None
        notes.append(f"reach history: {exc.sentence}")
    wanted = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    requests = account_day_requests(account, "views", [day_range(d, timezone) for d in wanted])
    results = await graph.get_many(account, requests)
    paused = False
    for d, result in zip(wanted, results, strict=True):
        if isinstance(result, E.GraphError):
            paused = paused or result.pause
            continue
        for metric in (result or {}).get("data") or []:
            value = (metric.get("total_value") or {}).get("value")
            if metric.get("name") == "views" and value is not None:
                history.setdefault(d.isoformat(), {})["views"] = value
    for d, values in history.items():
        if first.isoformat() <= d <= last.isoformat():
            await store.run(rows.put_insight_day, account_id, d, values, preliminary=False)
    refused = sum(1 for r in results if isinstance(r, E.GraphError) and not r.pause)
    if refused:
        notes.append(f"views history: {refused} of {len(wanted)} days could not be read")
    if paused:
        return None
    note = "; ".join(notes) or None
    await store.run(rows.mark_backfilled, account_id, note)
    return note


def _day_ending(end_time: str) -> str:
    """Return the day a time-series value covers: its end_time is the end of a day in Meta's time zone."""
    moment = datetime.strptime(end_time, "%Y-%m-%dT%H:%M:%S%z") - timedelta(seconds=1)
    return local_day(moment, META_TIME_ZONE).isoformat()
