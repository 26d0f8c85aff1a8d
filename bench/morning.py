"""Morning: N digests and M image posts due at the same moment; how late the posts are, when the digests are done.

    python -m bench.morning --digests 60 200 500 --posts 20 --runs 3

Three processes: the Slack and Graph emulators (Slack's rate limits on, each account in a channel of its own),
`igbot serve` (tick every 5 s), and this one, which seeds the accounts, queues the posts, polls /healthz twice a
second and reads what users see. Each run is a fresh database and fresh emulators; the accounts' digests and the
posts are set due at the same moment T, about 15 s after igbot answers /healthz. The baseline in the same run
is the M posts alone (no digest due). Figures: post delay (T → media live on Instagram; the tick's period bounds
it from below), digest completion (T → the last digest's message in Slack), /healthz answers other than 200,
and counted Graph calls per digest. Digests are steady-state ones (the 28-day history was read on an earlier
day). The Graph emulator's app-level budget is lifted: Meta counts Instagram calls per account (BUC), which the
emulator models separately.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web

from bench.crashes import (
    BOT_TOKEN,
    IMAGE,
    META_APP_ID,
    META_SECRET,
    ROOT,
    SIGNING_SECRET,
    _post_json,
    free_port,
    publish_info,
    start_control,
)

TICK_SECONDS = 5
LEAD = 15.0  # seconds from igbot's first 200 to the moment everything is due


# -- the emulator process ---------------------------------------------------------------------------------


async def run_emulators(info_path: str) -> None:
    """Start both emulators and a control app on loopback, write where they listen, run until killed."""
    from sandbox.graph import GraphEmulator
    from sandbox.slack import SlackEmulator

    slack = SlackEmulator(signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN)  # Slack's rate limits on
    graph = GraphEmulator(app_id=META_APP_ID, app_secret=META_SECRET)
    graph.limiter.app_budget_per_hour = 10_000_000
    await slack.start()
    await graph.start()
    admin = slack.add_user("admin", is_admin=True)

    async def accounts(request: web.Request) -> web.Response:
        out = []
        for name in (await request.json())["usernames"]:
            acct = graph.add_account(name, login="facebook", followers_count=1500)
            for i in range(5):
                graph.add_media(acct, caption=f"{name} post {i}", like_count=i, timestamp=time.time() - 3600 * (i + 20))
            channel = slack.add_channel(f"c-{name}", members=[admin], bot_member=True)
            out.append({"username": name, "ig_user_id": acct.ig_user_id, "page_id": acct.page_id,
                        "token": acct.page_token, "channel": channel})
        return web.json_response(out)

    async def facts(request: web.Request) -> web.Response:
        asked = await request.json()
        return web.json_response(_facts(slack, graph, asked["captions"], count=asked.get("count", False)))

    control = await start_control([web.post("/accounts", accounts), web.post("/facts", facts)],
                                  client_max_size=64 * 1024 * 1024)
    await publish_info(info_path, control, slack, graph, admin=admin)
    await asyncio.Event().wait()


def _facts(slack, graph, captions: list[str], *, count: bool) -> dict:
    """When each digest message reached Slack and each caption went live; with count, the counted Graph calls
    of the digest accounts."""
    digests = [c.at for c in slack.calls if c.method == "chat.postMessage" and c.response.get("ok")
               and "Daily digest" in json.dumps(c.args.get("blocks") or "")]
    live = {m.caption: m.timestamp for m in graph.state.media.values() if m.caption in captions}
    calls = sum(graph.count_calls(account=a) for a in graph.state.accounts.values() if "_d" in a.username) \
        if count else 0
    return {"digests_at": digests, "live_at": live, "digest_graph_calls": calls}


# -- the caller's side ------------------------------------------------------------------------------------


@dataclass
class Run:
    """One run's figures."""

    digests: int
    post_delays: list[float]
    digest_done: float | None
    digests_seen: int
    healthz: list[int] = field(default_factory=list)
    graph_calls: int = 0


class Morning:
    """The emulator process and `igbot serve`, one fresh pair per run."""

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="igbot-morning-")
        self.folder = Path(self._tmp.name)
        info_path = str(self.folder / "emulators.json")
        with open(self.folder / "emulators.log", "w") as log:
            self.emulators = subprocess.Popen([sys.executable, "-m", "bench.morning", "--emulators", info_path],
                                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 60
        while not Path(info_path).exists():
            if self.emulators.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the emulators did not start: " + (self.folder / "emulators.log").read_text())
            time.sleep(0.05)
        self.info = json.loads(Path(info_path).read_text())
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.igbot: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        from bot.secrets import new_key

        return {"PATH": "/usr/bin:/bin", "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": self.info["slack_api_url"], "META_APP_ID": META_APP_ID,
                "META_APP_SECRET": META_SECRET, "META_WEBHOOK_VERIFY_TOKEN": "v",
                "GRAPH_API_URL": self.info["graph_url"], "INSTAGRAM_GRAPH_API_URL": self.info["instagram_graph_url"],
                "IGBOT_DB": str(self.folder / "igbot.db"), "IGBOT_SECRET_KEY": new_key(),
                "IGBOT_PORT": str(self.port), "IGBOT_TICK_SECONDS": str(TICK_SECONDS),
                "IGBOT_ADMINS": self.info["admin"], "IGBOT_LOG_LEVEL": "WARNING"}

    def run(self, digests: int, posts: int, label: str) -> Run:
        """Seed, start igbot, make everything due at T, watch until done; return the figures."""
        (self.folder / "igbot.db").unlink(missing_ok=True)
        env = self.env()
        names = [f"{label}_d{i:03d}" for i in range(digests)] + [f"{label}_p{i:03d}" for i in range(posts)]
        seeded = _post_json(f"{self.info['control']}/accounts", {"usernames": names}, timeout=120)
        store, ids = _register(env, seeded, self.info["admin"])
        with open(self.folder / f"igbot-{label}.log", "w") as log:
            self.igbot = subprocess.Popen([sys.executable, "-m", "bot", "serve"], env=env, cwd=ROOT, stdout=log,
                                          stderr=subprocess.STDOUT)
        try:
            self._wait_up()
            due = datetime.now(UTC) + timedelta(seconds=LEAD)
            captions = _make_due(store, ids, seeded, digests, due, self.info["admin"], label)
            store.close()
            return self._watch(due, digests, captions)
        finally:
            self.igbot.kill()
            self.igbot.wait()

    def _wait_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as r:
                if r.status == 200:
                    return
            time.sleep(0.05)
        raise RuntimeError("igbot did not come up")

    def _watch(self, due: datetime, digests: int, captions: list[str]) -> Run:
        statuses: list[int] = []
        stop = threading.Event()
        poller = threading.Thread(target=_poll_healthz, args=(self.url, statuses, stop), daemon=True)
        poller.start()
        deadline = due.timestamp() + 900
        while True:
            time.sleep(1.0)
            facts = _post_json(f"{self.info['control']}/facts", {"captions": captions}, timeout=60)
            if (len(facts["digests_at"]) >= digests and len(facts["live_at"]) == len(captions)) \
                    or time.time() > deadline:
                break
        stop.set()
        poller.join()
        facts = _post_json(f"{self.info['control']}/facts", {"captions": captions, "count": True}, timeout=120)
        t = due.timestamp()
        delays = sorted(at - t for at in facts["live_at"].values())
        done = max(facts["digests_at"]) - t if facts["digests_at"] else None
        return Run(digests, delays, done, len(facts["digests_at"]), statuses, facts["digest_graph_calls"])

    def close(self) -> None:
        for process in (self.igbot, self.emulators):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
        self._tmp.cleanup()


def _poll_healthz(url: str, statuses: list[int], stop: threading.Event) -> None:
    """Ask /healthz twice a second; a timeout (2 s) or refused connection counts as 0."""
    while not stop.is_set():
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as exc:
            statuses.append(exc.code)
        except OSError:
            statuses.append(0)
        stop.wait(0.5)


def _register(env: dict, seeded: list[dict], admin: str):
    """Create the database (migrations) and store every account with its token; return the store and ids."""
    from bot.accounts import NewAccount, register_account
    from bot.config import Config
    from bot.startup import open_store
    from storage import digests as digest_rows

    store, cipher = open_store(Config.from_env(env))
    ids = []
    for acct in seeded:
        row = register_account(store, cipher, NewAccount(
            username=acct["username"], ig_user_id=acct["ig_user_id"], login="facebook", page_id=acct["page_id"],
            channel_id=acct["channel"], timezone="UTC", digest_time="23:59"), acct["token"])
        store.run_sync(digest_rows.mark_backfilled, row["id"])
        ids.append(row["id"])
    return store, ids


def _make_due(store, ids: list[int], seeded: list[dict], digests: int, due: datetime, admin: str,
              label: str) -> list[str]:
    """Set the digest accounts' next digest to `due` and queue one image post per post account, due then."""
    from storage import accounts as account_rows
    from storage import posts as post_rows
    from storage.clock import iso

    def write(db):
        db.execute(f"UPDATE accounts SET next_digest_at = ? WHERE id IN ({','.join('?' * digests) or 'NULL'})",
                   [iso(due), *ids[:digests]])

    store.run_sync(write)
    captions = []
    now = datetime.now(UTC)
    for account_id, acct in zip(ids[digests:], seeded[digests:], strict=True):
        caption = f"Morning news {label} {acct['username']}"
        account = store.run_sync(account_rows.get_account, account_id)
        store.run_sync(post_rows.create_post, account_id=account["id"], kind="image", caption=caption, author=admin,
                       channel_id=acct["channel"], due_at=due, next_action_at=now,
                       items=[{"url": IMAGE, "media": "image"}], now=now)
        captions.append(caption)
    return captions


def spread(values: list[float]) -> str:
    """Median and min–max of a figure over runs."""
    if not values:
        return "–"
    return f"{statistics.median(values):.1f} ({min(values):.1f}–{max(values):.1f})"


def main(counts: list[int], posts: int, runs: int) -> str:
    """Run the baseline and each digest count `runs` times, interleaved; return the table."""
    results: dict[int, list[Run]] = {n: [] for n in [0, *counts]}
    for r in range(runs):
        for n in [0, *counts]:
            morning = Morning()
            try:
                results[n].append(morning.run(n, posts, f"r{r}n{n}"))
            finally:
                morning.close()
            print(f"run {r + 1}/{runs}, {n} digests: done", file=sys.stderr, flush=True)
    lines = [f"Morning: {posts} image posts and N digests due at the same moment; tick {TICK_SECONDS} s; "
             f"median (min–max) of {runs} runs", "",
             "N digests | post delay median s | post delay max s | all digests in Slack s | /healthz not 200 | "
             "Graph calls per digest"]
    for n, rs in results.items():
        bad = [sum(1 for s in r.healthz if s != 200) for r in rs]
        per_digest = [r.graph_calls / n for r in rs] if n else []
        lines.append(" | ".join([
            f"{n}" + (" (baseline)" if n == 0 else ""),
            spread([statistics.median(r.post_delays) for r in rs if r.post_delays]),
            spread([max(r.post_delays) for r in rs if r.post_delays]),
            spread([r.digest_done for r in rs if r.digest_done is not None]) if n else "–",
            f"{sum(bad)} of {sum(len(r.healthz) for r in rs)}",
            spread(per_digest) if n else "–",
        ]))
        missing = [n - r.digests_seen for r in rs if r.digests_seen < n]
        if missing:
            lines.append(f"  ! {sum(missing)} digests not in Slack within 15 minutes")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emulators", help=argparse.SUPPRESS)
    parser.add_argument("--digests", type=int, nargs="+", default=[60, 200, 500])
    parser.add_argument("--posts", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.emulators:
        asyncio.run(run_emulators(args.emulators))
    else:
        print(main(args.digests, args.posts, args.runs))
