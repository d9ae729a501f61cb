"""The export: read the source and the last publication, build every file in memory,
compare it with the folder's bytes, and write what differs, all or nothing.

* Nothing is written unless the whole build succeeded and nothing published would
  vanish without `allow_removal`.
* The changed files are written through one journal (`rallycal.journal`): all old or
  all new, even after a crash; the next export first undoes an interrupted one, so its
  result, news included, is what an uninterrupted export gives.
* Unchanged files are not touched. Only files named as rallycal names its own are ever
  deleted, and nothing is written outside the output folder.
* One export at a time per folder: an exclusive lock on the folder itself.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from rallycal import journal
from rallycal.errors import PublishError, RallycalError, RemovalRefused
from rallycal.model import Championship
from rallycal.plan import CHANGES, MANIFEST, PAGE, Entry, Feed, is_own_path, plain_uid, plan, uid
from rallycal.publication import (
    MAX_SEQUENCE,
    Difference,
    EventChange,
    Notice,
    Publication,
    PublishedEvent,
    Removal,
    Stamp,
    differences,
    digest,
    first_day,
    read_publication,
    visible_lines,
    when,
)
from rallycal.render import ics
from rallycal.render.atom import changes_feed
from rallycal.render.manifest import manifest
from rallycal.render.news import notices
from rallycal.render.page import index_page
from rallycal.source import load, normalise_base_url

if sys.platform != "win32":
    import fcntl

RETRY = "To remove them anyway, run the export again with --allow-removal."
PAGE_NOTICES = 5  # the latest changes the page shows


@dataclass
class Build:
    """Every output file (the manifest last), and what subscribers will notice."""

    feeds: tuple[Feed, ...]
    files: dict[str, bytes]
    changes: list[EventChange] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)  # this export's news
    warnings: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    """What an export did (or, with `dry_run`, would do) to the output folder."""

    out_dir: str
    championship: Championship
    build: Build
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    refused: bool = False  # the removals need --allow-removal: a real export would stop
    pending: list[str] = field(default_factory=list)  # what an interrupted export left
    warnings: list[str] = field(default_factory=list)

    @property
    def stale(self) -> bool:
        return bool(self.written or self.removed or self.pending)


def export_time() -> datetime:
    """Now, in UTC to the second; `SOURCE_DATE_EPOCH` when set (reproducible builds)."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if not value:
        return datetime.now(timezone.utc).replace(microsecond=0)
    if not value.isdigit():
        raise RallycalError(
            f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, not {value!r}"
        )
    try:
        return datetime.fromtimestamp(int(value), timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise RallycalError(f"SOURCE_DATE_EPOCH {value} is out of range") from None


def export(
    source: str,
    out_dir: str,
    *,
    base_url: str | None = None,
    allow_removal: bool = False,
    dry_run: bool = False,
) -> Outcome:
    """Export `source` into `out_dir`; with `dry_run`, only say what would change."""
    now = export_time()
    championship = load(source)
    if base_url is not None:
        championship = championship.with_base_url(normalise_base_url(base_url))
    out = Path(out_dir)
    outcome = None
    try:
        with _locked(out, create=not dry_run):
            outcome = _update(out, championship, source, now, allow_removal, dry_run)
    except KeyboardInterrupt:  # once committed (the lock being released): all new
        if outcome is not None and outcome.stale and not dry_run:
            raise journal.Interrupted("new") from None
        raise
    return outcome


def _update(
    out: Path, championship: Championship, source: str, now: datetime, allow_removal: bool,
    dry_run: bool,
) -> Outcome:
    """Under the folder's lock: undo an interrupted export, build, compare, commit."""
    pending = journal.pending(out)
    undone = journal.recover(out) if pending and not dry_run else None
    publication = read_publication(out)
    result = build(championship, publication, now)
    outcome = Outcome(str(out), championship, result, pending=[] if undone else pending)
    outcome.warnings = [undone] if undone else []
    outcome.warnings += publication.warnings + result.warnings
    for path, data in result.files.items():
        same = publication.files.get(path) == data  # a link is never read: not the same
        (outcome.unchanged if same else outcome.written).append(path)
    outcome.removed = sorted(
        path for path in publication.files if path not in result.files and is_own_path(path)
    )
    outcome.refused = bool(result.removals) and not allow_removal
    if outcome.refused and not dry_run:
        notes = [f"warning: {warning}" for warning in outcome.warnings]
        raise RemovalRefused("\n".join([*notes, removal_message(result.removals, source)]))
    for path in [*result.files, *outcome.removed]:  # a second guard behind the loader's
        if not (is_own_path(path) or path == MANIFEST):
            raise PublishError(f"refusing to write {path!r}: not a name rallycal gives a file")
    if not dry_run and (outcome.written or outcome.removed):
        writes = {path: result.files[path] for path in outcome.written}
        left = journal.commit(out, writes, outcome.removed)
        if left:
            outcome.warnings.append(
                f"the export is complete, but {len(left)} old version(s) could not be removed "
                f"({', '.join(left[:3])}): the next export removes them, and until then "
                "`rallycal export --check` reports them"
            )
    return outcome


def build(championship: Championship, publication: Publication, now: datetime) -> Build:
    """Every output file, each event stamped against the last publication: a pure
    function of its inputs (no clock, no file system)."""
    feeds = plan(championship)
    base_url = championship.series.base_url
    result = Build(feeds, {})
    events: dict[str, bytes] = {}
    records: dict[str, tuple[Stamp, str]] = {}
    holding: dict[str, list[str]] = {}
    for feed in feeds:
        for entry in feed.entries:
            holding.setdefault(entry.uid, []).append(feed.path)
            if entry.uid not in events:
                events[entry.uid], records[entry.uid], change = _event(entry, publication, now)
                if change is not None:
                    result.changes.append(change)
        held = [events[entry.uid] for entry in feed.entries]
        result.files[feed.path] = ics.calendar(feed, base_url, held)
    result.changes = [
        EventChange(c.uid, c.kind, c.title, tuple(holding[c.uid]), c.differences, c.capped)
        for c in result.changes
    ]
    _gone(result, publication, holding)
    if publication.events:  # a first publication is news to nobody
        result.notices = notices(championship, result.changes, _news_time(publication, now))
    news = result.notices + publication.notices
    result.files[CHANGES], kept = changes_feed(
        championship.series, news, publication.notices_updated or now
    )
    rescheduled = _rescheduled(championship, publication)
    result.files[PAGE] = index_page(
        championship, feeds, notices=news[: min(kept, PAGE_NOTICES)],
        previous_starts={key: before for key, (before, _) in rescheduled.items()},
    )
    result.files[MANIFEST] = manifest(
        championship, feeds, result.files, records, rescheduled, publication, now
    )
    result.warnings += [_capped(change) for change in result.changes if change.capped]
    return result


def _event(
    entry: Entry, publication: Publication, now: datetime
) -> tuple[bytes, tuple[Stamp, str], EventChange | None]:
    """One event's bytes, its stamp and digest, and what changed in it if anything.

    An event published with the same bytes is taken as it is, without reading it; one
    whose bytes differ is compared line by line, whatever the order and folding.
    """
    vevent = ics.event(entry)
    old = publication.events.get(entry.uid)
    twin = publication.events.get(plain_uid(entry.uid)) if entry.reminders else None
    if old is None and twin is not None:  # its own records lost: never below its twin's
        stamp = twin.stamp.next(now)
        data = ics.stamped(vevent, stamp)
        unread = (Difference("text", None, None),)
        lost = EventChange(entry.uid, "changed", ics.summary(entry), (), unread)
        return data, (stamp, digest(visible_lines(data))), lost
    if old is None:
        stamp = Stamp(0, now)
        data = ics.stamped(vevent, stamp)
        added = EventChange(entry.uid, "added", ics.summary(entry), ())
        return data, (stamp, digest(visible_lines(data))), added
    data = ics.stamped(vevent, old.stamp)
    if data == old.raw and old.digest is not None:
        return data, (old.stamp, old.digest), None
    lines = visible_lines(data)
    if old.says(lines):
        return data, (old.stamp, digest(lines)), None
    stamp = old.stamp.next(now)
    data = ics.stamped(vevent, stamp)
    change = EventChange(
        entry.uid, "changed", ics.summary(entry), (), differences(old, lines),
        capped=stamp.sequence == old.stamp.sequence,
    )
    return data, (stamp, digest(lines)), change


def _gone(result: Build, publication: Publication, holding: dict[str, list[str]]) -> None:
    """The published events that leave a feed: archived when they live on elsewhere (a
    season leaving the stable feeds stays whole in its archive, its reminders variant
    there without alarms), else removed; and the published feeds that go."""
    planned = {feed.path: {entry.uid for entry in feed.entries} for feed in result.feeds}
    left: dict[str, list[str]] = {}
    for path, uids in publication.feeds.items():
        if path not in planned:
            result.removals.append(Removal(path))
        for event_uid in uids:
            if event_uid not in planned.get(path, ()):
                left.setdefault(event_uid, []).append(path)
    for event_uid in publication.events:
        if event_uid not in holding and event_uid not in left:
            left[event_uid] = []  # known only from the manifest: its feeds are damaged
    for event_uid, paths in left.items():
        title = _title(publication.events.get(event_uid), event_uid)
        lives = holding.get(event_uid) or holding.get(plain_uid(event_uid))
        if lives:
            result.changes.append(EventChange(event_uid, "archived", title, tuple(lives)))
            continue
        event = publication.events.get(event_uid)
        days = (Difference("dates", when(event), None),) if event and when(event) else ()
        result.changes.append(EventChange(event_uid, "removed", title, tuple(paths), days))
        for path in paths or ["(the last publication)"]:
            if path in planned or not paths:
                result.removals.append(Removal(path, event_uid, title))


def _title(event: PublishedEvent | None, event_uid: str) -> str:
    for line in event.lines() if event else ():
        if line.startswith("SUMMARY:"):
            return line[len("SUMMARY:"):].replace("\\,", ",").replace("\\;", ";")
    return event_uid


def _news_time(publication: Publication, now: datetime) -> datetime:
    """Never older than the newest entry (an older SOURCE_DATE_EPOCH), so the changes
    feed stays newest first."""
    return max([now, *(notice.updated for notice in publication.notices[:1])])


def _rescheduled(
    championship: Championship, publication: Publication
) -> dict[str, tuple[date, date]]:
    """Each moved round's first day before it moved and after, by UID, for search
    engines; kept in the manifest while the round stays on its new day."""
    kept = publication.manifest.get("rescheduled")
    kept = kept if isinstance(kept, dict) else {}
    found = {}
    for season in championship.seasons:
        for round_ in season.rounds:
            key = uid(season.series, season.year, round_.id)
            old = publication.events.get(key)
            before = first_day(old) if old else None
            if before is not None and before != round_.first_day:
                found[key] = (before, round_.first_day)
                continue
            days = kept.get(key)
            with contextlib.suppress(TypeError, ValueError):
                if isinstance(days, list) and date.fromisoformat(days[1]) == round_.first_day:
                    found[key] = (date.fromisoformat(days[0]), round_.first_day)
    return found


def _capped(change: EventChange) -> str:
    return (
        f"{change.title} ({change.uid}) changed, but its SEQUENCE is already at RFC 5545's "
        f"maximum, {MAX_SEQUENCE}, and stays there: calendar apps that look only at "
        "SEQUENCE (Google Calendar) may not show this change"
    )


def removal_message(removals: list[Removal], source: str) -> str:
    """Why the export stopped, what would disappear, and the two ways on."""
    lines = ["export stopped: these published feeds or events would disappear for subscribers:"]
    for removal in removals:
        if removal.uid is None:
            lines.append(f"  feed {removal.path}")
        else:
            lines.append(f"  {removal.title} ({removal.uid}) from {removal.path}")
    lines.append(
        f"To tell subscribers a round will not run, keep it in {source} with "
        "`status: cancelled`; it stays in every feed, marked cancelled."
    )
    lines.append(RETRY)
    lines.append("Nothing was written.")
    return "\n".join(lines)


@contextlib.contextmanager
def _locked(out: Path, *, create: bool) -> Iterator[None]:
    """Hold an exclusive lock on the output folder (waits for a running export)."""
    if create:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            reason = error.strerror
            raise PublishError(f"{out}: cannot create the output folder: {reason}") from None
    if not out.is_dir():
        if out.exists():
            raise PublishError(f"{out}: is not a folder")
        yield
        return
    if sys.platform == "win32":
        yield
        return
    fd = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
