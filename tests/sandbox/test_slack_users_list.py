"""users.list: every member of the workspace, cursor-paged, Tier 2, users:read."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.slack import SlackEmulator


async def test_users_list_pages_through_everyone():
    async with SlackEmulator(signing_secret="s", bot_token="xoxb-t") as emu:
        ids = [emu.add_user(f"person{i}") for i in range(5)]
        client = AsyncWebClient(token="xoxb-t", base_url=emu.api_url)
        seen, cursor = [], None
        while True:
            page = await client.users_list(limit=2, cursor=cursor)
            seen += [m["id"] for m in page["members"]]
            cursor = page["response_metadata"]["next_cursor"]
            if not cursor:
                break
        assert set(ids) <= set(seen) and len(seen) == len(set(seen))
        names = {m["name"] for m in (await client.users_list())["members"]}
        assert {"person0", "person4"} <= names


async def test_users_list_needs_users_read():
    async with SlackEmulator(signing_secret="s", bot_token="xoxb-t") as emu:
        emu.set_scopes("chat:write")
        client = AsyncWebClient(token="xoxb-t", base_url=emu.api_url)
        try:
            await client.users_list()
        except SlackApiError as exc:
            assert exc.response["error"] == "missing_scope"
        else:
            raise AssertionError("users.list worked without users:read")
