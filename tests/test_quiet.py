"""Quiet, exact output: each command's stderr holds its report or its refusal, and nothing else."""

import asyncio
import logging
import sys

import pytest

from bot.config import Config
from bot.startup import open_store
from tests.test_cli import TOKEN, run

NOISE = ("Unclosed", "ResourceWarning", "Traceback", "graph retry", "WARNING", "token will be unused")


async def igbot(env: dict, *args: str, stdin: str = "") -> tuple[int, str]:
    """Run `python -m bot ARGS` as a deployer would (unclosed resources shown), return (exit code, all output)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-W", "always::ResourceWarning", "-m", "bot", *args, env={**env, "PATH": "/usr/bin:/bin"},
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(stdin.encode()), timeout=120)
    return process.returncode, output.decode()


def assert_quiet(output: str) -> None:
    for noise in NOISE:
        assert noise not in output, output


@pytest.fixture
async def graph():
    from sandbox.graph import GraphEmulator

    emulator = GraphEmulator(app_id="1234", app_secret="meta-app-secret")
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
def env(base_env, slack, graph, tmp_path):
    """A deployment against the emulators, with one account that the Graph emulator does not know."""
    env = {**base_env, "SLACK_API_URL": slack.api_url, "GRAPH_API_URL": graph.urls.graph_facebook,
           "IGBOT_ADMINS": slack.admin, "IGBOT_PUBLIC_URL": "https://igbot.example.com"}
    added = run(env, "accounts", "add", "--username", "shop", "--ig-user-id", "1784", "--channel", "C0SOCIAL1",
                "--page-id", "5", "--token", "-", input=TOKEN + "\n")
    assert added.exit_code == 0, added.output
    return env


async def test_report_and_refusal_paths_print_nothing_but_their_answer(env, tmp_path):
    cases = [
        (("doctor",), "[  ok] slack: connected"),
        (("webhooks", "status"), "[FAIL] app subscription: the app is not subscribed"),
        (("webhooks", "subscribe"), "[FAIL] app subscription: Meta refused"),
        (("accounts", "list"), "shop"),
        (("accounts", "remove", "nobody"), "no account named 'nobody'"),
        (("--env-file", str(tmp_path / "missing.env"), "doctor"), "does not exist"),
    ]
    for args, expected in cases:
        code, output = await igbot(env, *args)
        assert expected in output, (args, output)
        assert_quiet(output)
    code, output = await igbot({**env, "IGBOT_SECRET_KEY": ""}, "accounts", "list")
    assert code == 1 and "IGBOT_SECRET_KEY is not set and there is no key file" in output  # and none was made
    assert not (tmp_path / "igbot.db.key").exists()
    assert_quiet(output)


async def test_graph_retries_are_debug_lines(env):
    """An unreachable Graph host is retried: the doctor reports it once; the retries show only at DEBUG."""
    down = {**env, "GRAPH_API_URL": "http://127.0.0.1:9"}
    code, output = await igbot(down, "doctor")
    assert code == 1 and "[FAIL] app subscription: cannot read it" in output
    assert_quiet(output)
    code, output = await igbot({**down, "IGBOT_LOG_LEVEL": "DEBUG"}, "doctor")
    assert "DEBUG bot.graph [-] graph retry GET" in output  # the lines exist, at debug level


async def test_serve_refuses_what_the_doctor_reports(base_env):
    """One check list: a missing META_APP_ID stops serve and fails the doctor's configuration line alike."""
    env = {k: v for k, v in base_env.items() if k != "META_APP_ID"}
    code, served = await igbot(env, "serve")
    assert code == 2 and "META_APP_ID is not set" in served
    doctor = (await asyncio.to_thread(run, env, "doctor")).output
    problems = Config.from_env(env).serve_problems()
    assert problems and all(p in served and p in doctor for p in problems)
    assert_quiet(served)


def test_the_sandbox_makes_its_key_file_without_a_warning(tmp_path, caplog):
    config = Config(db_path=str(tmp_path / "sandbox.db"))
    with caplog.at_level(logging.WARNING):
        open_store(config, sandbox=True)[0].close()
    assert (tmp_path / "sandbox.db.key").exists() and caplog.records == []
    with caplog.at_level(logging.WARNING):
        open_store(Config(db_path=str(tmp_path / "real.db")))[0].close()
    assert "created the key file" in caplog.text  # a real database's key file is announced: back it up
