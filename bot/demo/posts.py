"""Demo scenes for posts: an image and a carousel queued with /ig post, a reel that needs processing, a failure."""

from __future__ import annotations

from bot.demo.script import DemoFailure, eventually, expect
from bot.demo.transcript import Transcript
from bot.demo.world import World
from storage import posts as post_rows


async def _queue(world: World, out: Transcript, person: str, text: str) -> int:
    seen = await world.slack.slash_command(user=world.people[person], channel=world.channel, text=text)
    expect(seen.ok and "Queued" in seen.text, f"/ig {text.split()[0]} was not queued ({seen.error or seen.text})")
    out.slack(person, f"/ig {text}")
    post_id = int(seen.text.split("#", 1)[1].split()[0])
    out.shown(f"only {person} sees: queued #{post_id}")
    return post_id


async def _published(world: World, post_id: int, timeout: float = 20) -> dict:
    def state():
        row = world.deps.store.run_sync(post_rows.get_post, post_id)
        finished = row and (row["state"] == "failed" or (row["state"] == "published" and row["report_state"] == "sent"))
        return row if finished else None

    row = await eventually(world, state, f"post #{post_id} was neither published nor failed", timeout=timeout)
    return row


def _message(world: World, words: str):
    return next((m for m in world.slack.messages(world.channel) if words in str(m.get("blocks"))), None)


async def image_step(world: World, out: Transcript) -> None:
    """lee queues an image post to go out now; it is published once and reported with its link."""
    post_id = await _queue(world, out, "lee", "post demo_shop now https://cdn.example/img/square.jpg "
                                               "New glaze: midnight blue #ceramics")
    row = await _published(world, post_id)
    expect(row["state"] == "published", f"the image post failed: {row['error']}")
    media = world.graph.state.media.get(row["media_id"])
    expect(media is not None and media.caption == "New glaze: midnight blue #ceramics",
           "Instagram does not hold the image post with its caption")
    expect(row["permalink"], "the image post has no permalink")
    await eventually(world, lambda: _message(world, row["permalink"]), "no Published message with the link")
    out.instagram(f"image post {media.id} is live ({media.media_product_type})")
    out.shown(f"the channel: Published the image post #{post_id} · {row['permalink']}")


async def carousel_step(world: World, out: Transcript) -> None:
    """lee queues a carousel of two images and a video: three children, one parent, one publish."""
    post_id = await _queue(world, out, "lee", "post demo_shop now https://cdn.example/img/photo1.jpg "
                                               "https://cdn.example/img/photo2.jpg https://cdn.example/video/clip.mov "
                                               "Three glazes, one kiln")
    row = await _published(world, post_id)
    expect(row["state"] == "published", f"the carousel failed: {row['error']}")
    media = world.graph.state.media.get(row["media_id"])
    expect(media is not None and media.media_type == "CAROUSEL_ALBUM" and len(media.children) == 3,
           "Instagram does not hold a carousel of three")
    out.instagram(f"carousel {media.id} is live with {len(media.children)} items (2 images, 1 video)")
    out.shown(f"the channel: Published the carousel #{post_id} · {row['permalink']}")


async def reel_step(world: World, out: Transcript) -> None:
    """lee queues a reel; igbot waits for Instagram's processing (no 9007) and then publishes it."""
    post_id = await _queue(world, out, "lee", "reel demo_shop now https://cdn.example/video/reel.mp4 "
                                               "Trimming a bowl, start to finish")
    row = await _published(world, post_id, timeout=30)
    expect(row["state"] == "published", f"the reel failed: {row['error']}")
    polls = len(world.graph.find_calls(path=f"/{row['container_id']}"))
    expect(not world.graph.find_calls(error_code=9007), "igbot published before the reel was ready (9007)")
    media = world.graph.state.media.get(row["media_id"])
    expect(media is not None and media.media_product_type == "REELS", "Instagram does not hold the reel")
    out.instagram(f"reel {media.id} is live after processing (container status read {polls} times, never 9007)")


async def failure_step(world: World, out: Transcript) -> None:
    """lee queues a reel whose video Instagram cannot process; the channel says which file and why."""
    post_id = await _queue(world, out, "lee", "reel demo_shop now https://cdn.example/video/broken.mp4 Oops")
    row = await _published(world, post_id, timeout=30)
    expect(row["state"] == "failed", "the broken video was published")
    expect("https://cdn.example/video/broken.mp4" in row["error"], "the failure does not name the file")
    message = await eventually(world, lambda: _message(world, "was not published"), "no failure message")
    if "Retry" not in str(message.get("blocks")):
        raise DemoFailure("the failure message has no Retry button")
    out.shown(f"the channel: reel #{post_id} was not published — {row['error']} [Retry] [Cancel]")


async def compose_step(world: World, out: Transcript) -> None:
    """lee composes a carousel in the modal: picks the account by typing, adds alt text and a user tag."""
    slack, lee = world.slack, world.people["lee"]
    seen = await slack.slash_command(user=lee, channel=world.channel, text="post")
    expect(seen.ok, f"/ig post did not answer ({seen.error})")
    views = await eventually(world, lambda: slack.views_of(lee), "/ig post opened no modal")
    view_id = views[-1]["id"]
    out.slack("lee", "/ig post  → the compose modal opens")
    offered = await slack.suggest(user=lee, view_id=view_id, action_id="compose_account", value="demo")
    expect([o["value"] for o in offered.options or []] == ["demo_shop"], "the account picker did not offer demo_shop")
    await slack.click(user=lee, view_id=view_id, action_id="compose_account", value="demo_shop")
    await eventually(world, lambda: slack.views_of(lee)[-1]["blocks"][0]["element"].get("initial_option"),
                     "choosing the account did not redraw the modal")
    out.shown("lee types “demo”, picks @demo_shop; the time fields show the account's time zone")
    before = set(world.graph.state.media)
    done = await slack.submit_view(user=lee, view_id=view_id, values={
        "media": {"media": {"value": "https://cdn.example/img/photo1.jpg\nhttps://cdn.example/img/photo2.jpg"}},
        "caption": {"caption": {"value": "Two mugs, one morning"}},
        "alt_text": {"alt_text": {"value": "1: A blue mug on a wooden table"}},
        "user_tags": {"user_tags": {"value": "2: @demo_potter [0.4,0.6]"}},
    })
    expect(done.ok and not (done.json or {}).get("errors"), f"the modal refused the post ({done.json})")
    out.slack("lee", "fills in two image URLs, a caption, alt text for item 1, a tag on item 2; Queue (now)")
    account_id = world.deps.store.run_sync(_account_id)
    row = await eventually(world, lambda: next((p for p in world.deps.store.run_sync(
        post_rows.posts_of_account, account_id) if p["caption"] == "Two mugs, one morning"), None),
        "the composed post was not stored")
    row = await _published(world, row["id"])
    expect(row["state"] == "published", f"the composed carousel failed: {row['error']}")
    media = world.graph.state.media.get(row["media_id"])
    expect(media is not None and media.id not in before and len(media.children) == 2,
           "Instagram does not hold the composed carousel of two")
    creates = [c for c in world.graph.find_calls(path="/{ig-user-id}/media", method="POST")
               if c.params.get("alt_text") == "A blue mug on a wooden table"]
    expect(len(creates) == 1, "the alt text did not reach its child container")
    tagged = [c for c in world.graph.find_calls(path="/{ig-user-id}/media", method="POST")
              if "demo_potter" in str(c.params.get("user_tags"))
              and c.params.get("image_url", "").endswith("photo2.jpg")]
    expect(len(tagged) == 1, "the user tag did not reach item 2's container")
    out.instagram(f"carousel {media.id} is live; item 1 has its alt text, item 2 tags @demo_potter")
    out.shown(f"the channel: Published the carousel #{row['id']} · {row['permalink']}")


def _account_id(db) -> int:
    from bot.demo.world import USERNAME
    from storage import accounts as account_rows

    return account_rows.get_account_by_username(db, USERNAME)["id"]
