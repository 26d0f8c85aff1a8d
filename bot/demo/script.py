"""The scripted day: steps that act as people or as Meta, each verified in the emulators' state."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.demo.transcript import Transcript
from bot.demo.world import World


class DemoFailure(Exception):
    """A step did not have the effect it should have had."""


@dataclass(frozen=True)
class Step:
    """One scene of the demo: what happens, and the check that it did."""

    title: str
    run: Callable[[World, Transcript], Awaitable[None]]


def expect(condition: object, failure: str) -> None:
    """Fail the step with a plain sentence unless condition holds."""
    if not condition:
        raise DemoFailure(failure)


async def eventually(world: World, predicate: Callable[[], object], failure: str, timeout: float = 10.0) -> object:
    """Wait (polling) until predicate() is truthy; fail the step after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise DemoFailure(failure)
        await asyncio.sleep(0.05)


async def help_step(world: World, out: Transcript) -> None:
    """maya asks for help."""
    seen = await world.slack.slash_command(user=world.people["maya"], channel=world.channel, text="help")
    expect(seen.ok, f"/ig help was not answered ({seen.error})")
    expect("/ig help" in seen.text, "the usage did not list /ig help")
    out.slack("maya", "/ig help")
    out.shown(f"only maya sees the usage ({seen.text.count('/ig ')} commands listed)")


async def app_home_step(world: World, out: Transcript) -> None:
    """maya opens igbot's Home tab."""
    await world.slack.app_home_opened(user=world.people["maya"])
    home = await eventually(world, lambda: world.slack.home_of(world.people["maya"]),
                            "the Home tab was not published")
    text = str(home)
    expect("demo_shop" in text, "the Home tab does not show @demo_shop")
    out.slack("maya", "opens igbot's Home tab")
    out.shown("Home lists @demo_shop and its channel, from stored state (no Graph call)")


async def health_step(world: World, out: Transcript) -> None:
    """The operator checks /healthz."""
    async with world.deps.http.get(f"{world.bot_url}/healthz") as response:
        body = await response.json()
    expect(response.status == 200 and body["status"] == "ok", f"/healthz said {response.status}: {body}")
    out.action("the operator", "GET /healthz")
    out.shown(f"200 ok: database {body['database']}, scheduler {body['scheduler']}, "
              f"workers {', '.join(body['workers'])} alive")


async def digest_step(world: World, out: Transcript) -> None:
    """maya asks for today's digest; it arrives in the channel with its chart."""
    import json
    import tempfile
    from pathlib import Path

    from storage import digests as digest_rows

    seen = await world.slack.slash_command(user=world.people["maya"], channel=world.channel,
                                           text="digest demo_shop")
    expect(seen.ok, f"/ig digest was not answered ({seen.error})")
    out.slack("maya", "/ig digest demo_shop")
    message = await eventually(world, lambda: next((m for m in world.slack.messages(world.channel)
                                                    if "Daily digest" in str(m.get("blocks"))), None),
                               "no digest appeared in the channel", timeout=20)
    runs = await world.deps.store.run(digest_rows.runs_of, world.account["id"])
    expect(runs and runs[-1]["state"] == "sent", "the digest run was not recorded as sent")
    content = json.loads(runs[-1]["content"])
    expect(f"{content['followers_count']:,}" in str(message["blocks"]),
           "the digest does not show the follower count Instagram reported")
    image = next((b for b in message["blocks"] if b["type"] == "image"), None)
    png = await world.deps.store.run(digest_rows.get_chart, runs[-1]["id"])
    expect(png and png[:8] == b"\x89PNG\r\n\x1a\n", "no chart PNG was made")
    path = Path(tempfile.gettempdir()) / "igbot-demo-digest-chart.png"
    path.write_bytes(png)
    where = f"inline (Slack file {image['slack_file']['id']})" if image else "in the digest's thread"
    out.shown(f"the digest for yesterday: {content['followers_count']:,} followers, "
              f"{content['metrics'].get('views', 0):,} views, {len(content['media'])} recent posts read "
              f"in {content['graph_calls']} counted Graph calls; chart {where}")
    out.shown(f"chart: {path}")


STEPS: list[Step] = [
    Step("Getting started", help_step),
    Step("App Home", app_home_step),
    Step("Health", health_step),
    Step("Digest", digest_step),
]


def _comment_steps() -> list[Step]:
    from bot.demo import comments

    return [Step("A comment arrives", comments.relay_step), Step("A reply in the thread", comments.thread_step),
            Step("Reply from Slack", comments.reply_step), Step("Hide spam", comments.hide_step),
            Step("Delete it", comments.delete_step), Step("A mention", comments.mention_step),
            Step("An injection attempt", comments.injection_step)]


STEPS += _comment_steps()


def _post_steps() -> list[Step]:
    from bot.demo import posts

    return [Step("An image post", posts.image_step), Step("A carousel", posts.carousel_step),
            Step("A reel that needs processing", posts.reel_step), Step("A failure explained", posts.failure_step),
            Step("lee composes a post in the modal", posts.compose_step)]


STEPS += _post_steps()


def _account_steps() -> list[Step]:
    from bot.demo import accounts

    return [Step("A token expires", accounts.reconnect_step)]


STEPS += _account_steps()
