"""Block Kit for account health: one section per account, a pager, within Slack's block limits."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.accounts_ui.health import AccountHealth, moment
from bot.blocks import escape

MESSAGE_PAGE = 40  # accounts per /ig accounts message: 40 + header, summary, pager <= 50 blocks
PAGE_ACTION = "accounts_page"


def _date(value: str | None) -> str:
    found = moment(value)
    return found.strftime("%Y-%m-%d") if found else "—"


def _ago(value: str | None, now: datetime) -> str:
    found = moment(value)
    if not found:
        return "never"
    seconds = (now - found).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return "just now"


def _throttling(usage: dict, now: datetime) -> str:
    mine = usage.get("account") or {}
    blocked = mine.get("blocked_until")
    if blocked:
        return "blocked until " + datetime.fromtimestamp(blocked, UTC).strftime("%H:%M UTC")
    paused = mine.get("background_paused_until")
    pct = mine.get("pct")
    text = f"{pct:.0f}% used" if pct is not None else "no reading"
    return text + (" (background paused)" if paused else "")


def _quota(quota: dict | None) -> str:
    if not quota:
        return "no reading"
    return f"{quota['used']}/{quota['total']} in 24 h"


def _expiries(facts: dict) -> str:
    """'token valid until …' or 'token never expires', then the data-access end when Meta gave one."""
    expires, data_access = facts.get("token_expires_at"), facts.get("data_access_expires_at")
    token = f"token valid until {_date(expires)}" if expires else "token never expires"
    return token + (f" · data access until {_date(data_access)}" if data_access else "")


def account_text(health: AccountHealth, now: datetime) -> str:
    """The mrkdwn lines for one account (usernames escaped)."""
    account, facts = health.account, health.facts
    flag = ":warning: " + escape("; ".join(health.problems)) if health.problems else ":white_check_mark: healthy"
    return (f"*@{escape(account['username'])}* · {flag} · <#{account['channel_id']}>\n"
            f"{_expiries(facts)} · throttling {_throttling(health.usage, now)} · quota {_quota(facts.get('quota'))}\n"
            f"last webhook {_ago(facts.get('webhook_seen'), now)} · "
            f"{facts.get('posts_pending', 0)} post(s) pending")


def account_section(health: AccountHealth, now: datetime) -> dict:
    """One account as a section block."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": account_text(health, now), "verbatim": True}}


def pager_ids(action_id: str) -> tuple[str, str]:
    """The action ids of a pager's Next and Previous buttons."""
    return action_id, f"{action_id}_prev"


PAGE_ACTIONS = pager_ids(PAGE_ACTION)


def pager(action_id: str, page: int, pages: int) -> dict | None:
    """Previous/Next buttons carrying the page to show, or None when there is one page."""
    if pages <= 1:
        return None
    buttons = []
    if page > 1:
        buttons.append({"type": "button", "action_id": pager_ids(action_id)[1], "value": str(page - 1),
                        "text": {"type": "plain_text", "text": "Previous page"}})
    if page < pages:
        buttons.append({"type": "button", "action_id": action_id, "value": str(page + 1),
                        "text": {"type": "plain_text", "text": "Next page"}})
    return {"type": "actions", "block_id": f"{action_id}_pager", "elements": buttons}


def accounts_message(rows: list[AccountHealth], *, page: int, pages: int, total: int, troubled: int,
                     is_admin: bool, now: datetime) -> tuple[str, list[dict]]:
    """The /ig accounts reply for one page: (fallback text, blocks)."""
    if not total:
        hint = "Connect one with `/ig connect`." if is_admin else "Ask an igbot admin to give you a role on one."
        text = f"You can see no Instagram account yet. {hint}"
        return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    summary = f"{total} account(s), {troubled} with a problem" + (f" · page {page} of {pages}" if pages > 1 else "")
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Instagram accounts"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": summary}]},
        *(account_section(h, now) for h in rows),
    ]
    nav = pager(PAGE_ACTION, page, pages)
    if nav:
        blocks.append(nav)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn",
                       "text": f"Or type `/ig accounts {min(page + 1, pages)}` for another page."}]})
    return f"Instagram accounts: {summary}", blocks
