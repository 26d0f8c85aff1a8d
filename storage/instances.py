"""The instances table: each running igbot process, its heartbeat, and the rescue of work a dead one leased."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

from storage import leases
from storage.clock import iso


def register(db: Database, *, instance_id: str, host: str, pid: int, now: datetime) -> None:
    """Record a process that has just started (or beats again after being declared dead)."""
    db["instances"].insert({"id": instance_id, "host": host, "pid": pid, "started_at": iso(now),
                            "heartbeat_at": iso(now)}, replace=True)


def beat(db: Database, instance_id: str, *, now: datetime, extend_by: timedelta, workers: list[str]) -> bool:
    """Record a heartbeat and extend the leases its workers at work hold by `extend_by`, in one transaction.

    Return False when the instance's row is gone (another process declared it dead and released its work).
    """
    with db.atomic():
        alive = db.execute("UPDATE instances SET heartbeat_at = ? WHERE id = ?",
                           [iso(now), instance_id]).rowcount > 0
        if alive:
            leases.renew_held(db, workers, by=extend_by)
    return alive


def others(db: Database, instance_id: str) -> list[dict]:
    """Return every registered instance but this one."""
    return list(db["instances"].rows_where("id != ?", [instance_id], order_by="started_at"))


def rescue(db: Database, dead_ids: list[str]) -> dict[str, int]:
    """Release the work of dead instances and forget them, in one transaction; return rows released per table."""
    released: dict[str, int] = {}
    with db.atomic():
        for instance_id in dead_ids:
            for table, count in leases.release_held(db, leases.instance_prefix(instance_id)).items():
                released[table] = released.get(table, 0) + count
            db.execute("DELETE FROM instances WHERE id = ?", [instance_id])
    return released


def retire(db: Database, instance_id: str) -> dict[str, int]:
    """A clean stop: release what the instance still holds and remove it."""
    return rescue(db, [instance_id])


def list_instances(db: Database) -> list[dict]:
    """Return every registered instance, oldest first."""
    return list(db["instances"].rows_where(order_by="started_at"))
