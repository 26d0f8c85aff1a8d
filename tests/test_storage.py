"""Storage: migrations, pragmas, accounts, roles, audit and the lease helper."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlite_utils import Database

from storage import accounts, audit, leases, roles
from storage.db import StorageError, Store, open_database
from storage.migrations import migrations

ACCOUNT = {"username": "demo_shop", "ig_user_id": "17841400000000001", "login": "facebook", "page_id": "101",
           "channel_id": "C0SOCIAL1", "timezone": "Europe/Berlin", "digest_time": "09:00"}


@pytest.fixture
def db(tmp_path):
    database = open_database(str(tmp_path / "t.db"))
    yield database
    database.close()


def test_pragmas_and_tables(db):
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 10000
    assert {"accounts", "tokens", "roles", "audit_log", "meta"} <= set(db.table_names())


def test_migrations_apply_once(db):
    applied = [m.name for m in migrations.applied(db)]
    migrations.apply(db)
    assert [m.name for m in migrations.applied(db)] == applied
    assert migrations.pending(db) == []


def test_duplicate_username_or_id_is_refused(db):
    accounts.add_account(db, **ACCOUNT)
    with pytest.raises(accounts.DuplicateAccount, match="username demo_shop"):
        accounts.add_account(db, **{**ACCOUNT, "ig_user_id": "2"})
    with pytest.raises(accounts.DuplicateAccount, match="ig_user_id 17841400000000001"):
        accounts.add_account(db, **{**ACCOUNT, "username": "other"})
    assert db["accounts"].count == 1


def test_lookup_by_username_ignores_case_and_at(db):
    accounts.add_account(db, **ACCOUNT)
    assert accounts.get_account_by_username(db, "@Demo_Shop")["ig_user_id"] == "17841400000000001"


def test_remove_account_takes_tokens_and_roles_but_keeps_audit(db):
    row = accounts.add_account(db, **ACCOUNT)
    db["tokens"].insert({"account_id": row["id"], "kind": "page", "ciphertext": "x"})
    roles.grant_role(db, slack_user_id="U1", account="demo_shop", role="moderator", granted_by="U0")
    audit.add_audit(db, actor="U1", action="hide", result="ok", account_id=row["id"])
    accounts.remove_account(db, row["id"])
    assert db["tokens"].count == 0 and db["roles"].count == 0 and db["audit_log"].count == 1


def test_set_status_reports_a_change_once(db):
    row = accounts.add_account(db, **ACCOUNT)
    assert accounts.set_account_status(db, row["id"], "needs_reconnect", "token expired")
    assert not accounts.set_account_status(db, row["id"], "needs_reconnect", "token expired")


def test_roles_grant_revoke_list(db):
    roles.grant_role(db, slack_user_id="U1", account="demo_shop", role="moderator", granted_by="U0")
    roles.grant_role(db, slack_user_id="U1", account="*", role="publisher", granted_by="U0")
    assert roles.roles_of(db, "U1") == {"demo_shop": "moderator", "*": "publisher"}
    assert len(roles.list_roles(db, "demo_shop")) == 2
    assert roles.revoke_role(db, slack_user_id="U1", account="demo_shop")
    assert not roles.revoke_role(db, slack_user_id="U1", account="demo_shop")


def _jobs_table(db: Database):
    db["jobs"].create({"id": int, "due": int, "claimed_by": str, "lease_until": str}, pk="id")
    db["jobs"].insert_all([{"id": i, "due": i % 2} for i in range(6)])


def test_lease_claims_each_row_once_until_it_expires(db):
    _jobs_table(db)
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    first = leases.claim(db, "jobs", worker="a", lease_seconds=60, where="due = ?", params=[1], limit=10, now=now)
    assert sorted(first) == [1, 3, 5]
    assert leases.claim(db, "jobs", worker="b", lease_seconds=60, where="due = 1", limit=10, now=now) == []
    later = now + timedelta(seconds=61)
    assert sorted(leases.claim(db, "jobs", worker="b", lease_seconds=60, where="due = 1", limit=10,
                               now=later)) == [1, 3, 5]
    assert not leases.renew(db, "jobs", 1, worker="a", lease_seconds=60, now=later)
    assert leases.release(db, "jobs", 1, worker="b")


def test_unwritable_database_path_is_explained(tmp_path):
    with pytest.raises(StorageError, match="does not exist"):
        open_database(str(tmp_path / "missing" / "igbot.db"))
    folder_in_the_way = tmp_path / "igbot.db"
    folder_in_the_way.mkdir()
    with pytest.raises(StorageError, match="writable"):
        open_database(str(folder_in_the_way))


async def test_store_runs_functions_off_the_event_loop(tmp_path):
    import threading

    store = Store.open(str(tmp_path / "s.db"))
    try:
        thread = await store.run(lambda db: threading.current_thread().name)
        assert thread.startswith("igbot-db") and thread != threading.current_thread().name
    finally:
        store.close()


def test_settings_changes_reschedule_the_digest(db):
    row = accounts.add_account(db, **ACCOUNT)
    db["accounts"].update(row["id"], {"next_digest_at": "2026-11-29T08:00:00.000000Z"})
    assert accounts.update_settings(db, row["id"], weekly_digest=0)["next_digest_at"] is not None
    changed = accounts.update_settings(db, row["id"], timezone="America/New_York")
    assert changed["timezone"] == "America/New_York" and changed["next_digest_at"] is None
    with pytest.raises(ValueError, match="not account settings: username"):
        accounts.update_settings(db, row["id"], username="x")
