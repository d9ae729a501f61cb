"""The last publication is the record: what subscribers already have.

Before writing, an export reads what it published last time from the output folder:
every feed rallycal wrote (found by the layout's names, whether or not `feeds.json`
lists it), the manifest and `changes.atom`. An event is known if any of them holds it,
and each event is recorded twice (in at least one feed, and in the manifest's table of
events with its SEQUENCE, stamp and a digest of what it says), so that no single damaged
or deleted file makes rallycal forget it or lower its SEQUENCE.

An unchanged event keeps its stamps byte for byte; a changed one gets SEQUENCE + 1 and
the export time; a new one starts at 0. "Unchanged" means the same content lines,
whatever their order or folding: a newer icalendar that writes an event differently
bumps nothing. This module also owns the change types the report, `changes.atom` and
the page share.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Literal

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from rallycal.plan import CHANGES, MANIFEST, PAGE, is_feed_folder, is_own_feed, parse_uid
from rallycal.wording import day_span

MAX_SEQUENCE = 2**31 - 1  # RFC 5545's INTEGER: SEQUENCE never goes past it
MAX_FILE_BYTES = 256 * 1024 * 1024  # a published file larger than this is not one of ours
PRODID_LINE = b"PRODID:-//rallycal//"
STAMPS = ("SEQUENCE", "DTSTAMP", "LAST-MODIFIED")
ATOM = "{http://www.w3.org/2005/Atom}"
TIME = "%Y-%m-%dT%H:%M:%SZ"
ICAL_TIME = "%Y%m%dT%H%M%SZ"

ChangeKind = Literal["added", "changed", "removed", "archived"]


@dataclass(frozen=True)
class Stamp:
    """What changes when an event is republished: its version and when it last changed."""

    sequence: int
    changed: datetime  # UTC

    def next(self, now: datetime) -> Stamp:
        """The stamp of a change: one version up (never past the maximum), never older."""
        return Stamp(min(self.sequence + 1, MAX_SEQUENCE), max(now, self.changed))


@dataclass(frozen=True)
class PublishedEvent:
    """An event as the last export published it: its bytes in a feed when one holds it
    readably, else only the manifest's record of it."""

    uid: str
    stamp: Stamp
    raw: bytes | None = None  # BEGIN:VEVENT ... END:VEVENT\r\n, as published
    digest: str | None = None  # of its content lines, from the manifest

    def lines(self) -> tuple[str, ...]:
        """Its unfolded content lines, stamps left out (empty when no feed holds it)."""
        return visible_lines(self.raw) if self.raw is not None else ()

    def says(self, lines: tuple[str, ...]) -> bool:
        """Whether it says what `lines` say, whatever their order and folding."""
        if self.raw is not None:
            return frozenset(self.lines()) == frozenset(lines)
        return self.digest == digest(lines)


@dataclass(frozen=True)
class Difference:
    """One thing about an event that changed, in the words of `events.yaml`."""

    what: str  # "dates", "times", "title", "place", "status", "notes", "link", ...
    old: str | None
    new: str | None


@dataclass(frozen=True)
class EventChange:
    """What happened to one event since the last publication."""

    uid: str
    kind: ChangeKind
    title: str
    feeds: tuple[str, ...]  # where it is (or was); for an archived event, where it now lives
    differences: tuple[Difference, ...] = ()
    capped: bool = False  # changed, but its SEQUENCE is at the maximum and cannot rise

    @property
    def about(self) -> tuple[int, str, str | None] | None:
        """The season year, round id and timed item id it is about."""
        return parse_uid(self.uid)


@dataclass(frozen=True)
class Removal:
    """A published feed, or a published event of one feed, that this export drops."""

    path: str
    uid: str | None = None  # None: the whole feed goes
    title: str = ""


@dataclass(frozen=True)
class Notice:
    """One piece of news for fans, as changes.atom, the page and the report say it.

    `title` names the round with its season's year and days, whatever other seasons
    the source holds.
    """

    id: str  # `urn:uuid:...`, fixed when first published
    updated: datetime  # UTC: the export that first published it
    title: str
    text: str  # the sentences, plain text
    link: str | None  # the round's own page, or its card on the subscribe page


@dataclass
class Publication:
    """Everything the last export published, as read back from the output folder."""

    files: dict[str, bytes] = field(default_factory=dict)  # own files as they are now
    feeds: dict[str, tuple[str, ...]] = field(default_factory=dict)  # path -> UIDs
    events: dict[str, PublishedEvent] = field(default_factory=dict)
    manifest: dict[str, object] = field(default_factory=dict)  # the last feeds.json
    listed: dict[str, dict[str, object]] = field(default_factory=dict)  # its feeds by path
    notices: list[Notice] = field(default_factory=list)  # changes.atom, newest first
    notices_updated: datetime | None = None  # changes.atom's own <updated>
    warnings: list[str] = field(default_factory=list)

    def known(self, event: PublishedEvent) -> None:
        """Record one published copy of an event: the highest SEQUENCE wins; copies of
        the same SEQUENCE pool their text (a feed's) and digest (the manifest's)."""
        old = self.events.get(event.uid)
        if old is None or event.stamp.sequence > old.stamp.sequence:
            self.events[event.uid] = event
        elif event.stamp.sequence == old.stamp.sequence:
            self.events[event.uid] = PublishedEvent(
                event.uid, old.stamp, old.raw or event.raw, old.digest or event.digest
            )



def read_publication(out: Path) -> Publication:
    """The last publication in `out`; a damaged file is read as far as it can be, and
    said in a warning, never an exception."""
    publication = Publication()
    manifest = read_file(out / MANIFEST)
    if manifest is not None:
        publication.files[MANIFEST] = manifest
        publication.manifest = _manifest(manifest, publication)
    listed = {path for path in publication.listed if is_own_feed(path)}
    for path in sorted(listed | set(own_feeds(out))):
        data = read_file(out / path)
        if data is not None and (path in listed or PRODID_LINE in data[:4096]):
            publication.files[path] = data
            events = split_events(data)
            publication.feeds[path] = tuple(event.uid for event in events)
            for event in events:
                publication.known(event)
        elif path in listed:
            publication.feeds[path] = ()  # published, but unreadable now: still protected
    for name in (PAGE, CHANGES):
        data = read_file(out / name)
        if data is not None:
            publication.files[name] = data
    if CHANGES in publication.files:
        publication.notices, publication.notices_updated = read_notices(
            publication.files[CHANGES], publication.warnings
        )
    if manifest is None and publication.feeds:
        publication.warnings.append(
            f"{out / MANIFEST} is missing: the last publication was read from the feeds "
            "themselves, and a new manifest is written"
        )
    return publication


def _manifest(data: bytes, publication: Publication) -> dict[str, object]:
    """The last feeds.json as a dict, its table of events recorded; {} if damaged."""
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        publication.warnings.append(
            f"the last {MANIFEST} is damaged ({error}): the feeds themselves are the record, "
            "and a new manifest is written"
        )
        return {}
    if not isinstance(document, dict):
        publication.warnings.append(f"the last {MANIFEST} is not a manifest rallycal wrote")
        return {}
    feeds = document.get("feeds")
    for entry in feeds if isinstance(feeds, list) else ():
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            publication.listed[entry["path"]] = entry
    table = document.get("events")
    for uid, record in (table.items() if isinstance(table, dict) else ()):
        event = _recorded(uid, record)
        if event is not None:
            publication.known(event)
    return document


def _recorded(uid: object, record: object) -> PublishedEvent | None:
    """One line of the manifest's table of events: `"SEQUENCE STAMP DIGEST"`."""
    if not isinstance(uid, str) or not isinstance(record, str):
        return None
    parts = record.split(" ")
    if len(parts) != 3 or not parts[0].isdigit():
        return None
    changed = _time(parts[1], ICAL_TIME)
    if changed is None:
        return None
    return PublishedEvent(uid, Stamp(min(int(parts[0]), MAX_SEQUENCE), changed), None, parts[2])


def split_events(data: bytes) -> list[PublishedEvent]:
    """The VEVENTs of a feed, tolerant of damage: an event cut short, or whose stamps
    cannot be read, is left out (another copy, or the manifest, still knows it)."""
    events = []
    for chunk in data.split(b"BEGIN:VEVENT\r\n")[1:]:
        end = chunk.find(b"END:VEVENT\r\n")
        if end < 0:
            continue
        raw = b"BEGIN:VEVENT\r\n" + chunk[: end + len(b"END:VEVENT\r\n")]
        values: dict[str, str] = {}
        for line in unfold(raw):
            name, _, value = line.partition(":")
            if name in ("UID", *STAMPS) and name not in values:
                values[name] = value
        stamp = _stamp(values)
        if values.get("UID") and stamp is not None:
            events.append(PublishedEvent(values["UID"], stamp, raw))
    return events


def _stamp(values: dict[str, str]) -> Stamp | None:
    sequence, changed = values.get("SEQUENCE", ""), _time(values.get("LAST-MODIFIED"), ICAL_TIME)
    if not sequence.isdigit() or changed is None:
        return None
    return Stamp(min(int(sequence), MAX_SEQUENCE), changed)


def unfold(data: bytes) -> list[str]:
    """Content lines with folding undone (RFC 5545 section 3.1)."""
    text = data.replace(b"\r\n ", b"").replace(b"\r\n\t", b"").decode("utf-8", "replace")
    return [line for line in text.split("\r\n") if line]


def visible_lines(data: bytes) -> tuple[str, ...]:
    """What a subscriber sees of an event: its content lines but the stamps."""
    return tuple(line for line in unfold(data) if line.partition(":")[0] not in STAMPS)


def digest(lines: tuple[str, ...]) -> str:
    """A short digest of what an event says, whatever the order of its lines."""
    return hashlib.sha256("\n".join(sorted(set(lines))).encode()).hexdigest()[:16]


def read_notices(data: bytes, warnings: list[str]) -> tuple[list[Notice], datetime | None]:
    """The entries of the last changes.atom, newest first, and its <updated>. Read with
    entity expansion and document type declarations refused, whatever the encoding; a
    damaged feed gives no entries and a warning."""
    try:
        root = ElementTree.fromstring(data, forbid_dtd=True)
    except (DefusedXmlException, ElementTree.ParseError, ValueError) as error:
        warnings.append(
            f"the last {CHANGES} cannot be read ({error}): it starts afresh, and the changes "
            "it listed are no longer in it"
        )
        return [], None
    notices = []
    for node in root.iter(f"{ATOM}entry"):
        updated = _time(node.findtext(f"{ATOM}updated"), TIME)
        link = node.find(f"{ATOM}link")
        notice = Notice(
            node.findtext(f"{ATOM}id") or "",
            updated or datetime(1970, 1, 1, tzinfo=timezone.utc),
            node.findtext(f"{ATOM}title") or "",
            node.findtext(f"{ATOM}content") or "",
            link.get("href") if link is not None else None,
        )
        if notice.id.startswith("urn:uuid:") and updated is not None and notice.title:
            notices.append(notice)
    return notices, _time(root.findtext(f"{ATOM}updated"), TIME)


def own_feeds(out: Path) -> Iterator[str]:
    """The paths of the files in `out` named as rallycal names its feeds (no links
    followed, only the layout's folders walked)."""
    pending = [(out, "")]
    while pending:
        folder, prefix = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            path = prefix + entry.name
            if entry.is_dir(follow_symlinks=False) and is_feed_folder(path):
                pending.append((Path(entry.path), path + "/"))
            elif entry.is_file(follow_symlinks=False) and is_own_feed(path):
                yield path


def read_file(path: Path) -> bytes | None:
    """A published file's bytes, or None for anything but a readable regular file of
    sane size (a link, a folder or a pipe is never followed or waited on)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
            return None
        with os.fdopen(os.dup(fd), "rb") as file:
            return file.read(MAX_FILE_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)


def differences(old: PublishedEvent, new: tuple[str, ...]) -> tuple[Difference, ...]:
    """How an event changed, named as in `events.yaml` (dates, times, title, place,
    status, notes, link, classes), with the old and new values where they read well."""
    if old.raw is None:
        return (Difference("text", None, None),)  # its published text could not be read
    before, after = _properties(old.lines()), _properties(new)
    found = []
    old_when, new_when = _when(before), _when(after)
    if old_when != new_when:
        timed = "T" in before.get("DTSTART", "") + after.get("DTSTART", "")
        found.append(Difference("times" if timed else "dates", old_when, new_when))
    for what, name in (("title", "SUMMARY"), ("place", "LOCATION"), ("link", "URL")):
        if before.get(name) != after.get(name):
            found.append(Difference(what, _text(before.get(name)), _text(after.get(name))))
    if before.get("CATEGORIES") != after.get("CATEGORIES"):  # "Rally,ARA," then the classes
        was, now = (_classes(p.get("CATEGORIES", "")) for p in (before, after))
        found.append(Difference("classes", was, now))
    if _status(before) != _status(after):
        found.append(Difference("status", _status(before), _status(after)))
    found += _description(before.get("DESCRIPTION", ""), after.get("DESCRIPTION", ""))
    if not found and frozenset(old.lines()) != frozenset(new):
        found.append(Difference("details", None, None))  # the map pin, alarms, ...
    return tuple(found)


# What a description's paragraph is about, by how rallycal words its own paragraphs
# (`render.ics.description`); any other paragraph is the round's or the team's notes.
_PARAGRAPHS = tuple((re.compile(pattern), what) for pattern, what in (
    (r"Round \d+ of the .+ season\.", "round"),
    (r"Part of .+\.", "round"),
    (r"Status: \w+\.", "status"),
    (r"(More|Calendars): \S+", "link"),
    (r"Class(es)?: .+\.", "classes"),
    (r"Crews: .+", "crews"),
    (r"[^:]+: .+ \([^()]+\)", "crews"),  # one crew: "Driver / Co-driver: Car (Class)"
    (r"Run by .+\.", "team"),
    (r".+ local time at the venue \(.+\)\.", "times"),
))


def _description(old: str, new: str) -> list[Difference]:
    """The description's paragraphs that changed, named by what they say (the notes,
    unless the paragraph is one rallycal words itself)."""
    before, after = old.split("\\n\\n"), new.split("\\n\\n")
    gone = [p for p in before if p and p not in after]
    came = [p for p in after if p and p not in before]
    found: dict[str, tuple[list[str], list[str]]] = {}
    for paragraphs, side in ((gone, 0), (came, 1)):
        for paragraph in paragraphs:
            text = _text(paragraph) or ""
            what = next((w for rule, w in _PARAGRAPHS if rule.fullmatch(text)), "notes")
            found.setdefault(what, ([], []))[side].append(text)
    return [
        Difference(what, " / ".join(olds) or None, " / ".join(news) or None)
        for what, (olds, news) in found.items()
        if what not in ("status", "link", "times")  # said by STATUS, URL and DTSTART
    ]


def _classes(categories: str) -> str:
    """The class names of a CATEGORIES value (after "Rally" and the series)."""
    names = re.split(r"(?<!\\),", categories)[2:]
    return ", ".join(_text(name) or "" for name in names) or "(none)"


def _properties(lines: tuple[str, ...]) -> dict[str, str]:
    """The event's own properties (not its alarms'), by name: the first of each."""
    found: dict[str, str] = {}
    depth = 0
    for line in lines:
        head, _, value = line.partition(":")
        if head.startswith("BEGIN"):
            depth += 1
        elif head.startswith("END"):
            depth -= 1
        elif depth == 1:
            found.setdefault(head.split(";", 1)[0].upper(), value)
    return found


def _status(properties: dict[str, str]) -> str:
    """The status as events.yaml says it: the title's mark tells postponed from
    tentative (both TENTATIVE in iCalendar), else STATUS."""
    title = properties.get("SUMMARY", "")
    if title.startswith("[") and "] " in title:
        return title[1 : title.index("] ")].lower()
    return properties.get("STATUS", "").lower()


def _when(properties: dict[str, str]) -> str | None:
    start, end = properties.get("DTSTART"), properties.get("DTEND")
    if not start or not end:
        return None
    try:
        if "T" not in start:
            first = datetime.strptime(start, "%Y%m%d").date()
            last = datetime.strptime(end, "%Y%m%d").date() - timedelta(days=1)
            return day_span(first, max(first, last))
        return f"{_instant(start)} – {_instant(end)}"
    except ValueError:
        return f"{start} – {end}"


def _instant(value: str) -> str:
    return datetime.strptime(value, ICAL_TIME).strftime("%Y-%m-%d %H:%M UTC")


def _text(value: str | None) -> str | None:
    """A TEXT value as a person reads it: escapes undone, on one line."""
    if value is None:
        return None
    return re.sub(r"\\(.)", lambda m: " " if m[1] in "nN" else m[1], value)


def _time(value: str | None, layout: str) -> datetime | None:
    try:
        return datetime.strptime(value or "", layout).replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def when(event: PublishedEvent) -> str | None:
    """The days (or UTC times) of a published event, as people read them."""
    return _when(_properties(event.lines()))


def first_day(event: PublishedEvent) -> date | None:
    """The first day of a published all-day event (for "rescheduled" on the page)."""
    start = _properties(event.lines()).get("DTSTART", "")
    try:
        return datetime.strptime(start, "%Y%m%d").date() if "T" not in start else None
    except ValueError:
        return None
