"""Properties over generated seasons (Hypothesis).

1. Any valid season, written as YAML text by hand here, exports to feeds that four
   independent parsers (Mozilla's ical.js, icalendar, vobject and `ical`) read back
   with every text, day, instant, UID, status, link and alarm exact; the expected
   values come from the generated season and `zoneinfo`, never from rallycal. A timed
   item that falls in a daylight-saving gap or overlap must instead be refused, on its
   own line.
2. Any valid season exports to the same bytes every time, and exporting it again
   later into the same folder writes nothing: unchanged events keep their stamps.
3. Any mutation of a valid source makes the loader answer with a season or with
   positioned problems, and `rallycal check` exit 0 or 1 without a traceback.

Each runs a few dozen examples (a quick run: `pytest -m 'not slow'` leaves them out).
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ical.calendar_stream import IcsCalendarStream
from seasons import yaml_str
from support import EPOCH, SEASON_2026, export, icaljs, snapshot

from rallycal.cli.commands import cli
from rallycal.errors import SourceError
from rallycal.model import Season
from rallycal.source import parse

UTC = timezone.utc
SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
ZONES = [
    "America/Denver",
    "America/New_York",
    "America/St_Johns",  # DST, half-hour offset
    "America/Phoenix",  # no DST
    "America/Santiago",  # southern DST
    "Europe/London",
    "Europe/Dublin",  # "negative" DST in the data
    "Africa/Casablanca",  # clocks change around Ramadan
    "Asia/Kolkata",
    "Australia/Lord_Howe",  # half-hour DST
    "Pacific/Chatham",  # +12:45 / +13:45
    "Africa/Abidjan",  # UTC all year
]
# Days near clock changes somewhere, and the year's end: (month, first day of a week).
BUSY_WEEKS = [(3, 8), (3, 25), (4, 1), (9, 25), (10, 1), (10, 25), (11, 1), (12, 26)]
SPICE = [
    ",", ";", "\\", "\\n", '"', "'", ":", "\\,", "\\;", "#", "&", "<b>", "%", "{x}", "- ", "^",
    "^'", "^^", "🏁", "🏎️", "👩\u200d👩\u200d👧", "🇺🇸", "שלום", "مرحبا", "e\u0301", "n\u0303",
    "\u200f", "\u00a0", "İ", "ß", "Ω", "日本", "\U0001d400",
]
NAME_CHARACTERS = st.characters(
    blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp"), max_codepoint=0x10FFFF
)
STATUS = {"confirmed": "CONFIRMED", "tentative": "TENTATIVE", "postponed": "TENTATIVE",
          "cancelled": "CANCELLED"}
BASE_URL = "https://feeds.example.org/gen/"


# -- generating a season -------------------------------------------------------------


@st.composite
def texts(draw, max_pieces: int = 8, multiline: bool = False) -> str:
    """Text as the loader keeps it (stripped, non-empty), full of awkward characters.

    A backslash before a capital N is left out: icalendar writes it as a line break
    (test_render_ics.py holds that as a known bug)."""
    pieces = st.one_of(
        st.text(string.ascii_letters + string.digits + " ", min_size=1, max_size=8),
        st.sampled_from(SPICE),
        st.text(NAME_CHARACTERS, min_size=1, max_size=3),
        *([st.just("\n"), st.just("\t")] if multiline else []),
    )
    text = "".join(draw(st.lists(pieces, min_size=1, max_size=max_pieces)))
    text = text.replace("\\N", "\\n").strip()
    if not text:
        text = draw(st.sampled_from(["Rally", "Ürün", "🏁"]))
    return text


ids = st.from_regex(r"[a-z0-9][a-z0-9-]{0,15}", fullmatch=True)


@dataclass
class Item:
    id: str
    name: str
    start: datetime  # local, naive
    end: datetime
    line: int = 0  # where the YAML text writes it


@dataclass
class Round:
    id: str
    name: str
    first: date
    last: date
    town: str
    state: str
    country: str
    zone: str
    classes: list[str] | None  # None: every class
    status: str | None
    notes: str | None
    items: list[Item]
    place_name: str | None = None  # the venue's optional named site and street address
    address: str | None = None
    url: str | None = None
    number: int = 0  # in calendar order, set once every round is drawn

    @property
    def place(self) -> str:
        """LOCATION: the named site and its address, when given, then town, state, country."""
        parts = (self.place_name, self.address, self.town, self.state, self.country)
        return ", ".join(part for part in parts if part)


@dataclass
class Crew:
    driver: str
    car: str
    rally_class: str
    co_driver: str | None


@dataclass
class Team:
    id: str
    name: str
    short: str | None
    run_by: str | None
    notes: str | None
    rounds: list[str] | None  # None: all
    crews: list[Crew]


@dataclass
class Generated:
    series_id: str
    name: str
    short: str
    year: int
    classes: dict[str, tuple[str, str]]  # id -> (name, short)
    rounds: list[Round]
    teams: list[Team]
    url: str | None = None  # the series' site
    base_url: str | None = None
    old_uids_through: int | None = None
    text: str = ""
    lines: list[str] = field(default_factory=list)

    def runs(self, round_: Round) -> list[str]:
        return list(self.classes) if round_.classes is None else round_.classes

    def team_rounds(self, team: Team) -> list[Round]:
        if team.rounds is None:
            return self.rounds
        return [r for r in self.rounds if r.id in team.rounds]

    def uid(self, round_: Round, *qualifiers: str) -> str:
        local = ".".join((self.series_id, str(self.year), round_.id, *qualifiers))
        old = self.old_uids_through is not None and self.year <= self.old_uids_through
        return local + "@rallycal" if old else local

    def link(self, round_: Round) -> str | None:
        """The round's page, else its card on the subscribe page, else the series' site."""
        if round_.url:
            return round_.url
        if self.base_url:
            return f"{self.base_url}index.html#round-{self.year}-{round_.id}"
        return self.url


@st.composite
def days(draw, year: int) -> date:
    busy = st.sampled_from(BUSY_WEEKS).flatmap(
        lambda week: st.integers(0, 6).map(lambda n: date(year, *week) + timedelta(days=n))
    )
    year_end = st.dates(date(year, 12, 28), date(year, 12, 31))
    return min(draw(st.one_of(st.dates(date(year, 1, 1), date(year, 12, 31)), busy, year_end)),
               date(year, 12, 31))


@st.composite
def clocks(draw) -> time:
    hour = draw(st.one_of(st.integers(0, 23), st.sampled_from([0, 1, 2, 3])))
    return time(hour, draw(st.one_of(st.sampled_from([0, 15, 30, 45]), st.integers(0, 59))))


@cache
def clock_changes(zone: str, year: int) -> tuple[datetime, ...]:
    """The local wall time just after each change of the clocks in `zone` in `year`."""
    tz, changes = ZoneInfo(zone), []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    offset = moment.astimezone(tz).utcoffset()
    while moment.year == year:
        moment += timedelta(hours=1)
        local = moment.astimezone(tz)
        if local.utcoffset() != offset and local.year == year:
            changes.append(local.replace(tzinfo=None))
        offset = local.utcoffset()
    return tuple(changes)


@st.composite
def schedule(draw, first: date, last: date, near: datetime | None) -> list[Item]:
    """Timed items on the round's days; one of them around `near` (a clock change)."""
    items = []
    for number, item_id in enumerate(draw(st.lists(ids, max_size=3, unique=True))):
        day = first + timedelta(days=draw(st.integers(0, (last - first).days)))
        start = datetime.combine(day, draw(clocks()))
        if near and number == 0:
            start = near + timedelta(minutes=draw(st.sampled_from([-60, -30, -15, 0, 15, 30, 45])))
            if not first <= start.date() <= last:
                continue
            day = start.date()
        if draw(st.booleans()):
            end = datetime.combine(day + timedelta(days=1), draw(clocks()))  # past midnight
        else:
            end = start + timedelta(minutes=draw(st.integers(1, 60 * 24)))
            if end.date() != day:
                end = datetime.combine(day, time(23, 59))
            if end <= start:
                continue
        items.append(Item(item_id, draw(texts(4)), start, end))
    return items


@st.composite
def seasons(draw) -> Generated:
    year = draw(st.integers(2000, 2100))
    class_ids = draw(st.lists(ids, min_size=1, max_size=6, unique=True))
    # Calendar names must differ: each class's and team's starts with its own id.
    classes = {c: (f"C-{c} {draw(texts(4))}", f"C-{c}{draw(texts(2))}") for c in class_ids}
    rounds = []
    for round_id in draw(st.lists(ids, min_size=1, max_size=5, unique=True)):
        zone = draw(st.sampled_from(ZONES))
        changes = clock_changes(zone, year)
        near = draw(st.sampled_from(changes)) if changes and draw(st.integers(0, 3)) == 0 else None
        first = near.date() - timedelta(days=draw(st.integers(0, 1))) if near else draw(days(year))
        first = max(first, date(year, 1, 1))
        last = first + timedelta(days=draw(st.integers(0, 3)))  # may end next year
        runs = draw(st.none() | st.lists(st.sampled_from(class_ids), min_size=1, unique=True))
        rounds.append(Round(
            id=round_id, name=draw(texts()), first=first, last=last,
            town=draw(texts(3)), state=draw(texts(3)), country=draw(texts(3)),
            zone=zone, classes=runs,
            status=draw(st.none() | st.sampled_from(list(STATUS))),
            notes=draw(st.none() | texts(12, multiline=True)),
            items=draw(schedule(first, last, near)),
            place_name=draw(st.none() | texts(3)), address=draw(st.none() | texts(3)),
            url=draw(st.none() | st.just(f"https://example.org/{round_id}?a=1&b=2")),
        ))
    # Calendar order: by first then last day, ties as written.
    for number, r in enumerate(sorted(rounds, key=lambda r: (r.first, r.last)), 1):
        r.number = number
    season = Generated(
        draw(ids), draw(texts()), draw(texts(2)), year, classes, rounds, [],
        url=draw(st.none() | st.just("https://example.org/series")),
        base_url=draw(st.none() | st.just(BASE_URL)),
        old_uids_through=draw(st.none() | st.sampled_from(
            [y for y in (year - 1, year, year + 1) if 2000 <= y <= 2100]  # what the loader takes
        )),
    )
    for team_id in draw(st.lists(ids, max_size=4, unique=True)):
        entered = draw(st.none() | st.lists(st.sampled_from([r.id for r in rounds]),
                                            min_size=1, unique=True))
        team = Team(team_id, f"T-{team_id} {draw(texts())}", draw(st.none() | texts(2)),
                    draw(st.none() | texts(3)), draw(st.none() | texts(6, multiline=True)),
                    entered, [])
        common = set(class_ids)
        for round_ in season.team_rounds(team):
            common &= set(season.runs(round_))
        if not common:  # enter one round only, so some class runs in all
            team.rounds = [rounds[0].id]
            common = set(season.runs(rounds[0]))
        for _ in range(draw(st.integers(1, 3))):
            team.crews.append(Crew(draw(texts(3)), draw(texts(3)),
                                   draw(st.sampled_from(sorted(common))),
                                   draw(st.none() | texts(3))))
        season.teams.append(team)
    write_yaml(season)
    return season


def write_yaml(season: Generated) -> None:
    """The season as a hand-written YAML source; every text double-quoted, exactly."""
    lines = season.lines
    q = yaml_str
    lines += ["series:", f"  id: {season.series_id}", f"  name: {q(season.name)}",
              f"  short: {q(season.short)}", f"  season: {season.year}"]
    lines += [f"  {key}: {value}" for key, value in (
        ("url", season.url), ("base_url", season.base_url),
        ("old_uids_through", season.old_uids_through)) if value is not None]
    lines.append("classes:")
    for class_id, (name, short) in season.classes.items():
        lines += [f"  - id: {class_id}", f"    name: {q(name)}", f"    short: {q(short)}"]
    lines.append("rounds:")
    for r in season.rounds:
        lines += [f"  - id: {r.id}", f"    name: {q(r.name)}", f"    first_day: {r.first}",
                  f"    last_day: {r.last}", "    venue:", f"      town: {q(r.town)}",
                  f"      state: {q(r.state)}", f"      country: {q(r.country)}",
                  f"      timezone: {r.zone}", "      latitude: -33.5", "      longitude: 151.25"]
        lines += [f"      {key}: {q(value)}" for key, value in
                  (("place", r.place_name), ("address", r.address)) if value]
        if r.classes is not None:
            lines.append(f"    classes: [{', '.join(r.classes)}]")
        if r.status:
            lines.append(f"    status: {r.status}")
        if r.notes:
            lines.append(f"    notes: {q(r.notes)}")
        if r.url:
            lines.append(f"    url: {r.url}")
        if r.items:
            lines.append("    schedule:")
        for item in r.items:
            day, end_day = item.start.date(), item.end.date()
            lines.append(f"      - {{id: {item.id}, name: {q(item.name)}, day: {day}, "
                         f'start: "{item.start:%H:%M}", end: "{item.end:%H:%M}"'
                         + (f", end_day: {end_day}}}" if end_day != day else "}"))
            item.line = len(lines)
    if season.teams:
        lines.append("teams:")
    for t in season.teams:
        lines += [f"  - id: {t.id}", f"    name: {q(t.name)}"]
        lines += [f"    {key}: {q(value)}" for key, value in
                  (("short", t.short), ("run_by", t.run_by), ("notes", t.notes)) if value]
        entered = "all" if t.rounds is None else f"[{', '.join(t.rounds)}]"
        lines.append(f"    rounds: {entered}")
        lines.append("    crews:")
        for c in t.crews:
            co_driver = f", co_driver: {q(c.co_driver)}" if c.co_driver else ""
            lines.append(f"      - {{driver: {q(c.driver)}, car: {q(c.car)}, "
                         f"class: {c.rally_class}{co_driver}}}")
    season.text = "\n".join(lines) + "\n"


# -- what the feeds must say ---------------------------------------------------------


def zoned(local: datetime, zone: str) -> datetime | str:
    """The UTC instant of a local time by zoneinfo, or "gap" / "overlap"."""
    tz = ZoneInfo(zone)
    early, late = local.replace(tzinfo=tz, fold=0), local.replace(tzinfo=tz, fold=1)
    if early.utcoffset() == late.utcoffset():
        return early.astimezone(UTC)
    back = early.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    return "gap" if back != local else "overlap"


@dataclass(frozen=True)
class Expected:
    """One event as the season says it must read."""

    summary: tuple[str, ...]  # texts the summary contains
    description: tuple[str, ...]  # texts the description contains
    location: str
    start: date | datetime
    end: date | datetime
    status: str
    url: str | None
    categories: tuple[str, ...]  # after "Rally" and the series' short name, in any order
    alarms: tuple[tuple[str, datetime], ...] = ()  # (action, local time it fires at)


def reminded(event: Expected) -> tuple[tuple[str, datetime], ...]:
    """18:00 the evening before and a week before the first day, as local wall time."""
    start = datetime.combine(event.start, time())
    evening = timedelta(hours=18)
    return (("DISPLAY", start - timedelta(days=1) + evening),
            ("DISPLAY", start - timedelta(days=7) + evening))


def expected_feeds(season: Generated) -> dict[str, dict[str, Expected]]:
    """Feed path -> UID -> the event, from the generated season alone."""
    labels = {"tentative": "Tentative", "postponed": "Postponed", "cancelled": "Cancelled"}

    def whole(r: Round, summary=(), description=(), classes=None) -> Expected:
        link = season.link(r)
        status = labels.get(r.status or "confirmed")
        texts = (f"Round {r.number} of the {season.short} {season.year} season.",
                 *([f"Status: {status}."] if status else []),
                 *([r.notes] if r.notes else []), *description,
                 *([f"More: {link}"] if link else []))
        if classes is None:
            classes = tuple(season.classes[c][0] for c in season.runs(r))
        prefix = (f"[{status}] ",) if status else ()
        return Expected((*prefix, season.short, r.name, *summary), texts, r.place,
                        r.first, r.last + timedelta(days=1), STATUS[r.status or "confirmed"],
                        link, classes)

    def named_classes(r: Round) -> tuple[str, ...]:
        """The classes that run a round, named only when not every class does."""
        runs = season.runs(r)
        return () if len(runs) == len(season.classes) else tuple(season.classes[c][0] for c in runs)

    feeds: dict[str, dict[str, Expected]] = {
        "all.ics": {season.uid(r): whole(r, (), named_classes(r)) for r in season.rounds}
    }
    for class_id, (name, short) in season.classes.items():
        feeds[f"class/{class_id}.ics"] = {
            season.uid(r, "class", class_id): whole(r, (short,), classes=(name,))
            for r in season.rounds if class_id in season.runs(r)
        }
    for t in season.teams:
        crews = [p for c in t.crews for p in (c.driver, c.co_driver, c.car) if p]
        about = [*crews, *(season.classes[c.rally_class][0] for c in t.crews),
                 *(text for text in (t.run_by, t.notes) if text)]
        classes = tuple(dict.fromkeys(season.classes[c.rally_class][0] for c in t.crews))
        feeds[f"team/{t.id}.ics"] = {
            season.uid(r, "team", t.id): whole(r, (t.short or t.name,), tuple(about), classes)
            for r in season.team_rounds(t)
        }
    for r in season.rounds:
        events = {season.uid(r): whole(r, (), named_classes(r))}
        for item in r.items:
            round_event = whole(r, (), named_classes(r))
            events[season.uid(r, "item", item.id)] = replace(
                round_event,
                summary=(*round_event.summary[:-1], item.name),
                description=(f"Part of {r.name}.", *round_event.description),
                start=zoned(item.start, r.zone), end=zoned(item.end, r.zone),
            )
        feeds[f"round/{r.id}.ics"] = events
    archives = {f"{season.year}/{path}": events for path, events in feeds.items()}
    # Reminders: the rounds with alarms, except those that will not run on their days.
    runs = {season.uid(r): r.status not in ("cancelled", "postponed") for r in season.rounds}

    def reminder(event_uid: str) -> str:
        local, at, domain = event_uid.partition("@")
        return f"{local}.reminders{at}{domain}"

    def round_uid(event_uid: str) -> str:
        local, at, domain = event_uid.partition("@")
        return ".".join(local.split(".")[:3]) + at + domain

    reminders = {
        f"reminders/{path}": {
            reminder(event_uid):
                replace(e, alarms=reminded(e) if runs[round_uid(event_uid)] else ())
            for event_uid, e in events.items()
        }
        for path, events in feeds.items()
        if not path.startswith("round/")
    }
    return {**feeds, **archives, **reminders}


@dataclass(frozen=True)
class Read:
    """One event as a parser read it."""

    summary: str
    description: str
    location: str
    start: date | datetime
    end: date | datetime
    status: str
    url: str | None
    categories: tuple[str, ...]
    alarms: tuple[tuple[str, datetime], ...] = ()


def fires(start: date | datetime, triggers: list[tuple[str, timedelta]]) -> tuple:
    """When each alarm fires: its trigger added to the start of the first day."""
    day = datetime.combine(start, time()) if not isinstance(start, datetime) else start
    return tuple((str(action), day + trigger) for action, trigger in triggers)


def as_utc(value: date | datetime) -> date | datetime:
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def read_icalendar(data: bytes) -> dict[str, Read]:
    events = icalendar.Calendar.from_ical(data).walk("VEVENT")
    return {str(e["UID"]): Read(str(e["SUMMARY"]), str(e["DESCRIPTION"]), str(e["LOCATION"]),
                                as_utc(e.decoded("DTSTART")), as_utc(e.decoded("DTEND")),
                                str(e["STATUS"]), str(e["URL"]) if "URL" in e else None,
                                tuple(str(c) for c in e["CATEGORIES"].cats),
                                fires(e.decoded("DTSTART"), [(a["ACTION"], a.decoded("TRIGGER"))
                                                             for a in e.subcomponents]))
            for e in events}


def read_vobject(data: bytes) -> dict[str, Read]:
    calendar = vobject.readOne(data.decode("utf-8"))
    return {e.uid.value: Read(e.summary.value, e.description.value, e.location.value,
                              as_utc(e.dtstart.value), as_utc(e.dtend.value), e.status.value,
                              e.url.value if "url" in e.contents else None,
                              tuple(e.categories.value),
                              fires(e.dtstart.value, [(a.action.value, a.trigger.value)
                                                      for a in e.contents.get("valarm", [])]))
            for e in calendar.contents.get("vevent", [])}


def read_ical(data: bytes) -> dict[str, Read]:
    """`ical` splits CATEGORIES at escaped commas too: its categories go unchecked."""
    calendar = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    return {e.uid: Read(e.summary, e.description, e.location, as_utc(e.dtstart), as_utc(e.dtend),
                        str(e.status.value), e.url, (),
                        fires(e.dtstart, [(a.action, a.trigger) for a in e.alarm]))
            for e in calendar.events}


def read_icaljs(feed: dict) -> dict[str, Read]:
    def moment(value, all_day):
        if all_day:
            return date.fromisoformat(value)
        return datetime.fromtimestamp(value, UTC)

    return {e["uid"]: Read(e["summary"], e["description"], e["location"],
                           moment(e["start"], e["allDay"]), moment(e["end"], e["allDay"]),
                           e["status"], e["url"], tuple(e["categories"]),
                           tuple((a["action"], datetime.fromisoformat(a["at"]))
                                 for a in e["alarms"]))
            for e in feed["events"]}


def assert_reads_as_expected(
    reader: str, read: dict[str, Read], expected: dict[str, Expected], short: str
):
    assert sorted(read) == sorted(expected), reader
    for event_uid, want in expected.items():
        got = read[event_uid]
        where = (reader, event_uid)
        for text in want.summary:
            assert text in got.summary, (*where, text, got.summary)
        if want.summary[0].startswith("["):
            assert got.summary.startswith(want.summary[0]), (*where, got.summary)
        for text in want.description:
            assert text in got.description, (*where, text, got.description)
        assert got.location == want.location, where
        assert (got.start, got.end) == (want.start, want.end), where
        assert type(got.start) is type(want.start), where
        assert (got.status, got.url) == (want.status, want.url), where
        # `ical` splits names at escaped commas; ical.js takes a comma after an escaped
        # backslash for an escaped comma (`a\\,b` is one name to it): skip what they misread.
        names = (short, *want.categories)
        if reader != "ical" and not (reader == "ical.js" and any(n.endswith("\\") for n in names)):
            assert got.categories[:2] == ("Rally", short), where
            assert sorted(got.categories[2:]) == sorted(want.categories), where
        assert got.alarms == want.alarms, where


# -- property 1: valid seasons round-trip through four parsers -----------------------


def invalid_items(season: Generated) -> dict[int, str]:
    """Line -> "gap" or "overlap", for every item whose start or end zoneinfo cannot place."""
    found = {}
    for r in season.rounds:
        for item in r.items:
            for local in (item.start, item.end):
                where = zoned(local, r.zone)
                if isinstance(where, str):
                    found.setdefault(item.line, where)
    return found


def refused_where_the_clocks_change(season: Generated) -> bool:
    """For a season with a timed item in a gap or overlap: check it is refused on that
    item's line, and say so."""
    invalid = invalid_items(season)
    if not invalid:
        return False
    with pytest.raises(SourceError) as caught:
        parse(season.text.encode(), "events.yaml")
    problems = caught.value.problems
    assert {p.line for p in problems} == set(invalid), caught.value.report()
    for p in problems:
        words = "daylight-saving gap" if invalid[p.line] == "gap" else "happens twice"
        assert words in p.message, p.message
    return True


@pytest.mark.slow
@pytest.mark.node
@settings(max_examples=12, **SETTINGS)
@given(season=seasons())
def test_every_valid_season_reads_back_exactly_in_four_parsers(season, tmp_path_factory):
    if refused_where_the_clocks_change(season):
        return
    folder = tmp_path_factory.mktemp("season")
    source = folder / "events.yaml"
    source.write_text(season.text, encoding="utf-8")
    export(source, folder / "dist")
    expected = expected_feeds(season)
    paths = {path: folder / "dist" / path for path in expected}
    assert sorted(p.relative_to(folder / "dist").as_posix()
                  for p in (folder / "dist").rglob("*.ics")) == sorted(expected)
    by_icaljs = {Path(feed["path"]): feed for feed in icaljs(list(paths.values()))}
    for path, file in paths.items():
        data = file.read_bytes()
        assert_reads_as_expected("icalendar", read_icalendar(data), expected[path], season.short)
        for event in icalendar.Calendar.from_ical(data).walk("VEVENT"):
            # Apple shows its map pin only when X-TITLE is LOCATION (icalendar reads a
            # backslash in a parameter as an escape, RFC 5545 has none: compare without).
            title = event["X-APPLE-STRUCTURED-LOCATION"].params["X-TITLE"]
            assert title.replace("\\", "") == str(event["LOCATION"]).replace("\\", ""), title
        assert_reads_as_expected("vobject", read_vobject(data), expected[path], season.short)
        assert_reads_as_expected("ical", read_ical(data), expected[path], season.short)
        assert_reads_as_expected("ical.js", read_icaljs(by_icaljs[file]), expected[path],
                                 season.short)


# -- property 2: the same source, the same bytes -------------------------------------


@pytest.mark.slow
@settings(max_examples=10, **SETTINGS)
@given(season=seasons())
def test_every_valid_season_exports_and_reexports_byte_identically(season, tmp_path_factory):
    if invalid_items(season):
        return  # property 1 checks those are refused
    folder = tmp_path_factory.mktemp("again")
    source = folder / "events.yaml"
    source.write_text(season.text, encoding="utf-8")
    export(source, folder / "a")
    export(source, folder / "b")
    first = snapshot(folder / "a")
    assert snapshot(folder / "b") == first
    later = export(source, folder / "a", seconds=EPOCH + 86400 * 400)
    assert later.written == [] and later.removed == [], later.written
    assert snapshot(folder / "a") == first


# -- property 3: mutated sources get positioned problems, never a crash ---------------

VALID_SOURCES = [
    SEASON_2026.read_bytes(),
    (Path(__file__).resolve().parent / "broken" / "valid.yaml").read_bytes(),
]
SCALARS = ["", "~", "x", "[a, b]", "{a: 1}", "- x", "&a x", "*a", "!!str x", "!x y", "|", ">",
           "'", '"', "2026-02-30", "25:00", "10:30", "yes", "NO", "1e3", ".nan", "0x1F", "null",
           "all", "\t", "#", "@", "`", "%YAML 1.1", "---", "...", "? x", ": x", "{", "]", "\\"]


@st.composite
def mutated(draw) -> bytes:
    base = draw(st.one_of(st.sampled_from(VALID_SOURCES),
                          seasons().map(lambda s: s.text.encode("utf-8"))))
    lines = base.split(b"\n")
    for _ in range(draw(st.integers(1, 5))):
        if not lines:
            lines = [b""]
        at = draw(st.integers(0, len(lines) - 1))
        other = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "indent", "scalar", "bytes",
                                     "unicode", "truncate"]))
        if kind == "delete":
            del lines[at]
        elif kind == "duplicate":
            lines.insert(other, lines[at])
        elif kind == "swap":
            lines[at], lines[other] = lines[other], lines[at]
        elif kind == "indent":
            shift = draw(st.integers(-4, 4))
            stripped = lines[at].lstrip(b" ")
            indent = max(0, len(lines[at]) - len(stripped) + shift)
            lines[at] = b" " * indent + stripped
        elif kind == "scalar" and b": " in lines[at]:
            key = lines[at].split(b": ", 1)[0]
            lines[at] = key + b": " + draw(st.sampled_from(SCALARS)).encode()
        elif kind == "bytes":
            text = lines[at]
            cut = draw(st.integers(0, len(text)))
            lines[at] = text[:cut] + draw(st.binary(min_size=1, max_size=4)) + text[cut:]
        elif kind == "unicode":
            text = lines[at]
            cut = draw(st.integers(0, len(text)))
            extra = draw(st.text(min_size=1, max_size=3)).encode("utf-8", "surrogatepass")
            lines[at] = text[:cut] + extra + text[cut:]
        elif kind == "truncate":
            lines = lines[: at + 1]
            lines[at] = lines[at][: draw(st.integers(0, len(lines[at])))]
    return b"\n".join(lines)


@pytest.mark.slow
@settings(max_examples=60, **SETTINGS)
@given(data=mutated())
def test_mutated_sources_get_a_season_or_positioned_problems(data, tmp_path_factory):
    try:
        result = parse(data, "events.yaml").latest
    except SourceError as error:
        lines = data.count(b"\n") + 1
        assert error.problems and error.report().strip()
        for problem in error.problems:
            assert 1 <= problem.line <= lines + 1 and problem.column >= 1, problem
            assert problem.message.strip(), problem
            assert "please report this bug" not in problem.message, problem.message
    else:
        assert isinstance(result, Season)
    source = tmp_path_factory.mktemp("mutated") / "events.yaml"
    source.write_bytes(data)
    outcome = CliRunner().invoke(cli, ["check", str(source)])
    assert outcome.exit_code in (0, 1), outcome.output
    assert outcome.exception is None or isinstance(outcome.exception, SystemExit), outcome.exception
    assert "Traceback" not in outcome.output
