"""Demo scene for accounts: a token dies, one alert, posts wait, an admin reconnects, the post goes out."""

from __future__ import annotations

import json

from bot.connect.reconnect import RECONNECT_ACTION, account_reconnected
from bot.demo.posts import _published, _queue
from bot.demo.script import eventually, expect
from bot.demo.transcript import Transcript
from bot.demo.world import World
from storage import accounts as account_rows
from storage import posts as post_rows
from storage import tokens as token_rows


def _alerts(world: World) -> list[dict]:
    return [m for m in world.slack.messages(world.channel) if RECONNECT_ACTION in json.dumps(m.get("blocks", []))]


async def reconnect_step(world: World, out: Transcript) -> None:
    """The token expires; igbot holds the next post, alerts once; maya reconnects; the post is published."""
    acct = world.ig_account
    world.graph.expire_token(acct)
    out.instagram("@demo_shop's access token expires")
    post_id = await _queue(world, out, "lee", "post demo_shop now https://cdn.example/img/photo3.jpg Kiln day")
    await eventually(world, lambda: (world.deps.store.run_sync(post_rows.get_post, post_id) or {}).get("hold")
                     == "reconnect", "the post was not held while the account needs reconnecting")
    alert = (await eventually(world, lambda: _alerts(world), "no reconnect alert in the channel"))[0]
    out.shown("the post waits (held: reconnect); the channel gets one alert with a Reconnect button")
    await world.slack.click(user=world.people["maya"], channel=world.channel, message_ts=alert["ts"],
                            action_id=RECONNECT_ACTION)
    link = await eventually(world, lambda: [e for e in world.slack.ephemerals(user=world.people["maya"])
                                            if "reconnect @demo_shop" in e.get("text", "")],
                            "maya got no reconnect link")
    expect("/oauth/facebook/start?state=" in json.dumps(link[-1]["blocks"]), "the link does not start a login")
    out.slack("maya", "Reconnect")
    out.shown("only maya sees a fresh, single-use link (10 minutes) for Facebook or Instagram Login")
    fresh = _fresh_page_token(world)
    account = world.deps.store.run_sync(account_rows.get_account_by_username, "demo_shop")
    world.deps.store.run_sync(token_rows.put_token, account_id=account["id"], kind="page",
                              ciphertext=world.deps.cipher.encrypt(fresh))
    await account_reconnected(world.deps, account, by_user=world.people["maya"])
    out.action("maya", "logs in again (the new token is stored encrypted)")
    row = await _published(world, post_id)
    expect(row["state"] == "published", f"the held post did not go out after reconnecting: {row['error']}")
    expect(len(_alerts(world)) <= 1, "more than one reconnect alert was posted")
    await eventually(world, lambda: [m for m in world.slack.messages(world.channel)
                                     if "was reconnected by" in m.get("text", "")], "the alert was not updated")
    out.shown(f"the alert now says reconnected by @maya; the held post #{post_id} is published")


def _fresh_page_token(world: World) -> str:
    """Have the Graph emulator issue the Page token a new login would hand igbot."""
    acct = world.ig_account
    scopes = world.graph.state.tokens[acct.page_token].scopes
    return world.graph.issue_token("facebook", "PAGE", acct.page_id, None, tuple(scopes), long_lived=True,
                                   value=f"EAASBXPAGE{acct.page_id}r").value
