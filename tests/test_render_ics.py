"""The feeds as independent parsers read them: Mozilla's ical.js (Thunderbird), `ical`,
`vobject` and icalendar; and what `rallycal.render.ics` says in each event.

The expected values come from the season sheets and texts written here and from
hand-computed UTC instants (checked against zoneinfo), never from rallycal's output.
libical has a file of its own (test_libical.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from ical.calendar_stream import IcsCalendarStream
from seasons import AWKWARD, DENVER_2040, season_source
from support import EPOCH, GOLDEN_SEASON, SEASON_2026, export, icaljs, ics_files, snapshot

from rallycal.export import build
from rallycal.plan import plan
from rallycal.publication import Publication
from rallycal.render import ics
from rallycal.source import load, parse

UTC = timezone.utc
NOW = datetime.fromtimestamp(EPOCH, UTC)

# The 2026 fixture's season sheet: round, first and last day, town, state.
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

# Timed items, local start and end in their zone, and the UTC instants worked out by hand.
ITEMS = {
    # golden season, 2026, America/Detroit then America/Denver
    "shakedown": ("2026-03-07 09:30", "2026-03-07 12:00", "America/Detroit",  # EST, -5
                  "2026-03-07T14:30Z", "2026-03-07T17:00Z"),
    "night-stage": ("2026-03-08 21:00", "2026-03-09 01:30", "America/Detroit",  # EDT, -4
                    "2026-03-09T01:00Z", "2026-03-09T05:30Z"),
    "leg-1": ("2026-10-31 18:00", "2026-10-31 23:00", "America/Denver",  # MDT, -6
              "2026-11-01T00:00Z", "2026-11-01T05:00Z"),
    "leg-2": ("2026-11-01 08:00", "2026-11-01 17:00", "America/Denver",  # MST, -7
              "2026-11-01T15:00Z", "2026-11-02T00:00Z"),
    # seasons.DENVER_2040: Denver's clocks go forward on 11 Mar and back on 4 Nov 2040
    "night": ("2040-03-10 23:00", "2040-03-11 04:00", "America/Denver",  # MST to MDT
              "2040-03-11T06:00Z", "2040-03-11T10:00Z"),
    "morning": ("2040-03-11 03:00", "2040-03-11 05:00", "America/Denver",  # MDT
                "2040-03-11T09:00Z", "2040-03-11T11:00Z"),
    "late": ("2040-11-03 22:00", "2040-11-04 03:00", "America/Denver",  # MDT to MST
             "2040-11-04T04:00Z", "2040-11-04T10:00Z"),
    "early": ("2040-11-04 02:00", "2040-11-04 04:00", "America/Denver",  # MST
              "2040-11-04T09:00Z", "2040-11-04T11:00Z"),
}

PLACE = f"{AWKWARD['town']}, {AWKWARD['state']}, {AWKWARD['country']}"
CREW = f"{AWKWARD['driver']} / {AWKWARD['co_driver']}: {AWKWARD['car']} ({AWKWARD['class_name']})"


def _utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)


def test_hand_computed_instants_agree_with_zoneinfo():
    for start, end, zone, utc_start, utc_end in ITEMS.values():
        for local, expected in ((start, utc_start), (end, utc_end)):
            moment = datetime.strptime(local, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(zone))
            assert moment.astimezone(UTC) == _utc(expected), local
            back = moment.astimezone(UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None)
            assert back == moment.replace(tzinfo=None), local  # neither in a gap nor a fold


# -- the exports the readers read ----------------------------------------------------


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """The 2026 fixture season exported with a base URL."""
    out = tmp_path_factory.mktemp("exported")
    export(SEASON_2026, out, base_url="https://example.org/ara/")
    return out


@pytest.fixture(scope="module")
def golden(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("golden")
    export(GOLDEN_SEASON, out)
    return out


@pytest.fixture(scope="module")
def denver(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("denver")
    (folder / "events.yaml").write_text(DENVER_2040, encoding="utf-8")
    export(folder / "events.yaml", folder / "out")
    return folder / "out"


@pytest.fixture(scope="module")
def awkward(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("awkward")
    (folder / "events.yaml").write_text(season_source(**AWKWARD), encoding="utf-8")
    export(folder / "events.yaml", folder / "out")
    return folder / "out"


# -- four readers, one shape ---------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """One event as a parser read it."""

    summary: str
    description: str
    location: str
    start: date | datetime  # a date, or an instant in UTC
    end: date | datetime
    status: str
    sequence: int
    categories: tuple[str, ...]
    url: str | None
    geo: tuple[float, float]
    title: str | None  # the Apple pin's X-TITLE
    alarms: tuple[tuple[str, timedelta, str], ...]  # action, trigger, description


def _instant(value: date | datetime) -> date | datetime:
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def _duration(text: str) -> timedelta:
    """`-P6DT6H` as a timedelta (ical.js gives triggers as text)."""
    found = re.fullmatch(r"(-)?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?",
                         text)
    assert found, text
    sign, weeks, days, hours, minutes, seconds = found.groups()
    value = timedelta(weeks=int(weeks or 0), days=int(days or 0), hours=int(hours or 0),
                      minutes=int(minutes or 0), seconds=int(seconds or 0))
    return -value if sign else value


def read_icalendar(data: bytes) -> dict[str, Seen]:
    found = {}
    for e in icalendar.Calendar.from_ical(data).walk("VEVENT"):
        pin = e.get("X-APPLE-STRUCTURED-LOCATION")
        found[str(e["UID"])] = Seen(
            str(e["SUMMARY"]), str(e["DESCRIPTION"]), str(e["LOCATION"]),
            _instant(e.decoded("DTSTART")), _instant(e.decoded("DTEND")), str(e["STATUS"]),
            int(e["SEQUENCE"]), tuple(str(c) for c in e["CATEGORIES"].cats),
            str(e["URL"]) if "URL" in e else None,
            (e["GEO"].latitude, e["GEO"].longitude),
            pin.params.get("X-TITLE") if pin is not None else None,
            tuple((str(a["ACTION"]), a.decoded("TRIGGER"), str(a["DESCRIPTION"]))
                  for a in e.walk("VALARM")),
        )
    return found


def read_vobject(data: bytes) -> dict[str, Seen]:
    calendar = vobject.readOne(data.decode("utf-8"))
    found = {}
    for e in calendar.contents.get("vevent", []):
        latitude, longitude = e.geo.value.split(";")
        pin = e.contents.get("x-apple-structured-location")
        # vobject leaves RFC 6868's parameter escapes as they are: decode them here.
        title = pin[0].params["X-TITLE"][0] if pin else None
        if title is not None:
            title = re.sub(r"\^(['n^])", lambda m: {"'": '"', "n": "\n", "^": "^"}[m[1]], title)
        found[e.uid.value] = Seen(
            e.summary.value, e.description.value, e.location.value,
            _instant(e.dtstart.value), _instant(e.dtend.value), e.status.value,
            int(e.sequence.value), tuple(e.categories.value),
            e.url.value if "url" in e.contents else None,
            (float(latitude), float(longitude)), title,
            tuple((a.action.value, a.trigger.value, a.description.value)
                  for a in e.contents.get("valarm", [])),
        )
    return found


def read_ical(data: bytes) -> dict[str, Seen]:
    """What the `ical` package reads. It splits CATEGORIES at escaped commas too
    (`Open\\, Unlimited` gives two names), so its categories are only compared where no
    name holds a comma."""
    calendar = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    found = {}
    for e in calendar.events:
        pins = [x for x in e.extras if x.name == "x-apple-structured-location"]
        title = None
        if pins:
            title = next(p.values[0] for p in pins[0].params if p.name == "X-TITLE")
        found[e.uid] = Seen(
            e.summary, e.description, e.location, _instant(e.dtstart), _instant(e.dtend),
            str(e.status.value), e.sequence, tuple(e.categories), e.url,
            (e.geo.lat, e.geo.lng), title,
            tuple((str(a.action.value if hasattr(a.action, "value") else a.action), a.trigger,
                   a.description) for a in e.alarm),
        )
    return found


def read_icaljs_feed(feed: dict) -> dict[str, Seen]:
    def moment(value, all_day):
        return date.fromisoformat(value) if all_day else datetime.fromtimestamp(value, UTC)

    return {
        e["uid"]: Seen(
            e["summary"], e["description"], e["location"], moment(e["start"], e["allDay"]),
            moment(e["end"], e["allDay"]), e["status"], e["sequence"], tuple(e["categories"]),
            e["url"], tuple(e["geo"]), e["appleTitle"],
            tuple((a["action"], _duration(a["trigger"]), a["description"]) for a in e["alarms"]),
        )
        for e in feed["events"]
    }


READERS = {"icalendar": read_icalendar, "vobject": read_vobject, "ical": read_ical}


def read_all(
    paths: list[Path], by_icaljs: list[dict] | None = None
) -> dict[str, dict[Path, dict[str, Seen]]]:
    """Reader name -> file -> UID -> event, for every reader (`by_icaljs`: what ical.js
    already read in `paths`)."""
    found = {name: {p: reader(p.read_bytes()) for p in paths} for name, reader in READERS.items()}
    feeds = icaljs(paths) if by_icaljs is None else by_icaljs
    found["ical.js"] = {Path(feed["path"]): read_icaljs_feed(feed) for feed in feeds}
    return found


# -- every file parses ---------------------------------------------------------------


@pytest.mark.node
def test_every_file_parses_in_every_reader(exported, golden, denver, awkward):
    paths = [p for folder in (exported, golden, denver, awkward) for p in ics_files(folder)]
    assert len(paths) == 40 + 21 + 10 + 11
    by_icaljs = icaljs(paths)
    seen = read_all(paths, by_icaljs)
    for reader, files in seen.items():
        assert sorted(files) == sorted(paths), reader
        for path, events in files.items():
            assert events, (reader, path)
    for feed in by_icaljs:
        assert feed["prodid"] == "-//rallycal//rallycal feeds//EN"
        assert feed["method"] == "PUBLISH"
        assert set(feed["components"]) == {"vevent"}, feed["path"]
    # Every reader reads every event alike (`ical` bar its categories: see `read_ical`).
    for path in paths:
        assert seen["ical.js"][path] == seen["vobject"][path] == seen["icalendar"][path], path
        assert _but_categories(seen["ical"][path]) == _but_categories(seen["icalendar"][path])


def _but_categories(events: dict[str, Seen]) -> dict[str, Seen]:
    return {key: replace(event, categories=()) for key, event in events.items()}


# -- days and instants ---------------------------------------------------------------


@pytest.mark.node
def test_all_day_events_are_the_local_days_with_an_exclusive_end(exported):
    for reader, files in read_all([exported / "all.ics"]).items():
        events = list(files[exported / "all.ics"].values())
        assert [(e.start, e.end) for e in events] == [
            (first, last + timedelta(days=1)) for _, first, last, _, _ in SEASON
        ], reader
        for number, (event, (name, _, _, town, state)) in enumerate(zip(events, SEASON,
                                                                         strict=True), 1):
            assert event.summary == f"ARA R{number}: {name}", reader
            assert event.location == f"{town}, {state}, United States", reader
            assert event.title == event.location, reader
            assert (event.status, event.sequence) == ("CONFIRMED", 0), reader


@pytest.mark.node
def test_a_round_over_the_year_end_keeps_its_days(golden):
    path = golden / "round" / "new-year.ics"
    for reader, files in read_all([path]).items():
        event = files[path]["demo.2026.new-year@rallycal"]
        assert (event.start, event.end) == (date(2026, 12, 31), date(2027, 1, 2)), reader
        assert event.status == "CANCELLED" and event.summary.startswith("[Cancelled] "), reader


@pytest.mark.node
def test_timed_items_are_the_right_utc_instants_across_both_clock_changes(golden, denver):
    paths = [golden / "round" / "winter.ics", golden / "round" / "autumn.ics",
             denver / "round" / "spring.ics", denver / "round" / "fall.ics"]
    expected = {item: (_utc(start), _utc(end)) for item, (*_, start, end) in ITEMS.items()}
    for reader, files in read_all(paths).items():
        seen = {}
        for events in files.values():
            for event_uid, event in events.items():
                if isinstance(event.start, datetime):
                    seen[event_uid.split(".item.")[1].removesuffix("@rallycal")] = (
                        event.start, event.end
                    )
        assert seen == expected, reader


def test_a_timed_item_says_its_local_time_and_zone(denver):
    [spring, night, morning] = icalendar.Calendar.from_ical(
        (denver / "round" / "spring.ics").read_bytes()
    ).walk("VEVENT")
    assert str(night["DESCRIPTION"]).startswith(
        "Sat 10 Mar 2040, 23:00 – Sun 11 Mar 2040 04:00 local time at the venue "
        "(MST/MDT, America/Denver).\n\nPart of Spring Forward Rally.\n\n"
        "Round 1 of the ALP 2040 season."
    )
    assert str(morning["DESCRIPTION"]).startswith(
        "Sun 11 Mar 2040, 03:00–05:00 local time at the venue (MDT, America/Denver)."
    )
    assert str(spring["UID"]) == "alpine.2040.spring"  # no old_uids_through: plain UIDs
    data = (denver / "round" / "spring.ics").read_bytes()
    assert b"TZID" not in data and b"VTIMEZONE" not in data
    assert b"\r\nDTSTART:20400311T060000Z\r\n" in data


# -- text ----------------------------------------------------------------------------


@pytest.mark.node
def test_awkward_text_reads_back_exactly_in_every_reader(awkward):
    paths = {name: awkward / name for name in (
        "all.ics", "class/open.ics", "team/blue.ics", "round/spring.ics", "reminders/all.ics",
    )}
    short, round_name = AWKWARD["series_short"], AWKWARD["round_name"]
    link = "More: https://example.org/spring"
    calendars = "Calendars: https://feeds.example.org/demo/index.html#round-2026-spring"
    for reader, files in read_all(list(paths.values())).items():
        def event(path: str, event_uid: str) -> Seen:
            return files[paths[path]][event_uid]  # noqa: B023

        whole = event("all.ics", "demo.2026.spring")
        assert whole.summary == f"{short} R1: {round_name}", reader
        assert whole.description == (
            f"Round 1 of the {short} 2026 season.\n\n{AWKWARD['notes']}\n\n{link}\n\n{calendars}"
        ), reader
        assert whole.location == whole.title == PLACE, reader
        if reader != "ical":  # it splits names at escaped commas: see `read_ical`
            assert whole.categories == ("Rally", short, AWKWARD["class_name"]), reader
        assert whole.url == "https://example.org/spring", reader
        assert whole.geo == (39.756, -105.221), reader
        assert (whole.status, whole.sequence, whole.alarms) == ("CONFIRMED", 0, ()), reader

        of_class = event("class/open.ics", "demo.2026.spring.class.open")
        assert of_class.summary == f"{short} {AWKWARD['class_short']} R1: {round_name}", reader
        assert of_class.location == PLACE and of_class.categories == whole.categories, reader

        team = event("team/blue.ics", "demo.2026.spring.team.blue")
        assert team.summary == f"{short} {AWKWARD['team_short']} R1: {round_name}", reader
        assert team.description == (
            f"Round 1 of the {short} 2026 season.\n\n{CREW}\n\nRun by {AWKWARD['run_by']}.\n\n"
            f"{AWKWARD['team_notes']}\n\n{AWKWARD['notes']}\n\n{link}\n\n{calendars}"
        ), reader

        item = event("round/spring.ics", "demo.2026.spring.item.shakedown")
        assert item.summary == f"{short} R1: {AWKWARD['item_name']}", reader
        assert item.description.startswith(
            "Sat 7 Mar 2026, 09:30–12:00 local time at the venue (MST, America/Denver).\n\n"
            f"Part of {round_name}.\n\nRound 1 of the {short} 2026 season."
        ), reader
        assert (item.start, item.end) == (_utc("2026-03-07T16:30Z"), _utc("2026-03-07T19:00Z"))

        reminded = event("reminders/all.ics", "demo.2026.spring.reminders")
        assert reminded.alarms == (
            ("DISPLAY", timedelta(hours=-6),
             f"{short} R1: {round_name} starts tomorrow, Sat 7 Mar 2026."),
            ("DISPLAY", timedelta(days=-6, hours=-6),
             f"{short} R1: {round_name} starts in a week, on Sat 7 Mar 2026."),
        ), reader


@pytest.mark.node
def test_golden_text_reads_back_exactly(golden):
    path = golden / "round" / "autumn.ics"
    place = 'Service park; "Heritage" Square, 12 Main Street, Golden, Colorado, United States'
    for reader, files in read_all([path]).items():
        autumn = files[path]["demo.2026.autumn@rallycal"]
        assert autumn.location == autumn.title == place, reader  # X-TITLE has ^' for "
        assert autumn.summary == "[Postponed] DRS R2: Autumn Rally", reader
        assert autumn.status == "TENTATIVE", reader
        assert autumn.categories == ("Rally", "DRS", "Club \\ Historic"), reader
        assert autumn.url == "https://feeds.example.org/demo/index.html#round-2026-autumn"


def test_lines_are_crlf_folded_at_75_octets_between_characters(exported, golden, awkward):
    for path in ics_files(exported) + ics_files(golden) + ics_files(awkward):
        data = path.read_bytes()
        assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
        assert b"\n" not in data.replace(b"\r\n", b"")
        for line in data.split(b"\r\n"):
            assert len(line) <= 75, (path, line)
            line.decode("utf-8")  # folding never splits a character


def test_calendar_names_and_descriptions_are_escaped_text(golden):
    """NAME, X-WR-CALNAME and X-WR-CALDESC are TEXT: a comma or a backslash in a class
    name must neither cut the calendar's name (vobject) nor vanish from it."""
    calendar = vobject.readOne((golden / "class" / "open.ics").read_text(encoding="utf-8"))
    assert calendar.contents["x-wr-calname"][0].value == 'DRS · Open, Unlimited; "4WD"'
    assert calendar.contents["name"][0].value == 'DRS · Open, Unlimited; "4WD"'
    text = (golden / "class" / "club.ics").read_bytes().decode().replace("\r\n ", "")
    assert "\r\nX-WR-CALNAME:DRS · Club \\\\ Historic\r\n" in text
    assert "\r\nNAME:DRS · Club \\\\ Historic\r\n" in text
    assert "run the Club \\\\ Historic class." in text.split("X-WR-CALDESC:")[1].split("\r\n")[0]


@pytest.mark.node
def test_a_backslash_before_a_capital_n_stays_text(tmp_path):
    source = tmp_path / "events.yaml"
    source.write_text(
        season_source(round_name="Rally \\North", notes="Folder C:\\New", town="A\\Nb"),
        encoding="utf-8",
    )
    export(source, tmp_path / "out")
    path = tmp_path / "out" / "all.ics"
    for reader, files in read_all([path]).items():
        event = files[path]["demo.2026.spring"]
        assert event.summary == "Clean series_short R1: Rally \\North", reader
        assert "Folder C:\\New" in event.description, reader
        assert event.location.startswith("A\\Nb, "), reader


# -- calendars -----------------------------------------------------------------------


def test_calendar_properties(exported):
    for path in ics_files(exported):
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        assert calendar["VERSION"] == "2.0"
        assert calendar["CALSCALE"] == "GREGORIAN"
        assert calendar["METHOD"] == "PUBLISH"
        assert calendar["NAME"] == calendar["X-WR-CALNAME"]
        assert str(calendar["X-WR-CALDESC"]) == str(calendar["DESCRIPTION"])
        text = path.read_bytes().decode().replace("\r\n ", "")
        assert "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT6H\r\n" in text
        assert "\r\nX-PUBLISHED-TTL:PT6H\r\n" in text
        relative = path.relative_to(exported).as_posix()
        assert f"\r\nSOURCE;VALUE=URI:https://example.org/ara/{relative}\r\n" in text
        assert "\r\nURL;VALUE=URI:https://example.org/ara/index.html\r\n" in text
        assert re.search(r"\r\nCOLOR:[a-z]+\r\n", text)
        assert re.search(r"\r\nX-APPLE-CALENDAR-COLOR:#[0-9A-F]{6}\r\n", text)
        assert "TZID" not in text and "VTIMEZONE" not in text


def test_without_a_base_url_a_calendar_names_no_address(tmp_path):
    export(SEASON_2026, tmp_path)
    for path in ics_files(tmp_path):
        text = path.read_bytes().decode().replace("\r\n ", "")
        assert "SOURCE" not in text and "index.html" not in text, path
        # Each event links to its round's page, else to the series' site, and says so.
        for event in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT"):
            last = str(event["DESCRIPTION"]).split("\n\n")[-1]
            assert last == f"More: {event['URL']}", (path, last)
            assert str(event["URL"]) == "https://americanrallyassociation.org", path


def test_calendar_names_are_distinct(exported):
    names = [icalendar.Calendar.from_ical(p.read_bytes())["X-WR-CALNAME"]
             for p in ics_files(exported)]
    assert len(set(names)) == len(names) == 40


def test_an_event_has_the_same_bytes_in_every_feed_and_one_uid_per_feed(exported, golden):
    for folder in (exported, golden):
        seen: dict[bytes, bytes] = {}
        for path in ics_files(folder):
            blocks = re.findall(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", path.read_bytes(), re.S)
            uids = [re.search(rb"\r\nUID:(.*?)\r\n", b).group(1) for b in blocks]
            assert len(uids) == len(set(uids)), path
            for event_uid, block in zip(uids, blocks, strict=True):
                assert seen.setdefault(event_uid, block) == block, event_uid


def test_all_day_events_are_free_transparent_dates(exported):
    text = (exported / "all.ics").read_text(encoding="utf-8")
    assert text.count("DTSTART;VALUE=DATE:") == text.count("DTEND;VALUE=DATE:") == 8
    assert text.count("TRANSP:TRANSPARENT") == 8
    assert text.count("X-MICROSOFT-CDO-BUSYSTATUS:FREE") == 8
    assert text.count("CLASS:PUBLIC") == 8


# -- what each event says ------------------------------------------------------------


def _entries(source: Path = GOLDEN_SEASON) -> dict[str, dict[str, object]]:
    """Each stable feed's entries by round id (timed items left out)."""
    return {
        feed.path: {e.round.id: e for e in feed.entries if e.item is None}
        for feed in plan(load(source)) if feed.season is None
    }


def test_descriptions_say_what_the_calendar_does_not_show():
    feeds = _entries()
    assert ics.description(feeds["all.ics"]["winter"]) == (
        "Round 1 of the DRS 2026 season.\n\n"
        "Line one, with a comma; and a semicolon.\n"
        "Line two: Ünïcödé, emoji 🏁 and right-to-left שלום.\n\n"
        "More: https://example.org/winter?a=1&b=2\n\n"
        "Calendars: https://feeds.example.org/demo/index.html#round-2026-winter"
    )  # every class runs it: no classes; no days or place, which the event shows
    assert ics.description(feeds["all.ics"]["autumn"]) == (
        "Round 2 of the DRS 2026 season.\n\nStatus: Postponed.\n\nClass: Club \\ Historic.\n\n"
        "More: https://feeds.example.org/demo/index.html#round-2026-autumn"
    )  # no page of its own: its card on the subscribe page, once
    # A class's own feed does not name the class again.
    assert "Club \\ Historic" not in ics.description(feeds["class/club.ics"]["autumn"])
    assert ics.summary(feeds["class/club.ics"]["autumn"]) == "[Postponed] DRS CLUB R2: Autumn Rally"
    assert ics.summary(feeds["all.ics"]["new-year"]) == "[Cancelled] DRS R3: New Year's Eve Sprint"


def test_without_a_base_url_the_link_is_the_round_s_page_or_the_series_site():
    feeds = _entries(SEASON_2026)
    description = ics.description(feeds["all.ics"]["sno-drift"])
    assert description.startswith("Round 1 of the ARA 2026 season.\n\n")
    assert description.endswith("\n\nMore: https://americanrallyassociation.org")
    assert "Calendars:" not in description
    assert str(ics.event(feeds["all.ics"]["sno-drift"])["URL"]) == (
        "https://americanrallyassociation.org"
    )


def test_team_descriptions_name_the_team_s_own_crews_and_classes():
    feeds = _entries()
    team_a = feeds["team/team-a.ics"]["winter"]
    assert ics.description(team_a).split("\n\n")[1:3] == [
        "Zoë Ångström / O'Brien, Pat: Car \"One\"; turbo (Club \\ Historic)",
        "Run by A, B & C Motorsport.",
    ]
    assert ics.categories(team_a) == ["Rally", "DRS", "Club \\ Historic"]
    team_b = feeds["team/team-b.ics"]["winter"]
    assert "\n\nSam Example: Car Two (Open, Unlimited; \"4WD\")\n\n" in ics.description(team_b)
    mini = _entries(SEASON_2026)["team/mini-jcw.ics"]["sno-drift"]
    assert ics.description(mini).split("\n\n")[1:3] == [
        "Crews:\n"
        "- Luis Perocarpi / Mark Wells: MINI JCW Countryman ALL4 (Limited 4WD)\n"
        "- Cristian Perocarpi / Carlos Schrunder: MINI JCW Hardtop 2-door (Cooper S) "
        "(Open 2WD)",
        "Run by LAP Motorsports.",
    ]
    assert ics.categories(mini) == ["Rally", "ARA", "Limited 4WD", "Open 2WD"]


def test_location_names_the_place_and_address_and_the_apple_pin_matches():
    feeds = _entries()
    autumn = ics.event(feeds["all.ics"]["autumn"])
    where = 'Service park; "Heritage" Square, 12 Main Street, Golden, Colorado, United States'
    assert str(autumn["LOCATION"]) == where
    assert autumn["X-APPLE-STRUCTURED-LOCATION"].params["X-TITLE"] == where
    assert b'X-TITLE="Service park; ^\'Heritage^\' Square, 12 Main Street' in (
        autumn.to_ical().replace(b"\r\n ", b"")
    )
    winter = ics.event(feeds["all.ics"]["winter"])
    assert str(winter["LOCATION"]) == "Sault Ste. Marie, Michigan, United States"
    assert (str(winter["TRANSP"]), str(winter["X-MICROSOFT-CDO-BUSYSTATUS"])) == (
        "TRANSPARENT", "FREE"
    )
    assert "SEQUENCE" not in winter and "DTSTAMP" not in winter  # stamps come later


def test_reminders_are_alarms_the_evening_before_and_a_week_before():
    feeds = _entries()
    reminders = feeds["reminders/all.ics"]
    alarms = ics.alarms(reminders["winter"])
    assert [(str(a["ACTION"]), a.decoded("TRIGGER"), str(a["DESCRIPTION"])) for a in alarms] == [
        ("DISPLAY", timedelta(hours=-6),
         'DRS R1: Winter Rally, Part 1; "Snow" \\ Ice starts tomorrow, Sat 7 Mar 2026.'),
        ("DISPLAY", timedelta(days=-6, hours=-6),
         'DRS R1: Winter Rally, Part 1; "Snow" \\ Ice starts in a week, on Sat 7 Mar 2026.'),
    ]
    # None for rounds that will not run on their days, none in the plain feeds.
    assert ics.alarms(reminders["new-year"]) == []  # cancelled
    assert ics.alarms(reminders["autumn"]) == []  # postponed
    assert all(ics.alarms(e) == [] for path, entries in feeds.items()
               if not path.startswith("reminders/") for e in entries.values())


def test_stamped_writes_the_stamps_and_nothing_else_changes():
    from rallycal.publication import Stamp

    entry = _entries()["all.ics"]["winter"]
    first = ics.stamped(ics.event(entry), Stamp(0, NOW))
    later = ics.stamped(ics.event(entry), Stamp(7, datetime(2026, 5, 1, 12, 30, tzinfo=UTC)))
    assert b"\r\nSEQUENCE:7\r\n" in later and b"\r\nDTSTAMP:20260501T123000Z\r\n" in later
    assert b"\r\nLAST-MODIFIED:20260501T123000Z\r\n" in later
    strip = re.compile(rb"(SEQUENCE|DTSTAMP|LAST-MODIFIED):[^\r]*\r\n")
    assert strip.sub(b"", first) == strip.sub(b"", later)
    assert first == ics.stamped(ics.event(entry), Stamp(0, NOW))  # the same bytes every time


# -- a round inserted mid-season -----------------------------------------------------

SUMMER = """\
  - id: summer
    name: Summer Sprint
    first_day: 2026-07-10
    last_day: 2026-07-11
    venue:
      town: Rangely
      state: Colorado
      country: United States
      timezone: America/Denver
      latitude: 40.087
      longitude: -108.805

  - id: autumn
"""


def _events(files: dict[str, bytes]) -> dict[bytes, bytes]:
    """Every VEVENT of every feed, by UID (each UID has the same bytes in every feed)."""
    found = {}
    for path, data in files.items():
        if path.endswith(".ics"):
            for block in re.findall(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", data, re.S):
                found[re.search(rb"\r\nUID:(.*?)\r\n", block).group(1)] = block
    return found


def test_a_round_inserted_mid_season_leaves_the_earlier_rounds_bytes_as_they_were():
    text = GOLDEN_SEASON.read_text(encoding="utf-8")
    inserted = text.replace("  - id: autumn\n", SUMMER, 1)
    assert inserted != text
    before = _events(build(parse(text.encode(), "a.yaml"), Publication(), NOW).files)
    after = _events(build(parse(inserted.encode(), "b.yaml"), Publication(), NOW).files)
    winter = {u for u in before if u.startswith(b"demo.2026.winter.") or
              u.startswith(b"demo.2026.winter@")}
    # The round, its 2 class and 2 team events, 2 timed items, and 5 with reminders.
    assert len(winter) == 12
    for event_uid in winter:
        assert after[event_uid] == before[event_uid], event_uid
    # The later rounds are renumbered, and their events say so.
    assert after[b"demo.2026.autumn@rallycal"] != before[b"demo.2026.autumn@rallycal"]
    assert b"Round 3 of the DRS 2026 season." in after[b"demo.2026.autumn@rallycal"]
    assert any(u.startswith(b"demo.2026.summer") for u in after)


def test_an_export_after_the_insertion_keeps_the_earlier_rounds_events(tmp_path):
    source = tmp_path / "events.yaml"
    text = GOLDEN_SEASON.read_text(encoding="utf-8")
    source.write_text(text, encoding="utf-8")
    export(source, tmp_path / "out")
    before = _events(snapshot(tmp_path / "out"))
    source.write_text(text.replace("  - id: autumn\n", SUMMER, 1), encoding="utf-8")
    outcome = export(source, tmp_path / "out", seconds=EPOCH + 86400)
    after = _events(snapshot(tmp_path / "out"))
    changed = {c.uid for c in outcome.build.changes}
    for event_uid, block in before.items():
        if b".winter" in event_uid:
            assert after[event_uid] == block, event_uid
            assert event_uid.decode() not in changed
    assert b"\r\nSEQUENCE:1\r\n" in after[b"demo.2026.autumn@rallycal"]
