"""Media and account insights with the current metrics; deprecated ones answer 100 (graph-api.md §4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from .call import split_list, time_value
from .errors import GraphError, invalid_param, missing_param
from .state import DAY, FACEBOOK, Account, Media

if TYPE_CHECKING:
    from .call import Call
    from .server import GraphEmulator

META_TIME = ZoneInfo("America/Los_Angeles")  # the time zone Meta's daily insights are counted in
FEED, REELS, STORY = "FEED", "REELS", "STORY"
ALL = frozenset({FEED, REELS, STORY})

# metric -> product types that support it (graph-api.md §4.1 table)
MEDIA_METRICS: dict[str, frozenset[str]] = {
    "views": ALL,
    "reach": ALL,
    "shares": ALL,
    "total_interactions": ALL,
    "reposts": ALL,
    "likes": frozenset({FEED, REELS}),
    "comments": frozenset({FEED, REELS}),
    "saved": frozenset({FEED, REELS}),
    "follows": frozenset({FEED, STORY}),
    "profile_visits": frozenset({FEED, STORY}),
    "profile_activity": frozenset({FEED, STORY}),
    "navigation": frozenset({STORY}),
    "replies": frozenset({STORY}),
    "link_clicks": frozenset({STORY}),
    "ig_reels_avg_watch_time": frozenset({REELS}),
    "ig_reels_video_view_total_time": frozenset({REELS}),
    "reels_skip_rate": frozenset({REELS}),
    "crossposted_views": frozenset({REELS}),
    "facebook_views": ALL,
    "total_likes": frozenset({FEED, REELS}),
    "total_comments": frozenset({FEED, REELS}),
    "total_views": ALL,
}
MEDIA_FACEBOOK_ONLY = frozenset({"link_clicks", "total_likes", "total_comments", "total_views"})
NEEDS_FACEBOOK_SHARE = frozenset({"crossposted_views", "facebook_views"})
MEDIA_BREAKDOWNS = {
    "profile_activity": ("action_type", ["BIO_LINK_CLICKED", "CALL", "DIRECTION", "EMAIL", "OTHER", "TEXT"]),
    "navigation": ("story_navigation_action_type", ["SWIPE_FORWARD", "TAP_BACK", "TAP_EXIT", "TAP_FORWARD"]),
}
DEPRECATED_MEDIA = {
    "impressions": ("2025-04-21", "views"),
    "plays": ("2025-04-21", "views"),
    "clips_replays_count": ("2025-04-21", "views"),
    "ig_reels_aggregated_all_plays_count": ("2025-04-21", "views"),
    "video_views": ("2025-01-08", "views"),
    "engagement": ("2023-12-11", "total_interactions"),
    "carousel_album_impressions": ("2023-12-11", "views"),
    "carousel_album_reach": ("2023-12-11", "reach"),
    "carousel_album_engagement": ("2023-12-11", "total_interactions"),
    "carousel_album_saved": ("2023-12-11", "saved"),
    "carousel_album_video_views": ("2023-12-11", "views"),
    "taps_forward": ("2023-12-11", "navigation"),
    "taps_back": ("2023-12-11", "navigation"),
    "exits": ("2023-12-11", "navigation"),
}
PERIODS = ("day", "week", "days_28", "month", "lifetime", "total_over_range")

# account metric -> (periods, metric types, breakdowns, needs >= 100 followers)
USER_METRICS: dict[str, tuple[frozenset[str], frozenset[str], frozenset[str], bool]] = {}
_TV, _TS = "total_value", "time_series"
for _m, _b in (
    ("views", {"follower_type", "follow_type", "media_product_type"}),
    ("reach", {"media_product_type", "follow_type"}),
    ("accounts_engaged", set()),
    ("total_interactions", {"media_product_type"}),
    ("likes", {"media_product_type"}),
    ("comments", {"media_product_type"}),
    ("saves", {"media_product_type"}),
    ("shares", {"media_product_type"}),
    ("replies", set()),
    ("reposts", set()),
    ("profile_links_taps", {"contact_button_type"}),
    ("follows_and_unfollows", {"follow_type"}),
):
    _types = frozenset({_TV, _TS}) if _m == "reach" else frozenset({_TV})
    USER_METRICS[_m] = (frozenset({"day"}), _types, frozenset(_b), _m == "follows_and_unfollows")
for _m in ("follower_demographics", "engaged_audience_demographics", "reached_audience_demographics"):
    USER_METRICS[_m] = (
        frozenset({"lifetime"}),
        frozenset({_TV}),
        frozenset({"age", "city", "country", "gender"}),
        True,
    )
USER_METRICS["follower_count"] = (frozenset({"day"}), frozenset({_TS}), frozenset(), True)
USER_METRICS["online_followers"] = (frozenset({"lifetime"}), frozenset({_TS}), frozenset(), True)
DEMOGRAPHICS = frozenset(
    {"follower_demographics", "engaged_audience_demographics", "reached_audience_demographics"}
)
DEPRECATED_USER = {
    "impressions": ("2025-04-21", "views"),
    **{
        m: ("2025-01-08", "profile_links_taps")
        for m in (
            "profile_views",
            "website_clicks",
            "email_contacts",
            "phone_call_clicks",
            "text_message_clicks",
            "get_directions_clicks",
        )
    },
    **{
        m: ("2023-12-11", "follower_demographics")
        for m in ("audience_city", "audience_country", "audience_gender_age", "audience_locale")
    },
}
TIMEFRAMES = ("this_week", "this_month", "last_14_days", "last_30_days", "last_90_days", "prev_month")
LEGACY_TIMEFRAMES = ("last_14_days", "last_30_days", "last_90_days", "prev_month")
BREAKDOWN_VALUES = {
    "media_product_type": [("POST", 0.5), ("REEL", 0.3), ("STORY", 0.1), ("CAROUSEL_CONTAINER", 0.1)],
    "follow_type": [("FOLLOWER", 0.4), ("NON_FOLLOWER", 0.6)],
    "follower_type": [("FOLLOWER", 0.4), ("NON_FOLLOWER", 0.6)],
    "contact_button_type": [
        ("BOOK_NOW", 0.1),
        ("CALL", 0.2),
        ("DIRECTION", 0.2),
        ("EMAIL", 0.3),
        ("TEXT", 0.2),
    ],
    "age": [("18-24", 0.3), ("25-34", 0.4), ("35-44", 0.2), ("45-54", 0.1)],
    "gender": [("F", 0.55), ("M", 0.4), ("U", 0.05)],
    "country": [("US", 0.4), ("NL", 0.3), ("DE", 0.2), ("GB", 0.1)],
    "city": [("Amsterdam, North Holland", 0.4), ("Berlin, Berlin", 0.3), ("New York, New York", 0.3)],
}
TITLES = {
    "reach": "Accounts reached",
    "views": "Views",
    "likes": "Likes",
    "comments": "Comments",
    "saved": "Saved",
    "saves": "Saves",
    "shares": "Shares",
    "total_interactions": "Interactions",
    "accounts_engaged": "Accounts engaged",
    "profile_links_taps": "Profile links taps",
}


def _enum_error(name: str, values: Any) -> GraphError:
    return invalid_param(f"{name} must be one of the following values: {', '.join(sorted(values))}")


def _deprecated(metric: str, when: str, use: str) -> GraphError:
    return invalid_param(
        f"The {metric} metric is no longer supported (deprecated for all versions on {when}). "
        f"Please use {use} instead."
    )


def default_media_value(media: Media, metric: str) -> int:
    """Derive a plausible metric value from a media's like count."""
    likes = media.like_count
    base = {
        "reach": likes * 8 + 20,
        "views": likes * 12 + 40,
        "likes": likes,
        "saved": likes // 10,
        "shares": likes // 20,
        "reposts": likes // 50,
        "follows": likes // 30,
        "profile_visits": likes // 5,
        "replies": likes // 40,
        "ig_reels_avg_watch_time": 7400,
        "reels_skip_rate": 31,
        "ig_reels_video_view_total_time": likes * 9000,
        "facebook_views": likes * 2,
        "crossposted_views": likes * 14,
        "link_clicks": likes // 25,
    }
    return base.get(metric, likes)


def _media_value(emu: GraphEmulator, media: Media, metric: str) -> Any:
    if metric in media.insights:
        return media.insights[metric]
    if metric == "comments":
        return sum(1 for c in emu.state.comments.values() if c.media_id == media.id and not c.deleted)
    if metric == "total_interactions":
        return sum(_media_value(emu, media, m) or 0 for m in ("likes", "comments", "saved", "shares"))
    if metric in ("total_likes", "total_comments", "total_views"):
        return _media_value(emu, media, metric.removeprefix("total_").replace("likes", "likes")) or 0
    return default_media_value(media, metric)


def _split(value: int, dimension: str, keys: list[str] | None = None) -> list[dict[str, Any]]:
    pairs = BREAKDOWN_VALUES.get(dimension) or [(k, 1 / len(keys or [1])) for k in keys or []]
    return [{"dimension_values": [k], "value": int(value * share)} for k, share in pairs]


def media_insights(
    emu: GraphEmulator, call: Call, media: Media, metrics: list[str], breakdown: str | None = None
) -> dict[str, Any]:
    """Compute ``/{ig-media-id}/insights`` for one media, raising Meta's error when one metric is refused."""
    if not metrics:
        raise missing_param("metric")
    product = "FEED" if media.media_product_type == "AD" else media.media_product_type
    for metric in metrics:
        if metric in DEPRECATED_MEDIA:
            raise _deprecated(metric, *DEPRECATED_MEDIA[metric])
        if metric not in MEDIA_METRICS:
            raise _enum_error("metric[0]", list(MEDIA_METRICS))
        if metric in MEDIA_FACEBOOK_ONLY and emu.flavor_of(call.host) != FACEBOOK:
            raise _enum_error("metric[0]", [m for m in MEDIA_METRICS if m not in MEDIA_FACEBOOK_ONLY])
        if product not in MEDIA_METRICS[metric]:
            raise invalid_param(
                f"The Media Insights API does not support the {metric} metric for this media product type."
            )
        if metric in NEEDS_FACEBOOK_SHARE and not media.shared_to_facebook:
            raise invalid_param(f"The {metric} metric is only available for media shared to Facebook.")
    if media.parent_id:
        raise invalid_param("Insights are not available for carousel album children")
    if media.insights_unavailable:
        raise GraphError(
            100,
            "(#100) The Media Insights API does not support media posted before the most "
            "recent time that the user's account was converted to a business or creator account.",
            subcode=2108006,
            user_title="Media Posted Before Business Account Conversion",
        )
    if breakdown is not None:
        for metric in metrics:
            dim = MEDIA_BREAKDOWNS.get(metric, (None,))[0]
            if dim != breakdown:
                raise GraphError(1, "An unknown error has occurred.", http_status=500)
    if product == STORY:
        if emu.now() - media.timestamp > DAY:
            raise GraphError(10, "(#10) Insights for this story are no longer available")
        if (_media_value(emu, media, "reach") or 0) < 5:
            raise GraphError(
                10,
                "(#10) Not enough viewers for the media to show insights",
                user_title="Not enough viewers",
                user_msg="Not enough viewers for the media to show insights",
            )
    data = []
    for metric in metrics:
        value = _media_value(emu, media, metric)
        if value is None:
            continue  # no data: the metric is simply absent
        entry: dict[str, Any] = {
            "name": metric,
            "period": "lifetime",
            "values": [{"value": value}],
            "title": TITLES.get(metric, metric.replace("_", " ").capitalize()),
            "description": f"The {metric.replace('_', ' ')} of this media.",
            "id": f"{media.id}/insights/{metric}/lifetime",
        }
        if breakdown is not None:
            dim, keys = MEDIA_BREAKDOWNS[metric]
            entry["total_value"] = {
                "value": value,
                "breakdowns": [
                    {
                        "dimension_keys": [dim],
                        "results": [
                            {"dimension_values": [k.lower()], "value": value // len(keys)} for k in keys
                        ],
                    }
                ],
            }
        data.append(entry)
    return {"data": data}


async def get_media_insights(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """GET /{ig-media-id}/insights."""
    _period(call.param("period"))
    return media_insights(emu, call, call.target, call.list_param("metric"), call.param("breakdown"))


def _period(value: Any) -> str | None:
    """Return the one period asked for (``day`` or ``["day"]``), or answer Meta's enum error."""
    periods = split_list(value, "period")
    for period in periods:
        if period not in PERIODS:
            raise _enum_error("period[0]", PERIODS)
    if len(set(periods)) > 1:
        raise invalid_param("Only one period can be requested at a time")
    return periods[0] if periods else None


def day_ends(since: float, until: float) -> list[float]:
    """Return the ends of the days a range covers: Meta's days end at midnight Pacific time (07:00 or 08:00 UTC).

    Each day whose end lies after ``since`` and not after ``until`` is one value; a range shorter than a day
    still gets the day it falls in.
    """
    start = datetime.fromtimestamp(since, META_TIME)
    end = start.replace(hour=0, minute=0, second=0, microsecond=0)
    ends: list[float] = []
    while True:
        end = end + timedelta(days=1)  # wall-clock arithmetic: the next midnight there, across DST changes
        if ends and end.timestamp() > until:
            return ends
        ends.append(end.timestamp())


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def default_user_value(acct: Account, metric: str) -> int:
    """Derive a plausible daily account metric value from the follower count."""
    f = acct.followers_count
    base = {
        "reach": f // 3 + 10,
        "views": f + 50,
        "accounts_engaged": f // 20 + 1,
        "total_interactions": f // 12,
        "likes": f // 15,
        "comments": f // 80,
        "saves": f // 90,
        "shares": f // 100,
        "replies": f // 300,
        "reposts": f // 400,
        "profile_links_taps": f // 150,
        "follows_and_unfollows": f // 200 + 1,
    }
    return base.get(metric, f // 50)


def user_insights(emu: GraphEmulator, call: Call, acct: Account, params: dict[str, Any]) -> dict[str, Any]:
    """Compute ``/{ig-user-id}/insights`` with Meta's validation rules."""
    metrics = split_list(params.get("metric"), "metric")
    if not metrics:
        raise missing_param("metric")
    period = _period(params.get("period"))
    if not period:
        raise missing_param("period")
    metric_type = params.get("metric_type") or "time_series"
    if metric_type not in ("default", _TV, _TS):
        raise _enum_error("metric_type", ("default", _TV, _TS))
    if metric_type == "default":
        metric_type = _TS
    breakdowns = split_list(params.get("breakdown"), "breakdown")
    for metric in metrics:
        if metric in DEPRECATED_USER:
            raise _deprecated(metric, *DEPRECATED_USER[metric])
        if metric not in USER_METRICS:
            raise _enum_error("metric[0]", list(USER_METRICS))
    bad_period = [m for m in metrics if period not in USER_METRICS[m][0]]
    if bad_period:
        raise invalid_param(
            f"The following metrics ({', '.join(bad_period)}) do not support period: {period}"
        )
    need_tv = [m for m in metrics if metric_type not in USER_METRICS[m][1]]
    if need_tv:
        wanted = _TV if _TV in USER_METRICS[need_tv[0]][1] else _TS
        raise invalid_param(
            f"The following metrics ({', '.join(need_tv)}) should be specified with parameter "
            f"metric_type={wanted}"
        )
    if metric_type == _TV:
        for b in breakdowns:
            if any(b not in USER_METRICS[m][2] for m in metrics):
                raise invalid_param(f"The breakdown {b} is not supported for the requested metrics")
    else:
        breakdowns = []  # time_series drops breakdowns
    if any(USER_METRICS[m][3] for m in metrics) and acct.followers_count < 100:
        small = [m for m in metrics if USER_METRICS[m][3]]
        raise invalid_param(f"The following metrics ({', '.join(small)}) need at least 100 followers")
    now = emu.now()
    timeframe = params.get("timeframe")
    demo = [m for m in metrics if m in DEMOGRAPHICS]
    if demo:
        if not timeframe:
            raise missing_param("timeframe")
        if timeframe not in TIMEFRAMES:
            raise _enum_error("timeframe", TIMEFRAMES)
        if timeframe in LEGACY_TIMEFRAMES and any(m != "follower_demographics" for m in demo):
            raise invalid_param(
                f"Timeframe {timeframe} is not supported for {', '.join(demo)}; use this_week or this_month"
            )
        if not breakdowns:
            raise missing_param("breakdown")
    until = time_value(params.get("until"), "until") or now
    since = time_value(params.get("since"), "since") or until - DAY
    if until - since > 30 * DAY:
        raise invalid_param("There cannot be more than 30 days (2592000 s) between since and until")
    if since > until:
        raise invalid_param("since must be before until")
    ends = day_ends(since, until)
    days = len(ends)
    data = []
    for metric in metrics:
        daily = acct.insights.get(metric, default_user_value(acct, metric))
        entry: dict[str, Any] = {
            "name": metric,
            "period": period,
            "title": TITLES.get(metric, metric.replace("_", " ").capitalize()),
            "description": f"The {metric.replace('_', ' ')} of the account.",
            "id": f"{acct.ig_user_id}/insights/{metric}/{period}",
        }
        if metric_type == _TS:
            entry["values"] = [{"value": daily, "end_time": _iso(end)} for end in ends]
        else:
            total = daily if metric in DEMOGRAPHICS else daily * days
            tv: dict[str, Any] = {"value": total}
            if breakdowns:
                keys = (["timeframe"] if metric in DEMOGRAPHICS else []) + breakdowns
                results = _split(total, breakdowns[0])
                if metric in DEMOGRAPHICS:
                    for r in results:
                        r["dimension_values"].insert(0, str(timeframe).upper())
                tv["breakdowns"] = [{"dimension_keys": keys, "results": results}]
            entry["total_value"] = tv
        data.append(entry)
    return {"data": data}


async def get_user_insights(emu: GraphEmulator, call: Call) -> dict[str, Any]:
    """GET /{ig-user-id}/insights."""
    return user_insights(emu, call, call.account, call.params)
