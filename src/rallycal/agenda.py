"""The season as a person scans it: which round is next, and how far off it is.

A round can be *next* when it is going ahead (confirmed or tentative, not postponed
or cancelled) and its last day has not passed. The subscribe page applies the same
rule in the browser, on the viewer's own date, to the rounds `can_be_next` allows.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from rallycal.model import Championship, Round, Season
from rallycal.wording import STATUS_LABELS, columns, day_span

GOING_AHEAD = ("confirmed", "tentative")


class Next(NamedTuple):
    """The next round as seen on one day."""

    round: Round
    days_until: int  # to its first day; 0 or less while it is running

    @property
    def running(self) -> bool:
        return self.days_until <= 0


def can_be_next(round_: Round) -> bool:
    """Whether the round is going ahead, so that it can be marked as the next one."""
    return round_.status in GOING_AHEAD


def next_round(season: Season, today: date) -> Next | None:
    """The first round going ahead whose last day is today or later, if any."""
    for round_ in season.rounds:
        if can_be_next(round_) and round_.last_day >= today:
            return Next(round_, (round_.first_day - today).days)
    return None


def until(next_: Next) -> str:
    """`on now` (from its first day), `tomorrow` or `in 12 days`."""
    if next_.running:
        return "on now"
    if next_.days_until == 1:
        return "tomorrow"
    return f"in {next_.days_until} days"


def lines(season: Season, today: date) -> list[str]:
    """The season as aligned lines of text, the next round marked with `>`."""
    series = season.series
    coming = next_round(season, today)
    every_class = {c.id for c in season.classes}
    rows = [
        [
            f"R{r.number}",
            day_span(r.first_day, r.last_day),
            r.name,
            ", ".join(p for p in (r.venue.town, r.venue.state) if p),
            STATUS_LABELS[r.status],
            "all classes"
            if set(r.classes) == every_class
            else " ".join(season.rally_class(c).short for c in r.classes),
        ]
        for r in season.rounds
    ]
    count = len(season.rounds)
    out = [f"{series.name} {season.year}: {count} round{'s' if count != 1 else ''}", ""]
    for round_, text in zip(season.rounds, columns(rows), strict=True):
        if coming is not None and coming.round == round_:
            out.append(f"> {text}  <- {_when(coming)}")
        else:
            out.append(f"  {text}".rstrip())
    out.append("")
    if coming is None:
        out.append(f"No round of the {season.year} season is still to come (as of {today}).")
    else:
        r = coming.round
        out.append(
            f"{_when(coming).capitalize()}: R{r.number} {r.name} "
            f"({day_span(r.first_day, r.last_day)}, {r.venue.place})."
        )
    return out


def _when(next_: Next) -> str:
    return until(next_) if next_.running else f"next, {until(next_)}"


def season_over(championship: Championship, today: date, source: str) -> str | None:
    """The warning for a source whose every round has passed, naming the season to add."""
    rounds = [r for season in championship.seasons for r in season.rounds]
    if not rounds or any(r.last_day >= today for r in rounds):
        return None
    latest = championship.latest
    ended = max(r.last_day for r in rounds)
    add = max(latest.year + 1, today.year)
    return (
        f"the {latest.year} season ended on {ended.isoformat()} and no later season is in "
        f"{source}; add the {add} season"
    )


def as_json(
    season: Season, today: date, championship: Championship | None = None
) -> dict[str, Any]:
    """The same, for other programs: ISO days, ids, the next round's id, and the years of
    every season in the source (`championship`, when given)."""
    series = season.series
    coming = next_round(season, today)
    return {
        "series": {"id": series.id, "name": series.name, "season": season.year},
        "season": season.year,
        "seasons": [s.year for s in championship.seasons] if championship else [season.year],
        "today": today.isoformat(),
        "next": None
        if coming is None
        else {"round": coming.round.id, "days_until": coming.days_until, "running": coming.running},
        "rounds": [
            {
                "id": r.id,
                "number": r.number,
                "name": r.name,
                "first_day": r.first_day.isoformat(),
                "last_day": r.last_day.isoformat(),
                "days": day_span(r.first_day, r.last_day),
                "town": r.venue.town,
                "state": r.venue.state,
                "country": r.venue.country,
                "timezone": r.venue.timezone,
                "status": r.status,
                "classes": list(r.classes),
                "next": coming is not None and coming.round == r,
                "days_until": (r.first_day - today).days,
            }
            for r in season.rounds
        ],
    }
