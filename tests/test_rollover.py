"""Seasons roll over: new seasons join the stable feeds, old ones move to their archives.

Made-up later seasons are appended to the 2026 fixture season: the same rounds a year
on, one of them tentative, and only the first team.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import EPOCH, SEASON_2026, export, snapshot

from rallycal.errors import RemovalRefused

HOUR = 3600
EVENT = re.compile(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", re.S)


def later_season(year: int) -> str:
    """The fixture's 2026 season a few years on, as YAML to append to `seasons:`."""
    text = SEASON_2026.read_text(encoding="utf-8")
    season = text[text.index("  - year: 2026\n") :]
    season = season.replace("  - year: 2026\n", f"  - year: {year}\n")
    season = re.sub(r"2026-(\d\d-\d\d)", rf"{year}-\1", season)
    start, end = season.index("    classes:\n"), season.index("    rounds:\n")
    season = season[:start] + season[end:]  # classes: inherited
    season = season.replace(
        "        name: Olympus Rally\n", "        name: Olympus Rally\n        status: tentative\n"
    )
    teams = season.index("    teams:\n")
    second_team = season.index("\n      - id:", season.index("      - id:", teams) + 1)
    return season[:second_team].rstrip() + "\n"


def source_with(tmp_path: Path, *years: int) -> Path:
    path = tmp_path / "events.yaml"
    text = SEASON_2026.read_text(encoding="utf-8").rstrip() + "\n"
    path.write_text(text + "".join(later_season(y) for y in years), encoding="utf-8")
    return path


def events(folder: Path) -> dict[tuple[str, bytes], bytes]:
    """Every VEVENT below `folder`, by feed path and UID."""
    found = {}
    for path, data in snapshot(folder).items():
        if path.endswith(".ics"):
            for block in EVENT.findall(data):
                uid = re.search(rb"\r\nUID:(.*?)\r\n", block.replace(b"\r\n ", b"")).group(1)
                found[(path, uid)] = block
    return found


@pytest.fixture
def published_2026(tmp_path: Path) -> Path:
    out = tmp_path / "dist"
    export(source_with(tmp_path), out)
    return out


def test_a_new_season_joins_the_stable_feeds_and_changes_nothing_published(
    tmp_path, published_2026
):
    before = events(published_2026)
    old_paths = set(snapshot(published_2026))
    outcome = export(source_with(tmp_path, 2027), published_2026, seconds=EPOCH + HOUR)
    after = events(published_2026)
    assert {key: after.get(key) for key in before} == before  # every 2026 VEVENT, byte for byte
    assert old_paths <= set(snapshot(published_2026))
    combined = {uid for path, uid in after if path == "all.ics"}
    assert {b".2026." in uid for uid in combined} == {True, False}
    assert len([uid for uid in combined if b".2027." in uid]) == 8
    assert (published_2026 / "2027" / "all.ics").is_file()
    assert (published_2026 / "2026" / "all.ics").is_file()
    assert not outcome.removals
    assert {c.kind for c in outcome.changes} == {"added"}


def test_a_third_season_archives_the_first_without_allow_removal(tmp_path, published_2026):
    export(source_with(tmp_path, 2027), published_2026, seconds=EPOCH + HOUR)
    archive = (published_2026 / "2026" / "all.ics").read_bytes()
    reminders = events(published_2026)
    outcome = export(source_with(tmp_path, 2027, 2028), published_2026, seconds=EPOCH + 2 * HOUR)
    after = events(published_2026)
    assert not [uid for path, uid in after if path == "all.ics" and b".2026." in uid]
    assert not [uid for path, uid in after if path == "reminders/all.ics" and b".2026." in uid]
    assert (published_2026 / "2026" / "all.ics").read_bytes() == archive
    archived = {c.uid for c in outcome.changes if c.kind == "archived"}
    gone = {uid.decode() for (path, uid) in reminders if b".2026." in uid} - {
        uid.decode() for (path, uid) in after
    }
    assert gone and gone <= archived
    assert not [c for c in outcome.changes if c.kind == "removed"]


def test_a_team_that_is_gone_keeps_its_feed_with_its_last_season(tmp_path, published_2026):
    export(source_with(tmp_path, 2027, 2028), published_2026, seconds=EPOCH + HOUR)
    feed = (published_2026 / "team" / "lia-block.ics").read_bytes()
    assert feed.count(b"BEGIN:VEVENT") == 1 and b"ara.2026.sno-drift.team.lia-block" in feed
    assert b"Not in the current seasons" in feed.replace(b"\r\n ", b"")


def test_deleting_a_published_round_is_still_refused(tmp_path, published_2026):
    source = source_with(tmp_path, 2027)
    export(source, published_2026, seconds=EPOCH + HOUR)
    before = snapshot(published_2026)
    text = source.read_text(encoding="utf-8").replace("      - id: olympus\n", "      - id: x\n", 1)
    source.write_text(text, encoding="utf-8")
    with pytest.raises(RemovalRefused, match=re.escape("ara.2026.olympus@rallycal")):
        export(source, published_2026, seconds=EPOCH + 2 * HOUR)
    assert snapshot(published_2026) == before
