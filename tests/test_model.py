"""The model's own behaviour: places, look-ups, the seasons window (`rallycal.model`)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from support import fixture

from rallycal.model import DEFAULT_WINDOW, Championship, Venue
from rallycal.source import load


def venue(**changes: object) -> Venue:
    base = Venue("Atlanta", "Michigan", "United States", "America/Detroit", 45.005, -84.144)
    return dataclasses.replace(base, **changes)


def test_a_place_leaves_out_empty_parts():
    assert venue().place == "Atlanta, Michigan, United States"
    assert venue(state="").place == "Atlanta, United States"


@pytest.fixture(scope="module")
def championship() -> Championship:
    return load(fixture("source/three-seasons.yaml"))


def test_seasons_are_oldest_first_and_the_window_holds_the_latest(championship):
    years = [s.year for s in championship.seasons]
    assert years == sorted(years) and len(years) == 3
    assert championship.latest.year == years[-1]
    assert championship.window == DEFAULT_WINDOW == 2
    assert [s.year for s in championship.in_window] == years[-2:]
    assert championship.season(years[0]) is championship.seasons[0]
    with pytest.raises(KeyError):
        championship.season(1999)


def test_the_current_season_is_the_latest_with_a_round_still_to_come(championship):
    first, _, third = championship.seasons
    assert championship.current(first.rounds[0].first_day) is third
    assert championship.current(third.rounds[-1].last_day) is third
    assert championship.current(date(9999, 1, 1)) is third  # none to come: the latest
    older = Championship(championship.series, championship.seasons[:1])
    assert older.current(date(9999, 1, 1)) is first


def test_look_ups_by_id(championship):
    season = championship.latest
    for round_ in season.rounds:
        assert season.round(round_.id) is round_
    for rally_class in season.classes:
        assert season.rally_class(rally_class.id) is rally_class
    with pytest.raises(KeyError):
        season.round("no-such-round")


def test_a_base_url_reaches_the_series_of_every_season(championship):
    moved = championship.with_base_url("https://example.org/feeds/")
    assert moved.series.base_url == "https://example.org/feeds/"
    assert {s.series.base_url for s in moved.seasons} == {"https://example.org/feeds/"}
    assert [s.rounds for s in moved.seasons] == [s.rounds for s in championship.seasons]
    one = championship.latest.with_base_url(None)
    assert one.series.base_url is None and one.rounds == championship.latest.rounds


def test_a_championship_of_one_season():
    season = load(fixture("seasons/ara-2026.yaml")).latest
    alone = Championship.of(season)
    assert alone.seasons == (season,) and alone.series is season.series
    assert alone.in_window == (season,) and alone.latest is season
