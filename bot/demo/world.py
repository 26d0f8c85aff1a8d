"""A sandbox world: the Graph and Slack emulators, a seeded demo account, and igbot serving them."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from bot import accounts as account_ops
from bot.appkeys import DEPS
from bot.config import Config
from bot.deps import Deps
from bot.startup import listen_socket
from sandbox.graph import GraphEmulator
from sandbox.slack import SlackEmulator
from storage import accounts as account_rows
from storage import roles as role_rows

SIGNING_SECRET = "sandbox-signing-secret"
BOT_TOKEN = "xoxb-sandbox-bot"
APP_TOKEN = "xapp-sandbox-app"
META_APP_ID, META_APP_SECRET = "1234", "sandbox-meta-app-secret"
IG_APP_ID, IG_APP_SECRET = "5678", "sandbox-instagram-app-secret"
VERIFY_TOKEN = "sandbox-verify-token"
USERNAME = "demo_shop"

# Slack people of the demo workspace: (name, role on the demo account; None = igbot admin).
PEOPLE = (("maya", None), ("sam", "moderator"), ("lee", "publisher"), ("ana", "approver"))


@dataclass
class World:
    """Everything `igbot demo` and `igbot sandbox` run and look at."""

    config: Config
    slack: SlackEmulator
    graph: GraphEmulator
    runner: web.AppRunner
    app: web.Application
    people: dict[str, str] = field(default_factory=dict)
    channel: str = ""
    ig_account: object = None
    account: dict = field(default_factory=dict)

    @property
    def deps(self) -> Deps:
        """The running bot's Deps."""
        return self.app[DEPS]

    @property
    def bot_url(self) -> str:
        """Where the bot listens."""
        return f"http://{self.config.host}:{self.config.port}"


def free_port(host: str = "127.0.0.1") -> int:
    """Return a port on host that is free right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def sandbox_config(db_path: str, *, slack: SlackEmulator, graph: GraphEmulator, port: int, admins: tuple[str, ...],
                   tick_seconds: int = 1) -> Config:
    """Return the bot's Config for the sandbox: every outside URL points at an emulator."""
    return Config(
        slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET, slack_api_url=slack.api_url,
        meta_app_id=META_APP_ID, meta_app_secret=META_APP_SECRET, instagram_app_id=IG_APP_ID,
        instagram_app_secret=IG_APP_SECRET, meta_webhook_verify_token=VERIFY_TOKEN,
        graph_api_url=graph.urls.graph_facebook, instagram_graph_api_url=graph.urls.graph_instagram,
        facebook_www_url=graph.urls.www_facebook, instagram_www_url=graph.urls.www_instagram,
        instagram_api_url=graph.urls.api_instagram, db_path=db_path, port=port,
        public_url=f"http://127.0.0.1:{port}", admins=admins, tick_seconds=tick_seconds, log_level="WARNING",
    )


async def open_world(db_path: str, *, port: int | None = None, tick_seconds: int = 1) -> World:
    """Start both emulators, seed the demo workspace and account, and start igbot against them.

    igbot's port is bound first, so a taken port fails in one line before anything has started.
    """
    from bot.app import SERVER_OPTIONS, create_app

    sock = listen_socket("127.0.0.1", port or 0, hint="pick another with `--port`")
    slack = SlackEmulator(signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN, app_token=APP_TOKEN)
    graph = GraphEmulator(app_id=META_APP_ID, app_secret=META_APP_SECRET, instagram_app_id=IG_APP_ID,
                          instagram_app_secret=IG_APP_SECRET, video_processing_seconds=2)
    runner: web.AppRunner | None = None
    try:
        await slack.start()
        await graph.start()
        people = {name: slack.add_user(name, is_admin=role is None) for name, role in PEOPLE}
        channel = slack.add_channel("instagram", members=list(people.values()), bot_member=True)
        ig_account = graph.add_account(USERNAME, followers_count=1200, biography="Handmade ceramics")
        seed_media(graph, ig_account)
        config = sandbox_config(str(Path(db_path)), slack=slack, graph=graph, port=sock.getsockname()[1],
                                admins=(people["maya"],), tick_seconds=tick_seconds)
        app = create_app(config, sandbox=True)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, **SERVER_OPTIONS)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        world = World(config=config, slack=slack, graph=graph, runner=runner, app=app, people=people,
                      channel=channel, ig_account=ig_account)
        slack.set_request_url(f"{world.bot_url}/slack/events")
        graph.set_webhook_callback(f"{world.bot_url}/webhooks/instagram", verify_token=VERIFY_TOKEN)
        world.account = await register_demo_account(world)
    except BaseException:
        if runner is not None:
            await runner.cleanup()
        sock.close()
        await graph.stop()
        await slack.stop()
        raise
    return world


def seed_media(graph: GraphEmulator, ig_account) -> None:
    """Give the demo account a few weeks of posts to read."""
    day = 86_400
    now = graph.now()
    captions = ("New glaze test: speckled sand 🌾", "Studio morning ☕ #ceramics #handmade",
                "Mugs restocked! Link in bio", "Behind the wheel #pottery", "Market day this Saturday")
    for i, caption in enumerate(captions):
        graph.add_media(ig_account, caption=caption, timestamp=now - (i * 3 + 1) * day, like_count=40 + 17 * i)


async def register_demo_account(world: World) -> dict:
    """Register the demo account (as `igbot accounts add` does, replacing one left by an earlier run)."""
    account = account_ops.validate_new_account(
        username=USERNAME, ig_user_id=world.ig_account.ig_user_id, login="facebook",
        page_id=world.ig_account.page_id, channel_id=world.channel, timezone="Europe/Berlin", digest_time="09:00")
    store = world.deps.store
    earlier = await store.run(account_rows.get_account_by_username, USERNAME)
    if earlier:
        await store.run(account_rows.remove_account, earlier["id"])
    row = await asyncio.to_thread(account_ops.register_account, store, world.deps.cipher, account,
                                  world.ig_account.page_token)
    for name, role in PEOPLE:
        if role:
            await store.run(role_rows.grant_role, slack_user_id=world.people[name], account=USERNAME, role=role,
                            granted_by=world.people["maya"])
    return row


async def close_world(world: World) -> None:
    """Stop igbot, then the emulators."""
    await world.runner.cleanup()
    await world.graph.stop()
    await world.slack.stop()
