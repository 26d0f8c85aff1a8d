"""Storing webhook changes durably before answering Meta, and waking the worker that drains them."""

from __future__ import annotations

import logging
from collections import Counter

from bot.deps import Deps

log = logging.getLogger(__name__)
WORKER = "inbox"


async def store_delivery(deps: Deps, changes: list[dict], *, source: str = "webhook") -> tuple[int, int]:
    """Write every change in one transaction (duplicates ignored); return (new, duplicates) once committed.

    Deliveries that arrive while another is being written share the next transaction (`InboxWriter`).
    """
    if not changes:
        return 0, 0
    new, duplicates = await deps.inbox_writer.add(deps.store, changes, source=source)
    if source == "webhook":
        deps.webhook_seen.note({c["entry_id"] for c in changes})
    fields = Counter(c["field"] for c in changes)
    for field_name, count in fields.items():
        deps.metrics.webhook_changes.labels(field=field_name[:32], outcome="received").inc(count)
    if duplicates:
        deps.metrics.webhook_changes.labels(field="*", outcome="duplicate").inc(duplicates)
        log.info("inbox: %d of %d changes were already stored", duplicates, len(changes))
    if new:
        deps.wakeups.wake(WORKER)
    return new, duplicates


def drop_invalid(deps: Deps, invalid: list[tuple[str, str]]) -> None:
    """Count and log the changes of a delivery that do not have their field's shape; they are never stored."""
    if not invalid:
        return
    for field_name, count in Counter(field_name for field_name, _ in invalid).items():
        deps.metrics.webhook_changes.labels(field=field_name, outcome="invalid").inc(count)
    log.warning("webhook: %d invalid change(s) dropped, e.g. %s", len(invalid), invalid[0][1][:200])
