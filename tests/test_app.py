"""The HTTP app: Slack requests through Bolt, /healthz, /metrics, request ids in logs."""

import asyncio
import json
import logging
import time

from tests.conftest import signed_headers, slash_body


async def wait_until(predicate, timeout=3.0):
    """Poll until predicate() is truthy (listeners run after ack)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


async def ack_text(response) -> str:
    """Return what the person sees from a slash command's ack (plain text or JSON)."""
    if response.content_type == "application/json":
        return (await response.json())["text"]
    return await response.text()


async def test_signed_ig_help_gets_the_usage_as_an_ephemeral_reply(bot, slack_stub):
    body = slash_body("help", response_url=slack_stub.url + "respond/1")
    response = await bot.post("/slack/events", data=body, headers=signed_headers(body))
    assert response.status == 200
    reply = await response.json()
    assert reply.get("response_type", "ephemeral") == "ephemeral"
    assert "/ig help" in reply["text"] and reply["blocks"][0]["type"] == "header"
    assert slack_stub.methods() == ["auth.test"]


async def test_empty_ig_is_help_and_unknown_subcommands_are_explained(bot, slack_stub):
    for text, expected in (("", "/ig help"), ("frobnicate <!channel>", "`/ig frobnicate` is not a command")):
        body = slash_body(text, response_url=slack_stub.url + "respond/1")
        response = await bot.post("/slack/events", data=body, headers=signed_headers(body))
        assert response.status == 200
        assert expected in await ack_text(response)


async def test_bad_or_stale_signature_is_refused_and_nothing_runs(bot, slack_stub):
    body = slash_body("help", response_url=slack_stub.url + "respond/1")
    wrong = await bot.post("/slack/events", data=body, headers=signed_headers(body, secret="not-the-secret"))
    stale = await bot.post("/slack/events", data=body, headers=signed_headers(body, timestamp=int(time.time()) - 600))
    unsigned = await bot.post("/slack/events", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (wrong.status, stale.status, unsigned.status) == (401, 401, 401)
    assert slack_stub.calls == []


async def test_app_home_is_published_from_stored_state(bot, slack_stub):
    event = {"type": "event_callback", "team_id": "T0001", "api_app_id": "A0001", "event_id": "Ev1",
             "event_time": int(time.time()),
             "event": {"type": "app_home_opened", "user": "U0ADMIN", "channel": "D0001", "tab": "home"}}
    body = json.dumps(event)
    response = await bot.post("/slack/events", data=body, headers=signed_headers(body, content_type="application/json"))
    assert response.status == 200
    await wait_until(lambda: "views.publish" in slack_stub.methods())
    params = dict(slack_stub.calls)["views.publish"]
    assert params["user_id"] == "U0ADMIN"
    assert "No accounts yet" in json.dumps(params["view"])


async def test_healthz_is_ok_and_shows_accounts_only_to_trusted_callers(bot):
    local = await bot.get("/healthz")
    body = await local.json()
    assert local.status == 200 and body["status"] == "ok" and body["database"] == "ok"
    assert body["scheduler"] == "running" and "accounts" in body
    proxied = await (await bot.get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"})).json()
    assert "accounts" not in proxied


async def test_healthz_is_503_when_the_scheduler_stops(bot):
    from bot.appkeys import SCHEDULER

    bot.server.app[SCHEDULER].shutdown(wait=False)
    await asyncio.sleep(0.05)
    response = await bot.get("/healthz")
    assert response.status == 503 and (await response.json())["scheduler"] == "stopped"


async def test_metrics_are_prometheus_text(bot):
    await bot.get("/healthz")
    response = await bot.get("/metrics")
    text = await response.text()
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/plain")
    assert 'igbot_http_requests_total{route="/healthz",status="200"} 1.0' in text


async def test_every_log_line_of_a_request_carries_its_request_id(bot, slack_stub, caplog):
    from bot.logs import ContextFilter

    caplog.handler.addFilter(ContextFilter())
    caplog.set_level(logging.DEBUG)
    body = slash_body("help", response_url=slack_stub.url + "respond/1")
    response = await bot.post("/slack/events", data=body,
                              headers={**signed_headers(body), "X-Request-Id": "req-abc123"})
    assert response.headers["X-Request-Id"] == "req-abc123"
    during = [r for r in caplog.records if getattr(r, "request_id", "-") == "req-abc123"]
    assert during, "no log line carried the request id"


def test_json_log_lines_are_one_object_each_with_secrets_redacted(capsys):
    from bot.logs import configure_logging

    configure_logging("INFO", "json", secrets=["supersecretvalue"])
    logging.getLogger("igbot.test").warning("token xoxb-123-456 and supersecretvalue and access_token=EAAabc")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    entry = json.loads(line)
    assert entry["level"] == "WARNING" and entry["request_id"] == "-"
    assert "xoxb-123" not in line and "supersecretvalue" not in line and "EAAabc" not in line
    logging.getLogger().handlers.clear()
