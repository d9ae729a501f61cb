"""Bringing the output folder up to date, safely.

* Nothing is written unless the whole build succeeded and nothing published would
  vanish without `allow_removal`.
* Every changed file is first written in full to a temporary file beside it; only
  when all of them are written are they moved into place with `os.replace`, the
  manifest last. A crash leaves each file either old or new, never cut short; the
  next export sweeps up its leftover temporary files.
* Unchanged files are not rewritten. The exporter deletes only files its previous
  manifest says it wrote, and never writes outside the output folder.
* One export at a time per folder: an exclusive lock on the folder itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from rallycal import __version__
from rallycal.build import PAGE, Build, EventChange, Removal, build
from rallycal.errors import PublishError, RallycalError, RemovalRefused
from rallycal.history import Publication
from rallycal.manifest import MANIFEST, DamagedManifest, Manifest, PublishedFeed, read_manifest
from rallycal.source import normalise_base_url, parse, read_source

if sys.platform != "win32":
    import fcntl

TEMP_SUFFIX = ".rallycal-tmp"
FILE_MODE = 0o644
_SAFE_PART = re.compile(r"[a-z0-9][a-z0-9._-]*\Z")
_OWN_FILE = re.compile(rf"(all|(class|team|round)/[a-z0-9][a-z0-9-]*)\.ics|{re.escape(PAGE)}")


@dataclass
class Outcome:
    """What an export did (or, with `dry_run`, would do) to the output folder."""

    out_dir: str
    feeds: tuple[PublishedFeed, ...]  # the manifest's feed entries
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changes: list[EventChange] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)

    @property
    def stale(self) -> bool:
        return bool(self.written or self.removed)


def export_time() -> datetime:
    """Now, in UTC to the second; `SOURCE_DATE_EPOCH` when set (reproducible builds)."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None or value == "":
        return datetime.now(timezone.utc).replace(microsecond=0)
    if not value.isdigit():
        raise RallycalError(
            f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, not {value!r}"
        )
    try:
        return datetime.fromtimestamp(int(value), timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise RallycalError(f"SOURCE_DATE_EPOCH {value} is out of range") from None


def export(
    source: str,
    out_dir: str,
    *,
    base_url: str | None = None,
    allow_removal: bool = False,
    dry_run: bool = False,
) -> Outcome:
    """Export `source` into `out_dir`; with `dry_run`, only say what would change."""
    now = export_time()
    data = read_source(source)
    if base_url is not None:
        base_url = normalise_base_url(base_url)
    fingerprint = _fingerprint(data, base_url)
    out = Path(out_dir)
    with _locked(out, create=not dry_run):
        if not dry_run:
            _sweep_temp_files(out)
        previous_manifest = _read_manifest(out)
        owned = _owned_files(previous_manifest)
        if (
            not dry_run
            and previous_manifest is not None
            and _up_to_date(out, previous_manifest, owned, fingerprint)
        ):
            return Outcome(out_dir, previous_manifest.feeds, unchanged=sorted(owned))
        season = parse(data, source)
        if base_url is not None:
            season = season.with_base_url(base_url)
        result = build(season, _read_publication(out, previous_manifest), now, fingerprint)
        if result.removals and not allow_removal and not dry_run:
            raise RemovalRefused(removal_message(result.removals, source))
        outcome = _plan_writes(out, owned, result)
        if not dry_run:
            _write(out, result.files, outcome)
        return outcome


def removal_message(removals: list[Removal], source: str) -> str:
    """Why the export stopped, what would disappear, and the two ways on."""
    lines = ["export stopped: these published feeds or events would disappear for subscribers:"]
    for removal in removals:
        if removal.uid is None:
            lines.append(f"  feed {removal.path}")
        else:
            lines.append(f"  {removal.title} ({removal.uid}) from {removal.path}")
    lines.append(
        f"To tell subscribers a round will not run, keep it in {source} with "
        "`status: cancelled`; it stays in every feed, marked cancelled."
    )
    lines.append("To remove them anyway, run the export again with --allow-removal.")
    lines.append("Nothing was written.")
    return "\n".join(lines)


def _fingerprint(data: bytes, base_url: str | None) -> str:
    """Everything an export's output depends on, besides the last publication."""
    digest = hashlib.sha256()
    digest.update(f"rallycal {__version__}\0{base_url}\0".encode())
    package = Path(__file__).parent
    for file in sorted(package.rglob("*")):
        if file.is_file() and "__pycache__" not in file.parts and file.suffix != ".pyc":
            name = file.relative_to(package).as_posix()
            digest.update(name.encode() + b"\0" + file.read_bytes() + b"\0")
    digest.update(data)
    return digest.hexdigest()


@contextlib.contextmanager
def _locked(out: Path, *, create: bool) -> Iterator[None]:
    """Hold an exclusive lock on the output folder (waits for a running export)."""
    if create:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise PublishError(
                f"{out}: cannot create the output folder: {error.strerror}"
            ) from None
    if not out.is_dir():
        if out.exists():
            raise PublishError(f"{out}: is not a folder")
        yield
        return
    if sys.platform == "win32":  # no lock there: the atomic replaces still hold
        yield
        return
    fd = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _read_manifest(out: Path) -> Manifest | None:
    path = out / MANIFEST
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise PublishError(
            f"{path}: cannot read the last export's manifest ({error.strerror}); "
            "restore it, or move the output folder away to start afresh"
        ) from None
    try:
        return read_manifest(data)
    except DamagedManifest as error:
        raise PublishError(
            f"{path}: cannot read the last export's manifest: {error}; "
            "restore it, or move it away to start afresh"
        ) from None


def _owned_files(manifest: Manifest | None) -> dict[str, str]:
    """The files the last export wrote (path -> sha256): only names rallycal gives its files.

    The manifest is read, not trusted: a path in it that rallycal could not have
    written (the source, a host's 404.html) is never deleted.
    """
    files = manifest.files if manifest else {}
    return {p: d for p, d in files.items() if _OWN_FILE.fullmatch(p)}


def _up_to_date(out: Path, manifest: Manifest, owned: dict[str, str], fingerprint: str) -> bool:
    if not manifest.intact or manifest.fingerprint != fingerprint:
        return False
    for path, digest in owned.items():
        try:
            if hashlib.sha256((out / path).read_bytes()).hexdigest() != digest:
                return False
        except OSError:
            return False
    return True


def _read_publication(out: Path, manifest: Manifest | None) -> Publication:
    publication = Publication(manifest=manifest)
    for entry in manifest.feeds if manifest else ():
        if not _is_safe(entry.path):
            continue
        try:
            publication.add_feed(entry.path, (out / entry.path).read_bytes())
        except OSError:
            continue  # a feed deleted by hand: its events count as new
    return publication


def _plan_writes(out: Path, owned: dict[str, str], result: Build) -> Outcome:
    outcome = Outcome(
        str(out), result.published, changes=result.changes, removals=result.removals
    )
    for path, data in result.files.items():
        target = _target(out, path)
        try:
            same = target.read_bytes() == data
        except OSError:
            same = False
        (outcome.unchanged if same else outcome.written).append(path)
    outcome.removed = sorted(p for p in owned if p not in result.files and (out / p).is_file())
    return outcome


def _write(out: Path, files: dict[str, bytes], outcome: Outcome) -> None:
    """All new contents to temporary files first, then into place; the manifest last."""
    order = sorted(outcome.written, key=lambda p: p == MANIFEST)
    temps: list[tuple[str, Path]] = []
    path = ""
    try:
        for path in order:
            temps.append((path, _write_temp(_target(out, path), files[path])))
        for path, temp in temps:
            if path == MANIFEST:
                for stale in outcome.removed:
                    _target(out, stale).unlink(missing_ok=True)
            os.replace(temp, _target(out, path))
    except OSError as error:
        for _, temp in temps:
            with contextlib.suppress(OSError):
                temp.unlink()
        raise PublishError(
            f"{out}: cannot write {path}: {error.strerror or error}; "
            "the files already in place were left as they were"
        ) from None


def _write_temp(target: Path, data: bytes) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(name, FILE_MODE)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    return Path(name)


def _sweep_temp_files(out: Path) -> None:
    """Remove temporary files an interrupted export left behind (only ours)."""
    for folder in (out, out / "class", out / "team", out / "round"):
        if folder.is_dir() and not folder.is_symlink():
            for leftover in folder.glob(f".*{TEMP_SUFFIX}"):
                with contextlib.suppress(OSError):
                    leftover.unlink()


def _is_safe(path: str) -> bool:
    parts = path.split("/")
    return 0 < len(parts) <= 2 and all(
        _SAFE_PART.match(part) and ".." not in part for part in parts
    )


def _target(out: Path, path: str) -> Path:
    """The file `path` names inside `out`, refusing anything that could lead outside it."""
    target = out / path
    if not _is_safe(path):
        raise PublishError(f"refusing to write {path!r}: not a plain file name inside {out}")
    if target.parent != out and target.parent.is_symlink():
        raise PublishError(f"refusing to write {target}: {target.parent} is a symbolic link")
    return target
