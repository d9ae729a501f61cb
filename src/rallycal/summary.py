"""A one-screen plain-text summary of a season, printed by `rallycal check`."""

from __future__ import annotations

from rallycal.model import Round, Season
from rallycal.wording import columns, day_span


def season_counts(season: Season) -> str:
    """"8 rounds, 4 classes, 3 teams"."""
    return ", ".join((
        _count(len(season.rounds), "round"),
        _count(len(season.classes), "class", "classes"),
        _count(len(season.teams), "team"),
    ))


def season_summary(season: Season) -> str:
    """The series, then one line per round, class, team and crew."""
    series = season.series
    lines = [f"{series.name} ({series.short}), {season.year} season", "", "Rounds"]
    lines += columns([_round_row(r) for r in season.rounds])
    lines += ["", "Classes"]
    lines += columns([
        [c.id, c.name, _count(sum(c.id in r.classes for r in season.rounds), "round")]
        for c in season.classes
    ])
    lines += ["", "Teams"]
    for team in season.teams:
        entered = _count(len(team.rounds), "round")
        if len(team.rounds) < len(season.rounds):
            entered += f": {', '.join(team.rounds)}"
        lines.append(f"{team.name} ({team.id}), {entered}")
        lines += columns([
            ["", " / ".join(p for p in (crew.driver, crew.co_driver) if p), crew.car,
             season.rally_class(crew.class_id).name]
            for crew in team.crews
        ])
    return "\n".join(lines)


def _round_row(r: Round) -> list[str]:
    extras: list[str] = [] if r.status == "confirmed" else [r.status]
    if r.schedule:
        extras.append(_count(len(r.schedule), "schedule item"))
    place = f"{r.venue.town}, {r.venue.state}"
    if extras:
        place += f"  ({', '.join(extras)})"
    return [f"R{r.number}", day_span(r.first_day, r.last_day), r.name, place]


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"
