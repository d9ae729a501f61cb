"""Which feeds exist, where they live, which events each holds, and their UIDs.

A feed is a path in the output folder and a list of entries; an entry is one VEVENT.
The UID of an entry is derived from ids only (series, season year, round, and the
class, team or schedule item it is about), never from names, dates or order, so
editing a round's name or days updates the event instead of duplicating it. Entries
whose text differs (a class feed adds the class, a team feed its crews, a reminders
feed its alarms) get their own UIDs; the same UID always means the same event, in
every feed.

Two families of feeds, so that a subscription never has to change:

* **stable feeds** (`all.ics`, `class/<id>.ics`, `team/<id>.ics`, `round/<id>.ics`)
  keep their paths forever and carry the `window` latest seasons. A class, team or
  round that no season in the window has keeps its feed, holding its latest season:
  a published path never disappears and a calendar is never empty;
* **archive feeds** (`<year>/all.ics`, `<year>/class/<id>.ics`, ...) keep each season
  whole, forever.

Each stable all, class and team feed also has a **reminders** variant
(`reminders/...`), the same rounds with alarms, for fans who want them.
"""

from __future__ import annotations

import functools
import re
from typing import Literal, NamedTuple

from rallycal.model import Championship, RallyClass, Round, ScheduleItem, Season, Series, Team

FeedKind = Literal["combined", "class", "team", "round"]
KINDS: tuple[FeedKind, ...] = ("combined", "class", "team", "round")
UID_DOMAIN = "rallycal"
REMINDERS = "reminders"  # the folder of the reminders variants
PAGE = "index.html"
MANIFEST = "feeds.json"
CHANGES = "changes.atom"
_ID = "[a-z0-9][a-z0-9-]*"
_FOLDER = rf"(?:{REMINDERS}/)?(?:[0-9]{{4}}/)?(?:(?:class|team|round)/)?"
_OWN_FEED = rf"(?:{REMINDERS}/)?(?:[0-9]{{4}}/)?(?:all|(?:class|team|round)/{_ID})\.ics"


class Entry(NamedTuple):
    """One event in a feed: a round as seen by everyone, a class or a team; or a timed item.

    A named tuple, not a dataclass: a big season plans over a hundred thousand of them,
    and a tuple is made several times faster."""

    uid: str
    season: Season
    round: Round
    rally_class: RallyClass | None = None
    team: Team | None = None
    item: ScheduleItem | None = None
    reminders: bool = False

    @property
    def subject(self) -> str:
        """The round or schedule item the event is about, for grouping a report."""
        about = f"{self.season.year}/{self.round.id}"
        return f"{about}/{self.item.id}" if self.item else about


class Feed(NamedTuple):
    """One calendar file in the output folder (a named tuple, as `Entry`: a big season
    plans tens of thousands)."""

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


def feed_path(kind: FeedKind, feed_id: str, *, season: int | None = None,
              reminders: bool = False) -> str:
    """The one place the output layout is spelt: `all.ics`, `2026/team/x.ics`, ..."""
    name = "all.ics" if kind == "combined" else f"{kind}/{feed_id}.ics"
    if season is not None:
        name = f"{season}/{name}"
    return f"{REMINDERS}/{name}" if reminders else name


def is_own_feed(path: str) -> bool:
    """Whether `path` is a name rallycal gives its feeds: `all.ics`, `2026/class/x.ics`, ..."""
    return _pattern(_OWN_FEED).fullmatch(path) is not None


def is_own_path(path: str) -> bool:
    """Whether `path` is a name rallycal gives its own output files (never the manifest).

    Only such files are ever deleted: a manifest is read, not trusted.
    """
    return is_own_feed(path) or path in (PAGE, CHANGES)


def is_feed_folder(path: str) -> bool:
    """Whether a folder (relative, "" for the output folder, no trailing slash) can hold feeds."""
    return _pattern(_FOLDER).fullmatch(f"{path}/" if path else "") is not None


@functools.cache
def _pattern(text: str) -> re.Pattern[str]:
    """A pattern compiled on first use: an export into a new folder never needs these."""
    return re.compile(text)


def round_uid(season: Season, round_: Round, *qualifiers: str) -> str:
    """`ara.2026.sno-drift[.class.l4wd]@rallycal`: ids never contain dots, so no two collide."""
    return uid_of(season.series.id, season.year, round_.id, *qualifiers)


def uid_of(series_id: str, year: int, round_id: str, *qualifiers: str) -> str:
    """`round_uid` from the ids alone."""
    return ".".join((series_id, str(year), round_id, *qualifiers)) + "@" + UID_DOMAIN


def subject_of(uid: str) -> str:
    """The `Entry.subject` of a published UID, for events no longer in the plan."""
    parts = uid.split("@", 1)[0].split(".")
    subject = "/".join(parts[1:3])
    return f"{subject}/{parts[4]}" if parts[3:4] == ["item"] and len(parts) > 4 else subject


def reminder_uid(uid: str) -> str:
    """The UID of the same event with alarms: never the plain event's."""
    local, domain = uid.split("@", 1)
    return f"{local}.{REMINDERS}@{domain}"


def plain_uid(uid: str) -> str:
    """The UID of the event without alarms (itself, for a plain event)."""
    local, _, domain = uid.partition("@")
    return f"{local.removesuffix('.' + REMINDERS)}@{domain}"


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
    reminders = tuple(_with_reminders(f) for f in stable if f.kind != "round")
    archives = tuple(_archived(feed) for feeds in seasons for feed in feeds)
    return stable + reminders + archives


def _stable_feeds(championship: Championship, seasons: list[list[Feed]]) -> tuple[Feed, ...]:
    """The feeds at fixed paths: the window's seasons, or a gone id's latest season."""
    years = {season.year for season in championship.in_window}
    series = championship.series
    by_path: dict[str, list[Feed]] = {}
    order: list[str] = []
    for feeds in seasons:
        for feed in feeds:
            if feed.path not in by_path:
                by_path[feed.path] = []
                order.append(feed.path)
            by_path[feed.path].append(feed)
    feeds = []
    for path in order:
        per_season = [f for f in by_path[path] if f.entries] or by_path[path][-1:]
        current = [f for f in per_season if f.season in years and f.entries]
        feeds.append(_merge(series, per_season[-1], current or per_season[-1:], bool(current)))
    return tuple(sorted(feeds, key=lambda f: KINDS.index(f.kind)))


def _merge(series: Series, latest: Feed, feeds: list[Feed], current: bool) -> Feed:
    """One stable feed from the per-season feeds it carries (descriptions avoid commas)."""
    name = latest.name
    seasons = _seasons([f.season for f in feeds if f.season is not None])
    of = f"the {series.name} in {seasons}"
    if latest.kind == "combined":
        title = series.short
        description = f"Every round of {of} as all-day events on the local days at each venue."
    else:
        title = f"{series.short} · {name}"
        description = {
            "class": f"The rounds of {of} that run the {name} class.",
            "team": f"The rounds of {of} that {name} enters with its crews and cars.",
            "round": f"{name} in {of}.",
        }[latest.kind]
    if not current:
        description += " Not in the current seasons: this calendar keeps its last one."
    entries = feeds[0].entries if len(feeds) == 1 else tuple(e for f in feeds for e in f.entries)
    return Feed(latest.kind, latest.id, name, feed_path(latest.kind, latest.id), title,
                description, latest.color, entries)


def _seasons(years: list[int]) -> str:
    """`its 2026 season`, `its 2026 and 2027 seasons`, `its 2025 to 2027 seasons`."""
    if len(years) == 1:
        return f"its {years[0]} season"
    joiner = " and " if len(years) == 2 else " to "
    return f"its {years[0]}{joiner}{years[-1]} seasons"


def _with_reminders(feed: Feed) -> Feed:
    """The same rounds with alarms, under their own UIDs; no schedule items."""
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
    return Feed(feed.kind, feed.id, feed.name, feed_path(feed.kind, feed.id, season=feed.season),
                feed.title, feed.description, feed.color, feed.entries, feed.season)


def _season_feeds(season: Season) -> list[Feed]:
    """One season's feeds, at their stable paths: combined, then per class, per team and
    per round."""
    series = season.series
    year = season.year
    label = f"{series.short} {year}"
    championship = f"the {year} {series.name}"
    prefix = f"{series.id}.{year}."  # of every UID of the season (`round_uid`)
    suffix = "@" + UID_DOMAIN
    own = {r.id: Entry(prefix + r.id + suffix, season, r) for r in season.rounds}
    feeds = [
        Feed(
            "combined", "all", series.name, feed_path("combined", "all"), label,
            f"Every round of {championship} as all-day events on the local days at each venue.",
            series.color, tuple(own.values()), year,
        )
    ]
    running: dict[str, list[Round]] = {rally_class.id: [] for rally_class in season.classes}
    for round_ in season.rounds:
        for class_id in dict.fromkeys(round_.classes):  # each once, as the source lists them
            if class_id in running:
                running[class_id].append(round_)
    for rally_class in season.classes:
        tail = f".class.{rally_class.id}{suffix}"
        entries = tuple(
            Entry(prefix + r.id + tail, season, r, rally_class=rally_class)
            for r in running[rally_class.id]
        )
        feeds.append(Feed(
            "class", rally_class.id, rally_class.name,
            feed_path("class", rally_class.id),
            f"{label} · {rally_class.name}",
            f"The rounds of {championship} that run the {rally_class.name} class.",
            rally_class.color, entries, year,
        ))
    for team in season.teams:
        tail = f".team.{team.id}{suffix}"
        entries = tuple(
            Entry(prefix + r + tail, season, season.round(r), team=team) for r in team.rounds
        )
        feeds.append(Feed(
            "team", team.id, team.name, feed_path("team", team.id),
            f"{label} · {team.name}",
            f"The rounds of {championship} that {team.name} enters with its crews and cars.",
            team.color, entries, year,
        ))
    for round_ in season.rounds:
        items = (
            Entry(round_uid(season, round_, "item", item.id), season, round_, item=item)
            for item in round_.schedule
        )
        feeds.append(Feed(
            "round", round_.id, round_.name, feed_path("round", round_.id),
            f"{label} · R{round_.number} {round_.name}",
            f"Round {round_.number} of {championship}: {round_.name} in {round_.venue.town}.",
            series.color, (own[round_.id], *items), year,
        ))
    return feeds
