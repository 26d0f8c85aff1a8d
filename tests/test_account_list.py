"""/ig accounts: each account with its health, problems first, paged within Slack's limits."""

import json

from bot.accounts import NewAccount, register_account
from bot.appkeys import DEPS
from sandbox.slack import validate_blocks
from storage import accounts as account_rows
from storage import roles as role_rows
from storage import tokens as token_rows


def add(deps, channel, n: int, **extra) -> dict:
    row = register_account(deps.store, deps.cipher, NewAccount(
        username=f"shop_{n:03d}", ig_user_id=str(17841400000000000 + n), login="facebook", page_id=str(n),
        channel_id=channel, timezone="UTC", digest_time="09:00"), "EAAsecret-token-value")
    return row


async def test_problems_come_first_with_their_reason(bot, slack):
    deps = bot.server.app[DEPS]
    add(deps, slack.social, 1)
    broken = add(deps, slack.social, 2)
    await deps.store.run(account_rows.set_account_status, broken["id"], "needs_reconnect",
                         "the access token expired <b> (190/463)")
    await deps.store.run(token_rows.put_token, account_id=broken["id"], kind="page", ciphertext="x",
                         expires_at="2026-01-01T00:00:00.000000Z")
    seen = await slack.slash_command(user=slack.admin, channel=slack.social, text="accounts")
    assert seen.ok
    shown = await slack.wait_for(lambda: slack.ephemerals(user=slack.admin))
    blocks = shown[-1]["blocks"]
    assert "2 account(s), 1 needing attention" in blocks[0]["text"]["text"]
    assert "@shop_002" in blocks[1]["text"]["text"] and "needs reconnecting" in blocks[1]["text"]["text"]
    assert "&lt;b&gt;" in blocks[1]["text"]["text"] and "token expires" in blocks[1]["text"]["text"]
    assert "@shop_001" in blocks[2]["text"]["text"] and ":white_check_mark:" in blocks[2]["text"]["text"]
    assert "EAAsecret" not in json.dumps(shown)


async def test_people_see_only_their_accounts(bot, slack):
    deps = bot.server.app[DEPS]
    add(deps, slack.social, 1)
    add(deps, slack.social, 2)
    await deps.store.run(role_rows.grant_role, slack_user_id=slack.alice, account="shop_002", role="moderator",
                         granted_by=slack.admin)
    await slack.slash_command(user=slack.alice, channel=slack.social, text="accounts")
    shown = await slack.wait_for(lambda: slack.ephemerals(user=slack.alice))
    text = json.dumps(shown[-1]["blocks"])
    assert "shop_002" in text and "shop_001" not in text


async def test_five_hundred_accounts_are_paged_within_slacks_limits(bot, slack):
    deps = bot.server.app[DEPS]
    for n in range(500):
        add(deps, slack.social, n)
    for page in ("", "13"):
        await slack.slash_command(user=slack.admin, channel=slack.social, text=f"accounts {page}".strip())
    await slack.wait_for(lambda: len(slack.ephemerals(user=slack.admin)) >= 2)
    shown = slack.ephemerals(user=slack.admin)
    first, last = shown[-2]["blocks"], shown[-1]["blocks"]
    assert len(first) <= 50 and not validate_blocks(first)
    assert "Page 1 of 13" in first[0]["text"]["text"] and "`/ig accounts 2`" in json.dumps(first)
    assert "Page 13 of 13" in last[0]["text"]["text"] and len(last) == 1 + 500 - 12 * 40


async def test_a_bad_page_is_explained(bot, slack):
    seen = await slack.slash_command(user=slack.admin, channel=slack.social, text="accounts all")
    assert "takes an optional page number" in seen.text
