"""Which feeds exist, where they live, which events each holds, and their UIDs.

A feed is a path in the output folder and a list of entries; an entry is one VEVENT.
An entry's UID comes from ids only (series, season year, round, and the class, team or
schedule item it is about), never from names, dates or order, so editing a round's
name or days updates the event instead of duplicating it. Entries whose text differs
(a class feed adds the class, a team feed its crews, a reminders feed its alarms) get
UIDs of their own; the same UID always means the same event, in every feed.

Two families of feeds, so that a subscription never has to change:

* **stable feeds** (`all.ics`, `class/<id>.ics`, `team/<id>.ics`, `round/<id>.ics`)
  keep their paths forever and carry the `window` latest seasons. A class, team or
  round that no season in the window has keeps its feed, holding its latest season:
  a published path never disappears and a calendar is never empty;
* **archive feeds** (`<year>/all.ics`, `<year>/class/<id>.ics`, ...) keep each season
  whole, forever.

Each stable all, class and team feed also has a **reminders** variant
(`reminders/...`): the same rounds with alarms, for fans who want them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rallycal.model import Championship, RallyClass, Round, ScheduleItem, Season, Series, Team

FeedKind = Literal["combined", "class", "team", "round"]
KINDS: tuple[FeedKind, ...] = ("combined", "class", "team", "round")
OLD_UID_DOMAIN = "@rallycal"  # the UID suffix of seasons up to `Series.old_uids_through`
REMINDERS = "reminders"  # the folder of the reminders variants, and their UIDs' mark
PAGE = "index.html"
MANIFEST = "feeds.json"
CHANGES = "changes.atom"
_ID = "[a-z0-9][a-z0-9-]*"
_FOLDER = re.compile(rf"(?:{REMINDERS}/)?(?:[0-9]{{4}}/)?(?:(?:class|team|round)/)?")
_OWN_FEED = re.compile(
    rf"(?:{REMINDERS}/)?(?:[0-9]{{4}}/)?(?:all|(?:class|team|round)/{_ID})\.ics"
)


@dataclass(frozen=True)
class Entry:
    """One event in a feed: a round as seen by everyone, by a class or by a team; or one
    of the round's timed items."""

    uid: str
    season: Season
    round: Round
    rally_class: RallyClass | None = None
    team: Team | None = None
    item: ScheduleItem | None = None
    reminders: bool = False


@dataclass(frozen=True)
class Feed:
    """One calendar file in the output folder."""

    kind: FeedKind
    id: str
    name: str  # what it is about: the series', a class's, a team's or a round's name
    path: str  # relative, with forward slashes: "class/l4wd.ics", "2026/class/l4wd.ics"
    title: str
    description: str
    color: str | None
    entries: tuple[Entry, ...]
    season: int | None = None  # the archived season's year; None for a stable feed
    reminders: bool = False  # the variant with alarms


def feed_path(
    kind: FeedKind, feed_id: str, *, season: int | None = None, reminders: bool = False
) -> str:
    """The one place the output layout is spelt: `all.ics`, `2026/team/x.ics`, ..."""
    name = "all.ics" if kind == "combined" else f"{kind}/{feed_id}.ics"
    if season is not None:
        name = f"{season}/{name}"
    return f"{REMINDERS}/{name}" if reminders else name


def is_own_feed(path: str) -> bool:
    """Whether `path` is a name rallycal gives its feeds: `all.ics`, `2026/class/x.ics`, ..."""
    return _OWN_FEED.fullmatch(path) is not None


def is_own_path(path: str) -> bool:
    """Whether `path` is a name rallycal gives its output files (feeds, page, changes feed).

    Only such files are ever deleted; the manifest is rewritten, never deleted.
    """
    return is_own_feed(path) or path in (PAGE, CHANGES)


def is_feed_folder(path: str) -> bool:
    """Whether a folder (relative, "" for the output folder) can hold feeds."""
    return _FOLDER.fullmatch(f"{path}/" if path else "") is not None


def uid(series: Series, year: int, round_id: str, *qualifiers: str) -> str:
    """`ara.2027.sno-drift[.class.l4wd]`; ids never contain dots, so no two collide.

    Seasons up to `series.old_uids_through` keep the `@rallycal` suffix they were
    published with: a published UID never changes. Later seasons use only letters,
    digits, dots and hyphens, which file-name-keyed sync tools (vdirsyncer, khal) keep
    as the event's identity instead of replacing it with a content hash.
    """
    local = ".".join((series.id, str(year), round_id, *qualifiers))
    old = series.old_uids_through is not None and year <= series.old_uids_through
    return local + OLD_UID_DOMAIN if old else local


def reminder_uid(plain: str) -> str:
    """The UID of the same event with alarms: never the plain event's."""
    local, at, domain = plain.partition("@")
    return f"{local}.{REMINDERS}{at}{domain}"


def plain_uid(any_uid: str) -> str:
    """The UID of the event without alarms (itself, for a plain event)."""
    local, at, domain = any_uid.partition("@")
    return f"{local.removesuffix('.' + REMINDERS)}{at}{domain}"


def parse_uid(any_uid: str) -> tuple[int, str, str | None] | None:
    """The season year, round id and timed item id (if any) a UID is about, or None for
    a UID rallycal did not make."""
    parts = plain_uid(any_uid).partition("@")[0].split(".")
    if len(parts) < 3 or not parts[1].isdigit():
        return None
    item = parts[4] if parts[3:4] == ["item"] and len(parts) > 4 else None
    return int(parts[1]), parts[2], item


def round_anchor(year: int, round_id: str) -> str:
    """The id of a round's card on the page: round ids recur each season, years do not."""
    return f"round-{year}-{round_id}"


def round_link(season: Season, round_: Round) -> str | None:
    """Where a fan reads more about one round: its own page, else its card on the
    subscribe page (with a base URL), else the series' site."""
    if round_.url:
        return round_.url
    base_url = season.series.base_url
    if base_url:
        return f"{base_url}{PAGE}#{round_anchor(season.year, round_.id)}"
    return season.series.url


def feed_url(series: Series, path: str) -> str | None:
    """The https address of a published file, when the series has a base URL."""
    return series.base_url + path if series.base_url else None


def webcal_url(url: str | None) -> str | None:
    """The same address with the `webcal://` scheme that calendar apps open."""
    if url is None:
        return None
    return "webcal://" + url.split("://", 1)[1]


def plan(championship: Championship) -> tuple[Feed, ...]:
    """Every feed: the stable ones, their reminders variants, then each season's archive."""
    seasons = [_season_feeds(season) for season in championship.seasons]
    stable = _stable_feeds(championship, seasons)
    reminders = tuple(_with_reminders(feed) for feed in stable if feed.kind != "round")
    archives = tuple(_archived(feed) for feeds in seasons for feed in feeds)
    return stable + reminders + archives


def _stable_feeds(championship: Championship, seasons: list[list[Feed]]) -> tuple[Feed, ...]:
    """The feeds at fixed paths: the window's seasons, or a gone id's latest season."""
    years = {season.year for season in championship.in_window}
    by_path: dict[str, list[Feed]] = {}
    for feeds in seasons:
        for feed in feeds:
            by_path.setdefault(feed.path, []).append(feed)
    merged = []
    for per_path in by_path.values():
        with_events = [feed for feed in per_path if feed.entries] or per_path[-1:]
        current = [feed for feed in with_events if feed.season in years and feed.entries]
        merged.append(
            _merge(championship.series, with_events[-1], current or with_events[-1:], bool(current))
        )
    return tuple(sorted(merged, key=lambda feed: KINDS.index(feed.kind)))


def _merge(series: Series, latest: Feed, feeds: list[Feed], current: bool) -> Feed:
    """One stable feed from the per-season feeds it carries (descriptions avoid commas:
    some readers cut a calendar's description at its first one)."""
    name = latest.name
    of = f"the {series.name} in {_seasons([f.season for f in feeds if f.season is not None])}"
    if latest.kind == "combined":
        title = series.short
        description = f"Every round of {of} as all-day events on the local days at each venue."
    else:
        title = f"{series.short} · {name}"
        description = {
            "class": f"The rounds of {of} that run the {name} class.",
            "team": f"The rounds of {of} entered by {name} with the crews and cars.",
            "round": f"{name} in {of}.",
        }[latest.kind]
    if not current:
        description += " Not in the current seasons: this calendar keeps its last one."
    entries = tuple(entry for feed in feeds for entry in feed.entries)
    return Feed(
        latest.kind, latest.id, name, feed_path(latest.kind, latest.id), title,
        description, latest.color, entries,
    )


def _seasons(years: list[int]) -> str:
    """`its 2026 season`, `its 2026 and 2027 seasons`, `its 2025 to 2027 seasons`."""
    if len(years) == 1:
        return f"its {years[0]} season"
    joiner = " and " if len(years) == 2 else " to "
    return f"its {years[0]}{joiner}{years[-1]} seasons"


def _with_reminders(feed: Feed) -> Feed:
    """The same rounds with alarms, under their own UIDs; no timed items."""
    entries = tuple(
        Entry(reminder_uid(e.uid), e.season, e.round, e.rally_class, e.team, reminders=True)
        for e in feed.entries
        if e.item is None
    )
    return Feed(
        feed.kind, feed.id, feed.name, feed_path(feed.kind, feed.id, reminders=True),
        f"{feed.title} (reminders)",
        f"{feed.description} With reminders the evening before and a week before each round.",
        feed.color, entries, reminders=True,
    )


def _archived(feed: Feed) -> Feed:
    """A season's feed in that season's archive folder (the same events, for ever)."""
    return Feed(
        feed.kind, feed.id, feed.name, feed_path(feed.kind, feed.id, season=feed.season),
        feed.title, feed.description, feed.color, feed.entries, feed.season,
    )


def _season_feeds(season: Season) -> list[Feed]:
    """One season's feeds, at their stable paths: combined, then per class, per team and
    per round."""
    series = season.series
    year = season.year
    label = f"{series.short} {year}"
    championship = f"the {year} {series.name}"
    own = {r.id: Entry(uid(series, year, r.id), season, r) for r in season.rounds}
    feeds = [
        Feed(
            "combined", "all", series.name, feed_path("combined", "all"), label,
            f"Every round of {championship} as all-day events on the local days at each venue.",
            series.color, tuple(own.values()), year,
        )
    ]
    for rally_class in season.classes:
        entries = tuple(
            Entry(uid(series, year, r.id, "class", rally_class.id), season, r, rally_class)
            for r in season.rounds
            if rally_class.id in r.classes
        )
        feeds.append(Feed(
            "class", rally_class.id, rally_class.name, feed_path("class", rally_class.id),
            f"{label} · {rally_class.name}",
            f"The rounds of {championship} that run the {rally_class.name} class.",
            rally_class.color, entries, year,
        ))
    for team in season.teams:
        entries = tuple(
            Entry(uid(series, year, r, "team", team.id), season, season.round(r), team=team)
            for r in team.rounds
        )
        feeds.append(Feed(
            "team", team.id, team.name, feed_path("team", team.id),
            f"{label} · {team.name}",
            f"The rounds of {championship} entered by {team.name} with the crews and cars.",
            team.color, entries, year,
        ))
    for round_ in season.rounds:
        items = tuple(
            Entry(uid(series, year, round_.id, "item", item.id), season, round_, item=item)
            for item in round_.schedule
        )
        feeds.append(Feed(
            "round", round_.id, round_.name, feed_path("round", round_.id),
            f"{label} · R{round_.number} {round_.name}",
            f"Round {round_.number} of {championship}: {round_.name} in {round_.venue.town}.",
            series.color, (own[round_.id], *items), year,
        ))
    return feeds
