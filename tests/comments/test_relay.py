"""Comments reach the account's channel: one message each, escaped, threads, two accounts, mentions."""

from __future__ import annotations

import json

from storage import comments as comment_rows
from tests.comments.conftest import SHOP_IG, add_account, deliver, eventually, handled, top_level


def value(graph, comment) -> dict:
    return graph.webhook_value(comment)


async def test_a_comment_is_relayed_once_with_its_post_and_buttons(bot, slack, graph, post):
    c = graph.add_comment(post, "Komt deze ook in beige?", username="anna_jansen")
    for _ in range(3):  # Meta's retries of one delivery
        assert (await deliver(bot, [(SHOP_IG, "comments", value(graph, c))] * 2)).status == 200
    await slack.wait_for(lambda: top_level(slack, slack.social))
    [message] = top_level(slack, slack.social)
    blocks = json.dumps(message["blocks"])
    assert "Komt deze ook in beige?" in blocks and "anna_jansen" in blocks
    assert "https://www.instagram.com/p/" in blocks and "Autumn drop &lt;3 &amp; more" in blocks
    actions = [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["comment_reply", "comment_hide", "comment_delete", "comment_open"]
    delete = next(e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
                  if e["action_id"] == "comment_delete")
    assert delete["confirm"]["confirm"]["text"] == "Delete"
    assert message["metadata"]["event_type"] == "igbot_outbox"
    sent = slack.calls_of("chat.postMessage")[0].args
    assert str(sent.get("unfurl_links")).lower() in ("false", "0") and "link_names" not in sent
    assert len(graph.find_calls(method="GET", path=f"/{post.id}")) == 1  # media context read once


async def test_injection_in_a_comment_cannot_ping_or_disguise_a_link(bot, slack, graph, post):
    evil = "<!channel> hi <@U0ADMIN> see <https://evil.example|instagram.com/shop> & win"
    c = graph.add_comment(post, evil, username="troll")
    await deliver(bot, [(SHOP_IG, "comments", value(graph, c))])
    await slack.wait_for(lambda: top_level(slack, slack.social))
    [message] = top_level(slack, slack.social)
    shown = json.dumps(message["blocks"]) + message["text"]
    for raw in ("<!channel>", "<@U0ADMIN>", "<https://evil.example"):
        assert raw not in shown
    assert "&lt;!channel&gt;" in message["text"]
    assert "&lt;https://evil.example|instagram.com/shop&gt; &amp; win" in shown
    texts = [b["text"] for b in message["blocks"] if b.get("text", {}).get("type") == "mrkdwn"]
    assert texts and all(t["verbatim"] is True for t in texts)


async def test_a_reply_goes_into_its_parents_thread(bot, slack, graph, post):
    parent = graph.add_comment(post, "Price?", username="anna")
    child = graph.add_comment(post, "Also want to know", username="bob", parent_id=parent.id)
    await deliver(bot, [(SHOP_IG, "comments", value(graph, parent)),
                        (SHOP_IG, "comments", value(graph, child))])
    await slack.wait_for(lambda: top_level(slack, slack.social) and
                         len(slack.thread(slack.social, top_level(slack, slack.social)[0]["ts"])) == 2)
    [message] = top_level(slack, slack.social)
    thread = slack.thread(slack.social, message["ts"])
    assert "Also want to know" in thread[1]["text"] and "bob" in json.dumps(thread[1]["blocks"])


async def test_a_reply_arriving_before_its_parent_waits_for_it(bot, slack, graph, post):
    parent = graph.add_comment(post, "First!", username="anna")
    child = graph.add_comment(post, "Second", username="bob", parent_id=parent.id)
    await deliver(bot, [(SHOP_IG, "comments", value(graph, child)),
                        (SHOP_IG, "comments", value(graph, parent))])
    await slack.wait_for(lambda: top_level(slack, slack.social) and
                         len(slack.thread(slack.social, top_level(slack, slack.social)[0]["ts"])) == 2)
    assert len(top_level(slack, slack.social)) == 1


async def test_a_reply_whose_parent_never_came_is_posted_with_the_parent_quoted(bot, slack, graph, post):
    parent = graph.add_comment(post, "Old question from last year", username="anna")
    child = graph.add_comment(post, "Any news?", username="bob", parent_id=parent.id)
    await deliver(bot, [(SHOP_IG, "comments", value(graph, child))])
    await slack.wait_for(lambda: top_level(slack, slack.social))
    [message] = top_level(slack, slack.social)
    blocks = json.dumps(message["blocks"])
    assert "Any news?" in blocks and "Old question from last year" in blocks and "replied to" in blocks


async def test_the_accounts_own_answer_in_the_instagram_app_goes_to_the_thread_and_marks_handled(
        bot, slack, graph, shop, post, deps):
    parent = graph.add_comment(post, "Open on Sunday?", username="anna")
    await deliver(bot, [(SHOP_IG, "comments", value(graph, parent))])
    await slack.wait_for(lambda: top_level(slack, slack.social))
    own = graph.new_comment(post.id, "Yes, 10-16h", "shop", parent_id=parent.id, by_owner=True)
    await deliver(bot, [(SHOP_IG, "comments", value(graph, own))])
    ts = top_level(slack, slack.social)[0]["ts"]
    await slack.wait_for(lambda: len(slack.thread(slack.social, ts)) == 2 and
                         "answered in Instagram" in json.dumps(slack.message(slack.social, ts)["blocks"]))
    assert "answered in Instagram" in slack.thread(slack.social, ts)[1]["text"] or \
        "answered in Instagram" in json.dumps(slack.thread(slack.social, ts)[1]["blocks"])
    row = await deps.store.run(comment_rows.get_by_ig_id, shop["id"], parent.id)
    assert row["handled"] == 1


async def test_one_comment_for_two_accounts_reaches_both_channels(bot, slack, graph, post, deps):
    other_channel = slack.add_channel("brand", members=[slack.admin], bot_member=True)
    brand = await add_account(deps, graph, username="brand", channel=other_channel, login="instagram")
    c = graph.add_mention(brand["ig_user_id"], media=post, username="anna", text="love this @brand", deliver=False)
    await deliver(bot, [(SHOP_IG, "comments", value(graph, c)),
                        (brand["ig_user_id"], "comments", graph.webhook_value(c, brand["ig_user_id"]))])
    await slack.wait_for(lambda: top_level(slack, slack.social) and top_level(slack, other_channel))
    theirs = top_level(slack, other_channel)[0]
    actions = [e["action_id"] for b in theirs["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["comment_reply"]  # on shop's media: a mention of brand, whose token cannot read the post
    assert [c.ok for c in graph.find_calls(host="instagram", path=f"/{post.id}")] == [False]
    assert "mentioned @brand" in json.dumps(theirs["blocks"])


async def test_a_comment_for_an_unknown_account_is_kept_not_dropped(bot, deps, graph, slack, post):
    c = graph.add_comment(post, "hello", username="anna")
    assert (await deliver(bot, [("17841499999999999", "comments", value(graph, c))])).status == 200

    async def held():
        rows = await deps.store.run(lambda db: list(db["inbox"].rows))
        return rows and rows[0]["state"] == "held"

    await eventually(held)
    assert top_level(slack, slack.social) == []


async def test_a_facebook_login_mention_is_read_with_mentioned_comment(bot, slack, graph, shop):
    c = graph.add_mention(SHOP_IG, username="piet", text="@shop do you ship to NL?", deliver=False)
    await deliver(bot, [(SHOP_IG, "mentions", {"comment_id": c.id, "media_id": c.media_id})])
    await slack.wait_for(lambda: top_level(slack, slack.social))
    [message] = top_level(slack, slack.social)
    blocks = json.dumps(message["blocks"])
    assert "do you ship to NL?" in blocks and "mentioned @shop" in blocks
    actions = [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["comment_reply", "comment_open"]


async def test_a_mention_that_cannot_be_read_is_still_relayed_without_text(bot, slack, graph, shop):
    await deliver(bot, [(SHOP_IG, "mentions", {"comment_id": "17999999999999999", "media_id": "18000000000000078"})])
    await slack.wait_for(lambda: top_level(slack, slack.social))
    [message] = top_level(slack, slack.social)
    assert "was mentioned" in json.dumps(message["blocks"])
    assert "did not let igbot read" in json.dumps(message["blocks"])


async def test_work_left_by_a_killed_worker_is_taken_over_and_shown_once(bot, slack, graph, shop, post, deps):
    from storage import inbox as inbox_rows

    stored = graph.add_comment(post, "stored, then the process died", username="anna")
    processed = graph.add_comment(post, "processed, then the process died", username="bob")

    def crash_state(db):
        inbox_rows.add_changes(db, [{"entry_id": SHOP_IG, "field": "comments", "object_id": stored.id,
                                     "value": graph.webhook_value(stored)}])
        db.execute("UPDATE inbox SET claimed_by = 'dead:1', lease_until = '2000-01-01T00:00:00.000000Z'")
        comment_rows.add_comment(db, {"account_id": shop["id"], "ig_comment_id": processed.id, "kind": "comment",
                                      "media_id": post.id, "username": "bob", "text": processed.text,
                                      "source": "webhook"})

    await deps.store.run(crash_state)
    deps.wakeups.wake("inbox")
    await slack.wait_for(lambda: len(top_level(slack, slack.social)) == 2)
    await deliver(bot, [(SHOP_IG, "comments", value(graph, stored)),
                        (SHOP_IG, "comments", value(graph, processed))])  # Meta retries both
    await handled(deps, stored.id)
    await handled(deps, processed.id)  # the retries are taken: both comments known, neither shown again
    rows = [await deps.store.run(comment_rows.get_by_ig_id, shop["id"], c.id) for c in (stored, processed)]
    assert [r["relay_state"] for r in rows] == ["queued", "queued"]
    assert await deps.store.run(lambda db: db["comments"].count) == 2
    assert len(top_level(slack, slack.social)) == 2
