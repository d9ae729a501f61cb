"""`feeds.json`: what was published, for other tools and for the next export.

Other tools read `feeds`; the exporter itself reads `files` (path -> sha256: the
only files it will ever delete, the manifest aside) and `fingerprint` (to skip an export whose
inputs have not changed). The manifest is a convenience, never the record: the feeds are.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any, NamedTuple

from rallycal.feeds import CHANGES, PAGE, Feed, feed_url, webcal_url
from rallycal.model import Championship

FORMAT = 1


class PublishedFeed(NamedTuple):
    """One feed as the manifest lists it."""

    kind: str
    id: str
    title: str
    path: str
    url: str | None
    webcal: str | None
    events: int
    sha256: str
    last_changed: str  # ISO 8601, UTC: when this feed's bytes last changed
    season: int | None = None  # the archived season's year; None for a stable feed
    reminders: bool = False  # the variant with alarms

    def as_json(self) -> dict[str, str | int | bool | None]:
        """The feed's entry in `feeds.json`, keys in their published order."""
        return {
            "kind": self.kind,
            "id": self.id,
            "title": self.title,
            "path": self.path,
            "url": self.url,
            "webcal": self.webcal,
            "season": self.season,
            "reminders": self.reminders,
            "events": self.events,
            "sha256": self.sha256,
            "last_changed": self.last_changed,
        }


class Manifest(NamedTuple):
    """What the exporter reads back from the last `feeds.json`.

    Read, never trusted: entries of the wrong shape are left out (`problem` then says
    what was wrong), and paths are checked by the caller.
    """

    feeds: tuple[PublishedFeed, ...]
    files: dict[str, str]  # path -> sha256
    fingerprint: str | None
    zones: tuple[str, ...] | None = None  # the time zones the fingerprint covers
    problem: str | None = None  # what was left out as damaged, if anything
    body: str = ""  # the digest of its content, fingerprint aside (see `seal`)

    @property
    def intact(self) -> bool:
        """Whether it is whole, as this version writes it (the fingerprint shortcut's test)."""
        return self.problem is None and self.fingerprint is not None and self.zones is not None


class DamagedManifest(ValueError):
    """`feeds.json` is not a manifest rallycal could have written; says what is wrong."""


def read_manifest(data: bytes) -> Manifest:
    """The manifest in `data`, or `DamagedManifest`; never any other exception."""
    try:
        document = json.loads(data)
    except RecursionError:
        raise DamagedManifest("it is nested too deeply to be a manifest") from None
    except ValueError as error:  # also UnicodeDecodeError
        raise DamagedManifest(f"it is not valid JSON ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("feeds"), list):
        raise DamagedManifest("it is not a manifest rallycal wrote (no list of feeds)")
    feeds = [_feed(entry) for entry in document["feeds"]]
    files = document.get("files")
    fingerprint = document.get("fingerprint")
    zones = document.get("zones")
    known_files = {
        path: digest
        for path, digest in (files.items() if isinstance(files, dict) else ())
        if isinstance(path, str) and isinstance(digest, str)
    }
    problems = []
    if None in feeds:
        problems.append(f"{feeds.count(None)} of its feed entries are not as rallycal writes them")
    if not isinstance(files, dict) or len(known_files) != len(files):
        problems.append("its list of files is not as rallycal writes it")
    if not isinstance(fingerprint, (str, type(None))):
        problems.append("its fingerprint is not a text")
    zones_ok = isinstance(zones, list) and all(isinstance(zone, str) for zone in zones)
    if zones is not None and not zones_ok:
        problems.append("its list of time zones is not a list of names")
    return Manifest(
        tuple(feed for feed in feeds if feed is not None),
        known_files,
        fingerprint if isinstance(fingerprint, str) else None,
        tuple(zones) if zones_ok and isinstance(zones, list) else None,
        "; ".join(problems) or None,
        _body(data),
    )


def _feed(entry: object) -> PublishedFeed | None:
    """A manifest entry read back, or None if any field has the wrong type."""
    if not isinstance(entry, dict):
        return None
    get = entry.get
    text = [value for key in _TEXT_FIELDS if isinstance(value := get(key), str)]
    url, webcal, events, season = get("url"), get("webcal"), get("events"), get("season")
    reminders = get("reminders", False)
    if len(text) != len(_TEXT_FIELDS):
        return None
    if not (url is None or isinstance(url, str)) or not (webcal is None or isinstance(webcal, str)):
        return None
    if not (season is None or (isinstance(season, int) and not isinstance(season, bool))):
        return None
    if not isinstance(reminders, bool) or not isinstance(events, int) or isinstance(events, bool):
        return None
    kind, id_, title, path, sha256, last_changed = text
    return PublishedFeed(kind, id_, title, path, url, webcal, events, sha256, last_changed,
                         season, reminders)


_TEXT_FIELDS = ("kind", "id", "title", "path", "sha256", "last_changed")


def published_feeds(
    championship: Championship,
    feeds: tuple[Feed, ...],
    digests: dict[str, str],
    previous: Manifest | None,
    now: datetime,
) -> tuple[PublishedFeed, ...]:
    """Every feed's manifest entry; its `last_changed` moves only when its bytes do."""
    before = {entry.path: entry for entry in previous.feeds} if previous else {}
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    entries = []
    for feed in feeds:
        digest = digests[feed.path]
        old = before.get(feed.path)
        old_digest, old_changed = (old.sha256, old.last_changed) if old else ("", "")
        url = feed_url(championship.series, feed.path)
        entries.append(
            PublishedFeed(
                kind=feed.kind,
                id=feed.id,
                title=feed.title,
                path=feed.path,
                url=url,
                webcal=webcal_url(url),
                events=len(feed.entries),
                sha256=digest,
                last_changed=old_changed if old_digest == digest and old_changed else stamp,
                season=feed.season,
                reminders=feed.reminders,
            )
        )
    return tuple(entries)


def manifest(
    championship: Championship,
    entries: tuple[PublishedFeed, ...],
    digests: dict[str, str],
    fingerprint: str,
    zones: tuple[str, ...],
) -> bytes:
    """The bytes of `feeds.json` for this build (`digests`: every other output file's sha256)."""
    series = championship.series
    window = championship.in_window
    document = {
        "format": FORMAT,
        "series": {"id": series.id, "name": series.name},
        "seasons": [
            {"year": s.year, "rounds": len(s.rounds), "in_stable_feeds": s in window}
            for s in championship.seasons
        ],
        "base_url": series.base_url,
        "page": PAGE,
        "changes": CHANGES if CHANGES in digests else None,
        "feeds": [entry.as_json() for entry in entries],
        "files": {path: digests[path] for path in sorted(digests)},
        "fingerprint": "",
        "zones": list(zones),
    }
    members = {key: _encode(value) for key, value in document.items()}
    body = hashlib.sha256(_object(members)).hexdigest()  # with an empty fingerprint
    members["fingerprint"] = _encode(seal(fingerprint, body))
    return _object(members)


def seal(inputs: str, body: str) -> str:
    """The fingerprint a manifest records: of the inputs, and of the manifest's own content
    (`body`), so that the shortcut also notices a `feeds.json` edited by hand."""
    return hashlib.sha256(f"{inputs}\0{body}".encode()).hexdigest()


def _body(data: bytes) -> str:
    """The digest of a manifest's bytes with its fingerprint's value left empty ("" when
    it has no fingerprint where rallycal writes it): of every byte but the seal itself,
    so no re-encoding is needed to check it."""
    found = _FINGERPRINT.findall(data)
    if len(found) != 1:
        return ""
    return hashlib.sha256(_FINGERPRINT.sub(b'\\1""\\2', data)).hexdigest()


_FINGERPRINT = re.compile(rb'(\n  "fingerprint": )"[0-9a-f]*"(,?\n)')


def _dumps(document: dict[str, Any]) -> bytes:
    """`json.dumps(document, indent=2, ensure_ascii=False)` and a newline, byte for byte,
    several times faster: the standard encoder drops to pure Python whenever it indents."""
    return _object({key: _encode(value) for key, value in document.items()})


def _object(members: dict[str, str]) -> bytes:
    """A top-level object from its members' encoded values."""
    if not members:
        return b"{}\n"
    inner = ",\n  ".join(f"{_string(key)}: {value}" for key, value in members.items())
    return f"{{\n  {inner}\n}}\n".encode()


def _encode(value: object, newline: str = "\n  ") -> str:
    """One JSON value as `json.dumps` indents it at the depth `newline` starts."""
    if isinstance(value, str):
        return _string(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    inner = newline + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        if _flat(value):
            # Flat (every feed's entry, the files): the C encoder writes the same bytes.
            flat = json.dumps(value, ensure_ascii=False, separators=("," + inner, ": "))
            return "{" + inner + flat[1:-1] + newline + "}"
        items = (f"{_string(key)}: {_encode(item, inner)}" for key, item in value.items())
        return "{" + inner + ("," + inner).join(items) + newline + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        if all(type(item) is dict and item for item in value) and _SCALARS.issuperset(
            {type(member) for item in value for member in item.values()}
        ):
            # Objects of scalars (every feed's entry): one call of the C encoder, the
            # members on their own lines, then each object on its own. No text inside
            # a JSON string holds a line break, so the split between objects is exact.
            deeper = inner + "  "
            flat = json.dumps(value, ensure_ascii=False, separators=("," + deeper, ": "))
            between = inner + "}," + inner + "{" + deeper
            flat = flat[2:-2].replace("}," + deeper + "{", between)
            return "[" + inner + "{" + deeper + flat + inner + "}" + newline + "]"
        items = (_encode(item, inner) for item in value)
        return "[" + inner + ("," + inner).join(items) + newline + "]"
    return json.dumps(value)


def _flat(value: dict[Any, Any]) -> bool:
    """Whether an object holds only scalars."""
    return _SCALARS.issuperset({type(member) for member in value.values()})


_SCALARS = {str, int, bool, float, type(None)}


_string = json.encoder.encode_basestring
