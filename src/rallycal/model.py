"""The season as frozen value objects.

Everything here is already validated: the loader (`rallycal.source`) is the only
place that builds these objects from untrusted text, so every function that takes a
`Season` can trust it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from operator import attrgetter
from typing import Literal

Status = Literal["confirmed", "tentative", "postponed", "cancelled"]
STATUSES: tuple[Status, ...] = ("confirmed", "tentative", "postponed", "cancelled")
DEFAULT_WINDOW = 2  # how many of the latest seasons the stable feeds carry


class _Value:
    """`__eq__`, `__hash__` and `__repr__` of the frozen dataclasses below, shared.

    They behave as the ones `dataclass` writes (same class and equal compared fields;
    the hash of their tuple; `Name(field=value, ...)`), but `dataclass` compiles each of
    those for each class at import, a third of every command's import of the model:
    the classes say `eq=False, repr=False` and inherit these.
    """

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            compared = _fields(self.__class__)[1]
            return bool(compared(self) == compared(other))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(_fields(self.__class__)[1](self))

    def __repr__(self) -> str:
        layout, _, shown = _fields(self.__class__)
        return layout.format(*shown(self))


Getter = Callable[[object], tuple[object, ...]]
_FIELDS: dict[type, tuple[str, Getter, Getter]] = {}


def _fields(cls: type) -> tuple[str, Getter, Getter]:
    """A dataclass's repr as a format (`Name(a={!r}, b={!r})`), then getters of its
    compared and shown values."""
    found = _FIELDS.get(cls)
    if found is None:
        compared = tuple(f.name for f in fields(cls) if f.compare)
        shown = tuple(f.name for f in fields(cls) if f.repr)
        layout = cls.__qualname__ + "(" + ", ".join(f"{name}={{!r}}" for name in shown) + ")"
        found = _FIELDS[cls] = (layout, _getter(compared), _getter(shown))
    return found


def _getter(names: tuple[str, ...]) -> Getter:
    """The named attributes' values as a tuple (`attrgetter` gives one name's bare value)."""
    if len(names) == 1:
        return lambda value: (getattr(value, names[0]),)
    return attrgetter(*names)


@dataclass(frozen=True, eq=False, repr=False)
class Venue(_Value):
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


@dataclass(frozen=True, eq=False, repr=False)
class ScheduleItem(_Value):
    """A timed part of a round (shakedown, a leg, a service park opening)."""

    id: str
    name: str
    local_start: datetime  # naive, in the venue's zone
    local_end: datetime  # naive, in the venue's zone
    start: datetime  # aware, UTC
    end: datetime  # aware, UTC


@dataclass(frozen=True, eq=False, repr=False)
class Round(_Value):
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


@dataclass(frozen=True, eq=False, repr=False)
class RallyClass(_Value):
    """A championship class, such as Limited 4WD."""

    id: str
    name: str
    short: str
    color: str | None = None


@dataclass(frozen=True, eq=False, repr=False)
class Crew(_Value):
    """A car and the people in it."""

    driver: str
    car: str
    class_id: str
    co_driver: str | None = None


@dataclass(frozen=True, eq=False, repr=False)
class Team(_Value):
    """An entrant: one or more crews and the rounds they enter."""

    id: str
    name: str
    short: str
    crews: tuple[Crew, ...]
    rounds: tuple[str, ...]  # ids of the rounds entered, in calendar order
    run_by: str | None = None
    notes: str | None = None
    color: str | None = None


@dataclass(frozen=True, eq=False, repr=False)
class Series(_Value):
    """The championship itself and where its feeds are published."""

    id: str
    name: str
    short: str
    url: str | None = None
    base_url: str | None = None
    color: str | None = None


@dataclass(frozen=True, eq=False, repr=False)
class Season(_Value):
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

    def with_base_url(self, base_url: str | None) -> Season:
        """The same season published somewhere else (for `--base-url`)."""
        return replace(self, series=replace(self.series, base_url=base_url))


@dataclass(frozen=True, eq=False, repr=False)
class Championship(_Value):
    """Every season in the source, oldest first: the only input every later stage needs.

    The stable feeds carry the `window` latest seasons; every season also has archive
    feeds of its own that keep it whole.
    """

    series: Series
    seasons: tuple[Season, ...]  # by year, ascending, at least one
    window: int = DEFAULT_WINDOW

    @classmethod
    def of(cls, season: Season) -> Championship:
        """A championship of one season."""
        return cls(season.series, (season,))

    @property
    def latest(self) -> Season:
        return self.seasons[-1]

    @property
    def in_window(self) -> tuple[Season, ...]:
        """The seasons the stable feeds carry: the `window` latest."""
        return self.seasons[-self.window :]

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
