"""A dead token: one alert per outage, posts held, Reconnect for admins only, then everything resumes."""

from __future__ import annotations

import json
import logging

import pytest

from bot.connect.reconnect import RECONNECT_ACTION, alert_step
from bot.connect.store_connection import save_connection
from storage import accounts as account_rows
from storage import roles as role_rows
from storage import tokens as token_rows
from tests.posts.conftest import post_rows


@pytest.fixture
def config(config):
    return config.with_overrides(public_url="https://igbot.example.com")


def reconnect_messages(slack) -> list[dict]:
    return [m for m in slack.messages(slack.social) if RECONNECT_ACTION in json.dumps(m.get("blocks", []))]


async def test_a_190_holds_posts_alerts_once_and_a_reconnect_resumes(deps, graph, slack, shop, driver, caplog):
    caplog.set_level(logging.DEBUG)
    row, acct = shop
    deps.store.run_sync(role_rows.grant_role, slack_user_id=slack.alice, account="demo_shop", role="moderator",
                        granted_by=slack.admin)
    queued = await slack.slash_command(user=slack.admin, channel=slack.social,
                                       text="post demo_shop in 10m https://cdn.example/img/square.jpg Autumn")
    assert queued.ok, queued.text
    graph.expire_token(acct)
    for _ in range(3):
        await driver.tick(advance=300)
    calls = graph.count_calls()
    for _ in range(3):
        await driver.tick(advance=300)
    assert graph.count_calls() == calls  # once marked, held work makes no more failing calls
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
    assert "@demo_shop needs reconnecting. The token for @demo_shop has expired (Meta error 190/463)." in alert["text"]
    assert "scheduled posts are held and nothing is lost" in alert["text"]
    assert acct.token not in json.dumps(slack.messages(slack.social))

    refused = await slack.click(user=slack.alice, channel=slack.social, message_ts=alert["ts"],
                                action_id=RECONNECT_ACTION)
    assert refused.ok
    shown = await slack.wait_for(lambda: [e for e in slack.ephemerals(user=slack.alice)
                                          if "*admin* role" in e.get("text", "")])
    assert "You need the *admin* role on @demo_shop" in shown[-1]["text"]
    await slack.click(user=slack.admin, channel=slack.social, message_ts=alert["ts"], action_id=RECONNECT_ACTION)
    shown = await slack.wait_for(lambda: [e for e in slack.ephemerals(user=slack.admin)
                                          if "reconnect @demo_shop" in e.get("text", "")])
    assert "reconnect @demo_shop" in shown[-1]["text"]
    assert "https://igbot.example.com/oauth/facebook/start?state=" in json.dumps(shown[-1]["blocks"])

    old = graph.state.tokens[acct.token]
    fresh = graph.issue_token("facebook", "PAGE", acct.page_id, None, tuple(old.scopes), long_lived=True,
                              value="EAASBXPAGEfresh").value
    saved, created = await save_connection(deps, username="demo_shop", ig_user_id=acct.ig_user_id, login="facebook",
                                           page_id=acct.page_id, token=fresh, expires_at=None,
                                           data_access_expires_at=None, channel_id=slack.social, by_user=slack.admin)
    assert not created and saved["id"] == row["id"] and saved["status"] == "active"
    token = await deps.store.run(token_rows.get_token, row["id"])
    assert deps.cipher.decrypt(token["ciphertext"]) == fresh and fresh not in token["ciphertext"]
    for _ in range(3):
        await driver.tick(advance=60)
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "published" and post["hold"] is None
    updated = await slack.wait_for(lambda: [m for m in slack.messages(slack.social) if "was reconnected" in m["text"]])
    assert f"by <@{slack.admin}>" in updated[0]["text"] and updated[0]["ts"] == alert["ts"]
    assert "Reconnect" not in json.dumps(updated[0].get("blocks", []))
    await alert_step(deps)
    assert len(reconnect_messages(slack)) == 0  # the outage is over: no new alert
    everything = json.dumps(slack.messages(slack.social)) + json.dumps(slack.ephemerals(user=slack.admin))
    for secret in (acct.token, fresh):
        assert secret not in everything and secret not in caplog.text


async def test_a_second_outage_gets_its_own_single_alert(deps, graph, slack, shop, driver):
    from bot.connect.lifecycle import check_tokens

    row, acct = shop
    graph.revoke_token(acct)
    await check_tokens(deps, now=driver.now())
    await check_tokens(deps, now=driver.now())
    for _ in range(3):
        await alert_step(deps)
    first = await slack.wait_for(lambda: reconnect_messages(slack))
    assert len(first) == 1 and "The app was removed from @demo_shop's login" in first[0]["text"]
    fresh = graph.issue_token("facebook", "PAGE", acct.page_id, None, tuple(graph.state.tokens[acct.token].scopes),
                              long_lived=True).value
    await save_connection(deps, username="demo_shop", ig_user_id=acct.ig_user_id, login="facebook",
                          page_id=acct.page_id, token=fresh, expires_at=None, data_access_expires_at=None,
                          channel_id=slack.social)
    graph.expire_token(fresh)
    driver.clock.advance(60)
    await check_tokens(deps, now=driver.now())
    for _ in range(2):
        await alert_step(deps)
    await slack.wait_for(lambda: [m for m in reconnect_messages(slack) if m["ts"] != first[0]["ts"]])
    [second] = reconnect_messages(slack)  # the first alert now says reconnected; the new outage has its own
    assert second["ts"] != first[0]["ts"] and "expired (Meta error 190/463)" in second["text"]
    assert (await deps.store.run(account_rows.get_account, row["id"]))["status"] == "needs_reconnect"
