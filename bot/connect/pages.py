"""The small HTML pages a person sees in the browser during a connect (everything escaped, never a token)."""

from __future__ import annotations

from html import escape

from bot.connect.oauth import Outcome

STYLE = ("body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#222}"
         "h1{font-size:1.4rem}li{margin:.4rem 0}button{font-size:1rem;padding:.5rem 1.2rem}.muted{color:#666}")


def page(title: str, body: str) -> str:
    """Wrap a body in igbot's page."""
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)} · igbot</title>"
            f"<meta name='viewport' content='width=device-width'><style>{STYLE}</style></head>"
            f"<body><h1>{escape(title)}</h1>{body}</body></html>")


def problem_page(message: str) -> str:
    """A page explaining why nothing (more) was connected."""
    return page("Nothing was connected", f"<p>{escape(message)}</p>")


def choice_page(outcome: Outcome) -> str:
    """Ask which of the found Instagram accounts to connect."""
    items = "".join(
        f"<li><label><input type='checkbox' name='ig_user_id' value='{escape(c['ig_user_id'])}' checked> "
        f"@{escape(c['username'] or c['ig_user_id'])} <span class='muted'>(Page: {escape(c['page_name'] or '')})"
        "</span></label></li>" for c in outcome.choices)
    body = (f"<p>These Instagram accounts are linked to your Facebook Pages. Tick the ones to connect to the Slack "
            f"channel <code>{escape(outcome.channel_id)}</code>:</p>"
            f"<form method='post' action='/oauth/facebook/callback'>"
            f"<input type='hidden' name='choice' value='{escape(outcome.choice_token)}'><ul>{items}</ul>"
            "<button type='submit'>Connect</button></form>"
            "<p class='muted'>This choice is valid for 10 minutes.</p>")
    return page("Choose the accounts to connect", body)


def done_page(outcome: Outcome) -> str:
    """Say what was connected, where, and what happens next."""
    rows = "".join(
        f"<li>@{escape(c['username'])} {'connected' if c['created'] else 'reconnected'} to channel "
        f"<code>{escape(c['channel_id'])}</code>"
        f"{'' if c['subscribed'] else ' — webhooks are not on yet; ask your admin to run igbot webhooks subscribe'}"
        "</li>" for c in outcome.connected)
    notes = "".join(f"<li>{escape(n)}</li>" for n in outcome.notes)
    body = (f"<ul>{rows}{notes}</ul><p>Back in Slack, new comments now arrive in that channel, "
            "<code>/ig post</code> queues posts, and the daily digest comes at 09:00 (change it with "
            "<code>/ig settings</code>). You can close this tab.</p>")
    return page("Connected" if outcome.connected else "Nothing was connected", body)
