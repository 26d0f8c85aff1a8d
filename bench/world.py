"""Shared by the comment benchmarks: both emulators and igbot on loopback, with one connected account."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from bot import accounts as account_ops
from bot.appkeys import DEPS
from bot.cipher import new_key
from bot.config import Config
from sandbox.graph import GraphEmulator
from sandbox.slack import RateLimits, SlackEmulator

META_SECRET = "bench-meta-secret"


@dataclass
class BenchWorld:
    """The running pieces a benchmark drives."""

    slack: SlackEmulator
    graph: GraphEmulator
    runner: web.AppRunner
    app: web.Application
    url: str
    channel: str
    ig: object
    folder: tempfile.TemporaryDirectory

    @property
    def deps(self):
        return self.app[DEPS]

    async def close(self) -> None:
        await self.runner.cleanup()
        await self.graph.stop()
        await self.slack.stop()
        self.folder.cleanup()


async def open_bench_world(*, slack_limits: bool = True) -> BenchWorld:
    """Start the emulators (Slack's rate limits on unless told) and igbot, with @bench_shop in #bench."""
    from bot.app import create_app

    slack = SlackEmulator(signing_secret="bench-sig", bot_token="xoxb-bench",
                          limits=RateLimits(enabled=slack_limits))
    graph = GraphEmulator(app_id="1234", app_secret=META_SECRET)
    await slack.start()
    await graph.start()
    admin = slack.add_user("admin", is_admin=True)
    channel = slack.add_channel("bench", members=[admin], bot_member=True)
    ig = graph.add_account("bench_shop", login="facebook")
    folder = tempfile.TemporaryDirectory(prefix="igbot-bench-")
    config = Config(slack_bot_token="xoxb-bench", slack_signing_secret="bench-sig", slack_api_url=slack.api_url,
                    meta_app_id="1234", meta_app_secret=META_SECRET, meta_webhook_verify_token="v",
                    graph_api_url=graph.urls.graph_facebook, instagram_graph_api_url=graph.urls.graph_instagram,
                    db_path=str(Path(folder.name) / "bench.db"), secret_key=new_key(), admins=(admin,),
                    log_level="WARNING")
    app = create_app(config)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}"
    account = account_ops.validate_new_account(username="bench_shop", ig_user_id=ig.ig_user_id, login="facebook",
                                               page_id=ig.page_id, channel_id=channel, timezone="UTC",
                                               digest_time="09:00")
    await asyncio.to_thread(account_ops.register_account, app[DEPS].store, app[DEPS].cipher, account, ig.page_token)
    slack.set_request_url(f"{url}/slack/events")
    return BenchWorld(slack, graph, runner, app, url, channel, ig, folder)
