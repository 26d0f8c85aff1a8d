"""`igbot demo` and `igbot sandbox`: the scripted day passes, and production databases are left alone."""

import pytest

from bot.demo.runner import play
from bot.demo.transcript import Transcript
from bot.startup import StartupError


async def test_the_scripted_day_passes_every_step():
    out = Transcript(echo=lambda line: None)
    assert await play(out=out), "\n".join(out.lines)
    assert any("steps did what they should" in line for line in out.lines)
    assert not any(line.lstrip().startswith("✗") for line in out.lines), "\n".join(out.lines)


async def test_the_demo_refuses_a_production_database(base_env):
    from click.testing import CliRunner

    from bot.cli import cli

    added = CliRunner().invoke(cli, ["accounts", "add", "--username", "real_shop", "--ig-user-id", "1",
                                     "--channel", "C0REAL0001", "--page-id", "5", "--token", "-"],
                               env=base_env, input="EAAtoken\n")
    assert added.exit_code == 0
    with pytest.raises(StartupError, match="is not a sandbox database"):
        await play(base_env["IGBOT_DB"], out=Transcript(echo=lambda line: None))


def test_demo_and_sandbox_ignore_outside_variables(base_env, monkeypatch):
    from click.testing import CliRunner

    from bot.cli import cli

    for name in ("SLACK_BOT_TOKEN", "META_APP_SECRET", "GRAPH_API_URL"):
        monkeypatch.setenv(name, "not-a-valid-value")
    result = CliRunner().invoke(cli, ["demo"], env={"IGBOT_DB": ""})
    assert result.exit_code == 0, result.output


async def test_sandbox_serves_until_stopped_and_relays_an_injected_comment():
    import asyncio
    import re

    import aiohttp

    from bot.demo.playground import run_playground
    from bot.demo.world import free_port

    printed: list[str] = []
    stop = asyncio.Event()
    task = asyncio.create_task(run_playground(None, port=free_port(), trickle=0, echo=printed.append, stop=stop))
    try:
        for _ in range(200):
            if printed:
                break
            await asyncio.sleep(0.05)
        text = printed[0]
        graph = re.search(r"curl -s -X POST (\S+/_sandbox/comments) -d media_id=(\d+)", text)
        slack_channel = re.search(r"curl -s (\S+/_sandbox/channels/instagram)", text).group(1)
        async with aiohttp.ClientSession() as http:
            async with http.post(graph.group(1), data={"media_id": graph.group(2), "username": "clayfan",
                                                       "text": "Love it!"}) as response:
                assert response.status == 200
            for _ in range(200):
                async with http.get(slack_channel) as response:
                    if "Love it!" in await response.text():
                        break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the injected comment never reached #instagram")
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    assert printed[-1] == "Sandbox stopped."
