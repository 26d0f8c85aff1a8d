"""Graph API versions and their lifetimes (graph-api.md §1.1)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

LATEST = "v25.0"

# version -> "available until" (None: no date announced yet)
AVAILABLE_UNTIL: dict[str, str | None] = {
    "v27.0": None,
    "v26.0": None,
    "v25.0": "2028-07-29",
    "v24.0": "2028-02-18",
    "v23.0": "2027-10-08",
    "v22.0": "2027-05-20",
    "v21.0": "2027-01-21",
    "v20.0": "2026-09-24",
    "v19.0": "2026-05-21",
    "v18.0": "2026-01-26",
}

VERSION_RE = re.compile(r"^v\d+\.\d+$")


def is_version(segment: str) -> bool:
    """Say whether a path segment looks like a version (``v25.0``)."""
    return bool(VERSION_RE.match(segment))


def is_known(version: str) -> bool:
    """Say whether Meta ever released this version (v1.0 .. v27.0)."""
    major = int(version[1:].split(".")[0])
    return version.endswith(".0") and 1 <= major <= 27


def is_expired(version: str, now: float) -> bool:
    """Say whether a version can no longer be called at this time."""
    if version in AVAILABLE_UNTIL:
        until = AVAILABLE_UNTIL[version]
        if until is None:
            return False
        return now >= datetime.fromisoformat(until).replace(tzinfo=UTC).timestamp()
    return True  # older than v18.0


def version_violation(version: str | None, now: float) -> str | None:
    """Describe why a node/edge call's version is wrong, or None when it is fine."""
    if version is None:
        return "unversioned call (served by the app's pinned version; always send an explicit version)"
    if is_expired(version, now):
        return f"expired version {version} (served by the oldest available version)"
    return None
