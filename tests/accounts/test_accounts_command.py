"""/ig accounts: health from stored state, problems first, paged within 50 blocks, roles respected."""

from __future__ import annotations

import json

import pytest

from sandbox.slack import validate_blocks
from storage import accounts as account_rows
from storage import meta as meta_rows
from storage import posts as post_rows
from storage import roles as role_rows
from storage import tokens as token_rows
from tests.accounts.conftest import add_many


def last_ephemeral(slack, user):
    return slack.ephemerals(user=user)[-1]


async def ask(slack, user, text="accounts"):
    before = len(slack.ephemerals(user=user))
    seen = await slack.slash_command(user=user, channel=slack.social, text=text)
    assert seen.ok
    await slack.wait_for(lambda: len(slack.ephemerals(user=user)) > before)  # this command's answer, not an older one
    return last_ephemeral(slack, user)


async def test_every_fact_is_shown_without_a_graph_call(slack, graph, deps, add_account):
    row, acct = add_account("demo_shop")
    other, _ = add_account("quiet_cafe", login="instagram")

    def facts(db):
        token_rows.put_token(db, account_id=row["id"], kind="page", ciphertext="x", expires_at=None,
                             data_access_expires_at="2027-02-21T08:00:00Z")
        post_rows.save_quota(db, row["id"], used=7, total=100, duration=86400, now=__import__("datetime").datetime(
            2026, 11, 23, 7, 0, tzinfo=__import__("datetime").UTC))
        meta_rows.set_meta(db, f"webhook_seen:{acct.ig_user_id}", "2026-11-23T06:00:00Z")
        account_rows.set_account_status(db, other["id"], "needs_reconnect", "the token was revoked")

    deps.store.run_sync(facts)
    before = graph.count_calls()
    shown = await ask(slack, slack.admin)
    text = json.dumps(shown["blocks"])
    assert graph.count_calls() == before
    assert validate_blocks(shown["blocks"]) == []
    sections = [b["text"]["text"] for b in shown["blocks"] if b["type"] == "section"]
    assert "quiet_cafe" in sections[0] and "needs reconnect: the token was revoked" in sections[0]  # problems first
    assert "demo_shop" in sections[1] and ":white_check_mark: healthy" in sections[1]
    assert "token never expires · data access until 2027-02-21" in sections[1]
    assert "quota 7/100 in 24 h" in sections[1]
    assert "data access" not in sections[0] and "—" not in text  # no expiry known: nothing said about it
    assert "last webhook 2h ago" in sections[1] and "0 post(s) pending" in sections[1]
    assert f"<#{slack.social}>" in text and "1 with a problem" in text


async def test_expiring_tokens_quota_and_failed_posts_are_problems(slack, deps, add_account):
    row, _ = add_account("demo_shop")

    def facts(db):
        token_rows.put_token(db, account_id=row["id"], kind="page", ciphertext="x",
                             expires_at="2026-11-26T08:00:00Z")
        post_rows.save_quota(db, row["id"], used=100, total=100, duration=86400,
                             now=__import__("datetime").datetime(2026, 11, 23, 7, 0, tzinfo=__import__("datetime").UTC))

    deps.store.run_sync(facts)
    shown = await ask(slack, slack.admin)
    line = next(b["text"]["text"] for b in shown["blocks"] if b["type"] == "section")
    assert "token expires in 3 day(s)" in line and "publishing quota used up" in line
    assert "token valid until 2026-11-26" in line


async def test_a_person_sees_only_accounts_with_a_role(slack, deps, add_account):
    add_account("demo_shop")
    add_account("secret_brand")
    deps.store.run_sync(role_rows.grant_role, slack_user_id=slack.alice, account="demo_shop", role="moderator",
                        granted_by=slack.admin)
    text = json.dumps((await ask(slack, slack.alice))["blocks"])
    assert "demo_shop" in text and "secret_brand" not in text


async def test_nobody_with_no_role_sees_none(slack, deps, add_account):
    add_account("demo_shop")
    shown = await ask(slack, slack.alice)
    assert "no Instagram account" in shown["text"] and "demo_shop" not in json.dumps(shown)


@pytest.mark.parametrize("n", [0, 1, 50, 500])
async def test_pages_stay_within_slack_limits(slack, deps, n):
    add_many(deps, slack.social, n)
    shown = await ask(slack, slack.admin)
    assert validate_blocks(shown["blocks"]) == [] and len(shown["blocks"]) <= 50
    listed = [b for b in shown["blocks"] if b["type"] == "section"]
    assert len(listed) == (min(n, 40) if n else 1)
    if n > 40:
        assert f"page 1 of {-(-n // 40)}" in json.dumps(shown["blocks"])


async def test_next_page_button_and_page_argument(slack, deps):
    add_many(deps, slack.social, 90)
    first = await ask(slack, slack.admin)
    assert "shop_000" in json.dumps(first["blocks"]) and "shop_040" not in json.dumps(first["blocks"])
    await slack.click(user=slack.admin, channel=slack.social, message_ts=first["ts"], action_id="accounts_page")
    await slack.wait_for(lambda: "shop_040" in json.dumps(slack.ephemerals(user=slack.admin)[-1]))
    page2 = slack.ephemerals(user=slack.admin)[-1]
    assert "page 2 of 3" in json.dumps(page2["blocks"]) and "shop_000" not in json.dumps(page2["blocks"])
    third = await ask(slack, slack.admin, "accounts 3")
    assert "shop_080" in json.dumps(third["blocks"]) and "shop_089" in json.dumps(third["blocks"])
    far = await ask(slack, slack.admin, "accounts 99")
    assert "page 3 of 3" in json.dumps(far["blocks"])


async def test_a_bad_page_is_explained(slack, bot):
    seen = await slack.slash_command(user=slack.admin, channel=slack.social, text="accounts two")
    assert "not a page number" in seen.text and "/ig accounts 2" in seen.text
