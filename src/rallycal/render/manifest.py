"""`feeds.json`: what was published, for other tools and for the next export.

Other tools read `feeds` (every calendar with its address, kind and size). The next
export also reads `events`: each published event's SEQUENCE, stamp and the digest of
what it says, a second record beside the feeds themselves, so that a feed that is
damaged or deleted never resets its events.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from rallycal.model import Championship
from rallycal.plan import CHANGES, PAGE, Feed, feed_url, webcal_url
from rallycal.publication import ICAL_TIME, TIME, Publication, Stamp

FORMAT = 2


def manifest(
    championship: Championship,
    feeds: Sequence[Feed],
    files: Mapping[str, bytes],
    events: Mapping[str, tuple[Stamp, str]],
    rescheduled: Mapping[str, tuple[date, date]],
    previous: Publication,
    now: datetime,
) -> bytes:
    """The bytes of `feeds.json`: `files` are the other output files, `events` each
    event's stamp and digest, `rescheduled` each moved round's first day before and
    after. A feed's `last_changed` moves only when its bytes do."""
    series = championship.series
    window = championship.in_window
    entries = []
    for feed in feeds:
        sha256 = hashlib.sha256(files[feed.path]).hexdigest()
        old = previous.listed.get(feed.path, {})
        changed = old.get("last_changed") if old.get("sha256") == sha256 else None
        url = feed_url(series, feed.path)
        entries.append({
            "kind": feed.kind,
            "id": feed.id,
            "title": feed.title,
            "path": feed.path,
            "url": url,
            "webcal": webcal_url(url),
            "season": feed.season,
            "reminders": feed.reminders,
            "events": len(feed.entries),
            "sha256": sha256,
            "last_changed": changed if isinstance(changed, str) else now.strftime(TIME),
        })
    document = {
        "format": FORMAT,
        "series": {"id": series.id, "name": series.name},
        "seasons": [
            {"year": s.year, "rounds": len(s.rounds), "in_stable_feeds": s in window}
            for s in championship.seasons
        ],
        "base_url": series.base_url,
        "page": PAGE,
        "changes": CHANGES,
        "feeds": entries,
        "events": {
            uid: f"{stamp.sequence} {stamp.changed.strftime(ICAL_TIME)} {digest}"
            for uid, (stamp, digest) in sorted(events.items())
        },
        "rescheduled": {
            uid: [before.isoformat(), after.isoformat()]
            for uid, (before, after) in sorted(rescheduled.items())
        },
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
