"""Read the hand-edited events.yaml into a validated `Season`, or explain all that is wrong.

The file is composed into YAML nodes with PyYAML's safe reader, scanner and parser,
but never constructed into Python values: every scalar keeps its raw text and its
position, so `10:30` stays the text "10:30", `NO` stays "NO", and days, times and
numbers are parsed here from what the user wrote. Anchors, aliases and tags are
refused where they stand (an alias is never expanded), and every problem found is
collected with its line and column before one `SourceError` reports them all.
"""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from typing import NoReturn
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytz
from yaml import MarkedYAMLError, YAMLError
from yaml.error import Mark
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.scanner import Scanner

try:  # libyaml's parser, in PyYAML's wheels: the same events, four times faster
    from yaml._yaml import CParser as _LibyamlParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _LibyamlParser = None

from rallycal.colors import CSS_COLORS
from rallycal.errors import Problem, RallycalError, SourceError
from rallycal.model import (
    STATUSES,
    Crew,
    RallyClass,
    Round,
    ScheduleItem,
    Season,
    Series,
    Team,
    Venue,
)

MAX_BYTES = 8 * 1024 * 1024  # a 10,000-round season is under 4 MB
MAX_LINE = 10_000
MAX_DEPTH = 20
MAX_VALUES = 500_000  # a 10,000-round season holds about 330,000
MAX_PROBLEMS = 200
SUGGESTION_BUDGET = 2_000_000  # characters compared to find "did you mean" hints, per file
NAME_LIMIT = 200
NOTES_LIMIT = 4000
ID_LIMIT = 64

ID_RULE = (
    "ids use only a-z, 0-9 and '-', start with a letter or digit, "
    f"and are at most {ID_LIMIT} characters long"
)
ALIASES = "anchors and aliases (&name, *name) are not allowed; write the value out"
EMPTY = "the file is empty: write the series, classes, rounds and teams sections in it"

_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
# Names Windows reserves for devices, with or without an extension: `con.ics` is no file there.
_DEVICE = re.compile(r"(con|prn|aux|nul|com[0-9]|lpt[0-9])")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CLOCK = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_YEAR = re.compile(r"[0-9]{1,9}")
_NOT_IN_URL = re.compile(r"[\s\"'<>\\`\x00-\x1f\x7f]")
_NULLS = ("", "~", "null", "Null", "NULL")
_LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # as PyYAML counts lines
_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{kind}" for kind in ("str", "seq", "map"))

Where = Node | Mark | tuple[int, int]


def load(path: str | os.PathLike[str]) -> Season:
    """Read and validate the source file at `path`; messages name it as `str(path)`."""
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_BYTES + 1)
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise RallycalError(f"{path}: cannot read the source: {reason}") from None
    return parse(data, str(path))


def parse(data: bytes, filename: str) -> Season:
    """Validate the source bytes; raise `SourceError` listing every problem found."""
    report = _Report()
    try:
        return _read(data, report)
    except _Stop:
        pass
    except Exception as error:  # never a traceback: even a bug becomes a problem
        report.problems.append(
            Problem(1, 1, f"rallycal failed on this file ({type(error).__name__}: {error}); "
                    "please report this bug")
        )
    raise SourceError(filename, report.problems)


class _Stop(Exception):
    """Checking cannot go on; the problems reported so far are the answer."""


class _Report:
    """Collects problems, and stops the check once there are too many to be useful."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.suggestion_budget = SUGGESTION_BUDGET

    def add(self, where: Where, message: str) -> None:
        self.problems.append(Problem(*_position(where), message))
        if len(self.problems) >= MAX_PROBLEMS:
            self.stop(where, f"stopped after {MAX_PROBLEMS} problems; fix these and check again")

    def stop(self, where: Where, message: str) -> NoReturn:
        self.problems.append(Problem(*_position(where), message))
        raise _Stop

    def suggest(self, value: str, choices: Iterable[str]) -> str | None:
        """The choice `value` was probably meant to be: same but for case, or a close spelling.

        Finding close spellings takes time in proportion to the text compared, so each
        file gets a fixed budget for it: a hostile one cannot make the check slow.
        """
        by_lower = {choice.lower(): choice for choice in choices}
        key = value.lower()
        if key in by_lower:
            return by_lower[key]
        cost = len(key) * sum(map(len, by_lower))
        if len(key) > 100 or cost > self.suggestion_budget:
            return None
        self.suggestion_budget -= cost
        close = difflib.get_close_matches(key, list(by_lower), n=1)
        return by_lower[close[0]] if close else None

    def did_you_mean(self, value: str, choices: Iterable[str], otherwise: str) -> str:
        guess = self.suggest(value, choices)
        return f"did you mean '{guess}'?" if guess else otherwise


def _position(where: Where) -> tuple[int, int]:
    if isinstance(where, tuple):
        return where
    mark = where.start_mark if isinstance(where, Node) else where
    return mark.line + 1, mark.column + 1


def _end_of(text: str) -> tuple[int, int]:
    """The 1-based line and column just after `text`."""
    lines = _LINE_BREAK.split(text)
    return len(lines), len(lines[-1]) + 1


def _read(data: bytes, report: _Report) -> Season:
    if len(data) > MAX_BYTES:
        report.stop((1, 1), f"the file is larger than {MAX_BYTES // 1024 // 1024} MB, far more "
                            "than a season needs; check that this is the right file")
    text = _decode(data, report)
    for number, line in enumerate(_LINE_BREAK.split(text), 1):
        if len(line) > MAX_LINE:
            report.add((number, MAX_LINE + 1),
                       f"this line is {len(line):,} characters long; keep lines under "
                       f"{MAX_LINE:,} characters (write long text over several lines)")
    if report.problems:
        raise _Stop
    root = _compose(text, report)
    if root is None or (_is_null(root) and not isinstance(root, _Rejected)):
        report.stop((1, 1), EMPTY)
    return _Checker(report).season(root)


def _decode(data: bytes, report: _Report) -> str:
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[:error.start].decode("utf-8")
        report.stop(_end_of(before), f"the file is not valid UTF-8 (byte 0x{data[error.start]:02x} "
                                    "here); save the file as UTF-8")


def _compose(text: str, report: _Report) -> Node | None:
    events = _events(text)
    try:
        return _Composer(events, report).document()
    except ReaderError as error:
        code = error.character if isinstance(error.character, int) else ord(error.character)
        position = error.position
        if not isinstance(events, _PythonParser):  # libyaml counts bytes, not characters
            position = len(text.encode("utf-8")[:position].decode("utf-8", "ignore"))
        report.stop(_end_of(text[:position]),
                    f"the character U+{code:04X} is not allowed in YAML; delete it")
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "unreadable text"
        if _character_at(text, mark) == "\t":
            report.stop(mark, "not valid YAML: a tab character here; indent with spaces, not tabs")
        report.stop(mark or (1, 1), f"not valid YAML: {problem}; check the indentation, and "
                                    "quote text that contains ': ' or ' #'")
    except YAMLError as error:
        report.stop((1, 1), f"not valid YAML: {error}; check the file's syntax")


class _Rejected(ScalarNode):
    """Stands in for a value already reported (an alias, a tagged value); checks skip it."""

    def __init__(self, mark: Mark) -> None:
        super().__init__(_STR, "", mark, mark)


class _PythonParser(Reader, Scanner, Parser):
    """PyYAML's own reader, scanner and parser, for a PyYAML built without libyaml."""

    def __init__(self, text: str) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)


def _events(text: str):
    """A YAML event parser over `text`: libyaml's when PyYAML has it."""
    return _LibyamlParser(text) if _LibyamlParser is not None else _PythonParser(text)


def _character_at(text: str, mark: Mark | None) -> str | None:
    if mark is None:
        return None
    lines = _LINE_BREAK.split(text)
    if mark.line < len(lines) and mark.column < len(lines[mark.line]):
        return lines[mark.line][mark.column]
    return None


class _Composer:
    """Composes nodes from parser events without expanding anything.

    Anchors, aliases and tags are reported where they stand; nesting depth and the
    number of values are capped, so a hostile file costs little time and memory.
    """

    def __init__(self, events, report: _Report) -> None:
        self.get_event = events.get_event
        self.check_event = events.check_event
        self.peek_event = events.peek_event
        self.report = report
        self.values = 0

    def document(self) -> Node | None:
        self.get_event()  # stream start
        if self.check_event(StreamEndEvent):
            return None
        self.get_event()  # document start
        root = self.node(0)
        self.get_event()  # document end
        if not self.check_event(StreamEndEvent):
            self.report.add(self.peek_event().start_mark,
                            "a second YAML document starts here; keep the whole season in "
                            "one document: remove this '---' and merge what follows")
        return root

    def node(self, depth: int) -> Node:
        event = self.get_event()
        self.values += 1
        if self.values > MAX_VALUES:
            self.report.stop(event.start_mark, f"the file holds more than {MAX_VALUES:,} values, "
                                               "far more than a season needs; shorten it")
        if isinstance(event, AliasEvent):
            self.report.add(event.start_mark, ALIASES)
            return _Rejected(event.start_mark)
        if event.anchor is not None:
            self.report.add(event.start_mark, ALIASES)
        if isinstance(event, ScalarEvent):
            node: Node = ScalarNode(_STR, event.value, event.start_mark, event.end_mark,
                                    style=event.style or None)  # libyaml's plain is ''

        else:
            if depth >= MAX_DEPTH:
                self.report.stop(event.start_mark, f"the nesting here is deeper than {MAX_DEPTH} "
                                                   "levels; flatten the structure")
            if isinstance(event, MappingStartEvent):
                pairs = []
                while not self.check_event(MappingEndEvent):
                    pairs.append((self.node(depth + 1), self.node(depth + 1)))
                node = MappingNode(_MAP, pairs, event.start_mark, self.get_event().end_mark)
            else:
                items = []
                while not self.check_event(SequenceEndEvent):
                    items.append(self.node(depth + 1))
                node = SequenceNode(_SEQ, items, event.start_mark, self.get_event().end_mark)
        if event.tag is not None:
            tag = re.sub(r"^tag:yaml\.org,2002:", "!!", event.tag)
            self.report.add(event.start_mark,
                            f"tags such as {_q(tag)} are not allowed; remove it and write "
                            "a plain value")
            return _Rejected(event.start_mark)
        return node


def _given(node: Node | None) -> bool:
    """Whether there is a node to check (missing and rejected ones were reported already)."""
    return node is not None and not isinstance(node, _Rejected)


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.style is None and node.value in _NULLS


def _found(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if _is_null(node):
        return "nothing"
    return f"the text {_q(node.value)}"


def _q(value: str) -> str:
    """`value` quoted for a message: shortened, with unprintable characters escaped."""
    if len(value) > 60:
        value = value[:57] + "..."
    shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in value)
    return f"'{shown}'"


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _listing(names: Iterable[str]) -> str:
    names = list(names)
    return ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")


def _fixed_id(value: str) -> str | None:
    """A valid id close to `value` (case, spaces, underscores, dots, accents), if any."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", value.lower())
                    if not unicodedata.combining(c))
    fixed = re.sub(r"[\s_.]+", "-", plain).strip("-")
    if len(fixed) <= ID_LIMIT and _ID.fullmatch(fixed) and fixed != value:
        return fixed
    return None


def _web_address(value: str) -> bool:
    if _NOT_IN_URL.search(value):
        return False
    try:
        parts = urlsplit(value)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def _url_problem(value: str, key: str) -> str | None:
    """What is wrong with a web address, or None."""
    if not _web_address(value):
        return (
            f"{key} {_q(value)} is not an absolute http(s) address without spaces, "
            "quotes or '<>'; write it like https://example.org/rally"
        )
    if key == "base_url" and ("?" in value or "#" in value):
        return (
            f"base_url {_q(value)} has a '?' or '#'; give the folder's plain address, "
            "e.g. https://example.org/calendars/"
        )
    return None


def normalise_base_url(value: str) -> str:
    """A base URL given on the command line, checked like the source's, ending in '/'."""
    problem = _url_problem(value, "base_url")
    if problem:
        raise RallycalError(f"--base-url: {problem}")
    return value if value.endswith("/") else value + "/"


class _Checker:
    """Builds the `Season` from the composed nodes, reporting every problem on the way."""

    def __init__(self, report: _Report) -> None:
        self.add = report.add
        self.did_you_mean = report.did_you_mean
        self.report = report
        self.season_year: int | None = None
        self.class_ids: dict[str, Node] | None = None  # None: the section is unusable
        self.round_ids: dict[str, Node] | None = None
        self.classes_of: dict[str, tuple[str, ...] | None] = {}
        self.round_order: dict[str, int] = {}

    def season(self, root: Node) -> Season:
        if not isinstance(root, MappingNode):
            if _given(root):
                self.add(root, "expected a mapping with series, classes, rounds and teams at "
                               f"the top level, found {_found(root)}; start each section at "
                               "the left edge, as 'series:'")
            raise _Stop
        top = self.fields(root, "the file", "the file", ("series", "classes", "rounds"),
                          ("teams",)) or {}
        series = self.series(top.get("series"))
        classes = self.classes(top.get("classes"))
        rounds = self.rounds(top.get("rounds"))
        teams = self.teams(top.get("teams"))
        if self.report.problems:
            raise _Stop
        return Season(series=series, year=self.season_year, rounds=tuple(rounds),
                      classes=tuple(classes), teams=tuple(teams))

    # -- structure --------------------------------------------------------------------

    def fields(self, node: Node | None, what: str, owner: str, required: tuple[str, ...],
               optional: tuple[str, ...]) -> dict[str, Node] | None:
        """The values of mapping `node` by key, after reporting bad, unknown and missing keys."""
        if not _given(node):
            return None
        if not isinstance(node, MappingNode):
            self.add(node, f"expected a mapping for {what}, found {_found(node)}; "
                           "write its keys on the lines below it, indented")
            return None
        allowed = required + optional
        keys: dict[str, Node] = {}
        values: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if not _given(key_node):
                continue
            if not isinstance(key_node, ScalarNode):
                self.add(key_node, f"expected a key in {owner}, found {_found(key_node)}; "
                                   "write 'key: value'")
                continue
            key = key_node.value
            if key in keys:
                self.add(key_node, f"duplicate key {_q(key)} in {owner} (first on line "
                                   f"{_line(keys[key])}); keep only one")
                continue
            keys[key] = key_node
            if key in allowed:
                values[key] = value_node
            else:
                hint = self.did_you_mean(key, allowed, f"the keys allowed are {', '.join(allowed)}")
                self.add(key_node, f"unknown key {_q(key)} in {owner}; {hint}")
        for key in required:
            if key not in keys:
                self.add(node, f"{owner} is missing '{key}'; add a line '{key}: ...'")
        return values

    def items(self, node: Node | None, what: str, empty: str | None = None) -> list[Node] | None:
        """The items of list `node`; `empty` is the fix to give if it may not be empty."""
        if not _given(node):
            return None
        if not isinstance(node, SequenceNode):
            self.add(node, f"expected a list for {what}, found {_found(node)}; write each item "
                           "on its own line, starting with '- '")
            return None
        if empty and not node.value:
            self.add(node, f"{what} is an empty list; {empty}")
        return node.value

    # -- values -----------------------------------------------------------------------

    def text(self, node: Node | None, key: str, owner: str, *, optional: bool = False,
             limit: int = NAME_LIMIT, multiline: bool = False, kind: str = "text") -> str | None:
        """Stripped, non-empty text without control characters or line separators, at most
        `limit` long."""
        if not _given(node):
            return None
        what = f"'{key}' in {owner}"
        if not isinstance(node, ScalarNode):
            self.add(node, f"expected {kind} for {what}, found {_found(node)}; "
                           "write a single value")
            return None
        value = "" if _is_null(node) else node.value.strip()
        if not value:
            fix = "fill it in or delete the line" if optional else "fill it in"
            self.add(node, f"{what} is empty; {fix}")
            return None
        allowed = "\t\n" if multiline else ""
        bad = next((c for c in value if unicodedata.category(c) in ("Cc", "Zl", "Zp")
                    and c not in allowed), None)
        if bad == "\n":
            self.add(node, f"{what} has a line break; write it on one line")
        elif bad == "\t":
            self.add(node, f"{what} contains a tab; use spaces instead")
        elif bad in ("\u2028", "\u2029"):  # line breaks to some calendar apps and scripts
            fix = "use an ordinary line break" if multiline else "write it on one line"
            self.add(node, f"{what} contains the line separator U+{ord(bad):04X}; {fix}")
        elif bad:
            self.add(node, f"{what} contains the control character U+{ord(bad):04X}; remove it")
        elif len(value) > limit:
            self.add(node, f"{what} is {len(value):,} characters long; shorten it to at most "
                           f"{limit:,}")
        else:
            return value
        return None

    def ident(self, node: Node | None, owner: str) -> str | None:
        value = self.text(node, "id", owner)
        if value is not None and _DEVICE.fullmatch(value):
            self.add(node, f"invalid id {_q(value)}: Windows reserves it for a device, so it "
                           f"cannot be a file name there; choose another, e.g. '{value}-1'")
            return None
        if value is None or (len(value) <= ID_LIMIT and _ID.fullmatch(value)):
            return value
        odd = next((c for c in value if not c.isascii()), None)
        detail = ""
        if odd:
            character = f"U+{ord(odd):04X} {unicodedata.name(odd, '')}".strip()
            detail = f" (it contains {character})"
        fixed = _fixed_id(value)
        hint = f"; did you mean '{fixed}'?" if fixed else ""
        self.add(node, f"invalid id {_q(value)}{detail}; {ID_RULE}{hint}")
        return None

    def unique_id(self, node: Node | None, owner: str, noun: str,
                  seen: dict[str, Node]) -> str | None:
        value = self.ident(node, owner)
        if value is not None:
            if value in seen:
                self.add(node, f"duplicate {noun} id '{value}' (first on line "
                               f"{_line(seen[value])}); give each {noun} its own id")
            else:
                seen[value] = node
        return value

    def day(self, node: Node | None, key: str, owner: str) -> date | None:
        value = self.text(node, key, owner, kind="a day (YYYY-MM-DD)")
        if value is None:
            return None
        if not _DAY.fullmatch(value):
            self.add(node, f"{key} {_q(value)} is not a day; write it as YYYY-MM-DD, "
                           "e.g. 2026-02-06")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.add(node, f"{value} is not a real date; check the month and the day")
            return None

    def clock(self, node: Node | None, key: str, owner: str) -> time | None:
        value = self.text(node, key, owner, kind="a time (HH:MM)")
        if value is None:
            return None
        match = _CLOCK.fullmatch(value)
        if not match:
            self.add(node, f"{key} {_q(value)} is not a time; write it as 24-hour HH:MM "
                           "from 00:00 to 23:59, e.g. \"09:30\"")
            return None
        return time(int(match[1]), int(match[2]))

    def number(self, node: Node | None, key: str, owner: str, limit: int,
               example: str) -> float | None:
        value = self.text(node, key, owner, kind="a number")
        if value is None:
            return None
        if not _NUMBER.fullmatch(value):
            self.add(node, f"{key} {_q(value)} is not a plain decimal number; write it with "
                           f"digits and a '.', e.g. {example}")
            return None
        number = float(value)
        if not -limit <= number <= limit:
            self.add(node, f"{key} {value} is not between -{limit} and {limit}; "
                           "check the value and its sign")
            return None
        return number

    def choice(self, node: Node | None, key: str, owner: str,
               choices: tuple[str, ...]) -> str | None:
        value = self.text(node, key, owner, optional=True)
        if value is None or value in choices:
            return value
        hint = self.did_you_mean(value, choices, "use one of them")
        self.add(node, f"{key} {_q(value)} is not one of {', '.join(choices)}; {hint}")
        return None

    def color(self, node: Node | None, owner: str) -> str | None:
        value = self.text(node, "color", owner, optional=True)
        if value is None:
            return None
        if value.lower() in CSS_COLORS:
            return value.lower()
        hint = self.did_you_mean(value, CSS_COLORS, "use a named colour such as 'teal'")
        self.add(node, f"color {_q(value)} is not a CSS colour name; {hint}")
        return None

    def url(self, node: Node | None, key: str, owner: str) -> str | None:
        value = self.text(node, key, owner, optional=True, limit=2000)
        if value is None:
            return None
        problem = _url_problem(value, key)
        if problem:
            self.add(node, problem)
            return None
        return value if key != "base_url" or value.endswith("/") else value + "/"

    def timezone(self, node: Node | None, owner: str) -> str | None:
        value = self.text(node, "timezone", owner)
        if value is None or value in pytz.all_timezones_set:
            return value
        hint = self.did_you_mean(value, pytz.all_timezones, "use a name such as America/Chicago")
        self.add(node, f"{_q(value)} is not an IANA time zone; {hint}")
        return None

    def reference(self, node: Node | None, key: str, owner: str, noun: str, plural: str,
                  known: dict[str, Node] | None) -> str | None:
        """An id that must name something in another section (`known`, when usable)."""
        value = self.text(node, key, owner)
        if value is None or known is None or value in known:
            return value
        hint = self.did_you_mean(value, known, f"the {plural} are {_listing(known)}")
        self.add(node, f"unknown {noun} {_q(value)} in {owner}; {hint}")
        return None

    def references(self, node: Node | None, key: str, owner: str, noun: str, plural: str,
                   known: dict[str, Node] | None, empty: str) -> list[tuple[Node, str]]:
        """A list of distinct references, each with the node it was written at."""
        found: dict[str, Node] = {}
        for item in self.items(node, f"'{key}' in {owner}", empty) or []:
            value = self.reference(item, key, owner, noun, plural, known)
            if value is None:
                continue
            if value in found:
                self.add(item, f"{noun} '{value}' is listed twice in {owner} (first on line "
                               f"{_line(found[value])}); delete one")
            else:
                found[value] = item
        return [(item, value) for value, item in found.items()]

    # -- sections ---------------------------------------------------------------------

    def series(self, node: Node | None) -> Series | None:
        owner = "the series"
        f = self.fields(node, "'series' in the file", owner, ("id", "name", "short", "season"),
                        ("url", "base_url", "color"))
        if f is None:
            return None
        self.season_year = self.year(f.get("season"))
        return Series(
            id=self.ident(f.get("id"), owner),
            name=self.text(f.get("name"), "name", owner),
            short=self.text(f.get("short"), "short", owner),
            url=self.url(f.get("url"), "url", owner),
            base_url=self.url(f.get("base_url"), "base_url", owner),
            color=self.color(f.get("color"), owner),
        )

    def year(self, node: Node | None) -> int | None:
        value = self.text(node, "season", "the series", kind="a year")
        if value is None:
            return None
        if not _YEAR.fullmatch(value):
            self.add(node, f"season {_q(value)} is not a year; write it in digits, e.g. 2026")
        elif not 2000 <= int(value) <= 2100:
            self.add(node, f"season {value} is not a year from 2000 to 2100; write the full "
                           "year, e.g. 2026")
        else:
            return int(value)
        return None

    def classes(self, node: Node | None) -> list[RallyClass]:
        items = self.items(node, "'classes' in the file", "add at least one class")
        if items is None:
            return []
        self.class_ids = {}
        found = []
        for index, item in enumerate(items, 1):
            owner = _label(item, "class", index)
            f = self.fields(item, owner, owner, ("id", "name", "short"), ("color",))
            if f is None:
                continue
            found.append(RallyClass(
                id=self.unique_id(f.get("id"), owner, "class", self.class_ids),
                name=self.text(f.get("name"), "name", owner),
                short=self.text(f.get("short"), "short", owner),
                color=self.color(f.get("color"), owner),
            ))
        return found

    def rounds(self, node: Node | None) -> list[Round]:
        items = self.items(node, "'rounds' in the file", "add at least one round")
        if items is None:
            return []
        self.round_ids = seen = {}
        found = [r for index, item in enumerate(items, 1) if (r := self.round(item, index, seen))]
        found.sort(key=lambda r: (r.first_day or date.min, r.last_day or date.min))
        self.round_order = {r.id: number for number, r in enumerate(found, 1)}
        return [replace(r, number=number) for number, r in enumerate(found, 1)]

    def round(self, node: Node, index: int, seen: dict[str, Node]) -> Round | None:
        owner = _label(node, "round", index)
        f = self.fields(node, owner, owner, ("id", "name", "first_day", "last_day", "venue"),
                        ("status", "classes", "notes", "url", "schedule"))
        if f is None:
            return None
        round_id = self.unique_id(f.get("id"), owner, "round", seen)
        first = self.day(f.get("first_day"), "first_day", owner)
        last = self.day(f.get("last_day"), "last_day", owner)
        if first and last and last < first:
            self.add(f["last_day"], f"last_day {last} is before first_day {first}; swap them "
                                    "or fix the date")
        if first and self.season_year and first.year != self.season_year:
            self.add(f["first_day"], f"first_day {first} is not in the {self.season_year} season; "
                                     "fix the year, or the series' season")
        venue = self.venue(f.get("venue"), owner)
        before = len(self.report.problems)
        if "classes" in f:
            runs = self.references(f["classes"], "classes", owner, "class", "classes",
                                   self.class_ids,
                                   "list class ids, or delete the line to run every class")
            classes = tuple(value for _, value in runs)
        else:
            classes = tuple(self.class_ids or ())
        if round_id:  # which classes run here is unknown if they could not all be checked
            known = self.class_ids is not None and len(self.report.problems) == before
            self.classes_of[round_id] = classes if known else None
        days = (first, last) if first and last and first <= last else None
        zone = ZoneInfo(venue.timezone) if venue and venue.timezone else None
        schedule = self.schedule(f.get("schedule"), owner, days, zone)
        return Round(
            id=round_id,
            number=0,
            name=self.text(f.get("name"), "name", owner),
            first_day=first,
            last_day=last,
            venue=venue,
            classes=classes,
            status=self.choice(f.get("status"), "status", owner, STATUSES) or "confirmed",
            notes=self.text(f.get("notes"), "notes", owner, optional=True, limit=NOTES_LIMIT,
                            multiline=True),
            url=self.url(f.get("url"), "url", owner),
            schedule=tuple(schedule),
        )

    def venue(self, node: Node | None, round_owner: str) -> Venue | None:
        owner = f"the venue of {round_owner}"
        f = self.fields(node, f"'venue' in {round_owner}", owner,
                        ("town", "state", "country", "timezone", "latitude", "longitude"), ())
        if f is None:
            return None
        return Venue(
            town=self.text(f.get("town"), "town", owner),
            state=self.text(f.get("state"), "state", owner),
            country=self.text(f.get("country"), "country", owner),
            timezone=self.timezone(f.get("timezone"), owner),
            latitude=self.number(f.get("latitude"), "latitude", owner, 90, "45.005"),
            longitude=self.number(f.get("longitude"), "longitude", owner, 180, "-84.144"),
        )

    def schedule(self, node: Node | None, round_owner: str, days: tuple[date, date] | None,
                 zone: ZoneInfo | None) -> list[ScheduleItem]:
        seen: dict[str, Node] = {}
        items = self.items(node, f"'schedule' in {round_owner}") or []
        found = (self.schedule_item(item, index, round_owner, days, zone, seen)
                 for index, item in enumerate(items, 1))
        return [item for item in found if item]

    def schedule_item(self, node: Node, index: int, round_owner: str,
                      days: tuple[date, date] | None, zone: ZoneInfo | None,
                      seen: dict[str, Node]) -> ScheduleItem | None:
        owner = f"{_label(node, 'schedule item', index)} of {round_owner}"
        f = self.fields(node, owner, owner, ("id", "name", "day", "start", "end"), ("end_day",))
        if f is None:
            return None
        item_id = self.unique_id(f.get("id"), owner, "schedule item", seen)
        name = self.text(f.get("name"), "name", owner)
        day = self.day(f.get("day"), "day", owner)
        end_day = self.day(f.get("end_day"), "end_day", owner) if "end_day" in f else day
        start = self.clock(f.get("start"), "start", owner)
        end = self.clock(f.get("end"), "end", owner)
        if day and days and not days[0] <= day <= days[1]:
            self.add(f["day"], f"day {day} is not a day of the round ({days[0]} to {days[1]}); "
                               "use one of its days")
            day = None
        if day and end_day and "end_day" in f:
            if end_day < day:
                self.add(f["end_day"], f"end_day {end_day} is before day {day}; fix the date")
                end_day = None
            elif days and end_day > days[1] + timedelta(days=1):
                self.add(f["end_day"], f"end_day {end_day} is more than a day after the round's "
                                       f"last day {days[1]}; fix the date")
                end_day = None
        if day is None or end_day is None or start is None or end is None:
            return None
        local_start = datetime.combine(day, start)
        local_end = datetime.combine(end_day, end)
        if local_end <= local_start:
            verb = "set" if "end_day" in f else "add"
            self.add(f["end"], f"{owner} ends before it starts ({start:%H:%M} to {end:%H:%M}); "
                               f"if it ends after midnight, {verb} end_day: "
                               f"{day + timedelta(days=1)}")
            return None
        if zone is None:
            return None
        utc_start = self.instant(f["start"], local_start, zone)
        utc_end = self.instant(f["end"], local_end, zone)
        if utc_start is None or utc_end is None:
            return None
        return ScheduleItem(id=item_id, name=name, local_start=local_start, local_end=local_end,
                            start=utc_start, end=utc_end)

    def instant(self, node: Node, local: datetime, zone: ZoneInfo) -> datetime | None:
        """The UTC instant of a local time, or None after reporting a DST gap or overlap.

        zoneinfo, not pytz: pytz knows no daylight-saving time after 2037.
        """
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
        f = self.fields(node, owner, owner, ("id", "name", "crews", "rounds"),
                        ("short", "run_by", "notes", "color"))
        if f is None:
            return None
        crew_nodes = self.items(f.get("crews"), f"'crews' in {owner}",
                                "add at least one crew with driver, car and class") or []
        crews = [self.crew(item, number, owner) for number, item in enumerate(crew_nodes, 1)]
        entries = self.entries(f.get("rounds"), owner)
        for where, round_id in entries:
            runs = self.classes_of.get(round_id)
            for number, crew in enumerate(crews, 1):
                if crew and crew.class_id and runs is not None and crew.class_id not in runs:
                    self.add(where, f"round '{round_id}' does not run class '{crew.class_id}' of "
                                    f"crew {number} ({crew.driver}); remove the round from the "
                                    "team or add the class to the round")
        name = self.text(f.get("name"), "name", owner)
        return Team(
            id=self.unique_id(f.get("id"), owner, "team", seen),
            name=name,
            short=self.text(f.get("short"), "short", owner, optional=True) or name,
            crews=tuple(crews),
            rounds=tuple(sorted((round_id for _, round_id in entries),
                                key=lambda round_id: self.round_order.get(round_id, 0))),
            run_by=self.text(f.get("run_by"), "run_by", owner, optional=True),
            notes=self.text(f.get("notes"), "notes", owner, optional=True, limit=NOTES_LIMIT,
                            multiline=True),
            color=self.color(f.get("color"), owner),
        )

    def entries(self, node: Node | None, owner: str) -> list[tuple[Node, str]]:
        """The rounds a team enters (`all` or a list of ids), each with where it was written."""
        if not _given(node):
            return []
        if isinstance(node, SequenceNode):
            return self.references(node, "rounds", owner, "round", "rounds", self.round_ids,
                                   "list the round ids, or write all")
        if isinstance(node, ScalarNode) and not _is_null(node) and node.value.strip() == "all":
            return [(node, round_id) for round_id in self.round_ids or ()]
        value = self.text(node, "rounds", owner, kind="all or a list of round ids")
        if value is None:
            return []
        if self.report.suggest(value, ("all",)):
            hint = "did you mean 'all'?"
        elif self.round_ids and value in self.round_ids:
            hint = f"for that one round write [{value}]"
        else:
            hint = "write all, or a list of round ids such as [sno-drift, olympus]"
        self.add(node, f"'rounds' in {owner} must be all or a list of round ids, found "
                       f"{_q(value)}; {hint}")
        return []

    def crew(self, node: Node, number: int, team_owner: str) -> Crew | None:
        owner = f"crew {number} of {team_owner}"
        f = self.fields(node, owner, owner, ("driver", "car", "class"), ("co_driver",))
        if f is None:
            return None
        return Crew(
            driver=self.text(f.get("driver"), "driver", owner),
            car=self.text(f.get("car"), "car", owner),
            class_id=self.reference(f.get("class"), "class", owner, "class", "classes",
                                    self.class_ids),
            co_driver=self.text(f.get("co_driver"), "co_driver", owner, optional=True),
        )


def _label(node: Node, noun: str, index: int) -> str:
    """How messages name a list item: by its id when it has a plausible one, else by number."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == "id":
                text = value.value.strip() if isinstance(value, ScalarNode) else ""
                if text and len(text) <= ID_LIMIT and text.isprintable():
                    return f"{noun} '{text}'"
                break
    return f"{noun} {index}"
