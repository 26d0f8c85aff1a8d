"""The daily token check on a fake clock: refresh, expiries, warnings once, dead tokens marked."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.connect.lifecycle import check_tokens
from storage import accounts as account_rows
from storage import tokens as token_rows
from storage.clock import iso


def now_of(graph_clock) -> datetime:
    return datetime.fromtimestamp(graph_clock(), UTC)


async def test_an_instagram_token_near_expiry_is_refreshed(deps, graph, graph_clock, add_account):
    row, acct = add_account("ig_shop", login="instagram")
    graph_clock.advance(2 * 86400)  # Meta refreshes only tokens at least 24 h old
    now = now_of(graph_clock)
    await deps.store.run(lambda db: db.execute(
        "UPDATE tokens SET expires_at = ?, updated_at = ? WHERE account_id = ?",
        [iso(now + timedelta(days=5)), iso(now - timedelta(days=2)), row["id"]]))
    await check_tokens(deps, now=now)
    token = await deps.store.run(token_rows.get_token, row["id"])
    assert deps.cipher.decrypt(token["ciphertext"]) != acct.token
    assert token["expires_at"] > iso(now + timedelta(days=59))
    assert graph.count_calls(path="/refresh_access_token") == 1
    await check_tokens(deps, now=now)
    assert graph.count_calls(path="/refresh_access_token") == 1


async def test_a_fresh_or_far_token_is_left_alone(deps, graph, graph_clock, add_account):
    row, _ = add_account("ig_shop", login="instagram")
    now = now_of(graph_clock)
    await deps.store.run(lambda db: db.execute("UPDATE tokens SET expires_at = ? WHERE account_id = ?",
                                               [iso(now + timedelta(days=5)), row["id"]]))
    await check_tokens(deps, now=now)  # stored just now: under 24 h old
    assert graph.count_calls(path="/refresh_access_token") == 0


async def test_facebook_expiries_are_read_and_warned_once_at_seven_and_one_day(deps, graph, graph_clock, slack,
                                                                               add_account):
    row, acct = add_account("fb_shop")
    now = now_of(graph_clock)
    token = graph.state.tokens[acct.token]
    token.expires_at = (now + timedelta(days=6)).timestamp()
    await check_tokens(deps, now=now)
    await check_tokens(deps, now=now + timedelta(hours=1))
    stored = await deps.store.run(token_rows.get_token, row["id"])
    assert stored["expires_at"].startswith(iso(now + timedelta(days=6))[:16])
    warnings = await slack.wait_for(lambda: [m for m in slack.messages(slack.social) if "expires within" in m["text"]])
    assert len(warnings) == 1 and "within 7 days" in warnings[0]["text"]
    await check_tokens(deps, now=now + timedelta(days=5, hours=12))
    await slack.wait_for(lambda: len([m for m in slack.messages(slack.social) if "expires within" in m["text"]]) == 2)
    texts = [m["text"] for m in slack.messages(slack.social) if "expires within" in m["text"]]
    assert "within 1 day" in texts[-1]
    assert acct.token not in json.dumps(slack.messages(slack.social))


async def test_a_token_meta_calls_invalid_marks_the_account(deps, graph, graph_clock, add_account):
    row, acct = add_account("fb_shop")
    graph.revoke_token(acct)
    await check_tokens(deps, now=now_of(graph_clock))
    account = await deps.store.run(account_rows.get_account, row["id"])
    assert account["status"] == "needs_reconnect" and "debug_token" in account["status_reason"]


async def test_a_lost_subscription_is_restored_and_told_once(deps, graph, graph_clock, slack, add_account):
    from bot.connect.lifecycle import check_subscriptions

    add_account("kept_shop", login="instagram")
    add_account("lost_shop", login="instagram", webhooks_subscribed=False)
    await check_subscriptions(deps, now=now_of(graph_clock))
    await check_subscriptions(deps, now=now_of(graph_clock))
    assert graph.count_calls(path="/{ig-user-id}/subscribed_apps", method="POST") == 1
    told = await slack.wait_for(lambda: [m for m in slack.messages(slack.social) if "subscribed it again" in m["text"]])
    assert len(told) == 1 and "@lost_shop" in told[0]["text"]


@pytest.mark.parametrize(("login", "read"), [("facebook", "/{ig-user-id}"), ("instagram", "/me")])
async def test_a_rename_on_instagram_is_followed(deps, graph, graph_clock, add_account, login, read):
    from bot.connect.lifecycle import refresh_usernames

    row, acct = add_account("old_name", login=login)
    acct.username = "new_name"
    await refresh_usernames(deps, now=now_of(graph_clock))
    assert (await deps.store.run(account_rows.get_account, row["id"]))["username"] == "new_name"
    assert [c.ok for c in graph.find_calls(method="GET", path=read)] == [True]


async def _expiring(deps, row, now, days: float) -> None:
    await deps.store.run(lambda db: db.execute("UPDATE tokens SET expires_at = ?, updated_at = ? WHERE account_id = ?",
                                               [iso(now + timedelta(days=days)), iso(now - timedelta(days=2)),
                                                row["id"]]))


async def test_an_instagram_token_meta_will_not_renew_marks_the_account(deps, graph, graph_clock, add_account,
                                                                        caplog):
    caplog.set_level(logging.DEBUG)
    row, acct = add_account("ig_shop", login="instagram")
    graph_clock.advance(2 * 86400)
    now = now_of(graph_clock)
    await _expiring(deps, row, now, 5)
    graph.revoke_token(acct)
    await check_tokens(deps, now=now)
    account = await deps.store.run(account_rows.get_account, row["id"])
    assert account["status"] == "needs_reconnect" and "190/458" in account["status_reason"]
    assert acct.token not in caplog.text


async def test_an_instagram_token_past_its_expiry_marks_the_account_without_a_call(deps, graph, graph_clock,
                                                                                  add_account):
    row, _ = add_account("ig_shop", login="instagram")
    now = now_of(graph_clock)
    await _expiring(deps, row, now, -1)
    await check_tokens(deps, now=now)
    account = await deps.store.run(account_rows.get_account, row["id"])
    assert account["status"] == "needs_reconnect" and "expired on" in account["status_reason"]
    assert graph.count_calls(path="/refresh_access_token") == 0


async def test_a_failed_refresh_still_warns_from_the_stored_expiry(deps, graph, graph_clock, slack, add_account):
    row, acct = add_account("ig_shop", login="instagram")
    graph_clock.advance(2 * 86400)
    now = now_of(graph_clock)
    await _expiring(deps, row, now, 0.5)
    graph.inject_error(path="/refresh_access_token", code=2, http_status=500, times=None, is_transient=True)
    await check_tokens(deps, now=now)
    warned = await slack.wait_for(
        lambda: [m for m in slack.messages(slack.social) if "expires within 1 day" in m["text"]])
    assert "@ig_shop's access token" in warned[0]["text"]
    assert graph.count_calls(path="/refresh_access_token") >= 1  # it was tried, and failed
    assert (await deps.store.run(account_rows.get_account, row["id"]))["status"] == "active"
    assert deps.cipher.decrypt((await deps.store.run(token_rows.get_token, row["id"]))["ciphertext"]) == acct.token


async def test_a_withdrawn_permission_is_told_once(deps, graph, graph_clock, slack, add_account):
    _, acct = add_account("fb_shop")
    token = graph.state.tokens[acct.token]
    token.scopes = tuple(s for s in token.scopes if s != "instagram_content_publish")
    now = now_of(graph_clock)
    await check_tokens(deps, now=now)
    await check_tokens(deps, now=now + timedelta(days=1))
    told = await slack.wait_for(lambda: [m for m in slack.messages(slack.social) if "no longer grants" in m["text"]])
    assert len(told) == 1 and "`instagram_content_publish`" in told[0]["text"]


async def test_all_permissions_granted_means_no_warning(deps, graph, graph_clock, slack, add_account):
    add_account("fb_shop")
    await check_tokens(deps, now=now_of(graph_clock))
    queued = await deps.store.run(lambda db: [r["payload"] for r in db.query("SELECT payload FROM outbox")])
    assert not [p for p in queued if "no longer grants" in p]
    assert graph.count_calls(path="/debug_token") == 1


async def test_ended_data_access_marks_the_account(deps, graph, graph_clock, add_account):
    row, acct = add_account("fb_shop")
    graph.state.tokens[acct.token].data_access_expires_at = graph_clock() - 60
    await check_tokens(deps, now=now_of(graph_clock))
    account = await deps.store.run(account_rows.get_account, row["id"])
    assert account["status"] == "needs_reconnect" and "data access" in account["status_reason"]


async def test_a_token_past_its_expiry_alerts_once(deps, graph, graph_clock, slack, add_account):
    from bot.connect.reconnect import alert_step

    row, _ = add_account("ig_shop", login="instagram")
    now = now_of(graph_clock)
    await deps.store.run(lambda db: db.execute("UPDATE tokens SET expires_at = ? WHERE account_id = ?",
                                               [iso(now - timedelta(hours=1)), row["id"]]))
    for _ in range(2):
        await check_tokens(deps, now=now)
        await alert_step(deps)
    queued = await deps.store.run(lambda db: db.execute(
        "SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'reconnect:%'").fetchone()[0])
    assert queued == 1
    alerts = await slack.wait_for(lambda: [m for m in slack.messages(slack.social)
                                           if "needs reconnecting" in m["text"]])
    assert len(alerts) == 1 and "expired on" in alerts[0]["text"] and "Reconnect" in json.dumps(alerts[0]["blocks"])


async def test_the_token_check_spreads_its_app_token_calls_over_the_day(deps, graph, graph_clock, add_account):
    rows = [add_account(f"fb_shop_{i:02d}")[0] for i in range(48)]
    per_run, checked = [], []
    for _ in range(26):  # hourly, as scheduled
        before = graph.count_calls(path="/debug_token")
        await check_tokens(deps, now=now_of(graph_clock))
        per_run.append(graph.count_calls(path="/debug_token") - before)
        tokens = [await deps.store.run(token_rows.get_token, row["id"]) for row in rows]
        checked.append(sum(1 for t in tokens if t["checked_at"]))
        graph_clock.advance(3600)
    assert per_run == [2] * 26  # 48 accounts: 2 an hour, never one burst of 48
    assert checked[11] == 24 and checked[23] == 48  # each once a day, least recently checked first
