"""The shape of a section: which keys it takes, which are required, what kind each is.

A section's schema is a tuple of `Field`s, and the tables below are the whole format
of the source, one line per key; `Structure.mapping` reports unknown, duplicate and
missing keys, checks each value with its field's kind and hands back the checked
values as `Fields`. Fields whose value needs other values (a schedule
needs the round's days) or is itself a section have no kind: the section checks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

import rallycal.source.values as v
from rallycal.source.reader import Rejected, found, given, line_of, quoted
from rallycal.source.values import Kind, Values, plausible_id

T = TypeVar("T")


@dataclass(frozen=True)
class Field(Generic[T]):
    """One key of a section: its kind of value (None: checked by the section itself)."""

    key: str
    kind: Kind[T] | None
    required: bool = True


def optional(key: str, kind: Kind[T] | None) -> Field[T]:
    """A key that may be left out."""
    return Field(key, kind, required=False)


Schema = tuple[Field[Any], ...]


# -- the tables: every section of the source, required keys first -----------------------

# The file: one season (the first layout, still read) or many.
TOP: Schema = (Field("series", None), Field("classes", None), Field("rounds", None),
               optional("teams", None))
TOP_SEASONS: Schema = (Field("series", None), Field("seasons", None))
SERIES: Schema = (
    Field("id", v.ident),
    Field("name", v.text),
    Field("short", v.text),  # the prefix of every event title
    optional("url", v.url),
    optional("base_url", v.url),
    optional("color", v.color),
    optional("window", v.window),  # how many of the latest seasons the stable feeds carry
    # A year: seasons up to and including this year were published with UIDs ending in
    # `@rallycal` and keep them; later seasons get UIDs of letters, digits, dots and
    # hyphens only (file-name-keyed sync tools such as vdirsyncer keep those as they are).
    optional("old_uids_through", v.year),
)
# The first layout's series: its one season's year after `short`, and no window.
SERIES_ONE_SEASON: Schema = (
    *SERIES[:3], Field("season", v.year), *(f for f in SERIES[3:] if f.key != "window")
)
SEASON: Schema = (
    Field("year", v.year),
    optional("classes", None),  # a list of CLASS; default the previous season's
    Field("rounds", None),  # a list of ROUND
    optional("teams", None),  # a list of TEAM, never inherited
)
CLASS: Schema = (
    Field("id", None),  # unique among the classes
    Field("name", v.text),
    Field("short", v.text),
    optional("color", v.color),
)
ROUND: Schema = (
    Field("id", None),  # unique among the rounds
    Field("name", v.text),
    Field("first_day", v.day),
    Field("last_day", v.day),
    Field("venue", None),  # VENUE
    optional("status", v.status),
    optional("classes", None),  # ids of classes; default every class
    optional("notes", v.notes),
    optional("url", v.url),
    optional("schedule", None),  # a list of SCHEDULE_ITEM
)
VENUE: Schema = (
    Field("town", v.text),
    Field("state", v.text),
    Field("country", v.text),
    Field("timezone", v.timezone),
    Field("latitude", v.latitude),
    Field("longitude", v.longitude),
    optional("place", v.text),  # a named site: the rally HQ, the service park
    optional("address", v.address),  # its street address, for maps
)
SCHEDULE_ITEM: Schema = (
    Field("id", None),  # unique within the round
    Field("name", v.text),
    Field("day", v.day),
    Field("start", v.clock),
    Field("end", v.clock),
    optional("end_day", v.day),
)
TEAM: Schema = (
    Field("id", None),  # unique among the teams
    Field("name", v.text),
    Field("crews", None),  # a list of CREW
    Field("rounds", None),  # `all` or a list of round ids
    optional("short", v.text),
    optional("run_by", v.text),
    optional("notes", v.notes),
    optional("color", v.color),
)
CREW: Schema = (
    Field("driver", v.text),
    Field("car", v.text),
    Field("class", None),  # the id of a class
    optional("co_driver", v.text),
)


class Fields:
    """The values of one mapping, checked by kind, with the nodes they were written at."""

    def __init__(self, node: MappingNode) -> None:
        self.node = node
        self.nodes: dict[str, Node] = {}
        self.values: dict[str, object] = {}
        self.missing = False  # a required key is absent, or its value could not be used

    def __contains__(self, key: str) -> bool:
        return key in self.nodes

    def at(self, key: str) -> Node:
        """The node of a key that was written."""
        return self.nodes[key]

    def get(self, key: str, kind: type[T]) -> T | None:
        """The checked value of `key`, or None when it is absent or had a problem."""
        value = self.values.get(key)
        if value is None or isinstance(value, kind):
            return value
        raise TypeError(f"{key} is a {type(value).__name__}, not a {kind.__name__}")

    def need(self, key: str, kind: type[T]) -> T:
        """The checked value of a required key; only once `missing` is known to be False."""
        value = self.get(key, kind)
        if value is None:
            raise LookupError(f"{key} has no value")
        return value


class Structure:
    """Checks of mappings and lists against their schema."""

    def __init__(self, values: Values) -> None:
        self.values = values
        self.report = values.report
        self.add = values.add

    def problems(self) -> int:
        """How many problems have been reported so far (a section compares before and after)."""
        return len(self.report.problems)

    def mapping(self, node: Node | None, what: str, owner: str, schema: Schema,
                moved: dict[str, str] | None = None) -> Fields | None:
        """The checked values of mapping `node`, after reporting bad, unknown and missing keys.

        `moved` gives, for keys that belong to the other layout of the source, the
        message that says where they go instead.
        """
        if node is None or not given(node):
            return None
        if not isinstance(node, MappingNode):
            self.add(node, f"expected a mapping for {what}, found {found(node)}; "
                           "write its keys on the lines below it, indented")
            return None
        by_key = {f.key: f for f in schema}
        required = [f.key for f in schema if f.required]
        allowed = required + [f.key for f in schema if not f.required]  # as messages list them
        keys: dict[str, Node] = {}
        fields = Fields(node)
        for key_node, value_node in node.value:
            if isinstance(key_node, Rejected):
                continue
            if not isinstance(key_node, ScalarNode):
                self.add(key_node, f"expected a key in {owner}, found {found(key_node)}; "
                                   "write 'key: value'")
                continue
            key = key_node.value
            if key in keys:
                self.add(key_node, f"duplicate key {quoted(key)} in {owner} (first on line "
                                   f"{line_of(keys[key])}); keep only one")
                continue
            keys[key] = key_node
            if moved and key in moved:
                self.add(key_node, moved[key])
                continue
            field = by_key.get(key)
            if field is None:
                hint = self.values.did_you_mean(
                    key, allowed, f"the keys allowed are {', '.join(allowed)}")
                self.add(key_node, f"unknown key {quoted(key)} in {owner}; {hint}")
                continue
            fields.nodes[key] = value_node
            if field.kind is None:
                continue
            value: object = None
            if not isinstance(value_node, Rejected):  # reported already
                value = field.kind(self.values, value_node, key, owner, not field.required)
                fields.values[key] = value
            if value is None and field.required:
                fields.missing = True
        for key in required:
            if key not in fields.nodes:
                fields.missing = True
                if key not in keys:
                    self.add(node, f"{owner} is missing '{key}'; add a line '{key}: ...'")
        return fields

    def distinct(self, f: Fields, key: str, owner: str, seen: dict[str, tuple[Node, str]],
                 where: str) -> None:
        """Report a `key` (name, short) already given to another class or team in `seen`."""
        value = f.get(key, str)
        if value is None:
            return
        first = seen.setdefault(value.casefold(), (f.at(key), owner))
        if first[0] is not f.at(key):
            self.add(f.at(key), f"{owner} has the same {key} as {first[1]} (line "
                                f"{self.report.line_of(first[0])}): '{value}'; their {where} "
                                f"could not be told apart, so give each its own {key}")

    def unique_id(self, f: Fields, owner: str, noun: str, seen: dict[str, Node]) -> str | None:
        if "id" not in f or not given(f.at("id")):
            return None
        return self.values.unique_id(f.at("id"), owner, noun, seen)

    def items(self, node: Node | None, what: str, empty: str | None = None) -> list[Node] | None:
        """The items of list `node`; `empty` is the fix to give if it may not be empty."""
        if node is None or not given(node):
            return None
        if not isinstance(node, SequenceNode):
            self.add(node, f"expected a list for {what}, found {found(node)}; write each item "
                           "on its own line, starting with '- '")
            return None
        if empty and not node.value:
            self.add(node, f"{what} is an empty list; {empty}")
        items: list[Node] = node.value
        return items

    def references(self, node: Node | None, key: str, owner: str, noun: str, plural: str,
                   known: dict[str, Node] | None, empty: str) -> list[tuple[Node, str]]:
        """A list of distinct references, each with the node it was written at."""
        seen: dict[str, Node] = {}
        for item in self.items(node, f"'{key}' in {owner}", empty) or []:
            if not given(item):
                continue
            value = self.values.reference(item, key, owner, noun, plural, known)
            if value is None:
                continue
            if value in seen:
                self.add(item, f"{noun} '{value}' is listed twice in {owner} (first on line "
                               f"{line_of(seen[value])}); delete one")
            else:
                seen[value] = item
        return [(item, value) for value, item in seen.items()]


def label(node: Node, noun: str, index: int) -> str:
    """How messages name a list item: by its id when it has a plausible one, else by number."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == "id":
                text = value.value.strip() if isinstance(value, ScalarNode) else ""
                if plausible_id(text):
                    return f"{noun} '{text}'"
                break
    return f"{noun} {index}"
