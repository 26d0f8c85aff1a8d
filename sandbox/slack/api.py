"""The Web API methods: auth, chat, conversations, users; views and files live in their own modules."""

from __future__ import annotations

import contextlib
import copy
from typing import TYPE_CHECKING

from aiohttp import web

from . import files, views
from .blocks import fill_ids, validate_blocks
from .errors import SlackError
from .requests import Call, bool_arg, json_arg, read_args
from .state import Channel, Message

if TYPE_CHECKING:
    from .server import SlackEmulator

SCOPES_NEEDED = {
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.delete": "chat:write",
    "conversations.join": "channels:join",
    "users.info": "users:read",
    "users.list": "users:read",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "files.info": "files:read",
}


class WebApi:
    """Serve ``/api/{method}``: token check, faults, rate limits, the method, and a record of it all."""

    def __init__(self, emu: SlackEmulator) -> None:
        self.emu = emu
        self.ws = emu.ws
        self.methods = {
            "api.test": self.api_test,
            "auth.test": self.auth_test,
            "chat.postMessage": self.chat_post_message,
            "chat.update": self.chat_update,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.delete": self.chat_delete,
            "chat.getPermalink": self.chat_get_permalink,
            "conversations.info": self.conversations_info,
            "conversations.join": self.conversations_join,
            "conversations.history": self.conversations_history,
            "conversations.replies": self.conversations_replies,
            "users.info": self.users_info,
            "users.list": self.users_list,
            "views.open": lambda a: views.open_(emu, a),
            "views.push": lambda a: views.push(emu, a),
            "views.update": lambda a: views.update(emu, a),
            "views.publish": lambda a: views.publish(emu, a),
            "files.getUploadURLExternal": lambda a: files.get_upload_url(emu, a),
            "files.completeUploadExternal": lambda a: files.complete_upload(emu, a),
            "files.info": lambda a: files.info(emu, a),
            "apps.connections.open": lambda a: emu.socket.open_connection(),
        }

    async def handle(self, request: web.Request) -> web.Response:
        """Answer one Web API request exactly once and record it."""
        method = request.match_info["method"]
        call = Call(
            method=method,
            args={},
            token=None,
            http_method=request.method,
            content_type=request.content_type or "",
            at=self.emu.now(),
        )
        headers = {"x-oauth-scopes": ",".join(sorted(self.ws.scopes))}
        try:
            call.args, call.token, _ = await read_args(request, method)
            body = self.dispatch(method, call.args, call.token)
            body = {"ok": True, **body}
        except SlackError as e:
            body, call.status = e.body(), e.status
            headers.update(e.headers)
        call.response = body
        self.emu.calls.append(call)
        return web.json_response(body, status=call.status, headers=headers)

    def dispatch(self, method: str, args: dict, token: str | None) -> dict:
        """Run the checks Slack runs, in order, then the method."""
        fault = self.emu.faults.take(method)
        if fault is not None:
            raise fault
        self.emu.settle()
        handler = self.methods.get(method)
        if handler is None:
            raise SlackError("unknown_method")
        self.check_token(method, token)
        needed = SCOPES_NEEDED.get(method)
        if needed and needed not in self.ws.scopes:
            raise SlackError("missing_scope", needed=needed, provided=",".join(sorted(self.ws.scopes)))
        channel = args.get("channel") if isinstance(args.get("channel"), str) else None
        if channel:
            with contextlib.suppress(KeyError):
                channel = self.ws.channel_id(channel)
        wait = self.emu.limiter.check(method, self.emu.now(), channel=channel)
        if wait:
            raise SlackError("ratelimited", status=429, headers={"Retry-After": str(wait)})
        return handler(args)

    def check_token(self, method: str, token: str | None) -> None:
        """Raise Slack's error for a missing, wrong, revoked or wrong-type token."""
        if method == "api.test":
            return
        if not token:
            raise SlackError("not_authed")
        if token == self.emu.app_token:
            if method != "apps.connections.open":
                raise SlackError("not_allowed_token_type")
            return
        if token != self.emu.bot_token:
            raise SlackError("invalid_auth")
        if self.emu.token_revoked:
            raise SlackError("token_revoked")
        if method == "apps.connections.open":
            raise SlackError("not_allowed_token_type")

    # helpers

    def channel(self, args: dict, key: str = "channel", *, by_name: bool = False) -> Channel:
        """Return the channel an argument names; invisible and unknown channels are ``channel_not_found``."""
        ref = args.get(key)
        if not ref:
            raise SlackError("channel_not_found")
        ref = str(ref)
        if ref.startswith("U") and ref in self.ws.users and by_name:
            return self.ws.im_with(ref)
        try:
            cid = self.ws.channel_id(ref) if by_name else ref
        except KeyError:
            raise SlackError("channel_not_found") from None
        ch = self.ws.channels.get(cid)
        if ch is None or not self.ws.can_see(ch):
            raise SlackError("channel_not_found")
        return ch

    def check_can_post(self, ch: Channel) -> None:
        """Raise ``is_archived`` or ``not_in_channel`` as Slack does for a bot token."""
        if ch.is_archived:
            raise SlackError("is_archived")
        if self.ws.bot_user_id in ch.members:
            return
        if not ch.is_private and "chat:write.public" in self.ws.scopes:
            return
        raise SlackError("not_in_channel")

    def blocks(self, args: dict) -> list | None:
        """Parse, validate and fill in the ``blocks`` argument of a message."""
        if args.get("blocks") in (None, ""):
            return None
        blocks = json_arg(args, "blocks", "invalid_blocks_format")
        if not isinstance(blocks, list):
            raise SlackError("invalid_blocks_format")
        errors = validate_blocks(blocks, surface="message", file_check=self.emu.file_check)
        if errors:
            raise SlackError(
                "invalid_blocks",
                errors=errors,
                response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
            )
        return fill_ids(copy.deepcopy(blocks))

    def metadata(self, args: dict) -> dict | None:
        """Parse and check message metadata (``event_type`` + ``event_payload``)."""
        if args.get("metadata") in (None, ""):
            return None
        md = json_arg(args, "metadata", "invalid_metadata_format")
        if not isinstance(md, dict) or not isinstance(md.get("event_type"), str) or not md["event_type"]:
            raise SlackError("invalid_metadata_schema")
        if not isinstance(md.get("event_payload", {}), dict):
            raise SlackError("invalid_metadata_schema")
        return md

    def bot_message(self, ch: Channel, msg: Message) -> dict:
        """Return the ``message`` object of a chat.* answer."""
        d = msg.to_api(include_metadata=True, channel=ch)
        d["team"] = self.ws.team_id
        d["bot_profile"] = {
            "id": self.ws.bot_id,
            "app_id": self.ws.app_id,
            "deleted": False,
            "name": self.ws.users[self.ws.bot_user_id].name,
            "team_id": self.ws.team_id,
        }
        return d

    # methods

    def api_test(self, args: dict) -> dict:
        """Echo the arguments."""
        return {"args": {k: v for k, v in args.items() if isinstance(v, str)}}

    def auth_test(self, args: dict) -> dict:
        """Describe the bot token."""
        bot = self.ws.users[self.ws.bot_user_id]
        return {
            "url": f"https://{self.ws.team_domain}.slack.com/",
            "team": self.ws.team_domain.title(),
            "user": bot.name,
            "team_id": self.ws.team_id,
            "user_id": bot.id,
            "bot_id": self.ws.bot_id,
            "is_enterprise_install": False,
        }

    def chat_post_message(self, args: dict) -> dict:
        """Post a message (or a thread reply) as the bot."""
        ch = self.channel(args, by_name=True)
        self.check_can_post(ch)
        blocks = self.blocks(args)
        text = args.get("text")
        text = None if text is None else str(text)
        if not text and not blocks and not args.get("attachments") and not args.get("markdown_text"):
            raise SlackError("no_text")
        if text and len(text) > 40000:
            raise SlackError("msg_too_long")
        thread_ts = args.get("thread_ts") or None
        if thread_ts:
            parent = ch.message(str(thread_ts))
            if parent is None:
                raise SlackError("thread_not_found")
            thread_ts = parent.thread_ts or parent.ts
        msg = Message(
            ts=self.ws.ids.ts(self.emu.now()),
            channel=ch.id,
            user=self.ws.bot_user_id,
            text=text if text is not None else str(args.get("markdown_text") or ""),
            blocks=blocks,
            attachments=json_arg(args, "attachments", "invalid_attachments"),
            bot_id=self.ws.bot_id,
            app_id=self.ws.app_id,
            thread_ts=thread_ts,
            reply_broadcast=bool(thread_ts) and bool(bool_arg(args, "reply_broadcast", False)),
            metadata=self.metadata(args),
            unfurl_links=bool_arg(args, "unfurl_links"),
            unfurl_media=bool_arg(args, "unfurl_media"),
        )
        if msg.reply_broadcast:
            msg.subtype = "thread_broadcast"
        self.ws.add_message(ch, msg)
        return {"channel": ch.id, "ts": msg.ts, "message": self.bot_message(ch, msg)}

    def own_message(self, args: dict, ts_key: str, error: str) -> tuple[Channel, Message]:
        """Return a message the bot posted, or raise ``message_not_found`` / ``error``."""
        ch = self.channel(args)
        msg = ch.message(str(args.get(ts_key) or ""))
        if msg is None or msg.subtype == "tombstone":
            raise SlackError("message_not_found")
        if msg.bot_id != self.ws.bot_id:
            raise SlackError(error)
        return ch, msg

    def chat_update(self, args: dict) -> dict:
        """Replace a bot message's text, blocks, attachments or metadata."""
        ch, msg = self.own_message(args, "ts", "cant_update_message")
        if ch.is_archived:
            raise SlackError("is_archived")
        blocks = self.blocks(args)
        text = args.get("text")
        if text is None and blocks is None and args.get("attachments") is None and not args.get("file_ids"):
            raise SlackError("no_text")
        if text is not None and len(str(text)) > 4000:
            raise SlackError("msg_too_long")
        if text is not None:
            msg.text = str(text)
        if blocks is not None:
            msg.blocks = blocks or None
        elif "blocks" in args:
            msg.blocks = None
        if args.get("attachments") is not None:
            msg.attachments = json_arg(args, "attachments", "invalid_attachments")
        md = self.metadata(args)
        if md is not None:
            msg.metadata = md
        msg.edited = {"user": self.ws.bot_user_id, "ts": self.ws.ids.ts(self.emu.now())}
        return {"channel": ch.id, "ts": msg.ts, "text": msg.text, "message": self.bot_message(ch, msg)}

    def chat_post_ephemeral(self, args: dict) -> dict:
        """Show a message to one person in a channel."""
        ch = self.channel(args, by_name=True)
        self.check_can_post(ch)
        user = str(args.get("user") or "")
        if user not in self.ws.users:
            raise SlackError("user_not_found")
        if user not in ch.members:
            raise SlackError("user_not_in_channel")
        blocks = self.blocks(args)
        text = args.get("text")
        if not text and not blocks and not args.get("attachments"):
            raise SlackError("no_text")
        ts = self.ws.ids.ts(self.emu.now())
        self.emu.add_ephemeral(
            channel=ch.id,
            user=user,
            ts=ts,
            text=str(text or ""),
            blocks=blocks,
            thread_ts=args.get("thread_ts") or None,
            source="chat.postEphemeral",
        )
        return {"message_ts": ts}

    def chat_delete(self, args: dict) -> dict:
        """Delete a bot message."""
        ch, msg = self.own_message(args, "ts", "cant_delete_message")
        self.ws.remove_message(ch, msg)
        return {"channel": ch.id, "ts": msg.ts}

    def chat_get_permalink(self, args: dict) -> dict:
        """Return a message's permalink."""
        ch = self.channel(args)
        msg = ch.message(str(args.get("message_ts") or ""))
        if msg is None:
            raise SlackError("message_not_found")
        return {"channel": ch.id, "permalink": self.ws.permalink(ch, msg)}

    def read_scope(self, ch: Channel, kind: str) -> None:
        """Raise ``missing_scope`` unless the token may read this kind of channel (``read``/``history``)."""
        prefix = "im" if ch.is_im else "groups" if ch.is_private else "channels"
        needed = f"{prefix}:{kind}"
        if needed not in self.ws.scopes:
            raise SlackError("missing_scope", needed=needed, provided=",".join(sorted(self.ws.scopes)))

    def conversations_info(self, args: dict) -> dict:
        """Describe a channel (``is_member`` tells whether the bot is in it)."""
        ch = self.channel(args)
        self.read_scope(ch, "read")
        return {
            "channel": ch.to_api(
                bot_user_id=self.ws.bot_user_id,
                include_num_members=bool(bool_arg(args, "include_num_members", False)),
            )
        }

    def conversations_join(self, args: dict) -> dict:
        """Add the bot to a public channel (private ones and DMs cannot be joined)."""
        ch = self.ws.channels.get(str(args.get("channel") or ""))
        if ch is None:
            raise SlackError("channel_not_found")
        if ch.is_private or ch.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        if ch.is_archived:
            raise SlackError("is_archived")
        extra: dict = {}
        if self.ws.bot_user_id in ch.members:
            extra = {
                "warning": "already_in_channel",
                "response_metadata": {"warnings": ["already_in_channel"]},
            }
        ch.members.add(self.ws.bot_user_id)
        return {"channel": ch.to_api(bot_user_id=self.ws.bot_user_id), **extra}

    def history_channel(self, args: dict) -> Channel:
        """Return a channel the bot may read the history of."""
        ch = self.channel(args)
        self.read_scope(ch, "history")
        if self.ws.bot_user_id not in ch.members:
            raise SlackError("not_in_channel")
        return ch

    def conversations_history(self, args: dict) -> dict:
        """List top-level messages, newest first; metadata only with ``include_all_metadata``."""
        ch = self.history_channel(args)
        with_md = bool(bool_arg(args, "include_all_metadata", False))
        inclusive = bool(bool_arg(args, "inclusive", False))
        oldest, latest = float(args.get("oldest") or 0), float(args.get("latest") or 1e12)
        msgs = [
            m
            for m in reversed(ch.top_level())
            if (oldest <= float(m.ts) <= latest if inclusive else oldest < float(m.ts) < latest)
        ]
        return self.page(args, [m.to_api(include_metadata=with_md, channel=ch) for m in msgs])

    def conversations_replies(self, args: dict) -> dict:
        """List a thread: the parent, then its replies, oldest first."""
        ch = self.history_channel(args)
        parent = ch.message(str(args.get("ts") or ""))
        if parent is None:
            raise SlackError("thread_not_found")
        if parent.is_reply:
            parent = ch.message(parent.thread_ts)
        with_md = bool(bool_arg(args, "include_all_metadata", False))
        msgs = [parent] + [ch.message(ts) for ts in parent.replies]
        return self.page(args, [m.to_api(include_metadata=with_md, channel=ch) for m in msgs if m])

    def page(self, args: dict, items: list) -> dict:
        """Cut one cursor page out of a list."""
        try:
            limit = max(1, min(int(args.get("limit") or 100), 999))
            start = int(args.get("cursor") or "0")
        except ValueError:
            raise SlackError("invalid_cursor") from None
        chunk = items[start : start + limit]
        more = start + limit < len(items)
        return {
            "messages": chunk,
            "has_more": more,
            "pin_count": 0,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def users_info(self, args: dict) -> dict:
        """Describe a person."""
        user = self.ws.users.get(str(args.get("user") or ""))
        if user is None:
            raise SlackError("user_not_found")
        return {"user": user.to_api()}

    def users_list(self, args: dict) -> dict:
        """List the workspace's people (and bots), cursor-paged; ``members`` instead of ``messages``."""
        try:
            limit = max(1, min(int(args.get("limit") or 0) or 1000, 1000))
            start = int(args.get("cursor") or "0")
        except ValueError:
            raise SlackError("invalid_cursor") from None
        users = [u.to_api() for u in self.ws.users.values()]
        chunk = users[start : start + limit]
        more = start + limit < len(users)
        return {"members": chunk, "cache_ts": int(self.emu.now()),
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}
