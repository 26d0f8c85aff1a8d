"""Socket Mode: with SLACK_APP_TOKEN set, Slack traffic arrives over the WebSocket; HTTP still serves the rest."""

from bot.config import Config


async def test_ig_help_over_socket_mode(aiohttp_client, base_env, slack):
    from bot.app import create_app

    env = {k: v for k, v in base_env.items() if k != "SLACK_SIGNING_SECRET"}
    config = Config.from_env({**env, "SLACK_API_URL": slack.api_url, "SLACK_APP_TOKEN": "xapp-test"})
    bot = await aiohttp_client(create_app(config))
    await slack.wait_for(lambda: slack.uses_socket_mode)
    seen = await slack.slash_command(user=slack.alice, channel=slack.social, text="help")
    assert seen.transport == "socket" and seen.ok, seen.error
    assert "/ig help" in seen.text
    assert (await bot.get("/healthz")).status == 200
    refused = await bot.post("/slack/events", data="command=/ig&text=help")
    assert refused.status == 404


async def test_a_refused_app_token_is_one_startup_error_and_leaves_nothing_open(base_env, slack):
    import pytest
    from aiohttp import web

    from bot.app import create_app
    from bot.appkeys import DEPS
    from bot.startup import StartupError

    env = {k: v for k, v in base_env.items() if k != "SLACK_SIGNING_SECRET"}
    config = Config.from_env({**env, "SLACK_API_URL": slack.api_url, "SLACK_APP_TOKEN": "xapp-not-this-one"})
    app = create_app(config)
    runner = web.AppRunner(app)
    with pytest.raises(StartupError, match="Slack says invalid_auth; check SLACK_APP_TOKEN"):
        await runner.setup()
    assert app[DEPS].http.closed
    assert not any(app[DEPS].workers.alive().values())


async def test_a_malformed_socket_mode_payload_reaches_no_listener(aiohttp_client, base_env, slack, caplog):
    import logging

    from bot.app import create_app

    env = {k: v for k, v in base_env.items() if k != "SLACK_SIGNING_SECRET"}
    config = Config.from_env({**env, "SLACK_API_URL": slack.api_url, "SLACK_APP_TOKEN": "xapp-test"})
    await aiohttp_client(create_app(config))
    await slack.wait_for(lambda: slack.uses_socket_mode)
    with caplog.at_level(logging.INFO):
        await slack.send_event({"type": "app_home_opened", "tab": "home"})  # no user
        await slack.wait_for(lambda: "Slack payload refused" in caplog.text)
    assert not slack.calls_of("views.publish")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
