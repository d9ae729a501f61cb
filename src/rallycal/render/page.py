"""The subscribe page, `index.html`: every season at a glance and every way to subscribe.

Python works out plain values here (which feeds the page offers, the links of each, the
facts of each round); `templates/index.html` lays them out, and jinja2 escapes every
value for where it goes. The only text placed unescaped is the page's own style and
script, the QR code's SVG (segno escapes its title) and the JSON-LD, which is
`json.dumps` output with `<`, `>` and `&` written as JSON escapes.

The page is a pure function of its inputs, byte-identical for the same ones: there is
no clock in it. Which season leads and which round is next depend on the viewer's day,
so `script.js` works them out in the browser from ISO days in data attributes; without
script the latest season leads and no round is marked.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from rallycal.agenda import can_be_next
from rallycal.colors import CSS_COLORS
from rallycal.model import Championship, Round, Season, Series
from rallycal.plan import (
    CHANGES,
    MANIFEST,
    PAGE,
    Feed,
    FeedKind,
    feed_path,
    feed_url,
    round_anchor,
    round_link,
    uid,
    webcal_url,
)
from rallycal.render.news import Notice
from rallycal.wording import STATUS_LABELS, day, day_span

__all__ = ["index_page"]

ENV = Environment(
    loader=PackageLoader("rallycal", "render/templates"),
    autoescape=select_autoescape(["html"]),  # style.css and script.js are not HTML
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
GOOGLE = "https://calendar.google.com/calendar/r?cid="
OUTLOOK = "https://outlook.live.com/calendar/0/addfromweb?url="
SCHEMA = "https://schema.org"
EVENT_STATUS = {"cancelled": "EventCancelled", "postponed": "EventPostponed"}
NOTICES_SHOWN = 5  # the page shows the newest few; changes.atom keeps more


@dataclass(frozen=True)
class Link:
    """A link the page shows: its words, its address and a short hint under it."""

    text: str
    short: str  # where links stand in a line: "Apple", "Google", "Outlook.com"
    href: str
    hint: str = ""


@dataclass(frozen=True)
class Offer:
    """One feed as the page offers it: subscribe links (none without a base URL), the
    https address to copy, the file to download, and its variant with reminders."""

    field: str  # the id of its address field, unique on the page
    title: str  # which feed the links are for, read out by screen readers
    links: tuple[Link, ...]
    address: str | None
    download: str  # a relative link to the file
    reminders: Offer | None = None


@dataclass(frozen=True)
class Choice:
    """A class or team a fan can follow: one folded entry of the subscribe section."""

    id: str
    name: str
    swatch: str
    count: int  # its rounds in the latest season
    offer: Offer
    run_by: str | None = None
    notes: str | None = None
    crews: tuple[str, ...] = ()


@dataclass(frozen=True)
class Card:
    """One round's card: its facts, its own feed (latest season only) and its file."""

    id: str
    number: int
    name: str
    days: str
    place: str
    status: str
    status_label: str | None  # only when it is not confirmed
    classes: tuple[tuple[str, str, str], ...]  # (short, name, swatch), when not all run it
    notes: str | None
    url: str | None
    first: str | None  # ISO days for script.js, on rounds that can be next
    last: str | None
    subscribe: Offer | None
    download: str | None
    title: str


@dataclass(frozen=True)
class SeasonView:
    """One season's section: its round cards and, once it is not the latest, the
    archive feeds that keep it whole."""

    year: int
    latest: bool
    in_window: bool
    until: str | None  # the last day of its last round going ahead
    classes_note: str
    cards: tuple[Card, ...]
    archives: tuple[tuple[str, Offer], ...]


def index_page(
    championship: Championship,
    feeds: Sequence[Feed],
    *,
    notices: Sequence[Notice] | None = None,
    previous_starts: Mapping[str, date] | None = None,
) -> bytes:
    """The page as UTF-8 bytes, from the championship and its planned feeds (`plan`).

    `notices` are the latest entries of the changes feed, newest first (None: there is
    no changes feed; empty: it has nothing yet). `previous_starts` holds a round's first
    day at the last publication, by the round's UID, for rounds that moved since.
    """
    series = championship.series
    latest = championship.latest
    by_path = {feed.path: feed for feed in feeds}
    style = ENV.get_template("style.css").render(colors=_colors(championship, feeds))
    script = ENV.get_template("script.js").render()
    page_address = series.base_url + PAGE if series.base_url else None
    context: dict[str, Any] = {
        "series": series,
        "swatch": _swatch(series.color),
        "year": latest.year,
        "subscribe": page_address is not None,
        "page_url": page_address,
        "description": _description(latest),
        "policy": _policy(style, script),
        "style": Markup(style),
        "script": Markup(script),
        "jsonld": _script_json(_events(championship, previous_starts or {})),
        "qr": _qr(page_address) if page_address else None,
        "whole": _offer_of(series, by_path, "combined", "all"),
        "classes": _classes(latest, by_path),
        "teams": _teams(latest, by_path),
        "seasons": [_season(championship, s, by_path) for s in reversed(championship.seasons)],
        "window": championship.window,
        "reminders": any(feed.reminders for feed in feeds),
        "several": len(championship.seasons) > 1,
        "notices": None if notices is None else [_notice(n) for n in notices[:NOTICES_SHOWN]],
        "changes_feed": CHANGES,
        "manifest": MANIFEST,
        "series_url": series.url if _is_web(series.url) else None,
    }
    return ENV.get_template("index.html").render(context).encode("utf-8")


def _offer(series: Series, feed: Feed, reminders: Feed | None = None) -> Offer:
    """Every way to get `feed`: subscribe links when the series has a base URL."""
    https = feed_url(series, feed.path)
    webcal = webcal_url(https)
    links: tuple[Link, ...] = ()
    if https is not None and webcal is not None:
        apple = Link("Apple Calendar", "Apple", webcal, "iPhone, iPad, Mac")
        google = Link(
            "Google Calendar",
            "Google",
            GOOGLE + quote(webcal, safe=""),
            "in a web browser, then on Android too",
        )
        outlook = Link(
            "Outlook.com",
            "Outlook.com",
            f"{OUTLOOK}{quote(https, safe='')}&name={quote(feed.title, safe='')}",
            "Outlook on the web",
        )
        if feed.reminders:  # Google Calendar ignores alarms: offered where they work
            apple = Link(apple.text, apple.short, apple.href, "iPhone, iPad, Mac: keep the alerts")
            links = (apple, outlook)
        else:
            links = (apple, google, outlook)
    return Offer(
        "address-" + feed.path.replace("/", "-").replace(".", "-"),
        feed.title,
        links,
        https,
        quote(feed.path),
        _offer(series, reminders) if reminders is not None else None,
    )


def _offer_of(
    series: Series, by_path: Mapping[str, Feed], kind: FeedKind, id_: str
) -> Offer | None:
    """The offer of a stable feed and its reminders variant, when `feeds` has it."""
    feed = by_path.get(feed_path(kind, id_))
    if feed is None:
        return None
    return _offer(series, feed, by_path.get(feed_path(kind, id_, reminders=True)))


def _classes(season: Season, by_path: Mapping[str, Feed]) -> list[Choice]:
    """The classes that run at least one round of the latest season, in its order."""
    choices = []
    for rally_class in season.classes:
        count = sum(rally_class.id in r.classes for r in season.rounds)
        offer = _offer_of(season.series, by_path, "class", rally_class.id)
        if count and offer is not None:
            choices.append(
                Choice(rally_class.id, rally_class.name, _swatch(rally_class.color), count, offer)
            )
    return choices


def _teams(season: Season, by_path: Mapping[str, Feed]) -> list[Choice]:
    """The teams that enter at least one round of the latest season, with their crews."""
    choices = []
    for team in season.teams:
        offer = _offer_of(season.series, by_path, "team", team.id)
        if not team.rounds or offer is None:
            continue
        crews = tuple(
            f"{crew.driver}{' / ' + crew.co_driver if crew.co_driver else ''}: {crew.car} "
            f"({season.rally_class(crew.class_id).name})"
            for crew in team.crews
        )
        choices.append(
            Choice(
                team.id, team.name, _swatch(team.color), len(team.rounds), offer,
                team.run_by, team.notes, crews,
            )
        )
    return choices


def _season(championship: Championship, season: Season, by_path: Mapping[str, Feed]) -> SeasonView:
    """A season's cards; the archive feeds of a season that is not the latest."""
    latest = season is championship.latest
    every = {c.id for c in season.classes}
    if len(every) < 2:
        classes_note = ""
    elif all(set(r.classes) == every for r in season.rounds):
        classes_note = "Every class runs every round."
    else:
        classes_note = "Every class runs every round, except where a round lists its classes."
    ahead = [r.last_day for r in season.rounds if can_be_next(r)]
    in_window = season.year in {s.year for s in championship.in_window}
    archives: list[tuple[str, Offer]] = []
    if not latest:
        for feed in by_path.values():
            if feed.season == season.year and feed.kind != "round" and not feed.reminders:
                name = "The whole season" if feed.kind == "combined" else feed.name
                archives.append((name, _offer(season.series, feed)))
    return SeasonView(
        season.year,
        latest,
        in_window,
        max(ahead).isoformat() if ahead else None,
        classes_note,
        tuple(_card(season, r, by_path, every, in_window=in_window) for r in season.rounds),
        tuple(archives),
    )


def _card(
    season: Season, round_: Round, by_path: Mapping[str, Feed], every: set[str], *,
    in_window: bool,
) -> Card:
    """A round's card. Only the rounds of the seasons the stable feeds carry offer their
    stable feed (`round/<id>.ics` holds that rally in those seasons); an older season's
    rounds offer their archive copy alone."""
    own = by_path.get(feed_path("round", round_.id)) if in_window else None
    copy = by_path.get(feed_path("round", round_.id, season=season.year))
    subscribe = _offer(season.series, own) if own is not None else None
    going = can_be_next(round_)
    classes: tuple[tuple[str, str, str], ...] = ()
    if set(round_.classes) != every:
        classes = tuple(
            (c.short, c.name, _swatch(c.color))
            for c in season.classes
            if c.id in round_.classes
        )
    return Card(
        id=round_anchor(season.year, round_.id),
        number=round_.number,
        name=round_.name,
        days=day_span(round_.first_day, round_.last_day),
        place=round_.venue.place,
        status=round_.status,
        status_label=None if round_.status == "confirmed" else STATUS_LABELS[round_.status],
        classes=classes,
        notes=round_.notes,
        url=round_.url if _is_web(round_.url) else None,
        first=round_.first_day.isoformat() if going else None,
        last=round_.last_day.isoformat() if going else None,
        subscribe=subscribe if subscribe is not None and subscribe.links else None,
        download=quote(copy.path) if copy is not None else None,
        title=copy.title if copy is not None else round_.name,
    )


def _notice(notice: Notice) -> dict[str, str | None]:
    """A notice as the page shows it: its day, words and link (only an http(s) one)."""
    when = notice.updated.date()
    more = notice.text.removeprefix(notice.title).lstrip(".").strip()  # what the title omits
    return {
        "day": day(when),
        "iso": when.isoformat(),
        "title": notice.title,
        "more": more,
        "link": notice.link if _is_web(notice.link) else None,
    }


def _description(season: Season) -> str:
    """One sentence about the season, for search results and shared links."""
    series = season.series
    count = len(season.rounds)
    span = ""
    if season.rounds:
        span = f", {day_span(season.rounds[0].first_day, season.rounds[-1].last_day)}"
    how = "Subscribe in" if series.base_url else "Add them to"
    return (
        f"The {season.year} {series.name}: {count} round{'s' if count != 1 else ''}{span}. "
        f"{how} Google Calendar, Apple Calendar or Outlook: every round, class and team."
    )


def _events(championship: Championship, previous: Mapping[str, date]) -> list[dict[str, Any]]:
    """A schema.org `SportsEvent` per round of the seasons the stable feeds carry,
    newest season first (`name`, `startDate` and `location` are what search requires)."""
    return [
        _event(season, r, previous.get(uid(season.series, season.year, r.id)))
        for season in reversed(championship.in_window)
        for r in season.rounds
    ]


def _event(season: Season, round_: Round, previous_start: date | None) -> dict[str, Any]:
    series = season.series
    venue = round_.venue
    status = EVENT_STATUS.get(round_.status, "EventScheduled")
    moved = previous_start is not None and previous_start != round_.first_day
    if status == "EventScheduled" and moved:
        status = "EventRescheduled"
    address = {"@type": "PostalAddress"}
    if venue.address:
        address["streetAddress"] = venue.address
    address["addressLocality"] = venue.town
    if venue.state:
        address["addressRegion"] = venue.state
    address["addressCountry"] = venue.country
    event: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "SportsEvent",
        "identifier": uid(series, season.year, round_.id),
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
    link = round_link(season, round_)
    if _is_web(link):
        event["url"] = link
    organizer = {"@type": "Organization", "name": series.name}
    if _is_web(series.url):
        organizer["url"] = series.url or ""
    event["organizer"] = organizer
    return event


def _script_json(value: object) -> Markup:
    """`value` as JSON that no text can break out of inside a `<script>` data block."""
    text = json.dumps(value, indent=1, ensure_ascii=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _qr(url: str) -> Markup:
    """The page's own address as a QR code, inline SVG sized by the CSS; dark on white
    whatever the colour scheme, so every camera reads it."""
    import segno  # here: only a page with a base URL has one (segno imports http, ssl)

    svg: str = segno.make(url, error="m", micro=False).svg_inline(
        dark="#000", light="#fff", omitsize=True, svgclass="qr-code", lineclass=None,
        title="QR code of this page's address",
    )
    return Markup(svg)


def _colors(championship: Championship, feeds: Sequence[Feed]) -> list[tuple[str, str]]:
    """Each colour the page uses, by name, with its value from the CSS colour table."""
    classes = (c for season in championship.seasons for c in season.classes)
    teams = (t for season in championship.seasons for t in season.teams)
    used = {
        championship.series.color,
        *(f.color for f in feeds),
        *(c.color for c in classes),
        *(t.color for t in teams),
    }
    return [(name, CSS_COLORS[name]) for name in sorted(c for c in used if c in CSS_COLORS)]


def _swatch(color: str | None) -> str:
    """The class that sets `--sw` to a colour; colour names are letters only."""
    return f"sw-{color}" if color in CSS_COLORS else ""


def _is_web(url: str | None) -> bool:
    """True for an http(s) address: the only kind of source address the page links to."""
    return bool(url) and urlsplit(url or "").scheme.lower() in ("http", "https")


def _policy(style: str, script: str) -> str:
    """Nothing may load; only this page's own style and script may run."""
    return (
        f"default-src 'none'; style-src '{_digest(style)}'; script-src '{_digest(script)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def _digest(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")
