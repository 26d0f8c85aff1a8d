"""Parse `<when>`: now, an ISO date-time (account's zone unless it has an offset), in 15m/2h/1d, tomorrow HH:MM."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

FORMS = "`now`, `in 15m` / `in 2h` / `in 1d`, `tomorrow 09:00`, or `2026-12-01 09:00` (ISO, optional offset)"
_IN = re.compile(r"^(\d{1,4})([mhd])$", re.I)
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class WhenError(ValueError):
    """The time could not be understood; the message says why and shows the accepted forms."""


def parse_when(words: list[str], *, zone: str, now: datetime) -> tuple[datetime | None, int]:
    """Read a time from the start of words; return (aware UTC-comparable moment or None for now, words used)."""
    if not words:
        raise WhenError(f"When should it go out? Use {FORMS}.")
    first = words[0]
    tz = ZoneInfo(zone)
    if first.lower() == "now":
        return None, 1
    if first.lower() == "in":
        match = _IN.match(words[1]) if len(words) > 1 else None
        if not match:
            raise WhenError(f"`in` needs an amount like `15m`, `2h` or `1d`. Use {FORMS}.")
        amount = int(match.group(1))
        return now + timedelta(**{_UNITS[match.group(2).lower()]: amount}), 2
    if first.lower() == "tomorrow":
        match = _HHMM.match(words[1]) if len(words) > 1 else None
        if not match:
            raise WhenError(f"`tomorrow` needs a time like `09:00`. Use {FORMS}.")
        day = now.astimezone(tz).date() + timedelta(days=1)
        local = datetime(day.year, day.month, day.day, int(match.group(1)), int(match.group(2)), tzinfo=tz)
        return _real(local, tz), 2
    used = 1
    text = first
    if _DATE.match(first) and len(words) > 1 and re.match(r"^\d{1,2}:\d{2}", words[1]):
        text, used = f"{first}T{words[1]}", 2
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise WhenError(f"`{first}` is not a time I understand. Use {FORMS}.") from None
    if moment.tzinfo is None:
        moment = _real(moment.replace(tzinfo=tz), tz)
    return moment, used


def _real(local: datetime, tz: ZoneInfo) -> datetime:
    """Move a wall time that does not exist (a DST gap) forward to one that does."""
    roundtrip = local.astimezone(ZoneInfo("UTC")).astimezone(tz)
    if roundtrip.replace(tzinfo=None) != local.replace(tzinfo=None):
        return (local + timedelta(hours=1)).astimezone(tz)
    return local
