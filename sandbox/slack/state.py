"""The workspace the emulator plays: users, channels, messages, ephemerals, files, views, triggers."""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass, field
from typing import Any

DEFAULT_SCOPES = (
    "chat:write",
    "chat:write.public",
    "commands",
    "files:read",
    "files:write",
    "channels:read",
    "channels:join",
    "channels:history",
    "groups:read",
    "groups:history",
    "im:write",
    "users:read",
)


@dataclass
class User:
    """A person (or the bot user) in the workspace."""

    id: str
    name: str
    real_name: str
    team_id: str
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    deleted: bool = False
    tz: str = "Europe/London"
    bot_id: str | None = None

    def to_api(self) -> dict:
        """Return the ``user`` object of ``users.info``."""
        d = {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": self.tz,
            "tz_offset": 0,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 1700000000,
            "profile": {
                "real_name": self.real_name,
                "display_name": self.name,
                "real_name_normalized": self.real_name,
                "display_name_normalized": self.name,
                "team": self.team_id,
                "image_48": f"https://avatars.example.invalid/{self.id}_48.png",
                "image_192": f"https://avatars.example.invalid/{self.id}_192.png",
            },
        }
        if self.bot_id:
            d["profile"]["bot_id"] = self.bot_id
        return d


@dataclass
class Message:
    """A message in a channel (top level or thread reply)."""

    ts: str
    channel: str
    user: str
    text: str = ""
    blocks: list | None = None
    attachments: list | None = None
    bot_id: str | None = None
    app_id: str | None = None
    thread_ts: str | None = None
    reply_broadcast: bool = False
    metadata: dict | None = None
    unfurl_links: bool | None = None
    unfurl_media: bool | None = None
    edited: dict | None = None
    subtype: str | None = None
    files: list | None = None
    replies: list[str] = field(default_factory=list)

    @property
    def is_reply(self) -> bool:
        """True for a thread reply (not the parent)."""
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_api(self, *, include_metadata: bool = False, channel: Channel | None = None) -> dict:
        """Return the message as Slack's read methods show it."""
        d: dict[str, Any] = {"type": "message", "ts": self.ts, "user": self.user, "text": self.text}
        if self.subtype:
            d["subtype"] = self.subtype
        if self.bot_id:
            d["bot_id"] = self.bot_id
            d["app_id"] = self.app_id
        if self.blocks is not None:
            d["blocks"] = copy.deepcopy(self.blocks)
        if self.attachments:
            d["attachments"] = copy.deepcopy(self.attachments)
        if self.files:
            d["files"] = copy.deepcopy(self.files)
            d["upload"] = True
        if self.edited:
            d["edited"] = dict(self.edited)
        if self.thread_ts:
            d["thread_ts"] = self.thread_ts
        if self.replies and channel is not None:
            replies = [channel.message(ts) for ts in self.replies]
            replies = [r for r in replies if r is not None]
            users = list(dict.fromkeys(r.user for r in replies))
            d["reply_count"] = len(replies)
            d["reply_users_count"] = len(users)
            d["reply_users"] = users
            d["latest_reply"] = replies[-1].ts if replies else self.ts
        if self.is_reply and channel is not None:
            parent = channel.message(self.thread_ts)
            if parent is not None:
                d["parent_user_id"] = parent.user
        if include_metadata and self.metadata is not None:
            d["metadata"] = copy.deepcopy(self.metadata)
        return d


@dataclass
class Channel:
    """A public or private channel, or a DM between the bot and one person."""

    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    is_archived: bool = False
    members: set[str] = field(default_factory=set)
    created: int = 1700000000
    creator: str = ""
    im_user: str | None = None
    topic: str = ""
    purpose: str = ""
    messages: list[Message] = field(default_factory=list)

    def message(self, ts: str | None) -> Message | None:
        """Return the message with this ts, or None."""
        for m in self.messages:
            if m.ts == ts:
                return m
        return None

    def top_level(self) -> list[Message]:
        """Return messages shown in the channel (parents and broadcast replies), oldest first."""
        return [m for m in self.messages if not m.is_reply or m.reply_broadcast]

    def to_api(self, *, bot_user_id: str, include_num_members: bool = False) -> dict:
        """Return the ``channel`` object of ``conversations.info``."""
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.im_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        d = {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "created": self.created,
            "creator": self.creator,
            "is_archived": self.is_archived,
            "is_general": False,
            "unlinked": 0,
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "is_pending_ext_shared": False,
            "is_member": bot_user_id in self.members,
            "topic": {"value": self.topic, "creator": "", "last_set": 0},
            "purpose": {"value": self.purpose, "creator": "", "last_set": 0},
            "previous_names": [],
        }
        if include_num_members:
            d["num_members"] = len(self.members)
        return d


@dataclass
class Ephemeral:
    """An ephemeral message shown to one person only."""

    channel: str
    user: str
    ts: str
    text: str = ""
    blocks: list | None = None
    thread_ts: str | None = None
    source: str = "chat.postEphemeral"
    response_url: str | None = None

    def to_dict(self) -> dict:
        """Return a plain dict for tests and the control API."""
        return {
            "channel": self.channel,
            "user": self.user,
            "ts": self.ts,
            "text": self.text,
            "blocks": copy.deepcopy(self.blocks),
            "thread_ts": self.thread_ts,
            "source": self.source,
        }


@dataclass
class File:
    """A file uploaded through files v2."""

    id: str
    name: str
    length: int
    user: str
    created: int
    alt_txt: str | None = None
    title: str | None = None
    data: bytes | None = None
    completed: bool = False
    processed_at: float | None = None
    share_to: list[tuple[str, str | None, str, list | None]] = field(default_factory=list)
    shares: dict[str, list[dict]] = field(default_factory=dict)

    def is_processed(self, now: float) -> bool:
        """True once the upload is complete and Slack has finished processing it."""
        return self.completed and self.processed_at is not None and now >= self.processed_at


@dataclass
class View:
    """A modal or Home tab view as Slack holds it."""

    id: str
    user: str
    body: dict
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    state: dict = field(default_factory=dict)
    errors: dict | None = None

    def to_api(self, *, team_id: str, app_id: str, bot_id: str) -> dict:
        """Return the ``view`` object of views.* answers and interaction payloads."""
        b = self.body
        d = {
            "id": self.id,
            "team_id": team_id,
            "type": b.get("type"),
            "blocks": copy.deepcopy(b.get("blocks", [])),
            "private_metadata": b.get("private_metadata", ""),
            "callback_id": b.get("callback_id", ""),
            "state": {"values": copy.deepcopy(self.state)},
            "hash": self.hash,
            "title": copy.deepcopy(b.get("title")),
            "clear_on_close": bool(b.get("clear_on_close", False)),
            "notify_on_close": bool(b.get("notify_on_close", False)),
            "close": copy.deepcopy(b.get("close")),
            "submit": copy.deepcopy(b.get("submit")),
            "previous_view_id": self.previous_view_id,
            "root_view_id": self.root_view_id,
            "app_id": app_id,
            "external_id": b.get("external_id", ""),
            "app_installed_team_id": team_id,
            "bot_id": bot_id,
        }
        if b.get("type") == "home":
            for k in ("title", "close", "submit", "clear_on_close", "notify_on_close"):
                d.pop(k, None)
        return d


@dataclass
class Trigger:
    """A trigger_id handed to the app with an interaction."""

    id: str
    user: str
    issued_at: float
    used: bool = False
    in_view: str | None = None


@dataclass
class ResponseUrl:
    """A response_url handed to the app: where it came from and how often it was used."""

    token: str
    user: str
    channel: str | None
    issued_at: float
    source_ts: str | None = None
    source_ephemeral: bool = False
    uses: list[float] = field(default_factory=list)


class Ids:
    """Deterministic Slack-looking id and ts generator."""

    def __init__(self) -> None:
        self.counters: dict[str, int] = {}
        self.last_ts = (0, 0)

    def next(self, prefix: str) -> str:
        """Return the next id with this prefix, e.g. ``C10000001``."""
        n = self.counters.get(prefix, 0) + 1
        self.counters[prefix] = n
        return f"{prefix}{10000000 + n}"

    def ts(self, now: float) -> str:
        """Return a unique, increasing message ts for this time."""
        sec, micro = int(now), int(round((now % 1) * 1_000_000)) % 1_000_000
        if (sec, micro) <= self.last_ts:
            sec, micro = self.last_ts[0], self.last_ts[1] + 1
            if micro >= 1_000_000:
                sec, micro = sec + 1, 0
        self.last_ts = (sec, micro)
        return f"{sec}.{micro:06d}"

    def trigger(self) -> str:
        """Return a trigger_id shaped like Slack's."""
        n = self.counters.get("trigger", 0) + 1
        self.counters["trigger"] = n
        return f"{1000000000 + n}.{700000000 + n}.{secrets.token_hex(16)}"


class Workspace:
    """Everything the emulated Slack holds about one workspace and one installed app."""

    def __init__(
        self,
        *,
        team_id: str,
        team_domain: str,
        app_id: str,
        bot_id: str,
        bot_user_id: str,
        bot_name: str,
        scopes: tuple[str, ...],
    ) -> None:
        self.team_id = team_id
        self.team_domain = team_domain
        self.app_id = app_id
        self.bot_id = bot_id
        self.bot_user_id = bot_user_id
        self.scopes = set(scopes)
        self.ids = Ids()
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.ephemerals: list[Ephemeral] = []
        self.files: dict[str, File] = {}
        self.upload_tokens: dict[str, str] = {}
        self.views: dict[str, View] = {}
        self.stacks: dict[str, list[str]] = {}
        self.homes: dict[str, str] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self.users[bot_user_id] = User(
            id=bot_user_id,
            name=bot_name,
            real_name=bot_name,
            team_id=team_id,
            is_bot=True,
            bot_id=bot_id,
        )

    # people and channels

    def add_user(
        self,
        name: str,
        *,
        real_name: str | None = None,
        is_admin: bool = False,
        is_owner: bool = False,
        tz: str = "Europe/London",
    ) -> str:
        """Create a person and return their user id."""
        uid = self.ids.next("U")
        self.users[uid] = User(
            id=uid,
            name=name,
            real_name=real_name or name.title(),
            team_id=self.team_id,
            is_admin=is_admin,
            is_owner=is_owner,
            tz=tz,
        )
        return uid

    def user_id(self, ref: str) -> str:
        """Resolve a user id or name to an id; raise KeyError if unknown."""
        if ref in self.users:
            return ref
        for u in self.users.values():
            if u.name == ref.lstrip("@"):
                return u.id
        raise KeyError(f"no such user: {ref}")

    def add_channel(
        self,
        name: str,
        *,
        private: bool = False,
        members: list[str] = (),
        bot_member: bool = False,
        archived: bool = False,
    ) -> str:
        """Create a channel and return its id (``C…``: like today's Slack, private channels too)."""
        cid = self.ids.next("C")
        ids = [self.user_id(m) for m in members]
        ch = Channel(
            id=cid,
            name=name,
            is_private=private,
            is_archived=archived,
            members=set(ids),
            creator=ids[0] if ids else "",
        )
        if bot_member:
            ch.members.add(self.bot_user_id)
        self.channels[cid] = ch
        return cid

    def channel_id(self, ref: str) -> str:
        """Resolve a channel id or ``#name`` to an id; raise KeyError if unknown."""
        if ref in self.channels:
            return ref
        for c in self.channels.values():
            if not c.is_im and c.name == ref.lstrip("#"):
                return c.id
        raise KeyError(f"no such channel: {ref}")

    def im_with(self, user: str) -> Channel:
        """Return (creating it if needed) the DM channel between the bot and a person."""
        for c in self.channels.values():
            if c.is_im and c.im_user == user:
                return c
        cid = self.ids.next("D")
        ch = Channel(
            id=cid, name=cid, is_private=True, is_im=True, im_user=user, members={user, self.bot_user_id}
        )
        self.channels[cid] = ch
        return ch

    def can_see(self, ch: Channel) -> bool:
        """True if the bot can see the channel at all (public, or private/DM with the bot in it)."""
        return not ch.is_private or self.bot_user_id in ch.members

    # messages

    def add_message(self, ch: Channel, msg: Message) -> Message:
        """Store a message, linking a reply to its parent thread."""
        ch.messages.append(msg)
        if msg.thread_ts:
            parent = ch.message(msg.thread_ts)
            if parent is not None and msg.ts != parent.ts:
                parent.thread_ts = parent.ts
                parent.replies.append(msg.ts)
        return msg

    def remove_message(self, ch: Channel, msg: Message) -> None:
        """Delete a message; a parent with replies leaves a tombstone as in Slack."""
        if msg.replies:
            msg.subtype, msg.text, msg.blocks, msg.attachments, msg.files = (
                "tombstone",
                "This message was deleted.",
                None,
                None,
                None,
            )
            msg.metadata = None
            return
        ch.messages.remove(msg)
        if msg.is_reply:
            parent = ch.message(msg.thread_ts)
            if parent is not None and msg.ts in parent.replies:
                parent.replies.remove(msg.ts)

    def permalink(self, ch: Channel, msg: Message) -> str:
        """Return a permalink shaped like Slack's."""
        link = f"https://{self.team_domain}.slack.com/archives/{ch.id}/p{msg.ts.replace('.', '')}"
        if msg.is_reply:
            link += f"?thread_ts={msg.thread_ts}&cid={ch.id}"
        return link

    # triggers and response urls

    def issue_trigger(self, user: str, now: float, *, in_view: str | None = None) -> str:
        """Issue a trigger_id to an interaction by this person."""
        tid = self.ids.trigger()
        self.triggers[tid] = Trigger(id=tid, user=user, issued_at=now, in_view=in_view)
        return tid

    def issue_response_url(
        self,
        base: str,
        user: str,
        channel: str | None,
        now: float,
        *,
        source_ts: str | None = None,
        source_ephemeral: bool = False,
    ) -> str:
        """Issue a response_url pointing at the emulator."""
        token = secrets.token_hex(12)
        self.response_urls[token] = ResponseUrl(
            token=token,
            user=user,
            channel=channel,
            issued_at=now,
            source_ts=source_ts,
            source_ephemeral=source_ephemeral,
        )
        return f"{base}respond/{self.team_id}/{token}"

    # views

    def new_view(
        self, user: str, body: dict, now: float, *, root: str | None = None, previous: str | None = None
    ) -> View:
        """Create a view for this person (not yet on any stack)."""
        vid = self.ids.next("V")
        view = View(
            id=vid,
            user=user,
            body=body,
            hash=self.new_hash(now),
            root_view_id=root or vid,
            previous_view_id=previous,
        )
        self.views[vid] = view
        return view

    def new_hash(self, now: float) -> str:
        """Return a fresh view hash."""
        return f"{now:.6f}.{secrets.token_hex(4)}"

    def stack(self, user: str) -> list[View]:
        """Return the modal stack of this person, bottom first."""
        return [self.views[v] for v in self.stacks.get(user, [])]
