"""views.open / push / update / publish: trigger_id rules, the modal stack of each person, Home tabs."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from .blocks import fill_ids, validate_view
from .errors import SlackError, invalid_arguments
from .requests import json_arg, required
from .state import View

if TYPE_CHECKING:
    from .server import SlackEmulator

TRIGGER_TTL = 3.0
MAX_STACK = 3


def parse_view(emu: SlackEmulator, args: dict, kind: str) -> dict:
    """Parse and validate the ``view`` argument; raise ``invalid_arguments`` with Slack's messages."""
    if args.get("view") in (None, ""):
        raise invalid_arguments(["missing required field: view"])
    view = json_arg(args, "view", "invalid_arguments")
    errors = validate_view(view, file_check=emu.file_check)
    if not errors and view.get("type") != kind:
        errors = [f"must be {kind} [json-pointer:/view/type]"]
    if errors:
        raise invalid_arguments(errors)
    external = view.get("external_id")
    if external and any(v.body.get("external_id") == external for v in emu.ws.views.values()):
        raise SlackError("duplicate_external_id")
    view = copy.deepcopy(view)
    fill_ids(view.setdefault("blocks", []))
    return view


def take_trigger(emu: SlackEmulator, args: dict):
    """Check a trigger_id (unknown, used, older than 3 s) and return it, not yet marked used."""
    tid = required(args, "trigger_id", "invalid_trigger_id")
    trig = emu.ws.triggers.get(tid)
    if trig is None:
        raise SlackError("invalid_trigger_id")
    if trig.used:
        raise SlackError("exchanged_trigger_id")
    if emu.now() - trig.issued_at > TRIGGER_TTL:
        raise SlackError("expired_trigger_id")
    return trig


def answer(emu: SlackEmulator, view: View) -> dict:
    """Return the body of a successful views.* answer."""
    return {"view": view.to_api(team_id=emu.ws.team_id, app_id=emu.ws.app_id, bot_id=emu.ws.bot_id)}


def open_(emu: SlackEmulator, args: dict) -> dict:
    """Open a modal for the person who triggered the interaction; it becomes their whole stack."""
    trig = take_trigger(emu, args)
    body = parse_view(emu, args, "modal")
    trig.used = True
    view = emu.ws.new_view(trig.user, body, emu.now())
    emu.ws.stacks[trig.user] = [view.id]
    return answer(emu, view)


def push(emu: SlackEmulator, args: dict) -> dict:
    """Push a modal on top of the person's open stack (at most three views)."""
    trig = take_trigger(emu, args)
    body = parse_view(emu, args, "modal")
    stack = emu.ws.stacks.get(trig.user) or []
    if not stack:
        raise SlackError("not_found")
    if len(stack) >= MAX_STACK:
        raise SlackError("push_limit_reached")
    trig.used = True
    top = emu.ws.views[stack[-1]]
    view = emu.ws.new_view(trig.user, body, emu.now(), root=top.root_view_id, previous=top.id)
    stack.append(view.id)
    return answer(emu, view)


def update(emu: SlackEmulator, args: dict) -> dict:
    """Replace an open view (by ``view_id`` or ``external_id``); a stale ``hash`` is ``hash_conflict``."""
    view = None
    if args.get("view_id"):
        view = emu.ws.views.get(str(args["view_id"]))
    elif args.get("external_id"):
        view = next(
            (v for v in emu.ws.views.values() if v.body.get("external_id") == args["external_id"]), None
        )
    else:
        raise invalid_arguments(["must provide view_id or external_id"])
    if view is None or not is_live(emu, view):
        raise SlackError("not_found")
    if args.get("hash") and args["hash"] != view.hash:
        raise SlackError("hash_conflict")
    new = parse_view_for_update(emu, args, view)
    view.body = new
    view.hash = emu.ws.new_hash(emu.now())
    keep = {b.get("block_id") for b in new.get("blocks", [])}
    view.state = {k: v for k, v in view.state.items() if k in keep}
    view.errors = None
    return answer(emu, view)


def parse_view_for_update(emu: SlackEmulator, args: dict, view: View) -> dict:
    """Parse the new body of an updated view, which must keep its type."""
    kind = view.body.get("type", "modal")
    own = view.body.get("external_id")
    if own:
        view.body = {**view.body, "external_id": None}
    try:
        return parse_view(emu, args, kind)
    finally:
        if own:
            view.body["external_id"] = own


def is_live(emu: SlackEmulator, view: View) -> bool:
    """True if the view is on someone's modal stack or is someone's Home tab."""
    return view.id in emu.ws.stacks.get(view.user, []) or emu.ws.homes.get(view.user) == view.id


def publish(emu: SlackEmulator, args: dict) -> dict:
    """Publish a person's Home tab."""
    user = required(args, "user_id", "user_not_found")
    if user not in emu.ws.users:
        raise SlackError("user_not_found")
    if not emu.home_tab_enabled:
        raise SlackError("not_enabled")
    current = emu.ws.views.get(emu.ws.homes.get(user, ""))
    if current is not None and args.get("hash") and args["hash"] != current.hash:
        raise SlackError("hash_conflict")
    body = parse_view(emu, args, "home") if current is None else parse_view_for_update(emu, args, current)
    if current is None:
        current = emu.ws.new_view(user, body, emu.now())
        emu.ws.homes[user] = current.id
    else:
        current.body, current.hash = body, emu.ws.new_hash(emu.now())
    return answer(emu, current)
