"""Webhook intake: deliveries per second and time to 200 of `igbot serve`, against two baselines in the same run.

Run by hand from the repository root: ``python -m bench.intake [--runs 3] [--seconds 5] [--rates 250,500]``.

Every piece is a process of its own: the Slack and Graph emulators (`bench.crashes`), `igbot serve` on a fresh
database for each measurement (no backlog carries from one to the next), the baselines, and the load. The
baselines are a bare aiohttp handler that answers 200, and a durable receiver that checks the HMAC, parses the
delivery and inserts each change into a WAL database synchronously before answering
(``python -m bench.intake serve bare|durable PORT DB``). Each delivery is one new signed `comments` change.

- **Throughput**: closed loop, 32 connections, counted from the 200 responses (`wrk` when installed, else an
  aiohttp load process).
- **Latency**: open loop at a fixed rate (Meta does not wait for us); each delivery's time is taken from the
  moment it was meant to be sent, so a server that stalls shows as latency, not as a lower rate.
- **Under a backlog**: 10,000 comments delivered first (ten deliveries of 1,000), then 500/s while igbot
  turns them into Slack messages.

Each figure is the median of the runs, with min–max. Targets: igbot ≥ half the durable receiver's throughput;
p99 ≤ 20 ms at 500/s while the backlog drains.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = 32
WRK_SCRIPT = """
local bodies, sigs, n = {}, {}, 0
function setup(thread) n = n + 1; thread:set("offset", n) end
function init(args)
  for line in io.lines(args[1]) do
    local tab = line:find("\\t")
    sigs[#sigs + 1] = line:sub(1, tab - 1); bodies[#bodies + 1] = line:sub(tab + 1)
  end
  i = tonumber(offset) * 100003 % #bodies
end
function request()
  i = i % #bodies + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["X-Hub-Signature-256"] = sigs[i]},
                    bodies[i])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %d, "non2xx": %d, "errors": %d, "us": %d}\\n', summary.requests,
                         e.status, e.connect + e.read + e.write + e.timeout, summary.duration))
end
"""


# -- deliveries ----------------------------------------------------------------------------------------------


def hmac_header(raw: bytes, secret: str) -> dict:
    """Return the headers Meta sends with a signed body."""
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"}


def comment_change(media_id: str, n: int) -> dict:
    """Return comment number n on a media, as Meta sends it."""
    return {"field": "comments", "value": {"id": f"1795{n:013d}", "text": f"bench comment {n}",
                                           "from": {"id": "42", "username": "fan"}, "media": {"id": media_id}}}


def signed(ig_user_id: str, media_id: str, n: int, secret: str, *, count: int = 1) -> tuple[bytes, dict]:
    """Return a delivery of comments n … n+count-1 and its headers."""
    changes = [comment_change(media_id, n + k) for k in range(count)]
    raw = json.dumps({"object": "instagram", "entry": [{"id": ig_user_id, "time": 1, "changes": changes}]}).encode()
    return raw, hmac_header(raw, secret)


@dataclass
class Target:
    """Where deliveries go and how to sign them."""

    url: str
    secret: str
    ig_user_id: str
    media_id: str
    next_n: int = 0

    def bodies(self, count: int) -> list[tuple[bytes, dict]]:
        """Return count new one-comment deliveries (never sent before)."""
        first, self.next_n = self.next_n, self.next_n + count
        return [signed(self.ig_user_id, self.media_id, n, self.secret) for n in range(first, first + count)]

    def args(self) -> list[str]:
        """The command-line form, for a load process."""
        return [self.url, self.secret, self.ig_user_id, self.media_id]


# -- the baselines (each in its own process) ------------------------------------------------------------------


def baseline_app(kind: str, db_path: str, secret: str) -> web.Application:
    """A bare 200 handler, or a durable receiver: HMAC check, parse, synchronous WAL insert, then 200."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE IF NOT EXISTS inbox (id INTEGER PRIMARY KEY, dedupe_key TEXT UNIQUE, value TEXT)")

    async def bare(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="ok")

    async def durable(request: web.Request) -> web.Response:
        body = await request.read()
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers.get("X-Hub-Signature-256", "")):
            return web.Response(status=403)
        rows = [(f"{e['id']}:{c['field']}:{c['value']['id']}", json.dumps(c["value"]))
                for e in json.loads(body)["entry"] for c in e["changes"]]
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT OR IGNORE INTO inbox (dedupe_key, value) VALUES (?, ?)", rows)
        conn.execute("COMMIT")
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/webhooks/instagram", bare if kind == "bare" else durable)
    app.router.add_get("/healthz", lambda request: web.Response(text="ok"))
    return app


@contextlib.contextmanager
def baseline(kind: str, folder: Path, secret: str):
    """Run a baseline server process; yield its delivery URL."""
    from bench.crashes import free_port

    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "bench.intake", "serve", kind, str(port),
                                str(folder / f"{kind}-{port}.db"), secret], cwd=ROOT)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
        yield f"http://127.0.0.1:{port}/webhooks/instagram"
    finally:
        process.kill()
        process.wait()


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    """Wait until url answers 200 (or the process dies)."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1) as response:
            if response.status == 200:
                return
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not come up")
        time.sleep(0.05)


# -- the load (each run in its own process) -------------------------------------------------------------------


async def closed_loop(target: Target, seconds: float) -> dict:
    """Keep CONNECTIONS deliveries in flight for seconds; return 200s, others and the time taken."""
    bodies = target.bodies(int(seconds * 8000))
    ok = other = 0
    position = 0
    stop_at = time.perf_counter() + seconds
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONNECTIONS)) as session:

        async def worker() -> None:
            nonlocal ok, other, position
            while time.perf_counter() < stop_at and position < len(bodies):
                raw, headers = bodies[position]
                position += 1
                async with session.post(target.url, data=raw, headers=headers) as response:
                    await response.read()
                    ok, other = ok + (response.status == 200), other + (response.status != 200)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
    return {"ok": ok, "other": other, "seconds": time.perf_counter() - started}


async def open_loop(target: Target, rate: int, seconds: float) -> dict:
    """Send rate deliveries a second for seconds, each timed from when it was meant to go."""
    bodies = target.bodies(int(rate * seconds))
    latencies: list[float] = []
    ok = 0
    last_answer = 0.0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1024)) as session:

        async def one(intended: float, raw: bytes, headers: dict) -> None:
            nonlocal ok, last_answer
            async with session.post(target.url, data=raw, headers=headers) as response:
                await response.read()
                ok += response.status == 200
            last_answer = time.perf_counter()
            latencies.append((last_answer - intended) * 1000)

        tasks = []
        start = time.perf_counter() + 0.05
        for i, (raw, headers) in enumerate(bodies):
            intended = start + i / rate
            if (delay := intended - time.perf_counter()) > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(intended, raw, headers)))
        await asyncio.gather(*tasks)
    ordered = sorted(latencies)
    window = last_answer - start + 1 / rate  # from the first intended send to the last answer: N / rate if instant
    return {"sent": len(bodies), "ok": ok, "achieved": ok / window,
            "p50": statistics.median(ordered), "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
            "max": ordered[-1]}


def run_load(mode: str, target: Target, *numbers: float) -> dict:
    """Run one load in a process of its own; return what it measured."""
    command = [sys.executable, "-m", "bench.intake", mode, *target.args(), str(target.next_n),
               *(str(n) for n in numbers)]
    result = json.loads(subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    target.next_n += 10_000_000  # the load process used numbers from next_n on
    return result


def throughput(target: Target, seconds: float, folder: Path) -> float:
    """Closed-loop 200s per second: with wrk when installed, else the aiohttp load process."""
    if not shutil.which("wrk"):
        measured = run_load("closed", target, seconds)
        return measured["ok"] / measured["seconds"]
    lines = folder / "bodies.tsv"
    with lines.open("w") as out:
        for raw, headers in target.bodies(int(seconds * 12000)):
            out.write(f"{headers['X-Hub-Signature-256']}\t{raw.decode()}\n")
    script = folder / "deliveries.lua"
    script.write_text(WRK_SCRIPT)
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "-s", str(script), target.url,
               "--", str(lines)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result = json.loads(output.split("RESULT ", 1)[1].splitlines()[0])
    return (result["requests"] - result["non2xx"] - result["errors"]) / (result["us"] / 1e6)


# -- the measurements -----------------------------------------------------------------------------------------


@dataclass
class Figures:
    """Every run's value of each figure, by name."""

    values: dict[str, list[float]] = field(default_factory=dict)

    def add(self, name: str, value: float) -> None:
        self.values.setdefault(name, []).append(value)

    def median(self, name: str) -> float:
        return statistics.median(self.values[name])


def measure_igbot(harness, name: str, what) -> dict | float:
    """Start `igbot serve` on a fresh database, run what(target), stop it; return what it measured."""
    from bench.crashes import META_SECRET

    harness.fresh_database(f"{name}.db")
    harness.start_igbot()
    try:
        return what(Target(f"{harness.url}/webhooks/instagram", META_SECRET, harness.info["ig_user_id"],
                           harness.info["media_id"]))
    finally:
        harness.kill_igbot()


def under_backlog(harness, target: Target, rate: int, seconds: float, backlog: int) -> dict:
    """Deliver a backlog of comments, then measure the open loop while igbot relays them."""
    for start in range(0, backlog, 1000):
        raw, headers = signed(target.ig_user_id, target.media_id, 900_000_000 + start, target.secret,
                              count=min(1000, backlog - start))
        request = urllib.request.Request(target.url, data=raw, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200
    measured = run_load("open", target, rate, seconds)
    with contextlib.closing(sqlite3.connect(harness.env["IGBOT_DB"], timeout=30)) as conn:
        measured["relayed"] = conn.execute("SELECT COUNT(*) FROM comments WHERE relay_state = 'queued' "
                                           "AND CAST(substr(ig_comment_id, 5) AS INTEGER) >= 900000000").fetchone()[0]
    return measured


def run(runs: int, seconds: float, rates: list[int], backlog: int) -> Figures:
    """Measure everything runs times; igbot and both baselines side by side in each run."""
    from bench.crashes import META_SECRET, Harness

    figures = Figures()
    with Harness(tick_seconds=30) as harness, tempfile.TemporaryDirectory(prefix="igbot-intake-") as tmp:
        folder = Path(tmp)
        for run_number in range(runs):
            for kind in ("bare", "durable"):
                with baseline(kind, folder, META_SECRET) as url:
                    target = Target(url, META_SECRET, harness.info["ig_user_id"], harness.info["media_id"])
                    figures.add(f"throughput {kind}", throughput(target, seconds, folder))
                for rate in rates:
                    with baseline(kind, folder, META_SECRET) as url:
                        target = Target(url, META_SECRET, harness.info["ig_user_id"], harness.info["media_id"])
                        measured = run_load("open", target, rate, seconds)
                    figures.add(f"p99 {kind} {rate}/s", measured["p99"])
                    figures.add(f"achieved {kind} {rate}/s", measured["achieved"])
            figures.add("throughput igbot", measure_igbot(harness, f"t{run_number}",
                                                          lambda t: throughput(t, seconds, folder)))
            for rate in rates:
                measured = measure_igbot(harness, f"r{run_number}-{rate}",
                                         lambda t, rate=rate: run_load("open", t, rate, seconds))
                figures.add(f"p99 igbot {rate}/s", measured["p99"])
                figures.add(f"achieved igbot {rate}/s", measured["achieved"])
            measured = measure_igbot(harness, f"b{run_number}",
                                     lambda t: under_backlog(harness, t, 500, seconds * 2, backlog))
            figures.add(f"p99 igbot 500/s, {backlog:,} backlog", measured["p99"])
            figures.add(f"achieved igbot 500/s, {backlog:,} backlog", measured["achieved"])
            figures.add(f"backlog relayed meanwhile, {backlog:,}", measured["relayed"])
    return figures


def print_table(figures: Figures) -> None:
    print(f"{'figure':<44} {'median':>10} {'min – max':>22}")
    for name, values in figures.values.items():
        print(f"{name:<44} {statistics.median(values):>10.1f} {min(values):>10.1f} – {max(values):<10.1f}")
    ratio = figures.median("throughput igbot") / figures.median("throughput durable")
    print(f"igbot's throughput is {ratio:.2f} of the durable receiver's "
          f"({'wrk' if shutil.which('wrk') else 'aiohttp load process'}, {CONNECTIONS} connections)")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        kind, port, db_path, secret = sys.argv[2:6]
        web.run_app(baseline_app(kind, db_path, secret), host="127.0.0.1", port=int(port), access_log=None,
                    print=None)
        return
    if len(sys.argv) > 1 and sys.argv[1] in ("closed", "open"):
        mode, (url, secret, ig_user_id, media_id, first), numbers = sys.argv[1], sys.argv[2:7], sys.argv[7:]
        target = Target(url, secret, ig_user_id, media_id, int(first))
        coroutine = closed_loop(target, float(numbers[0])) if mode == "closed" else \
            open_loop(target, int(numbers[0]), float(numbers[1]))
        print(json.dumps(asyncio.run(coroutine)))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0, help="how long each load is held")
    parser.add_argument("--rates", default="250,500", help="open-loop deliveries per second, comma-separated")
    parser.add_argument("--backlog", type=int, default=10_000, help="comments waiting while 500/s is measured")
    args = parser.parse_args()
    print_table(run(args.runs, args.seconds, [int(r) for r in args.rates.split(",")], args.backlog))


if __name__ == "__main__":
    main()
