"""The last publication is the record: what subscribers already have.

Before writing, the export reads the feeds it wrote last time and compares every
event, by UID, on what a subscriber sees (every property but the stamps). An
unchanged event keeps its SEQUENCE, DTSTAMP and LAST-MODIFIED byte for byte; a
changed one gets SEQUENCE + 1 and this export's time; a new one starts at 0. The
same comparison yields the change report and the list of what would vanish.

The feeds on disk are the record, not the manifest: `read_publication` walks the
output folder's layout for every feed rallycal wrote, whether or not `feeds.json`
lists it (it may be gone or damaged), and an event is known if any feed holds it.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Literal, NamedTuple

from rallycal.changes import MAX_BYTES as MAX_CHANGES_BYTES
from rallycal.feeds import CHANGES, PAGE, is_feed_folder, is_own_feed
from rallycal.ics import Stamp
from rallycal.manifest import Manifest
from rallycal.wording import day_span

STAMP_PROPERTIES = frozenset({"SEQUENCE", "DTSTAMP", "LAST-MODIFIED"})
MAX_SEQUENCE = 2**31 - 1  # RFC 5545's INTEGER: SEQUENCE never goes past it
MAX_FEED_BYTES = 256 * 1024 * 1024  # a published feed larger than this is not one of ours
PRODID_LINE = b"PRODID:-//rallycal//"
# The names rallycal gives its feeds: all.ics and kind/id.ics, optionally in a season's
# archive folder (YEAR/...). Only such files are read as the record, or ever deleted.
_FOLD = re.compile(r"\r\n[ \t]")
_NAME_END = re.compile(r"[;:]")


class PublishedEvent(NamedTuple):
    """An event as the last export wrote it."""

    uid: str
    visible: tuple[str, ...]  # unfolded content lines, stamps left out
    stamp: Stamp | None

    def value(self, name: str) -> str | None:
        """The raw value of the first property called `name`."""
        for line in self.visible:
            if _name(line) == name:
                return line.split(":", 1)[1] if ":" in line else ""
        return None

    def text(self, name: str) -> str | None:
        """The value of `name` as a person reads it: unescaped, on one line."""
        return _text(self.value(name))


@dataclass
class Publication:
    """Everything the last export published: its feeds and their events by UID."""

    feeds: dict[str, tuple[str, ...]] = field(default_factory=dict)  # path -> uids
    events: MutableMapping[str, PublishedEvent] = field(default_factory=dict)
    manifest: Manifest | None = None  # the last `feeds.json`, when it could be read
    page: bytes = b""  # the last `index.html`, when it could be read
    changes: bytes | None = None  # the last `changes.atom` (its start, if too large), if any

    def add_feed(self, path: str, data: bytes) -> None:
        """Record the events of one published feed file (of any quality: a damaged one
        adds what can be read of it, and never hides an event another feed holds)."""
        events = parse_events(data)
        self.feeds[path] = tuple(event.uid for event in events)
        for event in events:
            known = self.events.get(event.uid)
            if known is None or _sequence(event) > _sequence(known):
                self.events[event.uid] = event


def unfold(data: bytes) -> list[str]:
    """Content lines with folding undone (RFC 5545 section 3.1)."""
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\n", "\r\n")
    return [line for line in _FOLD.sub("", text).split("\r\n") if line]


def parse_events(data: bytes) -> list[PublishedEvent]:
    """The VEVENTs of a feed, tolerant of anything it does not recognise."""
    events: list[PublishedEvent] = []
    current: list[str] | None = None
    for line in unfold(data):
        if line == "BEGIN:VEVENT":
            current = []
        elif line == "END:VEVENT" and current is not None:
            events.append(_published(current))
            current = None
        elif current is not None:
            current.append(line)
    return [event for event in events if event.uid]


def visible_lines(body: bytes) -> tuple[str, ...]:
    """What a subscriber sees of a freshly rendered event body."""
    return tuple(unfold(body))


def restamp(
    uid: str, visible: tuple[str, ...], previous: Publication, now: datetime
) -> tuple[Stamp, Literal["added", "changed", "unchanged"]]:
    """The stamp an event gets, and whether it is "added", "changed" or "unchanged"."""
    old = previous.events.get(uid)
    if old is None or old.stamp is None:
        return Stamp(0, now), "added" if old is None else "changed"
    if old.visible == visible:
        return old.stamp, "unchanged"
    sequence = min(old.stamp.sequence + 1, MAX_SEQUENCE)
    return Stamp(sequence, max(now, old.stamp.changed)), "changed"


def read_publication(out: Path, manifest: Manifest | None) -> Publication:
    """The last publication in `out`: every feed rallycal wrote there, read from disk.

    A feed the manifest lists but that cannot be read still counts as published (its
    path is protected from silent removal); its events are known from the other feeds.
    """
    publication = Publication(manifest=manifest, changes=read_changes_file(out))
    listed = {feed.path for feed in manifest.feeds} if manifest else set()
    for path in sorted(listed | set(own_feeds(out))):
        if not is_own_feed(path):
            continue
        data = read_feed(out / path)
        if data is not None and (path in listed or PRODID_LINE in data[:4096]):
            publication.add_feed(path, data)
        elif path in listed:
            publication.feeds[path] = ()
    publication.page = read_feed(out / PAGE) or b""
    return publication


def read_changes_file(out: Path) -> bytes | None:
    """The last `changes.atom`, if any: up to one byte past its cap, so that its reader
    (`rallycal.changes`) can say it is too large."""
    return read_feed(out / CHANGES, MAX_CHANGES_BYTES + 1)


def own_feeds(out: Path) -> Iterator[str]:
    """The paths of the files in `out` named as rallycal names its feeds (not following links)."""
    for _folder, prefix, files in _walk(out):
        for name in files:
            path = prefix + name
            if is_own_feed(path):
                yield path


def read_feed(path: Path, cut: int | None = None) -> bytes | None:
    """A feed's bytes, or None for anything that is not a readable regular file of sane size.

    With `cut`, a larger file gives its first `cut` bytes instead of None.
    """
    try:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or (cut is None and info.st_size > MAX_FEED_BYTES):
            return None
        chunks = []
        left = MAX_FEED_BYTES + 1 if cut is None else cut
        while left > 0:
            chunk = os.read(fd, min(left, max(info.st_size + 1, 65536)))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def _walk(out: Path) -> Iterator[tuple[Path, str, list[str]]]:
    """`out` and the folders below it that can hold feeds (YEAR/, kind/, reminders/, ...):
    each with its path as a prefix ("" or "2026/class/") and its entries' names, sorted
    (one scandir per folder: links are never followed, and nothing else is stat'ed)."""
    pending = [(out, "")]
    while pending:
        folder, prefix = pending.pop(0)
        try:
            with os.scandir(folder) as entries:
                listed = sorted(
                    (entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries
                )
        except OSError:
            listed = []
        yield folder, prefix, [name for name, _ in listed]
        for name, is_folder in listed:
            if is_folder and is_feed_folder(prefix + name):
                pending.append((folder / name, f"{prefix}{name}/"))


class Difference(NamedTuple):
    """One thing a subscriber will notice about one event."""

    what: str  # "days", "time", "venue", "status", "title", "details"
    old: str | None
    new: str | None


def differences(old: PublishedEvent | None, new: PublishedEvent | None) -> list[Difference]:
    """How an event changed between two publications, as people read it."""
    if old is None or new is None:
        return []
    found = []
    old_when, new_when = _when(old), _when(new)
    if old_when != new_when:
        timed = "T" in (old.value("DTSTART") or "") + (new.value("DTSTART") or "")
        found.append(Difference("time" if timed else "days", old_when, new_when))
    for what, name in (("venue", "LOCATION"), ("status", "STATUS"), ("title", "SUMMARY")):
        if old.value(name) != new.value(name):
            found.append(Difference(what, old.text(name), new.text(name)))
    if not found and old.visible != new.visible:
        found.append(Difference("details", None, None))
    return found


def _published(lines: list[str]) -> PublishedEvent:
    uid, visible, stamp = "", [], {}
    for line in lines:
        name = _name(line).upper()
        value = line.split(":", 1)[1] if ":" in line else ""
        if name in STAMP_PROPERTIES:
            stamp[name] = value
            continue
        if name == "UID":
            uid = value
        visible.append(line)
    return PublishedEvent(uid, tuple(visible), _parse_stamp(stamp))


def _name(line: str) -> str:
    """The property name of a content line: everything before its first `;` or `:`."""
    return _NAME_END.split(line, 1)[0]


def _parse_stamp(values: dict[str, str]) -> Stamp | None:
    try:
        sequence = int(values["SEQUENCE"])
        changed = datetime.strptime(values["LAST-MODIFIED"], "%Y%m%dT%H%M%SZ")
    except (KeyError, ValueError):
        return None
    if sequence < 0 or Stamp(sequence, changed).lines() != _stamp_bytes(values):
        return None
    return Stamp(sequence, changed.replace(tzinfo=timezone.utc))


def _stamp_bytes(values: dict[str, str]) -> bytes:
    return (
        f"SEQUENCE:{values.get('SEQUENCE')}\r\nDTSTAMP:{values.get('DTSTAMP')}\r\n"
        f"LAST-MODIFIED:{values.get('LAST-MODIFIED')}\r\n"
    ).encode()


def _sequence(event: PublishedEvent) -> int:
    return event.stamp.sequence if event.stamp else -1


def _when(event: PublishedEvent) -> str | None:
    start, end = event.value("DTSTART"), event.value("DTEND")
    if not start or not end:
        return None
    try:
        if "T" not in start:
            first = date(int(start[:4]), int(start[4:6]), int(start[6:8]))
            after = date(int(end[:4]), int(end[4:6]), int(end[6:8]))
            return day_span(first, date.fromordinal(after.toordinal() - 1))
        return f"{_instant(start)} – {_instant(end)}"
    except ValueError:
        return f"{start} – {end}"


def _instant(value: str) -> str:
    moment = datetime.strptime(value, "%Y%m%dT%H%M%SZ")
    return moment.strftime("%Y-%m-%d %H:%M UTC")


_ESCAPED = re.compile(r"\\([,;\\nN])")  # RFC 5545 3.3.11, undone in one pass


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    return _ESCAPED.sub(lambda m: " " if m[1] in "nN" else m[1], value)
