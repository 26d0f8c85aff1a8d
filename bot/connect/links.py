"""Fresh, personal, single-use connect links (10 minutes) offering both login flavors."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from bot.access import roles
from bot.deps import Deps
from storage import oauth_states as rows
from storage import roles as role_rows

OPEN_FACEBOOK_ACTION, OPEN_INSTAGRAM_ACTION = "connect_open_facebook", "connect_open_instagram"

LINK_TTL = timedelta(minutes=10)
FLAVORS = ("facebook", "instagram")


class ConnectUnavailable(Exception):
    """igbot cannot offer a connect link; the message says what the admin must set."""


@dataclass(frozen=True)
class ConnectLink:
    """The start URL of each login flavor for one state."""

    state: str
    facebook: str
    instagram: str
    expires_at: datetime


async def may_connect(deps: Deps, user_id: str) -> bool:
    """Say whether a person may connect accounts (an igbot admin, or admin of some account)."""
    grants = await deps.store.run(role_rows.roles_of, user_id)
    return user_id in deps.config.admins or any(roles.allows(r, "admin") for r in grants.values())


def refusal(deps: Deps) -> str:
    """Tell a person who may not connect accounts whom to ask."""
    who = ", ".join(f"<@{a}>" for a in deps.config.admins) or "the person who runs igbot"
    return f":no_entry: Connecting an account needs the *admin* role. Ask {who}."


async def new_connect_link(deps: Deps, *, user_id: str, channel_id: str, account: str | None = None,
                           now: datetime | None = None) -> ConnectLink:
    """Create a state tied to this person and channel (and account, for a reconnect) and return its links."""
    base = deps.config.public_url
    if not base:
        raise ConnectUnavailable("Connecting needs IGBOT_PUBLIC_URL (the public https address of igbot, which "
                                 "Meta redirects back to). Ask the person who runs igbot to set it.")
    moment = now or datetime.now(UTC)
    state = secrets.token_urlsafe(32)
    await deps.store.run(rows.add_state, state=state, slack_user_id=user_id, channel_id=channel_id,
                         account=account, now=moment, ttl=LINK_TTL)
    query = urlencode({"state": state})
    return ConnectLink(state=state, facebook=f"{base}/oauth/facebook/start?{query}",
                       instagram=f"{base}/oauth/instagram/start?{query}", expires_at=moment + LINK_TTL)


def connect_blocks(link: ConnectLink, *, account: str | None = None) -> tuple[str, list[dict]]:
    """Return the ephemeral text and blocks that offer a connect link."""
    what = f"reconnect @{account}" if account else "connect an Instagram account to this channel"
    text = (f"Here is your personal link to {what}. It works once, for 10 minutes, and only for you. "
            "Choose how the account logs in:")
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {"type": "actions", "elements": [
            {"type": "button", "action_id": OPEN_FACEBOOK_ACTION, "style": "primary",
             "text": {"type": "plain_text", "text": "Facebook Login"}, "url": link.facebook},
            {"type": "button", "action_id": OPEN_INSTAGRAM_ACTION,
             "text": {"type": "plain_text", "text": "Instagram Login"}, "url": link.instagram},
        ]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text":
            "Facebook Login: a Business or Creator account linked to a Facebook Page (all features). "
            "Instagram Login: no Page needed; mentions and some insights are not available."}]},
    ]
    return text, blocks
