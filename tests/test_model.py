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


def _written_out(value: object) -> str:
    """The repr `dataclass` itself would write for a model object (fields marked repr)."""
    shown = ", ".join(
        f"{f.name}={getattr(value, f.name)!r}" for f in dataclasses.fields(value) if f.repr
    )
    return f"{type(value).__qualname__}({shown})"


def _model_objects(championship: Championship) -> list[object]:
    found: list[object] = [championship, championship.series]
    for season in championship.seasons:
        found += [season, *season.classes, *season.teams]
        for team in season.teams:
            found += team.crews
        for round_ in season.rounds:
            found += [round_, round_.venue, *round_.schedule]
    return found


def test_model_objects_compare_hash_and_show_as_dataclasses_do():
    """The shared __eq__, __hash__ and __repr__ behave as the ones dataclass writes: the
    render cache's keys are made of these reprs."""
    championship = load(fixture("seasons/ara-2026.yaml"))
    again = load(fixture("seasons/ara-2026.yaml"))
    for one, other in zip(_model_objects(championship), _model_objects(again), strict=True):
        assert repr(one) == _written_out(one)
        assert one == other and hash(one) == hash(other) and one is not other
        compared = [f.name for f in dataclasses.fields(one) if f.compare]
        if compared and isinstance(getattr(one, compared[0]), str):
            changed = dataclasses.replace(one, **{compared[0]: getattr(one, compared[0]) + "x"})
            assert changed != one
    round_ = championship.seasons[-1].rounds[0]
    assert round_ != round_.venue and round_ != (round_.id,)
