"""The ``response_url`` endpoint: 5 uses in 30 minutes, ephemeral or in_channel, replaces or deletes."""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING

from aiohttp import web

from .blocks import fill_ids, validate_blocks
from .requests import Call
from .state import Message

if TYPE_CHECKING:
    from .server import SlackEmulator

MAX_USES = 5
LIFETIME = 30 * 60


async def handle(emu: SlackEmulator, request: web.Request) -> web.Response:
    """Answer a POST to a response_url the way Slack's webhook endpoint does."""
    raw = await request.text()
    call = Call(
        method="response_url",
        args={},
        token=None,
        http_method=request.method,
        content_type=request.content_type or "",
        at=emu.now(),
    )
    emu.calls.append(call)

    def reply(status: int, text: str) -> web.Response:
        call.status, call.response = status, {"ok": status == 200, "error": None if status == 200 else text}
        return web.Response(status=status, text=text)

    fault = emu.faults.take("response_url")
    if fault is not None:
        return reply(fault.status if fault.status != 200 else 500, fault.error)
    hook = emu.ws.response_urls.get(request.match_info["token"])
    if hook is None or request.match_info["team"] != emu.ws.team_id:
        return reply(404, "no_service")
    now = emu.now()
    if now - hook.issued_at > LIFETIME:
        return reply(404, "expired_url")
    if len(hook.uses) >= MAX_USES:
        return reply(404, "used_url")
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return reply(400, "invalid_payload")
    if not isinstance(body, dict):
        return reply(400, "invalid_payload")
    call.args = body
    hook.uses.append(now)
    blocks = body.get("blocks")
    if blocks is not None and validate_blocks(blocks, file_check=emu.file_check):
        return reply(400, "invalid_blocks")
    ch = emu.ws.channels.get(hook.channel or "")
    if ch is None:
        return reply(404, "channel_not_found")
    if body.get("delete_original"):
        delete_source(emu, hook, ch)
        return reply(200, "ok")
    text = body.get("text")
    if not text and not blocks and not body.get("attachments"):
        return reply(400, "no_text")
    blocks = fill_ids(copy.deepcopy(blocks)) if blocks is not None else None
    if (
        body.get("replace_original")
        and hook.source_ts
        and replace_source(emu, hook, ch, str(text or ""), blocks)
    ):
        return reply(200, "ok")
    if body.get("response_type") == "in_channel":
        thread_ts = body.get("thread_ts") or None
        msg = Message(
            ts=emu.ws.ids.ts(now),
            channel=ch.id,
            user=emu.ws.bot_user_id,
            text=str(text or ""),
            blocks=blocks,
            bot_id=emu.ws.bot_id,
            app_id=emu.ws.app_id,
            thread_ts=thread_ts,
        )
        emu.ws.add_message(ch, msg)
    else:
        emu.add_ephemeral(
            channel=ch.id,
            user=hook.user,
            ts=emu.ws.ids.ts(now),
            text=str(text or ""),
            blocks=blocks,
            thread_ts=body.get("thread_ts") or None,
            source="response_url",
        )
    return reply(200, "ok")


def delete_source(emu: SlackEmulator, hook, ch) -> None:
    """Delete the message the interaction came from."""
    if hook.source_ephemeral:
        emu.ws.ephemerals = [
            e for e in emu.ws.ephemerals if not (e.ts == hook.source_ts and e.user == hook.user)
        ]
        return
    msg = ch.message(hook.source_ts)
    if msg is not None:
        emu.ws.remove_message(ch, msg)


def replace_source(emu: SlackEmulator, hook, ch, text: str, blocks: list | None) -> bool:
    """Replace the message the interaction came from; return False if it is gone."""
    if hook.source_ephemeral:
        for e in emu.ws.ephemerals:
            if e.ts == hook.source_ts and e.user == hook.user:
                e.text, e.blocks = text, blocks
                return True
        return False
    msg = ch.message(hook.source_ts)
    if msg is None:
        return False
    msg.text, msg.blocks = text, blocks
    msg.edited = {"user": emu.ws.bot_user_id, "ts": emu.ws.ids.ts(emu.now())}
    return True
