"""`atomic.apply`: many files of one folder changed all or nothing."""

from __future__ import annotations

import errno
import os
import stat
import threading
from pathlib import Path

import pytest
from support import os_with, snapshot

from rallycal import atomic
from rallycal.errors import PublishError


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    (out / "class").mkdir(parents=True)
    (out / "all.ics").write_bytes(b"old all")
    (out / "class" / "a.ics").write_bytes(b"old a")
    (out / "class" / "gone.ics").write_bytes(b"old gone")
    return out


CHANGES: list[tuple[str, bytes | None]] = [
    ("all.ics", b"new all"),
    ("team/new.ics", b"new team"),
    ("class/gone.ics", None),
    ("feeds.json", b"{}"),
]


def test_apply_writes_creates_and_deletes_with_mode_0644_and_no_leftovers(folder):
    atomic.apply(folder, CHANGES)
    assert snapshot(folder) == {
        "all.ics": b"new all",
        "class/a.ics": b"old a",
        "team/new.ics": b"new team",
        "feeds.json": b"{}",
    }
    assert all(
        stat.S_IMODE(p.stat().st_mode) == 0o644 for p in folder.rglob("*") if p.is_file()
    )


def test_a_failure_puts_back_every_file_and_removes_made_folders(folder, monkeypatch):
    before = snapshot(folder)
    calls = []

    def replace(source, target):
        calls.append(target)
        if len(calls) == 3:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return os.replace(source, target)

    monkeypatch.setattr(atomic, "os", os_with(replace=replace))
    with pytest.raises(PublishError, match=r"cannot replace feeds\.json: .*was left exactly"):
        atomic.apply(folder, CHANGES)
    assert snapshot(folder) == before
    assert not (folder / "team").exists()


def test_without_hard_links_the_old_bytes_are_kept_instead(folder, monkeypatch):
    before = snapshot(folder)

    def no_links(*args, **kwargs):
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    def unlink(path, *args, **kwargs):
        if str(path).endswith("gone.ics"):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return os.unlink(path, *args, **kwargs)

    monkeypatch.setattr(atomic, "os", os_with(link=no_links, unlink=unlink))
    with pytest.raises(PublishError, match=r"cannot delete class/gone\.ics"):
        atomic.apply(folder, CHANGES)
    assert snapshot(folder) == before


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda out: ((out / "all.ics").unlink(), (out / "all.ics").mkdir()), "a folder is in"),
        (lambda out: (out / "team").write_text("x"), "is not a folder"),
        (lambda out: ((out / "all.ics").unlink(), os.mkfifo(out / "all.ics")), "special file"),
        (lambda out: ((out / "all.ics").unlink(), (out / "all.ics").symlink_to(out / "x")),
         "symbolic link"),
    ],
    ids=["folder-for-file", "file-for-folder", "fifo", "symlink"],
)
def test_targets_that_could_only_fail_halfway_are_refused_first(folder, make, said):
    make(folder)
    before = {p: p.lstat().st_mode for p in folder.rglob("*")}
    done = threading.Event()

    def run() -> None:
        with pytest.raises(PublishError, match=said) as caught:
            atomic.apply(folder, CHANGES)
        assert str(caught.value).endswith("nothing was written")
        done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(60)
    assert done.is_set(), "apply hung or failed"
    assert {p: p.lstat().st_mode for p in folder.rglob("*")} == before


def test_temp_files_finds_only_leftovers(folder):
    (folder / ".all.ics.1234abcd.rallycal-tmp").write_bytes(b"x")
    (folder / "all.ics.bak").write_bytes(b"y")
    assert [p.name for p in atomic.temp_files(folder)] == [".all.ics.1234abcd.rallycal-tmp"]


def test_staged_files_wait_in_temporary_files_until_the_commit(folder):
    before = snapshot(folder)
    staged = atomic.Staged(folder)
    staged.write("all.ics", b"new all")
    staged.write("team/new.ics", b"new team")
    assert snapshot(folder).keys() - before.keys() == {
        path for path in snapshot(folder) if atomic.TEMP_SUFFIX in path
    }  # only temporary files so far, and the targets untouched
    assert {path: data for path, data in snapshot(folder).items() if path in before} == before
    staged.delete("class/gone.ics")
    staged.commit()
    assert snapshot(folder) == {
        "all.ics": b"new all", "class/a.ics": b"old a", "team/new.ics": b"new team"
    }


def test_an_aborted_stage_leaves_the_folder_exactly_as_it_was(folder):
    before = snapshot(folder)
    staged = atomic.Staged(folder)
    staged.write("all.ics", b"new all")
    staged.write("team/new.ics", b"new team")
    staged.abort()
    assert snapshot(folder) == before and not (folder / "team").exists()


def test_a_stage_refuses_a_target_it_could_not_replace_and_drops_what_it_staged(folder):
    before = snapshot(folder)
    (folder / "round").mkdir()
    (folder / "round" / "x.ics").mkdir()  # a folder where a feed should be
    staged = atomic.Staged(folder)
    staged.write("all.ics", b"new all")
    with pytest.raises(PublishError, match="nothing was written"):
        staged.write("round/x.ics", b"new x")
    assert snapshot(folder) == before
