"""The compose modal's flow: open it, offer accounts, redraw on a choice, and queue (or save an edit) on submit."""

from __future__ import annotations

import json
import logging

from slack_sdk.web.async_client import AsyncWebClient

from bot import access
from bot.access import roles
from bot.blocks import escape
from bot.deps import Deps
from bot.posts import compose, messages, publisher, uploads
from bot.posts.compose import FieldErrors, Form
from bot.posts.queueing import queue_post, save_edit
from storage import accounts as account_rows
from storage import posts as rows
from storage import roles as role_rows

log = logging.getLogger(__name__)
MAX_OPTIONS = 100


async def publishable_accounts(deps: Deps, user_id: str, typed: str = "") -> list[dict]:
    """Accounts the person may publish to whose name contains what they typed (at most 100)."""
    grants = await deps.store.run(role_rows.roles_of, user_id)
    needle = typed.strip().lstrip("@").lower()
    out = []
    for account in await deps.store.run(account_rows.list_accounts):
        if needle and needle not in account["username"].lower():
            continue
        held = roles.role_on(account["username"], grants, user_id=user_id, admins=deps.config.admins)
        if roles.allows(held, "publisher"):
            out.append(account)
            if len(out) >= MAX_OPTIONS:
                break
    return out


async def account_options(deps: Deps, user_id: str, typed: str) -> list[dict]:
    """The account picker's options for what the person typed."""
    return [compose._option(f"@{a['username']}", a["username"])
            for a in await publishable_accounts(deps, user_id, typed)]


async def _zone(deps: Deps, username: str | None) -> str | None:
    account = username and await deps.store.run(account_rows.get_account_by_username, username)
    return account["timezone"] if account else None


async def render(deps: Deps, form: Form, channel_id: str | None) -> dict:
    """The modal for a form, with the chosen account's time zone and whether uploads are possible."""
    modal = compose.view(form, zone=await _zone(deps, form.account),
                         uploads_reason=uploads.unavailable_reason(deps))
    meta = json.loads(modal["private_metadata"])
    modal["private_metadata"] = json.dumps({**meta, "channel_id": channel_id})
    return modal


async def open_new(deps: Deps, client: AsyncWebClient, *, trigger_id: str, channel_id: str | None) -> None:
    """Open an empty compose modal (no Graph call)."""
    await client.views_open(trigger_id=trigger_id, view=await render(deps, Form(), channel_id))


async def open_edit(deps: Deps, client: AsyncWebClient, *, trigger_id: str, user_id: str, post_id: int,
                    channel_id: str | None) -> str | None:
    """Open the modal prefilled with a post that has no container yet; return a refusal sentence instead."""
    post = await deps.store.run(rows.get_post, post_id)
    account = post and await deps.store.run(account_rows.get_account, post["account_id"])
    if not post or not account:
        return f":x: There is no post #{post_id}."
    decision = await access.authorize(deps, user_id=user_id, account=account, needed="publisher",
                                      action="edit post", target=f"post {post_id}")
    if not decision.allowed:
        return decision.message
    items = await deps.store.run(rows.items_of, post_id)
    if not rows.editable(post, items):
        return (f":x: Post #{post_id} can no longer be edited: it is "
                f"{messages.STATE_WORDS.get(post['state'], post['state'])} and Instagram already has its media. "
                "Cancel it and queue a new one instead.")
    form = compose.form_of_post(post, items, account)
    await client.views_open(trigger_id=trigger_id, view=await render(deps, form, channel_id))
    return None


async def redraw(deps: Deps, client: AsyncWebClient, view: dict, action: dict) -> None:
    """After an account or type choice, show only that type's fields (values typed so far are kept)."""
    meta = json.loads(view.get("private_metadata") or "{}")
    values = json.loads(json.dumps((view.get("state") or {}).get("values") or {}))
    for block in view.get("blocks") or []:  # a choice made earlier shows as the element's initial option
        element = block.get("element") or {}
        if element.get("initial_option") and not values.get(block.get("block_id"), {}).get(element["action_id"]):
            values.setdefault(block["block_id"], {})[element["action_id"]] = {
                "type": element["type"], "selected_option": element["initial_option"]}
    values.setdefault(action["block_id"], {})[action["action_id"]] = {
        "type": action.get("type"), "selected_option": action.get("selected_option")}
    form = compose.read_state(values, view.get("private_metadata"))
    await client.views_update(view_id=view["id"], hash=view.get("hash"),
                              view=await render(deps, form, meta.get("channel_id")))


async def check(deps: Deps, user_id: str, view: dict) -> tuple[Form, dict, dict | None]:
    """Validate a submission without downloading anything; raise FieldErrors keyed by input block id.

    Return (form, account, draft-or-None when files still have to be fetched).
    """
    form = compose.read_state((view.get("state") or {}).get("values") or {}, view.get("private_metadata"))
    if not form.account:
        raise FieldErrors({"account": "Choose an account."})
    account = await deps.store.run(account_rows.get_account_by_username, form.account)
    if account is None:
        raise FieldErrors({"account": f"I know no account @{form.account}."})
    decision = await access.authorize(deps, user_id=user_id, account=account, needed="publisher",
                                      action="queue post")
    if not decision.allowed:
        raise FieldErrors({"account": decision.message})
    if form.files and uploads.unavailable_reason(deps):
        raise FieldErrors({"media": uploads.unavailable_reason(deps)})
    placeholders = []
    for file in form.files:
        try:
            placeholders.append({"url": "", "media": uploads.kind_of(file), "upload_file": file.get("id")})
            too_big = uploads.size_problem(file, story=form.kind == "story")
            if too_big:
                raise FieldErrors({"upload": too_big})
        except uploads.UploadError as exc:
            raise FieldErrors({"upload": str(exc)}) from None
    kept = await _kept_uploads(deps, form)
    compose.to_draft(form, zone=account["timezone"], now=publisher.now_of(deps), uploads=kept + placeholders,
                     defer=deps.config.check_media_urls)
    return form, account, None


async def _kept_uploads(deps: Deps, form: Form) -> list[dict]:
    """An edited post keeps the files uploaded for it."""
    if not form.post_id:
        return []
    return [{"url": i["url"], "media": i["media"], "upload_token": i["upload_token"]}
            for i in await deps.store.run(rows.items_of, form.post_id) if i.get("upload_token")]


async def finish(deps: Deps, client: AsyncWebClient, *, user_id: str, form: Form, account: dict,
                 channel_id: str | None) -> None:
    """After the ack: fetch uploads, build the draft again, queue or save it, and tell the person."""
    where = channel_id or account["channel_id"]
    fetched = []
    try:
        for file in form.files:
            token, content_type = await uploads.fetch_from_slack(deps, file["id"], now=publisher.now_of(deps))
            fetched.append({"url": uploads.public_url(deps, token), "media": uploads.MEDIA_OF[content_type],
                            "upload_token": token})
        now = publisher.now_of(deps)
        files = await _kept_uploads(deps, form) + fetched
        checking = deps.config.check_media_urls
        draft = compose.to_draft(form, zone=account["timezone"], now=now, uploads=files, defer=checking)
        if checking:
            from bot.posts import url_check

            problem, types = await url_check.probe_draft(deps, draft)
            if problem:
                await _tell(client, where, user_id, f":x: {escape(problem)} Nothing was queued.")
                return
            # the fetched Content-Types decide each item's kind, so the rules run again with them
            draft = compose.to_draft(form, zone=account["timezone"], now=now, uploads=files, fetched=types)
    except (uploads.UploadError, FieldErrors) as exc:
        await _tell(client, where, user_id, f":x: {escape(str(exc))} Nothing was queued.")
        return
    if form.post_id:
        post = await save_edit(deps, post_id=form.post_id, account=account, draft=draft, editor=user_id,
                               now=publisher.now_of(deps))
        if post is None:
            await _tell(client, where, user_id, f":x: Post #{form.post_id} changed meanwhile and can no longer be "
                                                "edited; nothing was saved.")
            return
        await access.record(deps, user_id=user_id, action="edit post", account=account, result="ok",
                            target=f"post {post['id']}")
        await _tell(client, where, user_id, f":pencil2: Saved. {messages.queued_text(post, account)}")
    else:
        post = await queue_post(deps, account=account, draft=draft, author=user_id, channel_id=channel_id,
                                now=publisher.now_of(deps))
        await access.record(deps, user_id=user_id, action="queue post", account=account, result="ok",
                            target=f"post {post['id']}")
        await _tell(client, where, user_id, messages.queued_text(post, account))
    if draft.when is None and post["state"] == "scheduled":
        await publisher.publish_one(deps, post["id"])


async def _tell(client: AsyncWebClient, channel: str, user: str, text: str) -> None:
    from slack_sdk.errors import SlackApiError

    try:
        await client.chat_postEphemeral(channel=channel, user=user, text=text)
    except SlackApiError as exc:
        log.warning("could not tell %s ephemerally: %s", user, exc.response.get("error"))
