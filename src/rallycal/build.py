"""From a valid season and the last publication to the bytes of every output file.

This is a pure function of its inputs: no clock, no file system. It makes every file
of the output folder (the feeds, the page and the manifest, in the order they are to
be written); `publish` does the reading and writing around it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from rallycal import ics
from rallycal.feeds import MANIFEST, PAGE, Entry, Feed, plain_uid, plan, subject_of
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
from rallycal.manifest import PublishedFeed, manifest, published_feeds
from rallycal.model import Championship
from rallycal.page import index_page

ChangeKind = Literal["added", "changed", "removed", "archived"]


@dataclass(frozen=True)
class EventChange:
    """What happened to one event since the last publication."""

    uid: str
    kind: ChangeKind
    title: str
    feeds: tuple[str, ...]  # where it was; for an archived event, where it now lives
    subject: str  # the round or schedule item, "2026/sno-drift[/shakedown]", for grouping
    differences: tuple[Difference, ...] = ()
    capped: bool = False  # changed, but its SEQUENCE is at the maximum and cannot rise


@dataclass(frozen=True)
class Removal:
    """A published feed, or a published event in one feed, that this build drops."""

    path: str
    uid: str | None = None  # None: the whole feed goes
    title: str = ""


@dataclass
class Build:
    """Every output file, and what subscribers will notice."""

    championship: Championship
    feeds: tuple[Feed, ...]
    files: dict[str, bytes]  # every output file, the manifest last
    published: tuple[PublishedFeed, ...] = ()  # the manifest's feed entries
    changes: list[EventChange] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def build(
    championship: Championship, previous: Publication, now: datetime, fingerprint: str
) -> Build:
    """Every output file: each feed (events stamped against the last publication), the
    page, and the manifest recording `fingerprint` (what the output was made from)."""
    feeds = plan(championship)
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
                event, change = _event(entry, previous, now, in_feeds[entry.uid])
                if change is not None:
                    changes.append(change)
                if len(in_feeds[entry.uid]) > 1:
                    shared[entry.uid] = event
            events.append(event)
        files[feed.path] = ics.calendar(championship.series, feed, events)
    files[PAGE] = index_page(championship, feeds)
    published = published_feeds(championship, feeds, files, previous.manifest, now)
    files[MANIFEST] = manifest(championship, published, files, fingerprint, zones(championship))
    result = Build(championship, feeds, files, published, changes)
    result.warnings = [_capped(c) for c in changes if c.capped]
    _removals(result, previous, in_feeds)
    return result


def _event(
    entry: Entry, previous: Publication, now: datetime, feeds: list[str]
) -> tuple[bytes, EventChange | None]:
    """One event, stamped against the last publication, and what changed in it if anything.

    Only the bytes are kept: an export holds every event at once, so the lines compared
    here are dropped as soon as they have been.
    """
    body = ics.event_body(entry.season, entry)
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
            entry.subject,
            tuple(differences(old, new)),
            capped=old is not None
            and old.stamp is not None
            and state == "changed"
            and stamp.sequence <= old.stamp.sequence,
        )
    return ics.assemble_event(body, stamp), change


def _removals(result: Build, previous: Publication, in_feeds: dict[str, list[str]]) -> None:
    """Report the published events that are gone or archived, and list the removals.

    An event that leaves a feed but stays published elsewhere (a season leaving the
    stable feeds stays whole in its archive, its reminders variant there without
    alarms) is archived, not removed.
    """

    def lives_in(uid: str) -> list[str]:
        return in_feeds.get(uid) or in_feeds.get(plain_uid(uid)) or []

    published_in: dict[str, list[str]] = {}
    for path, uids in previous.feeds.items():
        for uid in uids:
            published_in.setdefault(uid, []).append(path)
    planned = {feed.path: {e.uid for e in feed.entries} for feed in result.feeds}
    for uid, paths in published_in.items():
        title = _title(previous.events[uid])
        if not lives_in(uid):
            result.changes.append(EventChange(uid, "removed", title, tuple(paths), subject_of(uid)))
        elif any(uid not in planned.get(path, ()) for path in paths):
            result.changes.append(
                EventChange(uid, "archived", title, tuple(lives_in(uid)), subject_of(uid))
            )
    for path, uids in previous.feeds.items():
        if path not in planned:
            result.removals.append(Removal(path))
            continue
        for uid in uids:
            if uid not in planned[path] and not lives_in(uid):
                result.removals.append(Removal(path, uid, _title(previous.events[uid])))


def _capped(change: EventChange) -> str:
    return (
        f"{change.title} ({change.uid}) changed, but its SEQUENCE is already at RFC 5545's "
        f"maximum, {MAX_SEQUENCE}, and stays there: calendar apps that look only at "
        "SEQUENCE (Google Calendar) may not show this change"
    )


def _title(event: PublishedEvent) -> str:
    return event.text("SUMMARY") or event.uid
