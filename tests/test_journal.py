"""`journal`: many files of one folder changed all or nothing, and undone after a crash."""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import journal_child
import pytest

from rallycal import journal
from rallycal.errors import RallycalError

CHILD = Path(__file__).with_name("journal_child.py")
OLD = {
    "all.ics": b"old all",
    "class/a.ics": b"old a",
    "class/gone.ics": b"old gone",
    "keep.ics": b"kept as it is",
    ".hidden": b"hidden",
    "2026/round/r1.ics": b"round 1",
}
WRITES = {
    "all.ics": b"new all",
    "class/a.ics": b"new a",
    "team/x/new.ics": b"new team",
    "feeds.json": b"{}",
    "2026/round/r2.ics": b"round 2",
}
DELETES = ["class/gone.ics", "missing.ics", "nowhere/missing.ics"]
NEW = {**{k: v for k, v in OLD.items() if k != "class/gone.ics"}, **WRITES}
STEPS = ("open", "write", "fsync", "link", "replace", "unlink", "mkdir", "rmdir")


def files(root: Path) -> dict[str, bytes]:
    """Every file under `root`, hidden ones too: relative path -> bytes."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and not p.is_symlink()
    }


def tree(root: Path) -> dict[str, bytes | None]:
    """`files`, and every folder as "path/" -> None."""
    folders = {p.relative_to(root).as_posix() + "/": None for p in root.rglob("*") if p.is_dir()}
    return {**files(root), **folders}


def folders_of(contents: dict[str, bytes]) -> dict[str, bytes | None]:
    result: dict[str, bytes | None] = dict(contents)
    for path in contents:
        parts = path.split("/")[:-1]
        result.update({"/".join(parts[: i + 1]) + "/": None for i in range(len(parts))})
    return result


def make(root: Path, contents: dict[str, bytes] = OLD) -> Path:
    journal_child.write_tree(root, contents)
    return root


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return make(tmp_path / "out")


@pytest.fixture
def fast_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    """No flushing to the disk in the tests that make hundreds of commits: they check which
    name holds which bytes, which fsync does not change (the child processes flush)."""

    def fsync(fd: int) -> None:
        os.fstat(fd)  # still an error on a bad descriptor

    monkeypatch.setattr(os, "fsync", fsync)


def count_steps(tmp_path: Path, name: str) -> int:
    """How many times a clean commit of WRITES and DELETES calls `os.<name>`."""
    root = make(tmp_path / f"count-{name}")
    calls = 0
    real = getattr(os, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return real(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, name, counting)
        journal.commit(root, WRITES, DELETES)
    assert tree(root) == folders_of(NEW)
    return calls


def failing(name: str, first: int, last: float, code: int = errno.ENOSPC) -> Callable[..., Any]:
    """`os.<name>`, raising OSError(code) from its `first` to its `last` call."""
    real = getattr(os, name)
    calls = 0

    def fake(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if first <= calls <= last:
            raise OSError(code, os.strerror(code))
        return real(*args, **kwargs)

    return fake


# A commit that succeeds


def test_commit_writes_replaces_deletes_and_creates_folders(out: Path) -> None:
    journal.commit(out, WRITES, DELETES)
    assert tree(out) == folders_of(NEW)
    assert journal.pending(out) == []
    assert all(
        stat.S_IMODE(p.stat().st_mode) == 0o644 for p in out.rglob("*") if p.is_file()
    )


def test_files_not_named_are_not_touched(out: Path) -> None:
    untouched = ["keep.ics", ".hidden", "2026/round/r1.ics"]
    before = {path: os.stat(out / path) for path in untouched}
    time.sleep(0.01)
    journal.commit(out, WRITES, DELETES)
    for path, was in before.items():
        now = os.stat(out / path)
        assert (now.st_ino, now.st_mtime_ns, now.st_nlink) == (was.st_ino, was.st_mtime_ns, 1)


def test_mode_is_0644_whatever_the_umask(out: Path) -> None:
    previous = os.umask(0o077)
    try:
        journal.commit(out, {"all.ics": b"x", "deep/new.ics": b"y"})
    finally:
        os.umask(previous)
    assert stat.S_IMODE((out / "all.ics").stat().st_mode) == 0o644
    assert stat.S_IMODE((out / "deep/new.ics").stat().st_mode) == 0o644


def test_nothing_to_do_writes_nothing(out: Path) -> None:
    before = tree(out)
    journal.commit(out, {}, ["missing.ics", "nowhere/x.ics"])
    assert tree(out) == before


def test_a_missing_folder_is_created(tmp_path: Path) -> None:
    journal.commit(tmp_path / "new" / "out", {"a.ics": b"a"})
    assert files(tmp_path / "new" / "out") == {"a.ics": b"a"}


def test_without_hard_links_the_old_versions_are_copies(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "link", failing("link", 1, float("inf"), errno.EPERM))
    journal.commit(out, WRITES, DELETES)
    assert tree(out) == folders_of(NEW)
    assert journal.pending(out) == []


def test_a_path_both_written_and_deleted_is_a_mistake(out: Path) -> None:
    with pytest.raises(ValueError, match="both written and deleted"):
        journal.commit(out, {"all.ics": b"x"}, ["all.ics"])


def test_commit_in_another_thread_leaves_signals_alone(out: Path) -> None:
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            journal.commit(out, WRITES, DELETES)
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert errors == []
    assert tree(out) == folders_of(NEW)
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


# Failures: the folder exactly as it was


@pytest.mark.parametrize("name", ["open", "write", "fsync", "link", "replace", "mkdir"])
@pytest.mark.usefixtures("fast_fsync")
def test_a_failure_at_any_step_leaves_the_folder_as_it_was(tmp_path: Path, name: str) -> None:
    total = count_steps(tmp_path, name)
    for k in range(1, total + 1):
        root = make(tmp_path / f"{name}-{k}")
        before = tree(root)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(os, name, failing(name, k, k))
            if name == "mkdir" and k == 1:  # os.makedirs of the existing folder ignores it
                journal.commit(root, WRITES, DELETES)
                continue
            with pytest.raises(journal.CommitError) as caught:
                journal.commit(root, WRITES, DELETES)
        assert tree(root) == before, (name, k)
        assert journal.pending(root) == []
        message = str(caught.value)
        assert "No space left on device" in message
        assert message.endswith(f"the folder {root} was left exactly as it was")
    assert total > 1


@pytest.mark.usefixtures("fast_fsync")
def test_a_failure_to_unlink_leaves_the_folder_old_or_new(tmp_path: Path) -> None:
    """Deletes and the journal's deletion are undone; old versions kept after the commit
    point stay as leftovers, which `recover` removes."""
    total = count_steps(tmp_path, "unlink")
    outcomes = set()
    for k in range(1, total + 1):
        root = make(tmp_path / f"unlink-{k}")
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(os, "unlink", failing("unlink", k, k))
            try:
                journal.commit(root, WRITES, DELETES)
            except journal.CommitError as error:
                assert "was left exactly as it was" in str(error)
                assert tree(root) == folders_of(OLD)
                assert journal.pending(root) == []
                outcomes.add("old")
                continue
        assert files(root).keys() - NEW.keys() <= {p + journal.OLD for p in OLD}
        assert journal.recover(root) is not None or journal.pending(root) == []
        assert tree(root) == folders_of(NEW)
        outcomes.add("new")
    assert outcomes == {"old", "new"}


@pytest.mark.parametrize("name", ["replace", "fsync"])
@pytest.mark.usefixtures("fast_fsync")
def test_when_undoing_fails_too_the_journal_stays_for_recover(tmp_path: Path, name: str) -> None:
    total = count_steps(tmp_path, name)
    seen = 0
    for k in range(1, total + 1):
        root = make(tmp_path / f"{name}-{k}")
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(os, name, failing(name, k, float("inf")))
            with pytest.raises(journal.CommitError) as caught:
                journal.commit(root, WRITES, DELETES)
        if "undoing it failed too" not in str(caught.value):
            assert journal.pending(root) == [] and str(caught.value).count("; ") == 1
            continue
        seen += 1
        assert "the next export will finish undoing it" in str(caught.value)
        assert journal.JOURNAL in journal.pending(root)
        assert journal.recover(root) == (
            f"an interrupted export was undone: {len(WRITES) + 1} files put back as they were"
        )
        assert tree(root) == folders_of(OLD), (name, k)
        assert journal.pending(root) == []
    assert seen > 0


def test_when_the_journal_cannot_be_written_again_the_new_files_stand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last fsync, after the journal's deletion, fails, and so does every later one."""
    total = count_steps(tmp_path, "fsync")
    root = make(tmp_path / "out")
    monkeypatch.setattr(os, "fsync", failing("fsync", total, float("inf")))
    with pytest.raises(journal.CommitError, match="holds all the new files"):
        journal.commit(root, WRITES, DELETES)
    monkeypatch.undo()
    assert tree(root) == folders_of(NEW)
    assert journal.pending(root) == []


def test_a_file_where_a_folder_should_be_is_refused(out: Path) -> None:
    before = tree(out)
    with pytest.raises(journal.CommitError, match=r"keep\.ics is not a folder: refusing to write"):
        journal.commit(out, {"all.ics": b"x", "keep.ics/a.ics": b"y"})
    assert tree(out) == before


def test_a_folder_where_a_file_should_be_is_refused(out: Path) -> None:
    before = tree(out)
    with pytest.raises(journal.CommitError, match=r"class is not a regular file: refusing to"):
        journal.commit(out, WRITES, ["class"])
    assert tree(out) == before


@pytest.mark.parametrize(
    ("link", "writes", "deletes"),
    [
        ("all.ics", {"all.ics": b"through"}, []),
        ("all.ics", {}, ["all.ics"]),
        ("class", {"class/a.ics": b"through"}, []),
        ("class", {}, ["class/a.ics"]),
        ("class", {"team/x.ics": b"fine", "class/deep/b.ics": b"through"}, []),
    ],
)
def test_a_symbolic_link_is_never_followed(
    tmp_path: Path, link: str, writes: dict[str, bytes], deletes: list[str]
) -> None:
    root = make(tmp_path / "out")
    outside = make(tmp_path / "outside", {"all.ics": b"outside", "a.ics": b"outside a"})
    target = root / link
    if target.is_dir():
        os.rename(target, tmp_path / "moved")
        target.symlink_to(outside)
    else:
        target.unlink()
        target.symlink_to(outside / "all.ics")
    before, elsewhere = tree(root), tree(outside)
    with pytest.raises(journal.CommitError, match="is a symbolic link: refusing to") as caught:
        journal.commit(root, writes, deletes)
    assert "was left exactly as it was" in str(caught.value)
    assert tree(root) == before and tree(outside) == elsewhere
    assert journal.pending(root) == []


def test_a_pending_journal_stops_a_commit_until_recovered(out: Path) -> None:
    (out / journal.JOURNAL).write_bytes(b"{")
    with pytest.raises(journal.CommitError, match="interrupted export is pending") as caught:
        journal.commit(out, WRITES, DELETES)
    assert isinstance(caught.value, RallycalError)
    assert files(out) == {**OLD, journal.JOURNAL: b"{"}
    journal.recover(out)
    journal.commit(out, WRITES, DELETES)
    assert tree(out) == folders_of(NEW)


# The journal and recover()


class Crash(BaseException):
    """Stands for the process dying: nothing catches it."""


def crash_at_rename(root: Path, k: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commit, dying at the k-th `os.replace` (the first is the journal's)."""
    real, calls = os.replace, 0

    def replace(*args: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == k:
            raise Crash
        real(*args)

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", replace)
        with pytest.raises(Crash):
            journal.commit(root, WRITES, DELETES)


@pytest.mark.parametrize("k", range(2, len(WRITES) + 2))
def test_recover_undoes_a_commit_that_died_part_way(
    out: Path, k: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    crash_at_rename(out, k, monkeypatch)
    assert journal.JOURNAL in journal.pending(out)
    assert any(p.endswith(journal.OLD) for p in journal.pending(out))
    message = journal.recover(out)
    undone = len(WRITES) + 1
    assert message == f"an interrupted export was undone: {undone} files put back as they were"
    assert tree(out) == folders_of(OLD)
    assert journal.pending(out) == []
    assert journal.recover(out) is None


@pytest.mark.usefixtures("fast_fsync")
def test_a_partial_journal_is_recognised_and_the_old_files_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A journal cut anywhere (as a crash while writing it would) is invalid: no rename
    was made, so recover only removes it and the temporary files."""
    seed = make(tmp_path / "seed")
    crash_at_rename(seed, 2, monkeypatch)  # the journal is complete, no target renamed
    complete = (seed / journal.JOURNAL).read_bytes()
    assert complete.startswith(b"{") and b"\nsha256 " in complete
    leftovers = files(seed)
    for length in [*range(0, len(complete), 7), len(complete) - 1]:
        root = tmp_path / f"cut-{length}"
        journal_child.write_tree(root, {**leftovers, journal.JOURNAL: complete[:length]})
        message = journal.recover(root)
        assert message is not None and "temporary files of an interrupted export" in message
        assert files(root) == OLD, length
        assert journal.pending(root) == []
    damaged = complete.replace(b'"all.ics"', b'"all.icz"', 1)
    root = tmp_path / "damaged"
    journal_child.write_tree(root, {**leftovers, journal.JOURNAL: damaged})
    journal.recover(root)
    assert files(root) == OLD


def test_pending_reads_only_and_recover_sweeps_leftovers(out: Path) -> None:
    (out / "class" / "a.ics.rallycal-new").write_bytes(b"half")
    (out / "all.ics.rallycal-old").write_bytes(b"old")
    (out / (journal.JOURNAL + journal.NEW)).write_bytes(b"{")
    before = tree(out)
    assert journal.pending(out) == [
        journal.JOURNAL + journal.NEW, "all.ics.rallycal-old", "class/a.ics.rallycal-new"
    ]
    assert tree(out) == before
    assert journal.recover(out) == "the temporary files of an interrupted export were removed (3)"
    assert tree(out) == folders_of(OLD)
    assert journal.pending(out) == [] and journal.recover(out) is None
    assert journal.pending(out.parent / "nowhere") == []


def test_temporary_names_are_not_published_extensions() -> None:
    for suffix in journal.TEMP_SUFFIXES:
        assert not suffix.endswith((".ics", ".json", ".html", ".atom"))
    assert journal.JOURNAL == ".rallycal-journal"


# Ctrl-C and SIGTERM, in this process: a real signal at every step


def signalling(
    signum: int, at: int, counts: dict[str, int] | None = None
) -> Iterator[tuple[str, Callable[..., Any]]]:
    """Every step function, sending `signum` to this process at the `at`-th step overall
    (and counting the steps of each kind made after it in `counts`)."""
    calls = 0
    for name in STEPS:
        real = getattr(os, name)

        def step(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls == at:
                os.kill(os.getpid(), signum)
            elif calls > at and counts is not None:
                counts[_name] = counts.get(_name, 0) + 1
            return _real(*args, **kwargs)

        yield name, step


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.usefixtures("fast_fsync")
def test_a_signal_at_any_step_leaves_all_old_or_all_new(tmp_path: Path, signum: int) -> None:
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    states = []
    for at in range(1, 1000):
        root = make(tmp_path / f"at-{at}")
        after: dict[str, int] = {}
        with pytest.MonkeyPatch.context() as patch:
            for name, step in signalling(signum, at, after):
                patch.setattr(os, name, step)
            try:
                journal.commit(root, WRITES, DELETES)
            except journal.Interrupted as interrupted:
                caught = interrupted
            else:
                break  # `at` is past the last step
        assert caught.signum == signum
        if caught.state == "old":  # it stopped at once: at most one more file written
            assert after.get("write", 0) <= 1 and "replace" not in after, (at, after)
        assert tree(root) == folders_of(OLD if caught.state == "old" else NEW), at
        assert journal.pending(root) == []
        assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == handlers
        states.append(caught.state)
    assert states[0] == "old" and states[-1] == "new"
    assert states == sorted(states, key=["old", "new"].index)  # once new, new to the end
    assert str(journal.Interrupted("old")) == (
        "interrupted before any file was changed: the folder holds all its old files"
    )
    assert str(journal.Interrupted("new")) == (
        "interrupted once the change was complete: the folder holds all the new files"
    )


def test_an_ignored_signal_stays_ignored(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        for name, step in signalling(signal.SIGTERM, 3):
            monkeypatch.setattr(os, name, step)
        journal.commit(out, WRITES, DELETES)
        monkeypatch.undo()
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert tree(out) == folders_of(NEW)


# Child processes: killed (SIGKILL) or interrupted (SIGINT, SIGTERM) part way


def child(root: Path, **env: float) -> subprocess.Popen[str]:
    variables = {**os.environ, **{f"JOURNAL_CHILD_{k.upper()}": str(v) for k, v in env.items()}}
    return subprocess.Popen(
        [sys.executable, str(CHILD), str(root)],
        stdout=subprocess.PIPE,
        text=True,
        env=variables,
    )


def check_after_kill(root: Path) -> str:
    """The folder after SIGKILL: whole, or with something pending; after `recover`, whole
    (old if a journal was there) with nothing pending. Returns what was found."""
    old, new = journal_child.old_tree(), journal_child.new_tree()
    before = files(root)
    left = journal.pending(root)
    assert left or before in (old, new)
    journal.recover(root)
    after = files(root)
    assert journal.pending(root) == []
    if journal.JOURNAL in left:  # the folders it made are gone too
        assert after == old and all(any(p.iterdir()) for p in root.rglob("*") if p.is_dir())
        return "journal"
    assert after in (old, new)
    if left:
        return "old" if after == old else "leftovers after the commit"
    return "old" if before == old else "new"


def old_folders(tmp_path: Path, count: int) -> list[Path]:
    roots = [tmp_path / f"out-{i}" for i in range(count)]
    for root in roots:
        journal_child.write_tree(root, journal_child.old_tree())
    return roots


@pytest.mark.slow
def test_sigkill_at_many_steps_leaves_a_folder_recover_makes_whole(tmp_path: Path) -> None:
    dry = old_folders(tmp_path / "dry", 1)[0]
    output, _ = child(dry).communicate(timeout=60)
    total = int(output.split()[-1])
    assert files(dry) == journal_child.new_tree()
    moments = sorted({*range(1, total, total // 16), *range(total - 3, total + 1)})
    roots = old_folders(tmp_path, len(moments))
    found = []
    pairs = list(zip(roots, moments, strict=True))
    for batch in range(0, len(pairs), 8):
        children = [child(root, kill_at=k) for root, k in pairs[batch : batch + 8]]
        for process in children:
            process.communicate(timeout=60)
            assert process.returncode == -signal.SIGKILL
    for root in roots:
        found.append(check_after_kill(root))
    assert {"journal", "old", "leftovers after the commit"} <= set(found), found


FIRST_TEMP = next(iter(journal_child.change()[0])) + journal.NEW
# When to stop a slowed child: after a delay (seconds), or as soon as a file appears (the
# first temporary file: before step 3; the journal: after it). Timing alone is not enough
# on a busy machine.
MOMENTS: list[float | str] = [
    *(0.02 + 0.1 * i for i in range(12)), FIRST_TEMP, FIRST_TEMP, journal.JOURNAL, journal.JOURNAL
]


def stop(root: Path, signum: int, moment: float | str) -> str:
    """Run a slowed child on `root`, send it `signum` at `moment`; return its last words."""
    process = child(root, delay=0.0005)
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    if isinstance(moment, float):
        time.sleep(moment)
    else:
        deadline = time.monotonic() + 60
        while not os.path.lexists(root / moment) and time.monotonic() < deadline:
            time.sleep(0.0005)
    process.send_signal(signum)
    output, _ = process.communicate(timeout=60)
    return output.strip()


def stop_all(tmp_path: Path, signum: int) -> tuple[list[Path], list[str]]:
    roots = old_folders(tmp_path, len(MOMENTS))
    with ThreadPoolExecutor(len(MOMENTS)) as pool:
        return roots, list(pool.map(stop, roots, [signum] * len(MOMENTS), MOMENTS))


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_a_folder_recover_makes_whole(tmp_path: Path) -> None:
    roots, _ = stop_all(tmp_path, signal.SIGKILL)
    found = [check_after_kill(root) for root in roots]
    assert found[-2:] == ["journal", "journal"] and "old" in found[-4:-2], found


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_to_a_child_leaves_all_old_or_all_new(tmp_path: Path, signum: int) -> None:
    old, new = journal_child.old_tree(), journal_child.new_tree()
    roots, outputs = stop_all(tmp_path, signum)
    for root, output in zip(roots, outputs, strict=True):
        assert journal.pending(root) == []
        assert files(root) in (old, new)
        if output.startswith("interrupted"):
            assert files(root) == (old if output.endswith("old") else new), output
    assert outputs[-2:] == ["interrupted new"] * 2, outputs
    assert outputs[-4:-2] == ["interrupted old"] * 2, outputs
