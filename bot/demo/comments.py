"""Demo steps for comments in Slack: relay, a thread reply, Reply, Hide, Delete, a mention, an injection."""

from __future__ import annotations

import json

from bot.demo.script import DemoFailure, eventually, expect
from bot.demo.transcript import Transcript
from bot.demo.world import World


def _blocks(message: dict | None) -> str:
    return json.dumps((message or {}).get("blocks") or [], ensure_ascii=False)


def _find(world: World, text: str) -> dict | None:
    """Return the channel's top-level message that shows text."""
    return next((m for m in world.slack.messages(world.channel) if text in _blocks(m)), None)


async def _comment(world: World, out: Transcript, text: str, username: str, parent_id: str | None = None):
    """A follower comments on the newest post; Meta delivers the signed webhook."""
    post = max(world.graph.state.media.values(), key=lambda m: m.timestamp if m.owner_id ==
               world.ig_account.ig_user_id else 0)
    comment = world.graph.add_comment(post, text, username=username, parent_id=parent_id)
    await world.graph.flush_webhooks()
    expect(world.graph.deliveries and world.graph.deliveries[-1].delivered, "igbot did not answer Meta's webhook 200")
    out.instagram(f"@{username} {'replies' if parent_id else 'comments'}: “{text}”")
    return comment


async def relay_step(world: World, out: Transcript) -> None:
    """A comment arrives in the channel within seconds, with Reply, Hide, Delete and Open on Instagram."""
    world.demo_comment = await _comment(world, out, "Is the speckled mug dishwasher safe?", "anna_jansen")
    message = await eventually(world, lambda: _find(world, "dishwasher safe"),
                               "the comment never reached the channel")
    buttons = [e["text"]["text"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    expect(buttons == ["Reply", "Hide", "Delete", "Open on Instagram"], f"the message offers {buttons}")
    world.demo_message = message
    out.shown(f"#instagram: @anna_jansen's comment with {', '.join(buttons)}")


async def thread_step(world: World, out: Transcript) -> None:
    """A reply to that comment lands in the message's thread."""
    await _comment(world, out, "Same question here!", "bob_bakes", parent_id=world.demo_comment.id)
    ts = world.demo_message["ts"]
    await eventually(world, lambda: len(world.slack.thread(world.channel, ts)) == 2,
                     "the reply did not appear in the comment's thread")
    out.shown("the reply appears in the thread of @anna_jansen's message")


async def reply_step(world: World, out: Transcript) -> None:
    """sam (moderator) replies from Slack; the reply is on Instagram and in the thread."""
    sam, ts = world.people["sam"], world.demo_message["ts"]
    await world.slack.click(user=sam, channel=world.channel, message_ts=ts, action_id="comment_reply")
    await eventually(world, lambda: world.slack.views_of(sam), "the Reply modal did not open")
    await world.slack.submit_view(user=sam, values={"reply": {"text": "Yes, all our glazes are dishwasher safe!"}})
    out.slack("sam", "Reply ▸ “Yes, all our glazes are dishwasher safe!”")
    await eventually(world, lambda: any(c.text.startswith("Yes, all our glazes") for c in
                                        world.graph.state.comments.values()), "the reply never reached Instagram")
    await eventually(world, lambda: "replied by" in _blocks(world.slack.message(world.channel, ts)),
                     "the message does not show the reply")
    out.shown("the message says “replied by @sam”; the reply is in its thread")


async def hide_step(world: World, out: Transcript) -> None:
    """sam hides a spam comment."""
    spam = await _comment(world, out, "FREE FOLLOWERS at spam.example", "spam_bot_99")
    message = await eventually(world, lambda: _find(world, "FREE FOLLOWERS"), "the spam never reached Slack")
    await world.slack.click(user=world.people["sam"], channel=world.channel, message_ts=message["ts"],
                            action_id="comment_hide")
    out.slack("sam", "Hide")
    await eventually(world, lambda: world.graph.state.comments[spam.id].hidden, "the comment is not hidden")
    await eventually(world, lambda: "hidden by" in _blocks(world.slack.message(world.channel, message["ts"])),
                     "the message does not say who hid it")
    world.demo_spam = (spam, message)
    out.shown("hidden on Instagram; the message says “hidden by @sam” and offers Unhide")


async def delete_step(world: World, out: Transcript) -> None:
    """maya deletes the spam (after Slack's confirm dialog)."""
    spam, message = world.demo_spam
    await world.slack.click(user=world.people["maya"], channel=world.channel, message_ts=message["ts"],
                            action_id="comment_delete")
    out.slack("maya", "Delete ▸ confirms")
    await eventually(world, lambda: world.graph.state.comments[spam.id].deleted, "the comment was not deleted")
    await eventually(world, lambda: "deleted by" in _blocks(world.slack.message(world.channel, message["ts"])),
                     "the message does not say it was deleted")
    out.shown("deleted on Instagram; the message says “deleted by @maya”, buttons gone")


async def mention_step(world: World, out: Transcript) -> None:
    """Someone mentions the shop on their own post: Reply and Open on Instagram, never Hide or Delete."""
    world.graph.add_mention(world.ig_account, username="ceramics_fan", text="Obsessed with @demo_shop mugs!")
    await world.graph.flush_webhooks()
    out.instagram("@ceramics_fan mentions @demo_shop in a comment on their own post")
    message = await eventually(world, lambda: _find(world, "Obsessed with"), "the mention never reached Slack")
    buttons = [e["text"]["text"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    expect(buttons == ["Reply", "Open on Instagram"], f"the mention offers {buttons}")
    out.shown("#instagram: the mention, read with mentioned_comment, with Reply and Open on Instagram")


async def injection_step(world: World, out: Transcript) -> None:
    """A comment trying to ping the channel and disguise a link is shown as harmless text."""
    await _comment(world, out, "<!channel> claim prize <https://evil.example|instagram.com>", "troll")
    message = await eventually(world, lambda: _find(world, "claim prize"), "the comment never reached Slack")
    shown = _blocks(message) + message["text"]
    if "<!channel>" in shown or "<https://evil.example" in shown:
        raise DemoFailure("the comment's markup reached Slack unescaped")
    out.shown("shown as text: &lt;!channel&gt; pings nobody and the link is not disguised")
