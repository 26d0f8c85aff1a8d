"""The igbot command line: accounts, keygen, serve's config check, and tokens kept secret."""

import os
import re
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.config import Config
from bot.startup import open_store

TOKEN = "EAAGsecretPageTokenValue1234567890abcdef"


def run(env, *args, input=None):
    return CliRunner().invoke(cli, list(args), env=env, input=input, catch_exceptions=False)


def add(env, *extra, username="demo_shop", ig_user_id="17841400000000001", channel="C0SOCIAL1", page_id="101"):
    return run(env, "accounts", "add", "--username", username, "--ig-user-id", ig_user_id, "--channel", channel,
               "--token", "-", "--page-id", page_id, *extra, input=TOKEN + "\n")


def test_add_list_remove(base_env):
    result = add(base_env, "--timezone", "Europe/Berlin", "--digest-time", "08:30", "--page-id", "101")
    assert result.exit_code == 0, result.output
    assert "Added @demo_shop" in result.output and TOKEN not in result.output
    listing = run(base_env, "accounts", "list")
    assert "demo_shop" in listing.output and "Europe/Berlin" in listing.output and "08:30" in listing.output
    assert "stored" in listing.output and TOKEN not in listing.output
    assert run(base_env, "accounts", "remove", "@demo_shop").exit_code == 0
    assert "No accounts yet" in run(base_env, "accounts", "list").output


@pytest.mark.parametrize(("extra", "message"), [
    (("--timezone", "Mars/Olympus"), "unknown timezone 'Mars/Olympus': use an IANA name like Europe/Berlin"),
    (("--digest-time", "9am"), "must be HH:MM"),
    (("--page-id", "abc"), "page id 'abc' must be numeric"),
])
def test_bad_account_fields_are_explained(base_env, extra, message):
    result = add(base_env, *extra)
    assert result.exit_code == 2 and message in result.output


def test_malformed_channel_and_id_are_explained(base_env):
    result = add(base_env, channel="#social", ig_user_id="demo")
    assert result.exit_code == 2
    assert "must be a Slack channel id like C0123456789" in result.output
    assert "Instagram user id 'demo' must be numeric" in result.output


def test_duplicates_are_refused(base_env):
    assert add(base_env).exit_code == 0
    again = add(base_env, ig_user_id="2")
    assert again.exit_code == 2 and "username demo_shop already exists" in again.output
    same_id = add(base_env, username="other")
    assert same_id.exit_code == 2 and "ig_user_id 17841400000000001 already exists" in same_id.output


def test_token_plaintext_is_nowhere_in_the_database_files(base_env, tmp_path):
    assert add(base_env).exit_code == 0
    files = [p for p in tmp_path.iterdir() if p.name.startswith("igbot.db")]
    assert any(p.name == "igbot.db" for p in files)
    for path in files:
        assert TOKEN.encode() not in path.read_bytes(), path.name


def test_key_file_is_created_beside_the_database_with_mode_0600(base_env, tmp_path):
    env = {**base_env, "IGBOT_SECRET_KEY": ""}
    assert add(env).exit_code == 0
    key_file = tmp_path / "igbot.db.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert "demo_shop" in run(env, "accounts", "list").output


def test_wrong_secret_key_gives_a_clear_error(base_env):
    assert add(base_env).exit_code == 0
    other = run(base_env, "keygen").output.strip()
    result = run({**base_env, "IGBOT_SECRET_KEY": other}, "accounts", "list")
    assert result.exit_code == 1
    assert f"IGBOT_SECRET_KEY is not the key the database {base_env['IGBOT_DB']} was created with" in result.output
    assert "1 stored token(s) cannot be read" in result.output and "remove" not in result.output
    assert "Traceback" not in result.output


def test_keygen_prints_a_usable_key():
    from cryptography.fernet import Fernet

    key = run({}, "keygen").output.strip()
    assert Fernet(key.encode()).decrypt(Fernet(key.encode()).encrypt(b"x")) == b"x"


def test_serve_lists_every_missing_setting_without_a_traceback(tmp_path):
    result = run({"IGBOT_DB": str(tmp_path / "x.db"), "IGBOT_PORT": "99999"}, "serve")
    assert result.exit_code == 2
    assert "IGBOT_PORT must be a whole number from 1 to 65535" in result.output
    assert "Traceback" not in result.output
    missing = run({"IGBOT_DB": str(tmp_path / "x.db")}, "serve")
    assert missing.exit_code == 2
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "META_APP_SECRET", "META_WEBHOOK_VERIFY_TOKEN"):
        assert name in missing.output


def test_serve_explains_an_unusable_database_path(base_env, tmp_path):
    result = run({**base_env, "IGBOT_DB": str(tmp_path / "nowhere" / "igbot.db")}, "serve")
    assert result.exit_code == 1 and "does not exist" in result.output


def test_every_command_help_shows_an_example():
    for path in (["init"], ["serve"], ["keygen"], ["doctor"], ["accounts", "add"], ["accounts", "list"],
                 ["accounts", "remove"], ["webhooks", "subscribe"], ["webhooks", "status"]):
        output = run({}, *path, "--help").output
        assert "Example:" in output and "igbot " in output, path


async def test_doctor_reports_each_check(base_env, slack):
    from sandbox.graph import GraphEmulator

    graph = GraphEmulator(app_id="1234", app_secret="meta-app-secret")
    await graph.start()
    env = {**base_env, "SLACK_API_URL": slack.api_url, "GRAPH_API_URL": graph.urls.graph_facebook}
    open_store(Config.from_env(env))[0].close()  # as the first `igbot serve` leaves it
    try:
        result = await _in_thread(env, "doctor")
        bad = await _in_thread({**env, "SLACK_BOT_TOKEN": "xoxb-wrong"}, "doctor")
    finally:
        await graph.stop()
    assert "[  ok] configuration" in result.output
    assert "[  ok] database" in result.output
    assert "[  ok] slack: connected to Igbot-Sandbox as @igbot" in result.output
    assert "[   !] admins: IGBOT_ADMINS is empty" in result.output
    assert "[FAIL] app subscription: the app is not subscribed to Instagram webhooks" in result.output
    assert bad.exit_code == 1 and "auth.test said invalid_auth" in bad.output
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    names = {re.sub(r"^@\w+", "@account", line[7:].split(":")[0]) for line in result.output.splitlines()
             if line.startswith("[")}
    assert {"env file", "database", "slack", "app subscription"} <= names
    assert [n for n in names if f"| `{n}` |" not in readme] == []  # the README explains every doctor line


async def _in_thread(env, *args):
    """Run a CLI command that starts its own event loop, from an async test."""
    import asyncio

    return await asyncio.to_thread(run, env, *args)
