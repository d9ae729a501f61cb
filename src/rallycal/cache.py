"""The render cache: what the last export wrote, so that an edit costs what it changes.

Events and feeds are keyed by what they are made from (`rallycal.keys`).

After each export, a record of every feed written goes to a cache file OUTSIDE the
output folder, in the user's cache folder (`cache_file`): each feed's sha256, file
signature and key, and the UID, key and byte length of each of its events, where the
page's round pieces are (`rallycal.kept`), and a digest of the record's own content.
The next export trusts that record only once every feed in the folder is verified to
be as it says and no other feed is there (`load`); then a feed whose key did not
change is neither assembled nor written, and in a feed that did change, an event whose
key did not is copied from that feed's published bytes (stamps included) instead of
being rendered and compared. Anything that does not verify (no cache, a damaged one, a
feed edited by hand or missing) means a full build, as if there were no cache.

A feed is verified as git verifies its work tree: a file whose signature (inode, size,
modification and change times) is the one recorded, and which had settled before the
record was made, has not been written since, because writing a file, renaming one
over it or touching it moves its change time past the record's. A file that changed
in the same clock tick as the record ("racily clean"), and any file whose signature
differs, is read and hashed instead; a copy with the same bytes still verifies.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import sys
import time
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from rallycal.feeds import PAGE
from rallycal.history import (
    Publication,
    PublishedEvent,
    own_feeds,
    parse_events,
    read_changes_file,
    read_feed,
)
from rallycal.manifest import Manifest

HEADER = "rallycal render cache 4"
BEGIN = b"BEGIN:VEVENT\r\n"
END = b"END:VEVENT\r\n"
CALENDAR_END = b"END:VCALENDAR\r\n"
Signature = tuple[int, int, int, int]  # a file's inode, size, mtime and ctime in ns
_SECOND = 1_000_000_000
# How long after a write a file's times may still show the clock tick of the write:
# Linux stamps files with a clock that lags by up to one tick (at most 10 ms), and a
# file system keeping whole seconds (FAT keeps two) rounds the times down.
_FINE_TICK, _COARSE_TICK = 20_000_000, 2 * _SECOND


class FeedRecord(NamedTuple):
    """One feed as the last export wrote it."""

    sha256: str
    key: str  # the digest of everything the feed is made from (`keys.Digests.feed`)
    head: int  # bytes before the first event
    uid_lines: str  # its events' UIDs, one per line, in order
    key_lines: str  # their keys (`Digests.entries`), one per line, in the same order
    size_list: str  # each event's length in bytes, in order, comma-separated
    signature: Signature | None = None  # the file as it was when the record was made
    line: str = ""  # its line in the record file it was read from, to write it again

    @property
    def uids(self) -> tuple[str, ...]:
        return tuple(self.uid_lines.split("\n")) if self.uid_lines else ()

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.key_lines.split("\n")) if self.key_lines else ()

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(map(int, self.size_list.split(","))) if self.size_list else ()

    @property
    def length(self) -> int:
        """The feed's size in bytes, as the record says."""
        return self.head + sum(self.sizes) + len(CALENDAR_END)

    def spans(self) -> Iterator[tuple[str, int, int]]:
        """Each event's UID, first byte and end."""
        start = self.head
        for uid, size in zip(self.uids, self.sizes, strict=True):
            yield uid, start, start + size
            start += size


@dataclass
class Record:
    """What an export wrote: every feed, and when their signatures were taken."""

    feeds: dict[str, FeedRecord] = field(default_factory=dict)
    made: int = 0  # in ns since 1970
    page: tuple[str, str] | None = None  # the page's sha256, and where its pieces are


def signature(path: Path | str) -> Signature | None:
    """The signature of a regular file (never through a link), or None."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns


def settled(sig: Signature, made: int) -> bool:
    """Whether a file with signature `sig`, taken at `made`, would show any later write."""
    latest = max(sig[2], sig[3])
    coarse = sig[2] % _SECOND == 0 and sig[3] % _SECOND == 0
    return latest < made - (_COARSE_TICK if coarse else _FINE_TICK)


def cache_file(out: Path) -> Path:
    """Where the record of the output folder `out` is kept: in the user's cache folder
    (`$XDG_CACHE_HOME/rallycal`, else the platform's), never in or beside `out`."""
    where = os.path.abspath(out)
    key = hashlib.sha256(where.encode()).hexdigest()[:24]
    return cache_folder() / f"{Path(where).name}-{key}.cache"


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


class Reuse:
    """A verified record: every feed in the output folder is exactly as it describes."""

    def __init__(self, out: Path, record: Record, settled: dict[str, Signature]) -> None:
        self.out = out
        self.record = record
        self.settled = settled  # the feeds verified by their signatures alone
        self._spans: dict[str, tuple[str, int, int]] | None = None
        self._last: Published | None = None  # the feed `feed` read last

    def untouched(self, written: list[str]) -> dict[str, Signature]:
        """The signatures still true of the feeds this export did not write."""
        changed = set(written)
        return {path: sig for path, sig in self.settled.items() if path not in changed}

    def knows(self, uid: str) -> bool:
        """Whether a published feed holds event `uid`."""
        return (self._last is not None and uid in self._last.spans) or uid in self._everywhere()

    def event(self, uid: str) -> bytes:
        """The published bytes of event `uid`, stamps included."""
        if self._last is not None and uid in self._last.spans:  # the feed being made again
            return self._last.event(uid)
        where, start, end = self._everywhere()[uid]
        fd = os.open(self.out / where, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        try:
            return os.pread(fd, end - start, start)
        finally:
            os.close(fd)

    def feed(self, path: str) -> Published | None:
        """The feed at `path` as published: its bytes, and each event's place and key."""
        feed = self.record.feeds.get(path)
        data = read_feed(self.out / path) if feed is not None else None
        if feed is None or data is None:
            return None
        self._last = Published(
            data, {uid: (start, end) for uid, start, end in feed.spans()},
            dict(zip(feed.uids, feed.keys, strict=True)),
        )
        return self._last

    def pieces(self, page: bytes) -> dict[str, str]:
        """The round pieces of the last page (`rallycal.kept`), if it hashes as recorded."""
        if self.record.page is None or hashlib.sha256(page).hexdigest() != self.record.page[0]:
            return {}
        from rallycal.kept import pieces_in  # the page's makers: only once a page is made

        return pieces_in(page, self.record.page[1])

    def publication(self, manifest: Manifest | None) -> Publication:
        """The last publication, its events parsed only when asked for."""
        feeds = {path: feed.uids for path, feed in sorted(self.record.feeds.items())}
        page = read_feed(self.out / PAGE) or b""
        return Publication(
            feeds, _LazyEvents(self), manifest, page, changes=read_changes_file(self.out)
        )

    def _everywhere(self) -> dict[str, tuple[str, int, int]]:
        """Where each published event is (made on first use: an edit of a round finds
        its events in the feeds it makes again)."""
        if self._spans is None:
            self._spans = {}
            for path, feed in self.record.feeds.items():
                for uid, start, end in feed.spans():
                    self._spans.setdefault(uid, (path, start, end))
        return self._spans


class Published(NamedTuple):
    """One published feed's bytes, where each of its events is, and each one's key."""

    data: bytes
    spans: dict[str, tuple[int, int]]
    keys: dict[str, str]

    def event(self, uid: str) -> bytes:
        start, end = self.spans[uid]
        return self.data[start:end]

    def reusable(self, uid: str, key: str) -> bytes | None:
        """The published bytes of event `uid`, if they were made from these inputs."""
        return self.event(uid) if self.keys.get(uid) == key and uid in self.spans else None


class _LazyEvents(MutableMapping[str, PublishedEvent]):
    """The published events by UID, each read from its feed and parsed on first use."""

    def __init__(self, reuse: Reuse) -> None:
        self._reuse = reuse
        self._parsed: dict[str, PublishedEvent] = {}

    def __getitem__(self, uid: str) -> PublishedEvent:
        event = self._parsed.get(uid)
        if event is None:
            if not self._reuse.knows(uid):
                raise KeyError(uid)
            event = self._parsed[uid] = parse_events(self._reuse.event(uid))[0]
        return event

    def __contains__(self, uid: object) -> bool:
        return uid in self._parsed or (isinstance(uid, str) and self._reuse.knows(uid))

    def __setitem__(self, uid: str, event: PublishedEvent) -> None:
        self._parsed[uid] = event

    def __delitem__(self, uid: str) -> None:
        raise KeyError(uid)

    def __iter__(self) -> Iterator[str]:
        return iter(self._reuse._everywhere())

    def __len__(self) -> int:
        return len(self._reuse._everywhere())

    def __bool__(self) -> bool:  # without finding where every event is
        return any(feed.uid_lines for feed in self._reuse.record.feeds.values())


def load(out: Path, manifest: Manifest | None) -> Reuse | None:
    """The record of `out`'s last export, if every feed there still hashes as it says."""
    record = _read(cache_file(out))
    if record is None:
        return None
    listed = {feed.path for feed in manifest.feeds} if manifest else set()
    if set(own_feeds(out)) != record.feeds.keys() or not listed <= record.feeds.keys():
        return None
    folder = os.fspath(out)
    verified: dict[str, Signature] = {}
    for path, feed in record.feeds.items():
        now = signature(os.path.join(folder, path))
        if now is not None and now == feed.signature and settled(now, record.made):
            verified[path] = now  # not written since the record was made: as it says
            continue
        data = read_feed(out / path)
        if data is None or hashlib.sha256(data).hexdigest() != feed.sha256:
            return None
        if not _framed(data, feed):
            return None
    return Reuse(out, record, verified)


def save(out: Path, record: Record, untouched: dict[str, Signature] | None = None) -> None:
    """Keep the record of what `out` now holds; a cache that cannot be written is no error.

    `untouched`: the signatures, verified before this export, of the feeds it did not
    write (kept as they were: a file changed since then then fails to verify)."""
    path = cache_file(out)
    made = time.time_ns()  # before the signatures: a write after this shows in them
    kept = untouched or {}
    folder = os.fspath(out)
    page = record.page
    lines = [HEADER, f"made\t{made}",
             "page\t-\t-" if page is None else f"page\t{page[0]}\t{page[1].replace(chr(10), '|')}"]
    for name, feed in record.feeds.items():
        sig = kept.get(name)
        if sig is not None and feed.line and sig == feed.signature:
            lines.append(feed.line)  # a feed not written since it was read: the same line
        else:
            lines.append(_line(name, feed, sig or signature(os.path.join(folder, name))))
    body = "\n".join(lines).encode()
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp.write_bytes(body + b"\n" + _checksum(body) + b"\n")
        os.replace(temp, path)
    except OSError:
        with contextlib.suppress(OSError):
            temp.unlink()


def forget(out: Path) -> None:
    """Drop the record of `out` (its folder changed in a way the record does not describe)."""
    with contextlib.suppress(OSError):
        cache_file(out).unlink()


def _line(name: str, feed: FeedRecord, sig: Signature | None) -> str:
    """One feed's line in the record file: tab-separated, its lists separated by spaces
    (no UID, key or path holds a space, a tab or a line break)."""
    written = "-" if sig is None else " ".join(map(str, sig))
    return "\t".join([
        name, feed.sha256, feed.key, str(feed.head), written,
        feed.uid_lines.replace("\n", " "), feed.key_lines.replace("\n", " "), feed.size_list,
    ])


def _read(path: Path) -> Record | None:
    """The record in the cache file, or None for anything not as `save` writes it."""
    try:
        body, checksum, end = path.read_bytes().rsplit(b"\n", 2)
        if end or checksum != _checksum(body):
            return None  # cut short, or not as `save` wrote it
        header, made_line, page_line, *feed_lines = body.decode().split("\n")
        label, made = made_line.split("\t")
        kind, sha, spans = page_line.split("\t")
        if header != HEADER or label != "made" or kind != "page":
            return None
        page = None if sha == "-" else (sha, spans.replace("|", "\n"))
        feeds = {}
        for line in feed_lines:
            name, sha, key, head, written, uids, keys, sizes = line.split("\t")
            sig = None if written == "-" else _signature(written)
            feeds[name] = FeedRecord(sha, key, int(head), uids.replace(" ", "\n"),
                                     keys.replace(" ", "\n"), sizes, sig, line)
        record = Record(feeds, int(made), page)
    except (OSError, ValueError):  # also UnicodeDecodeError
        return None
    if not all(_aligned(feed) for feed in feeds.values()):
        return None
    return record  # as `save` wrote it: the checksum says so


def _signature(written: str) -> Signature:
    ino, size, mtime, ctime = map(int, written.split(" "))  # ValueError unless four
    return ino, size, mtime, ctime


def _aligned(feed: FeedRecord) -> bool:
    """Whether the record has one UID, one key and one size for each event."""
    if not feed.uid_lines:
        return not feed.key_lines and not feed.size_list
    count = feed.uid_lines.count("\n")
    return feed.key_lines.count("\n") == count == feed.size_list.count(",")


def _framed(data: bytes, feed: FeedRecord) -> bool:
    """Whether every event sits where the record says, whole."""
    if not len(feed.uids) == len(feed.keys) == len(feed.sizes) or feed.length != len(data):
        return False
    return all(
        data.startswith(BEGIN, start) and data.endswith(END, start, end) and end - start > 26
        for _, start, end in feed.spans()
    )


def _checksum(body: bytes) -> bytes:
    return hashlib.blake2b(body, digest_size=16).hexdigest().encode()
