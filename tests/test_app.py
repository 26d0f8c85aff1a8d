"""The HTTP app: Slack requests through Bolt, /healthz, /metrics, request ids in logs."""

import asyncio
import json
import logging
import time

from tests.conftest import signed_headers, slash_body


async def test_ig_help_is_shown_to_the_person_only(bot, slack):
    seen = await slack.slash_command(user=slack.alice, channel=slack.social, text="help")
    assert seen.ok, seen.error
    assert "/ig help" in seen.text and seen.json["blocks"][0]["type"] == "header"
    post = next(b["text"]["text"] for b in seen.json["blocks"] if "`/ig post [" in b.get("text", {}).get("text", ""))
    assert "`/ig post` alone opens the compose form" in post
    assert seen.json.get("response_type", "ephemeral") == "ephemeral"
    assert slack.messages(slack.social) == []
    assert [c.method for c in slack.calls] == ["auth.test"]


async def test_empty_ig_is_help_and_unknown_subcommands_are_explained(bot, slack):
    empty = await slack.slash_command(user=slack.alice, channel=slack.social, text="")
    assert "/ig help" in empty.text
    unknown = await slack.slash_command(user=slack.alice, channel=slack.social, text="frobnicate <!channel>")
    assert unknown.ok and "`/ig frobnicate` is not a command I know" in unknown.text


async def test_bad_or_stale_signature_is_refused_and_nothing_runs(bot, slack):
    body = slash_body("help", response_url=slack.base_url + "respond/T0001/x")
    wrong = await bot.post("/slack/events", data=body, headers=signed_headers(body, secret="not-the-secret"))
    stale = await bot.post("/slack/events", data=body, headers=signed_headers(body, timestamp=int(time.time()) - 600))
    unsigned = await bot.post("/slack/events", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (wrong.status, stale.status, unsigned.status) == (401, 401, 401)
    assert slack.calls == []


async def test_app_home_is_published_from_stored_state(bot, slack):
    opened = await slack.app_home_opened(user=slack.admin)
    assert opened.ok
    await slack.wait_for(lambda: slack.home_of(slack.admin))
    assert "No accounts yet" in json.dumps(slack.home_of(slack.admin))


async def test_healthz_is_ok_and_shows_accounts_only_to_trusted_callers(bot):
    local = await bot.get("/healthz")
    body = await local.json()
    assert local.status == 200 and body["status"] == "ok" and body["database"] == "ok"
    assert body["scheduler"] == "running" and body["workers"] == {"heartbeat": True, "outbox": True, "inbox": True,
                                                                         "digests": True, "webhook_seen": True}
    assert body["accounts"] == [] and body["parked_slack_errors"] == []
    proxied = await (await bot.get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"})).json()
    assert "accounts" not in proxied and "parked_slack_errors" not in proxied


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


async def test_every_log_line_of_a_request_carries_its_request_id(bot, slack, caplog):
    from bot.logs import ContextFilter

    caplog.handler.addFilter(ContextFilter())
    caplog.set_level(logging.DEBUG)
    body = slash_body("help", response_url=slack.base_url + "respond/T0001/x")
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


async def test_graph_calls_are_exported_and_per_account_series_need_trust(bot, base_env):
    from dataclasses import replace

    from bot.appkeys import DEPS
    from bot.graph import GraphAccount
    from sandbox.graph import GraphEmulator

    async with GraphEmulator() as graph:
        ig = graph.add_account("metrics_shop")
        deps = bot.server.app[DEPS]
        settings = replace(deps.graph.settings, graph_url=graph.urls.graph_facebook, meta_app_secret=None)
        client = deps.graph.__class__(deps.http, settings, state=deps.graph.state, counters=deps.graph.counters)
        account = GraphAccount(id=ig.ig_user_id, ig_user_id=ig.ig_user_id, login="facebook", token=ig.page_token)
        await client.get(ig.ig_user_id, account, params={"fields": "username"})
    trusted = await (await bot.get("/metrics")).text()
    assert "igbot_graph_calls_total 1.0" in trusted and "igbot_graph_http_requests_total 1.0" in trusted
    assert f'igbot_graph_account_calls_total{{account="{ig.ig_user_id}"}} 1.0' in trusted
    public = await (await bot.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})).text()
    assert "igbot_graph_calls_total 1.0" in public and ig.ig_user_id not in public and "account=" not in public


async def test_junk_on_every_route_gets_a_clear_answer_never_a_500(bot):
    requests = [
        ("POST", "/webhooks/instagram", {"data": b"{not json", "headers": {"X-Hub-Signature-256": "sha256=00"}}),
        ("GET", "/webhooks/instagram?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1", {}),
        ("GET", "/oauth/facebook/start", {}),
        ("GET", "/oauth/instagram/start?state=%00%ff", {}),
        ("GET", "/oauth/facebook/callback?error=access_denied", {}),
        ("GET", "/oauth/instagram/callback?state=x&code=", {}),
        ("POST", "/oauth/facebook/callback", {"data": b"\xff\xfe garbage"}),
        ("GET", "/media/..%2F..%2Fetc%2Fpasswd", {}),
        ("POST", "/slack/events", {"data": b"payload=%7Bnot-json"}),
        ("GET", "/nowhere", {}),
    ]
    for method, path, kwargs in requests:
        response = await bot.request(method, path, **kwargs)
        body = await response.text()
        assert 400 <= response.status < 500, (method, path, response.status, body[:200])
        assert "Traceback" not in body
