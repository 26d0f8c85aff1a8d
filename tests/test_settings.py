"""/ig settings: admins read and change an account's settings; bad input changes nothing."""

import pytest

from bot.accounts import NewAccount, register_account
from bot.appkeys import DEPS
from storage import accounts as account_rows
from storage import roles as role_rows


@pytest.fixture
async def account(bot, slack):
    deps = bot.server.app[DEPS]
    row = register_account(deps.store, deps.cipher, NewAccount(
        username="demo_shop", ig_user_id="17841400000000001", login="facebook", page_id="1",
        channel_id=slack.social, timezone="Europe/Berlin", digest_time="09:00"), "EAAtoken")
    await deps.store.run(account_rows.update_settings, row["id"], weekly_digest=1)
    return deps, row


async def test_an_admin_changes_several_settings_at_once(account, slack):
    deps, row = account
    seen = await slack.slash_command(user=slack.admin, channel=slack.social,
                                     text="settings @demo_shop digest 08:30 timezone America/New_York weekly off "
                                          "approval on")
    assert seen.ok and "Saved" in seen.text and "08:30 America/New_York" in seen.text
    stored = await deps.store.run(account_rows.get_account, row["id"])
    assert (stored["digest_time"], stored["timezone"], stored["weekly_digest"], stored["approval_required"]) == \
        ("08:30", "America/New_York", 0, 1)
    assert stored["next_digest_at"] is None
    audit = await deps.store.run(lambda db: list(db["audit_log"].rows_where("action = 'settings'")))
    assert audit[-1]["result"] == "ok" and "digest_time=08:30" in audit[-1]["detail"]


async def test_without_options_the_settings_are_shown(account, slack):
    seen = await slack.slash_command(user=slack.admin, channel=slack.social, text="settings demo_shop")
    assert "digest at 09:00 Europe/Berlin, weekly part on, approval off" in seen.text


@pytest.mark.parametrize(("text", "message"), [
    ("settings", "Which account?"),
    ("settings demo_shop digest 9am", "must be HH:MM"),
    ("settings demo_shop timezone Mars/Base", "unknown timezone 'Mars/Base': use an IANA name like Europe/Berlin"),
    ("settings demo_shop weekly maybe", "weekly must be on or off"),
    ("settings demo_shop colour blue", "unknown setting 'colour'"),
    ("settings demo_shop digest", "`digest` needs a value"),
    ("settings nobody digest 08:00", "I know no account `nobody`"),
])
async def test_bad_input_is_explained_and_nothing_changes(account, slack, text, message):
    deps, row = account
    seen = await slack.slash_command(user=slack.admin, channel=slack.social, text=text)
    assert message in seen.text
    assert "/ig settings <account>" in seen.text or "/ig accounts" in seen.text
    stored = await deps.store.run(account_rows.get_account, row["id"])
    assert (stored["digest_time"], stored["timezone"]) == ("09:00", "Europe/Berlin")


async def test_only_admins_may_change_settings(account, slack):
    deps, row = account
    await deps.store.run(role_rows.grant_role, slack_user_id=slack.alice, account="demo_shop", role="approver",
                         granted_by=slack.admin)
    seen = await slack.slash_command(user=slack.alice, channel=slack.social, text="settings demo_shop weekly off")
    assert "You need the *admin* role on @demo_shop" in seen.text
    assert (await deps.store.run(account_rows.get_account, row["id"]))["weekly_digest"] == 1
