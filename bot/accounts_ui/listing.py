"""/ig accounts: the person's accounts with their health, problems first, one page at a time."""

from __future__ import annotations

from bot.accounts_ui import blocks as account_blocks
from bot.accounts_ui.health import account_health, now_of, page_of
from bot.deps import Deps
from bot.edges.ids import page_number

USAGE = "Usage: `/ig accounts [page]` — e.g. `/ig accounts 2`."


def parse_page(args: str) -> int | None:
    """Return the page asked for (1 when none), or None when the argument is not a page number."""
    word = args.strip()
    if not word:
        return 1
    return page_number(word)


async def accounts_reply(deps: Deps, user_id: str, page: int) -> tuple[str, list[dict]]:
    """Return the text and blocks of one page of /ig accounts for this person."""
    rows, is_admin = await account_health(deps, user_id)
    shown, page, pages = page_of(rows, page, account_blocks.MESSAGE_PAGE)
    return account_blocks.accounts_message(
        shown, page=page, pages=pages, total=len(rows), troubled=sum(1 for r in rows if r.problems),
        is_admin=is_admin, now=now_of(deps))
