"""Turn stored content and history into the digest's figures: deltas, averages, top posts, weeks, series."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.digests.schedule import day_range

LABELS = {
    "views": "Views", "reach": "Accounts reached", "accounts_engaged": "Accounts engaged",
    "total_interactions": "Interactions", "likes": "Likes", "comments": "Comments", "shares": "Shares",
    "saves": "Saves", "replies": "Replies", "profile_links_taps": "Profile link taps",
    "follows_and_unfollows": "Follows and unfollows",
}
CHART_DAYS = 14
WEEKS = 4
TOP_POSTS = 3


@dataclass(frozen=True)
class MetricLine:
    """One account metric of yesterday with its 7-day average (None when there is no history yet)."""

    name: str
    label: str
    value: int
    average: float | None
    change_pct: float | None


@dataclass(frozen=True)
class Week:
    """One Monday-to-Sunday week of the weekly comparison."""

    first: str
    last: str
    reach: int | None
    views: int | None
    interactions: int | None
    followers_change: int | None


@dataclass
class Digest:
    """Everything a digest message and chart show."""

    username: str
    day: str
    yesterday: str
    timezone: str
    followers: int | None
    followers_change: int | None
    followers_base_day: str | None
    metrics: list[MetricLine]
    refused: dict[str, str]
    top_posts: list[dict[str, Any]]
    published: list[dict[str, Any]]
    media_error: str | None
    series_days: list[str]
    series: dict[str, list[int | None]]
    series_since: str | None
    weeks: list[Week] | None = None
    stories: list[dict] | None = None
    moderation: dict | None = None
    quota: dict | None = None
    late_note: str | None = None
    footnotes: list[str] = field(default_factory=list)


def interactions(media: dict[str, Any]) -> int:
    """Return a media's interactions (total_interactions, else likes + comments + saves + shares)."""
    ins = media.get("insights") or {}
    if ins.get("total_interactions") is not None:
        return int(ins["total_interactions"])
    parts = (ins.get("likes", media.get("like_count")), ins.get("comments", media.get("comments_count")),
             ins.get("saved"), ins.get("shares"))
    return sum(int(p or 0) for p in parts)


def _in_range(media: dict[str, Any], since: int, until: int) -> bool:
    stamp = media.get("timestamp")
    if not stamp:
        return False
    try:
        moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S%z").timestamp()
    except ValueError:
        return False
    return since <= moment < until


def compose(content: dict[str, Any], *, username: str, insight_history: dict[str, dict[str, int]],
            follower_history: dict[str, int], weekly: bool) -> Digest:
    """Build the digest from what was read (content) and the stored daily values."""
    day = date.fromisoformat(content["day"])
    yesterday = day - timedelta(days=1)
    tz = content["timezone"]
    metrics = []
    for name, label in LABELS.items():
        value = content["metrics"].get(name)
        if value is None:
            continue
        past = [insight_history.get((yesterday - timedelta(days=i)).isoformat(), {}).get(name) for i in range(1, 8)]
        past = [p for p in past if p is not None]
        average = sum(past) / len(past) if past else None
        change = (value - average) / average * 100 if average else None
        metrics.append(MetricLine(name, label, int(value), average, change))
    refused = {LABELS.get(k, k): v for k, v in content.get("refused", {}).items()}

    followers, change, base_day = content.get("followers_count"), None, None
    earlier = sorted(d for d in follower_history if d < content["day"])
    if followers is not None and earlier:
        base_day = earlier[-1]
        change = followers - follower_history[base_day]

    week_since, _ = day_range(day - timedelta(days=7), tz)
    y_since, y_until = day_range(yesterday, tz)
    media = content.get("media") or []
    recent = [m for m in media if _in_range(m, week_since, y_until)]
    top = sorted(recent, key=interactions, reverse=True)[:TOP_POSTS]
    published = [m for m in media if _in_range(m, y_since, y_until)]

    days = [(day - timedelta(days=i)).isoformat() for i in range(CHART_DAYS, 0, -1)]
    series: dict[str, list[int | None]] = {
        "reach": [insight_history.get(d, {}).get("reach") for d in days],
        "views": [insight_history.get(d, {}).get("views") for d in days],
        # followers at the end of a day = the reading taken the next morning
        "followers": [follower_history.get((date.fromisoformat(d) + timedelta(days=1)).isoformat())
                      for d in days],
    }
    known = [i for i, d in enumerate(days) if any(series[k][i] is not None for k in series)]
    since = days[known[0]] if known and known[0] > 0 else (None if known else content["yesterday"])

    digest = Digest(
        username=username, day=content["day"], yesterday=yesterday.isoformat(), timezone=tz,
        followers=followers, followers_change=change, followers_base_day=base_day, metrics=metrics,
        refused=refused, top_posts=top, published=published, media_error=content.get("media_error"),
        series_days=days, series=series, series_since=since,
    )
    if weekly:
        digest.weeks = weeks(day, insight_history, follower_history)
    return digest


def weeks(day: date, insight_history: dict[str, dict[str, int]], follower_history: dict[str, int]) -> list[Week]:
    """Return the last four Monday-to-Sunday weeks before day, oldest first."""
    out = []
    for i in range(WEEKS, 0, -1):
        first = day - timedelta(days=7 * i)
        span = [(first + timedelta(days=k)).isoformat() for k in range(7)]

        def total(metric: str, span: list[str] = span) -> int | None:
            values = [insight_history.get(d, {}).get(metric) for d in span]
            values = [v for v in values if v is not None]
            return sum(values) if values else None

        start, end = follower_history.get(first.isoformat()), follower_history.get(
            (first + timedelta(days=7)).isoformat())
        change = end - start if start is not None and end is not None else None
        out.append(Week(span[0], span[-1], total("reach"), total("views"), total("total_interactions"), change))
    return out


def history_window(day: str) -> tuple[str, str]:
    """Return the first and last day of stored history a digest for this day reads."""
    d = date.fromisoformat(day)
    return (d - timedelta(days=7 * WEEKS + 1)).isoformat(), d.isoformat()
