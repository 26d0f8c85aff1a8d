"""slack_sdk's synchronous WebClient against the Slack emulator, as any Slack app would use it.

The client is pointed at the emulator with ``base_url=emu.api_url`` (``http://127.0.0.1:PORT/api/``) and runs
in a worker thread while the emulator serves on the test's event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from sandbox.slack import SlackEmulator

TOKEN = "xoxb-sdk"


async def run(fn: Callable[[], Any]) -> Any:
    """Run one synchronous client call off the event loop."""
    return await asyncio.to_thread(fn)


@pytest.fixture
async def emu():
    """A started Slack emulator with alice and #social (the bot is a member)."""
    emulator = SlackEmulator(bot_token=TOKEN, app_token="xapp-sdk", file_processing_seconds=0)
    await emulator.start()
    emulator.alice = emulator.add_user("alice")
    emulator.social = emulator.add_channel("social", members=[emulator.alice], bot_member=True)
    yield emulator
    await emulator.stop()


@pytest.fixture
def client(emu) -> WebClient:
    """slack_sdk's WebClient with the bot token, aimed at the emulator."""
    return WebClient(token=TOKEN, base_url=emu.api_url)


async def test_auth_test(client, emu) -> None:
    r = await run(client.auth_test)
    assert r["ok"] and r["user_id"] == emu.ws.bot_user_id and r["team_id"] == emu.ws.team_id


async def test_post_update_and_read_back(client, emu) -> None:
    posted = await run(lambda: client.chat_postMessage(channel=emu.social, text="Hello *world*",
                                                       blocks=[{"type": "section", "text": {"type": "mrkdwn",
                                                                                            "text": "Hello"}}]))
    await run(lambda: client.chat_update(channel=emu.social, ts=posted["ts"], text="Hello again"))
    await run(lambda: client.chat_postMessage(channel=emu.social, thread_ts=posted["ts"], text="in the thread"))
    assert emu.messages(emu.social)[-1]["text"] == "Hello again"
    history = await run(lambda: client.conversations_history(channel=emu.social))
    assert [m["text"] for m in history["messages"]] == ["Hello again"]
    replies = await run(lambda: client.conversations_replies(channel=emu.social, ts=posted["ts"]))
    assert [m["text"] for m in replies["messages"]] == ["Hello again", "in the thread"]
    with pytest.raises(SlackApiError) as wrong:
        await run(lambda: client.chat_update(channel=emu.social, ts="1.000", text="x"))
    assert wrong.value.response["error"] == "message_not_found"


async def test_conversations_info_and_join(client, emu) -> None:
    other = emu.add_channel("announcements")
    info = await run(lambda: client.conversations_info(channel=other))
    assert info["channel"]["name"] == "announcements" and not info["channel"]["is_member"]
    secret = emu.add_channel("board", private=True)
    with pytest.raises(SlackApiError) as outside:
        await run(lambda: client.chat_postMessage(channel=secret, text="hi"))
    assert outside.value.response["error"] in ("channel_not_found", "not_in_channel")
    await run(lambda: client.conversations_join(channel=other))
    assert (await run(lambda: client.conversations_info(channel=other)))["channel"]["is_member"]


async def test_users_info_and_list(client, emu) -> None:
    info = await run(lambda: client.users_info(user=emu.alice))
    assert info["user"]["name"] == "alice"
    # the client follows next_cursor page by page (each page replaces the response's data, so read as it goes)
    pages = await run(lambda: [[u["name"] for u in page["members"]] for page in client.users_list(limit=1)])
    assert pages == [["igbot"], ["alice"]]


async def test_views_open_with_a_trigger(client, emu) -> None:
    trigger = emu.ws.issue_trigger(emu.alice, emu.now())  # what a slash command hands the app
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Compose"},
            "close": {"type": "plain_text", "text": "Cancel"}, "blocks": []}
    r = await run(lambda: client.views_open(trigger_id=trigger, view=view))
    assert r["view"]["title"]["text"] == "Compose"
    assert emu.views_of(emu.alice)[0]["id"] == r["view"]["id"]
    with pytest.raises(SlackApiError) as reused:
        await run(lambda: client.views_open(trigger_id=trigger, view=view))
    assert reused.value.response["error"] == "exchanged_trigger_id"


async def test_files_upload_v2(client, emu) -> None:
    r = await run(lambda: client.files_upload_v2(channel=emu.social, content=b"\x89PNG chart", filename="chart.png",
                                                 title="Reach", initial_comment="Yesterday's reach"))
    file_id = r["file"]["id"]
    assert emu.file(file_id)["name"] == "chart.png"
    assert any(f.get("id") == file_id for m in emu.messages(emu.social) for f in m.get("files", []))


async def test_ratelimited_call_is_retried_after_retry_after(client, emu) -> None:
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    emu.inject_error("chat.postMessage", error="ratelimited", retry_after=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    r = await run(lambda: client.chat_postMessage(channel=emu.social, text="after the wait"))
    assert r["ok"] and loop.time() - started >= 1.0
    statuses = [c.status for c in emu.calls_of("chat.postMessage")]
    assert statuses == [429, 200]
    assert emu.messages(emu.social)[-1]["text"] == "after the wait"
