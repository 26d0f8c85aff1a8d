"""/ig digest <account>: one digest now in this channel, reusing today's data, not replacing the scheduled one."""

from __future__ import annotations

from storage import accounts as account_rows
from storage import digests as rows
from storage import roles as role_rows


async def digests_in(slack, channel) -> list[dict]:
    return [m for m in slack.messages(channel) if "Daily digest" in str(m.get("blocks"))]


async def test_digest_now_in_this_channel_then_reused_without_graph_calls(bot, deps, graph, slack, add_account):
    slack.file_processing_seconds = 0
    row, acct = add_account(followers_count=2345)
    other = slack.add_channel("marketing", members=[slack.admin], bot_member=True)
    seen = await slack.slash_command(user=slack.admin, channel=other, text="digest @demo_shop")
    assert seen.ok and "Making the digest for @demo_shop" in seen.text
    first = await slack.wait_for(lambda: digests_in(slack, other))
    assert "2,345" in str(first[0]["blocks"]) and slack.messages(slack.social) == []
    calls = graph.count_calls(account=acct)

    seen = await slack.slash_command(user=slack.admin, channel=other, text="digest demo_shop")
    assert seen.ok
    both = await slack.wait_for(lambda: (lambda d: len(d) == 2 and d)(
        [m for m in slack.messages(other) if "Daily digest" in str(m.get("blocks"))]), timeout=8)
    assert graph.count_calls(account=acct) == calls  # today's stored data was reused
    assert "2,345" in str(both[1]["blocks"])
    runs = await deps.store.run(rows.runs_of, row["id"])
    assert [(r["kind"], r["state"]) for r in runs] == [("manual", "sent"), ("manual", "sent")]
    assert runs[1]["graph_calls"] == 0
    account = await deps.store.run(account_rows.get_account, row["id"])
    assert account["next_digest_at"] is None or account["next_digest_at"] > runs[0]["created_at"]


async def test_digest_needs_an_account_and_a_role(bot, deps, slack, add_account):
    add_account()
    seen = await slack.slash_command(user=slack.admin, channel=slack.social, text="digest")
    assert "Which account?" in seen.text and "/ig digest <account>" in seen.text
    seen = await slack.slash_command(user=slack.admin, channel=slack.social, text="digest nobody_here")
    assert "I know no account `nobody_here`" in seen.text
    seen = await slack.slash_command(user=slack.admin, channel=slack.social, text="digest demo_shop other")
    assert "more than one account" in seen.text
    seen = await slack.slash_command(user=slack.alice, channel=slack.social, text="digest demo_shop")
    assert "You need the *moderator* role on @demo_shop" in seen.text
    assert await deps.store.run(rows.runs_of, 1) == []


async def test_a_moderator_may_ask_for_the_digest(bot, deps, slack, add_account):
    slack.file_processing_seconds = 0
    row, _ = add_account()
    await deps.store.run(role_rows.grant_role, slack_user_id=slack.alice, account="demo_shop", role="moderator",
                         granted_by=slack.admin)
    seen = await slack.slash_command(user=slack.alice, channel=slack.social, text="digest demo_shop")
    assert seen.ok and "Making the digest" in seen.text
    await slack.wait_for(lambda: digests_in(slack, slack.social))


async def test_a_disconnected_account_gets_a_plain_sentence_instead_of_a_digest(bot, deps, graph, slack,
                                                                                add_account):
    row, acct = add_account()
    graph.revoke_token(acct)
    seen = await slack.slash_command(user=slack.admin, channel=slack.social, text="digest demo_shop")
    assert seen.ok
    msg = (await slack.wait_for(lambda: slack.messages(slack.social)))[-1]
    assert "could not be made" in msg["text"] and "reconnect" in msg["text"].lower()
    assert acct.token not in str(msg)
    runs = await deps.store.run(rows.runs_of, row["id"])
    assert [r["state"] for r in runs] == ["failed"]
