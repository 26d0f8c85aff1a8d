"""The sandbox page in a real headless Chromium: comment on Instagram, see it in Slack, moderate it, post."""

from __future__ import annotations

import json

import pytest

from bot.demo.world import close_world, open_world
from sandbox.web import SandboxPage
from tests.posts.test_uploads import jpeg
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


async def comment_seen_in_channel(world, browser: Browser, person: str, text: str, username: str) -> str:
    """As ``person``, comment as a follower on the Instagram side; wait for it in the channel; return the message."""
    await browser.goto(f"{world.page.url}?as={person}")
    await comment_as_follower(browser, text, username=username)
    message = message_with(text)
    await browser.wait_for(message)
    return message


async def test_a_comment_from_the_instagram_side_reaches_the_channel_and_hide_hides_it(world, browser):
    message = await comment_seen_in_channel(world, browser, "sam", "Is the speckled mug dishwasher safe?", "clayfan")
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
    message = await comment_seen_in_channel(world, browser, "maya", "Buy followers at spam.example", "spammer")
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
    await browser.wait_for(published_post("Fresh from the kiln"), timeout=60)
    published = [m for m in world.graph.state.media.values() if m.caption == "Fresh from the kiln"]
    assert len(published) == 1 and published[0].container_id


async def open_compose_modal_for_the_account(browser: Browser) -> None:
    """Type `/ig post` alone and choose @demo_shop in the modal's account picker (the modal redraws)."""
    await browser.type("document.getElementById('command')", "/ig post")
    await browser.press_enter()
    await browser.wait_for("document.querySelector("
                           "'form[data-modal] select[data-external] option[value=\"demo_shop\"]')")
    await browser.evaluate("(() => { const s = document.querySelector('form[data-modal] select[data-external]');"
                           " s.value = 'demo_shop'; s.dispatchEvent(new Event('change', {bubbles: true})); })()")
    await browser.wait_for("(document.querySelector('form[data-modal]') || {innerText: ''})"
                           ".innerText.includes('Europe/Berlin')")


def published_post(caption: str) -> str:
    """JavaScript: the Instagram side's card of a post with this caption, marked as published by igbot."""
    return (f"Array.from(document.querySelectorAll('.ig-post')).find(p => p.innerText.includes({js(caption)})"
            " && p.querySelector('.published'))")


async def test_the_compose_modal_opens_and_its_submission_publishes_the_post(world, browser):
    await browser.goto(f"{world.page.url}?as=maya")
    await open_compose_modal_for_the_account(browser)
    await browser.type("document.querySelector('[data-block=\"media\"]')", "https://cdn.example/img/portrait.jpg")
    await browser.type("document.querySelector('[data-block=\"caption\"]')", "Glaze day")
    await browser.click("document.querySelector('form[data-modal] button[type=submit]')")
    await browser.wait_for("!document.querySelector('form[data-modal]')")
    await browser.wait_for(published_post("Glaze day"), timeout=60)


async def test_a_file_uploaded_in_the_modal_is_published(world, browser, tmp_path):
    photo = tmp_path / "kiln.jpg"
    photo.write_bytes(jpeg())
    await browser.goto(f"{world.page.url}?as=maya")
    await open_compose_modal_for_the_account(browser)
    await browser.set_files("form[data-modal] input[type=file]", str(photo))
    await browser.type("document.querySelector('[data-block=\"caption\"]')", "Straight from the kiln")
    await browser.click("document.querySelector('form[data-modal] button[type=submit]')")
    await browser.wait_for(published_post("Straight from the kiln"), timeout=60)
    assert any(f.name == "kiln.jpg" and f.data == jpeg() for f in world.slack.ws.files.values())


async def test_reply_opens_a_modal_whose_answer_appears_on_instagram(world, browser):
    message = await comment_seen_in_channel(world, browser, "sam", "Do you ship to Canada?", "jo_b")
    await browser.click(button_in(message, "Reply"))
    await browser.type("document.querySelector('form[data-modal] textarea, form[data-modal] input[type=text]')",
                       "Yes, everywhere!")
    await browser.click("document.querySelector('form[data-modal] button[type=submit]')")
    await browser.wait_for("Array.from(document.querySelectorAll('.ig-replies .ig-comment')).some(c =>"
                           " c.innerText.includes('@demo_shop') && c.innerText.includes('Yes, everywhere!'))")
    assert any(c.by_owner and c.text == "Yes, everywhere!" for c in world.graph.state.comments.values())


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
