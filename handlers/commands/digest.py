"""/ig digest <account>: post the account's digest now in this channel."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncAck

from bot import access, blocks
from bot.deps import Deps
from bot.digests.runner import run_now, start_manual
from storage import accounts as account_rows

log = logging.getLogger(__name__)
USAGE = "Usage: `/ig digest <account>`, e.g. `/ig digest @demo_shop`"


async def handle_digest(ack: AsyncAck, command: dict, deps: Deps, args: str, **_: object) -> None:
    """Check the account and the person's role, ack, then make the digest (reusing today's data)."""
    words = args.split()
    if len(words) != 1:
        what = "Which account?" if not words else f"`{blocks.escape(args.strip())}` is more than one account."
        await ack(text=f":x: {what} {USAGE}")
        return
    account = await deps.store.run(account_rows.get_account_by_username, words[0])
    if account is None:
        await ack(text=f":x: I know no account `{blocks.escape(words[0])}`. `/ig accounts` lists them. {USAGE}")
        return
    user_id = command.get("user_id", "")
    decision = await access.authorize(deps, user_id=user_id, account=account, needed="moderator",
                                      action="digest")
    if not decision.allowed:
        await ack(text=decision.message)
        return
    await ack(text=f":hourglass_flowing_sand: Making the digest for @{account['username']}; it appears here "
                   "in a moment (the scheduled one still comes at its usual time).")
    run_id = await start_manual(deps, account, channel_id=command.get("channel_id", ""), user_id=user_id)
    await access.record(deps, user_id=user_id, action="digest", account=account, result="ok",
                        target=f"digest run {run_id}")
    await run_now(deps, run_id)
