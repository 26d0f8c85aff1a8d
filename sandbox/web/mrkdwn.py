"""Slack's text formats as HTML: mrkdwn (links, mentions, dates, bold, code, quotes, emoji) and plain_text.

Everything that reaches the page is escaped here: Slack's own escapes (``&amp;`` ``&lt;`` ``&gt;``) are read
back to characters first, then the text is HTML-escaped, so no text from Instagram or Slack can add markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

EMOJI = {
    "x": "❌", "white_check_mark": "✅", "warning": "⚠️", "hourglass": "⌛", "hourglass_flowing_sand": "⏳",
    "no_entry": "⛔", "wastebasket": "🗑️", "mag": "🔍", "link": "🔗", "leftwards_arrow_with_hook": "↩️",
    "grey_question": "❔", "speech_balloon": "💬", "small_red_triangle_down": "🔻", "small_red_triangle": "🔺",
    "see_no_evil": "🙈", "satellite_antenna": "📡", "rotating_light": "🚨", "raised_hand": "✋", "eye": "👁️",
    "inbox_tray": "📥", "ghost": "👻", "calendar": "📅", "bell": "🔔", "memo": "📝", "camera": "📷",
    "tada": "🎉", "chart_with_upwards_trend": "📈", "lock": "🔒", "heart": "❤️", "thumbsup": "👍",
}
SCHEMES = ("http://", "https://", "mailto:")
ENTITY = re.compile(r"<([^<>]*)>")
STYLES = (
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), "strong"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), "em"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])"), "s"),
)
CODE = re.compile(r"```(.+?)```|`([^`\n]+)`", re.S)
EMOJI_CODE = re.compile(r":([a-z0-9_+-]+):")
HOLD = ("\ue000", "\ue001")  # private-use characters marking an entity held out of styling
HELD = re.compile("\ue000([0-9]+)\ue001")

Names = Callable[[str], str]


def esc(text: object) -> str:
    """HTML-escape any value for text or an attribute (quotes included)."""
    return html.escape(str(text), quote=True)


def unescape_slack(text: str) -> str:
    """Turn Slack's three escapes back into characters."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def plain(text: str, *, emoji: bool = True) -> str:
    """Render plain_text: escaped, emoji codes shown, line breaks kept."""
    out = esc(text)
    if emoji:
        out = EMOJI_CODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), out)
    return out.replace("\n", "<br>")


def link(url: str, label: str) -> str:
    """Return an anchor for a safe URL (http, https, mailto), else the label as text."""
    if not url.lower().startswith(SCHEMES):
        return esc(label)
    return f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">{esc(label)}</a>'


def entity(inner: str, names: Names) -> str:
    """Render one ``<…>`` sequence: user/channel mentions, specials, dates, links."""
    target, _, label = inner.partition("|")
    target, label = unescape_slack(target), unescape_slack(label)
    if target.startswith("@"):
        return f'<span class="mention">@{esc(label or names(target[1:]))}</span>'
    if target.startswith("#"):
        return f'<span class="mention">#{esc(label or names(target[1:]))}</span>'
    if target.startswith("!subteam^"):
        return f'<span class="mention">{esc(label or "@group")}</span>'
    if target.startswith("!date^"):
        return f'<span class="date">{esc(label or target)}</span>'
    if target.startswith("!"):
        return f'<span class="mention">@{esc(target[1:])}</span>'
    return link(target, label or target)


def styled(text: str) -> str:
    """Apply bold, italic and strike to already-escaped text without code spans."""
    for pattern, tag in STYLES:
        text = pattern.sub(lambda m, t=tag: f"<{t}>{m.group(1)}</{t}>", text)
    return EMOJI_CODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def inline(text: str, names: Names) -> str:
    """Render a run of mrkdwn with no code in it: entities as HTML, the rest escaped and styled.

    Entities are held out as markers while the text is styled, so ``*<link|name>*`` is a bold link.
    """
    held: list[str] = []

    def hold(m: re.Match) -> str:
        held.append(entity(m.group(1), names))
        return f"{HOLD[0]}{len(held) - 1}{HOLD[1]}"

    marked = ENTITY.sub(hold, text.replace(HOLD[0], "").replace(HOLD[1], ""))
    return HELD.sub(lambda m: held[int(m.group(1))], styled(esc(unescape_slack(marked))))


def quotes(rendered: str) -> str:
    """Wrap lines that start with an escaped ``>`` in a blockquote; keep line breaks."""
    out, quoted = [], []
    for line in rendered.split("\n"):
        if line.startswith("&gt;"):
            quoted.append(line[4:].lstrip())
            continue
        if quoted:
            out.append("<blockquote>" + "<br>".join(quoted) + "</blockquote>")
            quoted = []
        out.append(line + "<br>")
    if quoted:
        out.append("<blockquote>" + "<br>".join(quoted) + "</blockquote>")
    joined = "".join(out)
    return joined[:-4] if joined.endswith("<br>") else joined


def mrkdwn(text: str, names: Names = str) -> str:
    """Render Slack mrkdwn as safe HTML; ``names`` turns a user or channel id into a name."""
    parts, pos = [], 0
    for m in CODE.finditer(text):
        parts.append(inline(text[pos:m.start()], names))
        if m.group(1) is not None:
            parts.append(f"<pre>{esc(unescape_slack(m.group(1))).replace(chr(10), '&#10;')}</pre>")
        else:
            parts.append(f"<code>{esc(unescape_slack(m.group(2)))}</code>")
        pos = m.end()
    parts.append(inline(text[pos:], names))
    return quotes("".join(parts))


def text_object(obj: dict | None, names: Names = str) -> str:
    """Render a Block Kit text object (mrkdwn or plain_text), or '' for None."""
    if not isinstance(obj, dict):
        return ""
    if obj.get("type") == "mrkdwn":
        return mrkdwn(str(obj.get("text", "")), names)
    return plain(str(obj.get("text", "")), emoji=obj.get("emoji", True))
