"""Which feeds exist, what each holds, and the UIDs and links of their events
(`rallycal.plan`), worked out by hand from small seasons written here."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from support import GOLDEN_SEASON, SEASON_2026

from rallycal.model import Championship
from rallycal.plan import (
    feed_path,
    feed_url,
    is_feed_folder,
    is_own_feed,
    is_own_path,
    parse_uid,
    plain_uid,
    plan,
    reminder_uid,
    round_anchor,
    round_link,
    uid,
    webcal_url,
)
from rallycal.render import ics
from rallycal.source import load, parse

# UIDs of seasons after `old_uids_through`: what file-name-keyed sync tools keep as is.
PLAIN_UID = re.compile(r"[A-Za-z0-9._+-]+")


def _round(round_id: str, name: str, first: str, last: str, extra: str = "") -> str:
    return f"""\
      - id: {round_id}
        name: {name}
        first_day: {first}
        last_day: {last}
        venue: {{town: Atlanta, state: Michigan, country: United States,
                timezone: America/Detroit, latitude: 45.0, longitude: -84.1}}
{extra}"""


SUMMER_SCHEDULE = """\
        schedule:
          - {id: leg-1, name: Leg 1, day: 2027-07-09, start: "09:00", end: "17:00"}
"""
ROUNDS = {
    2025: _round("spring", "Spring Rally", "2025-03-07", "2025-03-08")
    + _round("autumn", "Autumn Rally", "2025-10-10", "2025-10-11", "        classes: [open]\n"),
    2026: _round("spring", "Spring Rally", "2026-03-06", "2026-03-07")
    + _round("autumn", "Autumn Rally", "2026-10-09", "2026-10-10",
             "        url: https://example.org/autumn\n"),
    2027: _round("spring", "Spring Rally", "2027-03-05", "2027-03-06")
    + _round("summer", "Summer Rally", "2027-07-09", "2027-07-10", SUMMER_SCHEDULE),
}


def seasons_source(series_extra: str = "", window: int | None = None) -> str:
    """Three seasons: 2025 (a team and a class the later ones drop), 2026, 2027."""
    window_line = f"  window: {window}\n" if window else ""
    return f"""\
series:
  id: demo
  name: Demo Rally Championship
  short: DRC
  url: https://example.org/demo
{series_extra}{window_line}
seasons:
  - year: 2025
    classes:
      - {{id: open, name: Open, short: OPEN}}
      - {{id: vintage, name: Vintage, short: VIN}}
    rounds:
{ROUNDS[2025]}\
    teams:
      - id: old-team
        name: Pat Example
        rounds: all
        crews:
          - {{driver: Pat Example, car: Ford Escort, class: open}}
  - year: 2026
    classes:
      - {{id: open, name: Open, short: OPEN}}
      - {{id: club, name: Club, short: CLUB}}
    rounds:
{ROUNDS[2026]}\
    teams:
      - id: blue
        name: Kim Example
        short: Kim
        rounds: all
        crews:
          - {{driver: Kim Example, car: Subaru Impreza, class: club}}
          - {{driver: Lee Example, co_driver: Sam Example, car: Ford Fiesta, class: open}}
  - year: 2027
    rounds:
{ROUNDS[2027]}\
    teams:
      - id: blue
        name: Kim Example
        rounds: [summer]
        crews:
          - {{driver: Kim Example, car: Subaru Impreza, class: club}}
"""


def championship(series_extra: str = "", window: int | None = None) -> Championship:
    return parse(seasons_source(series_extra, window).encode(), "events.yaml")


@pytest.fixture(scope="module")
def feeds():
    """The three-season championship's feeds, by path."""
    return {feed.path: feed for feed in plan(championship())}


# -- which feeds exist ---------------------------------------------------------------


def test_a_single_season_has_stable_reminders_and_archive_feeds():
    season = load(GOLDEN_SEASON)
    assert [feed.path for feed in plan(season)] == [
        "all.ics", "class/open.ics", "class/club.ics", "team/team-a.ics", "team/team-b.ics",
        "round/winter.ics", "round/autumn.ics", "round/new-year.ics",
        "reminders/all.ics", "reminders/class/open.ics", "reminders/class/club.ics",
        "reminders/team/team-a.ics", "reminders/team/team-b.ics",
        "2026/all.ics", "2026/class/open.ics", "2026/class/club.ics", "2026/team/team-a.ics",
        "2026/team/team-b.ics", "2026/round/winter.ics", "2026/round/autumn.ics",
        "2026/round/new-year.ics",
    ]


def test_the_2026_fixture_has_a_feed_for_every_class_team_and_round():
    found = plan(load(SEASON_2026))
    kinds = [(feed.kind, feed.season is not None, feed.reminders) for feed in found]
    # 4 classes, 3 teams, 8 rounds: 16 stable feeds, 8 reminders (no rounds), 16 archived.
    assert kinds.count(("combined", False, False)) == 1
    assert kinds.count(("class", False, False)) == 4
    assert kinds.count(("team", False, False)) == 3
    assert kinds.count(("round", False, False)) == 8
    assert len([k for k in kinds if k[2]]) == 1 + 4 + 3
    assert len([k for k in kinds if k[1]]) == 16
    assert len({feed.path for feed in found}) == len(found) == 40
    assert len({feed.title for feed in found}) == len(found)  # calendar names differ


def test_every_season_is_archived_whole(feeds):
    archived = {path: feed for path, feed in feeds.items() if feed.season is not None}
    assert sorted(archived) == sorted([
        "2025/all.ics", "2025/class/open.ics", "2025/class/vintage.ics",
        "2025/team/old-team.ics", "2025/round/spring.ics", "2025/round/autumn.ics",
        "2026/all.ics", "2026/class/open.ics", "2026/class/club.ics", "2026/team/blue.ics",
        "2026/round/spring.ics", "2026/round/autumn.ics",
        "2027/all.ics", "2027/class/open.ics", "2027/class/club.ics", "2027/team/blue.ics",
        "2027/round/spring.ics", "2027/round/summer.ics",
    ])
    for path, feed in archived.items():
        assert path.startswith(f"{feed.season}/")
        assert {e.season.year for e in feed.entries} <= {feed.season}
        assert not feed.reminders
    assert [e.uid for e in feeds["2025/class/open.ics"].entries] == [
        "demo.2025.spring.class.open", "demo.2025.autumn.class.open",
    ]
    assert [e.uid for e in feeds["2025/class/vintage.ics"].entries] == [
        "demo.2025.spring.class.vintage",  # autumn 2025 runs only Open
    ]
    assert [e.uid for e in feeds["2027/round/summer.ics"].entries] == [
        "demo.2027.summer", "demo.2027.summer.item.leg-1",
    ]
    # 2027 inherits 2026's classes; its team enters one round only.
    assert [e.uid for e in feeds["2027/team/blue.ics"].entries] == ["demo.2027.summer.team.blue"]


def test_stable_feeds_carry_the_window_s_seasons(feeds):
    stable = {path: feed for path, feed in feeds.items() if feed.season is None}
    assert sorted(p for p in stable if not p.startswith("reminders/")) == sorted([
        "all.ics", "class/open.ics", "class/club.ics", "class/vintage.ics",
        "team/blue.ics", "team/old-team.ics",
        "round/spring.ics", "round/autumn.ics", "round/summer.ics",
    ])
    assert [e.uid for e in stable["all.ics"].entries] == [
        "demo.2026.spring", "demo.2026.autumn", "demo.2027.spring", "demo.2027.summer",
    ]
    assert [e.uid for e in stable["team/blue.ics"].entries] == [
        "demo.2026.spring.team.blue", "demo.2026.autumn.team.blue", "demo.2027.summer.team.blue",
    ]
    assert stable["all.ics"].description == (
        "Every round of the Demo Rally Championship in its 2026 and 2027 seasons as all-day "
        "events on the local days at each venue."
    )
    assert stable["all.ics"].title == "DRC"
    assert stable["class/club.ics"].title == "DRC · Club"


def test_a_feed_no_season_in_the_window_has_keeps_its_last_season(feeds):
    """A published path never disappears and a calendar is never empty."""
    vintage = feeds["class/vintage.ics"]
    assert [e.uid for e in vintage.entries] == ["demo.2025.spring.class.vintage"]
    assert vintage.description == (
        "The rounds of the Demo Rally Championship in its 2025 season that run the Vintage "
        "class. Not in the current seasons: this calendar keeps its last one."
    )
    assert [e.uid for e in feeds["team/old-team.ics"].entries] == [
        "demo.2025.spring.team.old-team", "demo.2025.autumn.team.old-team",
    ]
    # A round id that recurs takes the window's seasons; one that does not, its own.
    assert [e.uid for e in feeds["round/autumn.ics"].entries] == ["demo.2026.autumn"]
    assert [e.uid for e in feeds["round/summer.ics"].entries] == [
        "demo.2027.summer", "demo.2027.summer.item.leg-1",
    ]


def test_a_wider_window_names_the_range_of_seasons():
    found = {f.path: f for f in plan(championship(window=3))}
    assert found["all.ics"].description.startswith(
        "Every round of the Demo Rally Championship in its 2025 to 2027 seasons"
    )
    assert [e.season.year for e in found["all.ics"].entries] == [2025, 2025, 2026, 2026, 2027,
                                                                 2027]
    assert "Not in the current seasons" not in found["class/vintage.ics"].description


def test_reminders_variants_are_the_stable_rounds_with_their_own_uids(feeds):
    reminders = {path: feed for path, feed in feeds.items() if feed.reminders}
    assert sorted(reminders) == sorted(
        f"reminders/{path}" for path, feed in feeds.items()
        if feed.season is None and not feed.reminders and feed.kind != "round"
    )
    for path, feed in reminders.items():
        plain = feeds[path.removeprefix("reminders/")]
        assert feed.season is None and feed.kind == plain.kind and feed.id == plain.id
        assert feed.title == f"{plain.title} (reminders)"
        assert feed.description == (
            f"{plain.description} With reminders the evening before and a week before each "
            "round."
        )
        assert [e.uid for e in feed.entries] == [
            reminder_uid(e.uid) for e in plain.entries if e.item is None
        ]
        assert all(e.reminders and e.item is None for e in feed.entries)
        assert not any(e.reminders for e in plain.entries)


def test_an_event_s_uid_means_the_same_event_in_every_feed(feeds):
    seen = {}
    for feed in feeds.values():
        uids = [e.uid for e in feed.entries]
        assert len(uids) == len(set(uids)), feed.path
        for entry in feed.entries:
            assert seen.setdefault(entry.uid, entry) == entry, entry.uid
    # Class, team, reminders and timed-item events never share a UID with the round's.
    assert len({plain_uid(u) for u in seen}) == len([u for u in seen if plain_uid(u) == u])


# -- UIDs ----------------------------------------------------------------------------


@pytest.mark.parametrize("through", [None, 2024, 2025, 2026, 2027])
def test_seasons_up_to_old_uids_through_keep_the_rallycal_suffix(through):
    extra = f"  old_uids_through: {through}\n" if through else ""
    found = plan(championship(extra))
    uids = {e.uid: e.season.year for feed in found for e in feed.entries}
    assert len(uids) > 30
    for event_uid, year in uids.items():
        if through is not None and year <= through:
            assert event_uid.endswith("@rallycal"), event_uid
            assert event_uid.count("@") == 1
            assert PLAIN_UID.fullmatch(event_uid.removesuffix("@rallycal")), event_uid
        else:
            assert PLAIN_UID.fullmatch(event_uid), event_uid


def test_uid_functions():
    series = load(GOLDEN_SEASON).series  # old_uids_through: 2026
    later = replace(series, old_uids_through=2025)
    assert uid(series, 2026, "winter") == "demo.2026.winter@rallycal"
    assert uid(later, 2026, "winter", "class", "open") == "demo.2026.winter.class.open"
    assert uid(replace(series, old_uids_through=None), 2020, "x") == "demo.2020.x"
    for plain in ("demo.2026.winter@rallycal", "demo.2027.winter.team.a-b"):
        reminded = reminder_uid(plain)
        assert reminded != plain and plain_uid(reminded) != reminded and plain_uid(plain) == plain
        assert plain_uid(reminded) == plain_uid(plain) == plain
    assert reminder_uid("demo.2026.winter@rallycal") == "demo.2026.winter.reminders@rallycal"
    assert reminder_uid("demo.2027.winter") == "demo.2027.winter.reminders"
    assert parse_uid("demo.2027.winter.item.leg-1.reminders") == (2027, "winter", "leg-1")
    assert parse_uid("demo.2026.winter.team.blue@rallycal") == (2026, "winter", None)
    assert parse_uid("someone-else@example.org") is None
    assert parse_uid("a.b.c") is None


def test_uids_come_from_ids_only():
    """Renaming or moving a round keeps every UID (and the entries' subjects)."""
    text = seasons_source()
    edited = text.replace("name: Spring Rally", "name: Spring Rally (moved)").replace(
        "2027-03-05", "2027-03-04"
    )

    def uids(source: str):
        found = plan(parse(source.encode(), "events.yaml"))
        return {
            f.path: [(e.uid, e.season.year, e.round.id, e.item and e.item.id) for e in f.entries]
            for f in found
        }

    assert uids(text) == uids(edited)


# -- links and layout ----------------------------------------------------------------


def test_round_link_is_the_round_s_page_else_its_card_else_the_series_site():
    with_base = championship("  base_url: https://feeds.example.org/demo\n")
    season = with_base.season(2026)
    assert round_link(season, season.round("autumn")) == "https://example.org/autumn"
    assert round_link(season, season.round("spring")) == (
        "https://feeds.example.org/demo/index.html#round-2026-spring"
    )
    plain = championship().season(2026)
    assert round_link(plain, plain.round("spring")) == "https://example.org/demo"
    assert round_link(plain, plain.round("autumn")) == "https://example.org/autumn"
    no_site = parse(seasons_source().replace("  url: https://example.org/demo\n", "").encode(),
                    "events.yaml").season(2026)
    assert round_link(no_site, no_site.round("spring")) is None
    assert round_anchor(2027, "summer") == "round-2027-summer"


def test_paths_and_addresses():
    assert feed_path("combined", "all") == "all.ics"
    assert feed_path("team", "blue", season=2026) == "2026/team/blue.ics"
    assert feed_path("class", "open", reminders=True) == "reminders/class/open.ics"
    for own in ("all.ics", "2026/all.ics", "reminders/team/x-1.ics", "2026/round/a.ics"):
        assert is_own_feed(own) and is_own_path(own), own
    for other in ("notes.ics", "class/Open.ics", "class/.ics", "x/all.ics", "26/all.ics",
                  "class/a/b.ics", "all.ics.bak", "round/-x.ics"):
        assert not is_own_feed(other), other
    assert is_own_path("index.html") and is_own_path("changes.atom")
    assert not is_own_path("feeds.json")  # rewritten, never deleted
    assert is_feed_folder("") and is_feed_folder("2026/team") and is_feed_folder("reminders")
    assert not is_feed_folder("assets") and not is_feed_folder("2026/other")
    series = load(GOLDEN_SEASON).series
    assert feed_url(series, "all.ics") == "https://feeds.example.org/demo/all.ics"
    assert webcal_url(feed_url(series, "all.ics")) == "webcal://feeds.example.org/demo/all.ics"
    assert feed_url(replace(series, base_url=None), "all.ics") is None
    assert webcal_url(None) is None


# -- wording -------------------------------------------------------------------------

# "its" about the series ("in its 2026 season") or the calendar ("keeps its last one");
# never about a team, which may be a person.
NOT_A_PERSON_S = re.compile(r"in its \d{4}(?: (?:and|to) \d{4})? seasons?|keeps its last one")


@pytest.mark.parametrize("source", ["three seasons", "golden", "2026"])
def test_team_descriptions_never_say_its_for_a_person(source):
    found = {
        "three seasons": lambda: plan(championship()),
        "golden": lambda: plan(load(GOLDEN_SEASON)),
        "2026": lambda: plan(load(SEASON_2026)),
    }[source]()
    teams = [feed for feed in found if feed.kind == "team"]
    assert teams
    for feed in teams:
        assert f" entered by {feed.name} with the crews and cars." in feed.description
        assert not re.search(r"\bits\b", NOT_A_PERSON_S.sub("", feed.description)), feed.description
        for entry in feed.entries:
            assert not re.search(r"\bits\b", ics.description(entry)), entry.uid


def test_a_person_s_team_reads_as_a_person(feeds):
    assert feeds["2026/team/blue.ics"].description == (
        "The rounds of the 2026 Demo Rally Championship entered by Kim Example with the crews "
        "and cars."
    )
    assert feeds["team/old-team.ics"].description == (
        "The rounds of the Demo Rally Championship in its 2025 season entered by Pat Example "
        "with the crews and cars. Not in the current seasons: this calendar keeps its last one."
    )
