"""The GraphAccount for a stored account: its row and its decrypted token."""

from __future__ import annotations

from bot.cipher import TokenCipher
from bot.graph.account import GraphAccount
from bot.graph.errors import AccountNeedsReconnect
from storage import tokens as token_rows
from storage.db import Store


async def graph_account(store: Store, cipher: TokenCipher, account: dict) -> GraphAccount:
    """Return the account as the Graph client needs it; AccountNeedsReconnect when it has no token."""
    row = await store.run(token_rows.get_token, account["id"])
    if row is None:
        raise AccountNeedsReconnect(f"@{account['username']} has no stored token; reconnect it with /ig connect")
    return GraphAccount(id=account["ig_user_id"], ig_user_id=account["ig_user_id"], login=account["login"],
                        token=cipher.decrypt(row["ciphertext"]), page_id=account.get("page_id"),
                        username=account["username"])
