"""The page's regions as HTML: Slack's sidebar, channel or Home, thread and modal; Instagram's account panel.

Each region is rendered from the emulators' state for one person and one place (:class:`Where`); the script
replaces a region when its HTML changes, so what is shown is always what the emulators hold.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from .blocks import Context, data, render_blocks
from .mrkdwn import esc, mrkdwn, plain

if TYPE_CHECKING:
    from sandbox.graph import GraphEmulator
    from sandbox.slack import SlackEmulator

IMAGE_FILES = ("png", "jpg", "jpeg", "gif")
PRODUCT = {"FEED": "Post", "REELS": "Reel", "STORY": "Story", "AD": "Ad"}


@dataclass(frozen=True)
class Where:
    """Who is looking at what: a person's name, a channel id (or the Home tab) and an open thread."""

    person: str
    channel: str = ""
    thread: str = ""
    home: bool = False

    def url(self, **change) -> str:
        """The page URL for this place with some fields changed."""
        fields = {"as": self.person, "c": self.channel, "thread": self.thread, "home": "1" if self.home else ""}
        fields.update({k: v for k, v in change.items()})
        return "/?" + urlencode({k: v for k, v in fields.items() if v})


def clock(ts: str | float) -> str:
    """Return a ``<time>`` the script shows in the viewer's local time (UTC until then)."""
    seconds = float(ts)
    full = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(seconds))
    return f'<time data-epoch="{seconds:.0f}" title="{full}">{time.strftime("%H:%M", time.gmtime(seconds))}</time>'


class SlackView:
    """Render the Slack side for one person."""

    def __init__(self, slack: SlackEmulator, where: Where) -> None:
        self.slack = slack
        self.ws = slack.ws
        self.where = where
        self.uid = self.ws.user_id(where.person)

    def names(self, ref: str) -> str:
        """A user's or channel's name for an id (the id itself if unknown)."""
        if ref in self.ws.users:
            return self.ws.users[ref].name
        if ref in self.ws.channels:
            return self.ws.channels[ref].name
        return ref

    def context(self, **extra) -> Context:
        """The rendering context of this workspace."""
        return Context(
            names=self.names,
            file_url=self.file_url,
            channels=[(c.id, c.name) for c in self.ws.channels.values() if not c.is_im],
            users=[(u.id, u.name) for u in self.ws.users.values() if not u.is_bot],
            **extra,
        )

    def file_url(self, file_id: str) -> str | None:
        """The page's URL for a Slack file, if it is an image the page can show."""
        f = self.ws.files.get(file_id)
        if f is None or f.name.rsplit(".", 1)[-1].lower() not in IMAGE_FILES:
            return None
        return f"/ui/files/{esc(file_id)}"

    # sidebar

    def channels(self) -> list:
        """Channels the person is in, by name."""
        return sorted((c for c in self.ws.channels.values() if not c.is_im and self.uid in c.members),
                      key=lambda c: c.name)

    def sidebar(self) -> str:
        """The workspace name, the person's channels and the app."""
        items = []
        for c in self.channels():
            current = " current" if c.id == self.where.channel and not self.where.home else ""
            mark = "🔒" if c.is_private else "#"
            items.append(f'<a class="nav{current}" href="{esc(self.where.url(c=c.id, thread="", home=""))}">'
                         f'<span class="hash">{mark}</span> {esc(c.name)}</a>')
        home = " current" if self.where.home else ""
        app = (f'<a class="nav{home}" href="{esc(self.where.url(home="1", thread=""))}">'
               f'<span class="app-dot"></span> {esc(self.ws.users[self.ws.bot_user_id].name)}</a>')
        return (f'<div class="team">{esc(self.ws.team_domain)}</div>'
                f'<div class="section-title">Channels</div>{"".join(items) or "<p class=muted>No channels</p>"}'
                f'<div class="section-title">Apps</div>{app}')

    # messages

    def author(self, user: str) -> tuple[str, bool]:
        """The name shown on a message and whether it is an app."""
        u = self.ws.users.get(user)
        if u is None:
            return user, False
        return u.name, u.is_bot

    def message(self, ch, m: dict, *, in_thread: bool = False) -> str:
        """One message: avatar, name, time, blocks (or text), files, thread summary."""
        name, is_app = self.author(m.get("user", ""))
        ctx = self.context()
        if m.get("subtype") == "tombstone":
            body = '<div class="text muted">This message was deleted.</div>'
        elif m.get("blocks"):
            body = render_blocks(m["blocks"], ctx)
        else:
            body = f'<div class="text">{mrkdwn(str(m.get("text", "")), self.names)}</div>'
        for f in m.get("files") or []:
            body += self.file(f)
        if m.get("edited"):
            body += '<span class="edited">(edited)</span>'
        if m.get("reply_count") and not in_thread:
            body += (f'<a class="replies" href="{esc(self.where.url(c=ch.id, thread=m["ts"], home=""))}">'
                     f'{m["reply_count"]} repl{"y" if m["reply_count"] == 1 else "ies"}</a>')
        container = data({"channel": ch.id, "message_ts": m["ts"]})
        return self.frame(name, is_app, m["ts"], body, container)

    def frame(self, name: str, is_app: bool, ts: str, body: str, container: str, *, note: str = "") -> str:
        """The common frame of a message: avatar, name, app tag, time, note."""
        badge = '<span class="app-tag">APP</span>' if is_app else ""
        initial = esc((name[:1] or "?").upper())
        hue = sum(map(ord, name)) % 8
        return (f'<div class="msg{" ephemeral" if note else ""}" data-container="{container}" data-ts="{esc(ts)}">'
                f'<div class="avatar hue-{hue}">{initial}</div>'
                f'<div class="msg-main"><div class="msg-head"><b>{esc(name)}</b>{badge} {clock(ts)}{note}</div>'
                f"{body}</div></div>")

    def ephemeral(self, e: dict) -> str:
        """A message only this person sees, with Slack's note."""
        name, _ = self.author(self.ws.bot_user_id)
        if e.get("blocks"):
            body = render_blocks(e["blocks"], self.context())
        else:
            body = f'<div class="text">{mrkdwn(str(e.get("text", "")), self.names)}</div>'
        container = data({"channel": e["channel"], "message_ts": e["ts"]})
        note = ' <span class="only-you">Only visible to you</span>'
        return self.frame(name, True, e["ts"], body, container, note=note)

    def file(self, f: dict) -> str:
        """A file shared in a message: the image itself, or its name."""
        url = self.file_url(str(f.get("id", "")))
        title = esc(f.get("title") or f.get("name") or "file")
        if url:
            return (f'<div class="file"><div class="caption">{title}</div>'
                    f'<img class="picture" src="{url}" alt="{title}"></div>')
        return f'<div class="file">📎 {title}</div>'

    def channel_id(self) -> str:
        """The channel shown: the chosen one, else the person's first."""
        if self.where.channel in self.ws.channels:
            return self.where.channel
        first = self.channels()
        return first[0].id if first else ""

    def main(self) -> str:
        """The centre column: the channel's messages with this person's ephemerals, or the Home tab."""
        if self.where.home:
            return self.home()
        cid = self.channel_id()
        if not cid:
            return '<div class="empty">You are in no channel.</div>'
        ch = self.ws.channels[cid]
        items = [(m["ts"], self.message(ch, m)) for m in self.slack.messages(cid)]
        items += [(e["ts"], self.ephemeral(e)) for e in self.slack.ephemerals(user=self.uid, channel=cid)
                  if not e.get("thread_ts")]
        items.sort(key=lambda item: float(item[0]))
        body = "".join(html for _, html in items) or '<div class="empty">No messages yet.</div>'
        topic = f'<span class="topic">{esc(ch.topic)}</span>' if ch.topic else ""
        return (f'<div class="channel-head"><b>{"🔒" if ch.is_private else "#"} {esc(ch.name)}</b>{topic}'
                f'<span class="members">{len(ch.members)} members</span></div>'
                f'<div class="messages" data-channel="{esc(cid)}">{body}</div>')

    def home(self) -> str:
        """The app's Home tab as this person sees it, and the app's messages with them."""
        view = self.slack.home_of(self.uid)
        head = '<div class="channel-head"><b>🏠 igbot · Home</b></div>'
        if view is None:
            return head + f'<div class="home"><div class="empty">Opening the Home tab…</div>{self.dms()}</div>'
        body = render_blocks(view.get("blocks"), self.context())
        return head + f'<div class="home" data-container="{data({"view_id": view["id"]})}">{body}{self.dms()}</div>'

    def dms(self) -> str:
        """The app's direct messages with this person (the Home tab's Messages), if any."""
        im = next((c for c in self.ws.channels.values() if c.is_im and c.im_user == self.uid), None)
        if im is None or not im.messages:
            return ""
        rows = "".join(self.message(im, m) for m in self.slack.messages(im.id))
        return f'<div class="block header">Messages</div><div class="dm-list">{rows}</div>'

    def thread(self) -> str:
        """The open thread: the parent and its replies (and ephemerals in it)."""
        cid = self.channel_id()
        if not self.where.thread or not cid or self.where.home:
            return ""
        ch = self.ws.channels[cid]
        msgs = self.slack.thread(cid, self.where.thread)
        if not msgs:
            return ""
        items = [(m["ts"], self.message(ch, m, in_thread=True)) for m in msgs]
        items += [(e["ts"], self.ephemeral(e)) for e in self.slack.ephemerals(user=self.uid, channel=cid)
                  if e.get("thread_ts") == self.where.thread]
        items.sort(key=lambda item: float(item[0]))
        close = esc(self.where.url(thread=""))
        return (f'<div class="channel-head"><b>Thread</b> <span class="muted">#{esc(ch.name)}</span>'
                f'<a class="close" href="{close}" title="Close">×</a></div>'
                f'<div class="messages">{"".join(html for _, html in items)}</div>')

    def modal(self, client_errors: dict | None = None) -> str:
        """The top of the person's modal stack as a form, with Slack's and the app's errors."""
        stack = self.slack.views_of(self.uid)
        if not stack:
            return ""
        view = stack[-1]
        errors = {**(client_errors or {}), **(view.get("errors") or {})}
        ctx = self.context(state=(view.get("state") or {}).get("values", {}), errors=errors)
        title = plain(str((view.get("title") or {}).get("text", "")))
        submit = (f'<button type="submit" class="btn primary">{plain(str(view["submit"]["text"]))}</button>'
                  if view.get("submit") else "")
        close = plain(str((view.get("close") or {}).get("text", "Cancel")))
        back = " back" if len(stack) > 1 else ""
        return (f'<div class="overlay"><form class="modal" data-modal="1" data-view="{esc(view["id"])}" '
                f'data-container="{data({"view_id": view["id"]})}">'
                f'<div class="modal-head"><span class="app-dot"></span><b>{title}</b>'
                f'<button type="button" class="close{back}" data-close="1" title="Close">×</button></div>'
                f'<div class="modal-body">{render_blocks(view.get("blocks"), ctx)}</div>'
                f'<div class="modal-foot"><button type="button" class="btn" data-close="1">{close}</button>'
                f"{submit}</div></form></div>")


class InstagramView:
    """Render the Instagram side: each account's posts with their comments, and mentions of it."""

    def __init__(self, graph: GraphEmulator) -> None:
        self.graph = graph
        self.state = graph.state

    def accounts(self) -> list:
        """The emulated accounts (not the outside people who mention them)."""
        return [a for a in self.state.accounts.values() if not a.is_external]

    def posts(self, acct) -> list:
        """An account's live posts, newest first (album children are shown inside their album)."""
        own = [m for m in self.state.media.values()
               if m.owner_id == acct.ig_user_id and not m.parent_id and not m.deleted]
        return sorted(own, key=lambda m: m.timestamp, reverse=True)

    def comment(self, c, acct, replies: list) -> str:
        """One comment with its replies; hidden ones are marked as Instagram shows them to the owner."""
        who = f"@{acct.username}" if c.by_owner else f"@{c.username}"
        flags = ' <span class="badge hidden-badge">hidden</span>' if c.hidden else ""
        reply = ("" if c.parent_id else
                 f'<button type="button" class="link" data-reply="{esc(c.id)}" data-media="{esc(c.media_id)}" '
                 f'data-who="{esc(c.username)}">Reply</button>')
        inner = "".join(self.comment(r, acct, []) for r in replies)
        return (f'<div class="ig-comment{" is-hidden" if c.hidden else ""}" data-comment="{esc(c.id)}">'
                f'<div><b>{esc(who)}</b> <span class="ig-text">{esc(c.text)}</span>{flags}</div>'
                f'<div class="ig-meta">{clock(c.timestamp)} {reply}</div>'
                f'{f"<div class=ig-replies>{inner}</div>" if inner else ""}</div>')

    def post(self, m, acct) -> str:
        """A post card: kind, caption, time, likes, whether it was published through the API, comments."""
        comments = [c for c in self.state.comments.values() if c.media_id == m.id and not c.deleted]
        top = sorted((c for c in comments if not c.parent_id), key=lambda c: c.timestamp)
        kind = PRODUCT.get(m.media_product_type, m.media_product_type)
        if m.media_type == "CAROUSEL_ALBUM":
            kind = f"Carousel · {len(m.children)}"
        published = ' <span class="badge published">published via API</span>' if m.container_id else ""
        body = "".join(self.comment(c, acct, sorted((r for r in comments if r.parent_id == c.id),
                                                    key=lambda r: r.timestamp)) for c in top)
        can_comment = m.media_product_type != "STORY" and m.is_comment_enabled
        action = (f'<button type="button" class="link" data-comment-on="{esc(m.id)}" '
                  f'data-caption="{esc(m.caption[:40])}">Comment</button>' if can_comment else
                  '<span class="muted">Stories take no comments</span>' if m.media_product_type == "STORY" else "")
        return (f'<div class="ig-post" data-media="{esc(m.id)}"><div class="ig-tile">{esc(kind)}</div>'
                f'<div class="ig-post-main"><div class="ig-caption">{esc(m.caption) or "<i>no caption</i>"}</div>'
                f'<div class="ig-meta">{clock(m.timestamp)} · ♥ {m.like_count} · {len(comments)} comments'
                f"{published} {action}</div>"
                f'<div class="ig-comments">{body}</div></div></div>')

    def mentions(self, acct) -> str:
        """Comments on other people's posts that mention the account."""
        found = [c for c in self.state.comments.values() if c.mentioned_ig_user_id == acct.ig_user_id]
        if not found:
            return ""
        rows = "".join(f'<div class="ig-comment"><b>@{esc(c.username)}</b> <span class="ig-text">{esc(c.text)}'
                       f'</span><div class="ig-meta">{clock(c.timestamp)}</div></div>'
                       for c in sorted(found, key=lambda c: c.timestamp, reverse=True))
        return f'<div class="ig-section">Mentions of @{esc(acct.username)}</div>{rows}'

    def panel(self) -> str:
        """Every account: profile line, mentions, posts."""
        out = []
        for acct in self.accounts():
            posts = self.posts(acct)
            out.append(f'<div class="ig-profile" data-account="{esc(acct.username)}"><div class="ig-avatar">'
                       f'{esc(acct.username[:1].upper())}</div><div><b>@{esc(acct.username)}</b>'
                       f'<div class="ig-meta">{len(posts)} posts · {acct.followers_count:,} followers</div>'
                       f'<div class="ig-bio">{esc(acct.biography)}</div></div></div>')
            out.append(self.mentions(acct))
            out.append("".join(self.post(m, acct) for m in posts))
        return "".join(out) or '<div class="empty">No Instagram account.</div>'
