"""From bytes to YAML nodes that keep every scalar's raw text and position.

The file is composed into YAML nodes from the events of a YAML parser (libyaml's
when PyYAML has it, else PyYAML's own), but never constructed into Python values:
every scalar keeps its raw text and its position, so `10:30` stays the text "10:30"
and `NO` stays "NO". Anchors, aliases and tags are refused where they stand (an alias is
never expanded), and the size, line length, nesting and number of values are capped,
so a hostile file costs little time and memory.

`Report` collects the problems every stage finds, each with its line and column.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, NoReturn, Union, cast

from yaml import MarkedYAMLError, YAMLError
from yaml.error import Mark
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
    SequenceEndEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.scanner import Scanner

from rallycal.errors import Problem

if TYPE_CHECKING:
    from yaml import CBaseLoader

_LibyamlParser: type[CBaseLoader] | None
try:  # libyaml's parser, in PyYAML's wheels: syntax errors are worded as libyaml words them.
    # Only its events are read (CBaseLoader is libyaml's parser with a constructor that
    # is never called).
    from yaml import CBaseLoader as _LibyamlParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _LibyamlParser = None

MAX_BYTES = 8 * 1024 * 1024  # far more than any season needs
MAX_LINE = 10_000
MAX_DEPTH = 20
MAX_VALUES = 500_000  # far more than any season holds
MAX_PROBLEMS = 200
SUGGESTION_BUDGET = 2_000_000  # characters compared to find "did you mean" hints, per file

ALIASES = "anchors and aliases (&name, *name) are not allowed; write the value out"

NULLS = ("", "~", "null", "Null", "NULL")  # YAML's null, written unquoted
_LINE_BREAK = re.compile(r"\r\n|[\r\n]")  # as editors and grep -n count lines
# Line breaks to YAML 1.1 (PyYAML) but not to editors: a comment would end there.
_YAML_ONLY_BREAK = re.compile("[\x85\u2028\u2029]")
_BREAK_NAMES = {"\x85": "next line", "\u2028": "line separator", "\u2029": "paragraph separator"}
_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{kind}" for kind in ("str", "seq", "map"))

Where = Node | Mark | tuple[int, int]


class Stop(Exception):
    """Checking cannot go on; the problems reported so far are the answer."""


class Report:
    """Collects problems, and stops the check once there are too many to be useful."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.suggestion_budget = SUGGESTION_BUDGET

    def add(self, where: Where, message: str) -> None:
        self.problems.append(Problem(*position(where), message))
        if len(self.problems) >= MAX_PROBLEMS:
            self.stop(where, f"stopped after {MAX_PROBLEMS} problems; fix these and check again")

    def stop(self, where: Where, message: str) -> NoReturn:
        self.problems.append(Problem(*position(where), message))
        raise Stop

    def line_of(self, node: Node) -> int:
        """The 1-based line a node starts on."""
        return position(node)[0]

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


def position(where: Where) -> tuple[int, int]:
    """The 1-based line and column of a node, a mark or a position."""
    if isinstance(where, tuple):
        return where
    mark = where.start_mark if isinstance(where, Node) else where
    return mark.line + 1, mark.column + 1


def end_of(text: str) -> tuple[int, int]:
    """The 1-based line and column just after `text`."""
    lines = _LINE_BREAK.split(text)
    return len(lines), len(lines[-1]) + 1


def read(data: bytes, report: Report) -> Node | None:
    """The root node of the source's one YAML document, or None for an empty one.

    Raises `Stop` when the file cannot be read as YAML at all.
    """
    if len(data) > MAX_BYTES:
        report.stop((1, 1), f"the file is larger than {MAX_BYTES // 1024 // 1024} MB, far more "
                            "than a season needs; check that this is the right file")
    text = _without_yaml_only_breaks(decode(data, report), report)
    too_long = False
    for number, line in enumerate(_LINE_BREAK.split(text), 1):
        if len(line) > MAX_LINE:
            too_long = True
            report.add((number, MAX_LINE + 1),
                       f"this line is {len(line):,} characters long; keep lines under "
                       f"{MAX_LINE:,} characters (write long text over several lines)")
    if too_long:
        raise Stop
    return _compose(text, report)


def _without_yaml_only_breaks(text: str, report: Report) -> str:
    """`text` with NEL, U+2028 and U+2029 reported where editors see them, then made spaces.

    PyYAML would count them as line breaks (shifting every later line number) and end
    a comment at them; as spaces, the rest of the file reads as an editor shows it.
    """
    line, line_start, counted = 1, 0, 0  # line breaks are counted up to `counted`
    for match in _YAML_ONLY_BREAK.finditer(text):
        for newline in _LINE_BREAK.finditer(text, counted, match.start()):
            line, line_start = line + 1, newline.end()
        counted = match.start()
        character = match.group()
        report.add((line, match.start() - line_start + 1),
                   f"the character U+{ord(character):04X} ({_BREAK_NAMES[character]}) is a line "
                   "break to YAML but not to editors; replace it with an ordinary line break "
                   "or a space")
    return _YAML_ONLY_BREAK.sub(" ", text)


def decode(data: bytes, report: Report) -> str:
    """The text of UTF-8 `data`, without a byte order mark."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[:error.start].decode("utf-8")
        report.stop(end_of(before), f"the file is not valid UTF-8 (byte 0x{data[error.start]:02x} "
                                    "here); save the file as UTF-8")


def _compose(text: str, report: Report) -> Node | None:
    try:  # PyYAML's own reader checks every character as it is made: inside the try
        return _Composer(_events(text), report).document()
    except ReaderError as error:
        code = error.character if isinstance(error.character, int) else ord(error.character)
        offset = error.position
        if _LibyamlParser is not None:  # libyaml counts bytes, not characters
            offset = len(text.encode("utf-8")[:offset].decode("utf-8", "ignore"))
        report.stop(end_of(text[:offset]),
                    f"the character U+{code:04X} is not allowed in YAML; delete it")
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "unreadable text"
        if _character_at(text, mark) == "\t":
            report.stop(mark or (1, 1),
                        "not valid YAML: a tab character here; indent with spaces, not tabs")
        report.stop(mark or (1, 1), f"not valid YAML: {problem}; check the indentation, and "
                                    "quote text that contains ': ' or ' #'")
    except YAMLError as error:
        report.stop((1, 1), f"not valid YAML: {error}; check the file's syntax")


class Rejected(ScalarNode):
    """Stands in for a value already reported (an alias, a tagged value); checks skip it."""

    def __init__(self, mark: Mark) -> None:
        super().__init__(_STR, "", mark, mark)


class _PythonParser(Reader, Scanner, Parser):
    """PyYAML's own reader, scanner and parser, for a PyYAML built without libyaml."""

    def __init__(self, text: str) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)


_Events = Union[_PythonParser, "CBaseLoader"]


def _events(text: str) -> _Events:
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
    number of values are capped.
    """

    def __init__(self, events: _Events, report: Report) -> None:
        self.events = events
        self.next = cast(Callable[[], Event], events.get_event)
        self.at = cast(Callable[[type[Event]], bool], events.check_event)
        self.report = report
        self.values = 0

    def document(self) -> Node | None:
        self.next()  # stream start
        if self.at(StreamEndEvent):
            return None
        self.next()  # document start
        root = self.node(0)
        self.next()  # document end
        if not self.at(StreamEndEvent):
            self.report.add(_mark(cast(Event, self.events.peek_event())),
                            "a second YAML document starts here; keep the whole season in "
                            "one document: remove this '---' and merge what follows")
        return root

    def node(self, depth: int) -> Node:
        event = self.next()
        start = _mark(event)
        self.values += 1
        if self.values > MAX_VALUES:
            self.report.stop(start, f"the file holds more than {MAX_VALUES:,} values, "
                                    "far more than a season needs; shorten it")
        if isinstance(event, AliasEvent):
            self.report.add(start, ALIASES)
            return Rejected(start)
        if isinstance(event, NodeEvent) and event.anchor is not None:
            self.report.add(start, ALIASES)
        node: Node
        if isinstance(event, ScalarEvent):
            node = ScalarNode(_STR, event.value, start, _mark(event, end=True),
                              style=event.style or "")  # plain: '', as libyaml has it
        else:
            if depth >= MAX_DEPTH:
                self.report.stop(start, f"the nesting here is deeper than {MAX_DEPTH} "
                                        "levels; flatten the structure")
            if isinstance(event, MappingStartEvent):
                pairs = []
                while not self.at(MappingEndEvent):
                    pairs.append((self.node(depth + 1), self.node(depth + 1)))
                node = MappingNode(_MAP, pairs, start, _mark(self.next(), end=True),
                                   event.flow_style)
            else:
                items = []
                while not self.at(SequenceEndEvent):
                    items.append(self.node(depth + 1))
                node = SequenceNode(_SEQ, items, start, _mark(self.next(), end=True),
                                    cast(CollectionStartEvent, event).flow_style)
        tag = event.tag if isinstance(event, (ScalarEvent, CollectionStartEvent)) else None
        if tag is not None:
            tag = re.sub(r"^tag:yaml\.org,2002:", "!!", tag)
            self.report.add(start, f"tags such as {quoted(tag)} are not allowed; remove it and "
                                   "write a plain value")
            return Rejected(start)
        return node


def _mark(event: Event, *, end: bool = False) -> Mark:
    """Where an event starts (or ends); libyaml's marks read like PyYAML's."""
    return cast(Mark, event.end_mark if end else event.start_mark)


# -- reading nodes ------------------------------------------------------------------------


def given(node: Node | None) -> bool:
    """Whether there is a node to check (missing and rejected ones were reported already)."""
    return node is not None and not isinstance(node, Rejected)


def is_null(node: Node) -> bool:
    """Whether the node is YAML's null (`~`, `null` or nothing), written unquoted."""
    return isinstance(node, ScalarNode) and not node.style and node.value in NULLS


def found(node: Node) -> str:
    """What a node is, for a message: "a list", "the text 'x'"."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if is_null(node):
        return "nothing"
    return f"the text {quoted(node.value)}"


def quoted(value: str) -> str:
    """`value` quoted for a message: shortened, with unprintable characters escaped."""
    if len(value) > 60:
        value = value[:57] + "..."
    shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in value)
    return f"'{shown}'"


def line_of(node: Node) -> int:
    """The 1-based line a node starts on."""
    return position(node)[0]
