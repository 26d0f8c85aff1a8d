"""A deployer's first hour: `igbot init`, the env file, a doctor that creates nothing, and clear refusals."""

import os
import stat
from pathlib import Path

import pytest

from bot import envfile
from bot.config import Config
from bot.startup import open_store
from tests.test_cli import TOKEN, add, run


class Recording(dict):
    """An environment that remembers every name Config.from_env asks for."""

    def __init__(self):
        super().__init__()
        self.asked: set[str] = set()

    def get(self, name, default=None):
        self.asked.add(name)
        return super().get(name, default)


def test_init_writes_a_private_env_file_that_every_command_reads(tmp_path):
    path = tmp_path / "igbot.env"
    result = run({}, "--env-file", str(path), "init", "--db", str(tmp_path / "data" / "igbot.db"))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    values = envfile.parse(path.read_text(), path)
    config = Config.from_env(values)
    assert config.secret_key and len(config.meta_webhook_verify_token) >= 32
    assert config.db_path == str(tmp_path / "data" / "igbot.db")
    assert values["SLACK_BOT_TOKEN"] == "" and "# REQUIRED: bot token (xoxb-…)" in path.read_text()
    other = tmp_path / "other.env"
    assert run({}, "--env-file", str(other), "init").exit_code == 0
    assert envfile.parse(other.read_text(), other)["IGBOT_SECRET_KEY"] != config.secret_key  # a fresh key each time


def test_init_never_overwrites_an_env_file(tmp_path):
    path = tmp_path / "igbot.env"
    assert run({}, "--env-file", str(path), "init").exit_code == 0
    before = path.read_text()
    again = run({}, "--env-file", str(path), "init")
    assert again.exit_code == 1 and "already exists" in again.output and "Edit it" in again.output
    assert path.read_text() == before


def test_the_template_lists_exactly_the_settings_config_reads():
    env = Recording()
    Config.from_env(env)
    text = envfile.template(secret_key="k", db_path="/x.db")
    named = {line.lstrip("# ").split("=")[0] for line in text.splitlines() if "=" in line and " " not in
             line.lstrip("# ").split("=")[0]}
    assert named == env.asked == envfile.KNOWN
    comments = [line for line in text.splitlines() if line.startswith(("# REQUIRED", "# optional"))]
    assert len(comments) == len(envfile.VARIABLES)


def test_the_parser_takes_quotes_comments_and_export(tmp_path):
    text = ("# a comment\n\nexport SLACK_BOT_TOKEN=xoxb-1  # trailing comment\n"
            "IGBOT_ADMINS='U0AAA,U0BBB'\nMETA_APP_SECRET=\"a \\\"b\\\" # not a comment\"\nIGBOT_DB=\n"
            "META_WEBHOOK_VERIFY_TOKEN=ab#cd\n")
    assert envfile.parse(text, tmp_path / "f") == {
        "SLACK_BOT_TOKEN": "xoxb-1", "IGBOT_ADMINS": "U0AAA,U0BBB", "META_APP_SECRET": 'a "b" # not a comment',
        "IGBOT_DB": "", "META_WEBHOOK_VERIFY_TOKEN": "ab#cd"}


def test_windows_line_ends_and_a_byte_order_mark_are_read(tmp_path):
    path = tmp_path / "igbot.env"
    path.write_bytes("\ufeffIGBOT_PORT=3001\r\n# note\r\nIGBOT_HOST=127.0.0.2\r\n".encode())
    assert envfile.read(path, required=True).values == {"IGBOT_PORT": "3001", "IGBOT_HOST": "127.0.0.2"}


def test_parser_errors_name_each_line_and_never_the_value(tmp_path):
    text = ("SLACK_BOT_TOKN=xoxb-secret-1\nxoxb-secret-2\nMETA_APP_SECRET='secret-3\nIGBOT_ADMINS=U0A, U0B\n"
            "IGBOT_PORT=1\nIGBOT_PORT=2\n")
    with pytest.raises(envfile.EnvFileError) as caught:
        envfile.parse(text, tmp_path / "f")
    assert caught.value.problems == [
        "line 1: SLACK_BOT_TOKN is not an igbot setting (did you mean SLACK_BOT_TOKEN?)",
        "line 2: expected NAME=value (comments start with #)",
        "line 3: META_APP_SECRET has no closing '",
        "line 4: IGBOT_ADMINS has spaces or quotes: put the whole value in quotes",
        "line 6: IGBOT_PORT is already set on line 5"]
    assert "secret" not in str(caught.value)


def test_a_bad_or_missing_env_file_stops_every_command_with_the_line(base_env, tmp_path):
    bad = tmp_path / "igbot.env"
    bad.write_text("IGBOT_PORT=1\nnonsense\n")
    result = run(base_env, "--env-file", str(bad), "accounts", "list")
    assert result.exit_code == 2 and f"cannot read the env file {bad}" in result.output and "line 2" in result.output
    missing = run(base_env, "--env-file", str(tmp_path / "nope.env"), "doctor")
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_the_environment_overrides_the_env_file_and_the_database_path_is_absolute(base_env, tmp_path, monkeypatch):
    path = tmp_path / "igbot.env"
    path.write_text("".join(f"{k}={v}\n" for k, v in base_env.items() if k != "IGBOT_DB") + "IGBOT_DB=from-file.db\n")
    path.chmod(0o600)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(envfile, "default_path", lambda: Path("igbot.env").absolute())
    from_file = run({}, "doctor")
    assert f"[   !] env file: {path} (" not in from_file.output and f"[  ok] env file: {path} (" in from_file.output
    assert f"the database {tmp_path / 'from-file.db'} does not exist yet" in from_file.output
    overridden = run({"IGBOT_DB": "elsewhere.db"}, "doctor")
    assert f"the database {tmp_path / 'elsewhere.db'} does not exist yet" in overridden.output
    path.chmod(0o644)
    assert f"[   !] env file: {path} (" in run({}, "doctor").output
    assert f"can be read by other users; run `chmod 600 {path}`" in run({}, "doctor").output


def test_doctor_creates_nothing(base_env, tmp_path):
    before = sorted(p.name for p in tmp_path.iterdir())
    for env in (base_env, {**base_env, "IGBOT_SECRET_KEY": ""}):
        result = run(env, "doctor")
        assert result.exit_code == 1
        assert f"[FAIL] database: the database {base_env['IGBOT_DB']} does not exist yet. `igbot serve` creates " \
               "it" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no database, no key file
    for command in (("accounts", "list"), ("accounts", "remove", "x"), ("webhooks", "status")):
        assert "does not exist yet" in run(base_env, *command).output, command
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_doctor_never_makes_a_key_file_for_an_existing_database(base_env, tmp_path):
    open_store(Config.from_env(base_env))[0].close()
    result = run({**base_env, "IGBOT_SECRET_KEY": ""}, "doctor")
    assert f"IGBOT_SECRET_KEY is not set and there is no key file {base_env['IGBOT_DB']}.key" in result.output
    assert not (tmp_path / "igbot.db.key").exists()


def test_a_new_database_is_not_bound_by_the_doctor(base_env, tmp_path):
    from storage.db import open_database

    open_database(base_env["IGBOT_DB"]).conn.close()  # an empty database, no key bound yet
    result = run(base_env, "doctor")
    assert "no key bound yet" in result.output
    other = {**base_env, "IGBOT_SECRET_KEY": run({}, "keygen").output.strip()}
    assert add(other).exit_code == 0  # the doctor's key was not bound, so another key is still welcome


def test_a_wrong_key_on_a_database_without_tokens_says_it_can_be_removed(base_env, tmp_path):
    open_store(Config.from_env({**base_env, "IGBOT_SECRET_KEY": ""}))[0].close()  # bound to a key file
    result = run(base_env, "accounts", "list")
    db = base_env["IGBOT_DB"]
    assert result.exit_code == 1
    assert f"IGBOT_SECRET_KEY is not the key the database {db} was created with. It holds no tokens yet" \
        in result.output
    assert f"remove {db} (with its -wal and -shm files, and the key file {db}.key)" in result.output


def test_a_facebook_login_account_needs_its_page(base_env):
    result = run(base_env, "accounts", "add", "--username", "shop", "--ig-user-id", "1784", "--channel",
                 "C0SOCIAL1", "--token", "-", input=TOKEN + "\n")
    assert result.exit_code == 2
    assert "a Facebook-Login account needs its Page id (--page-id)" in result.output
    assert "webhooks through that Page" in result.output
    instagram = run(base_env, "accounts", "add", "--username", "shop", "--ig-user-id", "1784", "--channel",
                    "C0SOCIAL1", "--login", "instagram", "--token", "-", input=TOKEN + "\n")
    assert instagram.exit_code == 0, instagram.output
