"""End to end with the sandbox Graph emulator: Meta's own signed deliveries, mentions, replies and sync."""

from __future__ import annotations

import json

import pytest

from bot import accounts as account_ops
from bot.appkeys import DEPS
from bot.comments import sync
from tests.comments.conftest import top_level


@pytest.fixture
async def world(bot, slack, graph):
    deps = bot.server.app[DEPS]
    ig = graph.add_account("demo_shop", login="facebook")
    account = account_ops.validate_new_account(username="demo_shop", ig_user_id=ig.ig_user_id, login="facebook",
                                               page_id=ig.page_id, channel_id=slack.social, timezone="UTC",
                                               digest_time="09:00")
    import asyncio
    row = await asyncio.to_thread(account_ops.register_account, deps.store, deps.cipher, account, ig.page_token)
    graph.set_webhook_callback(str(bot.make_url("/webhooks/instagram")))
    return {"ig": ig, "account": row, "deps": deps, "post": graph.add_media(ig, caption="New mugs <3")}


async def test_meta_deliveries_become_messages_and_actions_reach_instagram(world, graph, slack):
    comment = graph.add_comment(world["post"], "<!everyone> beige please", username="anna")
    await graph.flush_webhooks()
    assert graph.deliveries[-1].delivered
    await slack.wait_for(lambda: top_level(slack, slack.social))
    [message] = top_level(slack, slack.social)
    assert "&lt;!everyone&gt; beige please" in json.dumps(message["blocks"])
    await slack.click(user=slack.admin, channel=slack.social, message_ts=message["ts"], action_id="comment_hide")
    await slack.wait_for(lambda: graph.state.comments[comment.id].hidden)
    await slack.click(user=slack.admin, channel=slack.social, message_ts=message["ts"], action_id="comment_reply")
    await slack.wait_for(lambda: slack.views_of(slack.admin))
    await slack.submit_view(user=slack.admin, values={"reply": {"text": "Coming in March!"}})
    await slack.wait_for(lambda: any(c.text == "Coming in March!" for c in graph.state.comments.values()))
    await graph.flush_webhooks()  # the reply's own webhook comes back and is not relayed
    await slack.wait_for(lambda: len(slack.thread(slack.social, message["ts"])) == 2)
    assert len(top_level(slack, slack.social)) == 1
    assert graph.count_calls(path="/{ig-comment-id}/replies") == 1


async def test_a_mention_is_read_once_and_replied_to_through_mentions(world, graph, slack):
    graph.add_mention(world["ig"], username="fan_piet", text="@demo_shop do you ship to NL?")
    await graph.flush_webhooks()
    await slack.wait_for(lambda: top_level(slack, slack.social))
    [message] = top_level(slack, slack.social)
    assert "do you ship to NL?" in json.dumps(message["blocks"])
    await slack.click(user=slack.admin, channel=slack.social, message_ts=message["ts"], action_id="comment_reply")
    await slack.wait_for(lambda: slack.views_of(slack.admin))
    await slack.submit_view(user=slack.admin, values={"reply": {"text": "We do!"}})
    await slack.wait_for(lambda: graph.count_calls(path="/{ig-user-id}/mentions") == 1)
    await slack.wait_for(lambda: "replied by" in json.dumps(slack.message(slack.social, message["ts"])["blocks"]))


async def test_sync_catches_a_comment_no_webhook_announced_and_tells_the_channel_once(world, graph, slack):
    graph.add_comment(world["post"], "did anyone see this?", username="quiet_one", deliver=False)
    deps = world["deps"]
    assert await sync.sync_account(deps, world["account"]) == 1
    assert await sync.sync_account(deps, world["account"]) == 0  # known now: nothing twice
    await slack.wait_for(lambda: len(top_level(slack, slack.social)) == 2)
    texts = json.dumps([m["blocks"] for m in top_level(slack, slack.social)])
    assert "did anyone see this?" in texts and "caught by sync" in texts and "never delivered" in texts
    graph.add_comment(world["post"], "me neither", username="quiet_two", deliver=False)
    assert await sync.sync_account(deps, world["account"]) == 1
    await slack.wait_for(lambda: "me neither" in json.dumps([m["blocks"] for m in top_level(slack, slack.social)]))
    assert json.dumps([m["blocks"] for m in top_level(slack, slack.social)]).count("never delivered") == 1
