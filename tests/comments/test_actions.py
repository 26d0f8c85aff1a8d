"""Reply / Hide / Unhide / Delete from Slack: role checks, one Graph call, message updates, audit rows."""

from __future__ import annotations

import asyncio
import json

from sandbox.graph import Comment
from storage import audit as audit_rows
from storage import comments as comment_rows
from storage import roles as role_rows
from tests.comments.conftest import SHOP_IG, deliver, eventually, handled, top_level


async def relayed(bot, slack, graph, post, text="Price?", user="anna") -> tuple[Comment, dict]:
    c = graph.add_comment(post, text, username=user)
    await deliver(bot, [(SHOP_IG, "comments", graph.webhook_value(c))])
    await slack.wait_for(lambda: any(text in json.dumps(m.get("blocks")) for m in top_level(slack, slack.social)))
    message = next(m for m in top_level(slack, slack.social) if text in json.dumps(m.get("blocks")))
    return c, message


def shown(slack, ts) -> str:
    return json.dumps(slack.message(slack.social, ts)["blocks"])


async def audit(deps) -> list[dict]:
    return list(reversed(await deps.store.run(audit_rows.list_audit)))


async def test_hide_then_unhide_calls_graph_and_updates_the_message(bot, slack, graph, post, deps):
    c, message = await relayed(bot, slack, graph, post)
    click = await slack.click(user=slack.admin, channel=slack.social, message_ts=message["ts"],
                              action_id="comment_hide")
    assert click.ok
    await slack.wait_for(lambda: "hidden by" in shown(slack, message["ts"]))
    assert graph.state.comments[c.id].hidden is True
    assert f"<@{slack.admin}>" in shown(slack, message["ts"])
    assert "comment_unhide" in shown(slack, message["ts"]) and "comment_hide\"" not in shown(slack, message["ts"])
    await slack.click(user=slack.admin, channel=slack.social, message_ts=message["ts"], action_id="comment_unhide")
    await slack.wait_for(lambda: "unhidden by" in shown(slack, message["ts"]))
    assert graph.state.comments[c.id].hidden is False
    rows = await audit(deps)
    assert [(r["action"], r["result"]) for r in rows] == [("comment.hide", "ok"), ("comment.unhide", "ok")]


async def test_double_and_concurrent_clicks_make_one_graph_call(bot, slack, graph, post, deps):
    c, message = await relayed(bot, slack, graph, post)
    clicks = [slack.click(user=slack.admin, channel=slack.social, message_ts=message["ts"], action_id="comment_hide")
              for _ in range(3)]
    await asyncio.gather(*clicks)
    await slack.wait_for(lambda: "hidden by" in shown(slack, message["ts"]))
    await eventually(lambda: _count(deps, 3))
    assert graph.count_calls(method="POST", path=f"/{c.id}") == 1


async def _count(deps, n):
    return len(await deps.store.run(audit_rows.list_audit)) >= n


async def test_delete_removes_the_comment_and_marks_the_message(bot, slack, graph, post):
    c, message = await relayed(bot, slack, graph, post)
    await slack.click(user=slack.admin, channel=slack.social, message_ts=message["ts"], action_id="comment_delete")
    await slack.wait_for(lambda: "deleted by" in shown(slack, message["ts"]))
    assert graph.state.comments[c.id].deleted is True
    assert "comment_hide" not in shown(slack, message["ts"]) and "comment_reply" not in shown(slack, message["ts"])


async def test_a_comment_already_gone_is_marked_no_longer_on_instagram(bot, slack, graph, post, deps):
    c, message = await relayed(bot, slack, graph, post)
    graph.state.comments[c.id].deleted = True  # its author deleted it on Instagram
    await slack.click(user=slack.admin, channel=slack.social, message_ts=message["ts"], action_id="comment_hide")
    await slack.wait_for(lambda: "no longer on Instagram" in shown(slack, message["ts"]))
    await slack.wait_for(lambda: slack.ephemerals(user=slack.admin))
    assert "no longer on Instagram" in slack.ephemerals(user=slack.admin)[0]["text"]


async def test_someone_without_a_role_is_told_what_they_need_and_nothing_happens(bot, slack, graph, post, deps):
    c, message = await relayed(bot, slack, graph, post)
    for action in ("comment_hide", "comment_delete", "comment_reply"):
        await slack.click(user=slack.alice, channel=slack.social, message_ts=message["ts"], action_id=action)
    await slack.wait_for(lambda: len(slack.ephemerals(user=slack.alice)) == 3)
    said = slack.ephemerals(user=slack.alice)[0]["text"]
    assert "moderator" in said and f"<@{slack.admin}>" in said and "/ig access grant" in said
    assert [call.method for call in graph.calls if call.method != "GET"] == []
    assert slack.views_of(slack.alice) == []
    rows = await audit(deps)
    assert {(r["action"], r["result"], r["actor"]) for r in rows} == {
        ("comment.hide", "refused", slack.alice), ("comment.delete", "refused", slack.alice),
        ("comment.reply", "refused", slack.alice)}


async def test_a_moderator_may_act(bot, slack, graph, post, deps):
    await deps.store.run(role_rows.grant_role, slack_user_id=slack.alice, account="shop", role="moderator",
                         granted_by=slack.admin)
    c, message = await relayed(bot, slack, graph, post)
    await slack.click(user=slack.alice, channel=slack.social, message_ts=message["ts"], action_id="comment_hide")
    await slack.wait_for(lambda: "hidden by" in shown(slack, message["ts"]))


async def test_reply_opens_a_modal_sends_the_reply_and_shows_it(bot, slack, graph, shop, post, deps):
    c, message = await relayed(bot, slack, graph, post, text="Do you ship to Belgium?")
    await slack.click(user=slack.admin, channel=slack.social, message_ts=message["ts"], action_id="comment_reply")
    await slack.wait_for(lambda: slack.views_of(slack.admin))
    modal = slack.views_of(slack.admin)[-1]
    assert "Do you ship to Belgium?" in json.dumps(modal["blocks"])
    submitted = await slack.submit_view(user=slack.admin, values={"reply": {"text": "Yes! <3 & free over €50"}})
    assert submitted.ok
    await slack.wait_for(lambda: "replied by" in shown(slack, message["ts"]))
    [post] = graph.find_calls(method="POST", path=f"/{c.id}/replies")
    assert post.params["message"] == "Yes! <3 & free over €50"
    await slack.wait_for(lambda: len(slack.thread(slack.social, message["ts"])) == 2)
    thread_reply = slack.thread(slack.social, message["ts"])[1]
    assert "Yes! &lt;3 &amp; free over €50" in json.dumps(thread_reply["blocks"], ensure_ascii=False)
    await slack.wait_for(lambda: "Your reply is on Instagram" in json.dumps(slack.views_of(slack.admin)))
    # the reply's own webhook is not relayed again
    reply = next(r for r in graph.state.comments.values() if r.parent_id == c.id)
    await deliver(bot, [(SHOP_IG, "comments", graph.webhook_value(reply))])
    await handled(deps, reply.id)  # the inbox worker has taken the reply's own webhook...
    stored = await deps.store.run(comment_rows.get_by_ig_id, shop["id"], reply.id)
    assert (stored["source"], stored["relay_state"]) == ("igbot", "skipped")  # ...and found it already shown
    assert len(slack.thread(slack.social, message["ts"])) == 2 and len(top_level(slack, slack.social)) == 1


async def test_blank_reply_is_refused_in_the_ack(bot, slack, graph, post):
    c, message = await relayed(bot, slack, graph, post)
    await slack.click(user=slack.admin, channel=slack.social, message_ts=message["ts"], action_id="comment_reply")
    await slack.wait_for(lambda: slack.views_of(slack.admin))
    submitted = await slack.submit_view(user=slack.admin, values={"reply": {"text": "   "}})
    assert submitted.json["response_action"] == "errors" and "empty" in submitted.json["errors"]["reply"]
    assert graph.find_calls(method="POST", path=f"/{c.id}/replies") == []


async def test_a_failed_reply_is_shown_to_the_person(bot, slack, graph, post):
    c, message = await relayed(bot, slack, graph, post)
    graph.state.media[c.media_id].is_comment_enabled = False  # the account turned comments off meanwhile
    await slack.click(user=slack.admin, channel=slack.social, message_ts=message["ts"], action_id="comment_reply")
    await slack.wait_for(lambda: slack.views_of(slack.admin))
    await slack.submit_view(user=slack.admin, values={"reply": {"text": "thanks"}})
    await slack.wait_for(lambda: ":x:" in json.dumps(slack.views_of(slack.admin)))
    assert "replied by" not in shown(slack, message["ts"])


async def test_reply_to_a_mention_goes_through_the_mentions_edge(bot, slack, graph, post):
    c = graph.add_mention(SHOP_IG, username="piet", text="@shop in stock?", deliver=False)
    await deliver(bot, [(SHOP_IG, "mentions", {"comment_id": c.id, "media_id": c.media_id})])
    await slack.wait_for(lambda: top_level(slack, slack.social))
    message = top_level(slack, slack.social)[0]
    await slack.click(user=slack.admin, channel=slack.social, message_ts=message["ts"], action_id="comment_reply")
    await slack.wait_for(lambda: slack.views_of(slack.admin))
    await slack.submit_view(user=slack.admin, values={"reply": {"text": "Yes!"}})
    await slack.wait_for(lambda: graph.find_calls(method="POST", path=f"/{SHOP_IG}/mentions"))
    [call] = graph.find_calls(method="POST", path=f"/{SHOP_IG}/mentions")
    assert call.ok and {k: call.params.get(k) for k in ("media_id", "message", "comment_id")} == {
        "media_id": c.media_id, "message": "Yes!", "comment_id": c.id}


async def test_when_the_modal_was_closed_the_result_is_told_ephemerally(bot, slack, graph, post):
    c, message = await relayed(bot, slack, graph, post)
    await slack.click(user=slack.admin, channel=slack.social, message_ts=message["ts"], action_id="comment_reply")
    await slack.wait_for(lambda: slack.views_of(slack.admin))
    await slack.submit_view(user=slack.admin, values={"reply": {"text": "see you"}})
    await slack.close_view(user=slack.admin)
    await slack.wait_for(lambda: slack.ephemerals(user=slack.admin))
    assert "Your reply is on Instagram" in slack.ephemerals(user=slack.admin)[0]["text"]
