"""`changes.atom`: what changed for fans, export by export, as an Atom 1.0 feed (RFC 4287).

A calendar app shows a moved or cancelled round only when it next fetches the feed,
and Google Calendar may hide a cancelled event altogether; a news reader tells a fan
the same day. One entry per export in which a round's days, times, venue, status or
name changed, or rounds were added, removed or archived, in plain words; not when
only wording, links or the base URL changed. Newest first, the last `MAX_ENTRIES`.

The feed is its own record: the entries already published are read back from the
last `changes.atom` (defensively: a size cap, no DTD, the bundled expat; anything
damaged starts the feed afresh, with a warning) and written again byte for byte, so
an export that changes nothing changes no byte. An entry's id and time are set once,
when it is first published (`urn:uuid:` from the series and the export time).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

from rallycal.feeds import CHANGES, PAGE, UID_DOMAIN
from rallycal.model import Championship, Round, Season
from rallycal.wording import STATUS_LABELS, clock, day, day_span

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

    from rallycal.build import EventChange

MAX_ENTRIES = 50  # the feed keeps the newest entries only
MAX_BYTES = 2 * 1024 * 1024  # a last changes.atom larger than this is not one rallycal wrote
ATOM = "http://www.w3.org/2005/Atom"
_A = f"{{{ATOM}}}"
_TIME = "%Y-%m-%dT%H:%M:%SZ"
# Patterns compiled on first need (by `re`, which keeps them): the first export into a
# folder reads no earlier feed, so it needs none of them.
_ID = r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# Characters no XML 1.0 document holds (see `_clean`)
_NOT_XML = "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"
_PREFIX = r"^\[(\w+)\] "  # "[Cancelled] " in front of a title
_ROUND_TITLE = r"^(?:\[\w+\] )?.*? R\d+: "  # "[Tentative] ARA R3: "
_INSTANT = "%Y-%m-%d %H:%M UTC"  # how `history` words a timed item's instants
_ICAL = {"CONFIRMED": "confirmed", "TENTATIVE": "tentative", "CANCELLED": "cancelled"}
TITLE_NAMES = 4  # an entry about more rounds names this many in its title
TITLE_LENGTH = 160  # a longer title than this becomes a count of changes and the names


class News(NamedTuple):
    """One entry: when it was published and what changed, one sentence a line."""

    id: str  # urn:uuid:...
    updated: datetime  # the export time, UTC
    title: str  # what the page shows too
    text: str  # the sentences, one a line


class ChangesFeed(NamedTuple):
    """The new `changes.atom`, its entries (newest first) and any problem with the last one."""

    data: bytes
    entries: tuple[News, ...]
    warning: str | None = None


def changes_feed(
    championship: Championship,
    previous: bytes | None,
    changes: Sequence[EventChange],
    now: datetime,
) -> ChangesFeed:
    """The feed after this export: the last one's entries, and a new one if fans should hear
    about `changes` (the build's change list)."""
    entries, updated, problem = read_changes(previous)
    warning = None
    if problem is not None:
        warning = (
            f"the last {CHANGES} {problem}: it starts afresh, and the changes it "
            "listed are no longer in it"
        )
    lines, names = sentences(championship, changes)
    if lines:
        # Never older than the newest entry (an export time from an older
        # SOURCE_DATE_EPOCH), so the feed stays newest first.
        when = max([now, *(n.updated for n in entries[:1])])
        entries.insert(0, _news(championship, lines, names, when))
    entries = entries[:MAX_ENTRIES]
    stamp = entries[0].updated if entries else updated or now
    data = _atom(championship, entries, stamp)
    return ChangesFeed(data, tuple(entries), warning)


Said = tuple[str, tuple[str, ...]]
"""One thing fans should hear: a sentence, and lines that detail it (a new season's rounds)."""


def sentences(
    championship: Championship, changes: Iterable[EventChange]
) -> tuple[list[Said], list[str]]:
    """What fans should hear, one sentence per change, and the rounds' names.

    Only the events about a whole round (one UID per round, shared by the stable and
    archive feeds) and the times of its schedule items count: the class, team and
    reminders events say the same again, and "details" (wording, links) never count.
    """
    lines: list[Said] = []
    names: list[str] = []
    added: dict[int, list[Round]] = {}
    archived: list[int] = []
    several = len(championship.seasons) > 1
    for change in changes:
        about = _about(championship, change)
        if about is None:
            continue
        year, round_id, item_id = about
        if change.kind == "archived":
            if year not in archived and item_id is None:
                archived.append(year)
            continue
        if change.kind == "removed":
            if item_id is None:
                name = _name_of(change.title)
                lines.append((f"{_with_year(name, year, several)} was taken off the calendar.", ()))
                names.append(name)
            continue
        season = _season(championship, year)
        round_ = _round(season, round_id)
        if season is None or round_ is None:
            continue
        if change.kind == "added":
            if item_id is None:
                added.setdefault(year, []).append(round_)
            continue
        found = _changed(round_, year, several, item_id, change)
        if found:
            lines += [(line, ()) for line in found]
            names.append(round_.name)
    for year, rounds in added.items():
        season = championship.season(year)
        lines += _added(season, rounds)
        names += [r.name for r in rounds]
    for year in archived:
        lines.append((
            f"The {year} season has left the whole-season calendars; it stays complete in "
            f"{year}/all.ics.", (),
        ))
    return lines, list(dict.fromkeys(names))


def read_changes(data: bytes | None) -> tuple[list[News], datetime | None, str | None]:
    """The entries of a `changes.atom` rallycal wrote (newest first), its `updated`, and
    what is wrong with it; a damaged feed gives no entries, never an exception."""
    if data is None:
        return [], None, None
    if len(data) > MAX_BYTES:
        return [], None, f"is larger than {MAX_BYTES // (1024 * 1024)} MB"
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return [], None, "holds a document type declaration, which rallycal never writes"
    import xml.etree.ElementTree as ET  # here: only a folder that has a changes.atom needs it

    try:
        root = ET.fromstring(data)
    except Exception as error:  # any failure to read it means it is damaged
        return [], None, f"cannot be read as XML ({error})"
    if root.tag != f"{_A}feed":
        return [], None, "is not an Atom feed"
    updated = _time(root.findtext(f"{_A}updated"))
    entries = []
    for node in root.findall(f"{_A}entry"):
        news = _entry(node)
        if news is None:
            return [], None, "has an entry that rallycal could not have written"
        entries.append(news)
    if updated is None:
        return [], None, "has no valid <updated>"
    if len({n.id for n in entries}) != len(entries):
        return [], None, "has an entry twice"
    return entries[:MAX_ENTRIES], updated, None


def _entry(node: ET.Element) -> News | None:
    entry_id = node.findtext(f"{_A}id")
    title = node.findtext(f"{_A}title")
    text = node.findtext(f"{_A}content")
    updated = _time(node.findtext(f"{_A}updated"))
    if entry_id is None or not re.fullmatch(_ID, entry_id) or updated is None:
        return None
    if not title or not text:
        return None
    return News(entry_id, updated, title, text)


def _time(value: str | None) -> datetime | None:
    try:
        return datetime.strptime(value or "", _TIME).replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _about(championship: Championship, change: EventChange) -> tuple[int, str, str | None] | None:
    """(year, round id, schedule item id or None) when the change's event is a round's own
    event or one of its timed items; None for a class's, a team's or a reminders event."""
    parts = change.subject.split("/")
    try:
        year = int(parts[0])
    except ValueError:
        return None
    round_id, item = parts[1], parts[2] if len(parts) > 2 else None
    own = f"{championship.series.id}.{year}.{round_id}"
    if item is not None:
        own += f".item.{item}"
    return (year, round_id, item) if change.uid == f"{own}@{UID_DOMAIN}" else None


def _season(championship: Championship, year: int) -> Season | None:
    return next((s for s in championship.seasons if s.year == year), None)


def _round(season: Season | None, round_id: str) -> Round | None:
    if season is None:
        return None
    return next((r for r in season.rounds if r.id == round_id), None)


def _changed(
    round_: Round, year: int, several: bool, item_id: str | None, change: EventChange
) -> list[str]:
    """The sentences for one changed event: its days, times, venue, status and name."""
    name = _with_year(round_.name, year, several)
    found = {d.what: d for d in change.differences}
    lines = []
    if item_id is not None:
        item = next((i for i in round_.schedule if i.id == item_id), None)
        if item is not None and "time" in found:
            zone = ZoneInfo(round_.venue.timezone)
            old = _local_span(found["time"].old, zone)
            new = _local_span(found["time"].new, zone)
            if old and new:
                lines.append(f"{name}: {item.name} moved from {old} to {new} (local time).")
        return lines
    if "days" in found and found["days"].old and found["days"].new:
        lines.append(f"{name} moved from {found['days'].old} to {found['days'].new}.")
    if "venue" in found and found["venue"].new:
        lines.append(f"{name} has a new venue: {found['venue'].new} (was {found['venue'].old}).")
    title, status = found.get("title"), found.get("status")
    if title is not None:  # the title's mark tells postponed from tentative; STATUS cannot
        old_status, new_status = _status(title.old), _status(title.new)
    elif status is not None:
        old_status, new_status = _ICAL.get(status.old or ""), _ICAL.get(status.new or "")
    else:
        old_status = new_status = None
    if old_status != new_status and old_status and new_status:
        lines.append(
            f"{name} is now {STATUS_LABELS[new_status].lower()} "
            f"(was {STATUS_LABELS[old_status].lower()})."
        )
    if title is not None and title.old and title.new:
        old_name, new_name = _name_of(title.old), _name_of(title.new)
        if old_name != new_name:
            lines.append(f"{_with_year(old_name, year, several)} is now called {new_name}.")
    return lines


def _status(title: str | None) -> str | None:
    """The status a title says: `[Cancelled] ...` is cancelled, no mark is confirmed."""
    if title is None:
        return None
    mark = re.match(_PREFIX, title)
    status = mark.group(1).lower() if mark else "confirmed"
    return status if status in STATUS_LABELS else None


def _name_of(title: str) -> str:
    """A round's name from an event title: `[Cancelled] ARA R3: Olympus Rally` -> the name."""
    return re.sub(_ROUND_TITLE, "", title, count=1)


def _with_year(name: str, year: int, several: bool) -> str:
    return f"{name} ({year})" if several else name


def _local_span(value: str | None, zone: ZoneInfo) -> str | None:
    """`2026-02-06 14:00 UTC – 2026-02-06 17:00 UTC` as local time at the venue."""
    if value is None or " – " not in value:
        return None
    try:
        start, end = (
            datetime.strptime(part, _INSTANT).replace(tzinfo=timezone.utc).astimezone(zone)
            for part in value.split(" – ", 1)
        )
    except ValueError:
        return None
    text = f"{day(start.date())}, {clock(start)}"
    return f"{text}–{clock(end)}" if end.date() == start.date() else (
        f"{text} – {day(end.date())} {clock(end)}"
    )


def _added(season: Season, rounds: list[Round]) -> list[Said]:
    """New rounds: the whole calendar of a new season, or single rounds added to one."""
    listed = [
        f"R{r.number} {r.name}: {day_span(r.first_day, r.last_day)}, {r.venue.town}"
        + (f" ({STATUS_LABELS[r.status].lower()})" if r.status != "confirmed" else "")
        + "."
        for r in rounds
    ]
    if len(rounds) == len(season.rounds):
        count = f"{len(rounds)} round{'s' if len(rounds) != 1 else ''}"
        return [(f"The {season.year} calendar is published: {count}.", tuple(listed))]
    return [(f"New in the {season.year} calendar: {line}", ()) for line in listed]


def _news(championship: Championship, said: list[Said], names: list[str], now: datetime) -> News:
    """The entry: its title is the one thing said, or the few, or a count and the names."""
    title = " ".join(sentence for sentence, _ in said)
    if len(said) > 1 and len(title) > TITLE_LENGTH:
        shown = names[:TITLE_NAMES] + (["more"] if len(names) > TITLE_NAMES else [])
        title = f"{len(said)} changes: {', '.join(shown)}"
    text = "\n".join(line for sentence, details in said for line in (sentence, *details))
    key = f"rallycal:{championship.series.id}:{now.strftime(_TIME)}:{text}"
    return News(f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, key)}", now, _clean(title),
                _clean(text))


def _atom(championship: Championship, entries: list[News], updated: datetime) -> bytes:
    """The feed's bytes: the same entries and time give the same bytes."""
    series = championship.series
    base = series.base_url
    feed_id = uuid.uuid5(uuid.NAMESPACE_URL, f"rallycal:{series.id}:changes")
    alternate = f'<link rel="alternate" type="text/html" href="{_attr((base or "") + PAGE)}"/>'
    page = [f"  {alternate}"] if base else []
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="{ATOM}">',
        f"  <id>urn:uuid:{feed_id}</id>",
        f"  <title>{_text(f'{series.short} calendar: changes')}</title>",
        "  <subtitle>"
        + _text(
            f"Every round of the {series.name} that moves, is postponed, cancelled or "
            "renamed, and every new season's calendar, as soon as it is published."
        )
        + "</subtitle>",
        *([f'  <link rel="self" type="application/atom+xml" href="{_attr(base + CHANGES)}"/>']
          if base else []),
        *page,
        f"  <updated>{updated.strftime(_TIME)}</updated>",
        "  <author>",
        f"    <name>{_text(series.name)}</name>",
        *([f"    <uri>{_text(series.url)}</uri>"] if series.url else []),
        "  </author>",
    ]
    for news in entries:
        lines += [
            "  <entry>",
            f"    <id>{news.id}</id>",
            f"    <title>{_text(news.title)}</title>",
            f"    <updated>{news.updated.strftime(_TIME)}</updated>",
            *[f"  {link}" for link in page],
            f'    <content type="text">{_text(news.text)}</content>',
            "  </entry>",
        ]
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _clean(text: str) -> str:
    """Text an XML document can hold, that reads back as written (no CR, no control)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Every character of `_NOT_XML` is unprintable (Cc, Cs, Cn), so printable text (tabs
    # and line feeds aside) has none: compiling the pattern took longer than every use.
    if text.replace("\n", "").replace("\t", "").isprintable():
        return text
    return re.sub(_NOT_XML, "\ufffd", text)


def _text(text: str) -> str:
    return _clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    return _text(text).replace('"', "&quot;")
