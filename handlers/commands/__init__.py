"""Slash commands: the routing table."""

from slack_bolt.async_app import AsyncApp

from handlers.commands import ig

COMMANDS = {"/ig": ig.handle_ig}


def register(app: AsyncApp) -> None:
    """Register every slash command."""
    for name, fn in COMMANDS.items():
        app.command(name)(fn)
