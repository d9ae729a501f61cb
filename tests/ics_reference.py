"""icalendar as the reference writer: the same properties, written by icalendar's objects.

`rallycal.rfc5545` writes content lines with plain strings; these functions hand the
very same properties (`rallycal.ics.event_properties`, `calendar_properties`) to
icalendar 7 instead, so a test can compare the two byte for byte. TEXT values go
through `Text`, the escaping rallycal has always used: RFC 5545's, without
icalendar's reading of a backslash followed by N as a line break.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from icalendar import Alarm, Calendar, Component, Event, vCategory, vDDDTypes, vDuration, vText

from rallycal import ics
from rallycal.feeds import Entry, Feed
from rallycal.model import Season, Series
from rallycal.rfc5545 import Property


class Text(vText):
    """TEXT escaped exactly as RFC 5545 (3.3.11) says, and nothing more."""

    def to_ical(self) -> bytes:
        text = str(self).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        return text.replace("\n", "\\n").encode(self.encoding)


class Categories(vCategory):
    """CATEGORIES whose names are escaped as `Text`."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(names)
        self.cats = [Text(name) for name in names]


def add(component: Component, props: Iterable[Property]) -> Component:
    """Each property added the way rallycal added it when icalendar wrote the feeds."""
    for name, value, parameters in props:
        if isinstance(value, str):
            item: object = value if parameters.get("VALUE") == "URI" else Text(value)
        elif isinstance(value, list):
            item = Categories(value)
        elif isinstance(value, timedelta):
            item = vDuration(value)
        elif isinstance(value, date):
            item = vDDDTypes(value)
        else:
            item = value
        component.add(name.lower(), item, parameters=dict(parameters) or None)
    return component


def event_body(season: Season, entry: Entry) -> bytes:
    """What `rallycal.ics.event_body` must write, as icalendar writes it (alarms nested)."""
    event = add(Event(), ics.event_properties(season, entry))
    for alarm in ics.alarms(season, entry):
        event.add_component(add(Alarm(), alarm))
    lines = event.to_ical()
    return lines[len(b"BEGIN:VEVENT\r\n") : -len(b"END:VEVENT\r\n")]


def calendar(series: Series, feed: Feed, events: list[bytes]) -> bytes:
    """What `rallycal.ics.calendar` must write, as icalendar writes it."""
    props = [*ics.SHARED_CALENDAR_PROPERTIES, *ics.calendar_properties(series, feed)]
    head = add(Calendar(), props).to_ical()[: -len(b"END:VCALENDAR\r\n")]
    return b"".join([head, *events, b"END:VCALENDAR\r\n"])
