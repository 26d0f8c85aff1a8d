"""Fixtures for the Graph client tests: a fake clock, a scriptable loopback stub, clients wired to it."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.graph import GraphAccount, GraphClient, GraphSettings, MemoryStateStore, RetryPolicy, Timeouts

TOKEN = "EAAuserTOKEN123secret"
IG_TOKEN = "IGQWuserTOKEN456secret"
APP_SECRET = "metaAPPsecret789"
IG_APP_SECRET = "igAPPsecret000"


class FakeClock:
    """A clock that only moves when told to (or when the client sleeps)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Seen:
    """One request the stub received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    form: dict[str, str]
    host: str


@dataclass
class Stub:
    """A loopback Graph stand-in: canned answers per (method, path), queued or repeated."""

    routes: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    base: str = ""

    def on(self, method: str, path: str, *answers: Any) -> None:
        """Answer (status, body[, headers]) tuples or callables(Seen) in turn; the last one repeats."""
        self.routes[(method.upper(), path)] = list(answers)

    def calls(self, path: str | None = None) -> list[Seen]:
        """Return requests received (for one path)."""
        return [s for s in self.seen if path is None or s.path == path]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        form = dict(await request.post()) if request.method != "GET" else {}
        seen = Seen(
            request.method,
            request.path,
            dict(request.query),
            dict(request.headers),
            {k: str(v) for k, v in form.items()},
            request.host,
        )
        self.seen.append(seen)
        answers = self.routes.get((request.method, request.path))
        if not answers:
            return web.json_response(
                {"error": {"code": 100, "error_subcode": 33, "message": "no route"}}, status=400
            )
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if callable(answer):
            answer = answer(seen)
            if asyncio.iscoroutine(answer):
                answer = await answer
        if isinstance(answer, web.StreamResponse):
            return answer
        status, body, *rest = answer
        headers = {
            k: (v if isinstance(v, str) else json.dumps(v)) for k, v in (rest[0] if rest else {}).items()
        }
        return web.Response(
            status=status, text=json.dumps(body), content_type="application/json", headers=headers
        )


def graph_error(code: int, subcode: int | None = None, status: int = 400, **extra: Any) -> tuple[int, dict]:
    """Return a (status, body) answer carrying Meta's error JSON."""
    err: dict[str, Any] = {"message": f"(#{code}) stub error", "type": "OAuthException", "code": code,
                           "fbtrace_id": "AstubTrace", **extra}  # fmt: skip
    if subcode is not None:
        err["error_subcode"] = subcode
    return status, {"error": err}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store() -> MemoryStateStore:
    return MemoryStateStore()


@pytest.fixture
async def stub(aiohttp_server) -> Stub:
    s = Stub()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", s.handle)
    server = await aiohttp_server(app)
    s.base = str(server.make_url("")).rstrip("/")
    return s


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as s:
        yield s


def build_client(session, settings: GraphSettings, runtime: dict[str, Any], overrides: dict[str, Any]) -> GraphClient:
    """Return a GraphClient; each override replaces a settings field or a constructor argument of that name."""
    names = {f.name for f in fields(GraphSettings)}
    settings = replace(settings, **{k: v for k, v in overrides.items() if k in names})
    return GraphClient(session, settings, **{**runtime, **{k: v for k, v in overrides.items() if k not in names}})


@pytest.fixture
def make_client(session, stub, clock, store) -> Callable[..., GraphClient]:
    def make(**kw: Any) -> GraphClient:
        settings = GraphSettings(
            graph_url=f"{stub.base}/fb",
            instagram_graph_url=f"{stub.base}/ig",
            instagram_api_url=f"{stub.base}/igapi",
            version="v25.0",
            meta_app_id="111",
            meta_app_secret=APP_SECRET,
            instagram_app_id="222",
            instagram_app_secret=IG_APP_SECRET,
            timeouts=Timeouts(connect=2.0, read=2.0),
            retry=RetryPolicy(attempts=4, base=0.5, cap=3.0),
        )
        runtime = {"state": store, "clock": clock, "sleep": clock.sleep, "rng": random.Random(7)}
        return build_client(session, settings, runtime, kw)

    return make


@pytest.fixture
def client(make_client) -> GraphClient:
    return make_client()


@pytest.fixture
def fb_account() -> GraphAccount:
    return GraphAccount(
        id="1784100", ig_user_id="1784100", login="facebook", token=TOKEN, page_id="5550", username="shop"
    )


@pytest.fixture
def ig_account() -> GraphAccount:
    return GraphAccount(
        id="1784200", ig_user_id="1784200", login="instagram", token=IG_TOKEN, username="studio"
    )
