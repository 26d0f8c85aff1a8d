"""Budget fixtures: the app on both emulators sharing one fake clock (the posts fixtures, reused)."""

from tests.posts.conftest import add_account, config, deps, graph, graph_clock  # noqa: F401
