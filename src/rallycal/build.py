"""From a valid season and the last publication to the bytes of every output file.

This is a pure function of its inputs: no clock, no file system. It makes every file
of the output folder (the feeds, the changes feed, the page and the manifest, in the
order they are to be written); `publish` does the reading and writing around it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, NamedTuple

from rallycal import ics
from rallycal.cache import CALENDAR_END, FeedRecord, Record, Reuse
from rallycal.changes import changes_feed
from rallycal.feeds import (
    CHANGES,
    MANIFEST,
    PAGE,
    Entry,
    Feed,
    plain_uid,
    plan,
    round_uid,
    subject_of,
)
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
from rallycal.kept import KeptPieces
from rallycal.keys import Digests
from rallycal.manifest import PublishedFeed, manifest, published_feeds
from rallycal.model import Championship
from rallycal.page import Change, index_page
from rallycal.page.metadata import rescheduled

ChangeKind = Literal["added", "changed", "removed", "archived"]


class EventChange(NamedTuple):
    """What happened to one event since the last publication."""

    uid: str
    kind: ChangeKind
    title: str
    feeds: tuple[str, ...]  # where it was; for an archived event, where it now lives
    subject: str  # the round or schedule item, "2026/sno-drift[/shakedown]", for grouping
    differences: tuple[Difference, ...] = ()
    capped: bool = False  # changed, but its SEQUENCE is at the maximum and cannot rise


class Removal(NamedTuple):
    """A published feed, or a published event in one feed, that this build drops."""

    path: str
    uid: str | None = None  # None: the whole feed goes
    title: str = ""


@dataclass
class Build:
    """Every output file, and what subscribers will notice."""

    championship: Championship
    feeds: tuple[Feed, ...]
    files: dict[str, bytes]  # every output file, the manifest last (empty when streamed)
    published: tuple[PublishedFeed, ...] = ()  # the manifest's feed entries
    changes: list[EventChange] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)  # path -> sha256, every file
    record: Record = field(default_factory=Record)  # what the render cache keeps


class OutputFile(NamedTuple):
    """One output file: its bytes, or None when the file in place already has them."""

    path: str
    data: bytes | None
    sha256: str


def build(
    championship: Championship, previous: Publication, now: datetime, fingerprint: str
) -> Build:
    """Every output file: each feed (events stamped against the last publication), the
    page, and the manifest recording `fingerprint` (what the output was made from)."""
    builder = Builder(championship, previous, now, fingerprint)
    files = {}
    for output in builder.files():
        assert output.data is not None, "without a render cache every file is made"
        files[output.path] = output.data
    builder.result.files = files
    return builder.result


class Builder:
    """Makes the output files one at a time (`files`), so that each can be written as
    soon as it is ready; `result` holds the rest of the build once they are all made.

    With `reuse` (a verified render cache), an event whose inputs did not change keeps
    its published bytes, and a feed none of whose parts changed is not made at all: its
    `OutputFile` has no data. The bytes are the same as without it, only cheaper.
    """

    def __init__(
        self,
        championship: Championship,
        previous: Publication,
        now: datetime,
        fingerprint: str,
        *,
        reuse: Reuse | None = None,
        environment: str = "",
    ) -> None:
        self.previous = previous
        self.now = now
        self.fingerprint = fingerprint
        self.reuse = reuse
        self.inputs = Digests(environment)
        self._rendered: set[str] = set()  # the events made, not copied from the last export
        self.result = Build(championship, plan(championship), {})

    def files(self) -> Iterator[OutputFile]:
        """Every output file in the order to write them: the feeds, the changes feed, the
        page, the manifest."""
        result = self.result
        championship = result.championship
        uses = Counter(entry.uid for feed in result.feeds for entry in feed.entries)
        shared: dict[str, bytes] = {}  # events in more than one feed, rendered once
        for feed in result.feeds:
            output = self._feed(feed, uses, shared)
            result.digests[feed.path] = output.sha256
            yield output
        if result.changes:  # the events made again: which feeds hold each, for the report
            holding = _holding(result.feeds, {change.uid for change in result.changes})
            result.changes = [c._replace(feeds=tuple(holding[c.uid])) for c in result.changes]
        _removals(result, self.previous)
        # A first publication is news to nobody: the changes feed starts empty.
        news = changes_feed(
            championship,
            self.previous.changes,
            result.changes if self.previous.events else [],
            self.now,
        )
        yield self._made(CHANGES, news.data)
        starts = previous_starts(championship, self.previous, self._unchanged)
        kept = KeptPieces(self.inputs, self.reuse.pieces(self.previous.page) if self.reuse else {})
        page = index_page(
            championship, result.feeds,
            changes=[Change(n.updated, n.title) for n in news.entries],
            previous_starts=starts, pieces=kept.pieces,
        )
        made = self._made(PAGE, page)
        result.record.page = made.sha256, kept.spans(page)
        yield made
        result.published = published_feeds(
            championship, result.feeds, result.digests, self.previous.manifest, self.now
        )
        yield self._made(MANIFEST, manifest(
            championship, result.published, result.digests, self.fingerprint, zones(championship)
        ))
        result.warnings = [_capped(c) for c in result.changes if c.capped]
        if news.warning:
            result.warnings.append(news.warning)

    def _unchanged(self, uid: str) -> bool:
        """Whether event `uid` is published as this build makes it (copied, not made)."""
        return self.reuse is not None and uid not in self._rendered

    def _made(self, path: str, data: bytes) -> OutputFile:
        digest = hashlib.sha256(data).hexdigest()
        self.result.digests[path] = digest
        return OutputFile(path, data, digest)

    def _feed(
        self, feed: Feed, uses: Counter[str], shared: dict[str, bytes],
    ) -> OutputFile:
        """One feed, reused whole when nothing in it changed."""
        series = self.result.championship.series
        inputs = self.inputs
        key = inputs.feed(series, feed)
        record = self.result.record
        old = self.reuse.record.feeds.get(feed.path) if self.reuse else None
        if old is not None and old.key == key:
            record.feeds[feed.path] = old  # as published: neither made nor written
            return OutputFile(feed.path, None, old.sha256)
        keys = inputs.entries(feed.entries)
        uids = [entry.uid for entry in feed.entries]
        published = self.reuse.feed(feed.path) if self.reuse and old else None
        events = []
        for entry, entry_key in zip(feed.entries, keys, strict=True):
            uid = entry.uid
            event = shared.get(uid)
            if event is None and published is not None:
                event = published.reusable(uid, entry_key)
            if event is None:
                event, change = _event(entry, self.previous, self.now)
                self._rendered.add(uid)
                if change is not None:
                    self.result.changes.append(change)
            if uses[uid] > 1:
                shared[uid] = event
            uses[uid] -= 1
            if uses[uid] == 0:
                shared.pop(uid, None)
            events.append(event)
        empty = ics.calendar(series, feed, [])
        head = empty[: -len(CALENDAR_END)]
        data = b"".join([head, *events, CALENDAR_END])
        digest = hashlib.sha256(data).hexdigest()
        sizes = ",".join([str(len(event)) for event in events])
        record.feeds[feed.path] = FeedRecord(
            digest, key, len(head), "\n".join(uids), "\n".join(keys), sizes
        )
        return OutputFile(feed.path, data, digest)


def _event(
    entry: Entry, previous: Publication, now: datetime
) -> tuple[bytes, EventChange | None]:
    """One event, stamped against the last publication, and what changed in it if anything.

    Only the bytes are kept: an export holds every event at once, so the lines compared
    here are dropped as soon as they have been.
    """
    body = ics.event_body(entry.season, entry)
    if entry.uid not in previous.events:  # new: nothing to compare it with, a first stamp
        title = ics.summary(entry.season, entry)
        added = EventChange(entry.uid, "added", title, (), entry.subject)  # feeds: later
        return ics.assemble_event(body, ics.Stamp(0, now)), added
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
            (),  # the feeds holding it: filled in once every feed is made
            entry.subject,
            tuple(differences(old, new)),
            capped=old is not None
            and old.stamp is not None
            and state == "changed"
            and stamp.sequence <= old.stamp.sequence,
        )
    return ics.assemble_event(body, stamp), change


def _holding(feeds: tuple[Feed, ...], uids: set[str] | None) -> dict[str, list[str]]:
    """The feeds that hold each event (of `uids` only, unless None), in the plan's order."""
    found: dict[str, list[str]] = {}
    for feed in feeds:
        for entry in feed.entries:
            if uids is None or entry.uid in uids:
                found.setdefault(entry.uid, []).append(feed.path)
    return found


def _removals(result: Build, previous: Publication) -> None:
    """Report the published events that are gone or archived, and list the removals.

    An event that leaves a feed but stays published elsewhere (a season leaving the
    stable feeds stays whole in its archive, its reminders variant there without
    alarms) is archived, not removed.
    """

    in_feeds: dict[str, list[str]] | None = None  # worked out if anything moved

    def lives_in(uid: str) -> list[str]:
        nonlocal in_feeds
        if in_feeds is None:
            in_feeds = _holding(result.feeds, None)
        return in_feeds.get(uid) or in_feeds.get(plain_uid(uid)) or []

    planned_uids = {feed.path: tuple(e.uid for e in feed.entries) for feed in result.feeds}
    # An event in a feed whose list of events is unchanged is neither removed nor archived
    # (it lives on in that feed): only the events of the other feeds need a look.
    moved = {
        uid
        for path, uids in previous.feeds.items()
        if planned_uids.get(path) != uids
        for uid in uids
    }
    published_in: dict[str, list[str]] = {}
    for path, uids in previous.feeds.items():
        for uid in uids:
            if uid in moved:
                published_in.setdefault(uid, []).append(path)
    changed = {  # the planned events of the feeds whose list of events changed
        path: set(uids) for path, uids in planned_uids.items()
        if path in previous.feeds and previous.feeds[path] != uids
    }

    def planned_in(path: str, uid: str) -> bool:
        return path in planned_uids and (path not in changed or uid in changed[path])

    for uid, paths in published_in.items():
        if not lives_in(uid):
            title = _title(previous.events[uid])
            result.changes.append(EventChange(uid, "removed", title, tuple(paths), subject_of(uid)))
        elif not all(planned_in(path, uid) for path in paths):
            title = _title(previous.events[uid])
            result.changes.append(
                EventChange(uid, "archived", title, tuple(lives_in(uid)), subject_of(uid))
            )
    for path, uids in previous.feeds.items():
        if path not in planned_uids:
            result.removals.append(Removal(path))
            continue
        for uid in uids if path in changed else ():
            if uid not in changed[path] and not lives_in(uid):
                result.removals.append(Removal(path, uid, _title(previous.events[uid])))


def previous_starts(
    championship: Championship, previous: Publication,
    unchanged: Callable[[str], bool] = lambda uid: False,
) -> dict[str, date]:
    """Each moved round's first day before it moved, by UID, for search engines.

    A round whose first day differs from its last published one has just moved; one
    the last page already called rescheduled, to the day it still has, stays so. An
    event `unchanged` says is published as it is now has not moved, and is not read.
    """
    kept = rescheduled(previous.page) if previous.page else {}
    starts: dict[str, date] = {}
    for season in championship.seasons:
        for round_ in season.rounds:
            uid = round_uid(season, round_)
            old = None if unchanged(uid) else previous.events.get(uid)
            before = _first_day(old.value("DTSTART")) if old else None
            if before is not None and before != round_.first_day:
                starts[uid] = before
            elif uid in kept and kept[uid][1] == round_.first_day:
                starts[uid] = kept[uid][0]
    return starts


def _first_day(value: str | None) -> date | None:
    """The day of an all-day DTSTART value (`20260206`)."""
    try:
        return datetime.strptime(value or "", "%Y%m%d").date()
    except ValueError:
        return None


def _capped(change: EventChange) -> str:
    return (
        f"{change.title} ({change.uid}) changed, but its SEQUENCE is already at RFC 5545's "
        f"maximum, {MAX_SEQUENCE}, and stays there: calendar apps that look only at "
        "SEQUENCE (Google Calendar) may not show this change"
    )


def _title(event: PublishedEvent) -> str:
    return event.text("SUMMARY") or event.uid
