"""Which webhook fields an account is opted in to: `comments` for Instagram Login, a configurable list for Pages."""

from __future__ import annotations

import re

from storage.db import Store
from storage.meta import get_meta, set_meta

DEFAULT_PAGE_FIELDS = ("feed",)  # the Page enum has no `comments`; which value Meta needs is unconfirmed
PAGE_FIELDS_KEY = "page_subscribed_fields"
FIELD = re.compile(r"^[a-z_]{2,40}$")


def parse_page_fields(text: str) -> tuple[str, ...]:
    """Parse a comma-separated field list, or raise ValueError saying what is wrong."""
    fields = tuple(f.strip() for f in text.split(",") if f.strip())
    bad = [f for f in fields if not FIELD.match(f)]
    if not fields or bad:
        raise ValueError(f"page fields must be comma-separated Page webhook fields like feed,mention "
                         f"(not {', '.join(bad) or 'nothing'})")
    return fields


async def page_fields(store: Store) -> tuple[str, ...]:
    """Return the Page webhook fields Facebook-Login accounts are subscribed with."""
    stored = await store.run(get_meta, PAGE_FIELDS_KEY)
    return parse_page_fields(stored) if stored else DEFAULT_PAGE_FIELDS


async def set_page_fields(store: Store, fields: tuple[str, ...]) -> None:
    """Remember the Page webhook fields to use from now on."""
    await store.run(set_meta, PAGE_FIELDS_KEY, ",".join(fields))


async def account_fields(store: Store, login: str) -> list[str]:
    """Return the subscribed_fields to opt an account in with."""
    return ["comments"] if login == "instagram" else list(await page_fields(store))
