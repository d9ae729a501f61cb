"""The sections of one season, checked against their schema and built into the model.

Every section's keys are listed in one table in `rallycal.source.schema`. Adding a
field is one line in its table and one argument where the section below builds its
model object. A section with any problem builds nothing: no model object ever holds a
value that was not checked. The rounds are checked in `rallycal.source.rounds`, the
file's layout and its seasons in `rallycal.source.championship`.
"""

from __future__ import annotations

from typing import NamedTuple

from yaml.nodes import Node, ScalarNode, SequenceNode

from rallycal.model import Crew, RallyClass, Round, Team
from rallycal.source.reader import Report, given, is_null, quoted
from rallycal.source.rounds import RoundChecks
from rallycal.source.schema import CLASS, CREW, TEAM, label


class Parts(NamedTuple):
    """A season's checked classes, rounds and teams (all empty where a section failed)."""

    classes: tuple[RallyClass, ...]
    rounds: tuple[Round, ...]
    teams: tuple[Team, ...]


class SeasonChecks(RoundChecks):
    """Checks one season's classes, rounds and teams; ids are unique within the season."""

    def __init__(self, report: Report, year: int | None, where: str, of_season: str) -> None:
        super().__init__(report, year, where, of_season)
        self.class_names: dict[str, tuple[Node, str]] = {}  # by casefolded name: where, owner
        self.class_shorts: dict[str, tuple[Node, str]] = {}
        self.calendar_names: dict[str, tuple[Node, str]] = {}
        self.checked_classes: tuple[RallyClass, ...] = ()

    def check(self, classes: Node | None, rounds: Node | None, teams: Node | None,
              previous: SeasonChecks | None = None) -> Parts:
        """The season's parts; its classes are the previous season's when `classes` is None."""
        if classes is None and previous is not None:
            self.class_ids = previous.class_ids
            self.class_names, self.class_shorts = previous.class_names, previous.class_shorts
            self.checked_classes = previous.checked_classes
        else:
            self.checked_classes = tuple(self.classes(classes))
        checked_rounds = tuple(self.rounds(rounds))
        return Parts(self.checked_classes, checked_rounds, tuple(self.teams(teams)))

    def classes(self, node: Node | None) -> list[RallyClass]:
        items = self.items(node, f"'classes' in {self.where}", "add at least one class")
        if items is None:
            return []
        self.class_ids = {}
        self.class_names, self.class_shorts = {}, {}
        found = (self.rally_class(item, index, self.class_ids)
                 for index, item in enumerate(items, 1))
        return [c for c in found if c]

    def rally_class(self, node: Node, index: int, seen: dict[str, Node]) -> RallyClass | None:
        owner = label(node, "class", index) + self.of_season
        before = self.problems()
        f = self.mapping(node, owner, owner, CLASS)
        if f is None:
            return None
        class_id = self.unique_id(f, owner, "class", seen)
        if class_id in seen and seen[class_id] is f.at("id"):  # not a duplicate
            self.distinct(f, "name", owner, self.class_names, "calendars")
            self.distinct(f, "short", owner, self.class_shorts, "event titles")
        if f.missing or class_id is None or self.problems() > before:
            return None
        return RallyClass(id=class_id, name=f.need("name", str), short=f.need("short", str),
                          color=f.get("color", str))

    def teams(self, node: Node | None) -> list[Team]:
        seen: dict[str, Node] = {}
        self.calendar_names = dict(self.class_names)  # a team's calendar is named like a class's
        items = self.items(node, f"'teams' in {self.where}") or []
        found = (self.team(item, index, seen) for index, item in enumerate(items, 1))
        return [team for team in found if team]

    def team(self, node: Node, index: int, seen: dict[str, Node]) -> Team | None:
        owner = label(node, "team", index) + self.of_season
        before = self.problems()
        f = self.mapping(node, owner, owner, TEAM)
        if f is None:
            return None
        team_id = self.unique_id(f, owner, "team", seen)
        if team_id in seen and seen[team_id] is f.at("id"):  # not a duplicate
            self.distinct(f, "name", owner, self.calendar_names, "calendars")
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
