"""Fixtures for the sandbox emulators' tests: a started emulator on a fake clock and an HTTP helper."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from sandbox.graph import FakeClock, GraphEmulator


@dataclass
class Reply:
    """A response: status, decoded JSON body and headers."""

    status: int
    body: Any
    headers: Any

    @property
    def error(self) -> dict[str, Any]:
        """Return the Graph error object (or {})."""
        return self.body.get("error", {}) if isinstance(self.body, dict) else {}

    @property
    def code(self) -> tuple[int | None, int | None]:
        """Return (code, subcode) of an error reply."""
        return self.error.get("code"), self.error.get("error_subcode")


class Api:
    """Tiny Graph client for tests: ``await api.get(base, "/me", token=..., fields="id")``."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def request(
        self,
        verb: str,
        base: str,
        path: str,
        /,
        *,
        token: str | None = None,
        version: str | None = "v25.0",
        json_body: Any = None,
        form: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        token_in_query: bool = False,
        **params: Any,
    ) -> Reply:
        """Send one request and decode the reply."""
        headers = dict(headers or {})
        if token and not token_in_query:
            headers["Authorization"] = f"Bearer {token}"
        elif token:
            params["access_token"] = token
        url = f"{base}/{version}{path}" if version else f"{base}{path}"
        query = {k: str(v) for k, v in params.items()}
        async with self.session.request(
            verb, url, params=query, json=json_body, data=form, headers=headers, allow_redirects=False
        ) as resp:
            text = await resp.text()
            try:
                body = json.loads(text)
            except ValueError:
                body = text
            return Reply(resp.status, body, resp.headers)

    async def get(self, base: str, path: str, /, **kw: Any) -> Reply:
        """GET."""
        return await self.request("GET", base, path, **kw)

    async def post(self, base: str, path: str, /, **kw: Any) -> Reply:
        """POST."""
        return await self.request("POST", base, path, **kw)

    async def delete(self, base: str, path: str, /, **kw: Any) -> Reply:
        """DELETE."""
        return await self.request("DELETE", base, path, **kw)


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock at 2026-11-18."""
    return FakeClock()


@pytest.fixture
async def emu(clock: FakeClock) -> AsyncIterator[GraphEmulator]:
    """A started Graph emulator on the fake clock."""
    emulator = GraphEmulator(clock=clock)
    await emulator.start()
    yield emulator
    await emulator.stop()
    assert emulator.internal_errors == []


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    """An HTTP helper for calling the emulator."""
    async with aiohttp.ClientSession() as session:
        yield Api(session)


@pytest.fixture
def fb(emu: GraphEmulator):
    """A Facebook-Login account."""
    return emu.add_account("demo_shop", login="facebook", followers_count=1200)


@pytest.fixture
def ig(emu: GraphEmulator):
    """An Instagram-Login account."""
    return emu.add_account("ig_shop", login="instagram", followers_count=800)


@pytest.fixture
def FB(emu: GraphEmulator) -> str:  # noqa: N802
    """Base URL of graph.facebook.com."""
    return emu.urls.graph_facebook


@pytest.fixture
def IG(emu: GraphEmulator) -> str:  # noqa: N802
    """Base URL of graph.instagram.com."""
    return emu.urls.graph_instagram
