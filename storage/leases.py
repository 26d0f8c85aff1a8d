"""Leases: claim due work in one UPDATE … WHERE so a crashed worker's work is taken over later.

A worker's id is `<instance id>/<role>/<run>`: the instance's heartbeat renews the leases of its workers at
work, and when an instance is dead, another one releases all it held at once (see storage/instances.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from storage.clock import iso, parse

LEASED_TABLES = ("posts", "digest_runs", "inbox", "outbox")


def claim(db: Database, table: str, *, worker: str, lease_seconds: float, where: str = "1",
          params: tuple | list = (), order_by: str = "rowid", limit: int = 1,
          now: datetime | None = None) -> list[int]:
    """Claim up to `limit` unclaimed (or lease-expired) rows matching `where`; return their rowids.

    :param where: SQL condition over the table's own columns that makes a row due.
    """
    moment = now or datetime.now(UTC)
    until = iso(moment + timedelta(seconds=lease_seconds))
    sql = (
        f"UPDATE {table} SET claimed_by = ?, lease_until = ? WHERE rowid IN ("
        f"SELECT rowid FROM {table} WHERE (claimed_by IS NULL OR lease_until < ?) AND ({where}) "
        f"ORDER BY {order_by} LIMIT ?) RETURNING rowid"
    )
    with db.atomic():
        rows = db.execute(sql, [worker, until, iso(moment), *params, limit]).fetchall()
    return [row[0] for row in rows]


def renew(db: Database, table: str, rowid: int, *, worker: str, lease_seconds: float,
          now: datetime | None = None) -> bool:
    """Extend a lease this worker holds; return False if it was lost."""
    until = iso((now or datetime.now(UTC)) + timedelta(seconds=lease_seconds))
    cursor = db.execute(f"UPDATE {table} SET lease_until = ? WHERE rowid = ? AND claimed_by = ?",
                        [until, rowid, worker])
    return cursor.rowcount > 0


def release(db: Database, table: str, rowid: int, *, worker: str) -> bool:
    """Give up a lease this worker holds; return False if it was not held."""
    cursor = db.execute(f"UPDATE {table} SET claimed_by = NULL, lease_until = NULL "
                        "WHERE rowid = ? AND claimed_by = ?", [rowid, worker])
    return cursor.rowcount > 0


def instance_prefix(instance_id: str) -> str:
    """Return the start every worker id of an instance has."""
    return f"{instance_id}/"


def renew_held(db: Database, workers: list[str], *, by: timedelta) -> int:
    """Push every lease these workers hold forward by `by`; return how many.

    The heartbeat moves each lease on by the time since its last beat, so a lease stays as far ahead of its
    holder's clock as it was claimed (the clock of the work: the Graph clock for posts, the wall for others).
    """
    if not workers:
        return 0
    marks = ",".join("?" * len(workers))
    renewed = 0
    for table in LEASED_TABLES:
        held = db.execute(f"SELECT rowid, lease_until FROM {table} WHERE claimed_by IS NOT NULL "
                          f"AND claimed_by IN ({marks}) AND lease_until IS NOT NULL", workers).fetchall()
        for rowid, until in held:
            db.execute(f"UPDATE {table} SET lease_until = ? WHERE rowid = ?", [iso(parse(until) + by), rowid])
        renewed += len(held)
    return renewed


def release_held(db: Database, prefix: str) -> dict[str, int]:
    """Release every lease held by a worker whose id starts with prefix; return how many per table."""
    released = {}
    for table in LEASED_TABLES:
        count = db.execute(f"UPDATE {table} SET claimed_by = NULL, lease_until = NULL "
                           "WHERE claimed_by IS NOT NULL AND substr(claimed_by, 1, ?) = ?",
                           [len(prefix), prefix]).rowcount
        if count:
            released[table] = count
    return released
