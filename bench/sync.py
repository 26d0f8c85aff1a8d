"""Comment sync at scale: Graph calls and wall time per cycle at 50/200/500 accounts, with Graph latency added.

Run by hand from the repository root: ``python -m bench.sync [--accounts 50,200,500] [--latency 0.05,0.2]
[--runs 3]``. The Slack and Graph emulators run in one process (every account with 25 posts, one a day, and old
comments on the three newest), igbot in another: the app as ``igbot serve`` builds it (store, Graph client,
workers), on its own database, syncing with ``sync_all`` as the scheduler does but with its accounts' starts not
spread (the cycle's wall time is then its work, not the 8 minutes it is spread over). Per account count and
latency, each figure is the median of ``--runs`` cycles with min–max:

- **idle**: a cycle where nothing changed (one media-list call per account);
- **active**: a cycle after 10 % of the accounts got a comment no webhook delivered (those cost 2 calls);
- **bare** (baseline, same process and run): the same media-list requests sent straight with aiohttp, 8 at a
  time, with no igbot code: the floor of a cycle at that latency;
- **previous sync** (baseline): the read the sync did before, media list plus the comments of the 10 newest
  posts and of the last 7 days, account after account, measured once at each account count with no latency
  (its calls do not depend on latency; its wall time at a latency is at least calls × latency).

Graph calls are counted by the Graph emulator (media lists and comment reads only: a caught comment's relay
reads its post, which is not the sync's cost).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

from bench.crashes import (
    META_APP_ID,
    META_SECRET,
    _post_json,
    _write_atomically,
    publish_info,
    start_control,
    wait_for_file,
)

ROOT = Path(__file__).resolve().parent.parent
SIGNING_SECRET, BOT_TOKEN = "bench-signing-secret", "xoxb-bench"
SYNC_PATHS = ("/{ig-user-id}/media", "/{ig-media-id}/comments")
POSTS, DAY = 25, 86400


# -- the emulator process -----------------------------------------------------------------------------------


async def run_emulators(info_path: str, accounts: int) -> None:
    """Start the emulators with the accounts, write where they listen to info_path, and run until killed."""
    from sandbox.graph import GraphEmulator
    from sandbox.slack import RateLimits, SlackEmulator

    slack = SlackEmulator(signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN, limits=RateLimits(enabled=False))
    graph = GraphEmulator(app_id=META_APP_ID, app_secret=META_SECRET)
    await slack.start()
    await graph.start()
    admin = slack.add_user("admin", is_admin=True)
    now, seeded, newest = time.time(), [], []
    for i in range(accounts):
        channel = slack.add_channel(f"client-{i:03d}", members=[admin], bot_member=True)
        acct = graph.add_account(f"client_{i:03d}", login="facebook", call_budget=1_000_000)
        posts = [graph.add_media(acct, caption=f"post {d}", timestamp=now - (3 + d) * DAY) for d in range(POSTS)]
        for post in posts[:3]:  # older than 48 h: read once, never relayed
            graph.add_comment(post, "an old comment", deliver=False, timestamp=now - 3 * DAY)
        newest.append(posts[0].id)
        seeded.append({"username": acct.username, "ig_user_id": acct.ig_user_id, "page_id": acct.page_id,
                       "token": acct.page_token, "channel": channel})

    async def comment(request: web.Request) -> web.Response:
        share = float((await request.json())["share"])
        for media_id in newest[:: max(1, round(1 / share))]:
            graph.add_comment(media_id, "is this still available?", username="late_reader", deliver=False)
        return web.json_response({"ok": True})

    async def counts(request: web.Request) -> web.Response:
        return web.json_response({"calls": sum(graph.count_calls(path=p) for p in SYNC_PATHS)})

    control = await start_control([web.post("/comment", comment), web.get("/counts", counts)])
    await publish_info(info_path, control, slack, graph, admin=admin, accounts=seeded)
    await asyncio.Event().wait()


# -- the igbot process --------------------------------------------------------------------------------------


async def run_igbot(info_path: str, out_path: str, latencies: list[float], runs: int) -> None:
    """Build igbot as `igbot serve` does, register the accounts, measure the cycles; write the figures."""
    from bot import accounts as account_ops
    from bot.app import create_app
    from bot.appkeys import DEPS
    from bot.comments import sync
    from bot.config import Config
    from storage import accounts as account_rows

    info = json.loads(await asyncio.to_thread(Path(info_path).read_text))
    app = create_app(Config.from_env(dict(os.environ)))
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        deps = app[DEPS]
        for a in info["accounts"]:
            new = account_ops.NewAccount(username=a["username"], ig_user_id=a["ig_user_id"], login="facebook",
                                         page_id=a["page_id"], channel_id=a["channel"], timezone="UTC",
                                         digest_time="09:00")
            await asyncio.to_thread(account_ops.register_account, deps.store, deps.cipher, new, a["token"])
        rows = await deps.store.run(account_rows.list_accounts)
        figures: dict = {"accounts": len(rows), "previous": await _measure(info, _previous_sync(deps, rows))}
        await sync.sync_all(deps, spread=0)  # the first sync: it reads the posts with comments once
        for latency in latencies:
            await asyncio.to_thread(_post_json, f"{info['graph_url']}/_sandbox/latency", {"seconds": latency})
            figures[str(latency)] = {
                "bare": [await _measure(info, _bare_cycle(info)) for _ in range(runs)],
                "idle": [await _measure(info, sync.sync_all(deps, spread=0)) for _ in range(runs)],
                "active": [await _measure(info, sync.sync_all(deps, spread=0), share=0.1) for _ in range(runs)],
            }
        await asyncio.to_thread(_write_atomically, out_path, json.dumps(figures))
    finally:
        await runner.cleanup()


async def _measure(info: dict, cycle, *, share: float = 0.0) -> dict:
    """Run one cycle; return its Graph calls (sync endpoints) and wall seconds."""
    if share:
        await asyncio.to_thread(_post_json, f"{info['control']}/comment", {"share": share})
    before = (await asyncio.to_thread(_get_json, f"{info['control']}/counts"))["calls"]
    started = time.perf_counter()
    await cycle
    wall = time.perf_counter() - started
    return {"calls": (await asyncio.to_thread(_get_json, f"{info['control']}/counts"))["calls"] - before,
            "wall": wall}


async def _bare_cycle(info: dict) -> None:
    """The baseline floor: each account's media list requested straight, 8 at a time, no igbot code."""
    gate = asyncio.Semaphore(8)
    async with aiohttp.ClientSession() as session:

        async def one(account: dict) -> None:
            async with gate, session.get(f"{info['graph_url']}/v25.0/{account['ig_user_id']}/media",
                                         params={"fields": "id,timestamp,comments_count", "limit": "25"},
                                         headers={"Authorization": f"Bearer {account['token']}"}) as response:
                await response.read()

        await asyncio.gather(*(one(a) for a in info["accounts"]))


async def _previous_sync(deps, rows: list[dict]) -> None:
    """The baseline read of the sync before: media list, then the comments of the 10 newest posts and those of
    the last 7 days, for one account after another."""
    from datetime import UTC, datetime

    from bot.comments.sync import is_recent
    from bot.graph.comments import THREAD_FIELDS
    from bot.graph_accounts import graph_account

    now = datetime.now(UTC)
    for row in rows:
        account = await graph_account(deps.store, deps.cipher, row)
        page = await deps.graph.get(f"{row['ig_user_id']}/media", account, params={
            "fields": "id,timestamp,permalink,caption,media_type,media_product_type,media_url,thumbnail_url",
            "limit": 25})
        for i, item in enumerate(page.get("data") or []):
            if i < 10 or is_recent(item.get("timestamp"), now):
                await deps.graph.get(f"{item['id']}/comments", account, params={"fields": THREAD_FIELDS,
                                                                                  "limit": 50})


def _get_json(url: str) -> dict:
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


# -- the caller ---------------------------------------------------------------------------------------------


def measure(accounts: int, latencies: list[float], runs: int) -> dict:
    """Start the emulators and igbot for one account count; return igbot's figures."""
    from bot.cipher import new_key

    with tempfile.TemporaryDirectory(prefix="igbot-bench-sync-") as folder:
        info_path, out_path = f"{folder}/emulators.json", f"{folder}/figures.json"
        with open(f"{folder}/emulators.log", "w") as log:
            emulators = subprocess.Popen([sys.executable, "-m", "bench.sync", "emulators", info_path,
                                          str(accounts)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
        try:
            info = json.loads(wait_for_file(info_path, emulators, Path(folder) / "emulators.log", timeout=300))
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SLACK_BOT_TOKEN": BOT_TOKEN,
                   "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": info["slack_api_url"],
                   "META_APP_ID": META_APP_ID, "META_APP_SECRET": META_SECRET, "META_WEBHOOK_VERIFY_TOKEN": "v",
                   "GRAPH_API_URL": info["graph_url"], "INSTAGRAM_GRAPH_API_URL": info["instagram_graph_url"],
                   "IGBOT_DB": f"{folder}/igbot.db", "IGBOT_SECRET_KEY": new_key(), "IGBOT_TICK_SECONDS": "3600",
                   "IGBOT_ADMINS": info["admin"], "IGBOT_LOG_LEVEL": "ERROR"}
            subprocess.run([sys.executable, "-m", "bench.sync", "igbot", info_path, out_path,
                            ",".join(map(str, latencies)), str(runs)], cwd=ROOT, env=env, check=True,
                           stdout=subprocess.DEVNULL)
            return json.loads(Path(out_path).read_text())
        finally:
            emulators.kill()
            emulators.wait()


def _spread(values: list[float], fmt: str) -> str:
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def table(results: list[dict], latencies: list[float]) -> str:
    """Render the figures as a Markdown table."""
    lines = ["| accounts | latency | idle cycle: calls · wall s | active cycle (10 %): calls · wall s | "
             "bare cycle (baseline): wall s | previous sync: calls |", "|---|---|---|---|---|---|"]
    for r in results:
        for latency in latencies:
            f = r[str(latency)]
            cells = [_spread([x["calls"] for x in f[k]], "{:.0f}") + " · " + _spread([x["wall"] for x in f[k]],
                                                                                      "{:.2f}")
                     for k in ("idle", "active")]
            lines.append(f"| {r['accounts']} | {latency * 1000:.0f} ms | {cells[0]} | {cells[1]} | "
                         f"{_spread([x['wall'] for x in f['bare']], '{:.2f}')} | {r['previous']['calls']} "
                         f"(≥ {r['previous']['calls'] * latency:.0f} s sequential) |")
    return "\n".join(lines)


def main() -> None:
    """Parse arguments, run every account count, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", default="50,200,500", help="account counts, comma-separated")
    parser.add_argument("--latency", default="0.05,0.2", help="seconds the Graph emulator waits per request")
    parser.add_argument("--runs", type=int, default=3, help="cycles per figure (median, min–max)")
    args = parser.parse_args()
    latencies = [float(x) for x in args.latency.split(",")]
    results = [measure(int(n), latencies, args.runs) for n in args.accounts.split(",")]
    print(table(results, latencies))


if __name__ == "__main__":
    if sys.argv[1:2] == ["emulators"]:
        asyncio.run(run_emulators(sys.argv[2], int(sys.argv[3])))
    elif sys.argv[1:2] == ["igbot"]:
        asyncio.run(run_igbot(sys.argv[2], sys.argv[3], [float(x) for x in sys.argv[4].split(",")],
                              int(sys.argv[5])))
    else:
        main()
