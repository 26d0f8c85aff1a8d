"""The Store: one SQLite connection owned by one worker thread, so the event loop never blocks."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import ParamSpec, TypeVar

import sqlite_utils

from storage.migrations import migrations

P = ParamSpec("P")
T = TypeVar("T")


BUSY_TIMEOUT_SECONDS = 10


class StorageError(Exception):
    """The database cannot be opened or used; the message says why and what to do."""


class DatabaseBusy(StorageError):
    """Another process held the database's write lock for longer than the busy timeout."""


class Database(sqlite_utils.Database):
    """sqlite-utils' Database whose transactions take the write lock up front.

    Every ``atomic()`` block may write, so it starts with ``BEGIN IMMEDIATE``: the busy timeout then applies
    while another connection writes. A deferred transaction that reads first and writes later would instead
    fail at once with "database is locked" when its read lock cannot be upgraded. Reads outside ``atomic()``
    run in autocommit mode and stay deferred; nested blocks are savepoints, as in sqlite-utils.
    """

    @contextlib.contextmanager
    def atomic(self) -> Generator[Database, None, None]:
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise


def apply_migrations(db: Database) -> None:
    """Apply pending migrations under the write lock, so processes opening a new database together agree."""
    if not migrations.pending(db):
        return
    with db.atomic():
        migrations.apply(db)


def is_busy(exc: sqlite3.Error) -> bool:
    """Return True when a statement failed because another connection held the lock past the busy timeout."""
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


def ping(db: Database) -> None:
    """Run the cheapest statement: raises when the database cannot be used."""
    db.execute("SELECT 1").fetchone()


def busy_error(path: str) -> DatabaseBusy:
    """Say that the database stayed locked, which processes have it open, and what to do."""
    holders = "; ".join(f"pid {pid}: {command}" for pid, command in processes_using(path)) or "unknown"
    return DatabaseBusy(f"The database {path} stayed locked for {BUSY_TIMEOUT_SECONDS} s by another process "
                        f"(open in: {holders}). Nothing was changed; try again, or stop the process that holds it "
                        "if it is stuck.")


def processes_using(path: str) -> list[tuple[int, str]]:
    """Return (pid, command line) of the other processes that have the database file open (Linux /proc)."""
    target = os.path.realpath(path)
    found = []
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else ():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            opened = {os.path.realpath(fd.path) for fd in os.scandir(f"/proc/{entry.name}/fd")}
            if target in opened:
                with open(f"/proc/{entry.name}/cmdline", "rb") as cmdline:
                    command = " ".join(cmdline.read().decode(errors="replace").replace("\0", " ").split())
                found.append((int(entry.name), command))
        except OSError:
            continue
    return found


def open_database(path: str) -> Database:
    """Open (creating if needed) the database at path, set pragmas and apply pending migrations."""
    if path != ":memory:":
        folder = Path(path).expanduser().resolve().parent
        if not folder.is_dir():
            raise StorageError(f"Cannot open the database {path}: the folder {folder} does not exist. "
                               "Create it or point IGBOT_DB elsewhere.")
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        db = Database(conn, execute_plugins=False)
        apply_migrations(db)
    except sqlite3.Error as exc:
        if is_busy(exc):
            raise busy_error(path) from None
        raise StorageError(f"Cannot open the database {path}: {exc}. Check that the file and its folder "
                           "are writable by this user, or point IGBOT_DB elsewhere.") from exc
    return db


class Store:
    """Run storage functions `fn(db, ...)` on the single database thread.

    Example::

        store = Store.open("igbot.db")
        account = await store.run(accounts.get_account_by_username, "shop")
    """

    def __init__(self, db: Database, executor: ThreadPoolExecutor, path: str = ":memory:"):
        self._db = db
        self._executor = executor
        self._path = path

    @classmethod
    def open(cls, path: str) -> Store:
        """Open the database on a fresh worker thread."""
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="igbot-db")
        try:
            db = executor.submit(open_database, path).result()
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(db, executor, path)

    async def run(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run fn(db, *args, **kwargs) on the database thread and return its result.

        :raises DatabaseBusy: another process held the write lock past the busy timeout.
        """
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(self._call, fn, *args, **kwargs))

    def run_sync(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run fn(db, …) on the database thread from synchronous code (the CLI)."""
        return self._executor.submit(self._call, fn, *args, **kwargs).result()

    def _call(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        try:
            return fn(self._db, *args, **kwargs)
        except sqlite3.Error as exc:
            if is_busy(exc):
                raise busy_error(self._path) from exc
            raise

    def close(self) -> None:
        """Close the connection and stop the thread."""
        self._executor.submit(self._db.close).result()
        self._executor.shutdown(wait=True)
