"""Which feeds exist, which events each holds, and what those events are called.

A feed is a path in the output folder and a list of entries; an entry is one VEVENT.
The UID of an entry is derived from ids only (series, season, round, and the class,
team or schedule item it is about), never from names, dates or order, so editing a
round's name or days updates the event instead of duplicating it. Entries whose
text differs (a class feed adds the class, a team feed its crews) get their own
UIDs; the same UID always means the same event, in every feed.
"""

from __future__ import annotations

from dataclasses import dataclass

from rallycal.model import RallyClass, Round, ScheduleItem, Season, Team

KINDS = ("combined", "class", "team", "round")
UID_DOMAIN = "rallycal"


@dataclass(frozen=True)
class Entry:
    """One event in a feed: a round as seen by everyone, a class or a team; or a timed item."""

    uid: str
    round: Round
    rally_class: RallyClass | None = None
    team: Team | None = None
    item: ScheduleItem | None = None


@dataclass(frozen=True)
class Feed:
    """One calendar file in the output folder."""

    kind: str  # one of KINDS
    id: str
    path: str  # relative, with forward slashes: "class/l4wd.ics"
    title: str
    description: str
    color: str | None
    entries: tuple[Entry, ...]


def round_uid(season: Season, round_: Round, *qualifiers: str) -> str:
    """`ara.2026.sno-drift[.class.l4wd]@rallycal`: ids never contain dots, so no two collide."""
    parts = (season.series.id, str(season.year), round_.id, *qualifiers)
    return ".".join(parts) + "@" + UID_DOMAIN


def plan(season: Season) -> tuple[Feed, ...]:
    """Every feed of the season: combined, then per class, per team and per round."""
    series = season.series
    label = f"{series.short} {season.year}"
    championship = f"the {season.year} {series.name}"
    feeds = [
        Feed(
            "combined",
            "all",
            "all.ics",
            label,
            f"Every round of {championship} as all-day events on the local days at each venue.",
            series.color,
            tuple(_round_entry(season, r) for r in season.rounds),
        )
    ]
    for rally_class in season.classes:
        feeds.append(
            Feed(
                "class",
                rally_class.id,
                f"class/{rally_class.id}.ics",
                f"{label} · {rally_class.name}",
                f"The rounds of {championship} that run the {rally_class.name} class.",
                rally_class.color,
                tuple(
                    Entry(round_uid(season, r, "class", rally_class.id), r, rally_class=rally_class)
                    for r in season.rounds
                    if rally_class.id in r.classes
                ),
            )
        )
    for team in season.teams:
        feeds.append(
            Feed(
                "team",
                team.id,
                f"team/{team.id}.ics",
                f"{label} · {team.name}",
                f"The rounds of {championship} that {team.name} enters with its crews and cars.",
                team.color,
                tuple(
                    Entry(
                        round_uid(season, season.round(r), "team", team.id),
                        season.round(r),
                        team=team,
                    )
                    for r in team.rounds
                ),
            )
        )
    for round_ in season.rounds:
        items = (
            Entry(round_uid(season, round_, "item", item.id), round_, item=item)
            for item in round_.schedule
        )
        feeds.append(
            Feed(
                "round",
                round_.id,
                f"round/{round_.id}.ics",
                f"{label} · R{round_.number} {round_.name}",
                f"Round {round_.number} of {championship}: {round_.name} in {round_.venue.town}.",
                series.color,
                (_round_entry(season, round_), *items),
            )
        )
    return tuple(feeds)


def _round_entry(season: Season, round_: Round) -> Entry:
    return Entry(round_uid(season, round_), round_)


def feed_url(season: Season, path: str) -> str | None:
    """The https address of a published file, when the season has a base URL."""
    base = season.series.base_url
    return base + path if base else None


def webcal_url(url: str | None) -> str | None:
    """The same address with the `webcal://` scheme that calendar apps open."""
    if url is None:
        return None
    return "webcal://" + url.split("://", 1)[1]
