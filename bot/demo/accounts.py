"""Demo scene for accounts: a token dies, one alert, posts wait, an admin reconnects, the post goes out."""

from __future__ import annotations

import json
import re

import aiohttp

from bot.connect.reconnect import RECONNECT_ACTION
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
    url = _login_url(link[-1])
    out.slack("maya", "Reconnect")
    out.shown("only maya sees a fresh, single-use link (10 minutes) for Facebook or Instagram Login")
    done = await _log_in_again(world, url)
    out.action("maya", "opens the link, logs in with Facebook and ticks @demo_shop")
    expect("@demo_shop reconnected" in done, "the callback page does not say the account was reconnected")
    account = world.deps.store.run_sync(account_rows.get_account_by_username, "demo_shop")
    token = world.deps.store.run_sync(token_rows.get_token, account["id"])
    stored = world.deps.cipher.decrypt(token["ciphertext"])
    expect(account["status"] == "active", "the account is not active after reconnecting")
    expect(stored == acct.page_token and stored not in token["ciphertext"],
           "the new Page token was not stored (encrypted)")
    expect(world.graph.state.tokens[stored].expires_at is None, "the stored Page token is not a live one")
    out.shown("the callback page says @demo_shop reconnected to this channel; the new token is stored encrypted")
    row = await _published(world, post_id)
    expect(row["state"] == "published", f"the held post did not go out after reconnecting: {row['error']}")
    expect(len(_alerts(world)) == 0, "a Reconnect button is still showing after reconnecting")
    await eventually(world, lambda: [m for m in world.slack.messages(world.channel)
                                     if f"was reconnected by <@{world.people['maya']}>" in m.get("text", "")],
                     "the alert was not updated")
    outage = [m for m in world.slack.messages(world.channel)
              if "needs reconnecting" in m.get("text", "") or "was reconnected" in m.get("text", "")]
    expect(len(outage) == 1, f"{len(outage)} messages about the outage instead of one alert, updated")
    everything = json.dumps(world.slack.messages(world.channel)) + done
    expect(stored not in everything and acct.token not in everything, "a token appeared in Slack or on the page")
    out.shown(f"the alert now says reconnected by @maya; the held post #{post_id} is published")


def _login_url(ephemeral: dict) -> str:
    """Return the Facebook Login link from the ephemeral maya got."""
    found = re.search(r'https?://[^"\s]+/oauth/facebook/start\?state=[\w\-.~%]+', json.dumps(ephemeral["blocks"]))
    expect(found is not None, "the link does not start a login")
    return found.group(0)


async def _log_in_again(world: World, url: str) -> str:
    """Follow the link as maya's browser would: Meta's dialog, the callback, the choice of account."""
    async with aiohttp.ClientSession() as browser:
        async with browser.get(url) as response:
            page = await response.text()
        expect(response.status == 200 and "@demo_shop" in page, "the login did not list @demo_shop")
        choice = re.search(r"name='choice' value='([^']+)'", page)
        expect(choice is not None, "the callback page offers no choice of account")
        async with browser.post(f"{world.bot_url}/oauth/facebook/callback",
                                data={"choice": choice.group(1), "ig_user_id": world.ig_account.ig_user_id}) as done:
            return await done.text()
