"""Build the process's ClientSession for Meta."""

from __future__ import annotations

import aiohttp

from .call import Timeouts


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
