"""/ig connect — a personal link to connect an account here; /ig connect <account> — bind this channel (admin)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import access, blocks
from bot.channels import ensure_member
from bot.connect.links import ConnectUnavailable, connect_blocks, may_connect, new_connect_link, refusal
from bot.deps import Deps
from storage import accounts as account_rows


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
        await offer_link(ack, respond, client, deps, user_id=user_id, channel_id=channel_id)
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


async def offer_link(ack: AsyncAck, respond: AsyncRespond, client: AsyncWebClient, deps: Deps, *, user_id: str,
                     channel_id: str) -> None:
    """Answer with a fresh personal link (admins only), once igbot is sure it can post in this channel."""
    if not await may_connect(deps, user_id):
        await ack(text=refusal(deps))
        return
    await ack()
    check = await ensure_member(client, channel_id)
    if not check.ok:
        await respond(text=f":x: {check.message}", response_type="ephemeral", replace_original=False)
        return
    try:
        link = await new_connect_link(deps, user_id=user_id, channel_id=channel_id)
    except ConnectUnavailable as exc:
        await respond(text=f":x: {exc}", response_type="ephemeral", replace_original=False)
        return
    text, link_blocks = connect_blocks(link)
    await respond(text=text, blocks=link_blocks, response_type="ephemeral", replace_original=False)
