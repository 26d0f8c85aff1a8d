"""A dead token: one alert per outage, posts held, Reconnect for admins only, then everything resumes."""

from __future__ import annotations

import json

import pytest

from bot.connect.reconnect import RECONNECT_ACTION, account_reconnected, alert_step
from storage import accounts as account_rows
from storage import tokens as token_rows
from tests.posts.conftest import post_rows


@pytest.fixture
def config(config):
    return config.with_overrides(public_url="https://igbot.example.com")


def reconnect_messages(slack) -> list[dict]:
    return [m for m in slack.messages(slack.social) if RECONNECT_ACTION in json.dumps(m.get("blocks", []))]


async def test_a_190_holds_posts_alerts_once_and_a_reconnect_resumes(deps, graph, slack, shop, driver):
    row, acct = shop
    queued = await slack.slash_command(user=slack.admin, channel=slack.social,
                                       text="post demo_shop in 10m https://cdn.example/img/square.jpg Autumn")
    assert queued.ok, queued.text
    graph.expire_token(acct)
    for _ in range(4):
        await driver.tick(advance=300)
    account = await deps.store.run(account_rows.get_account, row["id"])
    assert account["status"] == "needs_reconnect" and "190" in account["status_reason"]
    [post] = post_rows(deps, row["id"])
    assert post["hold"] == "reconnect" and post["state"] not in ("published", "failed")

    for _ in range(3):
        await alert_step(deps)
    await slack.wait_for(lambda: reconnect_messages(slack))
    await driver.tick(advance=60)
    await alert_step(deps)
    [alert] = reconnect_messages(slack)
    assert "@demo_shop needs reconnecting" in alert["text"] and "Nothing is lost" in alert["text"]
    assert acct.token not in json.dumps(slack.messages(slack.social))

    refused = await slack.click(user=slack.alice, channel=slack.social, message_ts=alert["ts"],
                                action_id=RECONNECT_ACTION)
    assert refused.ok
    shown = await slack.wait_for(lambda: slack.ephemerals(user=slack.alice))
    assert "You need the *admin* role on @demo_shop" in shown[-1]["text"]
    await slack.click(user=slack.admin, channel=slack.social, message_ts=alert["ts"], action_id=RECONNECT_ACTION)
    shown = await slack.wait_for(lambda: slack.ephemerals(user=slack.admin))
    assert "reconnect @demo_shop" in shown[-1]["text"]
    assert "https://igbot.example.com/oauth/facebook/start?state=" in json.dumps(shown[-1]["blocks"])

    old = graph.state.tokens[acct.token]
    fresh = graph.issue_token("facebook", "PAGE", acct.page_id, None, tuple(old.scopes), long_lived=True,
                              value="EAASBXPAGEfresh").value
    await deps.store.run(token_rows.put_token, account_id=row["id"], kind="page", ciphertext=deps.cipher.encrypt(fresh))
    await account_reconnected(deps, account, by_user=slack.admin)
    assert (await deps.store.run(account_rows.get_account, row["id"]))["status"] == "active"
    for _ in range(3):
        await driver.tick(advance=60)
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "published" and post["hold"] is None
    updated = await slack.wait_for(lambda: [m for m in slack.messages(slack.social) if "was reconnected" in m["text"]])
    assert f"by <@{slack.admin}>" in updated[0]["text"]
