"""/ig connect — a personal link to connect an account here; /ig connect <account> — bind this channel (admin)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import access, blocks, roles
from bot.channels import ensure_member
from bot.connect.links import ConnectUnavailable, connect_blocks, new_connect_link
from bot.deps import Deps
from storage import accounts as account_rows
from storage import roles as role_rows


async def handle_connect(ack: AsyncAck, command: dict, deps: Deps, args: str, client: AsyncWebClient,
                         respond: AsyncRespond, **_: object) -> None:
    """Offer a connect link, or bind this channel to an existing account."""
    user_id, channel_id = command.get("user_id", ""), command.get("channel_id", "")
    words = args.split()
    if len(words) > 1:
        await ack(text=":x: Usage: `/ig connect` (connect a new account here) or `/ig connect <account>` "
                       "(send an existing account's work to this channel).")
        return
    if not words:
        await offer_link(ack, deps, user_id=user_id, channel_id=channel_id)
        return
    account = await deps.store.run(account_rows.get_account_by_username, words[0])
    if account is None:
        await ack(text=f":x: I know no account `{blocks.escape(words[0])}`. `/ig accounts` lists them; "
                       "`/ig connect` connects a new one.")
        return
    decision = await access.authorize(deps, user_id=user_id, account=account, needed="admin", action="connect",
                                      target=channel_id)
    if not decision.allowed:
        await ack(text=decision.message)
        return
    await ack()
    check = await ensure_member(client, channel_id)
    if not check.ok:
        await respond(text=f":x: {check.message}", response_type="ephemeral", replace_original=False)
        return
    await deps.store.run(account_rows.update_settings, account["id"], channel_id=channel_id)
    await access.record(deps, user_id=user_id, action="connect", account=account, result="ok", target=channel_id)
    await deps.outbox.post(channel_id=channel_id, account_id=account["id"], payload={
        "text": f":link: <@{user_id}> moved @{account['username']}'s comments, posts and digests to this channel."})


async def offer_link(ack: AsyncAck, deps: Deps, *, user_id: str, channel_id: str) -> None:
    """Answer with a fresh personal link (admins of some account, or igbot admins, only)."""
    grants = await deps.store.run(role_rows.roles_of, user_id)
    if user_id not in deps.config.admins and not any(roles.allows(r, "admin") for r in grants.values()):
        who = ", ".join(f"<@{a}>" for a in deps.config.admins) or "the person who runs igbot"
        await ack(text=f":no_entry: Connecting an account needs the *admin* role. Ask {who}.")
        return
    try:
        link = await new_connect_link(deps, user_id=user_id, channel_id=channel_id)
    except ConnectUnavailable as exc:
        await ack(text=f":x: {exc}")
        return
    text, link_blocks = connect_blocks(link)
    await ack(text=text, blocks=link_blocks)
