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
