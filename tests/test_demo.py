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


async def test_sandbox_serves_its_page_until_stopped_and_relays_an_injected_comment():
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
        first_url = re.search(r"https?://\S+", text).group(0)
        assert re.search(r"^  open in a browser +(\S+)", text, re.M).group(1) == first_url
        async with aiohttp.ClientSession() as http:
            async with http.get(first_url, params={"as": "sam"}) as response:
                assert response.status == 200 and "@demo_shop" in await response.text()
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


async def test_made_up_comments_land_on_recent_posts_never_on_stories(tmp_path):
    import asyncio

    from bot.demo.playground import SAMPLE_COMMENTS, instructions, trickle_comments
    from bot.demo.world import close_world, open_world

    world = await open_world(str(tmp_path / "sandbox.db"))
    try:
        story = world.graph.add_media(world.ig_account, media_product_type="STORY")
        assert "every 20 s (--no-auto-comments: none)" in instructions(world, "http://127.0.0.1:1/", trickle=20)
        assert "made-up comments      off" in instructions(world, "http://127.0.0.1:1/", trickle=0)
        task = asyncio.create_task(trickle_comments(world, 0.01))
        try:
            made_up = world.graph.state.comments
            comments = await world.slack.wait_for(lambda: list(made_up.values()) if len(made_up) >= 12 else None)
        finally:
            task.cancel()
        assert all(c.media_id != story.id for c in comments)
        assert all(world.graph.state.media[c.media_id].media_product_type == "FEED" for c in comments)
        assert all(c.text in SAMPLE_COMMENTS for c in comments) and len({c.text for c in comments}) > 3
    finally:
        await close_world(world)
