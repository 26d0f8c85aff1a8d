"""File upload v2 through slack_sdk's files_upload_v2, processing delay, files.info and slack_file images."""

import os
import struct
import zlib

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.slack import ManualClock, RateLimits, SlackEmulator

TOKEN = "xoxb-test"


def png(width=4, height=3) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return b"\x89PNG\r\n\x1a\n" + chunk


@pytest.fixture(autouse=True)
def no_slack_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("SLACK_"):
            monkeypatch.delenv(name)


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
async def emu(clock):
    emu = SlackEmulator(
        bot_token=TOKEN, clock=clock, limits=RateLimits(enabled=False), file_processing_seconds=2
    )
    await emu.start()
    yield emu
    await emu.stop()


@pytest.fixture
def client(emu):
    return AsyncWebClient(token=TOKEN, base_url=emu.api_url)


@pytest.fixture
def chan(emu):
    return emu.add_channel("digest", bot_member=True)


def image_block(file_id):
    return [{"type": "image", "slack_file": {"id": file_id}, "alt_text": "Daily chart"}]


async def test_upload_v2_shares_after_processing(client, emu, clock, chan):
    r = await client.files_upload_v2(
        channel=chan,
        content=png(),
        filename="chart.png",
        title="Daily digest",
        initial_comment="Digest for yesterday",
    )
    file_id = r["file"]["id"]
    assert [c.method for c in emu.calls] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    assert emu.calls_of("upload")[0].args["size"] == len(png())
    assert emu.file(file_id)["data"] == png()
    info = (await client.files_info(file=file_id))["file"]
    assert info["title"] == "Daily digest" and info["shares"] == {} and "thumb_360" not in info
    assert emu.messages(chan) == []  # sharing happens once processing is done
    clock.advance(2)
    info = (await client.files_info(file=file_id))["file"]
    assert (info["original_w"], info["original_h"]) == (4, 3) and info["thumb_360"]
    share = info["shares"]["public"][chan][0]
    msg = emu.messages(chan)[0]
    assert (
        msg["ts"] == share["ts"]
        and msg["text"] == "Digest for yesterday"
        and msg["files"][0]["id"] == file_id
    )


async def test_image_block_needs_a_processed_file(client, emu, clock, chan):
    r = await client.files_upload_v2(
        content=png(), filename="chart.png", title="chart"
    )  # not shared anywhere
    file_id = r["file"]["id"]
    with pytest.raises(SlackApiError) as e:
        await client.chat_postMessage(channel=chan, text="digest", blocks=image_block(file_id))
    assert e.value.response["error"] == "invalid_blocks"
    assert e.value.response["errors"] == ["invalid slack file [json-pointer:/blocks/0/slack_file]"]
    clock.advance(2)
    posted = await client.chat_postMessage(channel=chan, text="digest", blocks=image_block(file_id))
    assert posted["message"]["blocks"][0]["slack_file"] == {"id": file_id}
    assert (await client.files_info(file=file_id))["file"]["shares"] == {}
    with pytest.raises(SlackApiError) as e:
        await client.chat_postMessage(channel=chan, text="digest", blocks=image_block("F404"))
    assert e.value.response["error"] == "invalid_blocks"


async def test_upload_errors(client, emu, chan):
    outside = emu.add_channel("elsewhere")
    with pytest.raises(SlackApiError) as e:
        await client.files_upload_v2(channel=outside, content=b"x", filename="a.txt")
    assert e.value.response["error"] == "not_in_channel"
    with pytest.raises(SlackApiError) as e:
        await client.files_completeUploadExternal(files=[{"id": "F404", "title": "x"}])
    assert e.value.response["error"] == "file_not_found"
    with pytest.raises(SlackApiError) as e:
        await client.files_info(file="F404")
    assert e.value.response["error"] == "file_not_found"
    reserved = await client.files_getUploadURLExternal(filename="a.png", length=3)
    with pytest.raises(SlackApiError) as e:  # completing before the bytes were uploaded
        await client.files_completeUploadExternal(files=[{"id": reserved["file_id"]}])
    assert e.value.response["error"] == "file_not_found"
    async with aiohttp.ClientSession() as s:
        r = await s.post(emu.base_url + "upload/v1/nope", data=b"x")
        assert r.status == 404
        emu.inject_error("upload", status=500)
        r = await s.post(reserved["upload_url"], data=b"abc")
        assert r.status == 500
        r = await s.post(reserved["upload_url"], data=b"abc")
        assert await r.text() == "OK - 3"
    emu.set_scopes("chat:write")
    with pytest.raises(SlackApiError) as e:
        await client.files_getUploadURLExternal(filename="a.png", length=3)
    assert e.value.response["error"] == "missing_scope" and e.value.response["needed"] == "files:write"


async def test_share_into_a_thread(client, emu, clock, chan):
    parent = (await client.chat_postMessage(channel=chan, text="Digest"))["ts"]
    r = await client.files_upload_v2(
        channel=chan, thread_ts=parent, content=png(), filename="c.png", title="c"
    )
    clock.advance(2)
    info = (await client.files_info(file=r["file"]["id"]))["file"]
    assert info["shares"]["public"][chan][0]["thread_ts"] == parent
    assert emu.thread(chan, parent)[1]["files"][0]["id"] == r["file"]["id"]
    assert [m["text"] for m in emu.messages(chan)] == ["Digest"]


async def test_a_person_uploaded_file_is_served_at_url_private_download_only_with_the_bot_token(emu):
    alice = emu.add_user("alice")
    data = b"\xff\xd8\xff\xe0" + b"jpeg-bytes" * 10
    obj = emu.upload_file(user=alice, name="photo.jpg", data=data)
    assert obj["user"] == alice and obj["mimetype"] == "image/jpeg" and obj["size"] == len(data)
    client = AsyncWebClient(token=TOKEN, base_url=emu.api_url)
    info = (await client.files_info(file=obj["id"]))["file"]
    url = info["url_private_download"]
    assert url.startswith(emu.base_url)
    async with aiohttp.ClientSession() as http:
        async with http.get(url, headers={"Authorization": f"Bearer {TOKEN}"}) as resp:
            assert resp.status == 200 and await resp.read() == data and resp.content_type == "image/jpeg"
        async with http.get(url, allow_redirects=False) as resp:
            assert resp.status == 302  # no token: Slack's sign-in page, never the bytes
        async with http.get(url, headers={"Authorization": "Bearer xoxb-wrong"}, allow_redirects=False) as resp:
            assert resp.status == 302
        async with http.get(url.replace(obj["id"], "F0NOPE"),
                            headers={"Authorization": f"Bearer {TOKEN}"}) as resp:
            assert resp.status == 404
    assert [c.status for c in emu.calls_of("files.download")] == [200, 302, 302, 404]
