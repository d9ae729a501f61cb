"""Each section of the source, checked against its schema and built into the model.

Every section's keys are listed in one table in `rallycal.source.schema`. Adding a
field is one line in its table and one argument where the section below builds its
model object. A section with any problem
builds nothing: no model object ever holds a value that was not checked.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from rallycal.model import (
    Crew,
    RallyClass,
    Round,
    ScheduleItem,
    Season,
    Series,
    Status,
    Team,
    Venue,
)
from rallycal.source.reader import Report, Stop, found, given, is_null, quoted
from rallycal.source.schema import (
    CLASS,
    CREW,
    ROUND,
    SCHEDULE_ITEM,
    SERIES,
    TEAM,
    TOP,
    VENUE,
    Fields,
    Structure,
)
from rallycal.source.values import Values, plausible_id


def season(root: Node, report: Report) -> Season:
    """The season in the source's root node; raises `Stop` after reporting any problem."""
    return _Sections(report).season(root)


class _Sections(Structure):
    """Builds the `Season` from the composed nodes, reporting every problem on the way."""

    def __init__(self, report: Report) -> None:
        super().__init__(Values(report))
        self.season_year: int | None = None
        self.class_ids: dict[str, Node] | None = None  # None: the section is unusable
        self.round_ids: dict[str, Node] | None = None
        self.classes_of: dict[str, tuple[str, ...] | None] = {}
        self.round_order: dict[str, int] = {}

    def season(self, root: Node) -> Season:
        if not isinstance(root, MappingNode):
            if given(root):
                self.add(root, "expected a mapping with series, classes, rounds and teams at "
                               f"the top level, found {found(root)}; start each section at "
                               "the left edge, as 'series:'")
            raise Stop
        top = self.mapping(root, "the file", "the file", TOP)
        nodes = top.nodes if top else {}
        series = self.series(nodes.get("series"))
        classes = self.classes(nodes.get("classes"))
        rounds = self.rounds(nodes.get("rounds"))
        teams = self.teams(nodes.get("teams"))
        if self.problems() or series is None or self.season_year is None:
            raise Stop
        return Season(series=series, year=self.season_year, rounds=tuple(rounds),
                      classes=tuple(classes), teams=tuple(teams))

    def series(self, node: Node | None) -> Series | None:
        f = self.mapping(node, "'series' in the file", "the series", SERIES)
        if f is None:
            return None
        self.season_year = f.get("season", int)
        if f.missing:
            return None
        return Series(
            id=f.need("id", str),
            name=f.need("name", str),
            short=f.need("short", str),
            url=f.get("url", str),
            base_url=f.get("base_url", str),
            color=f.get("color", str),
        )

    def classes(self, node: Node | None) -> list[RallyClass]:
        items = self.items(node, "'classes' in the file", "add at least one class")
        if items is None:
            return []
        self.class_ids = {}
        found = (self.rally_class(item, index, self.class_ids)
                 for index, item in enumerate(items, 1))
        return [c for c in found if c]

    def rally_class(self, node: Node, index: int, seen: dict[str, Node]) -> RallyClass | None:
        owner = _label(node, "class", index)
        before = self.problems()
        f = self.mapping(node, owner, owner, CLASS)
        if f is None:
            return None
        class_id = self.unique_id(f, owner, "class", seen)
        if f.missing or class_id is None or self.problems() > before:
            return None
        return RallyClass(id=class_id, name=f.need("name", str), short=f.need("short", str),
                          color=f.get("color", str))

    def unique_id(self, f: Fields, owner: str, noun: str, seen: dict[str, Node]) -> str | None:
        if "id" not in f or not given(f.at("id")):
            return None
        return self.values.unique_id(f.at("id"), owner, noun, seen)

    def rounds(self, node: Node | None) -> list[Round]:
        items = self.items(node, "'rounds' in the file", "add at least one round")
        if items is None:
            return []
        seen: dict[str, Node] = {}
        self.round_ids = seen
        found = [r for index, item in enumerate(items, 1) if (r := self.round(item, index, seen))]
        found.sort(key=lambda r: (r.first_day, r.last_day))
        self.round_order = {r.id: number for number, r in enumerate(found, 1)}
        return [replace(r, number=number) for number, r in enumerate(found, 1)]

    def round(self, node: Node, index: int, seen: dict[str, Node]) -> Round | None:
        owner = _label(node, "round", index)
        before = self.problems()
        f = self.mapping(node, owner, owner, ROUND)
        if f is None:
            return None
        round_id = self.unique_id(f, owner, "round", seen)
        first, last = f.get("first_day", date), f.get("last_day", date)
        if first and last and last < first:
            self.add(f.at("last_day"), f"last_day {last} is before first_day {first}; swap "
                                       "them or fix the date")
        if first and self.season_year and first.year != self.season_year:
            self.add(f.at("first_day"), f"first_day {first} is not in the {self.season_year} "
                                        "season; fix the year, or the series' season")
        venue, zone = self.venue(f.nodes.get("venue"), owner)
        classes = self.round_classes(f, round_id, owner)
        days = (first, last) if first and last and first <= last else None
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
        owner = f"{_label(node, 'schedule item', index)} of {round_owner}"
        before = self.problems()
        f = self.mapping(node, owner, owner, SCHEDULE_ITEM)
        if f is None:
            return None
        item_id = self.unique_id(f, owner, "schedule item", seen)
        day = f.get("day", date)
        end_day = f.get("end_day", date) if "end_day" in f else day
        start, end = f.get("start", time), f.get("end", time)
        if day and days and not days[0] <= day <= days[1]:
            self.add(f.at("day"), f"day {day} is not a day of the round ({days[0]} to "
                                  f"{days[1]}); use one of its days")
            day = None
        if day and end_day and "end_day" in f:
            if end_day < day:
                self.add(f.at("end_day"), f"end_day {end_day} is before day {day}; fix the date")
                end_day = None
            elif days and end_day > days[1] + timedelta(days=1):
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

    def teams(self, node: Node | None) -> list[Team]:
        seen: dict[str, Node] = {}
        items = self.items(node, "'teams' in the file") or []
        found = (self.team(item, index, seen) for index, item in enumerate(items, 1))
        return [team for team in found if team]

    def team(self, node: Node, index: int, seen: dict[str, Node]) -> Team | None:
        owner = _label(node, "team", index)
        before = self.problems()
        f = self.mapping(node, owner, owner, TEAM)
        if f is None:
            return None
        team_id = self.unique_id(f, owner, "team", seen)
        crew_nodes = self.items(f.nodes.get("crews"), f"'crews' in {owner}",
                                "add at least one crew with driver, car and class") or []
        crews = [self.crew(item, number, owner) for number, item in enumerate(crew_nodes, 1)]
        entries = self.entries(f.nodes.get("rounds"), owner)
        for where, round_id in entries:
            runs = self.classes_of.get(round_id)
            for number, (driver, class_id, _) in enumerate(crews, 1):
                if class_id and runs is not None and class_id not in runs:
                    self.add(where, f"round '{round_id}' does not run class '{class_id}' of "
                                    f"crew {number} ({driver}); remove the round from the "
                                    "team or add the class to the round")
        if f.missing or team_id is None or self.problems() > before:
            return None
        name = f.need("name", str)
        return Team(
            id=team_id,
            name=name,
            short=f.get("short", str) or name,
            crews=tuple(crew for _, _, crew in crews if crew),
            rounds=tuple(sorted((round_id for _, round_id in entries),
                                key=lambda round_id: self.round_order.get(round_id, 0))),
            run_by=f.get("run_by", str),
            notes=f.get("notes", str),
            color=f.get("color", str),
        )

    def entries(self, node: Node | None, owner: str) -> list[tuple[Node, str]]:
        """The rounds a team enters (`all` or a list of ids), each with where it was written."""
        if node is None or not given(node):
            return []
        if isinstance(node, SequenceNode):
            return self.references(node, "rounds", owner, "round", "rounds", self.round_ids,
                                   "list the round ids, or write all")
        if isinstance(node, ScalarNode) and not is_null(node) and node.value.strip() == "all":
            return [(node, round_id) for round_id in self.round_ids or ()]
        value = self.values.text(node, "rounds", owner, kind="all or a list of round ids")
        if value is None:
            return []
        if self.report.suggest(value, ("all",)):
            hint = "did you mean 'all'?"
        elif self.round_ids and value in self.round_ids:
            hint = f"for that one round write [{value}]"
        else:
            hint = "write all, or a list of round ids such as [sno-drift, olympus]"
        self.add(node, f"'rounds' in {owner} must be all or a list of round ids, found "
                       f"{quoted(value)}; {hint}")
        return []

    def crew(self, node: Node, number: int,
             team_owner: str) -> tuple[str | None, str | None, Crew | None]:
        """The crew's driver and class id (checked on their own), and the crew."""
        owner = f"crew {number} of {team_owner}"
        before = self.problems()
        f = self.mapping(node, owner, owner, CREW)
        if f is None:
            return None, None, None
        class_id = None
        if "class" in f and given(f.at("class")):
            class_id = self.values.reference(f.at("class"), "class", owner, "class", "classes",
                                             self.class_ids)
        driver = f.get("driver", str)
        if f.missing or class_id is None or self.problems() > before:
            return driver, class_id, None
        return driver, class_id, Crew(driver=f.need("driver", str), car=f.need("car", str),
                                      class_id=class_id, co_driver=f.get("co_driver", str))


def _status(value: str | None) -> Status:
    """A status the schema checked (or the default)."""
    for status in ("tentative", "postponed", "cancelled"):
        if value == status:
            return status
    return "confirmed"


def _label(node: Node, noun: str, index: int) -> str:
    """How messages name a list item: by its id when it has a plausible one, else by number."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == "id":
                text = value.value.strip() if isinstance(value, ScalarNode) else ""
                if plausible_id(text):
                    return f"{noun} '{text}'"
                break
    return f"{noun} {index}"
