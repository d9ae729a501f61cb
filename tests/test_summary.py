"""The one-screen summary `rallycal check` prints (`rallycal.cli.summary`)."""

from __future__ import annotations

from rallycal.cli.summary import season_counts, season_summary
from rallycal.source import parse

SOURCE = b"""\
series: {id: demo, name: Demo Series, short: DS}
seasons:
  - year: 2027
    classes:
      - {id: open, name: Open, short: OPEN}
      - {id: club, name: Club, short: CLUB}
    rounds:
      - id: winter
        name: Winter Rally
        first_day: 2027-02-05
        last_day: 2027-02-06
        status: tentative
        venue: {town: Atlanta, state: Michigan, country: United States,
                timezone: America/Detroit, latitude: 45.005, longitude: -84.144}
        schedule:
          - {id: leg-1, name: Leg 1, day: 2027-02-05, start: "18:00", end: "23:00"}
          - {id: leg-2, name: Leg 2, day: 2027-02-06, start: "08:00", end: "17:00"}
      - id: forest
        name: Forest Rally
        first_day: 2027-06-12
        last_day: 2027-06-12
        classes: [open]
        venue: {town: Golden, state: Colorado, country: United States,
                timezone: America/Denver, latitude: 39.756, longitude: -105.221}
    teams:
      - id: red
        name: Red Team
        rounds: [winter]
        crews:
          - {driver: Ann Example, co_driver: Cy Example, car: Car One, class: open}
          - {driver: Di Example, car: Car Three, class: club}
      - id: blue
        name: Blue Team
        rounds: all
        crews: [{driver: Bo Example, car: Car Two, class: open}]
"""
ONE_OF_EACH = b"""\
series: {id: demo, name: Demo Series, short: DS}
seasons:
  - year: 2027
    classes: [{id: open, name: Open, short: OPEN}]
    rounds:
      - id: forest
        name: Forest Rally
        first_day: 2027-06-12
        last_day: 2027-06-12
        venue: {town: Golden, state: Colorado, country: United States,
                timezone: America/Denver, latitude: 39.756, longitude: -105.221}
    teams:
      - id: blue
        name: Blue Team
        rounds: all
        crews: [{driver: Bo Example, car: Car Two, class: open}]
"""


def test_counts_in_words_singular_and_plural():
    season = parse(SOURCE, "events.yaml").latest
    assert season_counts(season) == "2 rounds, 2 classes, 2 teams"
    one = parse(ONE_OF_EACH, "events.yaml").latest
    assert season_counts(one) == "1 round, 1 class, 1 team"


def test_the_summary_lists_rounds_classes_teams_and_crews():
    season = parse(SOURCE, "events.yaml").latest
    assert season_summary(season).splitlines() == [
        "Demo Series (DS), 2027 season",
        "",
        "Rounds",
        "R1  Fri 5 – Sat 6 Feb 2027  Winter Rally  Atlanta, Michigan"
        "  (tentative, 2 schedule items)",
        "R2  Sat 12 Jun 2027         Forest Rally  Golden, Colorado",
        "",
        "Classes",
        "open  Open  2 rounds",
        "club  Club  1 round",
        "",
        "Teams",
        "Red Team (red), 1 round: winter",
        "  Ann Example / Cy Example  Car One    Open",
        "  Di Example                Car Three  Club",
        "Blue Team (blue), 2 rounds",
        "  Bo Example  Car Two  Open",
    ]
