"""`changes.atom`: what changed for fans, as an Atom 1.0 feed (RFC 4287).

A calendar app shows a moved or cancelled round only when it next fetches the feed,
and Google Calendar may hide a cancelled event altogether; a news reader tells a fan
the same day. The feed is its own record: the entries already published are read back
(`publication.read_notices`) and written again as they were, new ones first. It keeps
the newest `MAX_ENTRIES`, and trims the oldest while it is larger than `MAX_BYTES`, so
it never outgrows what the next export reads.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from html import escape

from rallycal.model import Series
from rallycal.plan import CHANGES, PAGE
from rallycal.publication import TIME, Notice

MAX_ENTRIES = 50
MAX_BYTES = 1024 * 1024
ATOM = "http://www.w3.org/2005/Atom"
SUBTITLE = (
    "Every round of the {name} that moves, is postponed, cancelled or renamed, and every "
    "new season's calendar, as soon as it is published."
)


def changes_feed(series: Series, entries: Sequence[Notice], now: datetime) -> tuple[bytes, int]:
    """The feed's bytes, and how many of `entries` (newest first) it holds."""
    kept = list(entries[:MAX_ENTRIES])
    while True:
        data = _atom(series, kept, kept[0].updated if kept else now)
        if len(data) <= MAX_BYTES or len(kept) <= 1:
            return data, len(kept)
        kept.pop()


def _atom(series: Series, entries: list[Notice], updated: datetime) -> bytes:
    """The same entries and time give the same bytes."""
    base = series.base_url
    feed_id = uuid.uuid5(uuid.NAMESPACE_URL, f"rallycal:{series.id}:changes")
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="{ATOM}">',
        f"  <id>urn:uuid:{feed_id}</id>",
        f"  <title>{_text(f'{series.short} calendar: changes')}</title>",
        f"  <subtitle>{_text(SUBTITLE.format(name=series.name))}</subtitle>",
    ]
    if base:
        self_link = _attr(base + CHANGES)
        lines.append(f'  <link rel="self" type="application/atom+xml" href={self_link}/>')
        lines.append(f'  <link rel="alternate" type="text/html" href={_attr(base + PAGE)}/>')
    lines += [
        f"  <updated>{updated.strftime(TIME)}</updated>",
        "  <author>",
        f"    <name>{_text(series.name)}</name>",
        *([f"    <uri>{_text(series.url)}</uri>"] if series.url else []),
        "  </author>",
    ]
    for notice in entries:
        link = notice.link
        lines += [
            "  <entry>",
            f"    <id>{_text(notice.id)}</id>",
            f"    <title>{_text(notice.title)}</title>",
            f"    <updated>{notice.updated.strftime(TIME)}</updated>",
            *([f'    <link rel="alternate" type="text/html" href={_attr(link)}/>'] if link else []),
            f'    <content type="text">{_text(notice.text)}</content>',
            "  </entry>",
        ]
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _clean(text: str) -> str:
    """Text an XML 1.0 document can hold (section 2.2) and that reads back as written."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(char if _xml_char(ord(char)) else "\ufffd" for char in text)


def _xml_char(code: int) -> bool:
    return code in (0x9, 0xA) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or (
        code >= 0x10000
    )


def _text(text: str) -> str:
    return escape(_clean(text), quote=False)


def _attr(text: str) -> str:
    return f'"{escape(_clean(text))}"'
