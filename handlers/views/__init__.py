"""view_submission and view_closed listeners: the routing table."""

from slack_bolt.async_app import AsyncApp

from handlers.views import comments, compose, home, posts

# callback_id -> listener for view_submission
SUBMISSIONS: dict = {**comments.SUBMISSIONS, **posts.SUBMISSIONS, **compose.SUBMISSIONS, **home.SUBMISSIONS}
# callback_id -> listener for view_closed
CLOSINGS: dict = {}


def register(app: AsyncApp) -> None:
    """Register every modal listener."""
    for callback_id, fn in SUBMISSIONS.items():
        app.view_submission(callback_id)(fn)
    for callback_id, fn in CLOSINGS.items():
        app.view_closed(callback_id)(fn)
