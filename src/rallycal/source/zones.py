"""Which time zone names a venue may use, from the one database that also converts times.

zoneinfo converts local times (it reads `PYTHONTZPATH`, the system's tz database,
then the `tzdata` package), so the names come from the same place: the location
zones listed in that database's `zone.tab` and `zone1970.tab`, found in the first
folder of `zoneinfo.TZPATH` that has them, else in `tzdata`. Aliases kept for
backward compatibility (`US/Central`), abbreviations (`EST`) and fixed offsets
(`Etc/GMT+5`) are refused: most ignore daylight-saving time. When no `zone.tab` can
be found at all, any name zoneinfo loads that looks like `Area/Location` (and is not
under `Etc/`, `US/` or `SystemV/`) is accepted.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

# What people write for a zone, and every location zone they may mean.
COMMON_NAMES: dict[str, tuple[str, ...]] = {}
for _names, _zones in (
    ("EST EDT ET Eastern", ("America/New_York",)),
    ("CST CDT CT Central", ("America/Chicago",)),
    ("MST MDT MT Mountain", ("America/Denver", "America/Phoenix")),
    ("PST PDT PT Pacific", ("America/Los_Angeles",)),
    ("AKST AKDT Alaska", ("America/Anchorage",)),
    ("HST HAST HADT Hawaii", ("Pacific/Honolulu",)),
    ("AST ADT Atlantic", ("America/Halifax", "America/Puerto_Rico")),
    ("NST NDT Newfoundland", ("America/St_Johns",)),
    ("GMT BST WET WEST", ("Europe/London", "Europe/Lisbon")),
    ("CET CEST MET MEST", ("Europe/Paris", "Europe/Berlin")),
    ("EET EEST", ("Europe/Athens", "Europe/Helsinki")),
    ("MSK", ("Europe/Moscow",)),
    ("IST", ("Asia/Kolkata", "Europe/Dublin")),
    ("JST", ("Asia/Tokyo",)),
    ("AEST AEDT", ("Australia/Sydney", "Australia/Brisbane")),
    ("ACST ACDT", ("Australia/Adelaide", "Australia/Darwin")),
    ("AWST", ("Australia/Perth",)),
    ("NZST NZDT", ("Pacific/Auckland",)),
):
    for _name in _names.split():
        COMMON_NAMES[_name.lower()] = _zones
# Names of no place at all: UTC and its synonyms.
UNIVERSAL = frozenset(
    ["utc", "uct", "z", "zulu", "universal", "gmt0", "gmt+0", "gmt-0", "greenwich"]
)
_NAME = re.compile(r"[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*")
_NOT_LOCATIONS = ("Etc/", "US/", "SystemV/")


@functools.lru_cache(maxsize=1)
def location_zones() -> frozenset[str]:
    """The location zones of the tz database zoneinfo reads, or of its best guess.

    A name listed here may still fail to load (a database with its zone.tab but not
    every zone file): `is_location` checks both.
    """
    for folder in _tab_folders():
        names: set[str] = set()
        for tab in ("zone.tab", "zone1970.tab"):
            path = folder / tab
            if path.is_file():
                _add_zones(names, path.read_text(encoding="utf-8"))
        if names:
            return frozenset(names)
    available = zoneinfo.available_timezones()
    return frozenset(name for name in available
                     if "/" in name and not name.startswith(_NOT_LOCATIONS))


def is_location(name: str) -> bool:
    """Whether a venue may use this zone: a location zone that zoneinfo loads."""
    return name in location_zones() and loads(name)


def _tab_folders() -> Iterator[Path]:
    for folder in zoneinfo.TZPATH:
        yield Path(folder)
    try:
        root = importlib.resources.files("tzdata").joinpath("zoneinfo")
    except (ModuleNotFoundError, TypeError):
        return
    yield Path(str(root))


def _add_zones(names: set[str], text: str) -> None:
    """Add the zone names of a zone.tab or zone1970.tab: the third column."""
    for line in text.splitlines():
        if line and not line.startswith("#"):
            columns = line.split("\t")
            if len(columns) >= 3:
                names.add(columns[2])


def loads(name: str) -> bool:
    """Whether zoneinfo knows a zone of this name."""
    if not _NAME.fullmatch(name) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def key_of(value: str) -> str:
    """A zone as people write it, reduced to a key of `COMMON_NAMES` ("us/central" -> "central")."""
    words = re.sub(r"[\s_-]*(standard|daylight)?[\s_-]*time$", "", value.strip(), flags=re.I)
    key = words.lower()
    for prefix in ("us/", "us ", "etc/"):
        key = key.removeprefix(prefix)
    return key.strip()


def common_meaning(value: str) -> tuple[str, ...]:
    """The location zones an abbreviation or zone word may mean ("CST", "Mountain Time")."""
    return COMMON_NAMES.get(key_of(value), ())


def link_target(value: str) -> str | None:
    """The location zone an alias (`US/Central`, `Europe/Belfast`) stands for, if any."""
    if not loads(value):
        return None
    data = _tzif(value)
    if data is None:
        return None
    matches = [name for name in sorted(location_zones()) if _tzif(name) == data]
    return matches[0] if len(matches) == 1 else None


@functools.cache
def _tzif(name: str) -> bytes | None:
    """The TZif data zoneinfo would read for `name` (a valid, loadable key)."""
    for folder in _tab_folders():
        path = folder.joinpath(*name.split("/"))
        if path.is_file():
            return path.read_bytes()
    return None
