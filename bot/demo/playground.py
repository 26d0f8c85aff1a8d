"""`igbot sandbox`: keep a sandbox world running, print how to use it, trickle in comments."""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
import tempfile
from collections.abc import Callable
from pathlib import Path

from bot.demo.world import USERNAME, World, close_world, open_world
from sandbox.web import SandboxPage

SAMPLE_COMMENTS = ("Love this! 😍", "How much is the blue mug?", "Do you ship to Canada?",
                   "Gorgeous glaze", "When is the next market?", "Can I order a custom set?")


async def run_playground(db_path: str | None, *, port: int, trickle: float, echo: Callable[[str], None],
                         stop: asyncio.Event | None = None) -> None:
    """Start the world, print URLs and examples, and run until SIGINT/SIGTERM (or `stop` is set)."""
    with tempfile.TemporaryDirectory(prefix="igbot-sandbox-") as folder:
        world = await open_world(db_path or str(Path(folder) / "sandbox.db"), port=port, tick_seconds=5)
        if stop is None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
        page = await SandboxPage(world.slack, world.graph, people=list(world.people), channel="instagram").start()
        echo(instructions(world, page.url))
        trickler = asyncio.create_task(trickle_comments(world, trickle)) if trickle > 0 else None
        try:
            await stop.wait()
        finally:
            if trickler:
                trickler.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await trickler
            await page.stop()
            await close_world(world)
            echo("Sandbox stopped.")


def instructions(world: World, page_url: str) -> str:
    """Return what to print when the sandbox is up (the page's URL first)."""
    people = ", ".join(f"{name} ({uid})" for name, uid in world.people.items())
    graph = world.graph.urls.graph_facebook
    media_id = newest_media_id(world)
    return f"""igbot sandbox is running (Ctrl-C stops everything).

  open in a browser     {page_url}   (be maya, sam, lee or ana: click, type /ig …, comment as a follower)
  igbot                 {world.bot_url}   (GET /healthz, /metrics)
  Slack emulator        {world.slack.base_url}   (control routes: GET {world.slack.base_url}_sandbox/)
  Graph emulator        {world.graph.urls.graph_facebook}   (control routes under /_sandbox/)
  account               @{USERNAME} → channel #instagram ({world.channel})
  people                {people}

Try:
  # a follower comments on the newest post; it appears in #instagram within seconds
  curl -s -X POST {graph}/_sandbox/comments -d media_id={media_id} -d username=clayfan -d text='Love it!'
  # read #instagram as the emulator stores it
  curl -s {world.slack.base_url}_sandbox/channels/instagram
  # ask igbot for help as maya
  curl -s -X POST {world.slack.base_url}_sandbox/slash -d user=maya -d channel=instagram -d text=help
  curl -s {world.bot_url}/healthz
"""


def newest_media_id(world: World) -> str:
    """Return the id of the demo account's newest post."""
    own = [m for m in world.graph.state.media.values() if m.owner_id == world.ig_account.ig_user_id
           and not m.parent_id]
    return max(own, key=lambda m: m.timestamp).id if own else ""


async def trickle_comments(world: World, every: float) -> None:
    """Add a made-up comment on a recent post every `every` seconds."""
    rng = random.Random(7)
    while True:
        await asyncio.sleep(every)
        media_id = newest_media_id(world)
        if media_id:
            world.graph.add_comment(media_id, rng.choice(SAMPLE_COMMENTS),
                                    username=rng.choice(("mia.makes", "clayfan", "jo_b", "studio_pal")))
