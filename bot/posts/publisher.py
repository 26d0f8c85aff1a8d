"""The publishing state machine: each claimed post moves as far as it can, every step stored before the next.

Exactly once: a post is marked `publishing` (with the attempt time) before `media_publish` is called; a crash,
timeout, 5xx or 506 leaves the outcome unknown and the container's `status_code` decides (`needs_check`) —
never a blind second publish.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.deps import Deps
from bot.graph import errors as E
from bot.graph import insights as graph_insights
from bot.graph import media as graph_media
from bot.graph.account import GraphAccount
from bot.graph.comments import comment_on_media
from bot.graph_accounts import graph_account
from bot.instance import LEASE_SECONDS
from bot.posts import messages
from storage import accounts as account_rows
from storage import posts as rows
from storage.clock import iso, parse

log = logging.getLogger(__name__)
PRODUCT = {"image": "FEED", "carousel": "FEED", "reel": "REELS", "story": "STORY"}
STORY_METRICS = ("reach", "views", "replies", "shares", "total_interactions")


@dataclass(frozen=True)
class Settings:
    """Timings and limits of publishing (Meta's guidance by default)."""

    video_lead: timedelta = timedelta(minutes=30)
    image_lead: timedelta = timedelta(minutes=5)
    poll_every: timedelta = timedelta(minutes=1)
    poll_grace: timedelta = timedelta(minutes=5)
    container_max_age: timedelta = timedelta(hours=23)
    container_cap: int = 400
    overdue_after: timedelta = timedelta(hours=6)
    late_note_after: timedelta = timedelta(minutes=5)
    lease_seconds: float = LEASE_SECONDS
    remind_every: timedelta = timedelta(hours=2)
    retry_every: timedelta = timedelta(minutes=1)
    max_checks: int = 10
    story_insights_after: timedelta = timedelta(hours=23)
    claim_limit: int = 25  # per account and tick: a worker claims only what it starts now
    quota_fresh: timedelta = timedelta(minutes=1)  # a content_publishing_limit reading is used this long
    quota_ahead: timedelta = timedelta(seconds=30)  # the quota is read this long before a post's time


DEFAULT = Settings()


def settings_for(tick_seconds: int) -> Settings:
    """Poll containers about once a minute, or every two ticks when the tick is faster (the sandbox)."""
    return Settings(poll_every=timedelta(seconds=min(60, 2 * tick_seconds)))


def now_of(deps: Deps) -> datetime:
    """The time publishing works by: the Graph client's clock (one clock for igbot and Meta in tests)."""
    return datetime.fromtimestamp(deps.graph.clock(), UTC)


def lead_for(has_video: bool, settings: Settings = DEFAULT) -> timedelta:
    """How long before its time a post's containers are created."""
    return settings.video_lead if has_video else settings.image_lead


@dataclass
class Quota:
    """An account's publishing quota: read at most once a minute, then counted locally."""

    used: int
    total: int


@dataclass
class Tick:
    """One pass over due posts: who we are, when it is, and what was read once per account."""

    deps: Deps
    now: datetime
    worker: str
    settings: Settings = DEFAULT
    quotas: dict[int, Quota] = field(default_factory=dict)
    accounts: dict[int, GraphAccount] = field(default_factory=dict)
    locks: defaultdict = field(default_factory=lambda: defaultdict(asyncio.Lock))
    behind: dict[int, timedelta] = field(default_factory=dict)  # how late the tick came for each post

    async def store(self, fn, *args, **kw):
        """Run a storage function."""
        return await self.deps.store.run(fn, *args, **kw)

    async def graph_account(self, account: dict) -> GraphAccount:
        """Return the account's GraphAccount, decrypted once per tick."""
        if account["id"] not in self.accounts:
            self.accounts[account["id"]] = await graph_account(self.deps.store, self.deps.cipher, account)
        return self.accounts[account["id"]]

    async def quota(self, account: dict) -> Quota:
        """Return the account's quota: the stored reading while it is fresh (counted locally since), else read
        content_publishing_limit and store the reading (so ticks, however fast, read it at most once a minute)."""
        if account["id"] not in self.quotas:
            stored = await self.store(rows.get_quota, account["id"])
            if stored and self.now - parse(stored["read_at"]) < self.settings.quota_fresh:
                quota = Quota(stored["used"], stored["total"])
            else:
                body = await graph_media.publishing_limit(self.deps.graph, await self.graph_account(account))
                config = body.get("config") or {}
                quota = Quota(int(body.get("quota_usage") or 0), int(config.get("quota_total") or 50))
                await self.store(rows.save_quota, account["id"], used=quota.used, total=quota.total,
                                 duration=int(config.get("quota_duration") or 86400), now=self.now)
            self.quotas[account["id"]] = quota
        return self.quotas[account["id"]]

    async def count(self, account: dict, quota: Quota, used: int) -> None:
        """Count the quota locally (a publish attempt, a refusal) and keep the count with the stored reading."""
        quota.used = used
        await self.store(rows.count_quota, account["id"], used=used)


async def publish_due(deps: Deps, *, now: datetime | None = None, worker: str | None = None,
                      settings: Settings | None = None) -> int:
    """Move every account's due posts as far as they can go, accounts side by side; return how many were claimed.

    Each account's due posts are claimed when its turn starts, not all at once up front.
    """
    if worker is None:
        async with deps.instance.working("posts") as worker:
            return await publish_due(deps, now=now, worker=worker, settings=settings)
    settings = settings or settings_for(deps.config.tick_seconds)
    tick = Tick(deps, now or now_of(deps), worker, settings)
    accounts = await tick.store(rows.due_accounts, now=tick.now)
    claimed = await asyncio.gather(*(_claim_account(tick, account_id) for account_id in accounts))
    await capture_story_insights(tick)
    return sum(claimed)


async def _claim_account(tick: Tick, account_id: int) -> int:
    """Claim one account's due posts and move them; return how many were claimed."""
    ids = await tick.store(rows.claim_due, worker=tick.worker, lease_seconds=tick.settings.lease_seconds,
                           now=tick.now, limit=tick.settings.claim_limit, account_id=account_id)
    await _account_posts(tick, ids)
    return len(ids)


async def publish_one(deps: Deps, post_id: int, *, now: datetime | None = None, worker: str | None = None,
                      settings: Settings | None = None) -> bool:
    """Claim one post now (Publish now, Retry, Check again) and move it; False if another worker holds it."""
    if worker is None:
        async with deps.instance.working("posts") as worker:
            return await publish_one(deps, post_id, now=now, worker=worker, settings=settings)
    settings = settings or settings_for(deps.config.tick_seconds)
    tick = Tick(deps, now or now_of(deps), worker, settings)
    if not await tick.store(rows.claim_one, post_id, worker=tick.worker, lease_seconds=settings.lease_seconds,
                            now=tick.now):
        return False
    await _account_posts(tick, [post_id])
    return True


async def _account_posts(tick: Tick, post_ids: list[int]) -> None:
    """An account's posts one after the other (the quota is counted locally between them)."""
    for post_id in post_ids:
        try:
            await advance(tick, post_id)
        except Exception as exc:  # a post that raises is set aside, never retried in a loop, and the others go on
            log.exception("post %s: unexpected error; set aside with the reason", post_id)
            await set_aside(tick, post_id, exc)
        finally:
            await tick.store(rows.release, post_id, worker=tick.worker)


AFTER_ERROR = {"publishing": "needs_check", "needs_check": "needs_check", "published": "published"}


async def set_aside(tick: Tick, post_id: int, exc: Exception) -> None:
    """Stop a post whose processing raised: an unknown outcome waits for Check again, a live post stays live,
    any other is failed with the reason (Retry in Slack, or `igbot failed retry`)."""
    reason = f"igbot hit an internal error ({type(exc).__name__}: {exc})"[:500]
    post = await tick.store(rows.get_post, post_id)
    if post is None or post["claimed_by"] != tick.worker:
        return
    state = AFTER_ERROR.get(post["state"], "failed")
    changes = {"state": state, "next_action_at": None, "error": post["error"] if state == "published" else reason}
    try:
        account = await tick.store(account_rows.get_account, post["account_id"])
        if account and state == "failed":
            await fail(tick, post, account, reason, keep_container=True)
            return
        if account and state == "needs_check":
            await _tell(tick, account, messages.needs_check({**post, **changes}, account),
                        f"post:{post_id}:needs_check:{post['publish_attempted_at']}", db_changes=changes, post=post)
            return
    except Exception:  # the notice itself failed: the post is still stopped, with its reason stored
        log.exception("post %s: the channel could not be told", post_id)
    await tick.store(rows.update, post_id, now=tick.now, **changes)


STEP_LIMIT = 12


async def advance(tick: Tick, post_id: int) -> None:
    """Run the post's state steps while each makes progress at once."""
    first = await tick.store(rows.get_post, post_id)
    if first and first["next_action_at"]:
        tick.behind[post_id] = max(timedelta(0), tick.now - parse(first["next_action_at"]))
    for _ in range(STEP_LIMIT):
        post = await tick.store(rows.get_post, post_id)
        if post is None or post["claimed_by"] != tick.worker:
            return
        account = await tick.store(account_rows.get_account, post["account_id"])
        if account is None:
            await tick.store(rows.update, post_id, now=tick.now, state="failed", next_action_at=None,
                             error="The account was removed from igbot.")
            return
        step = STEPS.get(post["state"], finish)
        try:
            again = await step(tick, post, account)
        except E.AccountNeedsReconnect as exc:
            await hold_reconnect(tick, post, exc.sentence)
            return
        except E.RateLimited as exc:
            resume = datetime.fromtimestamp(exc.retry_at, UTC) if exc.retry_at else tick.now + tick.settings.retry_every
            await tick.store(rows.update, post_id, worker=tick.worker, now=tick.now, next_action_at=iso(resume))
            return
        except E.TransientError as exc:
            log.info("post %s: %s; trying again next minute", post_id, exc.sentence)
            await tick.store(rows.update, post_id, worker=tick.worker, now=tick.now,
                             next_action_at=iso(tick.now + tick.settings.retry_every))
            return
        if not again:
            return


async def hold_reconnect(tick: Tick, post: dict, reason: str) -> None:
    """Hold a post whose account needs reconnecting; it resumes by itself once the account is active."""
    await tick.store(rows.update, post["id"], worker=tick.worker, now=tick.now, hold="reconnect",
                     hold_reason=reason[:300], next_action_at=iso(tick.now + tick.settings.retry_every))


async def _later(tick: Tick, post: dict, when: datetime, **changes: object) -> bool:
    await tick.store(rows.update, post["id"], worker=tick.worker, now=tick.now, next_action_at=iso(when), **changes)
    return False


async def _move(tick: Tick, post: dict, state: str, **changes: object) -> bool:
    """Move a post from its current state to another (only if nobody changed it meanwhile)."""
    return await tick.store(rows.update, post["id"], worker=tick.worker, states=(post["state"],), now=tick.now,
                            state=state, **changes)


async def _tell(tick: Tick, account: dict, payload: dict, key: str, *, db_changes: dict | None = None,
                post: dict | None = None) -> None:
    """Queue a channel message (once per key), with the post's change in the same transaction."""
    channel = (post.get("channel_id") if post else None) or account["channel_id"]
    await tick.store(rows.change_and_tell, post["id"] if post else None, now=tick.now, changes=db_changes,
                     channel_id=channel, account_id=account["id"], payload=payload, dedupe_key=key)
    tick.deps.outbox.wake()


async def _precheck(tick: Tick, post: dict, account: dict) -> bool | None:
    """Holds common to every step before publishing: reconnect and overdue. Return False when held."""
    if account.get("status") == "needs_reconnect":
        await hold_reconnect(tick, post, account.get("status_reason") or f"@{account['username']} needs reconnecting")
        return False
    if post.get("hold") == "reconnect":
        await tick.store(rows.update, post["id"], now=tick.now, hold=None, hold_reason=None)
    late = tick.behind.get(post["id"], timedelta(0))  # measured from when igbot should have acted
    if late > tick.settings.overdue_after and post["publish_attempts"] == 0 and post.get("hold") != "overdue":
        hours = (tick.now - parse(post["go_at"])).total_seconds() / 3600
        changes = {"hold": "overdue", "next_action_at": None,
                   "hold_reason": f"it was due {hours:.0f} h ago (igbot was not running); publish it now or cancel it"}
        held = {**post, **changes}
        await _tell(tick, account, messages.held(held, account, changes["hold_reason"], until=None),
                    f"post:{post['id']}:overdue:{post['go_at']}", db_changes=changes, post=post)
        return False
    return None


async def step_approval(tick: Tick, post: dict, account: dict) -> bool:
    """Past its time and not approved: remind the channel, and look again later."""
    if tick.now < parse(post["go_at"]):
        return await _later(tick, post, parse(post["go_at"]))
    await _tell(tick, account, messages.approval_reminder(post, account),
                f"post:{post['id']}:remind:{iso(tick.now)}",
                db_changes={"reminded_at": iso(tick.now),
                            "next_action_at": iso(tick.now + tick.settings.remind_every)}, post=post)
    return False


async def step_scheduled(tick: Tick, post: dict, account: dict) -> bool:
    """Time to create containers: check the 400-per-24 h container cap, then start creating."""
    held = await _precheck(tick, post, account)
    if held is False:
        return False
    items = await tick.store(rows.items_of, post["id"])
    needed = (len(items) + 1) if post["kind"] == "carousel" else 1
    window = tick.now - timedelta(hours=24)
    used = await tick.store(rows.containers_since, account["id"], window)
    if used + needed > tick.settings.container_cap:
        oldest = await tick.store(rows.oldest_container_since, account["id"], window)
        until = parse(oldest) + timedelta(hours=24) if oldest else tick.now + timedelta(hours=1)
        reason = f"@{account['username']} reached Instagram's limit of {tick.settings.container_cap} uploads a day"
        changes = {"hold": "containers", "hold_reason": reason, "hold_until": iso(until),
                   "next_action_at": iso(until), "hold_notified": "containers"}
        if post.get("hold_notified") != "containers":
            await _tell(tick, account, messages.held({**post, **changes}, account, reason, until=iso(until)),
                        f"post:{post['id']}:containers:{iso(until)}", db_changes=changes, post=post)
        else:
            await tick.store(rows.update, post["id"], now=tick.now, **changes)
        return False
    return await _move(tick, post, "creating", hold=None, hold_reason=None, hold_until=None)


def _child_params(item: dict) -> dict:
    options = json.loads(item.get("options") or "{}")
    if item["media"] == "video":
        params = {"video_url": item["url"], "media_type": "VIDEO"}
    else:
        params = {"image_url": item["url"]}
        if options.get("alt_text"):
            params["alt_text"] = options["alt_text"]
    if options.get("user_tags"):
        params["user_tags"] = options["user_tags"]
    return params


def _single_params(post: dict, item: dict) -> dict:
    options = json.loads(post.get("options") or "{}")
    item_options = json.loads(item.get("options") or "{}")
    if post["kind"] == "story":
        key = "video_url" if item["media"] == "video" else "image_url"
        params = {key: item["url"], "media_type": "STORIES"}
        if item_options.get("user_tags"):
            params["user_tags"] = item_options["user_tags"]
        return params
    if post["kind"] == "reel":
        params = {"video_url": item["url"], "media_type": "REELS"}
        for name in ("cover_url", "thumb_offset", "share_to_feed"):
            if options.get(name) is not None:
                params[name] = options[name]
    else:
        params = {"image_url": item["url"]}
        if item_options.get("alt_text"):
            params["alt_text"] = item_options["alt_text"]
    if item_options.get("user_tags"):
        params["user_tags"] = item_options["user_tags"]
    if post.get("caption"):
        params["caption"] = post["caption"]
    for name in ("location_id", "collaborators"):
        if options.get(name):
            params[name] = options[name]
    return params


def _parent_params(post: dict, children: list[str]) -> dict:
    options = json.loads(post.get("options") or "{}")
    params = {"media_type": "CAROUSEL", "children": children}
    if post.get("caption"):
        params["caption"] = post["caption"]
    for name in ("location_id", "collaborators"):
        if options.get(name):
            params[name] = options[name]
    return params


async def _create(tick: Tick, gaccount: GraphAccount, params: dict) -> str:
    media = dict(params)
    return (await graph_media.create_container(
        tick.deps.graph, gaccount, image_url=media.pop("image_url", None), video_url=media.pop("video_url", None),
        media_type=media.pop("media_type", None), caption=media.pop("caption", None),
        children=media.pop("children", None), is_carousel_item=media.pop("is_carousel_item", None), **media))["id"]


async def step_creating(tick: Tick, post: dict, account: dict) -> bool:
    """Create the containers that are missing, storing each id the moment Meta returns it."""
    held = await _precheck(tick, post, account)
    if held is False:
        return False
    gaccount = await tick.graph_account(account)
    items = await tick.store(rows.items_of, post["id"])
    try:
        if post["kind"] == "carousel":
            for item in items:
                if not item["container_id"]:
                    params = {**_child_params(item), "is_carousel_item": True}
                    cid = await _create(tick, gaccount, params)
                    await tick.store(rows.record_container, post_id=post["id"], account_id=account["id"],
                                     container_id=cid, now=tick.now, position=item["position"])
                    item["container_id"] = cid
            if not post["container_id"]:
                cid = await _create(tick, gaccount, _parent_params(post, [i["container_id"] for i in items]))
                await tick.store(rows.record_container, post_id=post["id"], account_id=account["id"],
                                 container_id=cid, now=tick.now)
        elif not post["container_id"]:
            cid = await _create(tick, gaccount, _single_params(post, items[0]))
            await tick.store(rows.record_container, post_id=post["id"], account_id=account["id"], container_id=cid,
                             now=tick.now)
    except E.ContainerMustBeRecreated as exc:
        log.info("post %s: %s; trying again", post["id"], exc.sentence)
        return await _later(tick, post, tick.now + tick.settings.retry_every)
    except (E.AccountNeedsReconnect, E.RateLimited, E.TransientError):
        raise
    except E.GraphError as exc:
        if exc.code == 9 and exc.subcode is None:  # Meta's own container cap
            until = tick.now + timedelta(hours=1)
            return await _later(tick, post, until, hold="containers", hold_reason=exc.sentence[:300],
                                hold_until=iso(until))
        return await fail(tick, post, account, exc.sentence, keep_container=False)
    return await _move(tick, post, "processing", poll_started_at=iso(tick.now))


async def _failing_child(tick: Tick, gaccount: GraphAccount, post: dict) -> E.GraphError | None:
    """For a carousel whose parent failed, find the child that failed and name its URL."""
    for item in await tick.store(rows.items_of, post["id"]):
        if item["container_id"]:
            status = await graph_media.container_status(tick.deps.graph, gaccount, item["container_id"])
            err = graph_media.container_error(status, item["url"])
            if err:
                return err
    return None


async def _url_of(tick: Tick, post: dict) -> str:
    items = await tick.store(rows.items_of, post["id"])
    return items[0]["url"] if len(items) == 1 else f"the carousel of {len(items)} items"


async def step_processing(tick: Tick, post: dict, account: dict) -> bool:
    """Poll the container about once a minute until FINISHED, ERROR or about 5 minutes past the due time."""
    held = await _precheck(tick, post, account)
    if held is False:
        return False
    if _too_old(tick, post):
        return await _recreate(tick, post)
    gaccount = await tick.graph_account(account)
    status = await graph_media.container_status(tick.deps.graph, gaccount, post["container_id"])
    code = status.get("status_code")
    if code == "FINISHED":
        return await _move(tick, post, "ready")
    if code == "PUBLISHED":
        return await _move(tick, post, "needs_check")
    if code == "EXPIRED":
        return await _recreate(tick, post)
    if code == "ERROR":
        err = (await _failing_child(tick, gaccount, post) if post["kind"] == "carousel" else None) \
            or graph_media.container_error(status, await _url_of(tick, post))
        return await fail(tick, post, account, err.sentence if err else "Instagram could not process the media.",
                          keep_container=False)
    started = parse(post["poll_started_at"] or post["container_created_at"] or iso(tick.now))
    give_up = max(parse(post["go_at"]), started) + tick.settings.poll_grace
    if tick.now >= give_up:
        url = await _url_of(tick, post)
        minutes = round((tick.now - started).total_seconds() / 60)
        return await fail(tick, post, account, f"Instagram was still processing {url} after {minutes} minutes; "
                          "Retry checks the same upload again first", keep_container=True)
    return await _later(tick, post, min(tick.now + tick.settings.poll_every, give_up))


def _too_old(tick: Tick, post: dict) -> bool:
    """Whether the post's container is older than 23 h (it would expire before or soon after publishing)."""
    created = post["container_created_at"]
    return bool(created) and tick.now - parse(created) > tick.settings.container_max_age


async def _recreate(tick: Tick, post: dict) -> bool:
    """Forget expired or too-old containers and start creating again."""
    await tick.store(rows.forget_containers, post["id"])
    return await _move(tick, post, "scheduled")


async def step_ready(tick: Tick, post: dict, account: dict) -> bool:
    """At its time, within the quota: mark `publishing`, then call media_publish once.

    Shortly before its time the quota is read, so that after it the post costs two calls: publish, permalink.
    """
    go_at = parse(post["go_at"])
    if tick.now < go_at - tick.settings.quota_ahead:
        return await _later(tick, post, go_at - tick.settings.quota_ahead)
    if tick.now < go_at:
        async with tick.locks[account["id"]]:
            await tick.quota(account)
        return await _later(tick, post, go_at)
    held = await _precheck(tick, post, account)
    if held is False:
        return False
    if _too_old(tick, post):
        return await _recreate(tick, post)
    async with tick.locks[account["id"]]:
        quota = await tick.quota(account)
        if quota.used >= quota.total:
            return await hold_quota(tick, post, account, quota)
        late = min(tick.behind.get(post["id"], timedelta(0)), tick.now - parse(post["go_at"]))
        note = post.get("late_note")
        if late > tick.settings.late_note_after and not note:
            note = f"It went out {_words(late)} late because igbot was not running at its time."
        attempt = iso(tick.now)
        if not await _move(tick, post, "publishing", publish_attempted_at=attempt, checks=0,
                           publish_attempts=post["publish_attempts"] + 1, late_note=note, hold=None,
                           hold_reason=None, hold_until=None, hold_notified=None):
            return False
        await tick.count(account, quota, quota.used + 1)  # before the call: an unknown outcome may have used it
        post = {**post, "state": "publishing", "publish_attempted_at": attempt}
        gaccount = await tick.graph_account(account)
        try:
            body = await graph_media.publish(tick.deps.graph, gaccount, post["container_id"],
                                             url=await _url_of(tick, post))
        except (E.OutcomeUnknown, E.TransientError, E.DuplicatePost) as exc:
            log.warning("post %s: publish outcome unknown (%s); checking the container", post["id"], exc.sentence)
            return await _move(tick, post, "needs_check", error=exc.sentence[:500], checks=0)
        except E.PublishingQuotaReached:
            await tick.count(account, quota, quota.total)
            await _move(tick, post, "ready")
            return await hold_quota(tick, {**post, "state": "ready"}, account, quota)
        except E.MediaNotReady:
            return await _move(tick, post, "processing", poll_started_at=iso(tick.now))
        except E.ContainerMustBeRecreated:
            await tick.store(rows.forget_containers, post["id"])
            return await _move(tick, post, "scheduled")
        except (E.AccountNeedsReconnect, E.RateLimited, E.TokenInvalid) as exc:
            await tick.count(account, quota, quota.used - 1)  # refused before anything was published
            await _move(tick, post, "ready")
            if isinstance(exc, E.TokenInvalid | E.AccountNeedsReconnect):
                await hold_reconnect(tick, post, exc.sentence)
                return False
            raise
        except E.GraphError as exc:
            return await fail(tick, post, account, exc.sentence, keep_container=False)
        await tick.store(rows.count_quota, account["id"], used=quota.used)  # what /ig accounts shows
    return await mark_published(tick, post, account, body.get("id"))


async def hold_quota(tick: Tick, post: dict, account: dict, quota: Quota) -> bool:
    """Hold a ready post until the quota frees up, and tell the channel once when it will go out."""
    times = await tick.store(rows.published_since, account["id"], tick.now - timedelta(hours=24))
    until = parse(times[0]) + timedelta(hours=24) if times else tick.now + timedelta(hours=1)
    until = max(until, tick.now + tick.settings.poll_every)
    reason = f"@{account['username']} used {quota.used} of its {quota.total} API posts in the last 24 hours"
    changes = {"hold": "quota", "hold_reason": reason, "hold_until": iso(until), "next_action_at": iso(until),
               "hold_notified": "quota"}
    if post.get("hold_notified") != "quota":
        await _tell(tick, account, messages.held({**post, **changes}, account, reason, until=iso(until)),
                    f"post:{post['id']}:quota:{iso(until)}", db_changes=changes, post=post)
    else:
        await tick.store(rows.update, post["id"], now=tick.now, **changes)
    return False


def _words(delta: timedelta) -> str:
    minutes = round(delta.total_seconds() / 60)
    return f"{minutes} minutes" if minutes < 120 else f"{minutes / 60:.1f} hours"


async def step_publishing(tick: Tick, post: dict, account: dict) -> bool:
    """Found `publishing` at claim time: a worker stopped mid-call, so the outcome is unknown."""
    return await _move(tick, post, "needs_check", checks=0,
                       error="igbot stopped while publishing, so the outcome was not known")


async def step_needs_check(tick: Tick, post: dict, account: dict) -> bool:
    """The container's status_code decides: PUBLISHED → find the media; FINISHED twice → publish again."""
    gaccount = await tick.graph_account(account)
    try:
        status = await graph_media.container_status(tick.deps.graph, gaccount, post["container_id"])
    except (E.TransientError, E.OutcomeUnknown) as exc:
        return await _check_later(tick, post, account, exc.sentence)
    code = status.get("status_code")
    if code == "PUBLISHED":
        media_id = await find_published(tick, gaccount, post)
        return await mark_published(tick, post, account, media_id)
    if code == "FINISHED":
        if post["checks"] == 0:  # re-checked one tick later before any new publish
            return await _later(tick, post, tick.now + timedelta(seconds=tick.deps.config.tick_seconds), checks=1)
        return await _move(tick, post, "ready", error=None)
    if code == "IN_PROGRESS":
        return await _move(tick, post, "processing", poll_started_at=iso(tick.now))
    if code == "EXPIRED":
        await tick.store(rows.forget_containers, post["id"])
        return await _move(tick, post, "scheduled", error=None)
    err = graph_media.container_error(status, await _url_of(tick, post))
    return await fail(tick, post, account, err.sentence if err else "Instagram could not process the media.",
                      keep_container=False)


async def _check_later(tick: Tick, post: dict, account: dict, reason: str) -> bool:
    checks = post["checks"] + 1
    if checks >= tick.settings.max_checks:
        changes = {"checks": checks, "next_action_at": None, "error": reason[:500]}
        await _tell(tick, account, messages.needs_check({**post, **changes}, account),
                    f"post:{post['id']}:needs_check:{post['publish_attempted_at']}", db_changes=changes, post=post)
        return False
    return await _later(tick, post, tick.now + tick.settings.retry_every, checks=checks)


async def find_published(tick: Tick, gaccount: GraphAccount, post: dict) -> str | None:
    """Find the media a PUBLISHED container became: same type, published after the attempt, same caption (feed),
    and not already the media of another of igbot's posts."""
    after = parse(post["publish_attempted_at"]) - timedelta(seconds=60)
    taken = await tick.store(rows.media_ids_since, post["account_id"], after - timedelta(days=1))
    source = (graph_media.stories(tick.deps.graph, gaccount) if post["kind"] == "story"
              else graph_media.list_media(tick.deps.graph, gaccount, limit=25, max_items=25))
    async for media in source:
        stamp = media.get("timestamp")
        try:
            moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S%z") if stamp else None
        except ValueError:
            moment = None
        if moment is None or moment < after or media.get("id") in taken:
            continue
        if media.get("media_product_type") and media["media_product_type"] != PRODUCT[post["kind"]]:
            continue
        if post["kind"] == "carousel" and media.get("media_type") not in (None, "CAROUSEL_ALBUM"):
            continue
        if post["kind"] in ("image", "carousel", "reel") and (media.get("caption") or "") != (post["caption"] or ""):
            continue
        return media.get("id")
    return None


async def mark_published(tick: Tick, post: dict, account: dict, media_id: str | None) -> bool:
    """Record success at once; the link, the first comment and the report follow (a crash resumes them)."""
    changes = {"media_id": media_id, "published_at": iso(tick.now), "report_state": "pending", "error": None,
               "next_action_at": iso(tick.now)}
    if post["kind"] == "story" and media_id:
        changes["insights_due_at"] = iso(tick.now + tick.settings.story_insights_after)
    if not await _move(tick, post, "published", **changes):
        return False
    await tick.store(rows.expire_uploads, post["id"], iso(tick.now + timedelta(hours=24)))
    tick.deps.metrics.posts_published.labels(kind=post["kind"]).inc()
    return True


async def finish(tick: Tick, post: dict, account: dict) -> bool:
    """After `published`: best-effort permalink, the first comment at most once, then the report."""
    if post["state"] != "published":
        await tick.store(rows.update, post["id"], now=tick.now, next_action_at=None)
        return False
    gaccount = None
    if post["media_id"] and not post["permalink"]:
        try:
            gaccount = await tick.graph_account(account)
            link = await graph_media.get_media(tick.deps.graph, gaccount, post["media_id"])
            if link.get("permalink"):
                await tick.store(rows.update, post["id"], now=tick.now, permalink=link["permalink"])
                post["permalink"] = link["permalink"]
        except E.GraphError as exc:  # a live post is never marked failed because the read-back failed
            log.info("post %s: permalink not read (%s)", post["id"], exc.sentence)
    if post["first_comment_state"] == "sending":  # a crash mid-call: never post it twice
        post["first_comment_state"], post["first_comment_error"] = "failed", "igbot stopped while posting it"
        await tick.store(rows.update, post["id"], now=tick.now, first_comment_state="failed",
                         first_comment_error=post["first_comment_error"])
    if post["first_comment_state"] == "pending" and post["media_id"]:
        await tick.store(rows.update, post["id"], now=tick.now, first_comment_state="sending")
        try:
            gaccount = gaccount or await tick.graph_account(account)
            await comment_on_media(tick.deps.graph, gaccount, post["media_id"], post["first_comment"])
            post["first_comment_state"] = "posted"
        except E.GraphError as exc:
            post["first_comment_state"], post["first_comment_error"] = "failed", exc.sentence[:300]
        await tick.store(rows.update, post["id"], now=tick.now, first_comment_state=post["first_comment_state"],
                         first_comment_error=post.get("first_comment_error"))
    if post["report_state"] == "pending":
        await _tell(tick, account, messages.published(post, account), f"post:{post['id']}:published",
                    db_changes={"report_state": "sent", "next_action_at": None}, post=post)
    else:
        await tick.store(rows.update, post["id"], now=tick.now, next_action_at=None)
    return False


async def fail(tick: Tick, post: dict, account: dict, sentence: str, *, keep_container: bool) -> bool:
    """Mark a post failed with the reason in plain words, and report it with Retry and Edit."""
    if not keep_container:
        await tick.store(rows.forget_containers, post["id"])
    changes = {"state": "failed", "error": sentence[:1000], "next_action_at": None}
    failed_post = {**post, **changes, "container_id": post["container_id"] if keep_container else None}

    if await tick.store(rows.change_and_tell, post["id"], now=tick.now, changes=changes, states=(post["state"],),
                        channel_id=post["channel_id"] or account["channel_id"], account_id=account["id"],
                        payload=messages.failed(failed_post, account),
                        dedupe_key=f"post:{post['id']}:failed:{post['updated_at']}"):
        tick.deps.outbox.wake()
        tick.deps.metrics.posts_failed.labels(kind=post["kind"]).inc()
    return False


STEPS = {
    "awaiting_approval": step_approval,
    "scheduled": step_scheduled,
    "creating": step_creating,
    "processing": step_processing,
    "ready": step_ready,
    "publishing": step_publishing,
    "needs_check": step_needs_check,
}


async def capture_story_insights(tick: Tick) -> None:
    """Read each story's insights about 23 h after igbot published it (before it disappears)."""
    for post in await tick.store(rows.stories_due_for_insights, now=tick.now):
        account = await tick.store(account_rows.get_account, post["account_id"])
        if account is None or account.get("status") == "needs_reconnect":
            continue
        try:
            gaccount = await tick.graph_account(account)
            values = await graph_insights.media_insights(tick.deps.graph, gaccount, post["media_id"],
                                                         metrics=STORY_METRICS)
            await tick.store(rows.save_story_insights, post, insights=values, too_few_viewers=False, now=tick.now)
        except E.PermissionDenied:  # code 10: fewer than 5 viewers
            await tick.store(rows.save_story_insights, post, insights=None, too_few_viewers=True, now=tick.now)
        except E.GraphError as exc:
            log.info("story %s: insights not read (%s)", post["id"], exc.sentence)
