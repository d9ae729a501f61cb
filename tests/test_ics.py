"""The plain-string writer (`rallycal.rfc5545`, used by `rallycal.ics`) is icalendar, byte for byte.

Every event and every calendar of the test seasons, of seasons full of hostile text
and of generated text is written twice, by rallycal and by icalendar
(`ics_reference`), and the bytes compared; so are the single pieces (escaping,
folding, parameters, durations, GEO) over generated values.
"""

from __future__ import annotations

import importlib.util
import string
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import ics_reference as reference
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from icalendar import Event, vDuration, vGeo
from icalendar.parser.parameter import Parameters
from icalendar.parser.string import _foldline
from seasons import TEXT_FIELDS, season_source
from support import EPOCH, GOLDEN_SEASON, ROOT, SEASON_2026, export, snapshot

from rallycal import ics, rfc5545
from rallycal.errors import SourceError
from rallycal.feeds import Entry, plan
from rallycal.history import visible_lines
from rallycal.model import Championship, Season
from rallycal.source import parse

# Characters that make folding and escaping hard: escapes, RFC 6868's caret, every
# UTF-8 length, combining marks and joiners, quotes, the separators.
AWKWARD = [
    "\\", "^", ",", ";", ":", '"', "'", "’", "\n", "\t", "é", "e\u0301", "ß", "Ω", "日",
    "🏁", "👩\u200d👩\u200d👧", "🇺🇸", "\U0001d400", "\u00a0", "\u200f", "a", " ",
]


def awkward(
    extra: tuple[str, ...] = (), controls: bool = True, max_size: int = 300
) -> st.SearchStrategy[str]:
    """Text built from `AWKWARD` pieces and any other characters."""
    blacklist = ("Cs",) if controls else ("Cs", "Cc")
    pieces = st.one_of(
        st.sampled_from([*AWKWARD, *extra]), st.characters(blacklist_categories=blacklist)
    )
    return st.lists(pieces, max_size=max_size).map("".join)


# The events of `season_source()`'s feeds: five in the stable feeds, the same five in the
# season's archive, and the three round events of the reminders feeds.
EVENTS = 5 + 5 + 3


def assert_same_feeds(season: Season) -> int:
    """Every event and calendar of `season` written by both; the number of events."""
    count = 0
    for feed in plan(Championship.of(season)):
        events = []
        for entry in feed.entries:
            body = ics.event_body(season, entry)
            assert body == reference.event_body(season, entry), entry.uid
            events.append(body)
            count += 1
        series = season.series
        assert ics.calendar(series, feed, events) == reference.calendar(series, feed, events)
    return count


def test_fixture_seasons_are_written_as_icalendar_writes_them():
    for path in [GOLDEN_SEASON, SEASON_2026]:
        season = parse(path.read_bytes(), str(path)).latest
        assert assert_same_feeds(season) > 10


def _hostile(length: int, filler: str) -> str:
    """Text that puts `filler` at and around the fold boundaries of several lines."""
    return "x" * length + filler * 3 + "y" * 20 + filler


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize("filler", ["\\", "^", ",", "é", "🏁", "e\u0301", "👩\u200d👩\u200d👧"])
def test_hostile_text_in_every_field(field, filler):
    for length in range(40, 80, 3):
        text = _hostile(length, filler).strip()
        season = parse(season_source(**{field: text}).encode(), "events.yaml").latest
        assert assert_same_feeds(season) == EVENTS


@pytest.mark.parametrize("field", ["notes", "team_notes"])
def test_line_breaks_and_tabs_in_notes(field):
    text = "a,b;c\\d\n\ne\tf\\n\\N\\,\n" + "ü" * 80
    season = parse(season_source(**{field: text}).encode(), "events.yaml").latest
    assert assert_same_feeds(season) == EVENTS


@pytest.mark.parametrize("size", range(60, 160))
@pytest.mark.parametrize("tail", ["\\", "^", "é", "日", "🏁", "\\,", "^^"])
def test_folding_at_every_boundary(size, tail):
    for head in ("", "DESCRIPTION:", "X-TITLE=\"", "é"):
        line = head + "a" * (size - len(head)) + tail + "b" * size
        assert rfc5545.fold(line) == _foldline(line)


@settings(max_examples=400)
@given(awkward(max_size=400))
def test_folding_and_escaping_match_icalendar(text):
    assert rfc5545.text(text) == reference.Text(text).to_ical().decode()
    line = rfc5545.text(text).replace("\r", "")
    assert rfc5545.fold(line) == _foldline(line)
    assert "\n" not in rfc5545.fold(line).replace("\r\n ", "")


PARAMETER_NAMES = ["VALUE", "X-TITLE", "X-APPLE-RADIUS", "X-ADDRESS", "ALTREP", "X-OTHER"]


@given(st.dictionaries(st.sampled_from(PARAMETER_NAMES),
                       awkward(("\r", "\r\n"), controls=False, max_size=30)))
def test_parameters_match_icalendar(values):
    written = Parameters(values).to_ical().decode()
    assert rfc5545.params(values) == (f";{written}" if written else "")


@given(st.timedeltas(min_value=timedelta(days=-400), max_value=timedelta(days=400)))
def test_durations_match_icalendar(value):
    assert rfc5545.duration(value) == vDuration(value).to_ical().decode()


@given(st.floats(-90, 90), st.floats(-180, 180))
def test_geo_matches_icalendar(latitude, longitude):
    assert rfc5545.geo(latitude, longitude) == vGeo((latitude, longitude)).to_ical()


@given(
    st.sampled_from(["SUMMARY", "DESCRIPTION", "LOCATION", "X-WR-CALNAME", "CATEGORIES"]),
    awkward(controls=False),
    st.dates(min_value=date(1, 1, 1)),
    st.datetimes(min_value=datetime(1, 1, 2)).map(lambda d: d.replace(microsecond=0,
                                                                        tzinfo=timezone.utc)),
)
def test_whole_lines_match_icalendar(name, text, day, moment):
    props: list[rfc5545.Property] = [
        (name, text, rfc5545.NO_PARAMS),
        ("CATEGORIES", [text, text[:5], "x"], rfc5545.NO_PARAMS),
        ("DTSTART", day, rfc5545.NO_PARAMS),
        ("DTEND", moment, rfc5545.NO_PARAMS),
        ("URL", "https://example.org/" + text.replace("\n", ""), {"VALUE": "URI"}),
        ("X-APPLE-STRUCTURED-LOCATION", "geo:1,2", {"VALUE": "URI", "X-TITLE": text}),
    ]
    expected = reference.add(Event(), props).to_ical().decode()
    assert rfc5545.component("VEVENT", props, rfc5545.EVENT_ORDER) == expected


FIELD_TEXT = st.lists(
    st.one_of(st.sampled_from([c for c in AWKWARD if c not in "\n\t"]),
              st.sampled_from(string.ascii_letters),
              st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp"))),
    min_size=1, max_size=120,
).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(TEXT_FIELDS), FIELD_TEXT, max_size=4))
def test_generated_seasons_match_icalendar(values):
    values = {key: text.strip() for key, text in values.items() if text.strip()}
    try:
        season = parse(season_source(**values).encode(), "events.yaml").latest
    except SourceError:
        assume(False)
    assert assert_same_feeds(season) == EVENTS


def test_event_bodies_unfold_to_the_lines_history_compares():
    season = parse((GOLDEN_SEASON).read_bytes(), "season.yaml").latest
    for feed in plan(Championship.of(season)):
        for entry in feed.entries:
            body = ics.event_body(season, entry)
            assert visible_lines(body) == visible_lines(reference.event_body(season, entry))
            assert b"".join(line.encode() + b"\r\n" for line in visible_lines(body)) == (
                body.replace(b"\r\n ", b"")
            )


def test_a_datetime_that_is_not_utc_is_refused():
    moment = datetime(2026, 3, 7, 9, 30, tzinfo=timezone(timedelta(hours=-7)))
    with pytest.raises(ValueError, match="not in UTC"):
        rfc5545.line("DTSTART", moment)


def test_the_export_path_does_not_import_icalendar():
    import subprocess
    import sys

    code = (
        "import sys, rallycal.publish, rallycal.cli; "
        "print('icalendar' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env={"PYTHONPATH": str(ROOT / "src")})
    assert done.stdout.strip() == "False"


def _benchmark_module(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_season_is_written_as_icalendar_writes_it(tmp_path):
    source = tmp_path / "events.yaml"
    _benchmark_module("season").write_source(120, source)
    season = parse(source.read_bytes(), str(source)).latest
    assert assert_same_feeds(season) > 240


def test_the_benchmark_floor_writes_the_export_s_feeds(tmp_path, monkeypatch):
    """benchmarks/floor.py must stay byte-identical to the export: when an event or a
    calendar gains a property, give the floor's writer the same line."""
    source = tmp_path / "events.yaml"
    _benchmark_module("season").write_source(60, source)
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    floor = _benchmark_module("floor")
    export(source, tmp_path / "out")
    now = datetime.fromtimestamp(EPOCH, timezone.utc)
    for name in ("floor", "icalendar"):
        files = floor.WRITERS[name](floor.load(str(source)), now)
        assert files == {path: data for path, data in snapshot(tmp_path / "out").items()
                         if path.endswith(".ics")}, name


def test_reminders_are_alarms_the_evening_before_and_a_week_before():
    season = parse(GOLDEN_SEASON.read_bytes(), "season.yaml").latest
    feeds = {feed.path: feed for feed in plan(Championship.of(season))}
    by_round = {e.round.id: e for e in feeds["reminders/all.ics"].entries}
    alarms = ics.alarms(season, by_round["winter"])
    assert [{name: value for name, value, _ in alarm} for alarm in alarms] == [
        {"ACTION": "DISPLAY", "TRIGGER": -timedelta(hours=6),
         "DESCRIPTION": 'DRS R1: Winter Rally, Part 1; "Snow" \\ Ice starts tomorrow, '
                        "Sat 7 Mar 2026."},
        {"ACTION": "DISPLAY", "TRIGGER": -timedelta(days=6, hours=6),
         "DESCRIPTION": 'DRS R1: Winter Rally, Part 1; "Snow" \\ Ice starts in a week, '
                        "on Sat 7 Mar 2026."},
    ]
    body = ics.event_body(season, by_round["winter"])
    assert body.count(b"BEGIN:VALARM\r\n") == 2 and body.endswith(b"END:VALARM\r\n")
    # None on rounds that will not run on their days, none in the plain feeds.
    assert ics.alarms(season, by_round["new-year"]) == []  # cancelled
    assert ics.alarms(season, by_round["autumn"]) == []  # postponed
    assert all(
        ics.alarms(season, entry) == []
        for feed in feeds.values() if not feed.reminders for entry in feed.entries
    )


def _golden_entries() -> tuple[Season, dict[str, dict[str, Entry]]]:
    """The golden season, and each feed's entries by round id (schedule items left out)."""
    season = parse(GOLDEN_SEASON.read_bytes(), "season.yaml").latest
    feeds = {
        feed.path: {e.round.id: e for e in feed.entries if e.item is None}
        for feed in plan(Championship.of(season)) if feed.season is None
    }
    return season, feeds


def test_descriptions_say_what_the_calendar_does_not_show():
    season, feeds = _golden_entries()
    winter = ics.description(season, feeds["all.ics"]["winter"])
    assert winter == (
        "Round 1 of 3 of the 2026 Demo Rally Series.\n\n"
        "Line one, with a comma; and a semicolon.\n"
        "Line two: Ünïcödé, emoji 🏁 and right-to-left שלום.\n\n"
        "More: https://example.org/winter?a=1&b=2\n\n"
        "All feeds: https://feeds.example.org/demo/index.html"
    )  # every class runs it: no classes; no days or place, which the event shows
    autumn = ics.description(season, feeds["all.ics"]["autumn"])
    assert autumn == (
        "Round 2 of 3 of the 2026 Demo Rally Series.\n\nStatus: Postponed.\n\n"
        "Class: Club \\ Historic.\n\n"
        "More: https://example.org/series\n\nAll feeds: https://feeds.example.org/demo/index.html"
    )  # the series' page once, when the round has none
    # A class's own feed does not name the class again.
    assert "Club \\ Historic" not in ics.description(season, feeds["class/club.ics"]["autumn"])


def test_team_descriptions_name_the_team_s_own_crews_and_classes():
    season, feeds = _golden_entries()
    team_a = feeds["team/team-a.ics"]["winter"]
    assert ics.description(season, team_a).split("\n\n")[1:3] == [
        "Zoë Ångström / O'Brien, Pat: Car \"One\"; turbo (Club \\ Historic)",
        "Run by A, B & C Motorsport.",
    ]
    assert ics.categories(season, team_a) == ["Rally", "DRS", "Club \\ Historic"]
    team_b = feeds["team/team-b.ics"]["winter"]
    assert "Sam Example: Car Two (Open, Unlimited; \"4WD\")\n\n" in ics.description(season, team_b)
    crews = (*team_a.team.crews, *team_b.team.crews)
    both = team_a._replace(team=replace(team_a.team, crews=crews))
    assert ics.description(season, both).split("\n\n")[1] == (
        "Crews:\n"
        "- Zoë Ångström / O'Brien, Pat: Car \"One\"; turbo (Club \\ Historic)\n"
        "- Sam Example: Car Two (Open, Unlimited; \"4WD\")"
    )
    assert ics.categories(season, both)[2:] == ["Club \\ Historic", 'Open, Unlimited; "4WD"']


def test_location_names_the_place_and_address_and_the_apple_pin_matches():
    season, feeds = _golden_entries()
    props = {name: (value, params) for name, value, params in
             ics.event_properties(season, feeds["all.ics"]["autumn"])}
    where = 'Service park; "Heritage" Square, 12 Main Street, Golden, Colorado, United States'
    assert props["LOCATION"][0] == where
    assert props["X-APPLE-STRUCTURED-LOCATION"][1]["X-TITLE"] == where
    winter = {name: value for name, value, _ in
              ics.event_properties(season, feeds["all.ics"]["winter"])}
    assert winter["LOCATION"] == "Sault Ste. Marie, Michigan, United States"
    assert (winter["TRANSP"], winter["X-MICROSOFT-CDO-BUSYSTATUS"]) == ("TRANSPARENT", "FREE")
