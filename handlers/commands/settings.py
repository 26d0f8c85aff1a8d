"""/ig settings <account> [digest HH:MM] [timezone Area/City] [weekly on|off] [approval on|off] (admin)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncAck

from bot import access, blocks
from bot.deps import Deps
from bot.settings import SettingsInputError, describe, parse_settings
from storage import accounts as account_rows


async def handle_settings(ack: AsyncAck, command: dict, deps: Deps, args: str, **_: object) -> None:
    """Show or change an account's settings; admins of the account only."""
    try:
        request = parse_settings(args)
    except SettingsInputError as exc:
        await ack(text=f":x: {exc}")
        return
    account = await deps.store.run(account_rows.get_account_by_username, request.account)
    if account is None:
        await ack(text=f":x: I know no account `{blocks.escape(request.account)}`. `/ig accounts` lists them.")
        return
    user_id = command.get("user_id", "")
    decision = await access.authorize(deps, user_id=user_id, account=account, needed="admin", action="settings")
    if not decision.allowed:
        await ack(text=decision.message)
        return
    if not request.changes:
        await ack(text=f":gear: {describe(account)}")
        return
    updated = await deps.store.run(account_rows.update_settings, account["id"], **request.changes)
    await access.record(deps, user_id=user_id, action="settings", account=account, result="ok",
                        detail=", ".join(f"{k}={v}" for k, v in request.changes.items()))
    await ack(text=f":white_check_mark: Saved. {describe(updated)}")
