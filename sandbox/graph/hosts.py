"""Meta's host names, each served by its own listener."""

from __future__ import annotations

from .state import FACEBOOK, INSTAGRAM

GRAPH_FACEBOOK = "graph.facebook.com"
GRAPH_INSTAGRAM = "graph.instagram.com"
API_INSTAGRAM = "api.instagram.com"
WWW_FACEBOOK = "www.facebook.com"
WWW_INSTAGRAM = "www.instagram.com"

ALL_HOSTS = (GRAPH_FACEBOOK, GRAPH_INSTAGRAM, API_INSTAGRAM, WWW_FACEBOOK, WWW_INSTAGRAM)

FLAVOR_OF_HOST = {GRAPH_FACEBOOK: FACEBOOK, GRAPH_INSTAGRAM: INSTAGRAM}


def host_matches(wanted: str, host: str) -> bool:
    """Say whether ``wanted`` (a host name or a flavor) names ``host``."""
    return wanted in (host, FLAVOR_OF_HOST.get(host))
