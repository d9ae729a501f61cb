"""A plain-text summary of the source, printed by `rallycal check`: a short block per
season, the latest in full, and which seasons the stable feeds carry."""

from __future__ import annotations

from rallycal.model import Championship, Round, Season
from rallycal.wording import columns, day_span, listing


def championship_summary(championship: Championship, source: str) -> list[str]:
    """Every season in one line each, the latest in full, and where each is published."""
    seasons = championship.seasons
    years = [s.year for s in seasons]
    if len(seasons) == 1:
        head = f"{source}: OK, the {years[0]} season: {season_counts(seasons[0])}"
    else:
        rounds = sum(len(s.rounds) for s in seasons)
        head = (
            f"{source}: OK, {_count(len(seasons), 'season')} ({', '.join(map(str, years))}), "
            f"{_count(rounds, 'round')}"
        )
    window = [s.year for s in championship.in_window]
    lines = [
        head,
        f"The stable feeds (all.ics, class/, team/, round/) carry the {listing(window)} "
        f"season{'s' if len(window) != 1 else ''};",
        f"each season is also kept whole in its archive ({', '.join(f'{y}/' for y in years)}).",
        "",
    ]
    for season in seasons[:-1]:
        lines.append(season_line(season))
    if len(seasons) > 1:
        lines.append("")
    lines += season_summary(championship.latest).splitlines()
    return lines


def season_line(season: Season) -> str:
    """"2025 season: 8 rounds, 4 classes, 3 teams; Fri 7 Feb – Sat 11 Oct 2025"."""
    line = f"{season.year} season: {season_counts(season)}"
    if season.rounds:
        first = min(r.first_day for r in season.rounds)
        last = max(r.last_day for r in season.rounds)
        line += f"; {day_span(first, last)}"
    return line


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
