"""One round as a schema.org `SportsEvent`, written as the page's JSON-LD holds it.

The page's JSON-LD is the list of every shown round's event, in the layout of
`json.dumps(events, indent=1, ensure_ascii=False)`, with every `<`, `>` and `&`
written as a JSON escape so that no text from the source can close the `<script>`
element or open a comment in it. Each event is written here as its own piece of that
list (`round_event`): strings and numbers go through the standard JSON encoder, the
layout around them is fixed. An event depends on the facts of its season it uses
(`EventFacts`), its round and the round's earlier first day, and on nothing else, so
a caller may keep it; `json_ld` joins the pieces into the list.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from json.encoder import encode_basestring

from rallycal.feeds import PAGE, uid_of
from rallycal.model import Round, Season
from rallycal.page.cards import anchor
from rallycal.page.markup import is_web_address

SCHEMA = "https://schema.org"
STATUSES = {
    "cancelled": "EventCancelled",
    "postponed": "EventPostponed",
}
_json = json.JSONEncoder(ensure_ascii=False).encode  # one value, as `json.dumps` writes it
_string = encode_basestring  # one string, as `json.dumps(..., ensure_ascii=False)` writes it


@dataclass(frozen=True)
class EventFacts:
    """What a round's event uses of its season: the series' id, name and web page, the
    subscribe page's address and the year.

    Compared and hashed by these five values only; the text every event of the season
    shares is made from them once.
    """

    series_id: str
    series_name: str
    series_page: str | None  # the series' own site, when it is an http(s) address
    page_url: str | None  # the subscribe page, when the series has a base URL
    year: int
    _of_season: str = field(init=False, repr=False, compare=False)
    _organizer: str = field(init=False, repr=False, compare=False)

    @classmethod
    def of(cls, season: Season) -> EventFacts:
        series = season.series
        site = series.url if is_web_address(series.url) else None
        page = series.base_url + PAGE if series.base_url else None
        return cls(series.id, series.name, site, page, season.year)

    def __post_init__(self) -> None:
        # What follows "Round N" in each description: a JSON string's tail, no quote.
        of_season = _string(f" of the {self.year} {self.series_name}.")[1:]
        site = f',\n   "url": {_string(self.series_page)}' if self.series_page else ""
        organizer = (
            '\n  "organizer": {\n   "@type": "Organization",\n'
            f'   "name": {_string(self.series_name)}{site}\n  }}\n }}'
        )
        object.__setattr__(self, "_of_season", of_season)
        object.__setattr__(self, "_organizer", organizer)


def json_ld(events: Sequence[str]) -> list[str]:
    """The list of events (each from `round_event`) as `json.dumps(..., indent=1)` lays
    it out, in pieces (see `markup.joined`)."""
    if not events:
        return ["[]"]
    pieces = ["[\n"]
    for event in events:
        pieces += (event, ",\n")
    pieces[-1] = "\n]"
    return pieces


def round_event(facts: EventFacts, round_: Round, previous_start: date | None) -> str:
    """One round's `SportsEvent`, an item of the JSON-LD list, safe inside `<script>`.

    `previous_start` is the round's first day at the last publication, when it was
    another: a round going ahead is then "rescheduled". Depends on these three only.
    """
    venue = round_.venue
    status = STATUSES.get(round_.status, "EventScheduled")
    moved = previous_start is not None and previous_start != round_.first_day
    if status == "EventScheduled" and moved:
        status = "EventRescheduled"
    street = f'\n    "streetAddress": {_string(venue.address)},' if venue.address else ""
    region = f'\n    "addressRegion": {_string(venue.state)},' if venue.state else ""
    before = ""
    if status == "EventRescheduled" and previous_start is not None:
        before = f'\n  "previousStartDate": "{previous_start.isoformat()}",'
    url = _round_url(facts, round_)
    link = f'\n  "url": {_string(url)},' if url else ""
    uid = uid_of(facts.series_id, facts.year, round_.id)
    text = f""" {{
  "@context": "{SCHEMA}",
  "@type": "SportsEvent",
  "identifier": {_string(uid)},
  "name": {_string(round_.name)},
  "description": "Round {round_.number}{facts._of_season},
  "sport": "Rally",
  "startDate": "{round_.first_day.isoformat()}",
  "endDate": "{round_.last_day.isoformat()}",
  "eventStatus": "{SCHEMA}/{status}",
  "eventAttendanceMode": "{SCHEMA}/OfflineEventAttendanceMode",
  "location": {{
   "@type": "Place",
   "name": {_string(venue.place_name or venue.town)},
   "address": {{
    "@type": "PostalAddress",{street}
    "addressLocality": {_string(venue.town)},{region}
    "addressCountry": {_string(venue.country)}
   }},
   "geo": {{
    "@type": "GeoCoordinates",
    "latitude": {_number(venue.latitude)},
    "longitude": {_number(venue.longitude)}
   }}
  }},{before}{link}{facts._organizer}"""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _round_url(facts: EventFacts, round_: Round) -> str | None:
    """The round's own page; else its card on the subscribe page; else the series' site."""
    if is_web_address(round_.url):
        return round_.url
    if facts.page_url:
        return f"{facts.page_url}#{anchor(facts.year, round_.id)}"
    return facts.series_page


def _number(value: float) -> str:
    """A coordinate as `json.dumps` writes it (`float.__repr__` for a finite float)."""
    return repr(value) if type(value) is float and math.isfinite(value) else _json(value)
