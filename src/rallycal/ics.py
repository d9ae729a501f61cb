"""RFC 5545 rendering: the text of each event and the calendar around it.

icalendar writes every property (escaping, folding, parameters). This module only
decides what each property says, and assembles a feed from events rendered once:
an event's *body* (everything a subscriber sees) is rendered without its stamps,
so the publication record (`rallycal.history`) can compare bodies and decide which
SEQUENCE, DTSTAMP and LAST-MODIFIED each event carries.

Rounds are all-day events (`VALUE=DATE`, DTEND the day after the last day), so
every client shows the same local days whatever its own zone. Timed schedule items
are written in UTC, with the venue's local time in the description: no VTIMEZONE
for a client to misread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCategory, vDuration, vText

from rallycal.colors import CSS_COLORS
from rallycal.feeds import Entry, Feed
from rallycal.model import Round, Season
from rallycal.wording import STATUS_LABELS, clock, day, day_span

PRODID = "-//rallycal//rallycal feeds//EN"
REFRESH = timedelta(hours=6)
DEFAULT_COLOR = "firebrick"
APPLE_LOCATION_RADIUS = 5000  # metres: the venue is a town, not a point
ICAL_STATUS = {
    "confirmed": "CONFIRMED",
    "tentative": "TENTATIVE",
    "postponed": "TENTATIVE",  # RFC 5545 has no "postponed"; SUMMARY says so
    "cancelled": "CANCELLED",
}


class Text(vText):
    """TEXT escaped exactly as RFC 5545 (3.3.11) says, and nothing more.

    icalendar's own escaping first turns a backslash followed by N into a line break,
    taking it for one already escaped; source text is data, so `C:\\North` must
    reach subscribers as written.
    """

    def to_ical(self) -> bytes:
        text = str(self).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        return text.replace("\n", "\\n").encode(self.encoding)


class Categories(vCategory):
    """CATEGORIES whose names are escaped as `Text`."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(names)
        self.cats = [Text(name) for name in names]


@dataclass(frozen=True)
class Stamp:
    """What changes when an event is republished: its version and when it last changed."""

    sequence: int
    changed: datetime  # UTC

    def lines(self) -> bytes:
        text = self.changed.strftime("%Y%m%dT%H%M%SZ")
        return (
            f"SEQUENCE:{self.sequence}\r\nDTSTAMP:{text}\r\nLAST-MODIFIED:{text}\r\n"
        ).encode("ascii")


def event_body(season: Season, entry: Entry) -> bytes:
    """The event's properties as folded iCalendar lines, without BEGIN/END or stamps."""
    event = Event()
    round_ = entry.round
    event.add("uid", entry.uid)
    event.add("summary", Text(summary(season, entry)))
    if entry.item is None:
        event.add("dtstart", round_.first_day)
        event.add("dtend", round_.last_day + timedelta(days=1))
    else:
        event.add("dtstart", entry.item.start)
        event.add("dtend", entry.item.end)
    venue = round_.venue
    event.add("location", Text(venue.place))
    event.add("geo", (venue.latitude, venue.longitude))
    event.add(
        "x-apple-structured-location",
        f"geo:{venue.latitude},{venue.longitude}",
        parameters={
            "VALUE": "URI",
            "X-APPLE-RADIUS": str(APPLE_LOCATION_RADIUS),
            "X-TITLE": venue.place,
        },
    )
    event.add("description", Text(description(season, entry)))
    link = event_url(season, round_)
    if link:
        event.add("url", link, parameters={"VALUE": "URI"})
    event.add("categories", Categories(categories(season, entry)))
    event.add("status", ICAL_STATUS[round_.status])
    event.add("transp", "TRANSPARENT")
    event.add("class", "PUBLIC")
    lines = event.to_ical()
    return lines[len(b"BEGIN:VEVENT\r\n") : -len(b"END:VEVENT\r\n")]


def assemble_event(body: bytes, stamp: Stamp) -> bytes:
    """A whole VEVENT from its body and its stamps."""
    return b"BEGIN:VEVENT\r\n" + stamp.lines() + body + b"END:VEVENT\r\n"


def calendar(season: Season, feed: Feed, events: list[bytes]) -> bytes:
    """A whole feed: the calendar's own properties around already rendered events."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    # All four are TEXT (RFC 7986; RFC 5545 3.8.8.2 for X- properties), escaped as
    # such: libical and vobject cut an unescaped value at its first comma. The
    # generated descriptions avoid commas, so every reader shows them alike.
    cal.add("name", Text(feed.title))
    cal.add("x-wr-calname", Text(feed.title))
    cal.add("description", Text(feed.description))
    cal.add("x-wr-caldesc", Text(feed.description))
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))
    base_url = season.series.base_url
    if base_url:
        cal.add("source", base_url + feed.path, parameters={"VALUE": "URI"})
        cal.add("url", base_url + "index.html", parameters={"VALUE": "URI"})
    color = feed.color or DEFAULT_COLOR
    cal.add("color", color)
    cal.add("x-apple-calendar-color", CSS_COLORS[color].upper())
    head = cal.to_ical()[: -len(b"END:VCALENDAR\r\n")]
    return b"".join([head, *events, b"END:VCALENDAR\r\n"])


def summary(season: Season, entry: Entry) -> str:
    """Short enough for a phone widget: `ARA L4WD R1: Sno*Drift Rally`."""
    round_ = entry.round
    label = season.series.short
    if entry.rally_class is not None:
        label += f" {entry.rally_class.short}"
    elif entry.team is not None:
        label += f" {entry.team.short}"
    text = f"{label} R{round_.number}: {entry.item.name if entry.item else round_.name}"
    if round_.status != "confirmed":
        text = f"[{STATUS_LABELS[round_.status]}] {text}"
    return text


def description(season: Season, entry: Entry) -> str:
    """What a person reads when they open the event."""
    round_ = entry.round
    series = season.series
    paragraphs = []
    if entry.item is not None:
        paragraphs.append(_item_time(round_, entry))
        paragraphs.append(f"Part of {round_.name}, {day_span(round_.first_day, round_.last_day)}.")
    paragraphs.append(
        f"Round {round_.number} of {len(season.rounds)} of the {season.year} {series.name}. "
        f"{day_span(round_.first_day, round_.last_day)}, local days at "
        f"{round_.venue.place}."
    )
    if round_.status != "confirmed":
        paragraphs.append(f"Status: {STATUS_LABELS[round_.status]}.")
    if entry.rally_class is not None:
        paragraphs.append(f"Class: {entry.rally_class.name}.")
    else:
        names = ", ".join(season.rally_class(c).name for c in round_.classes)
        paragraphs.append(f"Classes: {names}.")
    if entry.team is not None:
        team = entry.team
        crews = "\n".join(f"- {_crew_line(season, crew)}" for crew in team.crews)
        who = f"{team.name} (run by {team.run_by})" if team.run_by else team.name
        paragraphs.append(f"{who} crews:\n{crews}")
    if round_.notes:
        paragraphs.append(round_.notes)
    link = event_url(season, round_)
    if link:
        paragraphs.append(f"More: {link}")
    if series.base_url:
        paragraphs.append(f"All feeds: {series.base_url}index.html")
    return "\n\n".join(paragraphs)


def categories(season: Season, entry: Entry) -> list[str]:
    """`Rally`, the series, and the classes the event is about."""
    if entry.rally_class is not None:
        classes = [entry.rally_class.name]
    elif entry.team is not None:
        classes = list(dict.fromkeys(season.rally_class(c.class_id).name for c in entry.team.crews))
    else:
        classes = [season.rally_class(c).name for c in entry.round.classes]
    return ["Rally", season.series.short, *classes]


def event_url(season: Season, round_: Round) -> str | None:
    """The page a person opens for more: the round's own, else the series'."""
    return round_.url or season.series.url


def _crew_line(season: Season, crew) -> str:
    people = f"{crew.driver} / {crew.co_driver}" if crew.co_driver else crew.driver
    return f"{people}, {crew.car} ({season.rally_class(crew.class_id).name})"


def _item_time(round_: Round, entry: Entry) -> str:
    item = entry.item
    zone = ZoneInfo(round_.venue.timezone)
    start, end = item.start.astimezone(zone), item.end.astimezone(zone)
    span = f"{clock(item.local_start)}–{clock(item.local_end)}"
    if item.local_end.date() != item.local_start.date():
        span = f"{clock(item.local_start)} – {day(item.local_end.date())} {clock(item.local_end)}"
    zones = start.tzname() if start.tzname() == end.tzname() else f"{start.tzname()}/{end.tzname()}"
    return (
        f"{day(item.local_start.date())}, {span} local time at the venue "
        f"({zones}, {round_.venue.timezone})."
    )
