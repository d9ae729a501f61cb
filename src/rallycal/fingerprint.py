"""What an export's output was made from, in one digest: a shortcut, never the judge.

An export whose fingerprint matches the manifest's (and whose files still hash as the
manifest says) has nothing to do. Anything that can change the output is covered: the
source's bytes, every file of the package (data files too), the time-zone data each
zone the source uses resolves to (found the way `zoneinfo` finds it: `PYTHONTZPATH` or
the system database first, the `tzdata` package last), the versions of Python and of
the libraries, and the options. Whenever it does not match, the export builds and
compares bytes, exactly as `export --check` always does.

Start-up matters here: this module is on the no-op path (`rallycal export` with
nothing to do), so the libraries' versions are read from their `.dist-info` folder
names on `sys.path` (importing `importlib.metadata` alone took 15 ms, more than the
rest of the check on the shipped season), and what does not change within a process
(the package's files, the versions) is read once.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
import zoneinfo
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from rallycal import __version__

if TYPE_CHECKING:
    from rallycal.model import Championship

LIBRARIES = ("pyyaml", "click", "segno", "tzdata")  # what the output is made with


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
    digest = _code().copy()
    digest.update(f"base_url {base_url}\0".encode())
    for zone in sorted(set(zones)):
        digest.update(b"zone " + zone.encode() + b"\0" + zone_data(zone) + b"\0")
    return digest


@functools.cache
def _code() -> hashlib._Hash:
    """A digest of the version of rallycal, Python and the libraries, and every file of the
    package: read and hashed once a process, copied for each fingerprint."""
    digest = hashlib.sha256(f"rallycal {__version__}\0python {sys.version}\0".encode())
    versions = _versions()
    for library in LIBRARIES:
        digest.update(f"{library} {versions.get(library, 'absent')}\0".encode())
    for name, path in _package_files():
        with open(path, "rb", buffering=0) as file:
            data = file.read()
        digest.update(b"file " + name.encode() + b"\0" + data + b"\0")
    return digest


def package_files() -> list[Path]:
    """Every file of the installed package, data files included (compiled caches aside),
    in the order of their paths' parts."""
    package = Path(__file__).parent
    return [package / name for name, _ in _package_files()]


def _package_files() -> list[tuple[str, str]]:
    """`package_files` as (name relative to the package, path) strings: building a Path
    for each file, then its path relative to the package, took a third of `_code`."""
    found: list[tuple[tuple[str, ...], str]] = []
    folders: list[tuple[str, tuple[str, ...]]] = [(os.path.dirname(__file__), ())]
    while folders:  # os.scandir: a tenth of the time of Path.rglob, which reads __pycache__ too
        folder, parts = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        folders.append((entry.path, (*parts, entry.name)))
                elif entry.is_file() and not entry.name.endswith(".pyc"):
                    found.append(((*parts, entry.name), entry.path))
    found.sort()  # by the parts of the names, which differ: the paths are never compared
    return [("/".join(parts), path) for parts, path in found]


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
        from importlib import resources  # only where the system has no tz database

        return (resources.files(package.rstrip(".")) / key.split("/")[-1]).read_bytes()
    except (ImportError, OSError, ValueError):
        return b""


def _versions() -> dict[str, str]:
    """The installed version of each of `LIBRARIES`, from the first `NAME-VERSION.dist-info`
    folder on `sys.path`, as `importlib.metadata` finds it."""
    wanted = {_normal(library): library for library in LIBRARIES}
    found: dict[str, str] = {}
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info") and "-" in name:
                project, version = name[: -len(".dist-info")].split("-", 1)
                library = wanted.get(_normal(project))
                if library is not None and library not in found:
                    found[library] = version
    return found


def _normal(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")
