"""Connect links: personal, single-use, 10 minutes, refused without IGBOT_PUBLIC_URL."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.connect.links import ConnectUnavailable, connect_blocks, new_connect_link
from storage import oauth_states


async def test_a_link_is_single_use_and_expires(aiohttp_client, config):
    from bot.app import create_app
    from bot.appkeys import DEPS

    bot = await aiohttp_client(create_app(config.with_overrides(public_url="https://igbot.example.com")))
    deps = bot.server.app[DEPS]
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    link = await new_connect_link(deps, user_id="U0ALICE", channel_id="C0SOCIAL1", now=now)
    assert link.facebook == f"https://igbot.example.com/oauth/facebook/start?state={link.state}"
    assert link.instagram.startswith("https://igbot.example.com/oauth/instagram/start?state=")
    used = await deps.store.run(oauth_states.consume_state, link.state, flavor="facebook", now=now)
    assert used == {"state": link.state, "slack_user_id": "U0ALICE", "channel_id": "C0SOCIAL1", "account": None,
                    "payload": None}
    assert await deps.store.run(oauth_states.consume_state, link.state, flavor="facebook", now=now) is None
    late = await new_connect_link(deps, user_id="U0ALICE", channel_id="C0SOCIAL1", now=now)
    after = now + timedelta(minutes=10, seconds=1)
    assert await deps.store.run(oauth_states.consume_state, late.state, flavor="instagram", now=after) is None
    text, blocks = connect_blocks(link)
    assert "only for you" in text and {e["url"] for e in blocks[1]["elements"]} == {link.facebook, link.instagram}


async def test_no_public_url_means_no_link(bot):
    from bot.appkeys import DEPS

    with pytest.raises(ConnectUnavailable, match="IGBOT_PUBLIC_URL"):
        await new_connect_link(bot.server.app[DEPS], user_id="U0ALICE", channel_id="C0SOCIAL1")
