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

# What followers write under a small ceramics shop's posts: questions, praise, emoji, a few languages.
SAMPLE_COMMENTS = (
    "This glaze is unreal 😍", "How much is the speckled mug?", "Do you ship to Canada?",
    "Is the blue one dishwasher safe?", "Need this in my kitchen asap", "When is the next market?",
    "Can I order a custom set of 6?", "Obsessed with the colour 💙", "Where's your studio? Would love to visit",
    "Restock when?? 🙏", "Bought one last month, use it every morning ☕", "Link in bio isn't working for me",
    "Do you do wedding gifts?", "The texture on this 👌", "Is it food safe?", "Wow, the drips on the rim!",
    "Wie viel kostet die Tasse? 😊", "Versand nach Österreich möglich?", "¡Qué bonito! ¿Hacéis envíos a España?",
    "Trop belle cette tasse 😍", "Livrez-vous en France ?", "Wat een mooie kleur!", "Che meraviglia 🤩",
    "Que lindo! Vocês enviam para o Brasil?", "Ik wil er drie!", "Sieht toll aus, handgemacht?",
)
FOLLOWERS = ("mia.makes", "clayfan", "jo_b", "studio_pal", "lena.keramik", "marta_ceramica", "tomwrites",
             "anouk.home", "chloe_pottery", "giulia.casa", "sam_in_berlin", "rafa.design")


async def run_playground(db_path: str | None, *, port: int, trickle: float, echo: Callable[[str], None],
                         stop: asyncio.Event | None = None) -> None:
    """Start the world, print URLs and examples, and run until SIGINT/SIGTERM (or `stop` is set).

    ``trickle``: seconds between made-up follower comments on recent posts (0: none).
    """
    with tempfile.TemporaryDirectory(prefix="igbot-sandbox-") as folder:
        world = await open_world(db_path or str(Path(folder) / "sandbox.db"), port=port, tick_seconds=5)
        if stop is None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
        page = await SandboxPage(world.slack, world.graph, people=list(world.people), channel="instagram").start()
        echo(instructions(world, page.url, trickle=trickle))
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


def instructions(world: World, page_url: str, *, trickle: float = 0) -> str:
    """Return what to print when the sandbox is up: the page's URL first, every URL and token, and lines that
    work as printed."""
    people = ", ".join(f"{name} ({uid})" for name, uid in world.people.items())
    slack, graph, acct = world.slack.base_url, world.graph.urls.graph_facebook, world.ig_account
    version = world.config.graph_api_version
    comments = (f"a follower comments on a recent post every {trickle:g} s (--no-auto-comments: none)"
                if trickle > 0 else "off")
    return f"""igbot sandbox is running (Ctrl-C stops everything).

  open in a browser     {page_url}   (be maya, sam, lee or ana: click, type /ig …, comment as a follower)
  igbot                 {world.bot_url}   (GET /healthz, /metrics)
  Slack emulator        {slack}   (control routes: GET {slack}_sandbox/)
    Web API base        {world.slack.api_url}   bot token {world.slack.bot_token}
  Graph emulator        {graph}   (graph.facebook.com; control routes: GET {graph}/_sandbox/)
    graph.instagram.com {world.graph.urls.graph_instagram}
    version             {version}; all ids and tokens: GET {graph}/_sandbox/state
  account               @{USERNAME} → channel #instagram ({world.channel})
    Graph ids, tokens   IG user {acct.ig_user_id}, User token {acct.token}
                        Page {acct.page_id}, Page token {acct.page_token}
  people                {people}
  made-up comments      {comments}
  media URLs            any https .jpg or .mp4 URL works; one with a /fail/ path segment cannot be downloaded

Try:
""" + "".join(f"  # {why}\n  {line}\n" for why, line in examples(world))


def examples(world: World) -> list[tuple[str, str]]:
    """Return the copy-paste command lines the banner prints, each with what it does (each works as printed)."""
    slack, graph, acct = world.slack.base_url, world.graph.urls.graph_facebook, world.ig_account
    post = f"post {USERNAME} now https://images.example/mugs.jpg Fresh from the kiln"
    fields = "username,followers_count,media_count"
    return [
        ("a follower comments on the newest post; it appears in #instagram within seconds",
         f"curl -s -X POST {graph}/_sandbox/comments -d media_id={newest_media_id(world)} -d username=clayfan "
         "-d text='Love it!'"),
        ("read #instagram as the emulator stores it", f"curl -s {slack}_sandbox/channels/instagram"),
        ("ask igbot for help as maya (the answer is shown to maya only)",
         f"curl -s -X POST {slack}_sandbox/slash -d user=maya -d channel=instagram -d text=help"),
        ("lee queues a post from any https image; igbot publishes it within seconds",
         f"curl -s -X POST {slack}_sandbox/slash -d user=lee -d channel=instagram --data-urlencode 'text={post}'"),
        ("read the account through the Graph API, as any Graph client would",
         f"curl -s -H 'Authorization: Bearer {acct.token}' "
         f"'{graph}/{world.config.graph_api_version}/{acct.ig_user_id}?fields={fields}'"),
        ("call the Slack Web API with the bot token",
         f"curl -s -H 'Authorization: Bearer {world.slack.bot_token}' {world.slack.api_url}auth.test"),
        ("igbot's health", f"curl -s {world.bot_url}/healthz"),
    ]


def newest_media_id(world: World) -> str:
    """Return the id of the demo account's newest post that can take comments (stories cannot)."""
    own = recent_posts(world, 1)
    return own[0].id if own else ""


def recent_posts(world: World, count: int) -> list:
    """Return the demo account's newest feed posts and reels (never stories or album children), newest first."""
    own = [m for m in world.graph.state.media.values() if m.owner_id == world.ig_account.ig_user_id
           and not m.parent_id and not m.deleted and m.media_product_type != "STORY" and m.is_comment_enabled]
    return sorted(own, key=lambda m: m.timestamp, reverse=True)[:count]


async def trickle_comments(world: World, every: float) -> None:
    """Add a made-up follower comment on one of the three newest posts every `every` seconds."""
    rng = random.Random()
    while True:
        await asyncio.sleep(every)
        posts = recent_posts(world, 3)
        if posts:
            world.graph.add_comment(rng.choice(posts), rng.choice(SAMPLE_COMMENTS), username=rng.choice(FOLLOWERS))
