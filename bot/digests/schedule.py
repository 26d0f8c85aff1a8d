"""When digests are due: local digest times turned into UTC moments, and local days into Unix ranges."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LATE_LIMIT = timedelta(hours=6)  # a digest missed by more than this is skipped for that day
LATE_NOTE_AFTER = timedelta(minutes=15)  # a digest sent later than this says so


def slot_on(day: date, timezone: str, digest_time: str) -> datetime:
    """Return the UTC moment of the digest time on a local day (a time skipped by DST moves forward)."""
    hour, minute = (int(part) for part in digest_time.split(":"))
    zone = ZoneInfo(timezone)
    local = datetime.combine(day, time(hour, minute), tzinfo=zone)
    return local.astimezone(UTC)  # fold=0: a skipped time keeps the old offset (later), a doubled one is the first


def local_day(moment: datetime, timezone: str) -> date:
    """Return the local calendar day of a moment in an account's timezone."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def next_slot(timezone: str, digest_time: str, after: datetime, *, taken: set[str] = frozenset()) -> datetime:
    """Return the first digest moment strictly after `after` whose local day has no scheduled digest yet."""
    day = local_day(after, timezone) - timedelta(days=1)
    for _ in range(400):
        moment = slot_on(day, timezone, digest_time)
        if moment > after and day.isoformat() not in taken:
            return moment
        day += timedelta(days=1)
    raise ValueError(f"no digest time found for {timezone} {digest_time}")


def day_range(day: date, timezone: str) -> tuple[int, int]:
    """Return (since, until) Unix seconds of a local calendar day (23 or 25 hours around DST)."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return int(start.timestamp()), int(end.timestamp())


def is_monday(day: date) -> bool:
    """Return True on Mondays (the day the weekly part is added)."""
    return day.weekday() == 0
