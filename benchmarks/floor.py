"""The floor of an export, and two peers, for benchmarks/run.py.

All three read the source the quickest way (libyaml, no checks, no positions), build the
model objects directly, and take *what* each feed says from rallycal itself (the feeds
of `rallycal.feeds.plan`, the texts of `rallycal.ics.summary`, `description` and
`categories`): the wording is the same work whoever writes it. They differ in how they
write it:

* `floor`: plain Python strings: RFC 5545 escaping and folding written out here, the
  properties in a fixed order; the same bytes as the export (run.py checks that before
  timing anything);
* `icalendar`: one icalendar `Event` per event (serialised once, even when the event is
  in several feeds) and one `Calendar` per feed;
* `ics-py`: one `ics.Event` per event in one `ics.Calendar` per feed (ics-py 0.7 writes
  no folding and its own choice of properties: a peer, not the same bytes).

Each then writes the files as the export does: temporary files, made durable as
`rallycal.atomic.Durability` says (one syncfs after the writes and one after the renames
on Linux, else an fsync per file and folder), renamed into place.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from rallycal import ics
from rallycal.atomic import Durability
from rallycal.colors import CSS_COLORS
from rallycal.feeds import Entry, Feed, plan
from rallycal.model import (
    DEFAULT_WINDOW,
    Championship,
    Crew,
    RallyClass,
    Round,
    ScheduleItem,
    Season,
    Series,
    Team,
    Venue,
)

UTC = timezone.utc


# -- reading: libyaml, then the model objects, trusting the source -------------------------


def load(path: str) -> Championship:
    """A one-season source, read with libyaml and not checked at all."""
    with open(path, "rb") as handle:
        data = yaml.load(handle, Loader=yaml.CSafeLoader)  # CSafeLoader: safe
    series_data = data["series"]
    series = Series(
        series_data["id"], series_data["name"], series_data["short"], series_data.get("url"),
        series_data.get("base_url"), series_data.get("color"),
    )
    classes = tuple(
        RallyClass(c["id"], c["name"], c["short"], c.get("color")) for c in data["classes"]
    )
    every_class = tuple(c.id for c in classes)
    found = [_round(r, every_class) for r in data["rounds"]]
    found.sort(key=lambda r: (r.first_day, r.last_day))
    rounds = tuple(
        Round(r.id, number, r.name, r.first_day, r.last_day, r.venue, r.classes, r.status,
              r.notes, r.url, r.schedule)
        for number, r in enumerate(found, 1)
    )
    order = {r.id: r.number for r in rounds}
    teams = tuple(_team(t, rounds, order) for t in data.get("teams") or ())
    season = Season(series, series_data["season"], rounds, classes, teams)
    return Championship(series, (season,), series_data.get("window", DEFAULT_WINDOW))


def _round(data: dict[str, Any], every_class: tuple[str, ...]) -> Round:
    v = data["venue"]
    venue = Venue(v["town"], v["state"], v["country"], v["timezone"], float(v["latitude"]),
                  float(v["longitude"]), v.get("place"), v.get("address"))
    zone = ZoneInfo(venue.timezone)
    schedule = tuple(_item(item, zone) for item in data.get("schedule") or ())
    return Round(data["id"], 0, data["name"], data["first_day"], data["last_day"], venue,
                 tuple(data.get("classes") or every_class), data.get("status", "confirmed"),
                 data.get("notes"), data.get("url"), schedule)


def _item(data: dict[str, Any], zone: ZoneInfo) -> ScheduleItem:
    start = datetime.combine(data["day"], time.fromisoformat(data["start"]))
    end = datetime.combine(data.get("end_day", data["day"]), time.fromisoformat(data["end"]))
    return ScheduleItem(data["id"], data["name"], start, end,
                        start.replace(tzinfo=zone).astimezone(UTC),
                        end.replace(tzinfo=zone).astimezone(UTC))


def _team(data: dict[str, Any], rounds: tuple[Round, ...], order: dict[str, int]) -> Team:
    entered = data.get("rounds") or ()
    ids = [r.id for r in rounds] if entered == "all" else sorted(entered, key=order.__getitem__)
    crews = tuple(Crew(c["driver"], c["car"], c["class"], c.get("co_driver"))
                  for c in data["crews"])
    return Team(data["id"], data["name"], data.get("short") or data["name"], crews, tuple(ids),
                data.get("run_by"), data.get("notes"), data.get("color"))


# -- the floor's writer: plain strings ----------------------------------------------------


def _text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Folded at 74 octets, never inside a UTF-8 sequence nor after a lone `\\` or `^`."""
    if len(line) <= 74 and line.isascii():
        return line
    raw = line.encode()
    if len(raw) <= 74:
        return line
    parts, start = [], 0
    while len(raw) - start > 74:
        cut = start + 74
        while raw[cut] & 0xC0 == 0x80:
            cut -= 1
        if raw[cut - 1] in (0x5C, 0x5E):
            cut -= 1
        parts.append(raw[start:cut])
        start = cut
    parts.append(raw[start:])
    return b"\r\n ".join(parts).decode()


def _value(value: Any) -> str:
    """An alarm's value: TEXT, or a DURATION such as -PT6H or -P6DT6H."""
    if not isinstance(value, timedelta):
        return _text(value)
    sign, value = ("-", -value) if value.days < 0 else ("", value)
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    clock = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S"))
                    if n or (unit == "M" and hours and seconds))
    days = f"{value.days}D" if value.days or not clock else ""
    return f"{sign}P{days}{'T' + clock if clock else ''}"


def _day(value: date) -> str:
    return f"{value.year:04}{value.month:02}{value.day:02}"


def _utc(value: datetime) -> str:
    return f"{value:%Y%m%dT%H%M%S}Z"


def floor_event(entry: Entry, stamp: str) -> str:
    season, round_, item, venue = entry.season, entry.round, entry.item, entry.round.venue
    if item is None:
        start = f"DTSTART;VALUE=DATE:{_day(round_.first_day)}"
        end = f"DTEND;VALUE=DATE:{_day(round_.last_day + timedelta(days=1))}"
    else:
        start, end = f"DTSTART:{_utc(item.start)}", f"DTEND:{_utc(item.end)}"
    where = ics.location(venue)
    place = _text(where)
    title = where.replace("^", "^^").replace('"', "^'").replace("\n", "^n")
    link = ics.event_url(season, round_)
    lines = [
        "BEGIN:VEVENT", "SEQUENCE:0", f"DTSTAMP:{stamp}", f"LAST-MODIFIED:{stamp}",
        f"SUMMARY:{_text(ics.summary(season, entry))}", start, end, f"UID:{entry.uid}",
        "CATEGORIES:" + ",".join(map(_text, ics.categories(season, entry))), "CLASS:PUBLIC",
        f"DESCRIPTION:{_text(ics.description(season, entry))}",
        f"GEO:{float(venue.latitude)};{float(venue.longitude)}", f"LOCATION:{place}",
        f"STATUS:{ics.ICAL_STATUS[round_.status]}", "TRANSP:TRANSPARENT",
        *([f"URL;VALUE=URI:{link}"] if link else []),
        f'X-APPLE-STRUCTURED-LOCATION;VALUE=URI;X-APPLE-RADIUS={ics.APPLE_LOCATION_RADIUS};'
        f'X-TITLE="{title}":geo:{venue.latitude},{venue.longitude}',
        "X-MICROSOFT-CDO-BUSYSTATUS:FREE",
    ]
    for alarm in ics.alarms(season, entry):
        lines.append("BEGIN:VALARM")
        lines += [f"{name}:{_value(value)}" for name, value, _ in sorted(alarm)]
        lines.append("END:VALARM")
    lines.append("END:VEVENT")
    return "".join([_fold(line) + "\r\n" for line in lines])


def floor_calendar(series: Series, feed: Feed, events: list[str]) -> bytes:
    base = series.base_url
    color = feed.color or ics.DEFAULT_COLOR
    title, about = _text(feed.title), _text(feed.description)
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{ics.PRODID}", "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH", f"DESCRIPTION:{about}", f"X-WR-CALDESC:{about}", f"NAME:{title}",
        f"X-WR-CALNAME:{title}", f"COLOR:{color}", "REFRESH-INTERVAL;VALUE=DURATION:PT6H",
        *([f"SOURCE;VALUE=URI:{base}{feed.path}", f"URL;VALUE=URI:{base}index.html"]
          if base else []),
        f"X-APPLE-CALENDAR-COLOR:{CSS_COLORS[color].upper()}", "X-PUBLISHED-TTL:PT6H",
    ]
    head = "".join([_fold(line) + "\r\n" for line in lines])
    return "".join([head, *events, "END:VCALENDAR\r\n"]).encode()


def floor_files(championship: Championship, now: datetime) -> dict[str, bytes]:
    """Every feed as the export writes it on a first publication."""
    stamp = _utc(now)
    return _files(championship, lambda entry: floor_event(entry, stamp),
                  lambda feed, events: floor_calendar(championship.series, feed, events))


def _files(championship: Championship, event: Callable[[Entry], Any],
           calendar: Callable[[Feed, list[Any]], bytes]) -> dict[str, bytes]:
    """Each feed's file, every event made once (an event may be in several feeds)."""
    feeds = plan(championship)
    made: dict[str, Any] = {}
    files = {}
    for feed in feeds:
        events = []
        for entry in feed.entries:
            done = made.get(entry.uid)
            if done is None:
                done = made[entry.uid] = event(entry)
            events.append(done)
        files[feed.path] = calendar(feed, events)
    return files


# -- the peers ------------------------------------------------------------------------------


def icalendar_files(championship: Championship, now: datetime) -> dict[str, bytes]:
    """The same feeds, each event and calendar serialised once by icalendar."""
    from icalendar import Alarm, Calendar, Event, vCategory, vDDDTypes, vDuration, vText

    class Text(vText):  # rallycal's TEXT escaping, as the reference in tests/ has it
        def to_ical(self) -> bytes:
            return _text(str(self)).encode()

    def add(component: Any, props: list[Any]) -> Any:
        for name, value, params in props:
            if isinstance(value, str):
                value = value if params.get("VALUE") == "URI" else Text(value)
            elif isinstance(value, list):
                value = vCategory(value)
                value.cats = [Text(v) for v in value.cats]
            elif isinstance(value, timedelta):
                value = vDuration(value)
            elif isinstance(value, date):
                value = vDDDTypes(value)
            component.add(name.lower(), value, parameters=dict(params) or None)
        return component

    stamp = ics.Stamp(0, now).lines()

    def event(entry: Entry) -> bytes:
        made = add(Event(), ics.event_properties(entry.season, entry))
        for alarm in ics.alarms(entry.season, entry):
            made.add_component(add(Alarm(), alarm))
        body = made.to_ical()
        return b"BEGIN:VEVENT\r\n" + stamp + body[len(b"BEGIN:VEVENT\r\n"):]

    def calendar(feed: Feed, events: list[bytes]) -> bytes:
        props = [*ics.SHARED_CALENDAR_PROPERTIES,
                 *ics.calendar_properties(championship.series, feed)]
        head = add(Calendar(), props).to_ical()[: -len(b"END:VCALENDAR\r\n")]
        return b"".join([head, *events, b"END:VCALENDAR\r\n"])

    return _files(championship, event, calendar)


def ics_py_files(championship: Championship, now: datetime) -> dict[str, bytes]:
    """The same events in the same feeds, written by ics-py (its own format)."""
    import warnings

    import ics as ics_py
    from ics.alarm import DisplayAlarm

    warnings.simplefilter("ignore", FutureWarning)  # ics-py 0.7 warns about its own str()

    def event(entry: Entry) -> Any:
        season, round_, item, venue = entry.season, entry.round, entry.item, entry.round.venue
        made = ics_py.Event(
            name=ics.summary(season, entry), uid=entry.uid,
            begin=item.start if item else round_.first_day.isoformat(),
            end=item.end if item else round_.last_day.isoformat(),  # make_all_day adds a day
            description=ics.description(season, entry), location=ics.location(venue),
            url=ics.event_url(season, round_), categories=set(ics.categories(season, entry)),
            status=ics.ICAL_STATUS[round_.status], geo=(venue.latitude, venue.longitude),
            transparent=True, created=now, last_modified=now,
        )
        if item is None:
            made.make_all_day()
        for alarm in ics.alarms(season, entry):
            values = {name: value for name, value, _ in alarm}
            made.alarms.append(DisplayAlarm(trigger=values["TRIGGER"],
                                            display_text=values["DESCRIPTION"]))
        return made

    def calendar(feed: Feed, events: list[Any]) -> bytes:
        made = ics_py.Calendar(creator=ics.PRODID)
        made.events.update(events)
        return made.serialize().encode()

    return _files(championship, event, calendar)


WRITERS: dict[str, Callable[[Championship, datetime], dict[str, bytes]]] = {
    "floor": floor_files,
    "icalendar": icalendar_files,
    "ics-py": ics_py_files,
}


# -- writing, as durably as the export ------------------------------------------------------


def write(out: Path, files: dict[str, bytes]) -> None:
    """Every file to a temporary name, to the disk, renamed into place, folders to the disk."""
    temps = []
    folders = {out}
    for path, data in files.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        folders.add(target.parent)
        temp = target.with_name(f".{target.name}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            if not Durability.whole_file_system:
                os.fsync(fd)
        finally:
            os.close(fd)
        temps.append((temp, target))
    if Durability.whole_file_system:
        Durability.syncfs(out)
    for temp, target in temps:
        os.replace(temp, target)
    if Durability.whole_file_system:
        Durability.syncfs(out)
    else:
        for folder in sorted(folders):
            fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
