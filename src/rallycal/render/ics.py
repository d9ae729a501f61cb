"""The feeds' iCalendar content, written by icalendar: what each event and calendar says.

Rounds are all-day events (`VALUE=DATE`, DTEND the day after the last day), so every
client shows the same local days whatever its own zone. Timed items are written in
UTC, with the venue's local time in the description: no VTIMEZONE for a client to
misread (Thunderbird reads only the first RDATE of icalendar's zones, Outlook none).

An event is built without its stamps (SEQUENCE, DTSTAMP, LAST-MODIFIED): the last
publication decides those (`rallycal.publication`). Each distinct event is serialised
once and its bytes are reused in every feed that holds it.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, vCategory, vDuration, vText

from rallycal.colors import CSS_COLORS
from rallycal.model import Crew, Round, Season, Team, Venue
from rallycal.plan import PAGE, Entry, Feed, round_anchor, round_link
from rallycal.publication import Stamp
from rallycal.wording import STATUS_LABELS, clock, day

PRODID = "-//rallycal//rallycal feeds//EN"
REFRESH = timedelta(hours=6)
DEFAULT_COLOR = "firebrick"
APPLE_LOCATION_RADIUS = "5000"  # metres: the venue is a town, not a point
# Alarms, relative to the all-day DTSTART (local midnight of the first day): 18:00 the
# evening before, and 18:00 seven days before. The evening before comes first, for
# clients that keep only one alarm per event (classic Outlook).
ALARMS = (
    (timedelta(hours=-6), "tomorrow,"),
    (timedelta(days=-6, hours=-6), "in a week, on"),
)
NO_ALARMS = frozenset({"cancelled", "postponed"})  # rounds that will not run on these days
ICAL_STATUS = {
    "confirmed": "CONFIRMED",
    "tentative": "TENTATIVE",
    "postponed": "TENTATIVE",  # RFC 5545 has no "postponed"; SUMMARY says so
    "cancelled": "CANCELLED",
}
URI = {"VALUE": "URI"}
END = b"END:VCALENDAR\r\n"


class Text(vText):
    """A TEXT value escaped as RFC 5545 (3.3.11) says and no more: icalendar 7 reads a
    written backslash and capital N as a line break, so a note such as `C:\\New`
    would come back split in two."""

    def to_ical(self) -> bytes:
        text = str(self).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n").encode()


def _categories(names: list[str]) -> vCategory:
    """CATEGORIES, each name escaped as `Text`."""
    value = vCategory(names)
    value.cats = [Text(name) for name in names]
    return value


def event(entry: Entry) -> Event:
    """The event of one entry, without stamps: everything a subscriber sees."""
    season, round_ = entry.season, entry.round
    venue = round_.venue
    place = location(venue)
    vevent = Event()
    vevent.add("uid", entry.uid)
    vevent.add("summary", Text(summary(entry)))
    if entry.item is None:
        vevent.add("dtstart", round_.first_day)
        vevent.add("dtend", round_.last_day + timedelta(days=1))
    else:
        vevent.add("dtstart", entry.item.start)
        vevent.add("dtend", entry.item.end)
    vevent.add("location", Text(place))
    vevent.add("geo", (venue.latitude, venue.longitude))
    vevent.add(
        "x-apple-structured-location",
        f"geo:{venue.latitude},{venue.longitude}",
        parameters={"VALUE": "URI", "X-APPLE-RADIUS": APPLE_LOCATION_RADIUS, "X-TITLE": place},
    )
    vevent.add("description", Text(description(entry)))
    link = round_link(season, round_)
    if link:
        vevent.add("url", link, parameters=URI)
    vevent.add("categories", _categories(categories(entry)))
    vevent.add("status", ICAL_STATUS[round_.status])
    vevent.add("transp", "TRANSPARENT")
    vevent.add("x-microsoft-cdo-busystatus", "FREE")  # classic Outlook's free/busy
    vevent.add("class", "PUBLIC")
    for alarm in alarms(entry):
        vevent.add_component(alarm)
    return vevent


def stamped(vevent: Event, stamp: Stamp) -> bytes:
    """The event's bytes with its stamps."""
    for name in ("sequence", "dtstamp", "last-modified"):
        vevent.pop(name, None)
    vevent.add("sequence", stamp.sequence)
    vevent.add("dtstamp", stamp.changed)
    vevent.add("last-modified", stamp.changed)
    return bytes(vevent.to_ical())


def content_lines(vevent: Event) -> frozenset[str]:
    """What the event says, independent of property order and line folding: its
    unfolded content lines as a set (compared with the published event's)."""
    return frozenset(str(line) for line in vevent.content_lines() if line)


def calendar(feed: Feed, base_url: str | None, events: list[bytes]) -> bytes:
    """A whole feed: the calendar's properties around already serialised events."""
    vcalendar = Calendar()
    vcalendar.add("prodid", PRODID)
    vcalendar.add("version", "2.0")
    vcalendar.add("calscale", "GREGORIAN")
    vcalendar.add("method", "PUBLISH")
    # All four are TEXT (RFC 7986; RFC 5545 3.8.8.2 for X- properties), escaped as such:
    # icalendar knows no type for NAME and the X- names, and libical and vobject cut an
    # unescaped value at its first comma.
    vcalendar.add("name", Text(feed.title))
    vcalendar.add("x-wr-calname", Text(feed.title))
    vcalendar.add("description", Text(feed.description))
    vcalendar.add("x-wr-caldesc", Text(feed.description))
    if base_url:
        vcalendar.add("source", base_url + feed.path, parameters=URI)
        vcalendar.add("url", base_url + PAGE, parameters=URI)
    color = feed.color or DEFAULT_COLOR
    vcalendar.add("color", color)
    vcalendar.add("x-apple-calendar-color", CSS_COLORS[color].upper())
    vcalendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    vcalendar.add("x-published-ttl", vDuration(REFRESH))
    head = vcalendar.to_ical()
    assert head.endswith(END), "icalendar ends a calendar with END:VCALENDAR"
    return b"".join([head[: -len(END)], *events, END])


def location(venue: Venue) -> str:
    """LOCATION, and the Apple pin's title (Apple shows the pin only when they match):
    "Place name, street address, town, state, country", each part when given, so that
    a map app finds the site and not only the town."""
    parts = (venue.place_name, venue.address, venue.town, venue.state, venue.country)
    return ", ".join(part for part in parts if part)


def summary(entry: Entry) -> str:
    """Short enough for a phone widget: `ARA L4WD R1: Sno*Drift Rally`."""
    round_ = entry.round
    label = entry.season.series.short
    if entry.rally_class is not None:
        label += f" {entry.rally_class.short}"
    elif entry.team is not None:
        label += f" {entry.team.short}"
    text = f"{label} R{round_.number}: {entry.item.name if entry.item else round_.name}"
    if round_.status != "confirmed":
        text = f"[{STATUS_LABELS[round_.status]}] {text}"
    return text


def description(entry: Entry) -> str:
    """What a fan reads on opening the event, and the calendar does not show already.

    The round and its season, its status when not confirmed, the classes when not every
    class runs it (none in a class feed: the calendar is the class's), a team's own
    crews, the notes and the link. Nothing depends on the other rounds, so inserting a
    round leaves the earlier rounds' events as they were.
    """
    season, round_ = entry.season, entry.round
    series = season.series
    paragraphs = []
    if entry.item is not None:
        paragraphs.append(_item_time(round_, entry))
        paragraphs.append(f"Part of {round_.name}.")
    paragraphs.append(f"Round {round_.number} of the {series.short} {season.year} season.")
    if round_.status != "confirmed":
        paragraphs.append(f"Status: {STATUS_LABELS[round_.status]}.")
    if entry.team is not None:
        paragraphs.extend(_team_paragraphs(season, entry.team))
    elif entry.rally_class is None and len(round_.classes) < len(season.classes):
        names = [season.rally_class(c).name for c in round_.classes]
        paragraphs.append(f"{'Class' if len(names) == 1 else 'Classes'}: {', '.join(names)}.")
    if round_.notes:
        paragraphs.append(round_.notes)
    link = round_link(season, round_)
    if link:
        paragraphs.append(f"More: {link}")
    if round_.url and series.base_url:
        anchor = round_anchor(season.year, round_.id)
        paragraphs.append(f"Calendars: {series.base_url}{PAGE}#{anchor}")
    return "\n\n".join(paragraphs)


def categories(entry: Entry) -> list[str]:
    """`Rally`, the series, and the classes the event is about."""
    season = entry.season
    if entry.rally_class is not None:
        classes = [entry.rally_class.name]
    elif entry.team is not None:
        classes = list(dict.fromkeys(season.rally_class(c.class_id).name for c in entry.team.crews))
    else:
        classes = [season.rally_class(c).name for c in entry.round.classes]
    return ["Rally", season.series.short, *classes]


def alarms(entry: Entry) -> list[Alarm]:
    """A reminders event's alarms: the evening before and a week before the first day;
    none for timed items or a round that will not run on its days."""
    round_ = entry.round
    if not entry.reminders or entry.item is not None or round_.status in NO_ALARMS:
        return []
    title, first = summary(entry), day(round_.first_day)
    found = []
    for trigger, when in ALARMS:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", trigger)
        alarm.add("description", Text(f"{title} starts {when} {first}."))
        found.append(alarm)
    return found


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
    """`Fri 6 Feb 2026, 09:00–12:00 local time at the venue (EST, America/Detroit).`"""
    item = entry.item
    assert item is not None, "only a timed item's event has a time of its own"
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
