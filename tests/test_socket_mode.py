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
