"""The season as frozen value objects.

Everything here is already validated: the loader (`rallycal.source`) is the only
place that builds these objects from untrusted text, so every function that takes a
`Season` can trust it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

STATUSES = ("confirmed", "tentative", "postponed", "cancelled")


@dataclass(frozen=True)
class Venue:
    """Where a round is based: a town, its IANA time zone and its approximate centre."""

    town: str
    state: str
    country: str
    timezone: str
    latitude: float
    longitude: float

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
    status: str = "confirmed"
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
    season: int
    url: str | None = None
    base_url: str | None = None
    color: str | None = None


@dataclass(frozen=True)
class Season:
    """A whole season: the only input every later stage needs."""

    series: Series
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

    def with_base_url(self, base_url: str | None) -> Season:
        """The same season published somewhere else (for `--base-url`)."""
        from dataclasses import replace

        return replace(self, series=replace(self.series, base_url=base_url))
