"""Block Kit validation with Slack's documented limits, and Slack's filling-in of missing ids."""

from __future__ import annotations

import secrets
from collections.abc import Callable

MAX_BLOCKS = {"message": 50, "modal": 100, "home": 100}

ACTION_ELEMENTS = {
    "button",
    "checkboxes",
    "datepicker",
    "datetimepicker",
    "overflow",
    "radio_buttons",
    "timepicker",
    "static_select",
    "external_select",
    "users_select",
    "conversations_select",
    "channels_select",
    "multi_static_select",
    "multi_external_select",
    "multi_users_select",
    "multi_conversations_select",
    "multi_channels_select",
    "workflow_button",
    "rich_text_input",
}
ACCESSORY_ELEMENTS = (ACTION_ELEMENTS - {"datetimepicker", "rich_text_input"}) | {"image"}
INPUT_ELEMENTS = (ACTION_ELEMENTS - {"button", "overflow", "workflow_button"}) | {
    "plain_text_input",
    "email_text_input",
    "url_text_input",
    "number_input",
    "file_input",
}
SELECTS = {e for e in ACTION_ELEMENTS if e.endswith("_select")}
BLOCK_TYPES = {
    "section",
    "divider",
    "image",
    "actions",
    "context",
    "input",
    "header",
    "rich_text",
    "markdown",
    "file",
    "video",
    "table",
    "context_actions",
}

FileCheck = Callable[[dict], str | None]


class Checker:
    """Collect Slack-style error messages (``… [json-pointer:/blocks/0/text]``)."""

    def __init__(self, file_check: FileCheck | None = None) -> None:
        self.errors: list[str] = []
        self.file_check = file_check

    def err(self, ptr: str, msg: str) -> None:
        """Record one error at a JSON pointer."""
        self.errors.append(f"{msg} [json-pointer:{ptr}]")

    def length(self, value, ptr: str, maximum: int, minimum: int = 0) -> None:
        """Check a string's length."""
        if not isinstance(value, str):
            self.err(ptr, "must be a string")
        elif len(value) > maximum:
            self.err(ptr, f"must be less than {maximum + 1} characters")
        elif len(value) < minimum:
            self.err(ptr, f"must be more than {minimum - 1} characters")

    def text(self, obj, ptr: str, maximum: int, *, plain_only: bool = False, required: bool = True) -> None:
        """Check a text composition object."""
        if obj is None:
            if required:
                self.err(ptr, "missing required field")
            return
        if not isinstance(obj, dict):
            self.err(ptr, "must be an object")
            return
        kind = obj.get("type")
        if kind not in ("plain_text", "mrkdwn") or (plain_only and kind != "plain_text"):
            self.err(f"{ptr}/type", "must be plain_text" if plain_only else "must be plain_text or mrkdwn")
            return
        self.length(obj.get("text"), f"{ptr}/text", maximum, 1)
        if kind == "mrkdwn" and "emoji" in obj:
            self.err(f"{ptr}/emoji", "field not allowed with mrkdwn")

    def confirm(self, obj, ptr: str) -> None:
        """Check a confirmation dialog object."""
        if obj is None:
            return
        if not isinstance(obj, dict):
            self.err(ptr, "must be an object")
            return
        self.text(obj.get("title"), f"{ptr}/title", 100, plain_only=True)
        self.text(obj.get("text"), f"{ptr}/text", 300)
        self.text(obj.get("confirm"), f"{ptr}/confirm", 30, plain_only=True)
        self.text(obj.get("deny"), f"{ptr}/deny", 30, plain_only=True)
        if obj.get("style") not in (None, "primary", "danger"):
            self.err(f"{ptr}/style", "must be primary or danger")

    def options(self, opts, ptr: str, maximum: int, minimum: int = 1, *, text_max: int = 75) -> None:
        """Check a list of option objects."""
        if not isinstance(opts, list):
            self.err(ptr, "must be an array")
            return
        if not minimum <= len(opts) <= maximum:
            self.err(ptr, f"must provide an array with between {minimum} and {maximum} items")
        for i, o in enumerate(opts):
            p = f"{ptr}/{i}"
            if not isinstance(o, dict):
                self.err(p, "must be an object")
                continue
            self.text(o.get("text"), f"{p}/text", text_max)
            self.length(o.get("value"), f"{p}/value", 150, 1)
            if o.get("description") is not None:
                self.text(o.get("description"), f"{p}/description", 75, plain_only=True)

    def slack_file(self, obj, ptr: str) -> None:
        """Check a slack_file object (``id`` or ``url``, not both) and that the file can be shown."""
        if not isinstance(obj, dict) or (("id" in obj) == ("url" in obj)):
            self.err(ptr, "must provide exactly one of id or url")
            return
        if self.file_check is not None:
            problem = self.file_check(obj)
            if problem:
                self.err(ptr, problem)

    def image_source(self, obj: dict, ptr: str) -> None:
        """Check the ``image_url``/``slack_file`` pair of an image block or element."""
        if ("image_url" in obj) == ("slack_file" in obj):
            self.err(ptr, "must provide exactly one of image_url or slack_file")
        elif "image_url" in obj:
            self.length(obj["image_url"], f"{ptr}/image_url", 3000, 1)
        else:
            self.slack_file(obj["slack_file"], f"{ptr}/slack_file")
        self.length(obj.get("alt_text"), f"{ptr}/alt_text", 2000, 1)

    def element(self, el, ptr: str, allowed: set[str]) -> None:
        """Check one block element."""
        if not isinstance(el, dict):
            self.err(ptr, "must be an object")
            return
        kind = el.get("type")
        if kind not in allowed:
            self.err(f"{ptr}/type", f"unsupported type: {kind}")
            return
        if kind == "image":
            self.image_source(el, ptr)
            return
        if "action_id" in el:
            self.length(el["action_id"], f"{ptr}/action_id", 255, 1)
        self.confirm(el.get("confirm"), f"{ptr}/confirm")
        if "placeholder" in el:
            self.text(el["placeholder"], f"{ptr}/placeholder", 150, plain_only=True)
        if kind == "button":
            self.text(el.get("text"), f"{ptr}/text", 75, plain_only=True)
            if "value" in el:
                self.length(el["value"], f"{ptr}/value", 2000, 1)
            if "url" in el:
                self.length(el["url"], f"{ptr}/url", 3000, 1)
            if el.get("style") not in (None, "primary", "danger"):
                self.err(f"{ptr}/style", "must be primary or danger")
            if "accessibility_label" in el:
                self.length(el["accessibility_label"], f"{ptr}/accessibility_label", 75, 1)
        elif kind == "overflow":
            self.options(el.get("options"), f"{ptr}/options", 5, 1)
        elif kind in ("static_select", "multi_static_select"):
            if "options" in el and "option_groups" in el:
                self.err(ptr, "must provide only one of options or option_groups")
            elif "option_groups" in el:
                groups = el["option_groups"]
                if not isinstance(groups, list) or not 1 <= len(groups) <= 100:
                    self.err(f"{ptr}/option_groups", "must provide an array with between 1 and 100 items")
                else:
                    for i, g in enumerate(groups):
                        self.text(
                            g.get("label") if isinstance(g, dict) else None,
                            f"{ptr}/option_groups/{i}/label",
                            75,
                            plain_only=True,
                        )
                        self.options(
                            g.get("options") if isinstance(g, dict) else None,
                            f"{ptr}/option_groups/{i}/options",
                            100,
                        )
            else:
                self.options(el.get("options"), f"{ptr}/options", 100)
        elif kind in ("checkboxes", "radio_buttons"):
            self.options(el.get("options"), f"{ptr}/options", 10)
        elif kind == "plain_text_input":
            mx, mn = el.get("max_length"), el.get("min_length")
            if mx is not None and not (isinstance(mx, int) and 1 <= mx <= 3000):
                self.err(f"{ptr}/max_length", "must be between 1 and 3000")
            if mn is not None and not (isinstance(mn, int) and 0 <= mn <= 3000):
                self.err(f"{ptr}/min_length", "must be between 0 and 3000")
            if "initial_value" in el:
                self.length(el["initial_value"], f"{ptr}/initial_value", 3000)

    def elements(self, els, ptr: str, allowed: set[str], maximum: int) -> None:
        """Check a list of interactive elements with unique action_ids."""
        if not isinstance(els, list) or not els:
            self.err(ptr, "must provide a non-empty array")
            return
        if len(els) > maximum:
            self.err(ptr, f"must provide an array with no more than {maximum} items")
        seen: set[str] = set()
        for i, el in enumerate(els):
            self.element(el, f"{ptr}/{i}", allowed)
            aid = el.get("action_id") if isinstance(el, dict) else None
            if aid is not None:
                if aid in seen:
                    self.err(f"{ptr}/{i}/action_id", "action_id already exists")
                seen.add(aid)

    def block(self, b, ptr: str, surface: str) -> None:
        """Check one block."""
        if not isinstance(b, dict):
            self.err(ptr, "must be an object")
            return
        kind = b.get("type")
        if kind not in BLOCK_TYPES:
            self.err(f"{ptr}/type", f"unsupported type: {kind}")
            return
        if "block_id" in b:
            self.length(b["block_id"], f"{ptr}/block_id", 255, 1)
        if kind == "section":
            if "text" not in b and "fields" not in b:
                self.err(ptr, "must provide either text or fields")
            if "text" in b:
                self.text(b["text"], f"{ptr}/text", 3000)
            if "fields" in b:
                fields = b["fields"]
                if not isinstance(fields, list) or not 1 <= len(fields) <= 10:
                    self.err(f"{ptr}/fields", "must provide an array with between 1 and 10 items")
                else:
                    for i, f in enumerate(fields):
                        self.text(f, f"{ptr}/fields/{i}", 2000)
            if "accessory" in b:
                self.element(b["accessory"], f"{ptr}/accessory", ACCESSORY_ELEMENTS)
        elif kind == "header":
            self.text(b.get("text"), f"{ptr}/text", 150, plain_only=True)
        elif kind == "context":
            els = b.get("elements")
            if not isinstance(els, list) or not 1 <= len(els) <= 10:
                self.err(f"{ptr}/elements", "must provide an array with between 1 and 10 items")
            else:
                for i, el in enumerate(els):
                    if isinstance(el, dict) and el.get("type") == "image":
                        self.image_source(el, f"{ptr}/elements/{i}")
                    else:
                        self.text(el, f"{ptr}/elements/{i}", 3000)
        elif kind == "actions":
            self.elements(b.get("elements"), f"{ptr}/elements", ACTION_ELEMENTS, 25)
        elif kind == "input":
            self.text(b.get("label"), f"{ptr}/label", 2000, plain_only=True)
            if "hint" in b:
                self.text(b["hint"], f"{ptr}/hint", 2000, plain_only=True)
            if "element" not in b:
                self.err(f"{ptr}/element", "missing required field")
            else:
                self.element(b["element"], f"{ptr}/element", INPUT_ELEMENTS)
        elif kind == "image":
            self.image_source(b, ptr)
            if "title" in b:
                self.text(b["title"], f"{ptr}/title", 2000, plain_only=True)
        elif kind == "markdown":
            if surface != "message":
                self.err(f"{ptr}/type", "markdown blocks are only allowed in messages")
            self.length(b.get("text"), f"{ptr}/text", 12000, 1)
        elif kind == "rich_text" and not isinstance(b.get("elements"), list):
            self.err(f"{ptr}/elements", "must be an array")


def validate_blocks(
    blocks, *, surface: str = "message", pointer: str = "/blocks", file_check: FileCheck | None = None
) -> list[str]:
    """Return Slack-style error messages for a list of blocks; empty when valid.

    :param surface: ``message``, ``modal`` or ``home`` (decides the block count limit)
    :param file_check: given a ``slack_file`` object, return a problem string or None
    """
    c = Checker(file_check)
    if not isinstance(blocks, list):
        c.err(pointer, "must be an array")
        return c.errors
    if len(blocks) > MAX_BLOCKS[surface]:
        c.err(pointer, f"must provide an array with no more than {MAX_BLOCKS[surface]} items")
    seen: set[str] = set()
    for i, b in enumerate(blocks):
        c.block(b, f"{pointer}/{i}", surface)
        bid = b.get("block_id") if isinstance(b, dict) else None
        if bid is not None:
            if bid in seen:
                c.err(f"{pointer}/{i}/block_id", "block_id already exists")
            seen.add(bid)
    return c.errors


def validate_view(view, *, file_check: FileCheck | None = None) -> list[str]:
    """Return Slack-style error messages for a modal or home view; empty when valid."""
    c = Checker(file_check)
    if not isinstance(view, dict):
        c.err("/view", "must be an object")
        return c.errors
    kind = view.get("type")
    if kind not in ("modal", "home"):
        c.err("/view/type", "must be modal or home")
        return c.errors
    if kind == "modal":
        c.text(view.get("title"), "/view/title", 24, plain_only=True)
        for key in ("close", "submit"):
            if key in view:
                c.text(view[key], f"/view/{key}", 24, plain_only=True)
        blocks = view.get("blocks") or []
        if "submit" not in view and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks):
            c.err("/view/submit", "must provide submit when an input block is present")
    if "private_metadata" in view:
        c.length(view["private_metadata"], "/view/private_metadata", 3000)
    if "callback_id" in view:
        c.length(view["callback_id"], "/view/callback_id", 255)
    if "external_id" in view:
        c.length(view["external_id"], "/view/external_id", 255)
    if "blocks" not in view:
        c.err("/view/blocks", "missing required field")
    else:
        c.errors += validate_blocks(
            view["blocks"], surface=kind, pointer="/view/blocks", file_check=file_check
        )
    return c.errors


def fill_ids(blocks: list) -> list:
    """Give every block a block_id and every interactive element an action_id, as Slack does."""
    for b in blocks:
        if not isinstance(b, dict):
            continue
        b.setdefault("block_id", secrets.token_urlsafe(3))
        for el in _elements_of(b):
            if isinstance(el, dict) and el.get("type") not in ("image", "plain_text", "mrkdwn"):
                el.setdefault("action_id", secrets.token_urlsafe(3))
    return blocks


def _elements_of(b: dict) -> list:
    """Return the interactive elements of a block."""
    if b.get("type") == "actions":
        return list(b.get("elements") or [])
    if b.get("type") == "section" and isinstance(b.get("accessory"), dict):
        return [b["accessory"]]
    if b.get("type") == "input" and isinstance(b.get("element"), dict):
        return [b["element"]]
    return []


def find_element(blocks: list, action_id: str, block_id: str | None = None) -> tuple[dict, dict] | None:
    """Return ``(block, element)`` for the element with this action_id (and block_id), or None."""
    for b in blocks or []:
        if not isinstance(b, dict) or (block_id is not None and b.get("block_id") != block_id):
            continue
        for el in _elements_of(b):
            if isinstance(el, dict) and el.get("action_id") == action_id:
                return b, el
    return None


def all_options(el: dict) -> list[dict]:
    """Return every option of a select, overflow, checkboxes or radio element."""
    opts = list(el.get("options") or [])
    for g in el.get("option_groups") or []:
        opts += g.get("options") or []
    return opts
