"""`feeds.json`: what was published, for other tools and for the next export.

Other tools read `feeds`; the exporter itself reads `files` (path -> sha256: the
only files it will ever delete, the manifest aside) and `fingerprint` (to skip an
export whose inputs have not changed).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from rallycal.feeds import Feed, feed_url, webcal_url
from rallycal.model import Season

FORMAT = 1


def manifest(
    season: Season,
    feeds: tuple[Feed, ...],
    files: dict[str, bytes],
    previous: dict[str, Any] | None,
    now: datetime,
    fingerprint: str,
) -> bytes:
    """The manifest for this build; a feed's `last_changed` moves only when its bytes do."""
    before = {f.get("path"): f for f in (previous or {}).get("feeds", []) if isinstance(f, dict)}
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    entries = []
    for feed in feeds:
        digest = hashlib.sha256(files[feed.path]).hexdigest()
        old = before.get(feed.path, {})
        unchanged = old.get("sha256") == digest and isinstance(old.get("last_changed"), str)
        url = feed_url(season, feed.path)
        entries.append(
            {
                "kind": feed.kind,
                "id": feed.id,
                "title": feed.title,
                "path": feed.path,
                "url": url,
                "webcal": webcal_url(url),
                "events": len(feed.entries),
                "sha256": digest,
                "last_changed": old["last_changed"] if unchanged else stamp,
            }
        )
    series = season.series
    document = {
        "format": FORMAT,
        "series": {"id": series.id, "name": series.name, "season": season.year},
        "base_url": series.base_url,
        "page": "index.html",
        "feeds": entries,
        "files": {path: hashlib.sha256(files[path]).hexdigest() for path in sorted(files)},
        "fingerprint": fingerprint,
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
