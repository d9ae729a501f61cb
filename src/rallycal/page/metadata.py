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
from collections.abc import Sequence
from datetime import date

from rallycal.feeds import PAGE
from rallycal.model import Championship, Season
from rallycal.page.jsonld import json_ld
from rallycal.page.markup import opening, tag
from rallycal.wording import day_span


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
    events: Sequence[str],
) -> list[str]:
    """The `<meta>` and `<link>` lines the page's head carries besides its own, in pieces.

    `events` are the JSON-LD events of the rounds shown (`jsonld.round_event`).
    """
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
    ]
    script = opening("script", type="application/ld+json")
    meta = "\n".join(line for line in lines if line)
    return [f"{meta}\n{script}", *json_ld(events), "</script>"]


def rescheduled(page: bytes) -> dict[str, tuple[date, date]]:
    """What a published page said was rescheduled: round UID -> (previous, new first day).

    Read, never trusted: anything that is not the JSON-LD this module writes is skipped.
    """
    found: dict[str, tuple[date, date]] = {}
    if b'"previousStartDate"' not in page:  # as this module writes it: nothing rescheduled
        return found
    for block in re.findall(_LD_JSON, page, re.S):  # compiled here: rarely needed
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


_LD_JSON = rb'<script type="application/ld\+json">(.*?)</script>'
