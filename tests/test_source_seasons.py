"""The source with several seasons: the layout, what each season inherits, and the errors
that name the season."""

from __future__ import annotations

from datetime import date

import pytest
from support import GOLDEN_SEASON, export, fixture, snapshot

from rallycal.errors import SourceError
from rallycal.model import DEFAULT_WINDOW, Championship, Venue
from rallycal.source import load, parse

SERIES = "series: {id: demo, name: Demo, short: DRS}\n"
ROUND = (
    "      - {{id: {id}, name: Rally, first_day: {day}, last_day: {day}, venue: {{town: A, "
    "state: B, country: C, timezone: America/Denver, latitude: 1, longitude: 2}}}}\n"
)
CLASSES = "    classes: [{id: open, name: Open, short: OPEN}]\n"


def season_block(year: int | str, *, classes: str = CLASSES, rounds: tuple[str, ...] = ("r",),
                 day: str | None = None, teams: str = "") -> str:
    listed = "".join(ROUND.format(id=r, day=day or f"{year}-03-07") for r in rounds)
    return f"  - year: {year}\n{classes}    rounds:\n{listed}{teams}"


def championship(*blocks: str, series: str = SERIES) -> Championship:
    return parse((series + "seasons:\n" + "".join(blocks)).encode(), "events.yaml")


def problems(*blocks: str, series: str = SERIES, text: str | None = None) -> list[str]:
    data = text if text is not None else series + "seasons:\n" + "".join(blocks)
    with pytest.raises(SourceError) as caught:
        parse(data.encode(), "events.yaml")
    return [p.format("events.yaml") for p in caught.value.problems]


def test_two_seasons():
    c = load(fixture("source/two-seasons.yaml"))
    assert [s.year for s in c.seasons] == [2026, 2027]
    assert c.window == DEFAULT_WINDOW == 2
    first, second = c.seasons
    assert second.classes == first.classes  # left out: the previous season's
    assert [r.id for r in first.rounds] == ["winter", "forest"]
    assert [r.id for r in second.rounds] == ["winter", "new-year"]  # an id recurs
    assert second.round("winter").first_day == date(2027, 2, 5)
    assert second.round("new-year").last_day == date(2028, 1, 1)
    assert [t.id for t in first.teams] == ["red"]
    assert [t.id for t in second.teams] == ["blue"]  # teams are never inherited
    assert first.series is second.series is c.series
    assert first.round("winter").venue == Venue(
        town="Atlanta", state="Michigan", country="United States", timezone="America/Detroit",
        latitude=45.005, longitude=-84.144, place_name="Rally HQ, Example Hotel",
        address="1 Main Street, Atlanta, MI 49709",
    )
    assert first.round("forest").venue.place_name is None


def test_three_seasons_and_the_window():
    c = load(fixture("source/three-seasons.yaml"))
    assert [s.year for s in c.seasons] == [2025, 2026, 2027]
    assert [s.year for s in c.in_window] == [2026, 2027]
    assert [k.id for k in c.seasons[0].classes] == ["open"]
    assert [k.id for k in c.seasons[2].classes] == ["open", "club"]  # 2026's, not 2025's
    assert c.seasons[1].teams[0].rounds == ("winter",)


def test_window_is_configurable():
    series = "series: {id: demo, name: Demo, short: DRS, window: 1}\n"
    c = championship(season_block(2026), season_block(2027, classes=""), series=series)
    assert c.window == 1
    assert [s.year for s in c.in_window] == [2027]


@pytest.mark.parametrize("value", ["0", "two", "1.5", "101", "-1"])
def test_window_must_be_a_count_of_seasons(value):
    series = f"series: {{id: demo, name: Demo, short: DRS, window: {value}}}\n"
    assert problems(season_block(2026), series=series) == [
        f"events.yaml:1:52: window '{value}' is not a whole number of seasons from 1 to 100; "
        "write it in digits, e.g. 2"
    ]


def test_old_uids_through_is_read():
    series = "series: {id: demo, name: Demo, short: DRS, old_uids_through: 2026}\n"
    c = championship(season_block(2026), season_block(2027, classes=""), series=series)
    assert c.series.old_uids_through == 2026
    assert all(s.series.old_uids_through == 2026 for s in c.seasons)


def test_old_uids_through_is_none_when_absent():
    assert championship(season_block(2026)).series.old_uids_through is None


def test_old_uids_through_reads_the_same_in_both_layouts():
    one_season = parse(
        b"series: {id: demo, name: Demo, short: DRS, season: 2026, old_uids_through: 2026}\n"
        b"classes: [{id: open, name: Open, short: OPEN}]\nrounds:\n"
        + ROUND.format(id="r", day="2026-03-07").encode(), "events.yaml")
    series = "series: {id: demo, name: Demo, short: DRS, old_uids_through: 2026}\n"
    assert one_season == championship(season_block(2026), series=series)


@pytest.mark.parametrize(("value", "message"), [
    ("twenty", "old_uids_through 'twenty' is not a year; write it in digits, e.g. 2026"),
    ("1999",
     "old_uids_through 1999 is not a year from 2000 to 2100; write the full year, e.g. 2026"),
    ("", "'old_uids_through' in the series is empty; fill it in or delete the line"),
])
def test_old_uids_through_must_be_a_year(value, message):
    series = f"series: {{id: demo, name: Demo, short: DRS, old_uids_through: {value}}}\n"
    assert problems(season_block(2026), series=series) == [f"events.yaml:1:62: {message}"]


def test_a_misspelt_old_uids_through_is_pointed_out():
    series = "series: {id: demo, name: Demo, short: DRS, old_uid_through: 2026}\n"
    assert problems(season_block(2026), series=series) == [
        "events.yaml:1:44: unknown key 'old_uid_through' in the series; did you mean "
        "'old_uids_through'?"
    ]


def test_the_one_season_layout_gives_the_same_model_and_the_same_feeds(tmp_path):
    old = load(GOLDEN_SEASON)
    new = load(fixture("source/golden-seasons.yaml"))
    assert old == new
    assert len(new.seasons) == 1
    export(GOLDEN_SEASON, tmp_path / "old")
    export(fixture("source/golden-seasons.yaml"), tmp_path / "new")
    assert snapshot(tmp_path / "old") == snapshot(tmp_path / "new")


# -- errors ------------------------------------------------------------------------------


def test_mixing_the_layouts():
    text = SERIES + "rounds: []\nseasons:\n" + season_block(2026)
    assert problems(text=text) == [
        "events.yaml:2:1: 'rounds' at the top level belongs to the one-season layout; with "
        "'seasons:', write it inside its season, under '- year: ...'"
    ]


def test_season_under_the_series_with_seasons():
    series = "series: {id: demo, name: Demo, short: DRS, season: 2026}\n"
    assert problems(season_block(2026), series=series) == [
        "events.yaml:1:44: 'season' in the series belongs to the one-season layout; with "
        "'seasons:', give each season its year instead (- year: 2026)"
    ]


def test_seasons_oldest_first_and_once():
    found = problems(season_block(2027), season_block(2026, classes=""),
                     season_block(2027, classes=""))
    assert found == [
        "events.yaml:7:11: the 2026 season comes after the 2027 season (line 3); list the "
        "seasons oldest first",
        "events.yaml:10:11: the 2027 season is listed twice (first on line 3); keep one, with "
        "all its rounds",
    ]


def test_the_first_season_needs_its_classes():
    assert problems(season_block(2026, classes="")) == [
        "events.yaml:3:5: the 2026 season is missing 'classes'; add a line 'classes:' with its "
        "classes (a later season may leave it out to keep these)"
    ]


def test_errors_name_the_season():
    found = problems(season_block(2026), season_block(2027, classes="", day="2029-03-07"))
    assert found == [
        "events.yaml:9:41: first_day 2029-03-07 is not in the 2027 season (its rounds start in "
        "2027 or 2028); did you mean 2028-03-07?"
    ]
    block = season_block(2027, classes="", rounds=("r", "r"))
    assert problems(season_block(2026), block)[0] == (
        "events.yaml:10:14: duplicate round id 'r' (first on line 9); give each round its own id"
    )
    teams = ("    teams:\n      - {id: t, name: T, rounds: [x], "
             "crews: [{driver: D, car: C, class: open}]}\n")
    assert problems(season_block(2026), season_block(2027, classes="", teams=teams)) == [
        "events.yaml:11:35: unknown round 'x' in team 't' of the 2027 season; the rounds are r"
    ]


def test_a_season_without_rounds_or_year():
    assert problems("  - classes: []\n") == [
        "events.yaml:3:5: season 1 is missing 'rounds'; add a line 'rounds: ...'",
        "events.yaml:3:5: season 1 is missing 'year'; add a line 'year: ...'",
        "events.yaml:3:14: 'classes' in season 1 is an empty list; add at least one class",
    ]
    assert problems(text=SERIES + "seasons: []\n") == [
        "events.yaml:2:10: 'seasons' in the file is an empty list; add at least one season with "
        "its year, classes and rounds"
    ]


def test_venue_place_and_address_are_text():
    long = "x" * 301
    block = season_block(2026).replace("longitude: 2}", f"longitude: 2, address: {long}}}")
    assert problems(block)[0].endswith(
        "'address' in the venue of round 'r' of the 2026 season is 301 characters long; "
        "shorten it to at most 300"
    )
