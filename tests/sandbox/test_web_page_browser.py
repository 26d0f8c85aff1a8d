"""The sandbox page in a real headless Chromium: comment on Instagram, see it in Slack, moderate it, post."""

from __future__ import annotations

import json

import pytest

from bot.demo.world import close_world, open_world
from sandbox.web import SandboxPage
from tests.sandbox.browser import INSTALL, Browser, chromium

if chromium() is None:
    pytest.skip(INSTALL, allow_module_level=True)

pytestmark = pytest.mark.slow


@pytest.fixture
async def world(tmp_path):
    """The sandbox world (emulators, demo account, igbot) with its page."""
    world = await open_world(str(tmp_path / "sandbox.db"))
    world.page = await SandboxPage(world.slack, world.graph, people=list(world.people), channel="instagram").start()
    yield world
    await world.page.stop()
    await close_world(world)


@pytest.fixture
async def browser():
    """A headless Chromium on a fresh profile."""
    browser = await Browser().start()
    yield browser
    await browser.close()


def js(value: str) -> str:
    """A Python string as a JavaScript string literal."""
    return json.dumps(value)


def message_with(text: str) -> str:
    """JavaScript: the channel message whose text contains ``text``."""
    return (f"Array.from(document.querySelectorAll('#main .msg')).find(m => m.innerText.includes({js(text)}))")


def button_in(message: str, label: str) -> str:
    """JavaScript: the button labelled ``label`` in a message."""
    return f"Array.from(({message}).querySelectorAll('button')).find(b => b.innerText.trim() === {js(label)})"


async def comment_as_follower(browser: Browser, text: str, *, username: str = "clayfan") -> None:
    """Use the Instagram side's form: Comment under the newest post, as a follower."""
    await browser.click("document.querySelector('[data-comment-on]')")
    await browser.type("document.getElementById('username')", username)
    await browser.type("document.getElementById('ig-text')", text)
    await browser.press_enter()


async def test_a_comment_from_the_instagram_side_reaches_the_channel_and_hide_hides_it(world, browser):
    await browser.goto(f"{world.page.url}?as=sam")
    await comment_as_follower(browser, "Is the speckled mug dishwasher safe?")

    message = message_with("Is the speckled mug dishwasher safe?")
    await browser.wait_for(message)
    comment = next(c for c in world.graph.state.comments.values() if c.text == "Is the speckled mug dishwasher safe?")
    assert comment.username == "clayfan" and not comment.hidden

    await browser.click(button_in(message, "Hide"))
    await browser.wait_for(f"({button_in(message, 'Unhide')}) !== undefined")
    assert world.graph.state.comments[comment.id].hidden
    await browser.wait_for(f"document.querySelector('[data-comment=\"{comment.id}\"] .hidden-badge')")
    slack_message = next(m for m in world.slack.messages(world.channel) if "dishwasher" in m["text"])
    assert any(el.get("text", {}).get("text") == "Unhide"
               for b in slack_message["blocks"] if b["type"] == "actions" for el in b["elements"])


async def test_delete_asks_to_confirm_before_it_deletes(world, browser):
    await browser.goto(f"{world.page.url}?as=maya")
    await comment_as_follower(browser, "Buy followers at spam.example", username="spammer")
    message = message_with("Buy followers")
    await browser.wait_for(message)
    await browser.click(button_in(message, "Delete"))
    assert await browser.wait_for("document.getElementById('confirm').open && "
                                  "document.getElementById('confirm-title').innerText") == "Delete this comment?"
    await browser.click("document.getElementById('confirm-ok')")
    comment = next(c for c in world.graph.state.comments.values() if c.username == "spammer")
    await browser.wait_for(f"!document.querySelector('[data-comment=\"{comment.id}\"]')")
    assert world.graph.state.comments[comment.id].deleted


async def test_ig_post_typed_in_the_page_publishes(world, browser):
    await browser.goto(f"{world.page.url}?as=lee")
    await browser.type("document.getElementById('command')",
                       "/ig post demo_shop now https://cdn.example/img/square.jpg Fresh from the kiln")
    await browser.press_enter()
    post = ("Array.from(document.querySelectorAll('.ig-post')).find(p => p.innerText.includes('Fresh from the kiln')"
            " && p.querySelector('.published'))")
    await browser.wait_for(post, timeout=60)
    published = [m for m in world.graph.state.media.values() if m.caption == "Fresh from the kiln"]
    assert len(published) == 1 and published[0].container_id


async def test_the_compose_modal_opens_and_its_submission_queues_the_post(world, browser):
    await browser.goto(f"{world.page.url}?as=maya")
    await browser.type("document.getElementById('command')", "/ig post")
    await browser.press_enter()
    await browser.wait_for("document.querySelector("
                           "'form[data-modal] select[data-external] option[value=\"demo_shop\"]')")
    await browser.evaluate("(() => { const s = document.querySelector('form[data-modal] select[data-external]');"
                           " s.value = 'demo_shop'; s.dispatchEvent(new Event('change', {bubbles: true})); })()")
    await browser.wait_for("(document.querySelector('form[data-modal]') || {innerText: ''})"
                           ".innerText.includes('Europe/Berlin')")
    await browser.type("document.querySelector('[data-block=\"media\"]')", "https://cdn.example/img/portrait.jpg")
    await browser.type("document.querySelector('[data-block=\"caption\"]')", "Glaze day")
    await browser.click("document.querySelector('form[data-modal] button[type=submit]')")
    await browser.wait_for("!document.querySelector('form[data-modal]')")
    post = ("Array.from(document.querySelectorAll('.ig-post')).find(p => p.innerText.includes('Glaze day')"
            " && p.querySelector('.published'))")
    await browser.wait_for(post, timeout=60)


async def test_comment_text_cannot_inject_markup(world, browser):
    await browser.goto(f"{world.page.url}?as=maya")
    attack = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script><b>bold</b>'
    await comment_as_follower(browser, attack, username="mallory")
    await browser.wait_for(message_with("window.pwned=2"))
    await browser.wait_for("Array.from(document.querySelectorAll('.ig-text')).some(t => t.innerText.includes("
                           "'window.pwned=2'))")
    assert await browser.evaluate("window.pwned === undefined")
    assert await browser.evaluate("document.querySelectorAll('img[src=x], #main script, #instagram script, "
                                  "#main .block b, .ig-text b').length") == 0
