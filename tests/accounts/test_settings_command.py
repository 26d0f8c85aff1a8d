"""/ig settings: any combination parsed and validated; admins only; changes stored and audited."""

from __future__ import annotations

import pytest

from bot.accounts_ui.settings import SettingsError, parse_settings
from storage import accounts as account_rows
from storage import roles as role_rows
from storage.audit import list_audit as audit_rows_of


def stored(deps, username="demo_shop"):
    return deps.store.run_sync(account_rows.get_account_by_username, username)


def audit_rows(deps):
    return [r for r in deps.store.run_sync(audit_rows_of) if r["action"] == "settings" and r["result"] == "ok"]


async def say(slack, user, text):
    before = len(slack.ephemerals(user=user))
    seen = await slack.slash_command(user=user, channel=slack.social, text=text)
    assert seen.ok
    await slack.wait_for(lambda: len(slack.ephemerals(user=user)) > before)
    return slack.ephemerals(user=user)[-1]["text"]


async def test_every_option_at_once_is_stored_and_audited(slack, deps, add_account):
    add_account("demo_shop")
    text = await say(slack, slack.admin, "settings @Demo_Shop digest 8:30 timezone America/New_York weekly off "
                                         "approval on")
    row = stored(deps)
    assert (row["digest_time"], row["timezone"], row["weekly_digest"], row["approval_required"]) == \
        ("08:30", "America/New_York", 0, 1)
    assert row["next_digest_at"].startswith("2026-11-23T13:30:00")  # rescheduled at once: 08:30 in New York
    assert "The next digest comes Mon 23 Nov at 08:30 (America/New_York)." in text
    assert "daily digest 09:00 → 08:30" in text and "time zone Europe/Berlin → America/New_York" in text
    assert "weekly digest on → off" in text and "approval before publishing off → on" in text
    [audit] = audit_rows(deps)
    assert audit["actor"] == slack.admin and audit["result"] == "ok" and "08:30" in audit["detail"]


async def test_no_option_shows_the_current_settings(slack, deps, add_account):
    add_account("demo_shop")
    text = await say(slack, slack.admin, "settings demo_shop")
    assert "daily digest: `09:00`" in text and "time zone: `Europe/Berlin`" in text and "weekly digest: `on`" in text
    assert audit_rows(deps) == []


@pytest.mark.parametrize(("args", "named"), [
    ("demo_shop digest 25:00", "HH:MM"),
    ("demo_shop digest 9", "HH:MM"),
    ("demo_shop timezone Mars/Olympus", "Europe/Berlin"),
    ("demo_shop timezone europe/berlin", "case matters"),
    ("demo_shop weekly maybe", "`weekly on` or `weekly off`"),
    ("demo_shop approval", "needs a value"),
    ("demo_shop colour blue", "is not a setting"),
    ("demo_shop digest 08:00 digest 09:00", "given twice"),
    ("", "Which account"),
])
async def test_a_wrong_value_is_explained_and_nothing_changes(slack, deps, add_account, args, named):
    add_account("demo_shop")
    before = stored(deps)
    text = await say(slack, slack.admin, f"settings {args}")
    assert named in text and "Usage" in text, text
    assert stored(deps) == before and audit_rows(deps) == []


async def test_one_bad_value_among_good_ones_changes_nothing(slack, deps, add_account):
    add_account("demo_shop")
    before = stored(deps)
    await say(slack, slack.admin, "settings demo_shop weekly off digest 7:61")
    assert stored(deps) == before


async def test_an_unknown_account_is_named(slack, deps, add_account):
    text = await say(slack, slack.admin, "settings nobody weekly off")
    assert "no account `nobody`" in text


async def test_only_an_admin_of_the_account_may_change_it(slack, deps, add_account):
    add_account("demo_shop")
    deps.store.run_sync(role_rows.grant_role, slack_user_id=slack.alice, account="demo_shop", role="approver",
                        granted_by=slack.admin)
    before = stored(deps)
    text = await say(slack, slack.alice, "settings demo_shop weekly off")
    assert "admin" in text and stored(deps) == before
    deps.store.run_sync(role_rows.grant_role, slack_user_id=slack.alice, account="demo_shop", role="admin",
                        granted_by=slack.admin)
    await say(slack, slack.alice, "settings demo_shop weekly off")
    assert stored(deps)["weekly_digest"] == 0


def test_parse_keeps_usernames_and_normalises_times():
    request = parse_settings("@shop digest 7:05 APPROVAL ON")
    assert request.account == "shop" and request.changes == {"digest_time": "07:05", "approval_required": 1}
    with pytest.raises(SettingsError):
        parse_settings("@")
