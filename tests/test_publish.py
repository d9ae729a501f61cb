"""`publish.export`: lock, compare, write, remove; a dry run writes nothing."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from seasons import season_source
from support import export, os_with, snapshot

from rallycal import atomic
from rallycal.errors import PublishError


def source(tmp_path: Path, text: str | None = None) -> Path:
    path = tmp_path / "events.yaml"
    path.write_text(season_source() if text is None else text, encoding="utf-8")
    return path


def test_a_dry_run_into_a_missing_folder_creates_nothing(tmp_path):
    outcome = export(source(tmp_path), tmp_path / "dist", dry_run=True)
    assert outcome.stale and "all.ics" in outcome.written
    assert not (tmp_path / "dist").exists()


def test_a_dry_run_reports_what_an_export_then_does(tmp_path):
    src, out = source(tmp_path), tmp_path / "dist"
    export(src, out)
    src.write_text(season_source(round_name="Spring Rally"), encoding="utf-8")
    before = snapshot(out)
    planned = export(src, out, dry_run=True, seconds=1767225600 + 60)
    assert snapshot(out) == before
    done = export(src, out, seconds=1767225600 + 60)
    assert (planned.written, planned.removed) == (done.written, done.removed)
    assert "round/spring.ics" in done.written and "feeds.json" in done.written


def test_the_outcome_lists_typed_feed_entries(tmp_path):
    outcome = export(source(tmp_path), tmp_path / "dist")
    again = export(source(tmp_path), tmp_path / "dist")
    assert [f.path for f in outcome.feeds] == [f.path for f in again.feeds]
    assert again.written == [] and {f.path for f in again.feeds} <= set(again.unchanged)
    assert all(f.events >= 1 and len(f.sha256) == 64 for f in again.feeds)


# -- all or nothing: every file operation fails in turn -------------------------------

LATER = 1767225600 + 3600


def without_teams(text: str) -> str:
    return text.split("teams:")[0]


# From -> to: a folder made and files added and replaced; then a feed deleted and another added.
STEPS = {
    "adds a folder": (without_teams(season_source()), season_source(round_name="Spring Rally")),
    "deletes a feed": (
        season_source(),
        season_source(round_name="Spring Rally").replace("  - id: blue\n", "  - id: green\n"),
    ),
}


class Counting:
    """Fails the `fail`-th call (1-based) of one operation; counts the calls."""

    def __init__(self, operation, fail: int = 0):
        self.operation, self.fail, self.calls = operation, fail, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls == self.fail:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return self.operation(*args, **kwargs)


def patch(monkeypatch, name: str, fake) -> None:
    """Put `fake` in place of one file operation, in the writer's namespace only."""
    if name == "syncfs":
        monkeypatch.setattr(atomic.Durability, "syncfs", staticmethod(fake))
    else:
        monkeypatch.setattr(atomic, "os", os_with(**{name: fake}))


def real(name: str):
    return atomic.Durability.syncfs if name == "syncfs" else getattr(os, name)


@pytest.fixture(params=["syncfs", "fsync"], ids=["whole-file-system", "per-file"])
def durability(request, monkeypatch) -> list[str]:
    """Both ways of reaching the disk; the operations that can fail in each."""
    whole = request.param == "syncfs"
    if whole and not atomic.Durability.whole_file_system:
        pytest.skip("no syncfs here")
    monkeypatch.setattr(atomic.Durability, "whole_file_system", whole)
    return ["write", "replace", "unlink", "link", request.param]


def without_temp_files(files: dict[str, bytes]) -> dict[str, bytes]:
    return {path: data for path, data in files.items() if not path.endswith(atomic.TEMP_SUFFIX)}


def published(tmp_path: Path, text: str) -> tuple[Path, dict[str, bytes]]:
    out = tmp_path / "published"
    export(source(tmp_path, text), out)
    return out, snapshot(out)


@pytest.mark.slow
@pytest.mark.parametrize("step", STEPS, ids=STEPS.keys())
def test_every_failing_file_operation_leaves_the_folder_byte_for_byte(
    tmp_path, monkeypatch, durability, step
):
    old, new = STEPS[step]
    folder, before = published(tmp_path, old)
    src = source(tmp_path, new)
    reference = tmp_path / "reference"
    shutil.copytree(folder, reference)
    counts = {name: Counting(real(name)) for name in durability}  # one clean run, counted
    with monkeypatch.context() as inner:
        inner.setattr(atomic, "os", os_with(**{n: c for n, c in counts.items() if n != "syncfs"}))
        if "syncfs" in counts:
            inner.setattr(atomic.Durability, "syncfs", staticmethod(counts["syncfs"]))
        export(src, reference, seconds=LATER, allow_removal=True)
    after = snapshot(reference)
    assert after != before
    tried = 0
    for name in durability:
        assert counts[name].calls > 0 or name in ("unlink", "link"), name
        for index in range(1, counts[name].calls + 1):
            out = tmp_path / f"{name}-{index}"
            shutil.copytree(folder, out)
            with monkeypatch.context() as inner:
                patch(inner, name, Counting(real(name), fail=index))
                try:
                    export(src, out, seconds=LATER, allow_removal=True)
                except PublishError as error:
                    message = str(error)
                else:  # only removing a kept old version, once all is done, may fail quietly
                    assert name == "unlink", f"{name} #{index} failed unnoticed"
                    assert without_temp_files(snapshot(out)) == after
                    export(src, out, seconds=LATER, allow_removal=True)
                    assert snapshot(out) == after  # the next export sweeps it away
                    continue
            assert snapshot(out) == before, f"{name} #{index}: {message}"
            assert message.endswith(f"{out} was left exactly as it was"), message
            assert "Traceback" not in message
            tried += 1
            export(src, out, seconds=LATER, allow_removal=True)  # and the next export completes
            assert snapshot(out) == after, f"after {name} #{index} failed"
    assert tried >= 10


def test_when_undoing_fails_too_the_message_says_which_file_is_in_which_state(
    tmp_path, monkeypatch
):
    folder, before = published(tmp_path, season_source())
    src = source(tmp_path, season_source(round_name="Spring Rally"))
    calls = []

    def replace(source_path, target):
        calls.append(target)
        if len(calls) >= 3:  # the third file fails, and so does every attempt to undo
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return os.replace(source_path, target)

    monkeypatch.setattr(atomic, "os", os_with(replace=replace))
    with pytest.raises(PublishError) as caught:
        export(src, folder, seconds=LATER)
    message = str(caught.value)
    assert f"{folder} is NOT as it was" in message and "was left exactly" not in message
    stuck = [line for line in message.splitlines() if "not restored" in line]
    assert len(stuck) == 2, message
    for line in stuck:
        path = line.split(":", 1)[0].strip()
        assert snapshot(folder)[path] != before[path]  # the new version, as it says
        kept = Path(line.split("kept in ", 1)[1].rstrip(")"))
        assert kept.read_bytes() == before[path]  # and the old one where it says


def changed_folder(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    folder, before = published(tmp_path, season_source())
    return folder, source(tmp_path, season_source(round_name="Spring Rally")), before


def test_a_folder_where_a_file_should_be_is_refused_before_anything_is_written(tmp_path):
    folder, src, _ = changed_folder(tmp_path)
    (folder / "index.html").unlink()
    (folder / "index.html").mkdir()
    before = snapshot(folder)
    with pytest.raises(PublishError, match=r"index\.html: a folder is in its place; nothing"):
        export(src, folder, seconds=LATER)
    assert snapshot(folder) == before
    assert list(folder.rglob(f"*{atomic.TEMP_SUFFIX}")) == []


def test_a_symlinked_subfolder_with_a_removal_leaves_no_temporary_file(tmp_path):
    folder, _, _ = changed_folder(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    shutil.move(folder / "team", elsewhere)
    (folder / "team").symlink_to(elsewhere)
    before = snapshot(folder)
    src = source(tmp_path, without_teams(season_source(round_name="Spring Rally")))
    with pytest.raises(PublishError, match="symbolic link"):
        export(src, folder, seconds=LATER, allow_removal=True)
    assert snapshot(folder) == before
    assert list(tmp_path.rglob(f"*{atomic.TEMP_SUFFIX}")) == []


@pytest.fixture
def immutable():
    """Marks files immutable with chattr (root, and a file system with attributes)."""
    marked: list[Path] = []
    chattr = shutil.which("chattr")
    if chattr is None or os.geteuid() != 0:
        pytest.skip("chattr +i needs the chattr tool and root")

    def mark(path: Path) -> None:
        done = subprocess.run([chattr, "+i", str(path)], capture_output=True, check=False)
        if done.returncode != 0:
            pytest.skip(f"chattr +i fails here: {done.stderr.decode().strip()}")
        marked.append(path)

    yield mark
    for path in marked:
        subprocess.run([chattr, "-i", str(path)], check=False)


@pytest.mark.parametrize("path", ["round/spring.ics", "all.ics", "feeds.json", "index.html"])
def test_an_immutable_file_is_refused_and_every_file_stays_as_it_was(
    tmp_path, immutable, path
):
    folder, src, before = changed_folder(tmp_path)
    immutable(folder / path)
    with pytest.raises(PublishError, match="immutable") as caught:
        export(src, folder, seconds=LATER)
    assert str(caught.value).endswith("nothing was written")
    assert snapshot(folder) == before


def test_an_immutable_file_found_only_when_replacing_is_rolled_back(
    tmp_path, immutable, monkeypatch
):
    """Even without the check up front, the rollback alone keeps the folder as it was."""
    folder, src, before = changed_folder(tmp_path)
    immutable(folder / "round" / "spring.ics")
    monkeypatch.setattr(atomic, "_immutable", lambda target, info: False)
    with pytest.raises(PublishError) as caught:
        export(src, folder, seconds=LATER)
    assert str(caught.value).endswith(f"{folder} was left exactly as it was")
    assert snapshot(folder) == before


def test_a_fifo_in_place_of_a_feed_is_refused_without_hanging(tmp_path):
    folder, src, _ = changed_folder(tmp_path)
    (folder / "round" / "spring.ics").unlink()
    os.mkfifo(folder / "round" / "spring.ics")
    done = subprocess.run(
        [sys.executable, "-m", "rallycal", "export", str(src), "--out", str(folder)],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.returncode == 1
    assert "round/spring.ics: it is not a regular file" in done.stderr
    assert "Traceback" not in done.stderr
