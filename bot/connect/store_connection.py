"""Saving a connected account: create it or update its token, never a duplicate; then resume its work."""

from __future__ import annotations

from bot.accounts import token_kind
from bot.connect.reconnect import account_reconnected
from bot.deps import Deps
from storage import accounts as account_rows


class ConnectionConflict(Exception):
    """The account cannot be saved as it is; the message says why."""


async def save_connection(deps: Deps, *, username: str, ig_user_id: str, login: str, page_id: str | None,
                          token: str, expires_at: str | None, data_access_expires_at: str | None,
                          channel_id: str, by_user: str | None = None) -> tuple[dict, bool]:
    """Store the account's encrypted token (creating the account if new) and make it active; return (row, created)."""
    existing = await deps.store.run(account_rows.get_account_by_ig_user_id, ig_user_id)
    clash = await deps.store.run(account_rows.get_account_by_username, username)
    if clash and clash["ig_user_id"] != ig_user_id:
        raise ConnectionConflict(f"another account igbot knows is called @{username}; remove it first with "
                                 f"`igbot accounts remove {username}`")
    row = await deps.store.run(
        account_rows.save_connected, existing_id=existing["id"] if existing else None, username=username,
        ig_user_id=ig_user_id, login=login, page_id=page_id or None, channel_id=channel_id,
        token_kind=token_kind(login), ciphertext=deps.cipher.encrypt(token), expires_at=expires_at,
        data_access_expires_at=data_access_expires_at)
    await account_reconnected(deps, row, by_user=by_user)
    return await deps.store.run(account_rows.get_account, row["id"]), existing is None
