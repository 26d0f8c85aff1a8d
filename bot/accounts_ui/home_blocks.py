"""The App Home view: actions, the person's accounts with their health (paged), next posts, last digests."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.accounts_ui.blocks import account_section, pager, pager_ids
from bot.accounts_ui.health import AccountHealth, moment
from bot.blocks import escape

HOME_PAGE = 30  # accounts per Home page; the whole view stays well under Slack's 100 blocks
PAGE_ACTION = "home_page"
PAGE_ACTIONS = pager_ids(PAGE_ACTION)
COMPOSE_ACTION = "home_compose"
CONNECT_ACTION = "home_connect"
CAPTION_CHARS = 60
HEADLINE_METRICS = (("reach", "reach"), ("views", "views"), ("accounts_engaged", "accounts engaged"),
                    ("total_interactions", "interactions"))


def _header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def _buttons() -> dict:
    return {"type": "actions", "block_id": "home_buttons", "elements": [
        {"type": "button", "action_id": COMPOSE_ACTION, "style": "primary",
         "text": {"type": "plain_text", "text": "Compose a post"}},
        {"type": "button", "action_id": CONNECT_ACTION, "text": {"type": "plain_text", "text": "Connect an account"}},
    ]}


def post_line(post: dict, username: str, zone: str) -> str:
    """One upcoming post: when (in the account's zone), account, kind, caption start, state."""
    when = moment(post["go_at"])
    try:
        local = when.astimezone(ZoneInfo(zone)).strftime("%a %d %b %H:%M") if when else "—"
    except (KeyError, ValueError):
        local = when.strftime("%a %d %b %H:%M UTC") if when else "—"
    caption = (post.get("caption") or "").replace("\n", " ")
    if len(caption) > CAPTION_CHARS:
        caption = caption[:CAPTION_CHARS - 1] + "…"
    state = post["state"].replace("_", " ") + (f", held: {post['hold']}" if post.get("hold") else "")
    quoted = f" — “{escape(caption)}”" if caption else ""
    return f"• {local} · *@{escape(username)}* · {post['kind']} #{post['id']} ({state}){quoted}"


def digest_line(run: dict, username: str) -> str:
    """One account's last digest headline numbers."""
    parts = [f"{run['metrics'][key]:,} {label}" for key, label in HEADLINE_METRICS if key in run["metrics"]]
    if run.get("followers_count") is not None:
        parts.append(f"{run['followers_count']:,} followers")
    numbers = " · ".join(parts) or "no numbers stored"
    return f"• *@{escape(username)}* — {run.get('reported_day') or run['day']}: {numbers}"


def home_view(rows: list[AccountHealth], *, page: int, pages: int, total: int, troubled: int, is_admin: bool,
              upcoming: list[dict], upcoming_total: int, digests: list[dict], names: dict[int, dict],
              now: datetime) -> dict:
    """Return the Home tab for one page of the person's accounts."""
    body: list[dict] = [
        _header("igbot"),
        _section("Instagram comments, posts and digests, right here in Slack. Type `/ig help` in any channel."),
        _buttons(),
        {"type": "divider"},
        _header("Your accounts"),
    ]
    if not total:
        hint = "Connect one with the button above." if is_admin else \
            "Ask an igbot admin to give you a role on an account, or connect one with the button above."
        body.append(_section(f"No accounts yet. {hint}"))
    else:
        body.append(_context(f"{total} account(s), {troubled} with a problem"
                             + (f" · page {page} of {pages} · `/ig accounts` lists them in a channel"
                                if pages > 1 else "")))
        body += [account_section(h, now) for h in rows]
        nav = pager(PAGE_ACTION, page, pages)
        if nav:
            body.append(nav)
    body += [{"type": "divider"}, _header("Next 7 days")]
    if upcoming:
        body += [_section(post_line(p, names[p["account_id"]]["username"], names[p["account_id"]]["timezone"]))
                 for p in upcoming]
        if upcoming_total > len(upcoming):
            body.append(_context(f"…and {upcoming_total - len(upcoming)} more; `/ig queue` shows them all."))
    else:
        body.append(_context("Nothing scheduled in the next 7 days."))
    body += [{"type": "divider"}, _header("Last digests")]
    if digests:
        body += [_section(digest_line(r, names[r["account_id"]]["username"])) for r in digests]
    else:
        body.append(_context("No digest has been sent yet."))
    return {"type": "home", "blocks": body}
