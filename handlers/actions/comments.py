"""Buttons and overflow menus on relayed comments: ack first, then role check, then one Graph call."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.comments import actions, modals
from bot.comments.render import ACTION_IDS
from bot.deps import Deps
from bot.edges.ids import row_id
from handlers.replies import tell, tell_stale, where

log = logging.getLogger(__name__)


async def open_reply(deps: Deps, client: AsyncWebClient, body: dict, comment_id: int) -> None:
    """Open the Reply modal (from stored rows) for a person who may reply; else tell them why not."""
    user, channel = body["user"]["id"], where(body)
    allowed = await actions.may_act(deps, user_id=user, comment_id=comment_id, action="reply")
    if isinstance(allowed, actions.Outcome):
        await tell(client, channel, user, allowed.message)
        return
    comment, _ = allowed
    await client.views_open(trigger_id=body["trigger_id"], view=modals.reply_modal(comment, channel))


async def open_delete(deps: Deps, client: AsyncWebClient, body: dict, comment_id: int) -> None:
    """Open the Delete confirm modal for a person who may delete; else tell them why not."""
    user, channel = body["user"]["id"], where(body)
    allowed = await actions.may_act(deps, user_id=user, comment_id=comment_id, action="delete")
    if isinstance(allowed, actions.Outcome):
        await tell(client, channel, user, allowed.message)
        return
    comment, _ = allowed
    await client.views_open(trigger_id=body["trigger_id"], view=modals.delete_modal(comment, channel))


async def run_action(deps: Deps, client: AsyncWebClient, body: dict, name: str, comment_id: int) -> None:
    """Hide, unhide or delete, and tell the person only when it did not work."""
    user = body["user"]["id"]
    if name == "delete":
        outcome = await actions.delete(deps, user_id=user, comment_id=comment_id)
    else:
        outcome = await actions.hide(deps, user_id=user, comment_id=comment_id, hidden=name == "hide")
    if not outcome.ok:
        await tell(client, where(body), user, outcome.message)


async def handle_button(ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Reply / Hide / Unhide / Delete buttons (Delete's confirm dialog already ran in Slack)."""
    await ack()
    comment_id = row_id(action.get("value"))
    name = action["action_id"].removeprefix("comment_")
    if comment_id is None:
        await tell_stale(client, body)
        return
    if name == "reply":
        await open_reply(deps, client, body, comment_id)
    else:
        await run_action(deps, client, body, name, comment_id)


async def handle_menu(ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient, deps: Deps) -> None:
    """The overflow menu of a folded comment: `reply:ID`, `hide:ID`, `unhide:ID`, `delete:ID`."""
    await ack()
    name, _, raw_id = ((action.get("selected_option") or {}).get("value") or "").partition(":")
    comment_id = row_id(raw_id)
    if comment_id is None or name not in ("reply", "hide", "unhide", "delete"):
        await tell_stale(client, body)
        return
    if name == "reply":
        await open_reply(deps, client, body, comment_id)
    elif name == "delete":
        await open_delete(deps, client, body, comment_id)
    else:
        await run_action(deps, client, body, name, comment_id)


async def handle_open(ack: AsyncAck) -> None:
    """Open on Instagram is a link button; Slack still wants an ack."""
    await ack()


ACTIONS = {ACTION_IDS["reply"]: handle_button, ACTION_IDS["hide"]: handle_button, ACTION_IDS["unhide"]: handle_button,
           ACTION_IDS["delete"]: handle_button, ACTION_IDS["menu"]: handle_menu, ACTION_IDS["open"]: handle_open}
