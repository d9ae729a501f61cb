"""Checks of one value as the user wrote it: text, ids, days, clocks, numbers, colours,
URLs, time zones and references, each with a message that says how to fix it.

Each check takes the YAML node the value was written at and returns the value, or
None after reporting what is wrong. The `Kind` functions at the end give every check
the one signature the section tables (`rallycal.source.sections`) name them by.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date, time
from typing import TypeVar
from urllib.parse import urlsplit

from yaml.nodes import Node, ScalarNode

import rallycal.source.zones as zones
from rallycal.colors import CSS_COLORS
from rallycal.errors import RallycalError
from rallycal.model import STATUSES, Status
from rallycal.source.reader import Report, found, is_null, line_of, quoted

NAME_LIMIT = 200
NOTES_LIMIT = 4000
URL_LIMIT = 2000
ADDRESS_LIMIT = 300
MAX_WINDOW = 100
ID_LIMIT = 64
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the seasons rallycal takes

ID_RULE = (
    "ids use only a-z, 0-9 and '-', start with a letter or digit, "
    f"and are at most {ID_LIMIT} characters long"
)

_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
# Names Windows reserves for devices, with or without an extension: `con.ics` is no file there.
_DEVICE = re.compile(r"(con|prn|aux|nul|com[0-9]|lpt[0-9])")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CLOCK = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_DIGITS = re.compile(r"[0-9]{1,9}")
_NOT_IN_URL = re.compile(r"[\s\"'<>\\`\x00-\x1f\x7f]")
# What text may not hold: controls (Cc: U+0000-U+001F, U+007F-U+009F), U+2028 (Zl), U+2029 (Zp)
UNWANTED = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
UNWANTED_ON_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # tab, LF ok


def first_unwanted(value: str, multiline: bool = False) -> re.Match[str] | None:
    """The first character of `value` text may not hold (`multiline`: tab, LF allowed)."""
    return (UNWANTED_ON_LINES if multiline else UNWANTED).search(value)


def listing(names: Iterable[str]) -> str:
    """Names for a message, at most twelve."""
    shown = list(names)
    return ", ".join(shown[:12]) + (", ..." if len(shown) > 12 else "")


def fixed_id(value: str) -> str | None:
    """A valid id close to `value` (case, spaces, underscores, dots, accents), if any."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", value.lower())
                    if not unicodedata.combining(c))
    fixed = re.sub(r"[\s_.]+", "-", plain).strip("-")
    if len(fixed) <= ID_LIMIT and _ID.fullmatch(fixed) and fixed != value:
        return fixed
    return None


def plausible_id(text: str) -> bool:
    """Whether `text` can name an item in a message (it may still be an invalid id)."""
    return bool(text) and len(text) <= ID_LIMIT and text.isprintable()


def _web_address(value: str) -> bool:
    if _NOT_IN_URL.search(value):
        return False
    try:
        parts = urlsplit(value)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def url_problem(value: str, key: str) -> str | None:
    """What is wrong with a web address, or None."""
    if not _web_address(value):
        return (
            f"{key} {quoted(value)} is not an absolute http(s) address without spaces, "
            "quotes or '<>'; write it like https://example.org/rally"
        )
    if key == "base_url" and ("?" in value or "#" in value):
        return (
            f"base_url {quoted(value)} has a '?' or '#'; give the folder's plain address, "
            "e.g. https://example.org/calendars/"
        )
    return None


def normalise_base_url(value: str) -> str:
    """A base URL given on the command line, checked like the source's, ending in '/'."""
    problem = url_problem(value, "base_url")
    if problem:
        raise RallycalError(f"--base-url: {problem}")
    return value if value.endswith("/") else value + "/"


class Values:
    """The checks of single values; each reports to `report` and returns None on a problem."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.add = report.add
        self.did_you_mean = report.did_you_mean

    def text(self, node: Node, key: str, owner: str, *, optional: bool = False,
             limit: int = NAME_LIMIT, multiline: bool = False, kind: str = "text") -> str | None:
        """Stripped, non-empty text without control characters or line separators, at most
        `limit` long."""
        if not isinstance(node, ScalarNode):
            self.add(node, f"expected {kind} for '{key}' in {owner}, found {found(node)}; "
                           "write a single value")
            return None
        value = "" if is_null(node) else node.value.strip()
        unwanted = first_unwanted(value, multiline)
        bad = unwanted.group() if unwanted else None
        what = f"'{key}' in {owner}"
        if not value:
            fix = "fill it in or delete the line" if optional else "fill it in"
            self.add(node, f"{what} is empty; {fix}")
        elif bad == "\n":
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

    def ident(self, node: Node, key: str, owner: str) -> str | None:
        value = self.text(node, key, owner)
        if value is not None and _DEVICE.fullmatch(value):
            self.add(node, f"invalid id {quoted(value)}: Windows reserves it for a device, so it "
                           f"cannot be a file name there; choose another, e.g. '{value}-1'")
            return None
        if value is None or (len(value) <= ID_LIMIT and _ID.fullmatch(value)):
            return value
        odd = next((c for c in value if not c.isascii()), None)
        detail = ""
        if odd:
            character = f"U+{ord(odd):04X} {unicodedata.name(odd, '')}".strip()
            detail = f" (it contains {character})"
        fixed = fixed_id(value)
        hint = f"; did you mean '{fixed}'?" if fixed else ""
        self.add(node, f"invalid id {quoted(value)}{detail}; {ID_RULE}{hint}")
        return None

    def unique_id(self, node: Node, owner: str, noun: str, seen: dict[str, Node]) -> str | None:
        """An id not yet in `seen`, which records where each was first written."""
        value = self.ident(node, "id", owner)
        if value is not None:
            if value in seen:
                self.add(node, f"duplicate {noun} id '{value}' (first on line "
                               f"{line_of(seen[value])}); give each {noun} its own id")
            else:
                seen[value] = node
        return value

    def day(self, node: Node, key: str, owner: str) -> date | None:
        value = self.text(node, key, owner, kind="a day (YYYY-MM-DD)")
        if value is None:
            return None
        if not _DAY.fullmatch(value):
            self.add(node, f"{key} {quoted(value)} is not a day; write it as YYYY-MM-DD, "
                           "e.g. 2026-02-06")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.add(node, f"{value} is not a real date; check the month and the day")
            return None

    def clock(self, node: Node, key: str, owner: str) -> time | None:
        value = self.text(node, key, owner, kind="a time (HH:MM)")
        if value is None:
            return None
        match = _CLOCK.fullmatch(value)
        if not match:
            self.add(node, f"{key} {quoted(value)} is not a time; write it as 24-hour HH:MM "
                           "from 00:00 to 23:59, e.g. \"09:30\"")
            return None
        return time(int(match[1]), int(match[2]))

    def number(self, node: Node, key: str, owner: str, limit: int,
               example: str) -> float | None:
        value = self.text(node, key, owner, kind="a number")
        if value is None:
            return None
        if not _NUMBER.fullmatch(value):
            self.add(node, f"{key} {quoted(value)} is not a plain decimal number; write it with "
                           f"digits and a '.', e.g. {example}")
            return None
        number = float(value)
        if not -limit <= number <= limit:
            self.add(node, f"{key} {value} is not between -{limit} and {limit}; "
                           "check the value and its sign")
            return None
        return number

    def year(self, node: Node, key: str, owner: str, *, optional: bool = False) -> int | None:
        value = self.text(node, key, owner, optional=optional, kind="a year")
        if value is None:
            return None
        if not _DIGITS.fullmatch(value):
            self.add(node, f"{key} {quoted(value)} is not a year; write it in digits, e.g. 2026")
        elif not FIRST_YEAR <= int(value) <= LAST_YEAR:
            self.add(node, f"{key} {value} is not a year from {FIRST_YEAR} to {LAST_YEAR}; "
                           "write the full year, e.g. 2026")
        else:
            return int(value)
        return None

    def count(self, node: Node, key: str, owner: str, limit: int, what: str) -> int | None:
        """A whole number from 1 to `limit`."""
        value = self.text(node, key, owner, optional=True, kind="a whole number")
        if value is None:
            return None
        if not _DIGITS.fullmatch(value) or not 1 <= int(value) <= limit:
            self.add(node, f"{key} {quoted(value)} is not a whole number of {what} from 1 to "
                           f"{limit}; write it in digits, e.g. 2")
            return None
        return int(value)

    def status(self, node: Node, key: str, owner: str) -> Status | None:
        value = self.text(node, key, owner, optional=True)
        if value is None:
            return None
        for status in STATUSES:
            if value == status:
                return status
        hint = self.did_you_mean(value, STATUSES, "use one of them")
        self.add(node, f"{key} {quoted(value)} is not one of {', '.join(STATUSES)}; {hint}")
        return None

    def color(self, node: Node, key: str, owner: str) -> str | None:
        value = self.text(node, key, owner, optional=True)
        if value is None:
            return None
        if value.lower() in CSS_COLORS:
            return value.lower()
        hint = self.did_you_mean(value, CSS_COLORS, "use a named colour such as 'teal'")
        self.add(node, f"color {quoted(value)} is not a CSS colour name; {hint}")
        return None

    def url(self, node: Node, key: str, owner: str) -> str | None:
        value = self.text(node, key, owner, optional=True, limit=URL_LIMIT)
        if value is None:
            return None
        problem = url_problem(value, key)
        if problem:
            self.add(node, problem)
            return None
        return value if key != "base_url" or value.endswith("/") else value + "/"

    def timezone(self, node: Node, key: str, owner: str) -> str | None:
        """A location zone of the tz database zoneinfo converts with (`zones`)."""
        value = self.text(node, key, owner)
        if value is None or zones.is_location(value):
            return value
        meant = zones.common_meaning(value)
        target = zones.link_target(value) if "/" in value or not meant else None
        known = zones.loads(value)
        if target:
            hint = f"use '{target}', the location zone it stands for"
        elif meant:
            hint = "did you mean " + " or ".join(f"'{zone}'" for zone in meant) + "?"
        elif zones.key_of(value) in zones.UNIVERSAL:
            hint = ("name the zone of the venue's place, such as Europe/London, or "
                    "Atlantic/Reykjavik for UTC all year")
        elif known:
            hint = "name the zone of the venue's place, such as America/Chicago"
        else:
            hint = self.did_you_mean(value, zones.location_zones(),
                                     "use a name such as America/Chicago")
        if known:
            self.add(node, f"{quoted(value)} is not a location time zone (aliases, "
                           "abbreviations and fixed offsets can miss daylight-saving time); "
                           f"{hint}")
        else:
            self.add(node, f"{quoted(value)} is not an IANA time zone; {hint}")
        return None

    def reference(self, node: Node, key: str, owner: str, noun: str, plural: str,
                  known: dict[str, Node] | None) -> str | None:
        """An id that must name something in another section (`known`, when usable)."""
        value = self.text(node, key, owner)
        if value is None or known is None or value in known:
            return value
        hint = self.did_you_mean(value, known, f"the {plural} are {listing(known)}")
        self.add(node, f"unknown {noun} {quoted(value)} in {owner}; {hint}")
        return None


# -- kinds: every check with the one signature the section tables use -------------------

T = TypeVar("T")
Kind = Callable[[Values, Node, str, str, bool], T | None]
"""Checks the value at a node: (values, node, key, owner, optional) -> value or None."""


def text(v: Values, node: Node, key: str, owner: str, optional: bool) -> str | None:
    """One line of text, such as a name."""
    return v.text(node, key, owner, optional=optional)


def notes(v: Values, node: Node, key: str, owner: str, optional: bool) -> str | None:
    """Longer text, which may run over several lines."""
    return v.text(node, key, owner, optional=optional, limit=NOTES_LIMIT, multiline=True)


def ident(v: Values, node: Node, key: str, owner: str, optional: bool) -> str | None:
    """An id (file names and UIDs are made of it)."""
    return v.ident(node, key, owner)


def address(v: Values, node: Node, key: str, owner: str, optional: bool) -> str | None:
    """A street address, on one line."""
    return v.text(node, key, owner, optional=optional, limit=ADDRESS_LIMIT)


def window(v: Values, node: Node, key: str, owner: str, optional: bool) -> int | None:
    """How many of the latest seasons the stable feeds carry."""
    return v.count(node, key, owner, MAX_WINDOW, "seasons")


def day(v: Values, node: Node, key: str, owner: str, optional: bool) -> date | None:
    """A day, YYYY-MM-DD."""
    return v.day(node, key, owner)


def clock(v: Values, node: Node, key: str, owner: str, optional: bool) -> time | None:
    """A time of day, 24-hour HH:MM."""
    return v.clock(node, key, owner)


def year(v: Values, node: Node, key: str, owner: str, optional: bool) -> int | None:
    """A year from 2000 to 2100."""
    return v.year(node, key, owner, optional=optional)


def latitude(v: Values, node: Node, key: str, owner: str, optional: bool) -> float | None:
    """Degrees north, -90 to 90."""
    return v.number(node, key, owner, 90, "45.005")


def longitude(v: Values, node: Node, key: str, owner: str, optional: bool) -> float | None:
    """Degrees east, -180 to 180."""
    return v.number(node, key, owner, 180, "-84.144")


def status(v: Values, node: Node, key: str, owner: str, optional: bool) -> Status | None:
    """One of the round statuses."""
    return v.status(node, key, owner)


def color(v: Values, node: Node, key: str, owner: str, optional: bool) -> str | None:
    """A CSS colour name."""
    return v.color(node, key, owner)


def url(v: Values, node: Node, key: str, owner: str, optional: bool) -> str | None:
    """An absolute http(s) address."""
    return v.url(node, key, owner)


def timezone(v: Values, node: Node, key: str, owner: str, optional: bool) -> str | None:
    """An IANA time zone name."""
    return v.timezone(node, key, owner)
