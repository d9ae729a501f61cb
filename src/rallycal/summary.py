"""A one-screen plain-text summary of a season, printed by `rallycal check`."""

from __future__ import annotations

from datetime import date

from rallycal.model import Round, Season

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


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
    lines = [f"{series.name} ({series.short}), {series.season} season", "", "Rounds"]
    lines += _table([_round_row(r) for r in season.rounds])
    lines += ["", "Classes"]
    lines += _table([
        [c.id, c.name, _count(sum(c.id in r.classes for r in season.rounds), "round")]
        for c in season.classes
    ])
    lines += ["", "Teams"]
    for team in season.teams:
        entered = _count(len(team.rounds), "round")
        if len(team.rounds) < len(season.rounds):
            entered += f": {', '.join(team.rounds)}"
        lines.append(f"{team.name} ({team.id}), {entered}")
        lines += _table([
            ["", " / ".join(p for p in (crew.driver, crew.co_driver) if p), crew.car,
             season.rally_class(crew.class_id).name]
            for crew in team.crews
        ])
    return "\n".join(lines)


def _round_row(r: Round) -> list[str]:
    extras = [] if r.status == "confirmed" else [r.status]
    if r.schedule:
        extras.append(_count(len(r.schedule), "schedule item"))
    place = f"{r.venue.town}, {r.venue.state}"
    if extras:
        place += f"  ({', '.join(extras)})"
    return [f"R{r.number}", _days(r.first_day, r.last_day), r.name, place]


def _days(first: date, last: date) -> str:
    """"Fri 6 Feb – Sat 7 Feb 2026", or one day, or across a new year."""
    if first == last:
        return _day(first, year=True)
    return f"{_day(first, year=first.year != last.year)} – {_day(last, year=True)}"


def _day(day: date, *, year: bool) -> str:
    text = f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def _table(rows: list[list[str]]) -> list[str]:
    """Rows with every column but the last padded to its widest cell, two spaces apart."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  ".join([cell.ljust(width) for cell, width in zip(row, widths)] + [row[-1]]).rstrip()
        for row in rows
    ]
