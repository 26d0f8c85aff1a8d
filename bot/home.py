"""What a person sees in App Home, gathered from stored rows only (no Graph call)."""

from __future__ import annotations

from datetime import timedelta

from bot.accounts_ui import home_blocks
from bot.accounts_ui.health import account_health, now_of, page_of
from bot.deps import Deps
from storage import account_health as facts_rows

UPCOMING_DAYS = 7
UPCOMING_SHOWN = 15
DIGESTS_SHOWN = 8


async def home_view_for(deps: Deps, user_id: str, page: int = 1) -> dict:
    """Return the Home view for one page of the person's accounts."""
    rows, is_admin = await account_health(deps, user_id)
    shown, page, pages = page_of(rows, page, home_blocks.HOME_PAGE)
    ids = [r.account["id"] for r in rows]
    now = now_of(deps)
    upcoming, upcoming_total = await deps.store.run(facts_rows.upcoming_posts, ids, since=now,
                                                    until=now + timedelta(days=UPCOMING_DAYS), limit=UPCOMING_SHOWN)
    digests = await deps.store.run(facts_rows.last_digest_headlines, ids, limit=DIGESTS_SHOWN)
    names = {r.account["id"]: r.account for r in rows}
    return home_blocks.home_view(shown, page=page, pages=pages, total=len(rows),
                                 troubled=sum(1 for r in rows if r.problems), is_admin=is_admin,
                                 upcoming=upcoming, upcoming_total=upcoming_total, digests=digests, names=names,
                                 now=now)
