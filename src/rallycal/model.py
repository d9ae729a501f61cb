"""The season as frozen value objects.

Everything here is already validated: the loader (`rallycal.source`) is the only
place that builds these objects from untrusted text, so every function that takes a
`Season` can trust it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Literal

Status = Literal["confirmed", "tentative", "postponed", "cancelled"]
STATUSES: tuple[Status, ...] = ("confirmed", "tentative", "postponed", "cancelled")
DEFAULT_WINDOW = 2  # how many of the latest seasons the stable feeds carry


@dataclass(frozen=True)
class Venue:
    """Where a round is based: a town, its IANA time zone and its approximate centre."""

    town: str
    state: str
    country: str
    timezone: str
    latitude: float
    longitude: float
    place_name: str | None = None  # a named site, such as the rally HQ or service park
    address: str | None = None  # its street address, for maps

    @property
    def place(self) -> str:
        """The place as a person writes it: "Atlanta, Michigan, United States"."""
        return ", ".join(part for part in (self.town, self.state, self.country) if part)


@dataclass(frozen=True)
class ScheduleItem:
    """A timed part of a round (shakedown, a leg, a service park opening)."""

    id: str
    name: str
    local_start: datetime  # naive, in the venue's zone
    local_end: datetime  # naive, in the venue's zone
    start: datetime  # aware, UTC
    end: datetime  # aware, UTC


@dataclass(frozen=True)
class Round:
    """One round of the championship, held over whole local days."""

    id: str
    number: int  # 1-based, in calendar order
    name: str
    first_day: date
    last_day: date
    venue: Venue
    classes: tuple[str, ...]  # ids of the classes that run this round
    status: Status = "confirmed"
    notes: str | None = None
    url: str | None = None
    schedule: tuple[ScheduleItem, ...] = ()


@dataclass(frozen=True)
class RallyClass:
    """A championship class, such as Limited 4WD."""

    id: str
    name: str
    short: str
    color: str | None = None


@dataclass(frozen=True)
class Crew:
    """A car and the people in it."""

    driver: str
    car: str
    class_id: str
    co_driver: str | None = None


@dataclass(frozen=True)
class Team:
    """An entrant: one or more crews and the rounds they enter."""

    id: str
    name: str
    short: str
    crews: tuple[Crew, ...]
    rounds: tuple[str, ...]  # ids of the rounds entered, in calendar order
    run_by: str | None = None
    notes: str | None = None
    color: str | None = None


@dataclass(frozen=True)
class Series:
    """The championship itself and where its feeds are published."""

    id: str
    name: str
    short: str
    url: str | None = None
    base_url: str | None = None
    color: str | None = None
    old_uids_through: int | None = None


@dataclass(frozen=True)
class Season:
    """One year of the championship: its classes, rounds and teams."""

    series: Series
    year: int
    rounds: tuple[Round, ...]  # in calendar order
    classes: tuple[RallyClass, ...]
    teams: tuple[Team, ...]
    _rounds_by_id: dict[str, Round] = field(init=False, repr=False, compare=False)
    _classes_by_id: dict[str, RallyClass] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_rounds_by_id", {r.id: r for r in self.rounds})
        object.__setattr__(self, "_classes_by_id", {c.id: c for c in self.classes})

    def round(self, round_id: str) -> Round:
        return self._rounds_by_id[round_id]

    def rally_class(self, class_id: str) -> RallyClass:
        return self._classes_by_id[class_id]


@dataclass(frozen=True)
class Championship:
    """Every season in the source, oldest first: the only input every later stage needs.

    The stable feeds carry the `window` latest seasons; every season also has archive
    feeds of its own that keep it whole.
    """

    series: Series
    seasons: tuple[Season, ...]  # by year, ascending, at least one
    window: int = DEFAULT_WINDOW

    @property
    def latest(self) -> Season:
        return self.seasons[-1]

    @property
    def in_window(self) -> tuple[Season, ...]:
        """The seasons the stable feeds carry: the `window` latest."""
        return self.seasons[-self.window :]

    def round_of(self, year: int, round_id: str) -> Round | None:
        """The round of that id in the season of that year, if the source has them."""
        season = next((s for s in self.seasons if s.year == year), None)
        return next((r for r in season.rounds if r.id == round_id), None) if season else None

    def season(self, year: int) -> Season:
        for season in self.seasons:
            if season.year == year:
                return season
        raise KeyError(year)

    def current(self, today: date) -> Season:
        """The latest season with a round on or after `today`, else the latest."""
        for season in reversed(self.seasons):
            if any(r.last_day >= today for r in season.rounds):
                return season
        return self.latest

    def with_base_url(self, base_url: str | None) -> Championship:
        """The same championship published somewhere else (for `--base-url`)."""
        series = replace(self.series, base_url=base_url)
        seasons = tuple(replace(s, series=series) for s in self.seasons)
        return replace(self, series=series, seasons=seasons)
