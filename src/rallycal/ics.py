"""RFC 5545 content of events and calendars: which properties each has and what they say.

This module decides what each property says; `rallycal.rfc5545` writes the lines
(escaping, parameters, folding), byte for byte as icalendar would. An event's *body*
(everything a subscriber sees) is rendered without its stamps, so the publication
record (`rallycal.history`) can compare bodies and decide which SEQUENCE, DTSTAMP
and LAST-MODIFIED each event carries.

Rounds are all-day events (`VALUE=DATE`, DTEND the day after the last day), so
every client shows the same local days whatever its own zone. Timed schedule items
are written in UTC, with the venue's local time in the description: no VTIMEZONE
for a client to misread.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from rallycal import rfc5545
from rallycal.colors import CSS_COLORS
from rallycal.feeds import Entry, Feed
from rallycal.model import Crew, Round, Season, Series, Team, Venue
from rallycal.rfc5545 import NO_PARAMS, Property
from rallycal.wording import STATUS_LABELS, clock, day

PRODID = "-//rallycal//rallycal feeds//EN"
REFRESH = timedelta(hours=6)
DEFAULT_COLOR = "firebrick"
APPLE_LOCATION_RADIUS = 5000  # metres: the venue is a town, not a point
# Reminders, relative to the all-day DTSTART (midnight local at the start of the first
# day): 18:00 the evening before, and 18:00 seven days before. The evening before comes
# first, for clients that keep only one alarm per event (classic Outlook).
REMINDERS = (
    (timedelta(hours=-6), "tomorrow,"),
    (timedelta(days=-6, hours=-6), "in a week, on"),
)
NO_REMINDERS = frozenset({"cancelled", "postponed"})  # rounds that will not run on these days
ICAL_STATUS = {
    "confirmed": "CONFIRMED",
    "tentative": "TENTATIVE",
    "postponed": "TENTATIVE",  # RFC 5545 has no "postponed"; SUMMARY says so
    "cancelled": "CANCELLED",
}
URI = {"VALUE": "URI"}


class Stamp(NamedTuple):
    """What changes when an event is republished: its version and when it last changed."""

    sequence: int
    changed: datetime  # UTC

    def lines(self) -> bytes:
        text = self.changed.strftime("%Y%m%dT%H%M%SZ")
        return (
            f"SEQUENCE:{self.sequence}\r\nDTSTAMP:{text}\r\nLAST-MODIFIED:{text}\r\n"
        ).encode("ascii")


def event_properties(season: Season, entry: Entry) -> list[Property]:
    """Every property of an event but its stamps: what a subscriber sees."""
    round_ = entry.round
    venue = round_.venue
    place = location(venue)
    if entry.item is None:
        when: list[Property] = [
            ("DTSTART", round_.first_day, NO_PARAMS),
            ("DTEND", round_.last_day + timedelta(days=1), NO_PARAMS),
        ]
    else:
        when = [("DTSTART", entry.item.start, NO_PARAMS), ("DTEND", entry.item.end, NO_PARAMS)]
    props: list[Property] = [
        ("UID", entry.uid, NO_PARAMS),
        ("SUMMARY", summary(season, entry), NO_PARAMS),
        *when,
        ("LOCATION", place, NO_PARAMS),
        ("GEO", (venue.latitude, venue.longitude), NO_PARAMS),
        (
            "X-APPLE-STRUCTURED-LOCATION",
            f"geo:{venue.latitude},{venue.longitude}",
            {"VALUE": "URI", "X-APPLE-RADIUS": str(APPLE_LOCATION_RADIUS), "X-TITLE": place},
        ),
        ("DESCRIPTION", description(season, entry), NO_PARAMS),
    ]
    link = event_url(season, round_)
    if link:
        props.append(("URL", link, URI))
    props += [
        ("CATEGORIES", categories(season, entry), NO_PARAMS),
        ("STATUS", ICAL_STATUS[round_.status], NO_PARAMS),
        ("TRANSP", "TRANSPARENT", NO_PARAMS),
        ("X-MICROSOFT-CDO-BUSYSTATUS", "FREE", NO_PARAMS),  # classic Outlook's free/busy
        ("CLASS", "PUBLIC", NO_PARAMS),
    ]
    return props


def location(venue: Venue) -> str:
    """LOCATION, and the Apple pin's title (Apple shows the pin only when they match):
    "Place name, street address, town, state, country", each part when given, so that
    a map app finds the site and not only the town."""
    parts = (venue.place_name, venue.address, venue.town, venue.state, venue.country)
    return ", ".join(part for part in parts if part)


def calendar_properties(series: Series, feed: Feed) -> list[Property]:
    """The calendar's own properties that differ from feed to feed."""
    # All four are TEXT (RFC 7986; RFC 5545 3.8.8.2 for X- properties), escaped as
    # such: libical and vobject cut an unescaped value at its first comma. The
    # generated descriptions avoid commas, so every reader shows them alike.
    props: list[Property] = [
        ("NAME", feed.title, NO_PARAMS),
        ("X-WR-CALNAME", feed.title, NO_PARAMS),
        ("DESCRIPTION", feed.description, NO_PARAMS),
        ("X-WR-CALDESC", feed.description, NO_PARAMS),
    ]
    base_url = series.base_url
    if base_url:
        props.append(("SOURCE", base_url + feed.path, URI))
        props.append(("URL", base_url + "index.html", URI))
    color = feed.color or DEFAULT_COLOR
    props.append(("COLOR", color, NO_PARAMS))
    props.append(("X-APPLE-CALENDAR-COLOR", CSS_COLORS[color].upper(), NO_PARAMS))
    return props


SHARED_CALENDAR_PROPERTIES: list[Property] = [
    ("PRODID", PRODID, NO_PARAMS),
    ("VERSION", "2.0", NO_PARAMS),
    ("CALSCALE", "GREGORIAN", NO_PARAMS),
    ("METHOD", "PUBLISH", NO_PARAMS),
    ("REFRESH-INTERVAL", REFRESH, {"VALUE": "DURATION"}),
    ("X-PUBLISHED-TTL", REFRESH, NO_PARAMS),
]
"""The calendar properties every feed has alike, written once (`_SHARED_LINES`)."""
_SHARED_LINES = rfc5545.lines(SHARED_CALENDAR_PROPERTIES)


def alarms(season: Season, entry: Entry) -> list[list[Property]]:
    """The VALARMs of an event of a reminders feed: the evening before and a week before
    the round's first day; none on a round that will not run on its days."""
    round_ = entry.round
    if not entry.reminders or entry.item is not None or round_.status in NO_REMINDERS:
        return []
    title = summary(season, entry)
    first = day(round_.first_day)
    return [
        [
            ("ACTION", "DISPLAY", NO_PARAMS),
            ("TRIGGER", trigger, NO_PARAMS),
            ("DESCRIPTION", f"{title} starts {when} {first}.", NO_PARAMS),
        ]
        for trigger, when in REMINDERS
    ]


def event_body(season: Season, entry: Entry) -> bytes:
    """The event's properties as folded iCalendar lines, then its alarms (nested
    VALARM components), without the event's BEGIN/END or stamps."""
    text = rfc5545.content(event_properties(season, entry), rfc5545.EVENT_ORDER)
    for alarm in alarms(season, entry):
        text += rfc5545.component("VALARM", alarm)
    return text.encode()


def assemble_event(body: bytes, stamp: Stamp) -> bytes:
    """A whole VEVENT from its body and its stamps."""
    return b"BEGIN:VEVENT\r\n" + stamp.lines() + body + b"END:VEVENT\r\n"


def calendar(series: Series, feed: Feed, events: list[bytes]) -> bytes:
    """A whole feed: the calendar's own properties around already rendered events."""
    head = rfc5545.content(
        calendar_properties(series, feed), rfc5545.CALENDAR_ORDER, _SHARED_LINES
    )
    return b"".join([b"BEGIN:VCALENDAR\r\n", head.encode(), *events, b"END:VCALENDAR\r\n"])


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
    """What a person reads when they open the event: what the calendar does not show.

    Not the days and place (the event shows those), but the round's place in the
    season, its status when not confirmed, the classes when not every class runs it
    (in a class feed, none: the calendar is the class's), a team's own crews, notes
    and one link for more.
    """
    round_ = entry.round
    series = season.series
    paragraphs = []
    if entry.item is not None:
        paragraphs.append(_item_time(round_, entry))
        paragraphs.append(f"Part of {round_.name}.")
    paragraphs.append(
        f"Round {round_.number} of {len(season.rounds)} of the {season.year} {series.name}."
    )
    if round_.status != "confirmed":
        paragraphs.append(f"Status: {STATUS_LABELS[round_.status]}.")
    if entry.team is not None:
        paragraphs.extend(_team_paragraphs(season, entry.team))
    elif entry.rally_class is None and len(round_.classes) < len(season.classes):
        names = [season.rally_class(c).name for c in round_.classes]
        paragraphs.append(f"{'Class' if len(names) == 1 else 'Classes'}: {', '.join(names)}.")
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


def _team_paragraphs(season: Season, team: Team) -> list[str]:
    """A team's crews (one line for one crew, a list for several), who runs it, its notes."""
    if len(team.crews) == 1:
        paragraphs = [_crew_line(season, team.crews[0])]
    else:
        paragraphs = ["Crews:\n" + "\n".join(f"- {_crew_line(season, c)}" for c in team.crews)]
    if team.run_by:
        paragraphs.append(f"Run by {team.run_by}.")
    if team.notes:
        paragraphs.append(team.notes)
    return paragraphs


def _crew_line(season: Season, crew: Crew) -> str:
    """`Lia Block / Rhianon Gelsomino: Ford Fiesta Rally3 (Limited 4WD)`."""
    people = f"{crew.driver} / {crew.co_driver}" if crew.co_driver else crew.driver
    return f"{people}: {crew.car} ({season.rally_class(crew.class_id).name})"


def _item_time(round_: Round, entry: Entry) -> str:
    item = entry.item
    assert item is not None, "only a schedule item's event has a time of its own"
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
