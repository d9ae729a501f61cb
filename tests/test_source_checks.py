"""Input that could crash, hang or quietly lie: days, zones, odd line breaks, names, sizes,
and the one reader of the source file every command uses."""

from __future__ import annotations

import os
import shutil
import zoneinfo
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import problems, season

import rallycal.source
from rallycal.cli.commands import cli
from rallycal.errors import RallycalError
from rallycal.source import MAX_BYTES, read_source, size, zones

HEAD = """\
series: {id: ara, name: ARA, short: ARA, season: 2026}
classes:
  - {id: o4wd, name: Open 4WD, short: O4WD}
  - {id: l4wd, name: Limited 4WD, short: L4WD}
rounds:
  - id: spring
    name: Spring Rally
    first_day: 2026-03-07
    last_day: 2026-03-08
    venue: {town: Golden, state: Colorado, country: United States,
            timezone: America/Denver, latitude: 39.756, longitude: -105.221}
"""  # the round's days are on lines 8 and 9, its zone on line 11
TEAM = """\
teams:
  - {id: blue, name: Blue Team, rounds: all, crews: [{driver: D, car: C, class: o4wd}]}
"""
ITEM = """\
    schedule:
      - {id: leg, name: Leg 1, day: 2026-03-07, start: "09:00", end: "12:00"}
"""  # the item is on line 13


def source(*changes: tuple[str, str], tail: str = TEAM) -> str:
    text = HEAD + tail
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text



def test_base_is_valid():
    assert [r.id for r in season(source()).rounds] == ["spring"]
    assert season(source(tail=ITEM + TEAM)).rounds[0].schedule[0].id == "leg"


# -- days -------------------------------------------------------------------------------


def test_a_round_lasts_at_most_fourteen_days():
    longest = season(source(("last_day: 2026-03-08", "last_day: 2026-03-20")))
    assert (longest.rounds[0].last_day - longest.rounds[0].first_day).days == 13
    assert problems(source(("last_day: 2026-03-08", "last_day: 2026-03-21"))) == [
        "events.yaml:9:15: last_day 2026-03-21 is 14 days after first_day 2026-03-07, and a "
        "round lasts at most 14 days; fix the date"
    ]


def test_a_mistyped_year_in_last_day_is_named():
    assert problems(source(("last_day: 2026-03-08", "last_day: 2062-03-08"))) == [
        "events.yaml:9:15: last_day 2062-03-08 is 13150 days after first_day 2026-03-07, and a "
        "round lasts at most 14 days; did you mean 2026-03-08?"
    ]


@pytest.mark.parametrize(("written", "meant"), [
    ("2062-02-07", "2026-02-07"),
    ("2206-02-07", "2026-02-07"),
    ("2072-02-07", "2027-02-07"),
    ("2025-02-07", "2026-02-07"),
    ("2028-02-07", "2027-02-07"),
])
def test_a_first_day_outside_the_season_names_the_likely_typo(written, meant):
    text = source(("first_day: 2026-03-07", f"first_day: {written}"),
                  ("last_day: 2026-03-08", f"last_day: {written}"))
    assert problems(text)[0] == (
        f"events.yaml:8:16: first_day {written} is not in the 2026 season (its rounds start in "
        f"2026 or 2027); did you mean {meant}?"
    )


def test_a_round_may_cross_into_the_next_year():
    text = source(("first_day: 2026-03-07", "first_day: 2026-12-31"),
                  ("last_day: 2026-03-08", "last_day: 2027-01-02"))
    assert season(text).rounds[0].last_day == date(2027, 1, 2)


@pytest.mark.parametrize("last", ["9999-12-31", "9999-12-30"])
@pytest.mark.parametrize("first", ["2026-03-07", "9999-12-30", "9999-12-31"])
@pytest.mark.parametrize("tail", [TEAM, ITEM + TEAM])
@pytest.mark.parametrize("season_year", ["2026", "26"])
def test_the_last_days_of_the_calendar_never_overflow(first, last, tail, season_year):
    text = source(("first_day: 2026-03-07", f"first_day: {first}"),
                  ("last_day: 2026-03-08", f"last_day: {last}"),
                  ("season: 2026", f"season: {season_year}"), tail=tail)
    found = problems(text.replace("day: 2026-03-07,", f"day: {first},"))  # the item's day
    assert found
    assert not any("report this bug" in line for line in found), found


def test_far_days_are_refused_by_check_and_export(tmp_path):
    path = tmp_path / "events.yaml"
    path.write_text(source(("last_day: 2026-03-08", "last_day: 9999-12-31"), tail=ITEM + TEAM))
    runner = CliRunner()
    for command in (["check", str(path)], ["export", str(path), "--out", str(tmp_path / "o")]):
        result = runner.invoke(cli, command)
        assert result.exit_code == 1, result.output
        assert isinstance(result.exception, SystemExit)
        assert f"{path}:9:15: last_day 9999-12-31 is" in result.stderr
    assert not (tmp_path / "o" / "all.ics").exists()


# -- time zones ---------------------------------------------------------------------------

NOT_A_LOCATION = ("is not a location time zone (aliases, abbreviations and fixed offsets can "
                  "miss daylight-saving time)")
PLACE = "name the zone of the venue's place, such as"


@pytest.mark.parametrize(("value", "message"), [
    ("US/Central", f"{NOT_A_LOCATION}; use 'America/Chicago', the location zone it stands for"),
    ("US/Mountain", f"{NOT_A_LOCATION}; use 'America/Denver', the location zone it stands for"),
    ("Asia/Calcutta", f"{NOT_A_LOCATION}; use 'Asia/Kolkata', the location zone it stands for"),
    ("EST", f"{NOT_A_LOCATION}; did you mean 'America/New_York'?"),
    ("MST", f"{NOT_A_LOCATION}; did you mean 'America/Denver' or 'America/Phoenix'?"),
    ("HST", f"{NOT_A_LOCATION}; did you mean 'Pacific/Honolulu'?"),
    ("Etc/GMT+5", f"{NOT_A_LOCATION}; {PLACE} America/Chicago"),
    ("GMT0", f"{NOT_A_LOCATION}; {PLACE} Europe/London, or Atlantic/Reykjavik for UTC all year"),
    ("UTC", f"{NOT_A_LOCATION}; {PLACE} Europe/London, or Atlantic/Reykjavik for UTC all year"),
    ("CST", "is not an IANA time zone; did you mean 'America/Chicago'?"),
    ("Central", "is not an IANA time zone; did you mean 'America/Chicago'?"),
    ("Central Time", "is not an IANA time zone; did you mean 'America/Chicago'?"),
    ("PST", "is not an IANA time zone; did you mean 'America/Los_Angeles'?"),
    ("Pacific", "is not an IANA time zone; did you mean 'America/Los_Angeles'?"),
    ("Eastern", "is not an IANA time zone; did you mean 'America/New_York'?"),
    ("Mountain", "is not an IANA time zone; did you mean 'America/Denver' or 'America/Phoenix'?"),
    ("AKST", "is not an IANA time zone; did you mean 'America/Anchorage'?"),
    ("america/chicago", "is not an IANA time zone; did you mean 'America/Chicago'?"),
    ("../../etc/passwd", "is not an IANA time zone; use a name such as America/Chicago"),
])
def test_only_location_zones(value, message):
    text = source(("timezone: America/Denver", f'timezone: "{value}"'))
    assert problems(text) == [f"events.yaml:11:23: '{value}' {message}"]


def test_location_zones_come_from_the_database_zoneinfo_reads(tmp_path):
    """zone.tab is read from the first folder of zoneinfo's path that has it."""
    folder = tmp_path / "tz"
    (folder / "America").mkdir(parents=True)
    shutil.copy(_tzif("America/Chicago"), folder / "America" / "Chicago")
    (folder / "zone.tab").write_text("# a tiny database\nUS\t+415100-0873900\tAmerica/Chicago\n")
    zoneinfo.reset_tzpath([str(folder)])
    zones.location_zones.cache_clear()
    try:
        assert zones.location_zones() == {"America/Chicago"}
        text = source(("timezone: America/Denver", "timezone: America/Chicago"))
        assert season(text).rounds[0].venue.timezone == "America/Chicago"
        assert "'America/Denver' is not a location time zone" in problems(source())[0]
    finally:
        zoneinfo.reset_tzpath()
        zones.location_zones.cache_clear()


def test_without_any_zone_tab_names_that_look_like_places_are_taken(monkeypatch):
    monkeypatch.setattr(zones, "_tab_folders", lambda: iter(()))
    zones.location_zones.cache_clear()
    try:
        found = zones.location_zones()
        assert {"America/Chicago", "America/Denver", "Europe/London"} <= found
        assert not {"EST", "UTC", "US/Central", "Etc/GMT+5"} & found
    finally:
        zones.location_zones.cache_clear()


def _tzif(name: str) -> Path:
    for folder in [*zoneinfo.TZPATH, *zones._tab_folders()]:
        path = Path(folder, *name.split("/"))
        if path.is_file():
            return path
    raise LookupError(name)


# -- line breaks only YAML sees --------------------------------------------------------------


@pytest.mark.parametrize(("character", "name"), [
    ("\x85", "next line"), ("\u2028", "line separator"), ("\u2029", "paragraph separator"),
])
@pytest.mark.parametrize("where", ["comment", "value"])
def test_yaml_only_line_breaks_shift_no_line(character, name, where):
    if where == "comment":
        text = source(("    name: Spring Rally", f"    name: Spring Rally  # a{character}b: c"))
    else:
        text = source(("    name: Spring Rally", f"    name: Spring{character}Rally"))
    text = text.replace("timezone: America/Denver", "timezone: America/Denvr")
    column = 28 if where == "comment" else 17
    assert problems(text) == [
        f"events.yaml:7:{column}: the character U+{ord(character):04X} ({name}) is a line break "
        "to YAML but not to editors; replace it with an ordinary line break or a space",
        "events.yaml:11:23: 'America/Denvr' is not an IANA time zone; did you mean "
        "'America/Denver'?",
    ]


# -- names that must differ -------------------------------------------------------------------


def test_two_classes_with_one_name_or_short():
    text = source(("name: Limited 4WD, short: L4WD", "name: open 4wd, short: O4WD"))
    assert problems(text) == [
        "events.yaml:4:22: class 'l4wd' has the same name as class 'o4wd' (line 3): 'open 4wd'; "
        "their calendars could not be told apart, so give each its own name",
        "events.yaml:4:39: class 'l4wd' has the same short as class 'o4wd' (line 3): 'O4WD'; "
        "their event titles could not be told apart, so give each its own short",
    ]


def test_a_team_named_like_a_class_or_another_team():
    tail = TEAM + (
        "  - {id: red, name: Limited 4WD, rounds: all, crews: [{driver: D, car: C, class: o4wd}]}\n"
        "  - {id: navy, name: Blue team, rounds: all, crews: [{driver: D, car: C, class: o4wd}]}\n"
    )
    assert problems(source(tail=tail)) == [
        "events.yaml:14:21: team 'red' has the same name as class 'l4wd' (line 4): "
        "'Limited 4WD'; their calendars could not be told apart, so give each its own name",
        "events.yaml:15:22: team 'navy' has the same name as team 'blue' (line 13): "
        "'Blue team'; their calendars could not be told apart, so give each its own name",
    ]


# -- the size of the output ---------------------------------------------------------------------


def test_the_caps_leave_room_for_a_season_of_10_000_rounds():
    """Such a season makes about 51,535 events, 100 MB: the caps allow four times that."""
    assert size.MAX_EVENTS >= 4 * 51_535
    assert size.MAX_OUTPUT_BYTES >= 4 * 100 * 1024 * 1024


def test_the_event_count_is_exact():
    text = source(tail=ITEM + TEAM)
    # all.ics, round/spring.ics (the round and its item), two class feeds, one team feed
    assert size.output_size(season(text))[0] == 1 + 2 + 2 + 1


def test_many_teams_in_every_round_are_refused_before_building():
    rounds = "".join(
        f"  - {{id: r{n}, name: R, first_day: 2026-03-07, last_day: 2026-03-08, venue: {{town: "
        "A, state: B, country: C, timezone: America/Denver, latitude: 1, longitude: 2}}\n"
        for n in range(1000)
    )
    teams = "teams:\n" + "".join(
        f"  - {{id: t{n}, name: T{n}, rounds: all, crews: [{{driver: D, car: C, class: o4wd}}]}}\n"
        for n in range(300)
    )
    text = HEAD[: HEAD.index("  - id: spring")] + rounds + teams
    found = problems(text)
    assert found == [
        "events.yaml:1007:3: the feeds would hold 608,000 events, about 543 MB, more than "
        f"rallycal writes ({size.MAX_EVENTS:,} events or {size.MAX_OUTPUT_BYTES // 2**20:,} MB); "
        "enter each team in the rounds it runs (a list of round ids rather than all), or keep "
        "fewer seasons"
    ]


# -- the one reader of the source ---------------------------------------------------------------

COMMANDS = [["check"], ["list"], ["export", "--out", "out"], ["diff", "--out", "out"]]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_gives_one_message_per_failure(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkfifo("pipe.yaml")
    runner = CliRunner()
    for name, first_line in [
        ("nope.yaml", "nope.yaml: no such file; give the path of the season source"),
        ("pipe.yaml", "pipe.yaml: is not a regular file (a pipe, device or socket); give the "
                      "path of the season source"),
    ]:
        result = runner.invoke(cli, [command[0], name, *command[1:]])
        assert result.exit_code == 1, result.output
        assert result.stderr.splitlines()[0] == first_line
    assert not Path("out", "all.ics").exists()


def test_a_fifo_swapped_in_after_the_check_does_not_hang(tmp_path, monkeypatch):
    pipe = tmp_path / "events.yaml"
    os.mkfifo(pipe)
    regular = os.stat(__file__)
    monkeypatch.setattr(rallycal.source.os, "stat", lambda path: regular)
    with pytest.raises(RallycalError, match="is not a regular file"):
        read_source(pipe)


def test_reads_at_most_one_byte_past_the_cap(tmp_path):
    path = tmp_path / "big.yaml"
    with open(path, "wb") as file:
        file.truncate(3 * MAX_BYTES)
    assert len(read_source(path)) == MAX_BYTES + 1

