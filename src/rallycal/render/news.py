"""What fans are told about an export's changes: one notice per round, in plain words.

Only a round's own event (shared by the stable and archive feeds) and its timed items
count: the class, team and reminders copies say the same again. Each notice names its
round with the season's year and days, so it reads right whatever seasons the source
holds by then. Wording and link changes are not news.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from rallycal.model import Championship, Round, Season
from rallycal.plan import PAGE, round_link, uid
from rallycal.publication import TIME, EventChange, Notice
from rallycal.wording import STATUS_LABELS, clock, day, day_span

__all__ = ["Notice", "gone_label", "local_span", "notices", "round_label"]

NEWS = ("dates", "times", "place", "status", "title")  # the differences fans hear of


def round_label(year: int, round_: Round) -> str:
    """`Rally Colorado, Sat 18 – Sun 19 Jul 2026 (2026 round 5)`."""
    return (
        f"{round_.name}, {day_span(round_.first_day, round_.last_day)} "
        f"({year} round {round_.number})"
    )


def notices(
    championship: Championship, changes: Sequence[EventChange], now: datetime
) -> list[Notice]:
    """The notices of one export's changes, in the source's order of seasons and rounds."""
    said: list[tuple[str, str, str | None]] = []  # title, text, link
    added: dict[int, list[Round]] = {}
    archived: list[int] = []
    base_url = championship.series.base_url
    page = f"{base_url}{PAGE}" if base_url else None  # for news of no one round
    for change in changes:
        about = change.about
        if about is None:
            continue
        year, round_id, item_id = about
        own = uid(championship.series, year, round_id, *(("item", item_id) if item_id else ()))
        if change.uid != own:
            continue  # a class's, a team's or a reminders copy
        round_ = championship.round_of(year, round_id)
        if change.kind == "archived":
            if year not in archived and item_id is None:
                archived.append(year)
        elif change.kind == "removed" and item_id is None:
            label = gone_label(change)
            said.append((f"{label}: taken off the calendar",
                         f"{label} was taken off the calendar.", page))
        elif round_ is None:
            continue
        elif change.kind == "added" and item_id is None:
            added.setdefault(year, []).append(round_)
        elif change.kind == "changed":
            found = _changed(round_, item_id, change)
            if found:
                label = round_label(year, round_)
                link = round_link(championship.season(year), round_)
                said.append((f"{label}: {'; '.join(found)}", f"{label}: {'; '.join(found)}.", link))
    for year, rounds in added.items():
        said.extend(_added(championship.season(year), rounds))
    for year in archived:
        said.append((
            f"The {year} season has left the whole-season calendars",
            f"The {year} season has left the whole-season calendars; it stays complete in "
            f"{year}/all.ics.",
            page,
        ))
    key = f"rallycal:{championship.series.id}:{now.astimezone(timezone.utc).strftime(TIME)}"
    return [
        Notice(f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, key + text)}", now, title, text, link)
        for title, text, link in said
    ]


def _changed(round_: Round, item_id: str | None, change: EventChange) -> list[str]:
    """What changed, in a few words each: "moved from ...", "now cancelled (was ...)"."""
    found = {d.what: d for d in change.differences if d.what in NEWS}
    said = []
    if item_id is not None:
        item = next((i for i in round_.schedule if i.id == item_id), None)
        times = found.get("times")
        if item is not None and times is not None:
            zone = ZoneInfo(round_.venue.timezone)
            old, new = local_span(times.old, zone), local_span(times.new, zone)
            if old and new:
                said.append(f"{item.name} moved from {old} to {new} (local time)")
        return said
    dates = found.get("dates")
    if dates is not None and dates.old:
        said.append(f"moved from {dates.old}")
    place = found.get("place")
    if place is not None and place.new:
        said.append(f"new venue {place.new} (was {place.old})")
    status = found.get("status")
    if status is not None and status.old in STATUS_LABELS and status.new in STATUS_LABELS:
        said.append(f"now {status.new} (was {status.old})")
    title = found.get("title")
    if title is not None and title.old and _name(title.old) != round_.name:
        said.append(f"renamed from {_name(title.old)}")
    return said


def gone_label(change: EventChange) -> str:
    """A round no longer in the source, as it was last published: its name, days, season
    and number, read from its event (`Olympus Rally, Fri 17 – Sun 19 Apr 2026 (2026
    round 3)`)."""
    year = change.about[0] if change.about else ""
    number = re.search(r" R(\d+): ", change.title)
    which = f"{year} round {number[1]}" if number else f"{year}"
    days = next((d.old for d in change.differences if d.what == "dates" and d.old), None)
    name = _name(change.title)
    return f"{name}, {days} ({which})" if days else f"{name} ({which})"


def _name(title: str) -> str:
    """A round's name from an event title: `[Cancelled] ARA R3: Olympus Rally`."""
    return title.split(": ", 1)[1] if ": " in title else title


def local_span(value: str | None, zone: ZoneInfo) -> str | None:
    """`2026-02-06 14:00 UTC – 2026-02-06 17:00 UTC` as local time at the venue."""
    if value is None or " – " not in value:
        return None
    try:
        start, end = (
            datetime.strptime(part, "%Y-%m-%d %H:%M UTC").replace(tzinfo=timezone.utc)
            .astimezone(zone)
            for part in value.split(" – ", 1)
        )
    except ValueError:
        return None
    text = f"{day(start.date())}, {clock(start)}"
    if end.date() == start.date():
        return f"{text}–{clock(end)}"
    return f"{text} – {day(end.date())} {clock(end)}"


def _added(season: Season, rounds: list[Round]) -> list[tuple[str, str, str | None]]:
    """New rounds: the whole calendar of a new season, or single rounds added to one."""
    def line(r: Round) -> str:
        status = f" ({STATUS_LABELS[r.status].lower()})" if r.status != "confirmed" else ""
        return f"R{r.number} {r.name}: {day_span(r.first_day, r.last_day)}, {r.venue.town}{status}."

    if len(rounds) == len(season.rounds):
        count = f"{len(rounds)} round{'s' if len(rounds) != 1 else ''}"
        page = f"{season.series.base_url}{PAGE}" if season.series.base_url else None
        return [(
            f"The {season.year} calendar is published: {count}",
            f"The {season.year} calendar is published: {count}.\n"
            + "\n".join(line(r) for r in rounds),
            page,
        )]
    return [
        (f"New round: {round_label(season.year, r)}",
         f"New in the {season.year} calendar: {line(r)}", round_link(season, r))
        for r in rounds
    ]
