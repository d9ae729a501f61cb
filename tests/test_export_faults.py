"""The export meets a failing file system, leftovers of an interrupted export, and an edit
that changes few files: the output folder is changed all or nothing, and only where a
file's bytes change.

The faults are made in `rallycal.journal` alone (the writer), through its `os` module:
the export reads its source and the folder as usual, and each operation that changes
the folder fails once, at a chosen call, the way a full disk or a refused permission
makes it fail.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import EPOCH, copy_source, edit, export, os_with, snapshot

from rallycal import journal
from rallycal.cli.commands import cli
from rallycal.errors import RallycalError

LATER = EPOCH + 86_400
OLD_TIME = EPOCH * 10**9  # every file's mtime before the export under test, in ns
SEASON_2027 = """
  - year: 2027
    rounds:
      - id: sno-drift
        name: Sno*Drift Rally
        first_day: 2027-02-05
        last_day: 2027-02-06
        venue: {town: Atlanta, state: Michigan, country: United States,
                timezone: America/Detroit, latitude: 45.005, longitude: -84.144}
"""


def state(folder: Path) -> dict[str, tuple]:
    """Every file's bytes (a link's target, another kind's type), inode and mtime, and
    every folder's inode, by relative path."""
    found = {}
    for path in sorted(folder.rglob("*")):
        info, name = path.lstat(), path.relative_to(folder).as_posix()
        if stat.S_ISDIR(info.st_mode):
            found[name + "/"] = (info.st_ino,)
            continue
        if stat.S_ISREG(info.st_mode):
            content: object = path.read_bytes()
        elif stat.S_ISLNK(info.st_mode):
            content = ("link to", os.readlink(path))
        else:
            content = ("mode", stat.S_IFMT(info.st_mode))
        found[name] = (content, info.st_ino, info.st_mtime_ns)
    return found


def aged(folder: Path) -> Path:
    """Every file's mtime set well in the past, so that a rewrite shows even within one
    tick of the file system's clock."""
    for path in folder.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(OLD_TIME, OLD_TIME))
    return folder


OPERATIONS = ("replace", "fsync", "write", "open")


@pytest.fixture(scope="module")
def change(tmp_path_factory) -> tuple[Path, Path, dict[str, bytes], dict[str, int]]:
    """The 2026 season exported into `published`; then a round renamed and a 2027 season
    added in the source (so an export replaces files and makes new folders). Returns the
    source, the folder, what an uninterrupted export makes of it, and how many times that
    export calls each of OPERATIONS."""
    root = tmp_path_factory.mktemp("change")
    source, published, reference = copy_source(root), root / "published", root / "reference"
    export(source, published)
    edit(source, "name: Olympus Rally\n", "name: Olympus Forest Rally\n")
    source.write_text(source.read_text(encoding="utf-8") + SEASON_2027, encoding="utf-8")
    shutil.copytree(published, reference)
    counting = {name: FailingAt(name) for name in OPERATIONS}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(journal, "os", os_with(**counting))
        outcome = export(source, reference, seconds=LATER)
    assert "2027/all.ics" in outcome.written and "round/olympus.ics" in outcome.written
    calls = {name: counted.calls for name, counted in counting.items()}
    return source, published, snapshot(reference), calls


class FailingAt:
    """One `os` function that fails at its `at`-th call (never, with 0), counting calls."""

    def __init__(self, name: str, at: int = 0, code: int = errno.ENOSPC) -> None:
        self.real, self.at, self.code, self.calls = getattr(os, name), at, code, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls == self.at:
            raise OSError(self.code, os.strerror(self.code))
        return self.real(*args, **kwargs)


@pytest.mark.slow  # seven failures of each operation, each followed by an export
@pytest.mark.parametrize("name", OPERATIONS)
def test_a_failing_file_operation_leaves_the_folder_exactly_as_it_was(
    tmp_path, monkeypatch, change, name
):
    """os.`name` fails once, at calls spread from the first to the last of an export, with
    a full disk (ENOSPC) or a refused permission (EACCES) in turn."""
    source, published, after, calls = change
    count = calls[name]
    assert count >= 3, f"os.{name} is called {count} times"
    points = sorted({1, 2, count // 3, count // 2, 2 * count // 3, count - 1, count} - {0})
    for index, at in enumerate(points):
        code = (errno.ENOSPC, errno.EACCES)[index % 2]
        out = tmp_path / f"{name}-{at}"
        shutil.copytree(published, out)
        before = state(aged(out))
        with monkeypatch.context() as patch:
            patch.setattr(journal, "os", os_with(**{name: FailingAt(name, at, code)}))
            with pytest.raises(RallycalError) as caught:
                export(source, out, seconds=LATER)
        message = str(caught.value)
        where = f"os.{name} failing at call {at} of {count}: {message}"
        assert message.endswith(f"the folder {out} was left exactly as it was"), where
        assert os.strerror(code) in message, where
        assert journal.NEW not in message and journal.OLD not in message, where
        assert state(out) == before, where
        if at == points[len(points) // 2]:  # and the next export, the fault gone, completes
            export(source, out, seconds=LATER)
            assert snapshot(out) == after, f"after {where}"


def read_only(monkeypatch) -> None:
    """The folder and everything in it read-only (as with chmod 0o555, which root, who
    runs CI, ignores): each change the writer tries is refused with EACCES."""

    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    def opening(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            refused()
        return os.open(path, flags, *args, **kwargs)

    def unlinking(path, *args, **kwargs):
        os.lstat(path)  # a missing file is missing before it is refused
        refused()

    monkeypatch.setattr(journal, "os", os_with(
        open=opening, unlink=unlinking, remove=unlinking, mkdir=refused, rmdir=refused,
        link=refused, replace=refused, rename=refused, chmod=refused,
    ))


def test_a_read_only_folder_gives_a_clear_error_and_changes_nothing(
    tmp_path, monkeypatch, change
):
    source, published, _, _ = change
    out = tmp_path / "dist"
    shutil.copytree(published, out)
    aged(out)
    before = state(out)
    read_only(monkeypatch)
    with pytest.raises(RallycalError) as caught:
        export(source, out, seconds=LATER)
    message = str(caught.value)
    assert os.strerror(errno.EACCES) in message
    assert message.endswith(f"the folder {out} was left exactly as it was"), message
    assert state(out) == before
    # As a user sees it: one message, exit 1, no traceback.
    done = CliRunner().invoke(cli, ["export", str(source), "-o", str(out)],
                              env={"SOURCE_DATE_EPOCH": str(LATER)})
    assert done.exit_code == 1
    assert f"the folder {out} was left exactly as it was" in done.stderr
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert state(out) == before


@pytest.fixture(scope="module")
def first_export(tmp_path_factory) -> Path:
    """The 2026 fixture season exported once (`events.yaml` and `dist/` in one folder):
    copy it with `copied` before changing anything."""
    root = tmp_path_factory.mktemp("first")
    export(copy_source(root), root / "dist")
    return root


def copied(first_export: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the first export: its source and its folder."""
    shutil.copy(first_export / "events.yaml", tmp_path / "events.yaml")
    shutil.copytree(first_export / "dist", tmp_path / "dist")
    return tmp_path / "events.yaml", tmp_path / "dist"


def unfolded(data: bytes) -> bytes:
    return data.replace(b"\r\n ", b"").replace(b"\r\n\t", b"")


def test_a_renamed_round_rewrites_only_the_files_that_hold_it(tmp_path, first_export):
    source, out = copied(first_export, tmp_path)
    before = state(aged(out))
    holding = {path for path, (data, *_) in before.items()
               if not path.endswith("/") and b"Rally Colorado" in unfolded(data)}
    assert {"all.ics", "round/rally-colorado.ics", "2026/all.ics"} <= holding
    edit(source, "name: Rally Colorado\n", "name: Rally Colorado Rangely\n")

    outcome = export(source, out, seconds=LATER)
    after = state(out)
    expected = holding | {"index.html", "feeds.json", "changes.atom"}
    assert sorted(outcome.written) == sorted(expected)
    assert outcome.removed == []
    assert after.keys() == before.keys()
    for path in before:
        if path in expected:
            assert after[path][0] != before[path][0], f"{path} was rewritten unchanged"
        else:
            assert after[path] == before[path], f"{path} was touched"
    assert b"Rally Colorado Rangely" in unfolded(after["round/rally-colorado.ics"][0])


def folder_in_place(path: Path, out: Path) -> None:
    path.unlink()
    path.mkdir()


def fifo_in_place(path: Path, out: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def link_out_of_the_folder(path: Path, out: Path) -> None:
    outside = out.parent / "outside.ics"
    outside.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(outside)


@pytest.mark.parametrize(("path", "replace_with"), [
    ("index.html", folder_in_place),
    ("round/olympus.ics", fifo_in_place),
    ("all.ics", link_out_of_the_folder),
], ids=["a folder", "a fifo", "a link out of the folder"])
def test_something_else_in_a_feeds_place_is_refused_and_nothing_is_written(
    tmp_path, first_export, path, replace_with
):
    """As a user runs it (a real process, which a FIFO must not make wait)."""
    source, out = copied(first_export, tmp_path)
    edit(source, "name: Olympus Rally\n", "name: Olympus Forest Rally\n")
    replace_with(out / path, out)
    before = state(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "rallycal", "export", str(source), "-o", str(out)],
        env={**os.environ, "SOURCE_DATE_EPOCH": str(LATER)},
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 1, done.stderr
    assert path in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.rstrip().endswith(f"the folder {out} was left exactly as it was")
    assert state(tmp_path) == before


def test_an_export_right_after_one_that_archived_a_season_writes_nothing(tmp_path, season_2026):
    """A season leaves the stable feeds (window: 1, a 2027 season added, a base URL): the
    export after that export has nothing left to write."""
    edit(season_2026, "  color: firebrick\n",
         "  color: firebrick\n  window: 1\n  base_url: https://feeds.example.org/ara/\n")
    out = tmp_path / "dist"
    export(season_2026, out)
    season_2026.write_text(season_2026.read_text(encoding="utf-8") + SEASON_2027, encoding="utf-8")
    moved = export(season_2026, out, seconds=LATER)
    assert "2027/all.ics" in moved.written
    assert any(change.kind == "archived" for change in moved.build.changes)
    assert export(season_2026, out, seconds=LATER).written == []


LEFTOVERS = {
    "a temporary file": "all.ics" + journal.NEW,
    "a kept old version": "class/o4wd.ics" + journal.OLD,
    "a hidden temporary file": "round/.olympus.ics" + journal.NEW,
    "the journal's temporary file": journal.JOURNAL + journal.NEW,
    "a partial journal": journal.JOURNAL,
    "an old version in a reminders folder": "reminders/all.ics" + journal.OLD,
}


@pytest.mark.parametrize("leftover", LEFTOVERS.values(), ids=LEFTOVERS.keys())
def test_a_leftover_of_an_interrupted_export_is_stale_and_the_next_export_removes_it(
    tmp_path, first_export, leftover
):
    source, out = copied(first_export, tmp_path)
    clean = snapshot(out)
    (out / leftover).write_bytes(b'{"entries": [{"path": "all.ics", "new": "all.ics.ra')
    with_leftover = snapshot(out)

    def run(*options: str):
        return CliRunner().invoke(cli, ["export", str(source), "-o", str(out), *options],
                                  env={"SOURCE_DATE_EPOCH": str(EPOCH)})

    check = run("--check")
    assert check.exit_code == 1
    assert "interrupted export" in check.stderr and leftover in check.stderr, check.stderr
    assert snapshot(out) == with_leftover  # --check writes and removes nothing
    done = run()
    assert done.exit_code == 0, done.stderr
    assert "warning: " in done.stderr and "interrupted export" in done.stderr
    assert snapshot(out) == clean
    assert run("--check").exit_code == 0


def test_old_versions_that_cannot_be_removed_after_the_commit_are_said(
    tmp_path, season_2026, monkeypatch
):
    """The change stands; the leftovers are named, stale to --check, and gone next time."""
    out = tmp_path / "dist"
    export(season_2026, out)
    edit(season_2026, "name: Olympus Rally\n", "name: Olympus Forest Rally\n")

    def unlink(path, *args, **kwargs):
        if str(path).endswith(journal.OLD) and os.path.exists(path):
            raise OSError(errno.EACCES, os.strerror(errno.EACCES))
        return os.unlink(path, *args, **kwargs)

    monkeypatch.setattr(journal, "os", os_with(unlink=unlink))
    outcome = export(season_2026, out, EPOCH + 60)
    monkeypatch.undo()
    assert any("could not be removed" in warning for warning in outcome.warnings)
    assert journal.pending(out) and all(p.endswith(journal.OLD) for p in journal.pending(out))
    assert export(season_2026, out, EPOCH + 60, dry_run=True).stale
    export(season_2026, out, EPOCH + 60)
    assert journal.pending(out) == []
