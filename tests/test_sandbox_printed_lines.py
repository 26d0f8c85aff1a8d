"""`igbot sandbox` as a person runs it: every command line it prints works as printed, with the effect it names.

The real command runs as a subprocess on free ports; its banner is parsed, and each printed ``curl`` line is
run with bash exactly as printed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow
if shutil.which("curl") is None:
    pytestmark = [pytestmark, pytest.mark.skip(reason="the printed lines use curl, which is not installed")]
TIMEOUT = 90.0  # seconds; generous for a loaded machine


def igbot_command() -> list[str]:
    """Return how to run the installed `igbot` script with this interpreter."""
    script = Path(sys.executable).with_name("igbot")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from bot.cli import main; main()"]


def wait_until(check: Callable[[], Any], what: str) -> Any:
    """Poll `check` until it returns something truthy, or fail naming `what`."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def read_json(url: str) -> Any:
    """GET a loopback URL and decode its JSON."""
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback only)
        return json.loads(response.read())


@pytest.fixture
def sandbox(tmp_path):
    """A running `igbot sandbox --port 0 --no-auto-comments`; yields (banner, process)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "IGBOT_DB": str(tmp_path / "sandbox.db")}
    log = (tmp_path / "stderr.txt").open("w")
    proc = subprocess.Popen([*igbot_command(), "sandbox", "--port", "0", "--no-auto-comments"], env=env,
                            stdout=subprocess.PIPE, stderr=log, text=True, cwd=tmp_path)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                raise AssertionError("igbot sandbox exited early:\n" + (tmp_path / "stderr.txt").read_text())
            lines.append(line.rstrip("\n"))
            if "/healthz" in line and line.lstrip().startswith("curl"):
                break
        yield "\n".join(lines), proc
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            rest, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        log.close()
        assert proc.returncode == 0 and rest.rstrip().endswith("Sandbox stopped."), rest


def printed_commands(banner: str) -> list[str]:
    """Return the command lines under "Try:" (comment lines left out)."""
    tried = banner.split("\nTry:\n", 1)[1].splitlines()
    return [line.strip() for line in tried if line.strip() and not line.strip().startswith("#")]


def run(line: str) -> Any:
    """Run one printed line with bash, as pasted into a terminal; return its decoded JSON output."""
    done = subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, (line, done.stderr)
    assert done.stdout.strip(), line
    answer = json.loads(done.stdout)
    if isinstance(answer, dict):
        assert answer.get("ok", True) is not False and "error" not in answer, (line, answer)
    return answer


def test_every_printed_line_works_as_printed(sandbox) -> None:
    banner, _ = sandbox
    slack = re.search(r"Slack emulator\s+(\S+)", banner).group(1)
    graph = re.search(r"Graph emulator\s+(\S+)", banner).group(1)
    api_base, bot_token = re.search(r"Web API base\s+(\S+)\s+bot token (\S+)", banner).groups()
    assert api_base == f"{slack}api/" and bot_token.startswith("xoxb-")
    user_token = re.search(r"User token (\S+)", banner).group(1)
    assert "made-up comments      off" in banner
    commands = printed_commands(banner)
    assert len(commands) == 7 and all(c.startswith("curl ") for c in commands)
    comment, read_channel, help_line, post, graph_read, auth_test, health = commands

    assert run(comment)["id"]
    wait_until(lambda: "Love it!" in json.dumps(read_json(f"{slack}_sandbox/channels/instagram")),
               "the follower's comment in #instagram")
    messages = run(read_channel)
    assert any("Love it!" in json.dumps(m, ensure_ascii=False) for m in messages)

    shown = run(help_line)["delivery"]["shown"]
    assert "/ig post" in json.dumps(shown)

    queued = run(post)["delivery"]
    assert queued["status"] == 200 and queued["error"] is None and "Queued" in json.dumps(queued["shown"])
    published = wait_until(lambda: [c for c in read_json(f"{graph}/_sandbox/calls?path=/{{ig-user-id}}/media_publish")
                                    ["calls"] if c["status"] == 200], "the queued post to be published")
    assert published
    state = read_json(f"{graph}/_sandbox/state")
    assert state["accounts"][0]["token"] == user_token

    account = run(graph_read)
    assert account["username"] == "demo_shop" and account["media_count"] == 6  # 5 seeded + the one just posted
    assert run(auth_test)["user_id"]
    assert run(health)["status"] == "ok"
    assert read_json(f"{graph}/_sandbox/calls")["violations"] == []


def test_the_control_routes_list_themselves(sandbox) -> None:
    banner, _ = sandbox
    urls = re.findall(r"control routes: GET (\S+)\)", banner)
    assert len(urls) == 2
    for url in urls:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback only)
            text = response.read().decode()
        assert response.status == 200 and "/_sandbox/" in text and "POST" in text
