"""The rounds of a season: days, venue, the classes that run them and their timed items.

The keys each takes are in the tables of `rallycal.source.schema` (ROUND, VENUE,
SCHEDULE_ITEM); a round with any problem builds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from yaml.nodes import Node

from rallycal.model import Round, ScheduleItem, Status, Venue
from rallycal.source.reader import Report
from rallycal.source.schema import ROUND, SCHEDULE_ITEM, VENUE, Fields, Structure, label
from rallycal.source.values import FIRST_YEAR, LAST_YEAR, Values

MAX_ROUND_DAYS = 14  # a round lasts at most 14 days


class RoundChecks(Structure):
    """Checks and builds rounds; knows the season's year and classes once they are read."""

    def __init__(self, report: Report, year: int | None, where: str, of_season: str) -> None:
        super().__init__(Values(report))
        self.season_year = year
        self.where = where  # how messages name the season: "the file", "the 2027 season"
        self.of_season = of_season  # what follows an item's name: "", " of the 2027 season"
        self.class_ids: dict[str, Node] | None = None  # None: the section is unusable
        self.round_ids: dict[str, Node] | None = None
        self.classes_of: dict[str, tuple[str, ...] | None] = {}
        self.round_order: dict[str, int] = {}

    def rounds(self, node: Node | None) -> list[Round]:
        items = self.items(node, f"'rounds' in {self.where}", "add at least one round")
        if items is None:
            return []
        seen: dict[str, Node] = {}
        self.round_ids = seen
        found = [r for index, item in enumerate(items, 1) if (r := self.round(item, index, seen))]
        found.sort(key=lambda r: (r.first_day, r.last_day))
        self.round_order = {r.id: number for number, r in enumerate(found, 1)}
        return [replace(r, number=number) for number, r in enumerate(found, 1)]

    def round(self, node: Node, index: int, seen: dict[str, Node]) -> Round | None:
        owner = label(node, "round", index) + self.of_season
        before = self.problems()
        f = self.mapping(node, owner, owner, ROUND)
        if f is None:
            return None
        round_id = self.unique_id(f, owner, "round", seen)
        days = self.round_days(f)
        venue, zone = self.venue(f.nodes.get("venue"), owner)
        classes = self.round_classes(f, round_id, owner)
        schedule = self.schedule(f.nodes.get("schedule"), owner, days, zone)
        if (f.missing or round_id is None or venue is None or schedule is None
                or self.problems() > before):
            return None
        return Round(
            id=round_id,
            number=0,
            name=f.need("name", str),
            first_day=f.need("first_day", date),
            last_day=f.need("last_day", date),
            venue=venue,
            classes=classes,
            status=_status(f.get("status", str)),
            notes=f.get("notes", str),
            url=f.get("url", str),
            schedule=tuple(schedule),
        )

    def round_days(self, f: Fields) -> tuple[date, date] | None:
        """The first and last day of a round, when both are right for its season."""
        first, last = f.get("first_day", date), f.get("last_day", date)
        year = self.season_year
        if first and year and first.year not in (year, year + 1):
            guess = likely_day(first, (year, year + 1), lambda day: True)
            hint = f"did you mean {guess}?" if guess else "fix the year"
            self.add(f.at("first_day"), f"first_day {first} is not in the {year} season (its "
                                        f"rounds start in {year} or {year + 1}); {hint}")
            first = None
        if not (first and last):
            return None
        if last < first:
            self.add(f.at("last_day"), f"last_day {last} is before first_day {first}; swap "
                                       "them or fix the date")
            return None
        if (last - first).days >= MAX_ROUND_DAYS:
            guess = likely_day(last, (first.year, first.year + 1),
                               lambda day: 0 <= (day - first).days < MAX_ROUND_DAYS)
            hint = f"did you mean {guess}?" if guess else "fix the date"
            self.add(f.at("last_day"), f"last_day {last} is {(last - first).days} days after "
                                       f"first_day {first}, and a round lasts at most "
                                       f"{MAX_ROUND_DAYS} days; {hint}")
            return None
        if not year and not FIRST_YEAR <= first.year <= LAST_YEAR + 1:
            return None  # days far from any season's: the day after may not exist
        return first, last

    def round_classes(self, f: Fields, round_id: str | None, owner: str) -> tuple[str, ...]:
        """The ids of the classes that run a round, noted for the teams' checks."""
        before = self.problems()
        if "classes" in f:
            runs = self.references(f.at("classes"), "classes", owner, "class", "classes",
                                   self.class_ids,
                                   "list class ids, or delete the line to run every class")
            classes = tuple(value for _, value in runs)
        else:
            classes = tuple(self.class_ids or ())
        if round_id:  # which classes run here is unknown if they could not all be checked
            known = self.class_ids is not None and self.problems() == before
            self.classes_of[round_id] = classes if known else None
        return classes

    def venue(self, node: Node | None, round_owner: str) -> tuple[Venue | None, ZoneInfo | None]:
        """The venue, and its time zone when that alone could be checked."""
        owner = f"the venue of {round_owner}"
        before = self.problems()
        f = self.mapping(node, f"'venue' in {round_owner}", owner, VENUE)
        if f is None:
            return None, None
        name = f.get("timezone", str)
        zone = ZoneInfo(name) if name else None
        if f.missing or self.problems() > before:
            return None, zone
        return Venue(
            town=f.need("town", str),
            state=f.need("state", str),
            country=f.need("country", str),
            timezone=f.need("timezone", str),
            latitude=f.need("latitude", float),
            longitude=f.need("longitude", float),
            place_name=f.get("place", str),
            address=f.get("address", str),
        ), zone

    def schedule(self, node: Node | None, round_owner: str, days: tuple[date, date] | None,
                 zone: ZoneInfo | None) -> list[ScheduleItem] | None:
        """The round's timed items (None if any has a problem)."""
        seen: dict[str, Node] = {}
        items = self.items(node, f"'schedule' in {round_owner}") or []
        found = [self.schedule_item(item, index, round_owner, days, zone, seen)
                 for index, item in enumerate(items, 1)]
        checked = [item for item in found if item]
        return checked if len(checked) == len(found) else None

    def schedule_item(self, node: Node, index: int, round_owner: str,
                      days: tuple[date, date] | None, zone: ZoneInfo | None,
                      seen: dict[str, Node]) -> ScheduleItem | None:
        owner = f"{label(node, 'schedule item', index)} of {round_owner}"
        before = self.problems()
        f = self.mapping(node, owner, owner, SCHEDULE_ITEM)
        if f is None:
            return None
        item_id = self.unique_id(f, owner, "schedule item", seen)
        day = f.get("day", date)
        end_day = f.get("end_day", date) if "end_day" in f else day
        start, end = f.get("start", time), f.get("end", time)
        if days is None:  # the round's days are unknown, or wrong: nothing to compare with
            return None
        if day and not days[0] <= day <= days[1]:
            self.add(f.at("day"), f"day {day} is not a day of the round ({days[0]} to "
                                  f"{days[1]}); use one of its days")
            day = None
        if day and end_day and "end_day" in f:
            if end_day < day:
                self.add(f.at("end_day"), f"end_day {end_day} is before day {day}; fix the date")
                end_day = None
            elif end_day > days[1] + timedelta(days=1):
                self.add(f.at("end_day"), f"end_day {end_day} is more than a day after the "
                                          f"round's last day {days[1]}; fix the date")
                end_day = None
        if day is None or end_day is None or start is None or end is None:
            return None
        local_start = datetime.combine(day, start)
        local_end = datetime.combine(end_day, end)
        if local_end <= local_start:
            verb = "set" if "end_day" in f else "add"
            self.add(f.at("end"), f"{owner} ends before it starts ({start:%H:%M} to "
                                  f"{end:%H:%M}); if it ends after midnight, {verb} end_day: "
                                  f"{day + timedelta(days=1)}")
            return None
        if zone is None:
            return None
        utc_start = self.instant(f.at("start"), local_start, zone)
        utc_end = self.instant(f.at("end"), local_end, zone)
        if (utc_start is None or utc_end is None or item_id is None or f.missing
                or self.problems() > before):
            return None
        return ScheduleItem(id=item_id, name=f.need("name", str), local_start=local_start,
                            local_end=local_end, start=utc_start, end=utc_end)

    def instant(self, node: Node, local: datetime, zone: ZoneInfo) -> datetime | None:
        """The UTC instant of a local time, or None after reporting a DST gap or overlap."""
        when = f"{local:%H:%M} on {local.date()}"
        earlier, later = (local.replace(tzinfo=zone, fold=fold) for fold in (0, 1))
        if earlier.utcoffset() == later.utcoffset():
            return earlier.astimezone(timezone.utc)
        if earlier.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) != local:
            self.add(node, f"{when} falls in the daylight-saving gap in {zone.key} (clocks "
                           "skip that hour); move it out of the gap")
        else:
            self.add(node, f"{when} happens twice when clocks go back in {zone.key}; move it "
                           "out of the repeated hour")
        return None


def _status(value: str | None) -> Status:
    """A status the schema checked (or the default)."""
    for status in ("tentative", "postponed", "cancelled"):
        if value == status:
            return status
    return "confirmed"


def likely_day(wrong: date, years: Iterable[int], fits: Callable[[date], bool]) -> date | None:
    """The day `wrong` was probably meant to be: the same month and day in one of `years`,
    the year closest in its digits (2062 -> 2026), among the days that `fits` accepts."""
    found: list[tuple[int, bool, int, date]] = []
    for year in years:
        try:
            day = wrong.replace(year=year)
        except ValueError:  # 29 February
            continue
        written, meant = f"{wrong.year:04d}", f"{year:04d}"
        differ = sum(a != b for a, b in zip(written, meant, strict=False)) + abs(
            len(written) - len(meant))
        if fits(day):
            found.append((differ, sorted(written) != sorted(meant), abs(year - wrong.year), day))
    return min(found)[-1] if found else None
