"""File upload v2: files.getUploadURLExternal, the upload URL, files.completeUploadExternal, files.info."""

from __future__ import annotations

import mimetypes
import secrets
import struct
from typing import TYPE_CHECKING

from aiohttp import web

from .errors import SlackError, invalid_arguments
from .requests import Call, json_arg, required
from .state import File, Message

if TYPE_CHECKING:
    from .server import SlackEmulator

IMAGE_TYPES = {"png", "jpg", "jpeg", "gif"}


def get_upload_url(emu: SlackEmulator, args: dict) -> dict:
    """Reserve a file id and hand out an upload URL on the emulator."""
    name = required(args, "filename")
    try:
        length = int(args.get("length") or 0)
    except (TypeError, ValueError):
        length = 0
    if length <= 0:
        raise invalid_arguments(["missing required field: length"])
    f = File(
        id=emu.ws.ids.next("F"),
        name=name,
        length=length,
        user=emu.ws.bot_user_id,
        created=int(emu.now()),
        alt_txt=args.get("alt_txt") or None,
    )
    emu.ws.files[f.id] = f
    token = secrets.token_urlsafe(12)
    emu.ws.upload_tokens[token] = f.id
    return {"upload_url": f"{emu.base_url}upload/v1/{token}", "file_id": f.id}


async def handle_upload(emu: SlackEmulator, request: web.Request) -> web.Response:
    """Take the bytes of an upload (raw body or multipart); answer ``OK - <n>`` as Slack does."""
    call = Call(
        method="upload",
        args={},
        token=None,
        http_method=request.method,
        content_type=request.content_type or "",
        at=emu.now(),
    )
    emu.calls.append(call)
    fault = emu.faults.take("upload")
    if fault is not None:
        call.status, call.response = fault.status if fault.status != 200 else 500, fault.body()
        return web.Response(status=call.status, text=fault.error)
    file_id = emu.ws.upload_tokens.get(request.match_info["token"])
    if file_id is None:
        call.status = 404
        return web.Response(status=404, text="Not Found")
    if request.content_type == "multipart/form-data":
        form = await request.post()
        part = next((v for v in form.values() if hasattr(v, "file")), None)
        data = part.file.read() if part is not None else b""
    else:
        data = await request.read()
    emu.ws.files[file_id].data = data
    call.args = {"file_id": file_id, "size": len(data)}
    call.response = {"ok": True}
    return web.Response(text=f"OK - {len(data)}")


def complete_upload(emu: SlackEmulator, args: dict) -> dict:
    """Finish uploads and share them to at most one channel; sharing happens once processing ends."""
    items = json_arg(args, "files", "invalid_arguments")
    if not isinstance(items, list) or not items:
        raise invalid_arguments(["missing required field: files"])
    files = []
    for item in items:
        f = emu.ws.files.get(str(item.get("id") if isinstance(item, dict) else ""))
        if f is None or f.data is None or f.completed:
            raise SlackError("file_not_found")
        files.append((f, item))
    targets = [c for c in str(args.get("channels") or "").split(",") if c]
    if args.get("channel_id"):
        targets = [str(args["channel_id"])]
    thread_ts = args.get("thread_ts") or None
    if thread_ts and len(targets) != 1:
        raise invalid_arguments(["thread_ts requires exactly one channel"])
    for cid in targets:
        ch = emu.ws.channels.get(cid)
        if ch is None or not emu.ws.can_see(ch):
            raise SlackError("channel_not_found")
        if ch.is_archived:
            raise SlackError("is_archived")
        if emu.ws.bot_user_id not in ch.members:
            raise SlackError("not_in_channel")
        if thread_ts and ch.message(str(thread_ts)) is None:
            raise SlackError("thread_not_found")
    comment = args.get("initial_comment") or None
    blocks = None if comment else json_arg(args, "blocks", "invalid_blocks_format")
    now = emu.now()
    for f, item in files:
        f.completed, f.title = True, item.get("title") or f.name
        f.processed_at = now + emu.file_processing_seconds
    if targets:
        files[0][0].share_to.append((targets[0], thread_ts, comment or "", blocks))
        for f, _ in files[1:]:
            f.share_to.append((targets[0], thread_ts, "", None))
    emu.settle()
    return {"files": [{"id": f.id, "title": f.title} for f, _ in files]}


def settle(emu: SlackEmulator) -> None:
    """Post the share messages of files whose processing has finished."""
    now = emu.now()
    for f in emu.ws.files.values():
        if not f.share_to or not f.is_processed(now):
            continue
        for cid, thread_ts, comment, blocks in f.share_to:
            ch = emu.ws.channels[cid]
            msg = Message(
                ts=emu.ws.ids.ts(now),
                channel=cid,
                user=emu.ws.bot_user_id,
                text=comment,
                blocks=blocks,
                bot_id=emu.ws.bot_id,
                app_id=emu.ws.app_id,
                thread_ts=thread_ts,
                files=[file_object(emu, f)],
            )
            emu.ws.add_message(ch, msg)
            kind = "private" if ch.is_private else "public"
            share = {
                "reply_users": [],
                "reply_users_count": 0,
                "reply_count": 0,
                "ts": msg.ts,
                "channel_name": ch.name,
                "team_id": emu.ws.team_id,
                "share_user_id": emu.ws.bot_user_id,
                "source": "UNKNOWN",
                "is_silent_share": False,
            }
            if thread_ts:
                share["thread_ts"] = thread_ts
            f.shares.setdefault(kind, {}).setdefault(cid, []).append(share)
        f.share_to = []


def info(emu: SlackEmulator, args: dict) -> dict:
    """Describe a completed file; thumbnails and shares appear only once it is processed."""
    f = emu.ws.files.get(str(args.get("file") or ""))
    if f is None or not f.completed:
        raise SlackError("file_not_found")
    return {"file": file_object(emu, f), "comments": [], "response_metadata": {"next_cursor": ""}}


def file_object(emu: SlackEmulator, f: File) -> dict:
    """Return Slack's file object."""
    ext = f.name.rsplit(".", 1)[-1].lower() if "." in f.name else "binary"
    mime = mimetypes.guess_type(f.name)[0] or "application/octet-stream"
    team, domain = emu.ws.team_id, emu.ws.team_domain
    private = f"https://files.slack.com/files-pri/{team}-{f.id}/{f.name}"
    d = {
        "id": f.id,
        "created": f.created,
        "timestamp": f.created,
        "name": f.name,
        "title": f.title or f.name,
        "mimetype": mime,
        "filetype": ext,
        "pretty_type": ext.upper(),
        "user": f.user,
        "user_team": team,
        "editable": False,
        "size": len(f.data or b""),
        "mode": "hosted",
        "is_external": False,
        "external_type": "",
        "is_public": "public" in f.shares,
        "public_url_shared": False,
        "display_as_bot": False,
        "username": "",
        "url_private": private,
        "url_private_download": f"{emu.base_url}files-pri/{team}-{f.id}/download/{f.name}",
        "permalink": f"https://{domain}.slack.com/files/{f.user}/{f.id}/{f.name}",
        "permalink_public": f"https://slack-files.com/{team}-{f.id}-{f.id[-6:].lower()}",
        "channels": list(f.shares.get("public", {})),
        "groups": list(f.shares.get("private", {})),
        "ims": [],
        "shares": {k: {c: [dict(s) for s in v] for c, v in chans.items()} for k, chans in f.shares.items()},
        "comments_count": 0,
    }
    if f.alt_txt:
        d["alt_txt"] = f.alt_txt
    if ext in IMAGE_TYPES and f.is_processed(emu.now()):
        for size in (64, 80, 360, 480, 720):
            d[f"thumb_{size}"] = f"{private.rsplit('/', 1)[0]}/{f.name}_{size}.{ext}"
        dims = png_size(f.data or b"")
        if dims:
            d["original_w"], d["original_h"] = dims
    return d


def png_size(data: bytes) -> tuple[int, int] | None:
    """Return (width, height) of PNG bytes, or None."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    return None


def check_slack_file(emu: SlackEmulator, ref: dict) -> str | None:
    """Return why an image block cannot show this ``slack_file`` yet, or None if it can."""
    now = emu.now()
    f = None
    if "id" in ref:
        f = emu.ws.files.get(str(ref["id"]))
    else:
        for cand in emu.ws.files.values():
            obj_private = f"https://files.slack.com/files-pri/{emu.ws.team_id}-{cand.id}/{cand.name}"
            obj_link = f"https://{emu.ws.team_domain}.slack.com/files/{cand.user}/{cand.id}/{cand.name}"
            if ref.get("url") in (obj_private, obj_link):
                f = cand
    if f is None or not f.is_processed(now):
        return "invalid slack file"
    ext = f.name.rsplit(".", 1)[-1].lower() if "." in f.name else ""
    if ext not in IMAGE_TYPES:
        return "invalid slack file: unsupported file type"
    return None


def add_user_file(emu: SlackEmulator, user: str, name: str, data: bytes) -> dict:
    """A file a person uploaded themselves (e.g. through a modal's file_input); return its file object."""
    now = emu.now()
    f = File(id=emu.ws.ids.next("F"), name=name, length=len(data), user=user, created=int(now), data=data,
             completed=True, processed_at=now)
    emu.ws.files[f.id] = f
    return file_object(emu, f)


async def handle_download(emu: SlackEmulator, request: web.Request) -> web.Response:
    """Serve a file's bytes at ``url_private_download``; like Slack, only with a token in Authorization."""
    auth = request.headers.get("Authorization", "")
    call = Call(method="files.download", args={"file": request.match_info["file"]}, token=auth[7:] or None,
                http_method=request.method, content_type="", at=emu.now())
    emu.calls.append(call)
    team, _, file_id = request.match_info["file"].partition("-")
    f = emu.ws.files.get(file_id)
    if auth != f"Bearer {emu.bot_token}":
        # Slack answers an unauthenticated download with its sign-in page, not the file.
        call.status = 302
        return web.Response(status=302, headers={"Location": f"https://{emu.ws.team_domain}.slack.com/"})
    if f is None or team != emu.ws.team_id or f.data is None or request.match_info["name"] != f.name:
        call.status = 404
        return web.Response(status=404, text="Not Found")
    call.status = 200
    mime = mimetypes.guess_type(f.name)[0] or "application/octet-stream"
    return web.Response(body=f.data, content_type=mime)
