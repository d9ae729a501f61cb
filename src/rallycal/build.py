"""From a valid season and the last publication to the bytes of every output file.

This is a pure function of its inputs: no clock, no file system. It makes every file
of the output folder (the feeds, the page and the manifest, in the order they are to
be written); `publish` does the reading and writing around it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rallycal import ics
from rallycal.feeds import Entry, Feed, plan
from rallycal.fingerprint import zones
from rallycal.history import (
    MAX_SEQUENCE,
    Difference,
    Publication,
    PublishedEvent,
    differences,
    restamp,
    visible_lines,
)
from rallycal.manifest import MANIFEST, PublishedFeed, manifest, published_feeds
from rallycal.model import Season
from rallycal.page import index_page

PAGE = "index.html"


@dataclass(frozen=True)
class EventChange:
    """What happened to one event since the last publication."""

    uid: str
    kind: str  # "added", "changed" or "removed"
    title: str
    feeds: tuple[str, ...]
    differences: tuple[Difference, ...] = ()
    year: int = 0  # the season, round and schedule item the event is about
    round_id: str = ""
    item_id: str | None = None
    capped: bool = False  # changed, but its SEQUENCE is at the maximum and cannot rise

    @property
    def subject(self) -> tuple[int, str, str | None]:
        """The round or schedule item the event is about, for grouping a report."""
        return (self.year, self.round_id, self.item_id)


@dataclass(frozen=True)
class Removal:
    """A published feed, or a published event in one feed, that this build drops."""

    path: str
    uid: str | None = None  # None: the whole feed goes
    title: str = ""


@dataclass
class Build:
    """Every output file, and what subscribers will notice."""

    season: Season
    feeds: tuple[Feed, ...]
    files: dict[str, bytes]  # every output file, the manifest last
    published: tuple[PublishedFeed, ...] = ()  # the manifest's feed entries
    changes: list[EventChange] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def build(season: Season, previous: Publication, now: datetime, fingerprint: str) -> Build:
    """Every output file: each feed (events stamped against the last publication), the
    page, and the manifest recording `fingerprint` (what the output was made from)."""
    feeds = plan(season)
    in_feeds: dict[str, list[str]] = {}
    for feed in feeds:
        for entry in feed.entries:
            in_feeds.setdefault(entry.uid, []).append(feed.path)
    shared: dict[str, bytes] = {}  # events in more than one feed, rendered once
    changes: list[EventChange] = []
    files: dict[str, bytes] = {}
    for feed in feeds:
        events = []
        for entry in feed.entries:
            event = shared.get(entry.uid)
            if event is None:
                event, change = _event(season, entry, previous, now, in_feeds[entry.uid])
                if change is not None:
                    changes.append(change)
                if len(in_feeds[entry.uid]) > 1:
                    shared[entry.uid] = event
            events.append(event)
        files[feed.path] = ics.calendar(season, feed, events)
    files[PAGE] = index_page(season, feeds)
    published = published_feeds(season, feeds, files, previous.manifest, now)
    files[MANIFEST] = manifest(season, published, files, fingerprint, zones(season))
    result = Build(season, feeds, files, published, changes)
    result.warnings = [_capped(c) for c in changes if c.capped]
    _removals(result, previous, in_feeds)
    return result


def _event(
    season: Season, entry: Entry, previous: Publication, now: datetime, feeds: list[str]
) -> tuple[bytes, EventChange | None]:
    """One event, stamped against the last publication, and what changed in it if anything.

    Only the bytes are kept: an export holds every event at once, so the lines compared
    here are dropped as soon as they have been.
    """
    body = ics.event_body(season, entry)
    visible = visible_lines(body)
    stamp, state = restamp(entry.uid, visible, previous, now)
    change = None
    if state != "unchanged":
        new = PublishedEvent(entry.uid, visible, stamp)
        old = previous.events.get(entry.uid)
        change = EventChange(
            entry.uid,
            state,
            _title(new),
            tuple(feeds),
            tuple(differences(old, new)),
            season.year,
            entry.round.id,
            entry.item.id if entry.item else None,
            capped=old is not None
            and old.stamp is not None
            and state == "changed"
            and stamp.sequence <= old.stamp.sequence,
        )
    return ics.assemble_event(body, stamp), change


def _removals(result: Build, previous: Publication, in_feeds: dict[str, list[str]]) -> None:
    """Add the published events that are gone to the change report, and list the removals."""
    published_in: dict[str, list[str]] = {}
    for path, uids in previous.feeds.items():
        for uid in uids:
            published_in.setdefault(uid, []).append(path)
    for uid, paths in published_in.items():
        if uid not in in_feeds:
            year, round_id, item_id = _subject_of_uid(uid)
            result.changes.append(
                EventChange(
                    uid,
                    "removed",
                    _title(previous.events[uid]),
                    tuple(paths),
                    (),
                    year,
                    round_id,
                    item_id,
                )
            )
    planned = {feed.path: {e.uid for e in feed.entries} for feed in result.feeds}
    for path, uids in previous.feeds.items():
        if path not in planned:
            result.removals.append(Removal(path))
            continue
        for uid in uids:
            if uid not in planned[path]:
                result.removals.append(Removal(path, uid, _title(previous.events[uid])))


def _subject_of_uid(uid: str) -> tuple[int, str, str | None]:
    """Season, round and item of an event no longer in the season: its UID is all that is left.

    UIDs are `series.year.round[.item.id | .class.id | .team.id]@domain` (`feeds.round_uid`).
    """
    parts = uid.split("@", 1)[0].split(".")
    year = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    round_id = parts[2] if len(parts) > 2 else uid
    item_id = parts[4] if len(parts) > 4 and parts[3] == "item" else None
    return year, round_id, item_id


def _capped(change: EventChange) -> str:
    return (
        f"{change.title} ({change.uid}) changed, but its SEQUENCE is already at RFC 5545's "
        f"maximum, {MAX_SEQUENCE}, and stays there: calendar apps that look only at "
        "SEQUENCE (Google Calendar) may not show this change"
    )


def _title(event: PublishedEvent) -> str:
    return event.text("SUMMARY") or event.uid
