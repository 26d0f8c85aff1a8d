"""Crash harness: the emulators in one process, `igbot serve` in another, the load in the caller's.

`python -m bench.crashes INFO.json` runs the Slack and Graph emulators (with @soak_shop in #soak) and a small
control app: it creates comments on the Graph emulator (whose signed webhooks it relays to igbot the way Meta
does, trying again every 0.2 s until igbot answers 200), slows down media_publish on request, and reports what
a user would see: each comment's messages in the channel and each caption's live media on Instagram.
Used by tests/test_crash.py and bench/soak.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from aiohttp import web

PUBLISH = "/{ig-user-id}/media_publish"
SIGNING_SECRET, BOT_TOKEN = "soak-signing-secret", "xoxb-soak"
META_APP_ID, META_SECRET = "1234", "soak-meta-secret"
USERNAME = "soak_shop"
IMAGE = "https://cdn.example/img/square.jpg"
ROOT = Path(__file__).resolve().parent.parent


# -- the emulator process ---------------------------------------------------------------------------------


@dataclass
class Relay:
    """Meta's side of webhook delivery: take each signed delivery, POST it to igbot until it answers 200."""

    target: str = ""
    queue: list[tuple[bytes, dict]] = field(default_factory=list)
    accepted: int = 0

    async def receive(self, request: web.Request) -> web.Response:
        """The emulator's delivery: keep it and answer at once (igbot may be down)."""
        keep = {k: v for k, v in request.headers.items() if k.lower().startswith("x-hub") or k == "Content-Type"}
        self.queue.append((await request.read(), keep))
        return web.Response(text="ok")

    async def run(self) -> None:
        """Forward deliveries in order, each until igbot takes it."""
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            while True:
                if not (self.queue and self.target):
                    await asyncio.sleep(0.02)
                    continue
                body, headers = self.queue[0]
                try:
                    async with session.post(self.target, data=body, headers=headers) as response:
                        ok = response.status == 200
                except (aiohttp.ClientError, TimeoutError):
                    ok = False
                if ok:
                    self.queue.pop(0)
                    self.accepted += 1
                else:
                    await asyncio.sleep(0.2)


async def run_emulators(info_path: str, *, slack_limits: bool = False) -> None:
    """Start everything on loopback, write where it listens to info_path, and run until killed."""
    from sandbox.graph import GraphEmulator
    from sandbox.slack import RateLimits, SlackEmulator

    slack = SlackEmulator(signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN,
                          limits=RateLimits(enabled=slack_limits))
    graph = GraphEmulator(app_id=META_APP_ID, app_secret=META_SECRET)
    await slack.start()
    await graph.start()
    admin = slack.add_user("admin", is_admin=True)
    channel = slack.add_channel("soak", members=[admin], bot_member=True)
    account = graph.add_account(USERNAME, login="facebook")
    media = graph.add_media(account, caption="The post people comment on")
    relay = Relay()
    seen_cache: dict = {}

    async def comments(request: web.Request) -> web.Response:
        texts = (await request.json())["texts"]
        with graph.webhook_batch():
            ids = [graph.add_comment(media, text, username=f"fan{i % 7}").id for i, text in enumerate(texts)]
        return web.json_response({"ids": ids})

    async def slow_publish(request: web.Request) -> web.Response:
        graph.inject_delay(float((await request.json())["seconds"]), method="POST", path=PUBLISH, times=1)
        return web.json_response({"ok": True})

    async def target(request: web.Request) -> web.Response:
        relay.target = (await request.json())["url"]
        return web.json_response({"ok": True})

    async def facts(request: web.Request) -> web.Response:
        tokens = (await request.json())["tokens"]
        return web.json_response(_facts(slack, graph, channel, account, tokens, relay))

    async def seen(request: web.Request) -> web.Response:
        return web.json_response(_first_seen(slack, (await request.json())["pattern"], seen_cache))

    control = await start_control([web.post("/meta/deliveries", relay.receive), web.post("/comments", comments),
                                   web.post("/slow-publish", slow_publish), web.post("/target", target),
                                   web.post("/facts", facts), web.post("/seen", seen)])
    graph.set_webhook_callback(f"{control}/meta/deliveries", fields=("comments",))
    await publish_info(info_path, control, slack, graph, admin=admin, channel=channel, ig_user_id=account.ig_user_id,
                       page_id=account.page_id, page_token=account.page_token, media_id=media.id)
    await relay.run()


async def start_control(routes: list, *, client_max_size: int = 1024 * 1024) -> str:
    """Serve a bench's control routes on a free loopback port (until the process ends); return its URL."""
    app = web.Application(client_max_size=client_max_size)
    app.add_routes(routes)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]


async def publish_info(info_path: str, control: str, slack, graph, **extra: object) -> None:
    """Tell the bench driver where the emulators and the control routes are (a file it waits for)."""
    info = {"control": control, "slack_api_url": slack.api_url, "graph_url": graph.urls.graph_facebook,
            "instagram_graph_url": graph.urls.graph_instagram, **extra}
    await asyncio.to_thread(_write_atomically, info_path, json.dumps(info))


def _write_atomically(path: str, text: str) -> None:
    """Write a file that readers see whole or not at all."""
    Path(path + ".part").write_text(text)
    os.replace(path + ".part", path)


def _facts(slack, graph, channel: str, account, tokens: list[str], relay: Relay) -> dict:
    """What a user sees: in how many messages each token shows and since when; live media per token."""
    messages = [json.dumps([m.get("text"), m.get("blocks")]) for m in slack.messages(channel)]
    first_seen: dict[str, float] = {}
    for call in slack.calls:
        if call.method in ("chat.postMessage", "chat.update") and call.response.get("ok"):
            said = json.dumps(call.args)
            for token in tokens:
                if token not in first_seen and token in said:
                    first_seen[token] = call.at
    live = [(m.caption or "", m.timestamp) for m in graph.state.media.values()
            if m.owner_id == account.ig_user_id and not m.parent_id]
    return {"shown": {t: sum(t in m for m in messages) for t in tokens}, "first_seen": first_seen,
            "live": {t: sum(t in c for c, _ in live) for t in tokens},
            "live_at": {t: min(at for c, at in live if t in c) for t in tokens if any(t in c for c, _ in live)},
            "publish_calls": graph.count_calls(path=PUBLISH), "relay_waiting": len(relay.queue)}


def _first_seen(slack, pattern: str, cache: dict) -> dict[str, float]:
    """When each match of pattern (its first group) first reached the channel in a post or update that Slack took.

    Calls already read for a pattern are not read again (cache: pattern → calls read, moments found).
    """
    import re

    read, found = cache.setdefault(pattern, [0, {}])
    calls = slack.calls[read:]
    for call in calls:
        if call.method in ("chat.postMessage", "chat.update") and call.response.get("ok"):
            for token in re.findall(pattern, json.dumps(call.args)):
                found.setdefault(token, call.at)
    cache[pattern][0] = read + len(calls)
    return found


# -- the caller's side: processes and load ---------------------------------------------------------------


def _post_json(url: str, body: dict, timeout: float = 10) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def wait_for_file(path: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> str:
    """Return the text of the file a child process writes when it is ready; raise with its log if it dies first
    or takes longer than timeout."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the emulators did not start: " + log.read_text())
        time.sleep(0.05)
    return Path(path).read_text()


def free_port() -> int:
    """Return a loopback port that is free right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Harness:
    """Start the emulator process and `igbot serve` (as often as asked), queue work, read what users see.

    Example::

        with Harness(tick_seconds=2) as h:
            h.start_igbot()
            h.comment(["hello [c00001]"])
            h.kill_igbot()
    """

    def __init__(self, *, tick_seconds: int = 2, folder: str | None = None, slack_limits: bool = False):
        self._tmp = None if folder else tempfile.TemporaryDirectory(prefix="igbot-crash-")
        self.folder = Path(folder or self._tmp.name)
        self.tick_seconds = tick_seconds
        self.igbot: subprocess.Popen | None = None
        self.starts = 0
        info_path = str(self.folder / "emulators.json")
        with open(self.folder / "emulators.log", "w") as log:  # the child keeps its own copy of the descriptor
            self._emulators = subprocess.Popen([sys.executable, "-m", "bench.crashes", info_path,
                                                *(["--slack-limits"] if slack_limits else [])], cwd=ROOT,
                                               stdout=subprocess.DEVNULL, stderr=log)
        self.info = self._wait_info(info_path)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = self._env()
        _post_json(f"{self.info['control']}/target", {"url": f"{self.url}/webhooks/instagram"})
        self._register()

    def _wait_info(self, path: str) -> dict:
        return json.loads(wait_for_file(path, self._emulators, self.folder / "emulators.log"))

    def _env(self) -> dict[str, str]:
        from bot.cipher import new_key

        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": self.info["slack_api_url"],
                "META_APP_ID": META_APP_ID, "META_APP_SECRET": META_SECRET, "META_WEBHOOK_VERIFY_TOKEN": "v",
                "GRAPH_API_URL": self.info["graph_url"], "INSTAGRAM_GRAPH_API_URL": self.info["instagram_graph_url"],
                "IGBOT_DB": str(self.folder / "igbot.db"), "IGBOT_SECRET_KEY": new_key(),
                "IGBOT_PORT": str(self.port), "IGBOT_TICK_SECONDS": str(self.tick_seconds),
                "IGBOT_ADMINS": self.info["admin"], "IGBOT_LOG_LEVEL": os.environ.get("SOAK_LOG_LEVEL", "INFO")}

    def fresh_database(self, name: str) -> None:
        """Point the next `igbot serve` at a new database (in the folder) with the account registered."""
        self.env["IGBOT_DB"] = str(self.folder / name)
        self._register()

    def _register(self) -> None:
        subprocess.run([sys.executable, "-m", "bot", "accounts", "add", "--username", USERNAME, "--ig-user-id",
                        self.info["ig_user_id"], "--page-id", self.info["page_id"], "--channel",
                        self.info["channel"], "--token", "-"], env=self.env, input=self.info["page_token"],
                       text=True, check=True, capture_output=True)

    def start_igbot(self, timeout: float = 60) -> float:
        """Start `igbot serve` and return the time.time() at which it first answered /healthz with 200."""
        self.starts += 1
        with open(self.folder / f"igbot-{self.starts}.log", "w") as log:
            self.igbot = subprocess.Popen([sys.executable, "-m", "bot", "serve"], env=self.env, stdout=log,
                                          stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return time.time()
            if self.igbot.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"igbot did not come up:\n{self.log()}")
            time.sleep(0.02)

    def kill_igbot(self) -> float:
        """kill -9 igbot (and reap it); return when."""
        assert self.igbot is not None
        self.igbot.send_signal(signal.SIGKILL)
        self.igbot.wait()
        return time.time()

    def log(self) -> str:
        """The current igbot process's output."""
        return (self.folder / f"igbot-{self.starts}.log").read_text()

    def comment(self, texts: list[str]) -> list[str]:
        """Followers comment (one webhook delivery for all); return the comment ids."""
        return _post_json(f"{self.info['control']}/comments", {"texts": texts})["ids"]

    def slow_publish(self, seconds: float) -> None:
        """Hold the answer of the next media_publish (after it took effect) for seconds."""
        _post_json(f"{self.info['control']}/slow-publish", {"seconds": seconds})

    def first_seen(self, pattern: str) -> dict[str, float]:
        """When (time.time()) each match of pattern's first group first showed in the channel."""
        return _post_json(f"{self.info['control']}/seen", {"pattern": pattern}, timeout=60)

    def facts(self, tokens: list[str]) -> dict:
        """What users see of each token: shown (messages), first_seen, live (media), live_at; publish_calls and
        relay_waiting."""
        return _post_json(f"{self.info['control']}/facts", {"tokens": tokens})

    def queue_posts(self, captions: list[str], *, due_in: float) -> None:
        """Queue image posts due in due_in seconds, as `/ig post` stores them (containers made at once)."""
        from storage import accounts as account_rows
        from storage import posts as post_rows
        from storage.db import Store

        store = Store.open(self.env["IGBOT_DB"])
        try:
            account = store.run_sync(account_rows.get_account_by_username, USERNAME)
            now = datetime.now(UTC)
            for caption in captions:
                store.run_sync(post_rows.create_post, account_id=account["id"], kind="image", caption=caption,
                               author=self.info["admin"], channel_id=self.info["channel"],
                               due_at=now + timedelta(seconds=due_in), next_action_at=now,
                               items=[{"url": IMAGE, "media": "image"}], now=now)
        finally:
            store.close()

    def wait_for(self, check, timeout: float, interval: float = 0.05):
        """Poll check() until it returns something truthy; raise after timeout with igbot's log."""
        deadline = time.monotonic() + timeout
        while True:
            result = check()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"not met within {timeout} s; igbot's log:\n{self.log()[-4000:]}")
            time.sleep(interval)

    def close(self) -> None:
        """Stop igbot and the emulators; remove the folder if it was made here."""
        for process in (self.igbot, self._emulators):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
        if self._tmp:
            self._tmp.cleanup()

    def __enter__(self) -> Harness:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


if __name__ == "__main__":
    asyncio.run(run_emulators(sys.argv[1], slack_limits="--slack-limits" in sys.argv[2:]))
