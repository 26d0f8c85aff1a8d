"""Leases: claim due work in one UPDATE … WHERE so a crashed worker's work is taken over later."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from storage.clock import iso


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
