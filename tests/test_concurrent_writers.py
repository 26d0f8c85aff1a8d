"""Concurrent writers on one database: CLI writes while `igbot serve` relays a burst, and a lock that never frees."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from bot.config import Config
from sandbox.graph import GraphEmulator
from storage.db import DatabaseBusy, Store
from tests.test_cli import TOKEN, add, run
from tests.test_serve import free_port

ACCOUNTS = 60
AT_ONCE = 16
COMMENTS = 150


async def add_account_process(env: dict, number: int, gate: asyncio.Semaphore) -> tuple[int, str]:
    """Run `igbot accounts add` as its own process; return its exit code and output."""
    async with gate:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "accounts", "add", "--username", f"client_{number:02d}",
            "--ig-user-id", f"179{number:014d}", "--channel", f"C0CLIENT{number:02d}", "--page-id",
            f"10{number:04d}", "--token", "-", env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT)
        output, _ = await process.communicate(f"{TOKEN}-{number}\n".encode())
        return process.returncode, output.decode()


async def wait_until_up(process: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            await asyncio.to_thread(urllib.request.urlopen, f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except OSError:
            assert process.poll() is None, process.stdout.read()
            assert time.monotonic() < deadline, "serve did not come up"
            await asyncio.sleep(0.1)


@pytest.mark.slow
async def test_sixty_cli_adds_while_serve_relays_a_burst_all_succeed_and_no_comment_is_lost(base_env, slack):
    slack.limiter.limits.enabled = False
    graph = await GraphEmulator(app_id="1234", app_secret=base_env["META_APP_SECRET"]).start()
    try:
        shop = graph.add_account("shop", login="facebook")
        media = graph.add_media(shop, caption="Winter sale")
        env = {**base_env, "SLACK_API_URL": slack.api_url, "GRAPH_API_URL": graph.urls.graph_facebook,
               "INSTAGRAM_GRAPH_API_URL": graph.urls.graph_instagram, "IGBOT_ADMINS": slack.admin,
               "IGBOT_LOG_LEVEL": "WARNING", "PATH": "/usr/bin:/bin"}
        result = run(env, "accounts", "add", "--username", "shop", "--ig-user-id", shop.ig_user_id, "--channel",
                     slack.social, "--page-id", shop.page_id, "--token", "-", input=shop.token + "\n")
        assert result.exit_code == 0, result.output
        port = free_port()
        serve = await asyncio.to_thread(subprocess.Popen, [sys.executable, "-m", "bot", "serve"],
                                        env={**env, "IGBOT_PORT": str(port)}, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        try:
            await wait_until_up(serve, port)
            graph.set_webhook_callback(f"http://127.0.0.1:{port}/webhooks/instagram")

            async def burst() -> None:
                for batch in range(0, COMMENTS, 10):
                    with graph.webhook_batch():
                        for i in range(batch, batch + 10):
                            graph.add_comment(media, f"comment number {i} from the burst", username=f"fan{i}")
                    await graph.flush_webhooks()

            gate = asyncio.Semaphore(AT_ONCE)
            results, _ = await asyncio.gather(
                asyncio.gather(*(add_account_process(env, n, gate) for n in range(ACCOUNTS))), burst())
            refused = [(code, output) for code, output in results if code != 0]
            assert not refused, refused[:3]
            assert all("Traceback" not in output for _, output in results)

            def shown() -> list[int]:
                text = json.dumps([m["blocks"] for m in slack.messages(slack.social)])
                return sorted(map(int, re.findall(r"comment number (\d+) from", text)))

            deadline = time.monotonic() + 90
            while shown() != list(range(COMMENTS)) and time.monotonic() < deadline:
                assert serve.poll() is None, serve.stdout.read()
                await asyncio.sleep(0.2)
            assert shown() == list(range(COMMENTS))  # every comment, each exactly once
        finally:
            serve.terminate()
            output, _ = serve.communicate(timeout=15)
        assert "database is locked" not in output and "Traceback" not in output, output
    finally:
        await graph.stop()
    store = Store.open(base_env["IGBOT_DB"])
    try:
        usernames = store.run_sync(lambda db: [r[0] for r in db.execute("SELECT username FROM accounts")])
    finally:
        store.close()
    assert sorted(usernames) == sorted(["shop", *(f"client_{n:02d}" for n in range(ACCOUNTS))])


def test_a_write_that_cannot_get_the_lock_is_one_line_naming_who_holds_the_database(base_env):
    assert add(base_env, "--page-id", "101").exit_code == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys, time\n"
         "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
         "conn.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep(60)", base_env["IGBOT_DB"]],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "bot", "accounts", "add", "--username", "late_shop", "--ig-user-id",
             "17841400000000099", "--channel", "C0LATESHOP1", "--page-id", "101", "--token", "-"],
            env={**base_env, "PATH": "/usr/bin:/bin"}, input=TOKEN + "\n", capture_output=True, text=True,
            timeout=60)
        assert time.monotonic() - started >= 9  # it waited for the busy timeout, then gave up
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "stayed locked for 10 s" in lines[0] and f"pid {holder.pid}" in lines[0]
    assert "Nothing was changed" in lines[0] and "Traceback" not in result.stderr


def test_a_transaction_takes_the_write_lock_up_front(base_env, tmp_path):
    """A read-then-write transaction waits for another writer instead of failing at once."""
    config = Config.from_env(base_env)
    store = Store.open(config.db_path)
    other = sqlite3.connect(config.db_path, isolation_level=None, timeout=0, check_same_thread=False)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO meta (key, value) VALUES ('held', '1')")

        def read_then_write(db):
            with db.atomic():
                db.execute("SELECT COUNT(*) FROM meta").fetchone()
                db.execute("INSERT INTO meta (key, value) VALUES ('mine', '1')")

        threading.Timer(0.5, other.execute, ["COMMIT"]).start()
        store.run_sync(read_then_write)  # waited for the other writer, did not raise "database is locked"
        keys = store.run_sync(lambda db: {r[0] for r in db.execute("SELECT key FROM meta")})
        assert {"held", "mine"} <= keys
    finally:
        other.close()
        store.close()


def test_store_reports_a_lock_held_past_the_timeout_as_database_busy(base_env, monkeypatch):
    import storage.db as db_module

    store = Store.open(Config.from_env(base_env).db_path)
    store.run_sync(lambda db: db.execute("PRAGMA busy_timeout = 100"))
    other = sqlite3.connect(base_env["IGBOT_DB"], isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")

        def write(db):
            with db.atomic():
                db.execute("INSERT INTO meta (key, value) VALUES ('x', '1')")

        monkeypatch.setattr(db_module, "processes_using", lambda path: [(4242, "igbot serve")])
        with pytest.raises(DatabaseBusy, match="pid 4242: igbot serve"):
            store.run_sync(write)
    finally:
        other.close()
        store.close()
