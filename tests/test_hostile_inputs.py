"""Hostile input on every route: nesting, wrong types, encodings, sizes, forged values, unsigned variants.

One sandbox world (both emulators, the demo account, igbot on loopback) takes the whole corpus. Each input must get
an answer below 500 with no error logged and no effect: no Graph mutation on the emulator, nothing queued in the
outbox, inbox or posts, nothing new in the channel and no modal or Home shown. Forged values in well-formed payloads
get a clear ephemeral. Afterwards a valid comment is still relayed and a valid post still published.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import aiohttp
import pytest
import pytest_asyncio

from bot.demo import world as sandbox
from handlers.replies import STALE

IN_WORLD = pytest.mark.asyncio(loop_scope="module")  # every test here shares one world
DEEP = 10_000


@dataclass
class Case:
    """One hostile request; `sign` is "slack", "meta" or None; `tells` is a text the person must be shown."""

    name: str
    method: str
    path: str
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    sign: str | None = None
    status: tuple[int, ...] = ()
    tells: str | None = None
    answer: str | None = None  # a text the HTTP answer must contain
    allowed: tuple[str, ...] = ()  # effects this case may have (see `effects`)


class ErrorLog(logging.Handler):
    """Every record at ERROR or above, from any logger, while the corpus runs."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory):
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)
    opened = await sandbox.open_world(str(tmp_path_factory.mktemp("hostile") / "sandbox.db"))
    opened.errors = errors
    opened.http = aiohttp.ClientSession()
    opened.deps.outbox.post_interval = opened.deps.outbox.update_interval = 0.0
    yield opened
    await opened.http.close()
    await sandbox.close_world(opened)
    logging.getLogger().removeHandler(errors)


# --- building the corpus --------------------------------------------------------------------------------------

SAM, LEE, CHANNEL, IG, RESPOND = "XSAMX", "XLEEX", "XCHANNELX", "XIGX", "XRESPONDX"  # filled in when sent


def nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


def meta(body: bytes | str, name: str, *, headers: dict | None = None, **kw) -> Case:
    raw = body.encode() if isinstance(body, str) else body
    return Case(name, "POST", "/webhooks/instagram", raw, {"Content-Type": "application/json", **(headers or {})},
                sign="meta", **kw)


def delivery(*values, field_name: str = "comments", entry_id: object = IG) -> str:
    changes = [{"field": field_name, "value": v} for v in values]
    return json.dumps({"object": "instagram", "entry": [{"id": entry_id, "time": 1, "changes": changes}]})


def comment(**overrides) -> dict:
    value = {"id": "17999000000000001", "text": "hi", "from": {"id": "5501", "username": "mallory"},
             "media": {"id": "17999000000000999", "media_product_type": "FEED"}}
    value.update(overrides)
    return value


def slack_form(fields: dict, name: str, *, headers: dict | None = None, **kw) -> Case:
    return Case(name, "POST", "/slack/events", urlencode(fields).encode(),
                {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}, sign="slack", **kw)


def slack_payload(payload: object, name: str, **kw) -> Case:
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    return slack_form({"payload": raw}, name, **kw)


def slack_json(payload: object, name: str, **kw) -> Case:
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    return Case(name, "POST", "/slack/events", raw.encode(), {"Content-Type": "application/json"}, sign="slack", **kw)


def command(text: str, name: str, **overrides) -> Case:
    fields = {"command": "/ig", "text": text, "user_id": LEE, "channel_id": CHANNEL, "team_id": "T0SANDBOX",
              "trigger_id": "1.2.3", "response_url": RESPOND}
    fields.update(overrides)
    kw = {k: fields.pop(k) for k in ("answer",) if k in fields}
    return slack_form({k: v for k, v in fields.items() if v is not None}, name, **kw)


def click(action_id: str, value: object = None, name: str = "", *, tells: str | None = None,
          allowed: tuple[str, ...] = (), **extra) -> Case:
    action = {"action_id": action_id, "block_id": "b", "type": "button"}
    if value is not None:
        action["value"] = value
    payload = {"type": "block_actions", "user": {"id": SAM}, "trigger_id": "1.2.3", "response_url": RESPOND,
               "channel": {"id": CHANNEL}, "container": {"type": "message", "channel_id": CHANNEL},
               "actions": [action], **extra}
    return slack_payload(payload, name or f"click {action_id} {value!r}"[:80], tells=tells, allowed=allowed)


def view_submission(view: object, name: str, user: object = None) -> Case:
    return slack_payload({"type": "view_submission", "user": user or {"id": SAM}, "view": view}, name)


def modal(callback_id: str, *, metadata: str = "", values: object = None) -> dict:
    return {"id": "V0HOSTILE", "type": "modal", "callback_id": callback_id, "private_metadata": metadata, "hash": "h",
            "state": {"values": values if values is not None else {}}}


def event(ev: object, name: str) -> Case:
    return slack_json({"type": "event_callback", "team_id": "T0SANDBOX", "event": ev, "event_id": "Ev1",
                       "event_time": 1}, name)


def webhook_cases() -> list[Case]:
    cases = [
        Case("verify: nothing", "GET", "/webhooks/instagram"),
        Case("verify: wrong token", "GET",
             "/webhooks/instagram?hub.mode=subscribe&hub.verify_token=no&hub.challenge=1"),
        Case("verify: NUL token", "GET", "/webhooks/instagram?hub.mode=subscribe&hub.verify_token=%00&hub.challenge=1"),
        Case("verify: non-UTF-8", "GET", "/webhooks/instagram?hub.mode=%ff&hub.verify_token=%fe%ff"),
        Case("verify: repeated params", "GET", "/webhooks/instagram?hub.mode=a&hub.mode=b&hub.verify_token=x"),
        Case("verify: huge challenge", "GET", "/webhooks/instagram?hub.mode=subscribe&hub.challenge=" + "9" * 5000),
        Case("verify: unicode token", "GET", "/webhooks/instagram?hub.mode=subscribe&hub.verify_token=%E2%98%83"),
        Case("verify: underscore aliases, wrong", "GET", "/webhooks/instagram?hub_mode=subscribe&hub_verify_token=x"),
    ]
    junk_bodies = {
        "nested 10,000 deep": nested(DEEP), "nested objects 10,000 deep": '{"a":' * DEEP + "1" + "}" * DEEP,
        "nested 65 deep in entry": json.dumps({"object": "instagram", "entry": []})[:-2] + nested(65) + "]}",
        "not JSON": "{not json", "a JSON array": "[1,2]", "null": "null", "a string": '"instagram"', "empty": "",
        "object without entry": '{"object":"instagram"}', "entry an object": '{"object":"instagram","entry":{}}',
        "object a number": '{"object":5,"entry":[]}', "NaN": '{"object":"instagram","entry":[NaN]}',
        "1e400": '{"object":"instagram","entry":[{"id":1e400}]}', "truncated": '{"object":"instagram","entry":[{"id":',
        "BOM": "\ufeff" + delivery(comment()), "lone surrogate": delivery(comment(text="\ud800")),
        "duplicate keys": '{"object":"instagram","object":"page","entry":[]}',
    }
    cases += [meta(body, f"delivery: {name}") for name, body in junk_bodies.items()]
    cases.append(meta(b"\xff\xfe" + delivery(comment()).encode(), "delivery: non-UTF-8 bytes"))
    bad_values = {
        "id a list": comment(id=["17855"]), "id an object": comment(id={"id": "1"}), "id true": comment(id=True),
        "id with NUL": comment(id="178\x0055"), "id empty": comment(id=""), "id negative": comment(id="-5"),
        "id a float": comment(id=1.5), "id 200 digits": comment(id="9" * 200), "id letters": comment(id="abc"),
        "comment_id a list": {**comment(), "id": None, "comment_id": ["1"]}, "no id at all": {"text": "x"},
        "username a number": comment(**{"from": {"id": "5", "username": 5}}),
        "username a list": comment(**{"from": {"id": "5", "username": ["a"]}}),
        "username an object": comment(**{"from": {"id": "5", "username": {"u": 1}}}),
        "from a string": comment(**{"from": "mallory"}), "from a list": comment(**{"from": [1]}),
        "from.id letters": comment(**{"from": {"id": "x", "username": "m"}}),
        "text a list": comment(text=["x"]), "text a number": comment(text=5), "text an object": comment(text={}),
        "text 9,000 characters": comment(text="x" * 9000), "media a string": comment(media="1"),
        "media.id a number": comment(media={"id": 17}), "parent_id a list": comment(parent_id=["1"]),
        "timestamp an object": comment(timestamp={"t": 1}), "value a list": [1], "value a string": "x",
        "value null": None,
    }
    cases += [meta(delivery(v), f"change: {name}") for name, v in bad_values.items()]
    cases += [
        meta(delivery({"media_id": ["1"]}, field_name="mentions"), "mention: media_id a list"),
        meta(delivery({"comment_id": True}, field_name="mentions"), "mention: comment_id true"),
        meta(delivery({}, field_name="mentions"), "mention: empty"),
        meta(delivery(comment(), field_name=5), "change: field a number"),
        meta(delivery(comment(), entry_id=["1"]), "entry: id a list"),
        meta(delivery(comment(), entry_id=17841400000000), "entry: id a number"),
        meta(delivery(comment(), entry_id="../1"), "entry: id a path"),
        meta(json.dumps({"object": "instagram", "entry": [None, 1, "x", []]}), "entry: items of every type"),
        meta(json.dumps({"object": "instagram", "entry": [{"id": IG, "changes": [None, 1, [], "x"]}]}),
             "changes: items of every type"),
        meta(delivery(*[comment(id=["1"])] * 1000), "1,000 invalid changes"),
        meta(json.dumps({"object": "instagram", "entry": [{"id": IG, "field": "comments", "value": "x"}]}),
             "unwrapped change with a string value"),
    ]
    body = delivery(comment()).encode()
    cases += [
        Case("unsigned delivery", "POST", "/webhooks/instagram", body, {"Content-Type": "application/json"}),
        Case("wrong signature", "POST", "/webhooks/instagram", body, {"X-Hub-Signature-256": "sha256=" + "0" * 64}),
        Case("sha1 signature", "POST", "/webhooks/instagram", body, {"X-Hub-Signature": "sha1=" + "0" * 40}),
        Case("signature not hex", "POST", "/webhooks/instagram", body, {"X-Hub-Signature-256": "sha256=zz"}),
        Case("signature empty", "POST", "/webhooks/instagram", body, {"X-Hub-Signature-256": ""}),
        Case("unsigned nested 10,000", "POST", "/webhooks/instagram", nested(DEEP).encode()),
        Case("unsigned gzip that is not gzip", "POST", "/webhooks/instagram", body, {"Content-Encoding": "gzip"},
             status=(415,)),
        Case("unsigned real gzip", "POST", "/webhooks/instagram", gzip.compress(body), {"Content-Encoding": "gzip"},
             status=(415,)),
        meta(body, "signed body sent as br", headers={"Content-Encoding": "br"}, status=(415,)),
        Case("deflate, empty body", "POST", "/webhooks/instagram", b"", {"Content-Encoding": "deflate"}, status=(415,)),
        Case("announced 33 MiB", "POST", "/webhooks/instagram", b"{}",
             {"Content-Length": str(33 * 1024 * 1024), "Connection": "close"}, status=(413,)),
        Case("PUT", "PUT", "/webhooks/instagram", body, status=(405,)),
    ]
    return cases


def slack_cases() -> list[Case]:
    stale = STALE[:40]
    cases = [
        command("cancel 99999999999999999999999", "cancel: over int64", answer="There is no post"),
        command("cancel 9223372036854775808", "cancel: int64 max + 1", answer="There is no post"),
        command("cancel 9223372036854775807", "cancel: int64 max", answer="There is no post"),
        command("cancel 0", "cancel: zero"), command("cancel -1", "cancel: negative"),
        command("cancel ١٢٣", "cancel: Arabic digits"), command("cancel #", "cancel: only #"),
        command("accounts 99999999999999999999999", "accounts: page over int64"),
        command("accounts 0", "accounts: page zero"),
        command("queue <!channel> \x01", "queue: mention and control character"),
        command("post demo_shop now https://cdn.example/img/a.jpg " + "x" * 19_000, "post: 19,000 characters"),
        command("settings demo_shop digest 99:99 timezone ../../etc", "settings: junk values"),
        command("access grant <@U0NOBODY> * root", "access: junk role"),
        command("help payload", "the word payload in the text", answer="/ig cancel"),
        command("help", "user_id missing", user_id=None), command("help", "user_id empty", user_id=""),
        command("help", "user_id with NUL", user_id="U1\x00"), command("help", "channel_id missing", channel_id=None),
        command("help\x00", "text with NUL"), command("x" * 25_000, "text 25,000 characters"),
        command("help", "another command", command="/other"), command("help", "command 100 characters",
                                                                        command="/" + "x" * 99),
        slack_form({"command": "/ig"}, "command only"), slack_form({}, "empty form"),
        slack_form({"ssl_check": "1"}, "ssl_check"),
    ]
    cases += [
        click("comment_hide", ["987654"], "Hide with a list value"),
        click("comment_hide", "99999999999999999999999", tells=stale),
        click("comment_hide", "9223372036854775808", tells=stale),
        click("comment_hide", "abc", tells=stale), click("comment_hide", "", tells=stale),
        click("comment_hide", None, "Hide without a value", tells=stale),
        click("comment_hide", "987654", "Hide an unknown comment"),
        click("comment_delete", "-1", tells=stale), click("comment_unhide", "1.5", tells=stale),
        click("comment_reply", "99999999999999999999999", tells=stale), click("comment_reply", 5, "Reply, value 5"),
        click("comment_hide", {"id": 1}, "Hide with an object value"), click("comment_hide", True, "Hide, true"),
        click("comment_hide", "1\x00", "Hide with NUL"),
        click("post_cancel", "99999999999999999999999", tells=stale),
        click("post_publish_now", "99999999999999999999999:1", tells=stale),
        click("post_approve", "abc:1", tells=stale), click("post_retry", "", tells=stale),
        click("post_check", "0", tells=stale), click("post_reject", "99999999999999999999999", tells=stale),
        click("post_approve", "77777:99999999999999999999999999", "Approve an unknown post, huge revision"),
        click("post_edit", "99999999999999999999999", tells=stale), click("post_edit", "x", tells=stale),
        click("account_reconnect", "99999999999999999999999", "Reconnect, over int64"),
        click("account_reconnect", "-3", "Reconnect, negative"),
        click("home_page", "99999999999999999999999", "Home page over int64", allowed=("views.publish",)),
        click("accounts_page", "99999999999999999999999", "Accounts page over int64"),
        click("comment_hide", "1", "channel a number", channel=5),
        click("comment_hide", "1", "container a string", container="x"),
        click("comment_hide", "1", "trigger_id a list", trigger_id=[1]),
        click("comment_hide", "1", "response_url a number", response_url=7),
        click("comment_hide", "1", "authorizations a string", authorizations="x"),
        click("comment_hide", "1", "authorizations of numbers", authorizations=[1]),
        click("comment_hide", "1", "team a number", team=5), click("comment_hide", "1", "enterprise a list",
                                                                  enterprise=[]),
        click("comment_hide", "1", "click: view a string", view="x"),
        click("comment_hide", "1", "click: message a list", message=[]),
        click("comment_hide", "1", "click: event a string", event="x"),
    ]
    menu = {"type": "block_actions", "user": {"id": SAM}, "channel": {"id": CHANNEL}, "trigger_id": "1.2.3"}
    cases += [
        slack_payload({**menu, "actions": [{"action_id": "comment_menu", "selected_option": "hide:1"}]},
                      "menu: selected_option a string"),
        slack_payload({**menu, "actions": [{"action_id": "comment_menu", "selected_option": {"value": 5}}]},
                      "menu: option value a number"),
        slack_payload({**menu, "actions": [{"action_id": "comment_menu",
                                            "selected_option": {"value": "hide:99999999999999999999999"}}]},
                      "menu: hide over int64", tells=stale),
        slack_payload({**menu, "actions": [{"action_id": "comment_menu", "selected_option": {"value": "nuke:1"}}]},
                      "menu: unknown verb", tells=stale),
        slack_payload({**menu, "actions": []}, "actions empty"), slack_payload({**menu, "actions": "x"}, "actions x"),
        slack_payload({**menu, "actions": [None]}, "actions [null]"),
        slack_payload({**menu, "actions": [{"action_id": 5}]}, "action_id a number"),
        slack_payload({**menu, "actions": [{}]}, "action without action_id"),
        slack_payload({"type": "block_actions", "actions": [{"action_id": "comment_hide", "value": "1"}]},
                      "payload without user"),
        slack_payload({**menu, "user": "U0SAM", "actions": [{"action_id": "comment_hide", "value": "1"}]},
                      "user a string"),
        slack_payload({**menu, "user": {"id": 5}, "actions": [{"action_id": "comment_hide", "value": "1"}]},
                      "user.id a number"),
        slack_payload([], "payload=[]"), slack_payload('"x"', 'payload="x"'), slack_payload("null", "payload=null"),
        slack_payload("1", "payload=1"), slack_payload("true", "payload=true"), slack_payload({}, "payload={}"),
        slack_payload("{not json", "payload not JSON"), slack_payload(nested(DEEP), "payload nested 10,000 deep"),
        slack_payload('{"type":' * 1 + nested(DEEP) + "}", "payload with a field nested 10,000 deep"),
        slack_payload({"type": 5}, "type a number"), slack_payload({"type": "shortcut", "callback_id": 5},
                                                                  "unknown type"),
    ]
    reply_values = {"reply": {"text": {"type": "plain_text_input", "value": ["x"]}}}
    cases += [
        view_submission("x", "view a string"), view_submission([], "view a list"),
        slack_payload({"type": "view_submission", "user": {"id": SAM}}, "view missing"),
        view_submission({"id": "V1", "state": {"values": {}}}, "view without callback_id"),
        view_submission(modal("comment_reply", metadata='{"comment": 1}', values="x"), "state.values a string"),
        view_submission({**modal("comment_reply"), "state": "x"}, "state a string"),
        view_submission(modal("comment_reply", metadata='{"comment": 1}', values=reply_values), "reply text a list"),
        view_submission(modal("comment_reply", metadata='{"comment": 1}',
                              values={"reply": {"text": {"value": {"t": 1}}}}), "reply text an object"),
        view_submission(modal("comment_reply", metadata='{"comment": 1}', values={"reply": "x"}), "block a string"),
        view_submission(modal("comment_reply", metadata="{not json"), "metadata not JSON"),
        view_submission(modal("comment_reply", metadata="[1]"), "metadata a list"),
        view_submission(modal("comment_reply", metadata=nested(DEEP)), "metadata nested 10,000 deep"),
        view_submission(modal("comment_reply", metadata='{"comment": 99999999999999999999999}'),
                        "metadata comment over int64"),
        view_submission(modal("comment_reply", metadata='{"comment": "abc"}'), "metadata comment a string"),
        view_submission(modal("comment_delete_confirm", metadata='{"comment": [1]}'),
                        "delete: metadata comment a list"),
        view_submission(modal("comment_delete_confirm", metadata='{"comment": 987654}'), "delete an unknown comment"),
        view_submission(modal("post_reject", metadata='{"post_id": 99999999999999999999999}'),
                        "reject: post_id over int64"),
        view_submission(modal("post_reject", metadata='{"post_id": 987654}',
                              values={"reason": {"reason_input": {"value": "no"}}}), "reject an unknown post"),
        view_submission(modal("post_compose", values={"account": {"account": {"selected_option": "demo_shop"}}}),
                        "compose: selected_option a string"),
        view_submission(modal("post_compose", values={"media": {"media": {"files": "x"}}}), "compose: files a string"),
        view_submission(modal("post_compose", values={"date": {"date": {"selected_date": 5}}}),
                        "compose: selected_date a number"),
        view_submission(modal("post_compose", metadata='{"post_id": "7"}'), "compose: post_id a string"),
        view_submission(modal("post_compose", metadata='{"channel_id": 5}'), "compose: channel_id a number"),
        view_submission(modal("home_connect", values={"channel": {"channel_input": {"selected_conversation": 5}}}),
                        "connect: conversation a number"),
        view_submission(modal("comment_reply"), "user a number", user=5),
        slack_payload({"type": "view_closed", "user": {"id": SAM}, "view": 5}, "view_closed, view a number"),
    ]
    cases += [
        event("x", "event a string"), event([], "event a list"), event({"type": 5}, "event type a number"),
        event({"type": "app_home_opened", "tab": "home"}, "app_home_opened without a user"),
        event({"type": "app_home_opened", "user": 5}, "app_home_opened, user a number"),
        event({"type": "app_home_opened", "user": ["U1"]}, "app_home_opened, user a list"),
        event({"type": "app_home_opened", "user": SAM, "tab": 5}, "app_home_opened, tab a number"),
        event({"type": "message", "user": {"id": 5}, "channel": 7}, "message event with odd ids"),
        event({"type": "reaction_added", "item": "x"}, "reaction event with item a string"),
        slack_json({"type": "event_callback"}, "event missing"),
        slack_json({"type": "event_callback", "event": nested(50)}, "event nested"),
        slack_json({"type": "url_verification"}, "url_verification without challenge"),
        slack_json({"type": "url_verification", "challenge": 5}, "challenge a number"),
        slack_json("[]", "JSON body a list"), slack_json(nested(DEEP), "JSON body nested 10,000 deep"),
        slack_payload({"type": "block_suggestion", "user": {"id": SAM}, "action_id": "compose_account", "value": 5},
                      "options: value a number"),
        slack_payload({"type": "block_suggestion", "user": {"id": SAM}, "value": "d"}, "options: no action_id"),
        slack_payload({"type": "block_suggestion", "action_id": "compose_account", "value": "d"},
                      "options: no user"),
        slack_payload({"type": "block_suggestion", "user": {"id": SAM}, "action_id": "compose_account",
                       "value": "\x00" * 10}, "options: NULs"),
    ]
    body = urlencode({"command": "/ig", "text": "help", "user_id": "U1", "channel_id": "C1"}).encode()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    now = str(int(time.time()))
    unsigned = {
        "no signature": {}, "timestamp abc": {"X-Slack-Request-Timestamp": "abc"},
        "timestamp empty": {"X-Slack-Request-Timestamp": ""}, "timestamp 1e10": {"X-Slack-Request-Timestamp": "1e10"},
        "timestamp with space": {"X-Slack-Request-Timestamp": f" {now}"},
        "timestamp 1_000": {"X-Slack-Request-Timestamp": "1_000"},
        "timestamp 30 digits": {"X-Slack-Request-Timestamp": "9" * 30},
        "timestamp an hour old": {"X-Slack-Request-Timestamp": str(int(time.time()) - 3600)},
        "signature zeros": {"X-Slack-Request-Timestamp": now, "X-Slack-Signature": "v0=" + "0" * 64},
        "signature not hex": {"X-Slack-Request-Timestamp": now, "X-Slack-Signature": "v0=zz"},
        "signature v1": {"X-Slack-Request-Timestamp": now, "X-Slack-Signature": "v1=" + "0" * 64},
    }
    cases += [Case(f"unsigned: {name}", "POST", "/slack/events", body, {**form, **headers}, status=(401,))
              for name, headers in unsigned.items()]
    cases += [
        Case("unsigned: non-ASCII signature", "POST", "/slack/events", body,
             {**form, "X-Slack-Request-Timestamp": now, "X-Slack-Signature": "v0=" + "é" * 64}, status=(401,)),
        Case("unsigned: payload=[]", "POST", "/slack/events", b"payload=%5B%5D", form, status=(401,)),
        Case("unsigned: nested 10,000", "POST", "/slack/events", ("payload=" + nested(DEEP)).encode(), form,
             status=(401,)),
        Case("unsigned: gzip", "POST", "/slack/events", body, {**form, "Content-Encoding": "gzip"}, status=(415,)),
        slack_form({"command": "/ig", "text": "help"}, "signed but sent as gzip",
                   headers={**form, "Content-Encoding": "gzip"}, status=(415,)),
        Case("body over 1 MiB", "POST", "/slack/events", b"x" * (1024 * 1024 + 10), form, sign="slack",
             status=(413,)),
        Case("signed non-UTF-8 body", "POST", "/slack/events", b"command=/ig&text=\xff\xfe", form, sign="slack"),
        Case("signed JSON type, form body", "POST", "/slack/events", body, {"Content-Type": "application/json"},
             sign="slack"),
        Case("GET /slack/events", "GET", "/slack/events", status=(405,)),
    ]
    return cases


def web_cases() -> list[Case]:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    multipart = {"Content-Type": "multipart/form-data; boundary=XyZ"}
    return [
        Case("oauth start: no state", "GET", "/oauth/facebook/start"),
        Case("oauth start: NUL state", "GET", "/oauth/instagram/start?state=%00%ff"),
        Case("oauth start: 10,000-character state", "GET", "/oauth/facebook/start?state=" + "a" * 10_000),
        Case("oauth start: unknown flavour", "GET", "/oauth/myspace/start?state=x"),
        Case("oauth callback: error", "GET", "/oauth/facebook/callback?error=access_denied&state=x"),
        Case("oauth callback: no code", "GET", "/oauth/facebook/callback?state=x"),
        Case("oauth callback: unknown state", "GET", "/oauth/instagram/callback?state=x&code=y"),
        Case("oauth callback: repeated state", "GET", "/oauth/instagram/callback?state=a&state=b&code=%ff"),
        Case("oauth finish: junk multipart", "POST", "/oauth/facebook/callback", b"--XyZ\r\nnonsense", multipart),
        Case("oauth finish: multipart without boundary", "POST", "/oauth/facebook/callback", b"x",
             {"Content-Type": "multipart/form-data"}),
        Case("oauth finish: multipart with a file", "POST", "/oauth/facebook/callback",
             b'--XyZ\r\nContent-Disposition: form-data; name="choice"; filename="a.txt"\r\n\r\nhello\r\n--XyZ--\r\n',
             multipart),
        Case("oauth finish: non-UTF-8 form", "POST", "/oauth/facebook/callback", b"choice=\xff\xfe&ig_user_id=\xff",
             form),
        Case("oauth finish: JSON body", "POST", "/oauth/facebook/callback", b'{"choice": 1}',
             {"Content-Type": "application/json"}),
        Case("oauth finish: empty", "POST", "/oauth/facebook/callback", b"", form),
        Case("oauth finish: unknown choice", "POST", "/oauth/facebook/callback",
             b"choice=nope&ig_user_id=1&ig_user_id=%00", form),
        Case("oauth finish: gzip", "POST", "/oauth/facebook/callback", gzip.compress(b"choice=x"),
             {**form, "Content-Encoding": "gzip"}, status=(415,)),
        Case("oauth finish on the Instagram path", "POST", "/oauth/instagram/callback", b"choice=x", form,
             status=(405,)),
        Case("media: traversal", "GET", "/media/..%2F..%2Fetc%2Fpasswd", status=(404,)),
        Case("media: NUL", "GET", "/media/abc%00def", status=(404,)),
        Case("media: 5,000 characters", "GET", "/media/" + "a" * 5000, status=(404,)),
        Case("media: unicode", "GET", "/media/%E2%98%83", status=(404,)),
        Case("media: non-UTF-8", "GET", "/media/%ff%fe", status=(404,)),
        Case("media: POST", "POST", "/media/abc", b"x", status=(405,)),
        Case("healthz: junk bearer", "GET", "/healthz", headers={"Authorization": "Bearer ' or 1=1 --"}),
        Case("healthz: junk query and request id", "GET", "/healthz?x=%ff", headers={"X-Request-Id": "<script>"}),
        Case("healthz: POST", "POST", "/healthz", b"{}", status=(405,)),
        Case("metrics: wrong bearer", "GET", "/metrics", headers={"Authorization": "Bearer wrong"}),
        Case("metrics: basic auth", "GET", "/metrics", headers={"Authorization": "Basic Zm9vOmJhcg=="}),
        Case("metrics: gzip body on GET", "GET", "/metrics", b"x", {"Content-Encoding": "gzip"}, status=(415,)),
        Case("unknown route", "GET", "/nowhere", status=(404,)),
    ]


CORPUS = webhook_cases() + slack_cases() + web_cases()


def test_the_corpus_is_large_and_named_uniquely():
    assert len(CORPUS) >= 150
    names = [case.name for case in CORPUS]
    assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]


# --- sending a case and checking it had no effect -------------------------------------------------------------

def fill(world, raw: bytes) -> bytes:
    """Put the world's real ids (and a fresh response_url) where a case has placeholders."""
    respond = world.slack.issue_response_url(world.people["sam"], world.channel)
    respond = respond if raw.startswith(b"{") else quote(respond, safe="")
    return (raw.replace(RESPOND.encode(), respond.encode()).replace(SAM.encode(), world.people["sam"].encode())
            .replace(LEE.encode(), world.people["lee"].encode())
            .replace(CHANNEL.encode(), world.channel.encode())
            .replace(IG.encode(), world.ig_account.ig_user_id.encode()))


def signed(world, case: Case, body: bytes) -> dict:
    headers = dict(case.headers)
    if case.sign == "slack":
        ts = str(int(time.time()))
        headers["X-Slack-Request-Timestamp"] = ts
        base = b"v0:" + ts.encode() + b":" + body  # computed on the bytes: some bodies are not UTF-8
        headers["X-Slack-Signature"] = "v0=" + hmac.new(sandbox.SIGNING_SECRET.encode(), base,
                                                        hashlib.sha256).hexdigest()
    elif case.sign == "meta":
        digest = hmac.new(sandbox.META_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        headers["X-Hub-Signature-256"] = f"sha256={digest}"
    return headers


def effects(world) -> dict:
    """Everything a hostile input must not change."""
    def counts(db):
        return {table: db[table].count for table in ("posts", "outbox", "inbox", "comments")}

    slack, graph = world.slack, world.graph
    return {
        **world.deps.store.run_sync(counts),
        "channel messages": len(slack.messages(world.channel)),
        **{method: len(slack.calls_of(method)) for method in ("chat.update", "views.open", "views.update",
                                                                "views.push", "views.publish")},
        "graph mutations": sum(1 for c in graph.calls if c.method in ("POST", "DELETE")
                               and c.host not in ("www.facebook.com", "www.instagram.com")),
    }


async def settled(world) -> dict:
    """Wait until the bot's background work stops changing anything, then return the effects."""
    before = effects(world)
    for _ in range(100):
        await asyncio.sleep(0.05)
        now = effects(world)
        if now == before:
            return now
        before = now
    return before


@IN_WORLD
@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
async def test_hostile_input_gets_a_clear_answer_and_has_no_effect(world, case):
    before = await settled(world)
    shown = len(world.slack.ephemerals())
    errors = len(world.errors.records)
    body = fill(world, case.body)
    url = world.bot_url + case.path
    async with world.http.request(case.method, url, data=body or None, headers=signed(world, case, body),
                                  skip_auto_headers=["Content-Type"] if "Content-Type" not in case.headers else (),
                                  ) as response:
        text = await response.text(errors="replace")
    assert response.status < 500, (response.status, text[:300])
    if case.status:
        assert response.status in case.status, (response.status, text[:300])
    assert "Traceback" not in text
    if case.answer:
        assert case.answer in text, text[:300]
    if case.tells:
        await world.slack.wait_for(lambda: any(case.tells in e.get("text", "") for e in
                                               world.slack.ephemerals()[shown:]), timeout=10)
    after = await settled(world)
    assert {k: v for k, v in after.items() if k not in case.allowed} == \
        {k: v for k, v in before.items() if k not in case.allowed}
    assert world.errors.records[errors:] == []


@IN_WORLD
@pytest.mark.parametrize("path", ["/webhooks/instagram", "/slack/events", "/oauth/facebook/callback"])
async def test_a_client_that_hangs_up_mid_body_is_a_debug_line(world, path, caplog):
    errors = len(world.errors.records)
    port = world.config.port
    with caplog.at_level(logging.DEBUG, logger="bot.app"):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     f"Content-Length: 100000\r\n\r\nchoice=".encode())
        await writer.drain()
        await asyncio.sleep(0.1)
        writer.close()
        await world.slack.wait_for(lambda: "hung up" in caplog.text, timeout=10)
    assert world.errors.records[errors:] == []


@IN_WORLD
async def test_after_the_corpus_a_comment_is_relayed_and_a_post_published(world):
    media = max((m for m in world.graph.state.media.values()
                 if m.owner_id == world.ig_account.ig_user_id and not m.parent_id), key=lambda m: m.timestamp)
    world.graph.add_comment(media, "Still here after all that?", username="steady_fan")
    await world.graph.flush_webhooks()
    await world.slack.wait_for(lambda: any("Still here after all that?" in json.dumps(m.get("blocks"))
                                           for m in world.slack.messages(world.channel)), timeout=20)

    seen = await world.slack.slash_command(user=world.people["lee"], channel=world.channel,
                                           text="post demo_shop now https://cdn.example/img/square.jpg Survived")
    assert seen.ok and "Queued" in seen.text, seen.text
    await world.slack.wait_for(lambda: any(m.caption == "Survived" for m in world.graph.state.media.values()),
                               timeout=30)
    assert [r.getMessage() for r in world.errors.records] == []
