"""The sandbox page over HTTP: rendering, escaping, the actions it forwards, and what it refuses."""

from __future__ import annotations

import socket

import aiohttp
import pytest

from sandbox.graph import GraphEmulator
from sandbox.slack import SlackEmulator
from sandbox.slack.blocks import fill_ids
from sandbox.slack.state import Message
from sandbox.web import SandboxPage
from sandbox.web.mrkdwn import mrkdwn, text_object


@pytest.fixture
async def page():
    """Both emulators (no app behind them) with a person, a channel, an account with one post, and the page."""
    slack = await SlackEmulator().start()
    graph = await GraphEmulator().start()
    slack.add_user("maya", is_admin=True)
    slack.add_channel("instagram", members=["maya"], bot_member=True)
    shop = graph.add_account("demo_shop")
    graph.add_media(shop, caption="Speckled mugs <b>new</b>")
    page = await SandboxPage(slack, graph, people=["maya"], channel="instagram").start()
    page.test_slack, page.test_graph = slack, graph
    async with aiohttp.ClientSession() as http:
        page.http = http
        yield page
    await page.stop()
    await graph.stop()
    await slack.stop()


async def regions(page, **query) -> dict:
    async with page.http.get(f"{page.url}ui/regions", params={"as": "maya", **query}) as response:
        assert response.status == 200
        return await response.json()


def test_mrkdwn_renders_slack_formatting_and_escapes_everything_else():
    names = {"U1": "maya", "C1": "instagram"}.get
    html = mrkdwn("*Hi* <@U1> in <#C1>: _new_ `code` <https://x.example/?a=1&amp;b=2|a \"link\"> &lt;i&gt;", names)
    assert "<strong>Hi</strong>" in html and "@maya" in html and "#instagram" in html and "<em>new</em>" in html
    assert "<code>code</code>" in html
    assert '<a href="https://x.example/?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">a &quot;link&quot;</a>' \
        in html
    assert html.endswith("&lt;i&gt;")
    assert mrkdwn("<javascript:alert(1)|click>") == "click"
    assert mrkdwn("*<https://x.example|@clayfan>* said") == (
        '<strong><a href="https://x.example" target="_blank" rel="noopener noreferrer">@clayfan</a></strong> said')
    assert mrkdwn("\ue0000\ue001 <@U1>") == '0 <span class="mention">@U1</span>'
    assert mrkdwn("&gt; quoted\nnext") == "<blockquote>quoted</blockquote>next"
    assert mrkdwn("<!date^1700000000^{date_short_pretty}|Nov 14>") == '<span class="date">Nov 14</span>'
    assert text_object({"type": "plain_text", "text": "<script>:x:"}) == "&lt;script&gt;❌"


async def test_the_page_renders_both_sides_and_escapes_instagram_text(page):
    media_id = next(iter(page.test_graph.state.media))
    page.test_graph.add_comment(media_id, '<img src=x onerror="alert(1)">', username="mallory")
    async with page.http.get(page.url, params={"as": "maya"}) as response:
        assert response.status == 200
        html = await response.text()
    assert '<span class="hash">#</span> instagram</a>' in html
    assert "@demo_shop" in html and "DMs arrive with messaging support" in html
    assert "Speckled mugs &lt;b&gt;new&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html and "<img src=x" not in html
    assert "Content-Security-Policy" in response.headers


async def test_a_message_with_blocks_shows_its_buttons_menus_and_confirm_dialogs(page):
    slack = page.test_slack
    channel = slack.ws.channel_id("instagram")

    blocks = fill_ids([
        {"type": "section", "text": {"type": "mrkdwn", "text": "*@clayfan* said hi"},
         "fields": [{"type": "mrkdwn", "text": "*Post*"}, {"type": "plain_text", "text": "Mugs"}],
         "accessory": {"type": "overflow", "action_id": "menu", "options": [
             {"text": {"type": "plain_text", "text": "Hide"}, "value": "hide:1"}]}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "2 min ago"},
                                         {"type": "image", "image_url": "https://cdn.example/a.jpg",
                                          "alt_text": "post"}]},
        {"type": "actions", "elements": [
            {"type": "button", "action_id": "delete", "text": {"type": "plain_text", "text": "Delete"},
             "style": "danger", "value": "1",
             "confirm": {"title": {"type": "plain_text", "text": "Delete <it>?"},
                         "text": {"type": "plain_text", "text": "Sure?"},
                         "confirm": {"type": "plain_text", "text": "Delete"},
                         "deny": {"type": "plain_text", "text": "Keep"}}}]},
    ])
    slack.ws.add_message(slack.ws.channels[channel], Message(ts="1700000000.000100", channel=channel,
                                                               user=slack.ws.bot_user_id, blocks=blocks))
    main = (await regions(page))["main"]
    assert "<strong>@clayfan</strong> said hi" in main and 'class="fields"' in main
    assert '<details class="overflow">' in main and "hide:1" in main
    assert 'class="btn danger"' in main and "data-confirm=" in main and "Delete &amp;lt;it&amp;gt;?" in main
    assert 'class="ctx-img placeholder" title="https://cdn.example/a.jpg"' in main  # nothing loaded from outside
    assert 'src="https://cdn.example' not in main


async def test_a_follower_comment_goes_through_the_graph_control_route(page):
    media_id = next(iter(page.test_graph.state.media))
    async with page.http.post(f"{page.url}ui/comment",
                              json={"media_id": media_id, "username": "clayfan", "text": "Love it"}) as response:
        answer = await response.json()
    assert answer["ok"] and page.test_graph.state.comments[answer["id"]].text == "Love it"
    assert "Love it" in (await regions(page))["instagram"]
    async with page.http.post(f"{page.url}ui/comment", json={"media_id": "nope", "text": "x"}) as response:
        answer = await response.json()
    assert answer == {"ok": False, "error": "media_id (a known media) and text are required"}
    async with page.http.post(f"{page.url}ui/mention", json={"account": "demo_shop", "username": "fan",
                                                             "text": "@demo_shop wow"}) as response:
        assert (await response.json())["ok"]
    assert "Mentions of @demo_shop" in (await regions(page))["instagram"]


async def test_the_page_refuses_cross_site_requests_and_unknown_people(page):
    async with page.http.post(f"{page.url}ui/slash", data={"as": "maya", "text": "/ig help"}) as response:
        assert response.status == 415
    async with page.http.get(page.url, headers={"Host": "evil.example"}) as response:
        assert response.status == 403
    async with page.http.post(f"{page.url}ui/slash", json={"as": "mallory", "text": "/ig help"}) as response:
        assert response.status == 400 and "'as' must be one of maya" in (await response.json())["error"]
    async with page.http.post(f"{page.url}ui/slash", json=["not", "an", "object"]) as response:
        assert response.status == 400
    async with page.http.get(f"{page.url}ui/files/F404") as response:
        assert response.status == 404
    async with page.http.get(f"{page.url}ui/assets/../server.py") as response:
        assert response.status == 404


async def test_a_person_action_the_client_cannot_do_is_answered_not_raised(page):
    async with page.http.post(f"{page.url}ui/click", json={"as": "maya", "channel": "instagram",
                                                           "message_ts": "1.2", "action_id": "x"}) as response:
        answer = await response.json()
    assert response.status == 200 and not answer["ok"] and "no message 1.2" in answer["error"]
    async with page.http.post(f"{page.url}ui/slash", json={"as": "maya", "text": "help"}) as response:
        assert (await response.json())["error"] == "Type a slash command, e.g. /ig help"


async def test_the_home_tab_shows_the_apps_direct_messages(page):
    slack = page.test_slack
    im = slack.ws.im_with(slack.ws.user_id("maya"))
    slack.ws.add_message(im, Message(ts="1700000000.000200", channel=im.id, user=slack.ws.bot_user_id,
                                     text="Your post was *rejected*: wrong crop"))
    home = (await regions(page, home="1"))["main"]
    assert "Opening the Home tab" in home and "Messages" in home and "<strong>rejected</strong>: wrong crop" in home
    assert "wrong crop" not in (await regions(page))["main"]


async def test_failures_are_told_in_slacks_words_and_never_as_a_server_error(page):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        page.test_slack.set_request_url(f"http://127.0.0.1:{unused.getsockname()[1]}/slack/events")
    async with page.http.post(f"{page.url}ui/slash", json={"as": "maya", "channel": "instagram",
                                                           "text": "/ig help"}) as response:
        answer = await response.json()
    assert response.status == 200 and answer["error"].startswith('/ig failed with the error "')
    media_id = next(iter(page.test_graph.state.media))
    async with page.http.post(f"{page.url}ui/comment", json={"media_id": media_id, "text": "hi",
                                                             "parent_id": "17950000000000999"}) as response:
        answer = await response.json()
    assert response.status == 200 and answer["ok"] is False and answer["error"]
