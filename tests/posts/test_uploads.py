"""Files uploaded in the compose modal: fetched from Slack, served at /media/<token> to Meta, deleted after."""

from __future__ import annotations

import asyncio
import socket
import struct
from pathlib import Path

import pytest

from bot.config import Config
from bot.posts import runner
from tests.posts.conftest import post_rows
from tests.posts.test_compose import choose, open_modal

MEDIA, PUBLISH = "/{ig-user-id}/media", "/{ig-user-id}/media_publish"


def jpeg(width: int = 1080, height: int = 1080) -> bytes:
    """A small JPEG whose SOF marker carries its size."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\x00" * 64 + b"\xff\xd9"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def config(config, port) -> Config:
    from dataclasses import replace

    return replace(config, public_url=f"http://127.0.0.1:{port}")


@pytest.fixture
async def bot(aiohttp_client, config, slack, port):
    from bot.app import create_app

    client = await aiohttp_client(create_app(config), server_kwargs={"port": port})
    slack.set_request_url(str(client.make_url("/slack/events")))
    return client


async def test_an_uploaded_jpeg_is_fetched_by_meta_through_media_token_and_removed_after(
        slack, graph, shop, driver, deps, bot):
    row, _ = shop
    view = await choose(slack, slack.admin, await open_modal(slack, slack.admin))
    assert any(b.get("block_id") == "upload" for b in view["blocks"])
    data = jpeg()
    file = slack.upload_file(user=slack.admin, name="shop-window.jpg", data=data)
    done = await slack.submit_view(user=slack.admin, view_id=view["id"], values={
        "media": {"media": {"value": ""}}, "upload": {"upload": {"files": [file]}},
        "caption": {"caption": {"value": "Fresh window"}},
        "when_date": {"when_date": "2026-11-23"}, "when_time": {"when_time": "10:00"},
    })
    assert done.ok
    [post] = await slack.wait_for(lambda: post_rows(deps, row["id"]))
    assert [c.status for c in slack.calls_of("files.download")] == [200]
    [item] = deps.store.run_sync(lambda db: list(db["post_items"].rows_where("post_id = ?", [post["id"]])))
    token = item["upload_token"]
    assert item["url"] == f"{deps.config.public_url}/media/{token}" and len(token) >= 40
    [upload] = deps.store.run_sync(lambda db: list(db["media_uploads"].rows))
    path = Path(upload["path"])
    assert await asyncio.to_thread(path.read_bytes) == data
    assert path.parent.parent == Path(deps.config.db_path).parent
    assert (await bot.get(f"/media/{token}")).status == 200
    assert (await bot.get("/media/" + "x" * 43)).status == 404

    await driver.run_for(60 * 60, step=60)
    [post] = post_rows(deps, row["id"])
    assert post["state"] == "published"
    [create] = graph.find_calls(path=MEDIA, method="POST")
    assert create.params["image_url"] == item["url"]
    served = await bot.get(f"/media/{token}")
    assert served.status == 200 and await served.read() == data  # kept 24 h after publishing

    driver.clock.advance(24 * 3600 + 60)
    await runner.posts_step(deps)
    assert not await asyncio.to_thread(path.exists)
    assert (await bot.get(f"/media/{token}")).status == 404
    assert deps.store.run_sync(lambda db: list(db["media_uploads"].rows)) == []


async def test_a_png_upload_is_refused_in_the_modal(slack, graph, shop, deps, bot):
    row, _ = shop
    view = await choose(slack, slack.admin, await open_modal(slack, slack.admin))
    file = slack.upload_file(user=slack.admin, name="logo.png", data=b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    seen = await slack.submit_view(user=slack.admin, view_id=view["id"], values={
        "upload": {"upload": {"files": [file]}}})
    assert "logo.png" in seen.json["errors"]["upload"] and "JPEG" in seen.json["errors"]["upload"]
    assert post_rows(deps, row["id"]) == [] and slack.calls_of("files.download") == []



async def test_a_large_upload_is_kept_whole_and_served_whole(slack, graph, shop, driver, deps, bot):
    row, _ = shop
    view = await choose(slack, slack.admin, await open_modal(slack, slack.admin))
    data = jpeg()[:-2] + bytes(range(256)) * (3 * 4096) + b"\xff\xd9"  # about 3 MB, many network reads
    file = slack.upload_file(user=slack.admin, name="poster.jpg", data=data)
    done = await slack.submit_view(user=slack.admin, view_id=view["id"], values={
        "media": {"media": {"value": ""}}, "upload": {"upload": {"files": [file]}},
        "when_date": {"when_date": "2026-11-23"}, "when_time": {"when_time": "10:00"},
    })
    assert done.ok
    [post] = await slack.wait_for(lambda: post_rows(deps, row["id"]))
    [upload] = deps.store.run_sync(lambda db: list(db["media_uploads"].rows))
    assert upload["size"] == len(data)
    assert await asyncio.to_thread(Path(upload["path"]).read_bytes) == data
    assert not list(Path(upload["path"]).parent.glob("*.part"))
    served = await bot.get(f"/media/{upload['token']}")
    assert served.status == 200 and await served.read() == data


async def test_a_story_video_over_100_mb_is_refused_in_the_modal_before_any_download(slack, graph, shop, deps, bot):
    row, _ = shop
    view = await choose(slack, slack.admin, await open_modal(slack, slack.admin), kind="story")
    file = slack.upload_file(user=slack.admin, name="long-story.mp4", data=b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
    file["size"] = 150 * 1024 * 1024  # what Slack reports for the person's file
    seen = await slack.submit_view(user=slack.admin, view_id=view["id"], values={
        "upload": {"upload": {"files": [file]}}})
    error = seen.json["errors"]["upload"]
    assert "long-story.mp4" in error and "100 MB" in error
    assert post_rows(deps, row["id"]) == [] and slack.calls_of("files.download") == []
