"""Bringing the output folder up to date, safely.

* Nothing is written unless the whole build succeeded and nothing published would
  vanish without `allow_removal`. What was published is read from the feeds in the
  folder (`history.read_publication`), so a lost or damaged `feeds.json` protects
  nothing less.
* The changed files are written all or nothing (`atomic.apply`: temporary files beside
  their targets, then moved into place with the old versions kept until the change is
  durable on disk; any failure moves every old version back), the manifest last.
* Unchanged files are not rewritten. The exporter deletes only files it wrote (named as
  rallycal names its feeds, and listed in its manifest or carrying its PRODID), and never
  writes outside the output folder.
* The fingerprint only lets an export (or a dry run: `export --check`, `diff`) skip work:
  it must match the inputs and the manifest's own content, and every file must hash as
  the manifest says. Otherwise both build and compare bytes, and a manifest that differs
  only in its fingerprint does not make the folder stale.
* One export at a time per folder: an exclusive lock on the folder itself.
* Unchanged events are not rendered again: a verified render cache (`rallycal.cache`,
  kept in the user's cache folder, the only thing written outside the output folder)
  lets an edit cost what it changes.

The build, the render cache and the source's parser are imported inside `export`, once
it has work to do: the no-op path (fingerprint and file hashes match) is most exports
of a small season, and those imports were most of its time (measured with
`python -X importtime -m rallycal export`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from rallycal import atomic, collector
from rallycal.errors import PublishError, RallycalError, RemovalRefused
from rallycal.feeds import MANIFEST, is_feed_folder, is_own_path
from rallycal.fingerprint import environment, fingerprint, zones
from rallycal.history import Publication, own_feeds, read_feed, read_publication
from rallycal.manifest import DamagedManifest, Manifest, PublishedFeed, read_manifest, seal
from rallycal.model import Championship
from rallycal.source import read_source

if sys.platform != "win32":
    import fcntl

if TYPE_CHECKING:
    from rallycal.build import Build, EventChange, OutputFile, Removal

TEMP_SUFFIX = atomic.TEMP_SUFFIX
RETRY = "To remove them anyway, run the export again with --allow-removal."
_UNSTAMPED = ("fingerprint", "zones")  # manifest keys that say how, not what, was published


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
    refused: bool = False  # the removals need --allow-removal: a real export would stop
    warnings: list[str] = field(default_factory=list)
    championship: Championship | None = None  # the source as read; None when skipped unread

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
    with collector.paused():  # a big season is hundreds of thousands of acyclic objects
        return _export(source, out_dir, base_url, allow_removal, dry_run)


def _export(
    source: str, out_dir: str, base_url: str | None, allow_removal: bool, dry_run: bool
) -> Outcome:
    now = export_time()
    data = read_source(source)
    if base_url is not None:
        from rallycal.source import normalise_base_url

        base_url = normalise_base_url(base_url)
    out = Path(out_dir)
    with _locked(out, create=not dry_run):
        if not dry_run:
            _sweep_temp_files(out)
        manifest, warnings = _read_manifest(out)
        if manifest is not None and _up_to_date(out, manifest, data, base_url):
            unchanged = sorted([*manifest.files, MANIFEST])  # all own, and the manifest
            return Outcome(out_dir, manifest.feeds, unchanged=unchanged)
        from rallycal import cache  # the rest of the export, imported once it has work
        from rallycal.build import Builder
        from rallycal.source import parse

        championship = parse(data, source)
        if base_url is not None:
            championship = championship.with_base_url(base_url)
        reuse = cache.load(out, manifest)
        if reuse is not None:
            publication = reuse.publication(manifest)
        else:
            publication = read_publication(out, manifest)
        if manifest is None and not warnings and publication.feeds:
            warnings.append(
                f"{out / MANIFEST} is missing: the last publication was read from the feeds "
                "themselves, and a new manifest is written"
            )
        used = zones(championship)
        builder = Builder(
            championship, publication, now, fingerprint(data, base_url, used),
            reuse=reuse, environment=environment(used),
        )
        outcome = Outcome(str(out), ())
        staged = None if dry_run else atomic.Staged(out)
        try:
            failed, manifest_bytes = _stream(out, builder.files(), outcome, staged)
            result = builder.result
            refused = bool(result.removals) and not allow_removal
            if refused and not dry_run:
                notes = [f"warning: {warning}" for warning in warnings]
                raise RemovalRefused("\n".join([*notes, removal_message(result.removals, source)]))
            if failed is not None:
                raise failed
            _finish(out, _owned_files(manifest, publication), outcome, result, manifest_bytes)
            outcome.refused = refused
            outcome.warnings = warnings + result.warnings
            outcome.championship = championship
            if staged is not None:
                if outcome.stale:
                    for path in outcome.removed:
                        staged.delete(path)
                    if MANIFEST in outcome.written:
                        staged.write(MANIFEST, manifest_bytes)
                    staged.commit()
                else:
                    staged.abort()
                cache.save(out, result.record, reuse.untouched(outcome.written) if reuse else None)
        except BaseException:
            if staged is not None:
                staged.abort()
            raise
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
    lines.append(RETRY)
    lines.append("Nothing was written.")
    return "\n".join(lines)


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


def _read_manifest(out: Path) -> tuple[Manifest | None, list[str]]:
    """The last manifest, or None (with a warning saying why, if it was there)."""
    path = out / MANIFEST
    if not os.path.lexists(path):
        return None, []
    data = read_feed(path)
    problem = "it cannot be read as a file" if data is None else ""
    if data is not None:
        try:
            manifest = read_manifest(data)
        except DamagedManifest as error:
            problem = str(error)
        else:
            if manifest.problem is None:
                return manifest, []
            return manifest, [
                f"{path} is damaged ({manifest.problem}): the last publication was read "
                "from the feeds themselves, and a new manifest is written"
            ]
    return None, [
        f"{path} is damaged ({problem}): the last publication was read from the feeds "
        "themselves, and a new manifest is written"
    ]


def _owned_files(manifest: Manifest | None, publication: Publication) -> set[str]:
    """The files the last export wrote: only names rallycal gives its files.

    The manifest is read, not trusted: a path in it that rallycal could not have
    written (the source, a host's 404.html) is never deleted.
    """
    listed = manifest.files if manifest else {}
    return {p for p in [*listed, *publication.feeds] if is_own_path(p)}


def _up_to_date(out: Path, manifest: Manifest, data: bytes, base_url: str | None) -> bool:
    """Whether the last export had these very inputs and every file, the manifest included,
    is still as it wrote them: then building again would give the same bytes."""
    inputs = fingerprint(data, base_url, manifest.zones or ())
    if not manifest.intact or manifest.fingerprint != seal(inputs, manifest.body):
        return False
    if not all(is_own_path(p) for p in manifest.files):
        return False  # a path rallycal never writes: never read, and a full build then
    if not set(own_feeds(out)) <= manifest.files.keys():
        return False  # a feed on disk the manifest does not know of: the build decides
    for path, digest in manifest.files.items():
        try:
            if hashlib.sha256((out / path).read_bytes()).hexdigest() != digest:
                return False
        except OSError:
            return False
    return True


def _stream(
    out: Path, files: Iterator[OutputFile], outcome: Outcome, staged: atomic.Staged | None
) -> tuple[PublishError | None, bytes]:
    """Compare each file with the one in place as it is made, and stage those that differ
    (the manifest aside: it goes last). A failure is kept, not raised, so that a refused
    removal is still reported first; nothing more is staged after it."""
    failed: PublishError | None = None
    manifest = b""
    real: set[str] = set()
    for output in files:
        if output.data is None:  # the render cache knows the file in place is this one
            outcome.unchanged.append(output.path)
            continue
        if output.path == MANIFEST:
            manifest = output.data
            continue
        try:
            same = _current(_target(out, output.path, real)) == output.data
            (outcome.unchanged if same else outcome.written).append(output.path)
            if not same and staged is not None and failed is None:
                staged.write(output.path, output.data)
        except PublishError as error:
            failed = failed or error
            if staged is not None:
                staged.abort()
    return failed, manifest


def _finish(out: Path, owned: set[str], outcome: Outcome, result: Build, manifest: bytes) -> None:
    """What the build says of the rest: the manifest (written only when something else is,
    or when it says more than how it was made) and the removals."""
    outcome.feeds = result.published
    outcome.changes = result.changes
    outcome.removals = result.removals
    made = set(result.digests)
    outcome.removed = sorted(
        p for p in owned if p not in made and os.path.lexists(_target(out, p))
    )
    old = _current(_target(out, MANIFEST))
    same = old == manifest or (outcome.written == [] and _same_but_stamps(old, manifest))
    (outcome.written if outcome.removed or not same else outcome.unchanged).append(MANIFEST)


def _current(target: Path) -> bytes | None:
    """What is at `target` now, if it is a regular file."""
    try:
        info = os.lstat(target)
    except OSError:
        return None
    return read_feed(target) if stat.S_ISREG(info.st_mode) else None


def _same_but_stamps(old: bytes | None, new: bytes) -> bool:
    """Whether two manifests say the same but for how the output was made."""
    if old is None:
        return False
    try:
        before, after = json.loads(old), json.loads(new)
    except (ValueError, RecursionError):
        return False
    if not isinstance(before, dict) or not isinstance(after, dict):
        return False
    for key in _UNSTAMPED:
        before.pop(key, None)
        after.pop(key, None)
    return bool(before == after)


def _sweep_temp_files(out: Path) -> None:
    """Remove temporary files an interrupted export left behind (only ours)."""
    for folder in _layout_folders(out):
        for leftover in atomic.temp_files(folder):
            with contextlib.suppress(OSError):
                leftover.unlink()


def _layout_folders(out: Path) -> Iterator[Path]:
    """`out` and every folder below it that can hold rallycal's files (never through a link)."""
    for top, folders, _ in os.walk(out):
        here = Path(top)
        yield here
        folders[:] = [
            f for f in sorted(folders) if is_feed_folder((here / f).relative_to(out).as_posix())
        ]


def _target(out: Path, path: str, real: set[str] | None = None) -> Path:
    """The file `path` names inside `out`, refusing anything that could lead outside it.

    `real`: folders (relative) already found not to be links, skipped and added to."""
    target = out / path
    if not (is_own_path(path) or path == MANIFEST):
        raise PublishError(f"refusing to write {path!r}: not a file name rallycal gives its own")
    folders = path.split("/")[:-1]  # an own path has no "..", nor any other separator
    for depth in range(len(folders), 0, -1):
        folder = "/".join(folders[:depth])
        if real is not None and folder in real:
            continue
        if (out / folder).is_symlink():
            raise PublishError(f"refusing to write {target}: {out / folder} is a symbolic link")
        if real is not None:
            real.add(folder)
    return target
