"""Acting as a person: slash commands, clicks, suggestions, modal submissions and closes, App Home."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from .blocks import all_options, fill_ids, find_element, validate_blocks, validate_view
from .delivery import Delivery, deliver
from .errors import PersonError
from .state import Channel, Message, View

if TYPE_CHECKING:
    from .server import SlackEmulator


class Person:
    """Build the payloads Slack would build for a person's actions, deliver them, apply the answers."""

    def __init__(self, emu: SlackEmulator) -> None:
        self.emu = emu
        self.ws = emu.ws

    # common parts

    def user(self, ref: str) -> dict:
        """Return the ``user`` object of interaction payloads."""
        try:
            u = self.ws.users[self.ws.user_id(ref)]
        except KeyError:
            raise PersonError(f"no such user: {ref}") from None
        return {"id": u.id, "username": u.name, "name": u.name, "team_id": self.ws.team_id}

    def channel(self, ref: str) -> Channel:
        """Return a channel by id or name."""
        try:
            return self.ws.channels[self.ws.channel_id(ref)]
        except KeyError:
            raise PersonError(f"no such channel: {ref}") from None

    def base(self, kind: str, user: dict) -> dict:
        """Return the fields every interaction payload starts with."""
        return {
            "type": kind,
            "user": user,
            "api_app_id": self.ws.app_id,
            "token": self.emu.verification_token,
            "team": {"id": self.ws.team_id, "domain": self.ws.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def view_api(self, view: View) -> dict:
        """Return a view as interaction payloads carry it."""
        return view.to_api(team_id=self.ws.team_id, app_id=self.ws.app_id, bot_id=self.ws.bot_id)

    def message_api(self, ch: Channel, msg: Message) -> dict:
        """Return a message as block_actions payloads carry it."""
        d = msg.to_api(channel=ch)
        d["team"] = self.ws.team_id
        return d

    def show(
        self, d: Delivery, uid: str, ch: Channel, answer: dict, *, source: str, command: str = ""
    ) -> None:
        """Show an ack or response body (text/blocks, ephemeral or in_channel) to the person."""
        blocks = answer.get("blocks")
        if blocks is not None:
            errors = validate_blocks(blocks, file_check=self.emu.file_check)
            if errors:
                d.error, d.shown = "invalid_blocks", [{"errors": errors}]
                return
        text = str(answer.get("text") or "")
        if answer.get("response_type") == "in_channel":
            now = self.emu.now()
            if command:
                self.ws.add_message(
                    ch, Message(ts=self.ws.ids.ts(now), channel=ch.id, user=uid, text=command)
                )
            if not text and not blocks:
                return
            msg = Message(
                ts=self.ws.ids.ts(now),
                channel=ch.id,
                user=self.ws.bot_user_id,
                text=text,
                blocks=fill_ids(copy.deepcopy(blocks)) if blocks is not None else None,
                bot_id=self.ws.bot_id,
                app_id=self.ws.app_id,
            )
            self.ws.add_message(ch, msg)
            d.shown.append(msg.to_api(channel=ch))
        elif text or blocks:
            eph = self.emu.add_ephemeral(
                channel=ch.id,
                user=uid,
                ts=self.ws.ids.ts(self.emu.now()),
                text=text,
                blocks=fill_ids(copy.deepcopy(blocks)) if blocks is not None else None,
                source=source,
            )
            d.shown.append(eph.to_dict())

    # slash commands

    async def slash_command(
        self, *, user: str, channel: str, text: str = "", command: str = "/ig"
    ) -> Delivery:
        """Type ``command text`` in a channel; return what came back (the ack) and what the person saw."""
        u, ch = self.user(user), self.channel(channel)
        if u["id"] not in ch.members:
            raise PersonError(f"{u['name']} is not in #{ch.name}")
        now = self.emu.now()
        name = "directmessage" if ch.is_im else "privategroup" if ch.is_private else ch.name
        payload = {
            "token": self.emu.verification_token,
            "team_id": self.ws.team_id,
            "team_domain": self.ws.team_domain,
            "channel_id": ch.id,
            "channel_name": name,
            "user_id": u["id"],
            "user_name": u["name"],
            "command": command,
            "text": text,
            "api_app_id": self.ws.app_id,
            "is_enterprise_install": "false",
            "response_url": self.ws.issue_response_url(self.emu.base_url, u["id"], ch.id, now),
            "trigger_id": self.ws.issue_trigger(u["id"], now),
        }
        d = await deliver(self.emu, "slash_commands", payload)
        if d.error:
            return d
        if d.json is not None:
            self.show(d, u["id"], ch, d.json, source="ack", command=f"{command} {text}".strip())
        elif d.body.strip():
            self.show(d, u["id"], ch, {"text": d.body}, source="ack")
        return d

    # clicks and suggestions

    def locate(
        self,
        uid: str,
        action_id: str,
        *,
        channel: str | None,
        message_ts: str | None,
        view_id: str | None,
        block_id: str | None,
    ) -> tuple[dict, dict, dict]:
        """Find the element a person acts on; return ``(block, element, payload_fields)``."""
        if view_id is not None or channel is None:
            view = self.open_view(uid, view_id)
            found = find_element(view.body.get("blocks", []), action_id, block_id)
            if found is None:
                raise PersonError(f"no element {action_id!r} in view {view.id}")
            fields = {"container": {"type": "view", "view_id": view.id}, "view": self.view_api(view)}
            return found[0], found[1], fields
        ch = self.channel(channel)
        msg = ch.message(message_ts)
        if msg is not None:
            found = find_element(msg.blocks or [], action_id, block_id)
            fields = {
                "container": {
                    "type": "message",
                    "message_ts": msg.ts,
                    "channel_id": ch.id,
                    "is_ephemeral": False,
                },
                "channel": {"id": ch.id, "name": ch.name},
                "message": self.message_api(ch, msg),
                "state": {"values": {}},
            }
        else:
            eph = next((e for e in self.emu.ws.ephemerals if e.ts == message_ts and e.user == uid), None)
            if eph is None:
                raise PersonError(f"no message {message_ts} in #{ch.name} that {uid} can see")
            found = find_element(eph.blocks or [], action_id, block_id)
            fields = {
                "container": {
                    "type": "message",
                    "message_ts": eph.ts,
                    "channel_id": ch.id,
                    "is_ephemeral": True,
                },
                "channel": {"id": ch.id, "name": ch.name},
                "state": {"values": {}},
            }
        if found is None:
            raise PersonError(f"no element {action_id!r} in message {message_ts}")
        return found[0], found[1], fields

    def open_view(self, uid: str, view_id: str | None) -> View:
        """Return the person's visible view: the top of their modal stack, or their Home tab if asked."""
        stack = self.ws.stack(uid)
        if view_id is None:
            if not stack:
                raise PersonError(f"{uid} has no open modal")
            return stack[-1]
        home = self.ws.homes.get(uid)
        if view_id == home:
            return self.ws.views[home]
        if not stack or stack[-1].id != view_id:
            raise PersonError(f"view {view_id} is not the one {uid} is looking at")
        return stack[-1]

    def action(self, block: dict, el: dict, value) -> dict:
        """Return the ``actions[0]`` object for acting on an element with an optional chosen value."""
        kind = el["type"]
        a = {
            "action_id": el["action_id"],
            "block_id": block["block_id"],
            "type": kind,
            "action_ts": self.ws.ids.ts(self.emu.now()),
        }
        if kind == "button":
            if value is not None and value != el.get("value"):
                raise PersonError(
                    f"button {el['action_id']!r} carries value {el.get('value')!r}, not {value!r}"
                )
            a["text"] = copy.deepcopy(el.get("text"))
            for k in ("value", "style"):
                if k in el:
                    a[k] = el[k]
            return a
        a.update(self.selection(el, value))
        return a

    def selection(self, el: dict, value) -> dict:
        """Return the selected_* fields a choice of ``value`` gives for this element type."""
        kind = el["type"]
        if kind in ("overflow", "static_select", "radio_buttons"):
            return {"selected_option": self.option(el, value)}
        if kind in ("multi_static_select", "checkboxes"):
            return {"selected_options": [self.option(el, v) for v in (value or [])]}
        if kind == "external_select":
            return {
                "selected_option": {"text": {"type": "plain_text", "text": str(value)}, "value": value}
                if value is not None
                else None
            }
        if kind == "multi_external_select":
            return {
                "selected_options": [
                    {"text": {"type": "plain_text", "text": str(v)}, "value": v} for v in value or []
                ]
            }
        simple = {
            "users_select": "selected_user",
            "conversations_select": "selected_conversation",
            "channels_select": "selected_channel",
            "multi_users_select": "selected_users",
            "multi_conversations_select": "selected_conversations",
            "multi_channels_select": "selected_channels",
            "datepicker": "selected_date",
            "timepicker": "selected_time",
            "datetimepicker": "selected_date_time",
        }
        if kind in simple:
            return {simple[kind]: value}
        return {"value": value}

    def option(self, el: dict, value) -> dict | None:
        """Return the option with this value (a person can only pick what is offered)."""
        if value is None:
            return None
        for o in all_options(el):
            if o.get("value") == value:
                return copy.deepcopy(o)
        raise PersonError(f"{el.get('action_id')!r} offers no option with value {value!r}")

    async def click(
        self,
        *,
        user: str,
        action_id: str,
        channel: str | None = None,
        message_ts: str | None = None,
        view_id: str | None = None,
        block_id: str | None = None,
        value=None,
        values: dict | None = None,
    ) -> Delivery:
        """Click a button, or choose ``value`` in an overflow/select, in a message or the open view."""
        u = self.user(user)
        if values:
            view = self.open_view(u["id"], view_id)
            view.state = self.fill_state(view, values)
            view_id = view.id
        block, el, fields = self.locate(
            u["id"], action_id, channel=channel, message_ts=message_ts, view_id=view_id, block_id=block_id
        )
        now = self.emu.now()
        payload = self.base("block_actions", u)
        in_view = fields["container"]["type"] == "view"
        payload["container"] = fields.pop("container")
        payload["trigger_id"] = self.ws.issue_trigger(
            u["id"], now, in_view=payload["container"].get("view_id")
        )
        payload.update(fields)
        if not in_view:
            c = payload["container"]
            payload["response_url"] = self.ws.issue_response_url(
                self.emu.base_url,
                u["id"],
                c["channel_id"],
                now,
                source_ts=c["message_ts"],
                source_ephemeral=c["is_ephemeral"],
            )
        payload["actions"] = [self.action(block, el, value)]
        return await deliver(self.emu, "interactive", payload)

    async def suggest(
        self,
        *,
        user: str,
        action_id: str,
        value: str = "",
        channel: str | None = None,
        message_ts: str | None = None,
        view_id: str | None = None,
        block_id: str | None = None,
    ) -> Delivery:
        """Type ``value`` into an external select; ``Delivery.options`` holds what the app offered."""
        u = self.user(user)
        block, el, fields = self.locate(
            u["id"], action_id, channel=channel, message_ts=message_ts, view_id=view_id, block_id=block_id
        )
        if el["type"] not in ("external_select", "multi_external_select"):
            raise PersonError(f"{action_id!r} is a {el['type']}, not an external select")
        payload = self.base("block_suggestion", u)
        payload.update(
            {
                "container": fields.pop("container"),
                "action_id": action_id,
                "block_id": block["block_id"],
                "value": value,
            }
        )
        payload.update({k: v for k, v in fields.items() if k != "state"})
        d = await deliver(self.emu, "interactive", payload)
        if d.error:
            return d
        answer = d.json or {}
        opts = answer.get("options")
        groups = answer.get("option_groups")
        probe = {"type": "static_select", "action_id": "x"}
        if groups is not None:
            probe["option_groups"] = groups
        else:
            probe["options"] = opts if opts is not None else []
        errors = validate_blocks([{"type": "actions", "elements": [probe]}]) if (opts or groups) else []
        if errors:
            d.error, d.shown = "invalid_options", [{"errors": errors}]
        else:
            d.options = groups if groups is not None else (opts or [])
        return d

    # modals

    def fill_state(self, view: View, values: dict) -> dict:
        """Return the view's ``state.values`` after the person typed or chose ``values``."""
        state = copy.deepcopy(view.state)
        inputs = {
            b["block_id"]: b
            for b in view.body.get("blocks", [])
            if isinstance(b, dict) and b.get("type") in ("input", "actions", "section")
        }
        for bid, entries in values.items():
            block = inputs.get(bid)
            if block is None:
                raise PersonError(f"view {view.id} has no block {bid!r} to fill in")
            for aid, value in entries.items():
                found = find_element([block], aid)
                if found is None:
                    raise PersonError(f"block {bid!r} has no element {aid!r}")
                el = found[1]
                entry = (
                    {"type": el["type"], **value}
                    if isinstance(value, dict)
                    else {"type": el["type"], **self.selection(el, value)}
                )
                state.setdefault(bid, {})[aid] = entry
        for b in view.body.get("blocks", []):
            if isinstance(b, dict) and b.get("type") == "input" and isinstance(b.get("element"), dict):
                el = b["element"]
                slot = state.setdefault(b["block_id"], {})
                if el["action_id"] not in slot:
                    slot[el["action_id"]] = {"type": el["type"], **self.initial(el)}
        return state

    def initial(self, el: dict) -> dict:
        """Return the state entry of an untouched input (its initial value, or empty)."""
        kind = el["type"]
        if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
            return {"value": el.get("initial_value")}
        if kind in ("static_select", "external_select", "radio_buttons"):
            return {"selected_option": copy.deepcopy(el.get("initial_option"))}
        if kind in ("multi_static_select", "multi_external_select", "checkboxes"):
            return {"selected_options": copy.deepcopy(el.get("initial_options", []))}
        keys = {
            "users_select": ("selected_user", "initial_user"),
            "conversations_select": ("selected_conversation", "initial_conversation"),
            "channels_select": ("selected_channel", "initial_channel"),
            "multi_users_select": ("selected_users", "initial_users"),
            "datepicker": ("selected_date", "initial_date"),
            "timepicker": ("selected_time", "initial_time"),
            "datetimepicker": ("selected_date_time", "initial_date_time"),
        }
        if kind in keys:
            return {keys[kind][0]: el.get(keys[kind][1])}
        if kind == "file_input":
            return {"files": []}
        return {}

    def client_errors(self, view: View) -> dict:
        """Return what the Slack client itself refuses before sending (required, min/max length)."""
        errors = {}
        for b in view.body.get("blocks", []):
            if not (isinstance(b, dict) and b.get("type") == "input" and isinstance(b.get("element"), dict)):
                continue
            el = b["element"]
            entry = view.state.get(b["block_id"], {}).get(el["action_id"], {})
            filled = [v for k, v in entry.items() if k != "type" and v not in (None, "", [])]
            if not filled and not b.get("optional", False):
                errors[b["block_id"]] = "Please complete this required field."
            elif el["type"] == "plain_text_input" and entry.get("value"):
                n = len(entry["value"])
                if n > el.get("max_length", 3000) or n < el.get("min_length", 0):
                    errors[b["block_id"]] = "Please match the requested length."
        return errors

    async def submit_view(
        self, *, user: str, view_id: str | None = None, values: dict | None = None
    ) -> Delivery:
        """Fill in and submit the person's open modal; apply the app's ``response_action``."""
        u = self.user(user)
        view = self.open_view(u["id"], view_id)
        view.state = self.fill_state(view, values or {})
        now = self.emu.now()
        payload = self.base("view_submission", u)
        payload.update(
            {
                "trigger_id": self.ws.issue_trigger(u["id"], now, in_view=view.id),
                "view": self.view_api(view),
                "response_urls": [],
            }
        )
        errors = self.client_errors(view)
        if errors:
            return Delivery(
                kind="interactive",
                payload=payload,
                transport="none",
                error="client_validation",
                client_errors=errors,
            )
        d = await deliver(self.emu, "interactive", payload)
        if not d.error:
            self.apply_response_action(d, u["id"], view)
        return d

    def apply_response_action(self, d: Delivery, uid: str, view: View) -> None:
        """Apply a view_submission answer: close, errors, update, push or clear."""
        answer = d.json or {}
        action = answer.get("response_action")
        stack = self.ws.stacks.get(uid, [])
        if not d.body.strip() or action is None:
            if stack and stack[-1] == view.id:
                stack.pop()
            return
        if action == "errors":
            inputs = {b.get("block_id") for b in view.body.get("blocks", []) if b.get("type") == "input"}
            errs = answer.get("errors")
            if not isinstance(errs, dict) or not errs or not set(errs) <= inputs:
                d.error = "invalid_response_action"
                return
            view.errors = dict(errs)
            return
        if action == "clear":
            self.ws.stacks[uid] = []
            return
        if action not in ("update", "push"):
            d.error = "invalid_response_action"
            return
        new = answer.get("view")
        problems = validate_view(new, file_check=self.emu.file_check)
        if problems or new.get("type") != "modal":
            d.error, d.shown = "invalid_view", [{"errors": problems}]
            return
        new = copy.deepcopy(new)
        fill_ids(new.setdefault("blocks", []))
        if action == "update":
            view.body, view.hash, view.state, view.errors = new, self.ws.new_hash(self.emu.now()), {}, None
        elif len(stack) >= 3:
            d.error = "push_limit_reached"
        else:
            pushed = self.ws.new_view(uid, new, self.emu.now(), root=view.root_view_id, previous=view.id)
            stack.append(pushed.id)

    async def close_view(self, *, user: str, view_id: str | None = None) -> Delivery | None:
        """Press Cancel on the open modal; send ``view_closed`` if the view asked for it."""
        u = self.user(user)
        view = self.open_view(u["id"], view_id)
        cleared = bool(view.body.get("clear_on_close"))
        stack = self.ws.stacks.get(u["id"], [])
        if cleared:
            stack.clear()
        elif stack:
            stack.pop()
        if not view.body.get("notify_on_close"):
            return None
        payload = self.base("view_closed", u)
        payload.update({"view": self.view_api(view), "is_cleared": cleared})
        return await deliver(self.emu, "interactive", payload)

    # events

    async def event(self, event: dict) -> Delivery:
        """Send any Events API event inside Slack's ``event_callback`` envelope."""
        now = self.emu.now()
        envelope = {
            "token": self.emu.verification_token,
            "team_id": self.ws.team_id,
            "api_app_id": self.ws.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": "Ev" + self.ws.ids.next("E")[1:],
            "event_time": int(now),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.ws.team_id,
                    "user_id": self.ws.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": "EC" + self.ws.ids.next("X")[1:],
            "context_team_id": self.ws.team_id,
            "context_enterprise_id": None,
        }
        return await deliver(self.emu, "events_api", envelope)

    async def app_home_opened(self, *, user: str, tab: str = "home") -> Delivery:
        """Open the app's Home (or Messages) tab."""
        u = self.user(user)
        im = self.ws.im_with(u["id"])
        event = {
            "type": "app_home_opened",
            "user": u["id"],
            "channel": im.id,
            "tab": tab,
            "event_ts": self.ws.ids.ts(self.emu.now()),
        }
        home = self.ws.homes.get(u["id"])
        if home:
            event["view"] = self.view_api(self.ws.views[home])
        return await self.event(event)

    async def verify_url(self, challenge: str = "sandbox-challenge") -> bool:
        """Send ``url_verification`` and return True if the app echoed the challenge."""
        d = await deliver(
            self.emu,
            "events_api",
            {"token": self.emu.verification_token, "challenge": challenge, "type": "url_verification"},
        )
        return not d.error and (challenge == (d.json or {}).get("challenge") or d.body.strip() == challenge)
