"""Each process registers and beats; the work of a dead one is released at once, a live one's never."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.instance import STALE_AFTER, Instance
from storage import inbox as inbox_rows
from storage import instances as instance_rows
from storage import outbox as outbox_rows
from storage.clock import parse
from storage.db import Store


class Clock:
    """Starts at the wall time (inbox rows are stamped with it) and moves only when told."""

    def __init__(self):
        self.now = self.start = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store(tmp_path):
    opened = Store.open(str(tmp_path / "igbot.db"))
    yield opened
    opened.close()


def make(instance_id: str, clock: Clock, *, pid: int, host: str = "box", alive=lambda pid: True) -> Instance:
    return Instance(id=instance_id, host=host, pid=pid, clock=clock, alive=alive)


async def claim_everything(store: Store, instance: Instance, clock: Clock, *, worker: str | None = None
                           ) -> tuple[list[dict], int]:
    """Three inbox rows and an outbox item claimed by one of the instance's workers."""
    worker = worker or f"{instance.id}/test/1"
    await store.run(inbox_rows.add_changes, [{"entry_id": "1", "field": "comments", "object_id": str(i),
                                              "value": {"id": str(i)}} for i in range(3)])
    item = await store.run(outbox_rows.enqueue_post, channel_id="C1", payload={"text": "hi"})
    rows = await store.run(inbox_rows.claim_due, worker=worker, lease_seconds=30, now=clock() + timedelta(seconds=1))
    assert await store.run(outbox_rows.claim_item, item, worker=worker, lease_seconds=30, now=clock())
    return rows, item


async def held_by(store: Store) -> set[str | None]:
    def read(db):
        return {r[0] for r in db.execute("SELECT claimed_by FROM inbox UNION ALL SELECT claimed_by FROM outbox")}
    return await store.run(read)


async def test_a_restart_on_the_same_host_releases_a_killed_processs_work_at_once(store):
    clock = Clock()
    dead = make("aaaa", clock, pid=101)
    await dead.start(store)
    await claim_everything(store, dead, clock)
    assert await held_by(store) == {"aaaa/test/1"}
    # kill -9: no stop(); a second later the new process starts on the same host and finds pid 101 gone
    clock.now += timedelta(seconds=1)
    restarted = make("bbbb", clock, pid=202, alive=lambda pid: pid != 101)
    await restarted.start(store)
    assert await held_by(store) == {None}
    assert restarted.rescued == {"inbox": 3, "outbox": 1}
    assert [i["id"] for i in await store.run(instance_rows.list_instances)] == ["bbbb"]
    again = await store.run(inbox_rows.claim_due, worker="bbbb/inbox/1", lease_seconds=30,
                            now=clock() + timedelta(seconds=1))
    assert len(again) == 3


async def test_another_hosts_instance_is_dead_only_once_its_heartbeat_is_stale(store):
    clock = Clock()
    other = make("aaaa", clock, pid=101, host="elsewhere")
    await other.start(store)
    await claim_everything(store, other, clock)
    me = make("bbbb", clock, pid=101)  # the same pid on another host says nothing
    await me.start(store)
    clock.now += STALE_AFTER - timedelta(seconds=1)
    await me.beat(store)
    assert await held_by(store) == {"aaaa/test/1"}  # a live process's work is never taken
    clock.now += timedelta(seconds=2)
    await me.beat(store)
    assert await held_by(store) == {None}


async def test_the_heartbeat_renews_the_leases_of_work_in_progress_only(store):
    clock = Clock()
    me = make("aaaa", clock, pid=1)
    neighbour = make("cccc", clock, pid=2)
    await me.start(store)
    await neighbour.start(store)
    async with me.working("inbox") as worker:
        rows, item = await claim_everything(store, me, clock, worker=worker)
        theirs = await store.run(outbox_rows.enqueue_post, channel_id="C1", payload={"text": "theirs"})
        await store.run(outbox_rows.claim_item, theirs, worker="cccc/outbox/1", lease_seconds=30, now=clock())
        before = {r["id"]: parse(r["lease_until"]) for r in rows}
        for _ in range(10):  # 50 s of work: far past the 30 s lease, and it is still held
            clock.now += timedelta(seconds=5)
            await me.beat(store)
            await neighbour.beat(store)
        after = await store.run(lambda db: {r["id"]: parse(r["lease_until"]) for r in db["inbox"].rows})
        assert all(after[i] - before[i] == timedelta(seconds=50) for i in before)
        assert await store.run(outbox_rows.claim_item, item, worker="intruder", lease_seconds=30, now=clock()) is None
        # the neighbour's worker is not at work (it crashed, say): its lease is left to run out
        assert await store.run(outbox_rows.claim_item, theirs, worker="intruder", lease_seconds=30, now=clock())
    # this worker is done (however it ended): what it still holds is no longer renewed
    clock.now += timedelta(seconds=5)
    await me.beat(store)
    assert all(parse(r["lease_until"]) - after[r["id"]] == timedelta(0)
               for r in await store.run(lambda db: list(db["inbox"].rows)))


async def test_an_instance_taken_for_dead_registers_again_and_loses_its_claims(store):
    clock = Clock()
    slow = make("aaaa", clock, pid=1, host="one")
    watcher = make("bbbb", clock, pid=2, host="two")
    await slow.start(store)
    await watcher.start(store)
    await claim_everything(store, slow, clock)
    clock.now += STALE_AFTER + timedelta(seconds=1)
    await watcher.beat(store)
    assert await held_by(store) == {None}
    await slow.beat(store)  # it was only frozen: it comes back under the same id, without its old work
    assert {i["id"] for i in await store.run(instance_rows.list_instances)} == {"aaaa", "bbbb"}
    assert await held_by(store) == {None}


async def test_a_clean_stop_releases_everything_and_unregisters(store):
    clock = Clock()
    me = make("aaaa", clock, pid=1)
    await me.start(store)
    await claim_everything(store, me, clock)
    await me.stop(store)
    assert await held_by(store) == {None}
    assert await store.run(instance_rows.list_instances) == []


async def test_due_posts_and_digest_runs_a_dead_instance_held_are_released_too(store):
    from storage import accounts as account_rows
    from storage import digests as digest_rows
    from storage import posts as post_rows

    clock = Clock()
    dead = make("aaaa", clock, pid=101)
    await dead.start(store)
    account = await store.run(account_rows.add_account, username="shop", ig_user_id="1784", login="facebook",
                              page_id=None, channel_id="C1", timezone="UTC", digest_time="09:00")
    now = clock()
    await store.run(post_rows.create_post, account_id=account["id"], kind="image", caption="x", author="U1",
                    channel_id="C1", due_at=now, next_action_at=now, items=[{"url": "https://a/b.jpg",
                                                                               "media": "image"}], now=now)
    run_id = await store.run(digest_rows.create_manual_run, account_id=account["id"], day="2026-12-01",
                             channel_id="C1", weekly=False, requested_by="U1", now=now)
    assert await store.run(post_rows.claim_due, worker="aaaa/posts/1", lease_seconds=30, now=now,
                           account_id=account["id"])
    assert await store.run(digest_rows.claim_runs, worker="aaaa/digests/1", lease_seconds=30, now=now,
                           run_id=run_id)
    restarted = make("bbbb", clock, pid=202, alive=lambda pid: pid != 101)
    await restarted.start(store)
    assert restarted.rescued == {"posts": 1, "digest_runs": 1}
    assert await store.run(post_rows.due_accounts, now=now) == [account["id"]]
    assert await store.run(digest_rows.claim_runs, worker="bbbb/digests/1", lease_seconds=30, now=now,
                           run_id=run_id)
