"""Block Kit as HTML: the blocks of messages, Home tabs and modals, with controls the page's script drives.

Interactive elements carry ``data-act`` (action_id, block_id, value) and, when they ask for one, ``data-confirm``
(the confirmation dialog); the enclosing message or view carries ``data-container``. Modal inputs carry
``data-input`` so the script can send their values as ``{block_id: {action_id: value}}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .mrkdwn import esc, plain, text_object

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class Context:
    """What rendering needs from the workspace: names for ids, file URLs, choices for pickers."""

    names: Callable[[str], str] = str
    file_url: Callable[[str], str | None] = lambda file_id: None
    channels: list[tuple[str, str]] = field(default_factory=list)  # (id, name)
    users: list[tuple[str, str]] = field(default_factory=list)  # (id, name)
    state: dict = field(default_factory=dict)  # a view's state.values
    errors: dict = field(default_factory=dict)  # block_id -> message

    def text(self, obj: dict | None) -> str:
        """Render a text object with this workspace's names."""
        return text_object(obj, self.names)


def data(value: object) -> str:
    """Return a JSON value escaped for a data-* attribute."""
    return esc(json.dumps(value, separators=(",", ":")))


def act(block: dict, el: dict, value: object = None) -> str:
    """Return the data-act (and data-confirm) attributes of an element."""
    payload = {"action_id": el.get("action_id"), "block_id": block.get("block_id")}
    if value is not None:
        payload["value"] = value
    out = f' data-act="{data(payload)}"'
    if isinstance(el.get("confirm"), dict):
        c = el["confirm"]
        out += ' data-confirm="' + data({
            "title": plain(str((c.get("title") or {}).get("text", "Are you sure?"))),
            "text": text_object(c.get("text")),
            "confirm": plain(str((c.get("confirm") or {}).get("text", "Yes"))),
            "deny": plain(str((c.get("deny") or {}).get("text", "Cancel"))),
            "style": c.get("style") or "",
        }) + '"'
    return out


def image(el: dict, ctx: Context, css: str = "img") -> str:
    """Render an image: a Slack file or a loopback URL is shown, an outside URL only as a placeholder."""
    alt = str(el.get("alt_text") or "")
    src = None
    ref = el.get("slack_file")
    if isinstance(ref, dict) and ref.get("id"):
        src = ctx.file_url(str(ref["id"]))
    url = str(el.get("image_url") or "")
    if src is None and url.startswith("http://") and urlsplit(url).hostname in LOOPBACK:
        src = url
    if src is None:
        return f'<div class="{css} placeholder" title="{esc(url or alt)}"><span>🖼</span> {esc(alt)}</div>'
    return f'<img class="{css}" src="{esc(src)}" alt="{esc(alt)}">'


def button(block: dict, el: dict, ctx: Context) -> str:
    """Render a button (primary, danger or default); a URL button also opens its link."""
    style = el.get("style") or "default"
    href = ""
    if str(el.get("url") or "").startswith(("http://", "https://")):
        href = f' data-url="{esc(el["url"])}"'
    return (f'<button type="button" class="btn {esc(style)}"{act(block, el, el.get("value"))}{href}>'
            f'{ctx.text(el.get("text"))}</button>')


def options_of(el: dict) -> list[dict]:
    """Every option of a select-like element, groups flattened."""
    opts = list(el.get("options") or [])
    for group in el.get("option_groups") or []:
        opts += group.get("options") or []
    return opts


def overflow(block: dict, el: dict, ctx: Context) -> str:
    """Render an overflow menu: ⋯ opens a list of options, each one a click with its value."""
    items = "".join(
        f'<button type="button" class="menu-item"{act(block, el, o.get("value"))}>{ctx.text(o.get("text"))}'
        "</button>" for o in options_of(el))
    return (f'<details class="overflow"><summary title="More actions">⋯</summary>'
            f'<div class="menu">{items}</div></details>')


def select(block: dict, el: dict, ctx: Context, *, chosen: str | None = None, in_form: bool = False) -> str:
    """Render a static, external, channel, conversation or user select as a <select>."""
    kind = el.get("type", "")
    initial = el.get("initial_option") or {}
    if kind == "users_select":
        pairs = ctx.users
        chosen = chosen or el.get("initial_user")
    elif kind in ("conversations_select", "channels_select"):
        pairs = ctx.channels
        chosen = chosen or el.get("initial_conversation") or el.get("initial_channel")
    else:
        pairs = [(str(o.get("value")), str((o.get("text") or {}).get("text", ""))) for o in options_of(el)]
        if kind == "external_select" and initial and initial.get("value") not in dict(pairs):
            pairs = [(str(initial.get("value")), str((initial.get("text") or {}).get("text", "")))] + pairs
        chosen = chosen if chosen is not None else initial.get("value")
    placeholder = esc((el.get("placeholder") or {}).get("text", "Choose…"))
    opts = f'<option value="">{placeholder}</option>' + "".join(
        f'<option value="{esc(v)}"{" selected" if v == chosen else ""}>{esc(t)}</option>' for v, t in pairs)
    attrs = f' data-kind="{esc(kind)}"'
    if kind == "external_select":
        attrs += ' data-external="1"'
    if not in_form:
        attrs += act(block, el) + ' data-change="1"'
    return f"<select{attrs}>{opts}</select>"


def accessory(block: dict, el: dict, ctx: Context) -> str:
    """Render a section's accessory element."""
    kind = el.get("type")
    if kind == "image":
        return image(el, ctx, "thumb")
    if kind == "button":
        return button(block, el, ctx)
    if kind == "overflow":
        return overflow(block, el, ctx)
    if kind and kind.endswith("_select"):
        return select(block, el, ctx)
    return f'<span class="unsupported">[{esc(kind)}]</span>'


def section(block: dict, ctx: Context) -> str:
    """Render a section: text, fields in two columns, an accessory on the right."""
    body = f'<div class="text">{ctx.text(block.get("text"))}</div>' if block.get("text") else ""
    if block.get("fields"):
        body += '<div class="fields">' + "".join(
            f'<div class="field">{ctx.text(f)}</div>' for f in block["fields"]) + "</div>"
    side = ""
    if isinstance(block.get("accessory"), dict):
        side = f'<div class="accessory">{accessory(block, block["accessory"], ctx)}</div>'
    return f'<div class="block section"><div class="section-body">{body}</div>{side}</div>'


def context(block: dict, ctx: Context) -> str:
    """Render a context block: small text and images in a row."""
    parts = []
    for el in block.get("elements") or []:
        if el.get("type") == "image":
            parts.append(image(el, ctx, "ctx-img"))
        else:
            parts.append(f"<span>{ctx.text(el)}</span>")
    return '<div class="block context">' + "".join(parts) + "</div>"


def actions(block: dict, ctx: Context) -> str:
    """Render an actions block: buttons, overflow menus and selects in a row."""
    parts = []
    for el in block.get("elements") or []:
        kind = el.get("type")
        if kind == "button":
            parts.append(button(block, el, ctx))
        elif kind == "overflow":
            parts.append(overflow(block, el, ctx))
        elif kind and kind.endswith("_select"):
            parts.append(select(block, el, ctx))
        elif kind in ("datepicker", "timepicker"):
            parts.append(f'<input type="{"date" if kind == "datepicker" else "time"}"{act(block, el)} '
                         f'data-change="1" data-kind="{esc(kind)}">')
        else:
            parts.append(f'<span class="unsupported">[{esc(kind)}]</span>')
    return '<div class="block actions">' + "".join(parts) + "</div>"


def state_value(ctx: Context, block: dict, el: dict) -> dict:
    """The person's current entry for an input (from the view state), or {}."""
    return (ctx.state.get(block.get("block_id"), {}) or {}).get(el.get("action_id"), {}) or {}


def control(block: dict, el: dict, ctx: Context) -> str:
    """Render the form control of an input block, filled from the view state or the element's initial value."""
    kind = el.get("type", "")
    entry = state_value(ctx, block, el)
    attrs = f' data-input="1" data-block="{esc(block.get("block_id"))}" data-action-id="{esc(el.get("action_id"))}"'
    attrs += f' data-kind="{esc(kind)}"'
    if block.get("dispatch_action"):
        attrs += ' data-dispatch="1"'
    placeholder = esc((el.get("placeholder") or {}).get("text", ""))
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
        value = entry.get("value", el.get("initial_value")) or ""
        if el.get("multiline"):
            return f'<textarea{attrs} rows="3" placeholder="{placeholder}">{esc(value)}</textarea>'
        kind_attr = {"email_text_input": "email", "url_text_input": "url", "number_input": "number"}.get(kind, "text")
        return f'<input type="{kind_attr}"{attrs} value="{esc(value)}" placeholder="{placeholder}">'
    if kind in ("checkboxes", "radio_buttons"):
        if kind == "checkboxes":
            picked = {o.get("value") for o in entry.get("selected_options", el.get("initial_options") or [])}
        else:
            picked = {(entry.get("selected_option") or el.get("initial_option") or {}).get("value")}
        box = "checkbox" if kind == "checkboxes" else "radio"
        return f'<div class="choices"{attrs}>' + "".join(
            f'<label><input type="{box}" name="{esc(block.get("block_id"))}" value="{esc(o.get("value"))}"'
            f'{" checked" if o.get("value") in picked else ""}> {ctx.text(o.get("text"))}</label>'
            for o in options_of(el)) + "</div>"
    if kind in ("datepicker", "timepicker"):
        key = "date" if kind == "datepicker" else "time"
        value = entry.get(f"selected_{key}", el.get(f"initial_{key}")) or ""
        return f'<input type="{key}"{attrs} value="{esc(value)}">'
    if kind.endswith("_select") and not kind.startswith("multi_"):
        chosen = entry.get("selected_option", {}) or {}
        pick = chosen.get("value") if "selected_option" in entry else None
        for key in ("selected_user", "selected_conversation", "selected_channel"):
            pick = entry.get(key, pick)
        return select(block, el, ctx, chosen=pick, in_form=True).replace("<select", f"<select{attrs}", 1)
    if kind == "file_input":
        accept = ",".join(f".{t}" for t in el.get("filetypes") or [])
        multiple = " multiple" if int(el.get("max_files") or 10) > 1 else ""
        return f'<input type="file"{attrs} accept="{esc(accept)}"{multiple}>'
    return f'<span class="unsupported">[{esc(kind)}]</span>'


def input_block(block: dict, ctx: Context) -> str:
    """Render an input block: label, control, hint and the error Slack shows under it."""
    el = block.get("element") or {}
    optional = ' <span class="optional">(optional)</span>' if block.get("optional") else ""
    hint = f'<div class="hint">{ctx.text(block.get("hint"))}</div>' if block.get("hint") else ""
    error = ctx.errors.get(block.get("block_id"))
    err = f'<div class="error">{plain(str(error))}</div>' if error else ""
    return (f'<div class="block input{" has-error" if error else ""}"><label class="label">'
            f'{ctx.text(block.get("label"))}{optional}</label>{control(block, el, ctx)}{hint}{err}</div>')


def render_block(block: dict, ctx: Context) -> str:
    """Render one block of any type the page knows; others show their type."""
    kind = block.get("type")
    if kind == "section":
        return section(block, ctx)
    if kind == "context":
        return context(block, ctx)
    if kind == "actions":
        return actions(block, ctx)
    if kind == "divider":
        return '<hr class="block divider">'
    if kind == "header":
        return f'<div class="block header">{ctx.text(block.get("text"))}</div>'
    if kind == "image":
        title = f'<div class="caption">{ctx.text(block.get("title"))}</div>' if block.get("title") else ""
        return f'<div class="block image">{title}{image(block, ctx, "picture")}</div>'
    if kind == "input":
        return input_block(block, ctx)
    if kind == "markdown":
        return f'<div class="block section">{plain(str(block.get("text", "")))}</div>'
    return f'<div class="block unsupported">[{esc(kind)} block]</div>'


def render_blocks(blocks: list | None, ctx: Context) -> str:
    """Render a list of blocks."""
    return "".join(render_block(b, ctx) for b in blocks or [] if isinstance(b, dict))
