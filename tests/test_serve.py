"""`igbot serve` as a real process: starts, answers /healthz, stops cleanly on SIGTERM."""

import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.test_cli import TOKEN, add


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_starts_answers_healthz_and_stops_on_sigterm(base_env, tmp_path):
    """Settings from an env file (the real environment wins: IGBOT_PORT), and not one warning on the way."""
    assert add(base_env).exit_code == 0
    port = free_port()
    env_file = tmp_path / "igbot.env"
    env_file.write_text("".join(f"{name}={value}\n" for name, value in base_env.items()) + "IGBOT_PORT=1\n"
                        "IGBOT_ADMINS=U0ADMIN  # igbot's admin\n")
    env_file.chmod(0o600)
    env = {"SLACK_BOT_TOKEN": base_env["SLACK_BOT_TOKEN"], "IGBOT_PORT": str(port), "IGBOT_LOG_LEVEL": "DEBUG",
           "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen([sys.executable, "-m", "bot", "--env-file", str(env_file), "serve"], env=env,
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    assert response.status == 200
                    assert b"demo_shop" in response.read()
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "serve did not come up"
                time.sleep(0.1)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=10)
        assert time.monotonic() - started < 10
        assert process.returncode == 0, output
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert "igbot is up" in output
    assert f"env file: {env_file} (" in output and f"database: {base_env['IGBOT_DB']}" in output
    assert " WARNING " not in output and "ERROR" not in output, output  # Bolt's token warning included
    assert "Unclosed" not in output
    assert TOKEN not in output and base_env["IGBOT_SECRET_KEY"] not in output


def test_serve_refuses_a_sandbox_database(base_env):
    from bot.config import Config
    from bot.startup import StartupError, open_store

    config = Config.from_env(base_env)
    store, _ = open_store(config, sandbox=True)
    store.close()
    try:
        open_store(config)
    except StartupError as exc:
        assert "is a sandbox database" in str(exc)
    else:
        raise AssertionError("serve accepted a sandbox database")


def test_sandbox_refuses_a_production_database(base_env):
    from bot.config import Config
    from bot.startup import StartupError, open_store

    assert add(base_env).exit_code == 0
    try:
        open_store(Config.from_env(base_env), sandbox=True)
    except StartupError as exc:
        assert "is not a sandbox database" in str(exc)
    else:
        raise AssertionError("the sandbox took over a production database")


@pytest.mark.parametrize("how", ["IGBOT_PORT", "--port", "sandbox"])
def test_a_busy_port_is_one_line_with_exit_2_and_nothing_started(base_env, how):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**base_env, "IGBOT_ADMINS": "U0ADMIN", "PATH": "/usr/bin:/bin", "PYTHONWARNINGS": "always"}
        args = {"IGBOT_PORT": ["serve"], "--port": ["serve", "--port", str(port)],
                "sandbox": ["sandbox", "--port", str(port), "--trickle", "0"]}[how]
        if how == "IGBOT_PORT":
            env["IGBOT_PORT"] = str(port)
        if how == "sandbox":
            env = {"PATH": "/usr/bin:/bin", "PYTHONWARNINGS": "always", "IGBOT_DB": base_env["IGBOT_DB"]}
        done = subprocess.run([sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True,
                              timeout=60)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and f"port {port} on 127.0.0.1 is already in use" in lines[0], done.stderr
    assert "--port" in lines[0] and (how == "sandbox" or "IGBOT_PORT" in lines[0])
    assert "igbot is up" not in done.stdout + done.stderr and "Unclosed" not in done.stdout + done.stderr
