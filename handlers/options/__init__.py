"""block_suggestion listeners (external selects): the routing table."""

from slack_bolt.async_app import AsyncApp

from handlers.options import compose

# action_id -> listener
OPTIONS: dict = {**compose.OPTIONS}


def register(app: AsyncApp) -> None:
    """Register every options loader."""
    for action_id, fn in OPTIONS.items():
        app.options(action_id)(fn)
