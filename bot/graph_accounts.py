"""Turn a stored account row into the GraphAccount the Graph client calls with (token decrypted)."""

from __future__ import annotations

from bot.accounts import token_kind
from bot.deps import Deps
from bot.graph import GraphAccount
from storage import tokens as token_rows


class NoToken(LookupError):
    """The account has no stored token; the message says how to fix it."""


async def graph_account(deps: Deps, account: dict) -> GraphAccount:
    """Return the account as the Graph client needs it; raise NoToken when no token is stored."""
    row = await deps.store.run(token_rows.get_token, account["id"], token_kind(account["login"])) or \
        await deps.store.run(token_rows.get_token, account["id"])
    if row is None:
        raise NoToken(f"@{account['username']} has no access token stored; reconnect it with /ig connect")
    return GraphAccount(id=account["ig_user_id"], ig_user_id=account["ig_user_id"], login=account["login"],
                        token=deps.cipher.decrypt(row["ciphertext"]), page_id=account.get("page_id") or None,
                        username=account["username"])
