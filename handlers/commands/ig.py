"""/ig: one slash command, routed to its subcommands by the first word."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import blocks
from bot.deps import Deps
from handlers.commands import access
from handlers.commands.accounts import handle_accounts
from handlers.commands.connect import handle_connect
from handlers.commands.digest import handle_digest
from handlers.commands.posts import handle_cancel, handle_post, handle_queue, handle_reel, handle_story
from handlers.commands.settings import handle_settings


@dataclass(frozen=True)
class Subcommand:
    """One `/ig` subcommand: its handler and the help line people see."""

    handler: Callable[..., Awaitable[None]]
    syntax: str
    summary: str
    example: str


async def handle_help(ack: AsyncAck, **_: object) -> None:
    """/ig help — usage with examples, ephemeral."""
    await ack(text=blocks.usage_text(help_entries()), blocks=blocks.usage_blocks(help_entries()))


SUBCOMMANDS: dict[str, Subcommand] = {
    "help": Subcommand(handle_help, "help", "show this help", "/ig help"),
    "access": Subcommand(access.handle_access, "access grant|revoke|list …",
                         "give or take a role (moderator, publisher, approver, admin); admins only",
                         "/ig access grant @alice shop moderator"),
    "digest": Subcommand(handle_digest, "digest <account>", "post the account's digest now, in this channel",
                         "/ig digest @demo_shop"),
    "post": Subcommand(handle_post, "post [<account> <when> <url> [<url> …] [caption]]",
                       "`/ig post` alone opens the compose form (uploads, alt text, tags…); with arguments it "
                       "queues a feed post: 1 JPEG = image, 2–10 URLs = carousel, 1 video = reel",
                       "/ig post @demo_shop tomorrow 09:00 https://cdn.example/img/square.jpg Autumn is here"),
    "reel": Subcommand(handle_reel, "reel <account> <when> <video-url> [caption]", "queue a reel",
                       "/ig reel @demo_shop in 2h https://cdn.example/video/reel.mp4 Behind the scenes"),
    "story": Subcommand(handle_story, "story <account> <when> <url>", "queue a story (image or video)",
                        "/ig story @demo_shop now https://cdn.example/img/story.jpg"),
    "queue": Subcommand(handle_queue, "queue [account]", "upcoming and recent posts, with Cancel / Publish now",
                        "/ig queue @demo_shop"),
    "cancel": Subcommand(handle_cancel, "cancel <post-id>", "cancel a queued post", "/ig cancel 12"),
    "accounts": Subcommand(handle_accounts, "accounts [page]",
                           "accounts with health: token expiry, throttling, quota, last webhook, posts pending",
                           "/ig accounts"),
    "connect": Subcommand(handle_connect, "connect [account]",
                          "a personal link to connect an account here; with an account, move it to this channel",
                          "/ig connect"),
    "settings": Subcommand(handle_settings, "settings <account> [digest HH:MM] [timezone Area/City] "
                           "[weekly on|off] [approval on|off]", "show or change an account's settings; admins only",
                           "/ig settings @demo_shop digest 08:30 timezone Europe/Berlin"),
}


def help_entries() -> list[tuple[str, str, str]]:
    """Return (syntax, summary, example) for every subcommand."""
    return [(s.syntax, s.summary, s.example) for s in SUBCOMMANDS.values()]


async def handle_ig(ack: AsyncAck, command: dict, deps: Deps, respond: AsyncRespond, client: AsyncWebClient,
                    **kwargs: object) -> None:
    """/ig <subcommand> [arguments] — route to the subcommand, or explain what is wrong."""
    name, _, rest = command.get("text", "").strip().partition(" ")
    name = name.lower() or "help"
    subcommand = SUBCOMMANDS.get(name)
    deps.metrics.slack_commands.labels(subcommand=name if subcommand else "unknown").inc()
    if subcommand is None:
        await ack(text=f":x: `/ig {blocks.escape(name)}` is not a command I know.\n\n"
                       + blocks.usage_text(help_entries()))
        return
    await subcommand.handler(ack=ack, command=command, deps=deps, args=rest, respond=respond, client=client,
                             **kwargs)
