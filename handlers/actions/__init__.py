"""block_actions listeners (buttons, overflow menus, selects): the routing table."""

from slack_bolt.async_app import AsyncApp

from handlers.actions import accounts, comments, compose, connect, home, posts, reconnect

# action_id (or re.Pattern) -> listener
ACTIONS: dict = {**comments.ACTIONS, **posts.ACTIONS, **compose.ACTIONS, **connect.ACTIONS,
                 **reconnect.ACTIONS, **accounts.ACTIONS, **home.ACTIONS}


def register(app: AsyncApp) -> None:
    """Register every block action."""
    for action_id, fn in ACTIONS.items():
        app.action(action_id)(fn)
