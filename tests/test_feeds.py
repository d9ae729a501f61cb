"""The feeds as independent parsers read them: Mozilla's ical.js, `ical`, `vobject`, icalendar.

The expected values come from the season sheet and from hand-computed UTC instants,
never from rallycal's own output.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from ical.calendar_stream import IcsCalendarStream
from support import GOLDEN_SEASON, SEASON_2026, export, icaljs, ics_files, snapshot

from rallycal.feeds import plan
from rallycal.model import Championship
from rallycal.source import load

# The season sheet: round, first and last day, town, state, time zone.
SEASON = [
    ("Sno*Drift Rally", date(2026, 2, 6), date(2026, 2, 7), "Atlanta", "Michigan"),
    ("Rally in the 100 Acre Wood", date(2026, 3, 13), date(2026, 3, 14), "Salem / Potosi",
     "Missouri"),
    ("Olympus Rally", date(2026, 4, 17), date(2026, 4, 19), "Shelton", "Washington"),
    ("Southern Ohio Forest Rally", date(2026, 6, 11), date(2026, 6, 13), "Chillicothe", "Ohio"),
    ("Rally Colorado", date(2026, 7, 18), date(2026, 7, 19), "Rangely", "Colorado"),
    ("Ojibwe Forests Rally", date(2026, 8, 27), date(2026, 8, 29), "Detroit Lakes", "Minnesota"),
    ("Overmountain Rally Tennessee", date(2026, 9, 18), date(2026, 9, 19), "Newport", "Tennessee"),
    ("Lake Superior Performance Rally", date(2026, 10, 9), date(2026, 10, 10), "Marquette",
     "Michigan"),
]

# Golden season schedule items: (uid item id, local start, local end, zone), UTC by hand.
ITEMS = {
    "shakedown": ("2026-03-07T14:30:00Z", "2026-03-07T17:00:00Z"),  # EST, -5
    "night-stage": ("2026-03-09T01:00:00Z", "2026-03-09T05:30:00Z"),  # EDT, -4 (DST began 8 Mar)
    "leg-1": ("2026-11-01T00:00:00Z", "2026-11-01T05:00:00Z"),  # MDT, -6
    "leg-2": ("2026-11-01T15:00:00Z", "2026-11-02T00:00:00Z"),  # MST, -7 (DST ended 1 Nov)
}
ITEM_LOCAL = {
    "shakedown": ("2026-03-07 09:30", "2026-03-07 12:00", "America/Detroit"),
    "night-stage": ("2026-03-08 21:00", "2026-03-09 01:30", "America/Detroit"),
    "leg-1": ("2026-10-31 18:00", "2026-10-31 23:00", "America/Denver"),
    "leg-2": ("2026-11-01 08:00", "2026-11-01 17:00", "America/Denver"),
}


def _utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """The 2026 fixture season exported: an output folder (conftest's `season_2026` is a source)."""
    out = tmp_path_factory.mktemp("exported")
    export(SEASON_2026, out, base_url="https://example.org/ara/")
    return out


@pytest.fixture(scope="module")
def golden(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("golden")
    export(GOLDEN_SEASON, out)
    return out


def test_hand_computed_instants_agree_with_zoneinfo():
    for item, (start, end, zone) in ITEM_LOCAL.items():
        for local, expected in zip((start, end), ITEMS[item], strict=True):
            moment = datetime.strptime(local, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(zone))
            assert moment.astimezone(timezone.utc) == _utc(expected)


class TestIcalJs:
    def test_combined_feed_matches_the_season_day_by_day(self, exported):
        [feed] = icaljs([exported / "all.ics"])
        assert feed["components"] == ["vevent"] * 8
        events = feed["events"]
        for event, (name, first, last, town, state) in zip(events, SEASON, strict=True):
            assert name in event["summary"]
            assert event["allDay"] is True
            assert event["start"] == first.isoformat()
            assert event["end"] == (last + timedelta(days=1)).isoformat()
            assert event["location"] == f"{town}, {state}, United States"
            assert event["appleTitle"] == event["location"]
            assert event["status"] == "CONFIRMED"
            assert event["sequence"] == 0

    def test_every_file_parses(self, exported, golden):
        paths = ics_files(exported) + ics_files(golden)
        parsed = icaljs(paths)
        assert len(parsed) == len(paths)
        for feed in parsed:
            assert feed["prodid"] == "-//rallycal//rallycal feeds//EN"
            assert feed["method"] == "PUBLISH"
            assert feed["events"], feed["path"]
            assert all(c == "vevent" for c in feed["components"])

    def test_timed_items_have_the_right_utc_instants(self, golden):
        [feed] = icaljs([golden / "round" / "winter.ics"])
        [feed2] = icaljs([golden / "round" / "autumn.ics"])
        seen = {}
        for event in feed["events"] + feed2["events"]:
            if not event["allDay"]:
                item = event["uid"].split(".item.")[1].split("@")[0]
                seen[item] = (event["start"], event["end"])
        assert seen == {
            item: (int(_utc(s).timestamp()), int(_utc(e).timestamp()))
            for item, (s, e) in ITEMS.items()
        }

    def test_text_round_trips(self, golden):
        season = load(str(GOLDEN_SEASON)).latest
        [feed] = icaljs([golden / "round" / "winter.ics"])
        event = feed["events"][0]
        winter = season.round("winter")
        assert winter.name in event["summary"]
        assert winter.notes in event["description"]
        assert event["location"] == "Sault Ste. Marie, Michigan, United States"
        [team] = icaljs([golden / "team" / "team-a.ics"])
        description = team["events"][0]["description"]
        assert 'Team <A> & "Friends"' in team["name"]  # the calendar's name, not each event's
        assert "Zoë Ångström / O'Brien, Pat" in description
        assert 'Car "One"; turbo' in description
        assert "A, B & C Motorsport" in description

    def test_status_markers(self, golden):
        [feed] = icaljs([golden / "all.ics"])
        by_round = {e["uid"].split(".")[2].split("@")[0]: e for e in feed["events"]}
        assert by_round["winter"]["status"] == "CONFIRMED"
        assert by_round["autumn"]["status"] == "TENTATIVE"
        assert by_round["autumn"]["summary"].startswith("[Postponed]")
        assert by_round["new-year"]["status"] == "CANCELLED"
        assert by_round["new-year"]["summary"].startswith("[Cancelled]")
        assert by_round["new-year"]["start"] == "2026-12-31"
        assert by_round["new-year"]["end"] == "2027-01-02"


class TestStrictIcal:
    """The `ical` package validates every property with pydantic models."""

    def test_every_file_parses(self, exported, golden):
        for path in ics_files(exported) + ics_files(golden):
            calendar = IcsCalendarStream.calendar_from_ics(path.read_text(encoding="utf-8"))
            assert calendar.events, path

    def test_days_and_instants(self, exported, golden):
        calendar = IcsCalendarStream.calendar_from_ics((exported / "all.ics").read_text())
        assert [(e.dtstart, e.dtend) for e in calendar.events] == [
            (first, last + timedelta(days=1)) for _, first, last, _, _ in SEASON
        ]
        for name in ("winter", "autumn"):
            calendar = IcsCalendarStream.calendar_from_ics(
                (golden / "round" / f"{name}.ics").read_text()
            )
            for event in calendar.events:
                if isinstance(event.dtstart, datetime):
                    item = event.uid.split(".item.")[1].split("@")[0]
                    assert (event.dtstart, event.dtend) == tuple(map(_utc, ITEMS[item]))


class TestVobject:
    def test_every_file_parses_with_text_intact(self, exported, golden):
        season = load(str(GOLDEN_SEASON)).latest
        for path in ics_files(exported) + ics_files(golden):
            [calendar] = list(vobject.readComponents(path.read_text(encoding="utf-8")))
            events = calendar.contents["vevent"]
            assert events
            for event in events:
                assert event.uid.value.endswith("@rallycal")
        [calendar] = vobject.readComponents((golden / "all.ics").read_text())
        winter = calendar.vevent
        assert winter.location.value == "Sault Ste. Marie, Michigan, United States"
        assert season.round("winter").notes in winter.description.value


class TestIcalendarStrict:
    def test_lines_are_folded_crlf_and_at_most_75_octets(self, exported, golden):
        for path in ics_files(exported) + ics_files(golden):
            data = path.read_bytes()
            assert data.endswith(b"END:VCALENDAR\r\n")
            assert b"\n" not in data.replace(b"\r\n", b"")
            for line in data.split(b"\r\n"):
                assert len(line) <= 75, (path, line)
                line.decode("utf-8")  # folding never splits a character

    def test_calendar_properties(self, exported):
        for path in ics_files(exported):
            calendar = icalendar.Calendar.from_ical(path.read_bytes())
            assert calendar["VERSION"] == "2.0"
            assert calendar["CALSCALE"] == "GREGORIAN"
            assert calendar["METHOD"] == "PUBLISH"
            assert calendar["NAME"] == calendar["X-WR-CALNAME"]
            assert calendar["DESCRIPTION"] == calendar["X-WR-CALDESC"]
            text = path.read_bytes().decode().replace("\r\n ", "")
            refresh = re.search(r"REFRESH-INTERVAL;VALUE=DURATION:(\S+)", text).group(1)
            assert re.search(r"X-PUBLISHED-TTL:(\S+)", text).group(1) == refresh == "PT6H"
            relative = path.relative_to(exported).as_posix()
            assert f"SOURCE;VALUE=URI:https://example.org/ara/{relative}\r\n" in text
            assert re.search(r"\r\nCOLOR:[a-z]+\r\n", text)
            assert re.search(r"\r\nX-APPLE-CALENDAR-COLOR:#[0-9A-F]{6}\r\n", text)

    def test_calendar_names_are_distinct(self, exported):
        names = [
            icalendar.Calendar.from_ical(p.read_bytes())["X-WR-CALNAME"]
            for p in ics_files(exported)
        ]
        assert len(set(names)) == len(names) == 2 * 16 + 8  # stable, archive, reminders


class TestPublishingRules:
    def test_uids_unique_per_feed_and_identical_events_across_feeds(self, exported, golden):
        for folder in (exported, golden):
            seen: dict[str, bytes] = {}
            for path in ics_files(folder):
                blocks = re.findall(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", path.read_bytes(), re.S)
                uids = [re.search(rb"\r\nUID:(.*?)\r\n", b).group(1) for b in blocks]
                assert len(uids) == len(set(uids)), path
                for uid, block in zip(uids, blocks, strict=True):
                    assert seen.setdefault(uid, block) == block, uid

    def test_uids_come_from_ids_only(self, tmp_path):
        """Renaming and moving a round keeps every UID."""
        source = tmp_path / "events.yaml"
        text = SEASON_2026.read_text()
        source.write_text(text)
        export(source, tmp_path / "a")
        edited = text.replace("name: Olympus Rally", "name: Olympus Rally (Shelton)")
        edited = edited.replace("first_day: 2026-04-17", "first_day: 2026-04-16")
        source.write_text(edited)
        export(source, tmp_path / "b")

        def uids(folder):
            return {
                p: re.findall(rb"\r\nUID:(.*?)\r\n", data)
                for p, data in snapshot(folder).items()
                if p.endswith(".ics")
            }

        assert uids(tmp_path / "a") == uids(tmp_path / "b")

    def test_team_feed_carries_its_crews(self, exported):
        calendar = icalendar.Calendar.from_ical((exported / "team" / "mini-jcw.ics").read_bytes())
        events = calendar.walk("VEVENT")
        assert len(events) == 8
        description = str(events[0]["DESCRIPTION"])
        assert "Crews:\n- Luis Perocarpi / Mark Wells: MINI JCW Countryman ALL4 (Limited 4WD)" in (
            description
        )
        assert "Cristian Perocarpi / Carlos Schrunder" in description
        assert "LAP Motorsports" in description

    def test_class_feeds_hold_the_rounds_each_class_runs(self, golden):
        season = load(str(GOLDEN_SEASON)).latest
        feeds = {f.path: f for f in plan(Championship.of(season))}
        open_feed = icalendar.Calendar.from_ical((golden / "class" / "open.ics").read_bytes())
        club_feed = icalendar.Calendar.from_ical((golden / "class" / "club.ics").read_bytes())
        assert len(open_feed.walk("VEVENT")) == 2  # autumn runs only the club class
        assert len(club_feed.walk("VEVENT")) == 3
        assert len(feeds["class/open.ics"].entries) == 2

    def test_all_day_events_are_transparent_dates(self, exported):
        text = (exported / "all.ics").read_text()
        assert text.count("DTSTART;VALUE=DATE:") == 8
        assert text.count("DTEND;VALUE=DATE:") == 8
        assert text.count("TRANSP:TRANSPARENT") == 8
        assert text.count("X-MICROSOFT-CDO-BUSYSTATUS:FREE") == 8
        assert "TZID" not in text and "VTIMEZONE" not in text
