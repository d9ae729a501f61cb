"""What an export's output was made from, in one digest: a shortcut, never the judge.

An export whose fingerprint matches the manifest's (and whose files still hash as the
manifest says) has nothing to do. Anything that can change the output is covered: the
source's bytes, every file of the package (data files too), the time-zone data each
zone the source uses resolves to (found the way `zoneinfo` finds it: `PYTHONTZPATH` or
the system database first, the `tzdata` package last), the versions of Python and of
the libraries, and the options. Whenever it does not match, the export builds and
compares bytes, exactly as `export --check` always does.
"""

from __future__ import annotations

import hashlib
import sys
import zoneinfo
from collections.abc import Iterable
from importlib import metadata, resources
from pathlib import Path

from rallycal import __version__
from rallycal.model import Championship

LIBRARIES = ("icalendar", "pyyaml", "click", "pytz", "tzdata")


def fingerprint(data: bytes, base_url: str | None, zones: Iterable[str]) -> str:
    """The digest of everything the output of `data` depends on, the last publication aside."""
    digest = _environment(zones, base_url)
    digest.update(b"source\0" + data)
    return digest.hexdigest()


def environment(zones: Iterable[str]) -> str:
    """The digest of what renders the output, the source and options aside: the package,
    the libraries and the time-zone data of `zones` (the render cache's key, with the inputs)."""
    return _environment(zones, None).hexdigest()


def _environment(zones: Iterable[str], base_url: str | None) -> hashlib._Hash:
    digest = hashlib.sha256()
    digest.update(f"rallycal {__version__}\0python {sys.version}\0".encode())
    for library in LIBRARIES:
        digest.update(f"{library} {_version(library)}\0".encode())
    digest.update(f"base_url {base_url}\0".encode())
    package = Path(__file__).parent
    for file in package_files():
        name = file.relative_to(package).as_posix()
        digest.update(b"file " + name.encode() + b"\0" + file.read_bytes() + b"\0")
    for zone in sorted(set(zones)):
        digest.update(b"zone " + zone.encode() + b"\0" + zone_data(zone) + b"\0")
    return digest


def package_files() -> list[Path]:
    """Every file of the installed package, data files included (compiled caches aside)."""
    package = Path(__file__).parent
    return sorted(
        file
        for file in package.rglob("*")
        if file.is_file() and "__pycache__" not in file.parts and file.suffix != ".pyc"
    )


def zones(championship: Championship) -> tuple[str, ...]:
    """The time zones the venues are in (what the output's times depend on)."""
    return tuple(sorted({r.venue.timezone for s in championship.seasons for r in s.rounds}))


def zone_data(key: str) -> bytes:
    """The bytes `zoneinfo.ZoneInfo(key)` reads, or b"" when it would find none."""
    if key.startswith("/") or ".." in key.split("/"):
        return b""
    for folder in zoneinfo.TZPATH:
        path = Path(folder, key)
        if path.is_file():
            try:
                return path.read_bytes()
            except OSError:
                return b""
    try:
        package = "tzdata.zoneinfo." + ".".join(key.split("/")[:-1])
        return (resources.files(package.rstrip(".")) / key.split("/")[-1]).read_bytes()
    except (ImportError, OSError, ValueError):
        return b""


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "absent"
