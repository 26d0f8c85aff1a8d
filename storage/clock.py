"""Timestamps as stored: ISO 8601 UTC strings that sort as text."""

from datetime import UTC, datetime


def iso(moment: datetime) -> str:
    """Format an aware datetime the way every table stores it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def utcnow() -> str:
    """Return the current time as stored."""
    return iso(datetime.now(UTC))


def parse(value: str) -> datetime:
    """Parse a stored timestamp back into an aware datetime."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
