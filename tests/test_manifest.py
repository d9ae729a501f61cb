"""`feeds.json` read back: typed entries, and a clear error for anything damaged."""

from __future__ import annotations

import json
import random
from datetime import datetime, timezone

import pytest
from seasons import season_source

from rallycal import manifest as manifest_module
from rallycal.build import build
from rallycal.feeds import MANIFEST
from rallycal.history import Publication
from rallycal.manifest import DamagedManifest, read_manifest, seal
from rallycal.source import parse

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def written() -> bytes:
    championship = parse(season_source().encode(), "events.yaml")
    return build(championship, Publication(), NOW, "f" * 64).files[MANIFEST]


def test_a_manifest_reads_back_as_it_was_written(written):
    manifest = read_manifest(written)
    document = json.loads(written)
    assert manifest.intact and manifest.fingerprint == seal("f" * 64, manifest.body)
    assert [feed.as_json() for feed in manifest.feeds] == document["feeds"]
    assert manifest.files == document["files"]


DAMAGED = {
    "nested": b"[" * 100_000 + b"]" * 100_000,
    "nested objects": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "not json": b"{feeds:",
    "not utf-8": b'{"feeds": ["\xff"]}',
    "a list": b"[]",
    "a number": b"7",
    "null": b"null",
    "feeds not a list": b'{"feeds": {"path": "all.ics"}}',
    "no feeds": b'{"files": {}}',
}


@pytest.mark.parametrize("data", DAMAGED.values(), ids=DAMAGED.keys())
def test_a_damaged_manifest_is_one_clear_error(data):
    with pytest.raises(DamagedManifest) as caught:
        read_manifest(data)
    assert str(caught.value).startswith("it is ")


PARTLY = {
    "path a list": {"feeds": [{"path": ["all.ics"]}]},
    "entry without path": {"feeds": [{"kind": "combined"}]},
    "entry not an object": {"feeds": ["all.ics", 3, None]},
    "wrong types": {
        "feeds": [{"kind": 1, "id": 2, "title": 3, "path": 4, "events": "8", "sha256": 5}],
        "files": {"all.ics": 5},
        "fingerprint": ["x"],
    },
    "files a list": {"feeds": [], "files": ["all.ics"]},
    "events a bool": {
        "feeds": [
            {"kind": "combined", "id": "all", "title": "t", "path": "all.ics", "url": None,
             "webcal": None, "events": True, "sha256": "0", "last_changed": "x"}
        ]
    },
}


@pytest.mark.parametrize("document", PARTLY.values(), ids=PARTLY.keys())
def test_entries_of_the_wrong_shape_are_left_out_and_the_manifest_is_not_intact(document):
    manifest = read_manifest(json.dumps(document).encode())
    assert manifest.feeds == ()
    assert not manifest.intact and manifest.problem
    assert all(isinstance(p, str) and isinstance(d, str) for p, d in manifest.files.items())


TRICKY = [None, True, False, 0, -5, 10**12, "", "x", "a\nb}, {c", 'q"\\', "é€😀", "},\n      {",
          "\u2028", "</script>"]


def test_the_manifest_is_written_as_json_dumps_with_indent_2_would_write_it():
    """The fast encoder (C encoder, objects of scalars on their own lines) gives the very
    bytes of the standard one, whatever the strings hold."""
    rng = random.Random(2026)

    def scalar() -> object:
        return rng.choice(TRICKY)

    for _ in range(1500):
        document = {
            "format": 1,
            "feeds": [{f"k{i}": scalar() for i in range(rng.randint(1, 6))}
                      for _ in range(rng.randint(0, 5))],
            "files": {f"p{i}/{scalar()}": scalar() for i in range(rng.randint(0, 4))},
            "seasons": [{"year": 2026, "rounds": [scalar()]}] if rng.random() < 0.5 else [],
            "zones": [scalar() for _ in range(rng.randint(0, 3))],
        }
        expected = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        assert manifest_module._dumps(document) == expected.encode(), document
