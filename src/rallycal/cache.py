"""The render cache: what the last export wrote, so that an edit costs what it changes.

An event's text is a pure function of its inputs: the facts of its season it can use
(the series, the year, how many rounds, the classes and teams), its round, its UID
(which names its class, team or schedule item), whether it has reminders, and the
code and time-zone data that render it (`fingerprint.environment`). `Digests.entry`
hashes exactly those; a feed's header is hashed the same way (`Digests.header`). A
text that starts to depend on anything else must add it here: the tests compare
incremental exports with fresh ones after many random edits, so a forgotten input
fails them.

After each export, a record of every feed written goes to a cache file OUTSIDE the
output folder, in the user's cache folder (`cache_file`): each feed's sha256, the
digest of its header, and the UID, input digest and byte length of each of its events. The next
export trusts that record only once every feed in the folder hashes as it says and
no other feed is there (`load`); then an event whose inputs did not change is copied
from the bytes already published (stamps included) instead of being rendered and
compared, and a feed whose header and events did not change is neither assembled
nor written. Anything that does not verify (no cache, a damaged one, a feed edited by
hand or missing) means a full build, as if there were no cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

from rallycal.feeds import PAGE, Entry, Feed
from rallycal.history import (
    Publication,
    PublishedEvent,
    own_feeds,
    parse_events,
    read_changes_file,
    read_feed,
)
from rallycal.manifest import Manifest
from rallycal.model import Round, Season, Series

FORMAT = 1
BEGIN = b"BEGIN:VEVENT\r\n"
END = b"END:VEVENT\r\n"
CALENDAR_END = b"END:VCALENDAR\r\n"


@dataclass(frozen=True)
class FeedRecord:
    """One feed as the last export wrote it."""

    sha256: str
    header: str  # the digest of the header's inputs
    head: int  # bytes before the first event
    uids: tuple[str, ...]
    sizes: tuple[int, ...]  # each event's length in bytes, in order

    def spans(self) -> Iterator[tuple[str, int, int]]:
        """Each event's UID, first byte and end."""
        start = self.head
        for uid, size in zip(self.uids, self.sizes, strict=True):
            yield uid, start, start + size
            start += size


@dataclass
class Record:
    """What an export wrote: every feed, and each event's input digest by UID."""

    feeds: dict[str, FeedRecord] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)


def cache_file(out: Path) -> Path:
    """Where the record of the output folder `out` is kept: in the user's cache folder
    (`$XDG_CACHE_HOME/rallycal`, else the platform's), never in or beside `out`."""
    where = os.path.abspath(out)
    key = hashlib.sha256(where.encode()).hexdigest()[:24]
    return cache_folder() / f"{Path(where).name}-{key}.json"


def cache_folder() -> Path:
    """The user's cache folder for rallycal."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        if sys.platform == "win32":
            base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        elif sys.platform == "darwin":
            base = str(Path.home() / "Library" / "Caches")
        else:
            base = str(Path.home() / ".cache")
    return Path(base) / "rallycal"


class Digests:
    """The input digests of entries and feed headers, each fact hashed once per build."""

    def __init__(self, environment: str) -> None:
        self.environment = environment
        self._seasons: dict[int, str] = {}
        self._rounds: dict[tuple[int, str], str] = {}
        self._entries: dict[str, str] = {}

    def entry(self, entry: Entry) -> str:
        """The digest of everything the event of `entry` is rendered from."""
        digest = self._entries.get(entry.uid)  # the same UID is the same event in every feed
        if digest is None:
            digest = self._entries[entry.uid] = self._entry(entry)
        return digest

    def _entry(self, entry: Entry) -> str:
        season = entry.season
        key = (season.year, entry.round.id)
        round_digest = self._rounds.get(key)
        if round_digest is None:
            round_digest = self._rounds[key] = _digest(self._season(season), _round(entry.round))
        return _digest(round_digest, entry.uid, str(entry.reminders))

    def header(self, series: Series, feed: Feed) -> str:
        """The digest of everything a feed's calendar properties are rendered from."""
        return _digest(
            self.environment, repr(series), feed.kind, feed.id, feed.name, feed.path, feed.title,
            feed.description, repr(feed.color), repr(feed.season), str(feed.reminders),
        )

    def _season(self, season: Season) -> str:
        digest = self._seasons.get(id(season))
        if digest is None:
            facts = (season.series, season.year, len(season.rounds), season.classes, season.teams)
            digest = self._seasons[id(season)] = _digest(self.environment, repr(facts))
        return digest


class Reuse:
    """A verified record: every feed in the output folder is exactly as it describes."""

    def __init__(self, out: Path, record: Record) -> None:
        self.out = out
        self.record = record
        self._where: dict[str, tuple[str, int, int]] = {}
        for path, feed in record.feeds.items():
            for uid, start, end in feed.spans():
                self._where.setdefault(uid, (path, start, end))

    def knows(self, uid: str) -> bool:
        """Whether a published feed holds event `uid`."""
        return uid in self._where

    def event(self, uid: str) -> bytes:
        """The published bytes of event `uid`, stamps included."""
        where, start, end = self._where[uid]
        fd = os.open(self.out / where, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        try:
            return os.pread(fd, end - start, start)
        finally:
            os.close(fd)

    def feed(self, path: str) -> tuple[bytes, dict[str, tuple[int, int]]] | None:
        """The published bytes of the feed at `path` and where each of its events is."""
        feed = self.record.feeds.get(path)
        data = read_feed(self.out / path) if feed is not None else None
        if feed is None or data is None:
            return None
        return data, {uid: (start, end) for uid, start, end in feed.spans()}

    def publication(self, manifest: Manifest | None) -> Publication:
        """The last publication, its events parsed only when asked for."""
        feeds = {path: feed.uids for path, feed in sorted(self.record.feeds.items())}
        page = read_feed(self.out / PAGE) or b""
        return Publication(
            feeds, _LazyEvents(self), manifest, page, changes=read_changes_file(self.out)
        )


class _LazyEvents(MutableMapping[str, PublishedEvent]):
    """The published events by UID, each read from its feed and parsed on first use."""

    def __init__(self, reuse: Reuse) -> None:
        self._reuse = reuse
        self._parsed: dict[str, PublishedEvent] = {}

    def __getitem__(self, uid: str) -> PublishedEvent:
        event = self._parsed.get(uid)
        if event is None:
            if uid not in self._reuse._where:
                raise KeyError(uid)
            event = self._parsed[uid] = parse_events(self._reuse.event(uid))[0]
        return event

    def __contains__(self, uid: object) -> bool:
        return uid in self._parsed or uid in self._reuse._where

    def __setitem__(self, uid: str, event: PublishedEvent) -> None:
        self._parsed[uid] = event

    def __delitem__(self, uid: str) -> None:
        raise KeyError(uid)

    def __iter__(self) -> Iterator[str]:
        return iter(self._reuse._where)

    def __len__(self) -> int:
        return len(self._reuse._where)


def load(out: Path, manifest: Manifest | None) -> Reuse | None:
    """The record of `out`'s last export, if every feed there still hashes as it says."""
    record = _read(cache_file(out))
    if record is None:
        return None
    listed = {feed.path for feed in manifest.feeds} if manifest else set()
    if set(own_feeds(out)) != record.feeds.keys() or not listed <= record.feeds.keys():
        return None
    for path, feed in record.feeds.items():
        data = read_feed(out / path)
        if data is None or hashlib.sha256(data).hexdigest() != feed.sha256:
            return None
        if not _framed(data, feed) or not all(uid in record.inputs for uid in feed.uids):
            return None
    return Reuse(out, record)


def save(out: Path, record: Record) -> None:
    """Keep the record of what `out` now holds; a cache that cannot be written is no error."""
    path = cache_file(out)
    document = {
        "format": FORMAT,
        "feeds": {
            name: [feed.sha256, feed.header, feed.head, feed.uids, feed.sizes]
            for name, feed in record.feeds.items()
        },
        "inputs": record.inputs,
    }
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp.write_text(json.dumps(document, separators=(",", ":")), encoding="utf-8")
        os.replace(temp, path)
    except OSError:
        with contextlib.suppress(OSError):
            temp.unlink()


def forget(out: Path) -> None:
    """Drop the record of `out` (its folder changed in a way the record does not describe)."""
    with contextlib.suppress(OSError):
        cache_file(out).unlink()


def _read(path: Path) -> Record | None:
    """The record in the cache file, or None for anything not as `save` writes it."""
    try:
        document = json.loads(path.read_bytes())
        if document.get("format") != FORMAT:
            return None
        inputs = document["inputs"]
        feeds = {
            name: FeedRecord(str(sha), str(header), int(head), tuple(map(str, uids)),
                             tuple(map(int, sizes)))
            for name, (sha, header, head, uids, sizes) in document["feeds"].items()
        }
        if not isinstance(inputs, dict):
            return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None
    if any(len(feed.uids) != len(feed.sizes) for feed in feeds.values()):
        return None
    return Record(feeds, {str(uid): str(digest) for uid, digest in inputs.items()})


def _framed(data: bytes, feed: FeedRecord) -> bool:
    """Whether every event sits where the record says, whole."""
    if feed.head + sum(feed.sizes) + len(CALENDAR_END) != len(data):
        return False
    return all(
        data.startswith(BEGIN, start) and data.endswith(END, start, end) and end - start > 26
        for _, start, end in feed.spans()
    )


def _round(round_: Round) -> str:
    return repr(round_)


def _digest(*parts: str) -> str:
    return hashlib.blake2b("\0".join(parts).encode(), digest_size=16).hexdigest()
