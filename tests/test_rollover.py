"""Seasons roll over: new seasons join the stable feeds, old ones move to their archives.

Made-up later seasons are appended to the 2026 fixture season: the same rounds a year
on, one of them tentative, and only the first team.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support import EPOCH, SEASON_2026, export, snapshot

from rallycal.cli.report import change_lines
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


def source_with(tmp_path: Path, *years: int, series: str = "") -> Path:
    """The fixture with later seasons, and `series` lines added under `series:`."""
    path = tmp_path / "events.yaml"
    text = SEASON_2026.read_text(encoding="utf-8").rstrip() + "\n"
    text = text.replace("  color: firebrick\n", "  color: firebrick\n" + series, 1)
    path.write_text(text + "".join(later_season(y) for y in years), encoding="utf-8")
    return path


def years_in(folder: Path, path: str) -> set[str]:
    """The season years of the events of one feed."""
    return {uid.split(b".")[1].decode() for feed, uid in events(folder) if feed == path}


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
    assert not outcome.build.removals
    assert {c.kind for c in outcome.build.changes} == {"added"}


def test_a_third_season_archives_the_first_without_allow_removal(tmp_path, published_2026):
    export(source_with(tmp_path, 2027), published_2026, seconds=EPOCH + HOUR)
    archive = (published_2026 / "2026" / "all.ics").read_bytes()
    reminders = events(published_2026)
    outcome = export(source_with(tmp_path, 2027, 2028), published_2026, seconds=EPOCH + 2 * HOUR)
    after = events(published_2026)
    assert not [uid for path, uid in after if path == "all.ics" and b".2026." in uid]
    assert not [uid for path, uid in after if path == "reminders/all.ics" and b".2026." in uid]
    assert (published_2026 / "2026" / "all.ics").read_bytes() == archive
    archived = {c.uid for c in outcome.build.changes if c.kind == "archived"}
    gone = {uid.decode() for (path, uid) in reminders if b".2026." in uid} - {
        uid.decode() for (path, uid) in after
    }
    assert gone and gone <= archived
    assert not [c for c in outcome.build.changes if c.kind == "removed"]
    assert not outcome.build.removals and not outcome.refused
    lines = change_lines(outcome)
    assert (
        "archived Olympus Rally, Fri 17 – Sun 19 Apr 2026 (2026 round 3): now in 2026/all.ics"
    ) in "\n".join(lines)
    assert [n.title for n in outcome.build.notices if "left" in n.title] == [
        "The 2026 season has left the whole-season calendars"
    ]
    assert years_in(published_2026, "all.ics") == {"2027", "2028"}
    assert years_in(published_2026, "2026/all.ics") == {"2026"}


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
    with pytest.raises(RemovalRefused, match=re.escape("(ara.2026.olympus) from all.ics")):
        export(source, published_2026, seconds=EPOCH + 2 * HOUR)
    assert snapshot(published_2026) == before


@pytest.mark.parametrize("window", [1, 2, 3])
def test_the_window_is_how_many_seasons_the_stable_feeds_carry(tmp_path, window):
    source = source_with(tmp_path, 2027, 2028, series=f"  window: {window}\n")
    out = tmp_path / "dist"
    export(source, out)
    expected = {str(year) for year in (2026, 2027, 2028)[3 - window:]}
    for path in ("all.ics", "reminders/all.ics", "class/l4wd.ics", "reminders/class/l4wd.ics"):
        assert years_in(out, path) == expected, path
    for year in ("2026", "2027", "2028"):
        assert years_in(out, f"{year}/all.ics") == {year}
    manifest = json.loads((out / "feeds.json").read_bytes())
    assert [s["in_stable_feeds"] for s in manifest["seasons"]] == [
        year in expected for year in ("2026", "2027", "2028")
    ]


def test_an_archived_season_stays_whole_in_its_archive_feeds(tmp_path, published_2026):
    before = events(published_2026)
    export(source_with(tmp_path, 2027, 2028), published_2026, seconds=EPOCH + HOUR)
    after = events(published_2026)
    archive = {key: block for key, block in before.items() if key[0].startswith("2026/")}
    assert archive and {key: after.get(key) for key in archive} == archive


# -- UIDs -------------------------------------------------------------------------------

PLAIN_UID = re.compile(rb"[A-Za-z0-9._+-]+")


def uids(folder: Path) -> dict[str, list[bytes]]:
    """The UIDs of each feed, in order."""
    found: dict[str, list[bytes]] = {}
    for path, uid in events(folder):
        found.setdefault(path, []).append(uid)
    return found


def test_seasons_up_to_old_uids_through_keep_their_uids_and_later_ones_are_plain(tmp_path):
    out = tmp_path / "dist"
    export(source_with(tmp_path, 2027, series="  old_uids_through: 2026\n"), out)
    found = {uid for feed_uids in uids(out).values() for uid in feed_uids}
    old = {uid for uid in found if b".2026." in uid}
    new = {uid for uid in found if b".2027." in uid}
    assert old and new and old | new == found
    assert all(uid.endswith(b"@rallycal") and PLAIN_UID.fullmatch(uid[: -len(b"@rallycal")])
               for uid in old)
    assert all(PLAIN_UID.fullmatch(uid) for uid in new)
    assert b"ara.2026.olympus@rallycal" in old and b"ara.2027.olympus" in new
    assert b"ara.2026.olympus.reminders@rallycal" in old


def test_without_old_uids_through_every_uid_is_plain(tmp_path):
    out = tmp_path / "dist"
    export(source_with(tmp_path, 2027), out)
    found = [uid for feed_uids in uids(out).values() for uid in feed_uids]
    assert found and all(PLAIN_UID.fullmatch(uid) for uid in found)


def test_an_export_over_a_publication_gives_the_uids_of_one_into_an_empty_folder(tmp_path):
    series = "  old_uids_through: 2026\n"
    over = tmp_path / "over"
    export(source_with(tmp_path, series=series), over)  # 2026 only, published first
    source = source_with(tmp_path, 2027, series=series)
    export(source, over, seconds=EPOCH + HOUR)
    fresh = tmp_path / "fresh"
    export(source, fresh, seconds=EPOCH + HOUR)
    assert uids(over) == uids(fresh)
    assert set(uids(over)) == set(snapshot(over)) - {"feeds.json", "index.html", "changes.atom"}


def test_dropping_old_uids_through_after_publishing_is_a_refused_removal(tmp_path):
    out = tmp_path / "dist"
    export(source_with(tmp_path, 2027, series="  old_uids_through: 2026\n"), out)
    before = snapshot(out)
    source = source_with(tmp_path, 2027)
    with pytest.raises(RemovalRefused) as refused:
        export(source, out, seconds=EPOCH + HOUR)
    assert "(ara.2026.olympus@rallycal) from all.ics" in str(refused.value)
    assert "ara.2027" not in str(refused.value)  # 2027's UIDs were plain already
    assert snapshot(out) == before
