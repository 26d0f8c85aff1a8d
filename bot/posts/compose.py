"""The compose modal: its view for each post type, and turning a submission into a checked Draft."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.posts import rules
from bot.posts.rules import Draft, PostInputError
from bot.posts.when import _real

CALLBACK = "post_compose"
ACCOUNT_ACTION, TYPE_ACTION = "compose_account", "compose_type"
TYPES = {"feed": "Image or carousel", "reel": "Reel", "story": "Story"}
VERBS = {"feed": "post", "reel": "reel", "story": "story"}
TAG = re.compile(r"@([\w.]+)(?:\s*\[\s*([0-9.]+)\s*,\s*([0-9.]+)\s*\])?")
NUMBERED = re.compile(r"^\s*(\d{1,2})\s*[:.)]\s*(.*)$")
CAPTION_HINT = (f"Up to {rules.CAPTION_CHARS:,} characters, {rules.CAPTION_HASHTAGS} hashtags and "
                f"{rules.CAPTION_MENTIONS} @mentions.")
# Which fields each type shows (block ids), in order after account, type and media.
FIELDS = {
    "feed": ("caption", "alt_text", "user_tags", "location", "collaborators", "first_comment"),
    "reel": ("caption", "cover_url", "share_to_feed", "thumb_offset", "user_tags", "location", "collaborators",
             "first_comment"),
    "story": ("user_tags",),
}


@dataclass
class Form:
    """What the modal holds: the chosen account and type, and every field's text (by block id)."""

    account: str | None = None
    kind: str = "feed"
    values: dict = field(default_factory=dict)  # block id -> str | list[str] | bool
    files: list[dict] = field(default_factory=list)
    post_id: int | None = None


def _text(label: str, block_id: str, *, value: str | None = None, multiline: bool = False, hint: str | None = None,
          placeholder: str | None = None, optional: bool = True, max_length: int = 3000) -> dict:
    element = {"type": "plain_text_input", "action_id": block_id, "multiline": multiline, "max_length": max_length}
    if value:
        element["initial_value"] = value
    if placeholder:
        element["placeholder"] = {"type": "plain_text", "text": placeholder}
    block = {"type": "input", "block_id": block_id, "optional": optional,
             "label": {"type": "plain_text", "text": label}, "element": element}
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def _option(text: str, value: str) -> dict:
    return {"text": {"type": "plain_text", "text": text[:75]}, "value": value}


def view(form: Form, *, zone: str | None, uploads_reason: str | None) -> dict:
    """The modal for a form: only the chosen type's fields; uploads hidden with the reason when not possible."""
    account = {"type": "external_select", "action_id": ACCOUNT_ACTION, "min_query_length": 0,
               "placeholder": {"type": "plain_text", "text": "Type to search your accounts"}}
    if form.account:
        account["initial_option"] = _option(f"@{form.account}", form.account)
    kind = {"type": "static_select", "action_id": TYPE_ACTION,
            "options": [_option(text, value) for value, text in TYPES.items()],
            "initial_option": _option(TYPES[form.kind], form.kind)}
    v = form.values
    blocks = [
        {"type": "input", "block_id": "account", "dispatch_action": True, "label": {"type": "plain_text",
                                                                                     "text": "Account"},
         "element": account},
        {"type": "input", "block_id": "type", "dispatch_action": True,
         "label": {"type": "plain_text", "text": "Type"}, "element": kind},
        _text("Media URLs, one per line", "media", value=v.get("media"), multiline=True,
              optional=uploads_reason is None,
              hint={"feed": "One JPEG for an image; 2–10 JPEGs and videos for a carousel, in order.",
                    "reel": "One MP4 or MOV video.", "story": "One JPEG image or MP4/MOV video."}[form.kind]),
    ]
    if uploads_reason is None:
        blocks.append({"type": "input", "block_id": "upload", "optional": True,
                       "label": {"type": "plain_text", "text": "Or upload JPEG/MP4 files"},
                       "element": {"type": "file_input", "action_id": "upload", "filetypes": ["jpg", "jpeg", "mp4"],
                                   "max_files": 10},
                       "hint": {"type": "plain_text", "text": "Uploads come after the URLs above."}})
    else:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"Uploads: {uploads_reason}"}]})
    carousel = form.kind == "feed"
    for block_id in FIELDS[form.kind]:
        blocks.append(_field(block_id, v, carousel=carousel))
    blocks += _time_blocks(v, zone)
    approval = {"type": "checkboxes", "action_id": "needs_approval",
                "options": [_option("Needs approval before it goes out", "yes")]}
    if v.get("needs_approval"):
        approval["initial_options"] = [_option("Needs approval before it goes out", "yes")]
    blocks.append({"type": "input", "block_id": "needs_approval", "optional": True,
                   "label": {"type": "plain_text", "text": "Approval"}, "element": approval})
    return {"type": "modal", "callback_id": CALLBACK,
            "private_metadata": json.dumps({"post_id": form.post_id}),
            "title": {"type": "plain_text", "text": "Edit post" if form.post_id else "New post"},
            "submit": {"type": "plain_text", "text": "Save" if form.post_id else "Queue"},
            "close": {"type": "plain_text", "text": "Cancel"}, "blocks": blocks}


def _field(block_id: str, v: dict, *, carousel: bool) -> dict:
    value = v.get(block_id)
    if block_id == "caption":
        return _text("Caption", "caption", value=value, multiline=True, hint=CAPTION_HINT, max_length=3000)
    if block_id == "alt_text":
        return _text("Alt text", "alt_text", value=value, multiline=True,
                     hint="On a carousel, one line per item: `2: A red chair`." if carousel else None)
    if block_id == "user_tags":
        return _text("User tags", "user_tags", value=value, multiline=carousel,
                     hint="@name [x,y] with x and y from 0 to 1 (images default to 0.5,0.5)"
                          + ("; on a carousel one line per item: `1: @anna [0.2,0.8] @ben`." if carousel else "."))
    if block_id == "location":
        return _text("Location (Page ID)", "location", value=value, max_length=40)
    if block_id == "collaborators":
        return _text("Collaborators", "collaborators", value=value, hint="Up to 3 usernames, e.g. @anna @ben.")
    if block_id == "first_comment":
        return _text("First comment", "first_comment", value=value, multiline=True, max_length=2200)
    if block_id == "cover_url":
        return _text("Cover image URL", "cover_url", value=value, placeholder="https://…/cover.jpg")
    if block_id == "thumb_offset":
        return _text("Thumbnail at (milliseconds)", "thumb_offset", value=value, max_length=9)
    share = {"type": "checkboxes", "action_id": "share_to_feed",
             "options": [_option("Also show in the main feed", "yes")]}
    if value is not False:
        share["initial_options"] = [_option("Also show in the main feed", "yes")]
    return {"type": "input", "block_id": "share_to_feed", "optional": True,
            "label": {"type": "plain_text", "text": "Share to feed"}, "element": share}


def _time_blocks(v: dict, zone: str | None) -> list[dict]:
    label = f"Publish on ({zone})" if zone else "Publish on (choose the account first for its time zone)"
    datepicker = {"type": "datepicker", "action_id": "when_date"}
    if v.get("when_date"):
        datepicker["initial_date"] = v["when_date"]
    timepicker = {"type": "timepicker", "action_id": "when_time"}
    if zone:
        timepicker["timezone"] = zone
    if v.get("when_time"):
        timepicker["initial_time"] = v["when_time"]
    return [
        {"type": "input", "block_id": "when_date", "optional": True, "label": {"type": "plain_text", "text": label},
         "element": datepicker, "hint": {"type": "plain_text", "text": "Leave the date empty to publish now."}},
        {"type": "input", "block_id": "when_time", "optional": True,
         "label": {"type": "plain_text", "text": f"At ({zone})" if zone else "At"}, "element": timepicker},
    ]


def read_state(state: dict, private_metadata: str | None) -> Form:
    """Read the modal's state.values back into a Form."""
    form = Form(post_id=(json.loads(private_metadata or "{}") or {}).get("post_id"))
    for block_id, entries in (state or {}).items():
        for entry in entries.values():
            kind = entry.get("type")
            if block_id == "account":
                form.account = (entry.get("selected_option") or {}).get("value")
            elif block_id == "type":
                form.kind = (entry.get("selected_option") or {}).get("value") or "feed"
            elif kind == "checkboxes":
                form.values[block_id] = bool(entry.get("selected_options"))
            elif kind == "datepicker":
                form.values[block_id] = entry.get("selected_date")
            elif kind == "timepicker":
                form.values[block_id] = entry.get("selected_time")
            elif kind == "file_input":
                form.files = list(entry.get("files") or [])
            else:
                form.values[block_id] = entry.get("value")
    if form.kind not in TYPES:
        form.kind = "feed"
    return form


class FieldErrors(Exception):
    """The form breaks rules; `errors` maps input block ids to sentences."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def when_of(form: Form, zone: str, now: datetime) -> datetime | None:
    """The chosen moment in the account's zone (None: now); raise FieldErrors for a half-filled or past time."""
    day, at = form.values.get("when_date"), form.values.get("when_time")
    if not day and not at:
        return None
    if not day:
        raise FieldErrors({"when_date": "Pick a date too, or clear the time to publish now."})
    try:
        chosen = date.fromisoformat(day)
        clock = time.fromisoformat(at) if at else time(9, 0)
    except ValueError:
        raise FieldErrors({"when_date": "That date or time is not valid."}) from None
    tz = ZoneInfo(zone)
    moment = _real(datetime.combine(chosen, clock, tzinfo=tz), tz)
    if moment <= now:
        raise FieldErrors({"when_time" if at else "when_date":
                           f"{moment.strftime('%Y-%m-%d %H:%M')} {zone} is in the past; pick a later time "
                           "or leave the date empty to publish now."})
    return moment


def parse_tags(text: str, *, video: bool) -> list[dict]:
    """Read `@name [x,y] @other` into Graph user_tags (images default to 0.5,0.5; videos carry no x,y)."""
    leftover = TAG.sub("", text).strip(" ,;")
    if leftover:
        raise PostInputError(f"User tags look like `@name [x,y]`; I could not read `{leftover[:40]}`.")
    tags = []
    for name, x, y in TAG.findall(text):
        tag: dict = {"username": name}
        if not video:
            try:
                tag["x"], tag["y"] = (float(x), float(y)) if x else (0.5, 0.5)
            except ValueError:
                raise PostInputError(f"The position of @{name} is not two numbers like [0.5,0.5].") from None
            if not (0 <= tag["x"] <= 1 and 0 <= tag["y"] <= 1):
                raise PostInputError(f"The position of @{name} must be between 0 and 1, like [0.5,0.5].")
        tags.append(tag)
    return tags


def per_item(text: str | None, count: int, *, what: str) -> dict[int, str]:
    """Split `N: …` lines into {item index: text}; a single item takes unnumbered text."""
    if not text or not text.strip():
        return {}
    if count == 1 and not NUMBERED.match(text.splitlines()[0]):
        return {0: text.strip()}
    out: dict[int, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        match = NUMBERED.match(line)
        if not match:
            raise PostInputError(f"On a carousel, start each {what} line with the item number, like `2: …`.")
        number = int(match.group(1))
        if not 1 <= number <= count:
            raise PostInputError(f"{what.capitalize()} line `{line.strip()[:40]}` names item {number}; "
                                 f"there are {count} items.")
        out[number - 1] = (out.get(number - 1, "") + " " + match.group(2)).strip()
    return out


def _checked(block_id: str, fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except PostInputError as exc:
        raise FieldErrors({block_id: str(exc)}) from None


def to_draft(form: Form, *, zone: str, now: datetime, uploads: list[dict], fetched: dict[str, str] | None = None,
             defer: bool = False) -> Draft:
    """Check the form with the same rules as the slash command; raise FieldErrors keyed by block id.

    `fetched`/`defer` as in rules.build_draft (IGBOT_CHECK_MEDIA_URLS=1: the servers' Content-Types decide).
    """
    v = form.values
    urls = [rules.unwrap_url(line.strip()) for line in (v.get("media") or "").splitlines() if line.strip()]
    when = when_of(form, zone, now)
    caption = (v.get("caption") or "").strip() or None if form.kind != "story" else None
    problem = rules.caption_problem(caption)
    if problem:
        raise FieldErrors({"caption": problem})
    draft = _checked("media", rules.build_draft, VERBS[form.kind], urls, caption, when=when, uploads=uploads,
                     fetched=fetched, defer=defer)
    draft.when = when
    count = len(draft.items)
    alts = _checked("alt_text", per_item, v.get("alt_text"), count, what="alt text")
    tags = _checked("user_tags", per_item, v.get("user_tags"), count, what="user tag")
    for index, item in enumerate(draft.items):
        options = dict(item.get("options") or {})
        if index in alts and item["media"] == "image":
            options["alt_text"] = alts[index]
        if index in tags:
            options["user_tags"] = _checked("user_tags", parse_tags, tags[index], video=item["media"] == "video")
        item["options"] = options
    options: dict = {}
    if form.kind != "story":
        names = re.findall(r"@?([\w.]+)", v.get("collaborators") or "")
        _checked("collaborators", rules.check_collaborators, names)
        if names:
            options["collaborators"] = names
        location = (v.get("location") or "").strip()
        if location:
            if not location.isdigit():
                raise FieldErrors({"location": "A location is the numeric ID of a Facebook Page with an address."})
            options["location_id"] = location
        draft.first_comment = (v.get("first_comment") or "").strip() or None
    if form.kind == "reel":
        cover = (v.get("cover_url") or "").strip()
        if cover:
            _checked("cover_url", rules.check_item_url, rules.unwrap_url(cover), allowed=("image", rules.UNKNOWN),
                     what="The cover", fetched=fetched, defer=defer)
            options["cover_url"] = rules.unwrap_url(cover)
        offset = (v.get("thumb_offset") or "").strip()
        if offset:
            if not offset.isdigit():
                raise FieldErrors({"thumb_offset": "The thumbnail offset is a whole number of milliseconds, "
                                                   "like 1500."})
            options["thumb_offset"] = int(offset)
        options["share_to_feed"] = bool(v.get("share_to_feed", True))
    draft.options = options
    draft.needs_approval = bool(v.get("needs_approval"))
    return draft


def form_of_post(post: dict, items: list[dict], account: dict) -> Form:
    """A stored post as a prefilled form (for Edit)."""
    options = json.loads(post.get("options") or "{}")
    kind = post["kind"] if post["kind"] in ("reel", "story") else "feed"
    v: dict = {"media": "\n".join(i["url"] for i in items if not i.get("upload_token")),
               "caption": post.get("caption") or None, "first_comment": post.get("first_comment") or None,
               "needs_approval": bool(post.get("needs_approval"))}
    many = len(items) > 1
    alts, tags = [], []
    for n, item in enumerate(items, 1):
        item_options = json.loads(item.get("options") or "{}")
        prefix = f"{n}: " if many else ""
        if item_options.get("alt_text"):
            alts.append(prefix + item_options["alt_text"])
        if item_options.get("user_tags"):
            tags.append(prefix + " ".join(
                f"@{t['username']}" + (f" [{t['x']},{t['y']}]" if "x" in t else "") for t in item_options["user_tags"]))
    v["alt_text"] = "\n".join(alts) or None
    v["user_tags"] = "\n".join(tags) or None
    if options.get("collaborators"):
        v["collaborators"] = " ".join(f"@{n}" for n in options["collaborators"])
    v["location"] = options.get("location_id")
    v["cover_url"] = options.get("cover_url")
    if options.get("thumb_offset") is not None:
        v["thumb_offset"] = str(options["thumb_offset"])
    if "share_to_feed" in options:
        v["share_to_feed"] = bool(options["share_to_feed"])
    due = datetime.fromisoformat(post["due_at"]).astimezone(ZoneInfo(account["timezone"]))
    v["when_date"], v["when_time"] = due.date().isoformat(), due.strftime("%H:%M")
    return Form(account=account["username"], kind=kind, values={k: x for k, x in v.items() if x is not None},
                post_id=post["id"])
