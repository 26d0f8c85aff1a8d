"""Build the process's ClientSession and a GraphClient from plain settings (no Config import)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp

from .call import Timeouts
from .client import GraphClient
from .state import GraphStateStore

DEFAULTS = {
    "GRAPH_API_URL": "https://graph.facebook.com",
    "INSTAGRAM_GRAPH_API_URL": "https://graph.instagram.com",
    "INSTAGRAM_API_URL": "https://api.instagram.com",
    "GRAPH_API_VERSION": "v25.0",
}


def create_session(timeouts: Timeouts | None = None, *, limit: int = 50) -> aiohttp.ClientSession:
    """Create the one ClientSession for Meta (inside the running loop; close it on shutdown)."""
    timeouts = timeouts or Timeouts()
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeouts.connect, sock_read=timeouts.read)
    return aiohttp.ClientSession(
        timeout=timeout,
        connector=aiohttp.TCPConnector(limit=limit),
        headers={"User-Agent": "igbot"},
        raise_for_status=False,
    )


def client_from_settings(
    session: aiohttp.ClientSession, settings: Mapping[str, Any], state: GraphStateStore, **options: Any
) -> GraphClient:
    """Build a GraphClient from settings named like the environment table (``GRAPH_API_URL`` …)."""

    def get(name: str) -> Any:
        value = settings.get(name)
        return value if value not in (None, "") else DEFAULTS.get(name)

    return GraphClient(
        session,
        state=state,
        graph_url=get("GRAPH_API_URL"),
        instagram_graph_url=get("INSTAGRAM_GRAPH_API_URL"),
        instagram_api_url=get("INSTAGRAM_API_URL"),
        version=get("GRAPH_API_VERSION"),
        meta_app_id=get("META_APP_ID"),
        meta_app_secret=get("META_APP_SECRET"),
        instagram_app_id=get("INSTAGRAM_APP_ID"),
        instagram_app_secret=get("INSTAGRAM_APP_SECRET"),
        **options,
    )
