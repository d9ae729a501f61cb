"""`build`: every output file from a season and the last publication, with no file system."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from seasons import season_source

from rallycal.build import build
from rallycal.feeds import CHANGES, MANIFEST, PAGE, plan
from rallycal.history import Publication
from rallycal.manifest import read_manifest, seal
from rallycal.model import Championship
from rallycal.source import parse

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def season() -> Championship:
    return parse(season_source().encode(), "events.yaml")


def test_build_makes_every_file_the_manifest_last():
    result = build(season(), Publication(), NOW, "f" * 64)
    feeds = [feed.path for feed in plan(season())]
    assert list(result.files) == [*feeds, CHANGES, PAGE, MANIFEST]
    manifest = json.loads(result.files[MANIFEST])
    assert manifest["fingerprint"] == seal("f" * 64, read_manifest(result.files[MANIFEST]).body)
    assert [entry["path"] for entry in manifest["feeds"]] == feeds
    assert sorted(manifest["files"]) == sorted([*feeds, CHANGES, PAGE])
    assert manifest["changes"] == CHANGES
    assert [entry.as_json() for entry in result.published] == manifest["feeds"]


def test_build_is_a_function_of_its_inputs():
    first = build(season(), Publication(), NOW, "a" * 64)
    again = build(season(), Publication(), NOW, "a" * 64)
    assert first.files == again.files


def test_a_rebuild_over_its_own_publication_keeps_every_byte():
    first = build(season(), Publication(), NOW, "a" * 64)
    previous = Publication(
        manifest=read_manifest(first.files[MANIFEST]), changes=first.files[CHANGES]
    )
    for path, data in first.files.items():
        if path.endswith(".ics"):
            previous.add_feed(path, data)
    later = datetime(2026, 2, 1, tzinfo=timezone.utc)
    second = build(season(), previous, later, "a" * 64)
    assert second.files == first.files
    assert second.changes == [] and second.removals == []


def test_changes_carry_their_round_and_item_ids():
    result = build(season(), Publication(), NOW, "a" * 64)
    subjects = {change.subject for change in result.changes}
    assert "2026/spring" in subjects
    assert "2026/spring/shakedown" in subjects
    assert all(change.kind == "added" for change in result.changes)


def test_a_removed_event_still_names_its_round():
    first = build(season(), Publication(), NOW, "a" * 64)
    previous = Publication(manifest=read_manifest(first.files[MANIFEST]))
    for path, data in first.files.items():
        if path.endswith(".ics"):
            previous.add_feed(path, data)
    text = season_source()
    text = text[: text.index("    schedule:\n")] + text[text.index("teams:") :]
    result = build(parse(text.encode(), "events.yaml"), previous, NOW, "a" * 64)
    removed = [change for change in result.changes if change.kind == "removed"]
    assert removed and {change.subject for change in removed} == {"2026/spring/shakedown"}
