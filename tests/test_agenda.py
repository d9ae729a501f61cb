"""Which round is next and how far off it is, as `rallycal list` prints it (`rallycal.agenda`)."""

from __future__ import annotations

from datetime import date

import pytest

from rallycal.agenda import as_json, can_be_next, lines, next_round, until
from rallycal.model import Season
from rallycal.source import parse

SOURCE = b"""\
series: {id: demo, name: Demo Series, short: DS}
seasons:
  - year: 2026
    classes:
      - {id: open, name: Open, short: OPEN}
      - {id: club, name: Club, short: CLUB}
    rounds:
      - id: winter
        name: Winter Rally
        first_day: 2026-02-06
        last_day: 2026-02-07
        venue: {town: Atlanta, state: Michigan, country: United States,
                timezone: America/Detroit, latitude: 45.005, longitude: -84.144}
      - id: spring
        name: Spring Rally
        first_day: 2026-04-10
        last_day: 2026-04-11
        status: postponed
        venue: {town: Golden, state: Colorado, country: United States,
                timezone: America/Denver, latitude: 39.756, longitude: -105.221}
      - id: summer
        name: Summer Rally
        first_day: 2026-07-03
        last_day: 2026-07-05
        status: tentative
        classes: [club]
        venue: {town: Golden, state: Colorado, country: United States,
                timezone: America/Denver, latitude: 39.756, longitude: -105.221}
      - id: autumn
        name: Autumn Rally
        first_day: 2026-10-09
        last_day: 2026-10-10
        status: cancelled
        venue: {town: Marquette, state: Michigan, country: United States,
                timezone: America/Detroit, latitude: 46.544, longitude: -87.395}
"""


@pytest.fixture(scope="module")
def season() -> Season:
    return parse(SOURCE, "events.yaml").latest


def test_only_rounds_going_ahead_can_be_next(season):
    assert [r.id for r in season.rounds if can_be_next(r)] == ["winter", "summer"]


@pytest.mark.parametrize(
    ("today", "round_id", "days_until", "running"),
    [
        (date(2026, 1, 1), "winter", 36, False),
        (date(2026, 2, 6), "winter", 0, True),
        (date(2026, 2, 7), "winter", -1, True),  # its last day: still on
        (date(2026, 2, 8), "summer", 145, False),  # the postponed round is passed over
        (date(2026, 7, 2), "summer", 1, False),
    ],
)
def test_the_next_round(season, today, round_id, days_until, running):
    coming = next_round(season, today)
    assert coming is not None
    assert (coming.round.id, coming.days_until, coming.running) == (round_id, days_until, running)


def test_no_next_round_after_the_last_one_going_ahead(season):
    assert next_round(season, date(2026, 7, 6)) is None  # the cancelled autumn round is not next


def test_how_far_off_in_words(season):
    assert until(next_round(season, date(2026, 2, 7))) == "on now"
    assert until(next_round(season, date(2026, 7, 2))) == "tomorrow"
    assert until(next_round(season, date(2026, 6, 21))) == "in 12 days"


def test_lines_mark_the_next_round_and_say_when_it_is(season):
    assert lines(season, date(2026, 6, 21)) == [
        "Demo Series 2026: 4 rounds",
        "",
        "  R1  Fri 6 – Sat 7 Feb 2026    Winter Rally  Atlanta, Michigan    Confirmed  all classes",
        "  R2  Fri 10 – Sat 11 Apr 2026  Spring Rally  Golden, Colorado     Postponed  all classes",
        "> R3  Fri 3 – Sun 5 Jul 2026    Summer Rally  Golden, Colorado     Tentative  CLUB"
        "  <- next, in 12 days",
        "  R4  Fri 9 – Sat 10 Oct 2026   Autumn Rally  Marquette, Michigan  Cancelled  all classes",
        "",
        "Next, in 12 days: R3 Summer Rally (Fri 3 – Sun 5 Jul 2026, Golden, Colorado, "
        "United States).",
    ]


def test_lines_say_when_nothing_is_to_come(season):
    out = lines(season, date(2026, 12, 1))
    assert not any(line.startswith(">") for line in out)
    assert out[-1] == "No round of the 2026 season is still to come (as of 2026-12-01)."


def test_json_gives_ids_iso_days_and_the_next_round(season):
    data = as_json(season, date(2026, 2, 6))
    assert data["series"] == {"id": "demo", "name": "Demo Series", "season": 2026}
    assert data["today"] == "2026-02-06"
    assert data["next"] == {"round": "winter", "days_until": 0, "running": True}
    assert [r["id"] for r in data["rounds"] if r["next"]] == ["winter"]
    summer = data["rounds"][2]
    assert summer == {
        "id": "summer",
        "number": 3,
        "name": "Summer Rally",
        "first_day": "2026-07-03",
        "last_day": "2026-07-05",
        "days": "Fri 3 – Sun 5 Jul 2026",
        "town": "Golden",
        "state": "Colorado",
        "country": "United States",
        "timezone": "America/Denver",
        "status": "tentative",
        "classes": ["club"],
        "next": False,
        "days_until": 147,
    }
    assert as_json(season, date(2027, 1, 1))["next"] is None
