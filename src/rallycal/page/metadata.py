"""What search engines and chat apps read: the description, Open Graph and schema.org.

Search engines read one schema.org `SportsEvent` per round from JSON-LD; chat apps
read the Open Graph tags to show a shared link with the season's title and a summary.
JSON-LD is a data block, not a script, so the Content-Security-Policy does not apply
to it; every `<`, `>` and `&` in it is written as a JSON escape, so no text from the
source can close the element or open a comment.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from rallycal.feeds import round_uid
from rallycal.model import Championship, Round, Season
from rallycal.page.markup import Markup, is_web_address, tag
from rallycal.page.sections import round_anchor
from rallycal.wording import day_span

SCHEMA = "https://schema.org"
PAGE = "index.html"
STATUSES = {
    "cancelled": "EventCancelled",
    "postponed": "EventPostponed",
}


def page_url(season: Season) -> str | None:
    """The subscribe page's own address, when the series has a base URL."""
    base = season.series.base_url
    return base + PAGE if base else None


def description(season: Season) -> str:
    """One sentence about the season, for search results and shared links."""
    series = season.series
    count = len(season.rounds)
    span = ""
    if season.rounds:
        span = f", {day_span(season.rounds[0].first_day, season.rounds[-1].last_day)}"
    rounds = f"{count} round{'s' if count != 1 else ''}{span}"
    if series.base_url:
        how = "Subscribe in Google Calendar, Apple Calendar or Outlook"
    else:
        how = "Add them to Google Calendar, Apple Calendar or Outlook"
    return f"The {season.year} {series.name}: {rounds}. {how}: every round, class and team."


def head(
    championship: Championship,
    title: str,
    *,
    changes_feed: bool,
    previous_starts: Mapping[str, date],
) -> Markup:
    """The `<meta>` and `<link>` lines the page's head carries besides its own."""
    season = championship.latest
    text = description(season)
    url = page_url(season)
    lines = [
        tag("meta", name_="description", content=text),
        tag("meta", property="og:type", content="website"),
        tag("meta", property="og:title", content=title),
        tag("meta", property="og:description", content=text),
        tag("meta", property="og:site_name", content=season.series.name),
        tag("meta", property="og:url", content=url) if url else None,
        tag("link", rel="canonical", href=url) if url else None,
        (
            tag(
                "link",
                rel="alternate",
                type="application/atom+xml",
                href="changes.atom",
                title=f"{season.series.short} {season.year}: changes to the calendar",
            )
            if changes_feed
            else None
        ),
        tag(
            "script",
            Markup(json_ld(championship.in_window, previous_starts)),
            type="application/ld+json",
        ),
    ]
    return Markup("\n".join(line for line in lines if line))


def json_ld(seasons: Sequence[Season], previous_starts: Mapping[str, date]) -> str:
    """The rounds shown as schema.org `SportsEvent`s, safe inside a `<script>` element."""
    events = [
        _event(season, r, previous_starts.get(round_uid(season, r)))
        for season in reversed(seasons)
        for r in season.rounds
    ]
    text = json.dumps(events, ensure_ascii=False, indent=1, sort_keys=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def rescheduled(page: bytes) -> dict[str, tuple[date, date]]:
    """What a published page said was rescheduled: round UID -> (previous, new first day).

    Read, never trusted: anything that is not the JSON-LD this module writes is skipped.
    """
    found: dict[str, tuple[date, date]] = {}
    for block in _LD_JSON.findall(page):
        try:
            events = json.loads(block)
        except (ValueError, RecursionError):
            continue
        for event in events if isinstance(events, list) else ():
            if not isinstance(event, dict):
                continue
            uid, before, after = (event.get(k) for k in ("identifier", "previousStartDate",
                                                         "startDate"))
            if isinstance(uid, str) and isinstance(before, str) and isinstance(after, str):
                try:
                    found[uid] = (date.fromisoformat(before), date.fromisoformat(after))
                except ValueError:
                    continue
    return found


_LD_JSON = re.compile(rb'<script type="application/ld\+json">(.*?)</script>', re.S)


def _event(season: Season, round_: Round, previous_start: date | None) -> dict[str, Any]:
    series = season.series
    venue = round_.venue
    address: dict[str, Any] = {"@type": "PostalAddress"}
    if venue.address:
        address["streetAddress"] = venue.address
    address["addressLocality"] = venue.town
    if venue.state:
        address["addressRegion"] = venue.state
    address["addressCountry"] = venue.country
    status = STATUSES.get(round_.status, "EventScheduled")
    moved = previous_start is not None and previous_start != round_.first_day
    if status == "EventScheduled" and moved:
        status = "EventRescheduled"
    event: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "SportsEvent",
        "identifier": round_uid(season, round_),
        "name": round_.name,
        "description": f"Round {round_.number} of the {season.year} {series.name}.",
        "sport": "Rally",
        "startDate": round_.first_day.isoformat(),
        "endDate": round_.last_day.isoformat(),
        "eventStatus": f"{SCHEMA}/{status}",
        "eventAttendanceMode": f"{SCHEMA}/OfflineEventAttendanceMode",
        "location": {
            "@type": "Place",
            "name": venue.place_name or venue.town,
            "address": address,
            "geo": {
                "@type": "GeoCoordinates",
                "latitude": venue.latitude,
                "longitude": venue.longitude,
            },
        },
    }
    if status == "EventRescheduled" and previous_start is not None:
        event["previousStartDate"] = previous_start.isoformat()
    url = _round_url(season, round_)
    if url:
        event["url"] = url
    organizer: dict[str, Any] = {"@type": "Organization", "name": series.name}
    if is_web_address(series.url):
        organizer["url"] = series.url
    event["organizer"] = organizer
    return event


def _round_url(season: Season, round_: Round) -> str | None:
    """The round's own page; else its card on the subscribe page; else the series' site."""
    if is_web_address(round_.url):
        return round_.url
    page = page_url(season)
    if page:
        return f"{page}#{round_anchor(season, round_)}"
    return season.series.url if is_web_address(season.series.url) else None
