"""RFC 5545 content lines written as plain strings: values, parameters, order, folding.

This module knows nothing about rallies: `rallycal.ics` decides which properties an
event or a calendar has and what they say, and hands them here as `Prop` tuples.
What comes out is byte for byte what icalendar 7 writes for the same properties
(its property and parameter order, its quoting and its folding), without building
one object per property: tests/test_ics.py keeps icalendar as the reference and
compares the two on every event of the test seasons and on generated text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Union

Value = Union[str, date, datetime, timedelta, "tuple[float, float]", "list[str]"]
"""What a property holds, by Python type: `str` is TEXT (or written as given when the
parameters say `VALUE=URI`), `date` a DATE (with `VALUE=DATE`), `datetime` an aware
UTC DATE-TIME, `timedelta` a DURATION, a pair of floats a GEO and a list of `str` a
multi-valued TEXT such as CATEGORIES."""

Property = tuple[str, Value, Mapping[str, str]]
"""One property: its upper-case name, its value and its parameters."""

NO_PARAMS: Mapping[str, str] = MappingProxyType({})

FOLD_LIMIT = 75  # icalendar folds before a line would reach 75 octets
_LONGEST = FOLD_LIMIT - 1  # so a line (or a fold, after its leading space) holds 74 at most
_FOLD = "\r\n "
_KEEP_WITH_NEXT = frozenset(b"\\^")  # escape starts icalendar never leaves at a line's end

# icalendar's parameter quoting (icalendar.parser.parameter): these are always quoted,
# and any value with one of `,;:’` is too.
_ALWAYS_QUOTED = frozenset(
    {"ALTREP", "DELEGATED-FROM", "DELEGATED-TO", "DIR", "MEMBER", "SENT-BY",
     "X-ADDRESS", "X-TITLE", "LINKREL"}
)
# The typographic apostrophe too, as icalendar does. A set, not a regular expression:
# compiling a class with a character past U+00FF cost more than every search of an export.
_QUOTABLE = frozenset(",;:’")
_RFC6868 = re.compile(r'\^|\r\n|\r|\n|"')
_RFC6868_CODES = {"^": "^^", "\r\n": "^n", "\r": "^n", "\n": "^n", '"': "^'"}

# The order icalendar writes properties in: these first, the rest alphabetically.
EVENT_ORDER = (
    "SUMMARY", "DTSTART", "DTEND", "DURATION", "DTSTAMP", "UID", "RECURRENCE-ID",
    "SEQUENCE", "RRULE", "RDATE", "EXDATE",
)
CALENDAR_ORDER = (
    "VERSION", "PRODID", "CALSCALE", "METHOD", "DESCRIPTION", "X-WR-CALDESC", "NAME",
    "X-WR-CALNAME",
)


def text(value: str) -> str:
    """A TEXT value escaped as RFC 5545 (3.3.11) says: backslash, `;`, `,` and line breaks.

    Nothing else: a backslash followed by N in the source is data, not a line break.
    """
    return (
        value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
    )


def text_list(values: Iterable[str]) -> str:
    """A multi-valued TEXT property (CATEGORIES): each value escaped, joined by commas."""
    return ",".join(map(text, values))


def day(value: date) -> str:
    """A DATE value: `20260206`."""
    return f"{value.year:04}{value.month:02}{value.day:02}"


def utc(value: datetime) -> str:
    """A DATE-TIME value in UTC form, `20260206T153000Z`, from an aware UTC datetime."""
    return (
        f"{value.year:04}{value.month:02}{value.day:02}"
        f"T{value.hour:02}{value.minute:02}{value.second:02}Z"
    )


def duration(value: timedelta) -> str:
    """A DURATION value, written as icalendar writes it (`PT6H`, `P1DT5S`, `-PT15M`)."""
    sign = ""
    if value.days < 0:
        sign, value = "-", -value
    time_part = ""
    if value.seconds:
        hours, rest = divmod(value.seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        time_part = "T"
        if hours:
            time_part += f"{hours}H"
        if minutes or (hours and seconds):
            time_part += f"{minutes}M"
        if seconds:
            time_part += f"{seconds}S"
    if value.days == 0 and time_part:
        return f"{sign}P{time_part}"
    return f"{sign}P{value.days}D{time_part}"


def geo(latitude: float, longitude: float) -> str:
    """A GEO value: two floats as Python writes them, separated by `;`."""
    return f"{float(latitude)};{float(longitude)}"


def params(values: Mapping[str, str]) -> str:
    """Property parameters as icalendar writes them: sorted, RFC 6868-escaped, quoted
    where a value holds `,;:` (or always, for X-TITLE and the like)."""
    key = tuple(values.items())
    written = _PARAMS.get(key)
    if written is None:
        if len(_PARAMS) >= _MEMO_LIMIT:
            _PARAMS.clear()
        written = _PARAMS[key] = _params(values)
    return written


def _params(values: Mapping[str, str]) -> str:
    out = []
    for key in sorted(values):
        value = _RFC6868.sub(_rfc6868_code, values[key]).replace('"', "'")
        if key in _ALWAYS_QUOTED or not _QUOTABLE.isdisjoint(value):
            value = f'"{value}"'
        out.append(f";{key}={value}")
    return "".join(out)


def fold(line: str) -> str:
    """One content line folded as icalendar folds it.

    A line or fold holds at most 74 octets (plus the leading space of a fold); a fold
    never splits a UTF-8 sequence, and never leaves a backslash or `^` at the end of a
    line (it moves to the next one, so an escape is never split).
    """
    if line.isascii():
        if len(line) <= _LONGEST:
            return line
        data = line
        start, end, parts = 0, len(line), []
        while end - start > _LONGEST:
            cut = start + _LONGEST
            if data[cut - 1] in "\\^":
                cut -= 1
            parts.append(data[start:cut])
            start = cut
        parts.append(data[start:])
        return _FOLD.join(parts)
    raw = line.encode()
    if len(raw) <= _LONGEST:
        return line
    start, end, chunks = 0, len(raw), []
    while end - start > _LONGEST:
        cut = start + _LONGEST
        while raw[cut] & 0xC0 == 0x80:  # inside a character: fold before it
            cut -= 1
        if raw[cut - 1] in _KEEP_WITH_NEXT:
            cut -= 1
        chunks.append(raw[start:cut])
        start = cut
    chunks.append(raw[start:])
    return b"\r\n ".join(chunks).decode()


def line(name: str, value: Value, parameters: Mapping[str, str] = NO_PARAMS) -> str:
    """One property as a folded content line, without its CRLF."""
    if type(value) is str:  # the common case first, without isinstance's walk
        written = value if parameters and parameters.get("VALUE") == "URI" else text(value)
    elif isinstance(value, str):
        written = value if parameters.get("VALUE") == "URI" else text(value)
    elif isinstance(value, datetime):
        if value.utcoffset() != timedelta(0):
            raise ValueError(f"{name}: {value} is not in UTC")
        written = utc(value)
    elif isinstance(value, date):
        written = day(value)
        if "VALUE" not in parameters:
            parameters = {**parameters, "VALUE": "DATE"}
    elif isinstance(value, timedelta):
        written = duration(value)
    elif isinstance(value, tuple):
        written = geo(*value)
    else:
        written = text_list(value)
    return fold(f"{name}{params(parameters)}:{written}" if parameters else f"{name}:{written}")


Line = tuple[str, str]
"""A property already written: its name (for ordering) and its folded content line."""


def lines(props: Iterable[Property]) -> list[Line]:
    """Properties written once, to be placed among others by `content`."""
    return [(name, line(name, value, parameters)) for name, value, parameters in props]


def content(
    props: Iterable[Property], order: tuple[str, ...] = (), written: Iterable[Line] = ()
) -> str:
    """Properties as folded content lines ending in CRLF, in icalendar's order: the names
    in `order` first, in that order, then the others alphabetically; several values of
    one property stay in the order given. `written` are lines rendered beforehand
    (the same for many calendars), placed among the others by name."""
    everything = [*written, *lines(props)]
    names = (order, *[name for name, _ in everything])
    places = _ORDERS.get(names)
    if places is None:
        rank, last = _ranks(order), len(order)
        places = sorted(range(len(everything)),
                        key=lambda i: (rank.get(everything[i][0], last), everything[i][0]))
        if len(_ORDERS) >= _MEMO_LIMIT:
            _ORDERS.clear()
        _ORDERS[names] = places
    return "\r\n".join([everything[i][1] for i in places]) + "\r\n" if everything else ""


def component(
    name: str, props: Iterable[Property], order: tuple[str, ...] = (), written: Iterable[Line] = ()
) -> str:
    """`BEGIN:name`, the properties as `content` writes them, `END:name`."""
    return f"BEGIN:{name}\r\n{content(props, order, written)}END:{name}\r\n"


_RANKS: dict[tuple[str, ...], dict[str, int]] = {}
_MEMO_LIMIT = 4096  # entries of each memo below; past it, it starts again
_PARAMS: dict[tuple[tuple[str, str], ...], str] = {}  # parameters written, by their values
_ORDERS: dict[tuple[object, ...], list[int]] = {}  # where each line goes, by the names given


def _ranks(order: tuple[str, ...]) -> dict[str, int]:
    rank = _RANKS.get(order)
    if rank is None:
        rank = _RANKS[order] = {name: index for index, name in enumerate(order)}
    return rank


def _rfc6868_code(match: re.Match[str]) -> str:
    return _RFC6868_CODES[match.group()]
