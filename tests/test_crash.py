"""Crash safety: a killed, racing or failing export never leaves a cut-short or mixed feed.

A real export process is started through `SLOW_EXPORT`, which makes each file
operation it does (finishing a temporary file, moving one into place) take a little
longer, so a test can SIGKILL it at chosen points of its work: while it writes the
new files beside the old ones, and while it moves them into place. The slowing is done
here, from the outside: the exporter itself holds no hook for tests.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner
from support import EPOCH, SEASON_2026, export, os_with, snapshot

from rallycal import atomic
from rallycal.cli import cli
from rallycal.publish import TEMP_SUFFIX

LATER = EPOCH + 86_400
DELAY = 0.02  # seconds after each write and each replace
KILLS = 15


def version_b(text: str) -> str:
    """Every feed differs (the series' short name is in every title); a team is renamed."""
    changed = text.replace("  short: ARA\n", "  short: ARA-B\n").replace(
        "  - id: lia-block\n", "  - id: lia-block-b\n"
    )
    assert changed.count("ARA-B") == 1 and "lia-block-b" in changed
    return changed


def version_c(text: str) -> str:
    changed = text.replace("  short: ARA\n", "  short: ARA-C\n")
    assert "ARA-C" in changed
    return changed


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sources")
    text = SEASON_2026.read_text(encoding="utf-8")
    paths = {}
    for name, content in (("a", text), ("b", version_b(text)), ("c", version_c(text))):
        paths[name] = folder / f"{name}.yaml"
        paths[name].write_text(content, encoding="utf-8")
    return paths


def exported(folder: Path, source: Path, seconds: int = LATER) -> dict[str, bytes]:
    export(source, folder, seconds=seconds, allow_removal=True)
    return snapshot(folder)


@pytest.fixture(scope="module")
def published(tmp_path_factory, sources) -> dict:
    """Reference folders: A exported; B over A; C over A; C over B over A; B over C over A."""
    root = tmp_path_factory.mktemp("published")
    folders = {"a": exported(root / "a", sources["a"], EPOCH)}
    for name in ("ab", "ac", "abc", "acb"):
        shutil.copytree(root / name[:-1], root / name)
        folders[name] = exported(root / name, sources[name[-1]])
    return {**folders, "a_folder": root / "a"}


# `python -c SLOW_EXPORT DELAY ARGS...`: the `rallycal` command, with a pause after
# each os.chmod, os.fsync and os.replace (the steps that finish a temporary file or
# move one into place).
SLOW_EXPORT = """
import functools, os, sys, time
delay = float(sys.argv.pop(1))
def slowed(operation):
    @functools.wraps(operation)
    def slow(*args, **kwargs):
        result = operation(*args, **kwargs)
        time.sleep(delay)
        return result
    return slow
if delay:
    for name in ("chmod", "fchmod", "fsync", "replace"):
        setattr(os, name, slowed(getattr(os, name)))
from rallycal.cli import main
main(sys.argv[1:], prog_name="rallycal")
"""


def start_export(source: Path, out: Path, delay: float = DELAY) -> subprocess.Popen:
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(LATER)}
    return subprocess.Popen(
        [sys.executable, "-c", SLOW_EXPORT, str(delay), "export", str(source), "--out", str(out),
         "--allow-removal", "--quiet"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def temp_files(out: Path) -> list[Path]:
    return list(out.rglob(f"*{TEMP_SUFFIX}"))


def progress(out: Path, old: dict[str, bytes], new: dict[str, bytes]) -> int:
    """How far an export from `old` to `new` has got: a temp file counts 1, a file in place 2."""
    done = 0
    for path in old.keys() | new.keys():
        try:
            data = (out / path).read_bytes()
        except FileNotFoundError:
            data = None
        done += data == new.get(path) and data != old.get(path)
    return len(temp_files(out)) + 2 * done


def assert_every_file_old_or_new(out: Path, old: dict[str, bytes], new: dict[str, bytes]) -> None:
    files = {p: d for p, d in snapshot(out).items() if not p.endswith(TEMP_SUFFIX)}
    assert set(files) <= old.keys() | new.keys(), set(files) - (old.keys() | new.keys())
    for path in old.keys() | new.keys():
        assert files.get(path) in (old.get(path), new.get(path)), f"{path} is neither version"
    assert files["feeds.json"] in (old["feeds.json"], new["feeds.json"])
    for path, data in files.items():
        if path.endswith(".ics"):
            assert icalendar.Calendar.from_ical(data).walk("VEVENT"), path


@pytest.mark.slow
def test_killed_exports_leave_each_file_old_or_new_and_the_next_run_completes(
    tmp_path, sources, published
):
    old, new = published["a"], published["ab"]
    assert all(old[p] != new[p] for p in old.keys() & new.keys()), "every file must change"
    steps = 2 * len(old.keys() | new.keys())
    out = tmp_path / "dist"
    reached = []
    for kill in range(KILLS):
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(published["a_folder"], out)
        target = 1 + kill * (steps - 3) // (KILLS - 1)
        process = start_export(sources["b"], out)
        while process.poll() is None and progress(out, old, new) < target:
            time.sleep(0.002)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        reached.append(progress(out, old, new))
        assert_every_file_old_or_new(out, old, new)
        export(sources["b"], out, seconds=LATER, allow_removal=True)
        assert temp_files(out) == []
        assert snapshot(out) == new, f"after a kill at step {reached[-1]} of {steps}"
    # The kills fell both while temp files were written and while they were moved in.
    assert len(set(reached)) >= KILLS // 2, reached
    assert min(reached) < steps // 2 < max(reached), reached


@pytest.mark.slow
def test_two_racing_exports_end_with_the_folder_of_one_of_them(tmp_path, sources, published):
    out = tmp_path / "dist"
    shutil.copytree(published["a_folder"], out)
    first, second = start_export(sources["b"], out), start_export(sources["c"], out)
    for process in (first, second):
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
    assert temp_files(out) == []
    assert snapshot(out) in (published["abc"], published["acb"])


def test_a_lock_holder_makes_the_next_export_wait(tmp_path, sources, published):
    """While an export holds the folder, a second one writes nothing until it is done."""
    import fcntl

    out = tmp_path / "dist"
    shutil.copytree(published["a_folder"], out)
    fd = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        process = start_export(sources["b"], out, delay=0)
        time.sleep(1.5)
        assert process.poll() is None
        assert snapshot(out) == published["a"]
    finally:
        os.close(fd)
    assert process.wait(timeout=60) == 0
    assert snapshot(out) == published["ab"]


# -- a folder that cannot be written -------------------------------------------------


def assert_clear_failure(result_code: int, stderr: str, out: Path) -> None:
    """Exit 1 and one line naming the folder and a file the user knows, not a temp file."""
    assert result_code == 1, stderr
    assert stderr.startswith(f"{out}: cannot write "), stderr
    assert "Traceback" not in stderr and TEMP_SUFFIX not in stderr, stderr
    assert stderr.endswith(f"{out} was left exactly as it was\n"), stderr


# Runs the export once with --check (writing nothing, but loading every module it
# needs), then, as root, becomes the unprivileged user `nobody`, for whom the
# folder's permissions hold, and runs it for real.
AS_NOBODY = """
import contextlib, io, os, sys
from rallycal.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    main([*sys.argv[1:], "--check"], prog_name="rallycal", standalone_mode=False)
import ctypes  # what the first sync loads (a dry run never syncs), while the stdlib is readable
if os.geteuid() == 0:
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
main(sys.argv[1:], prog_name="rallycal")
"""


def open_to_everyone(folder: Path) -> bool:
    """Whether every user can reach `folder` and read the files in it."""
    reachable = all(p.stat().st_mode & 0o001 for p in folder.parents)
    return reachable and all(f.stat().st_mode & 0o004 for f in folder.iterdir() if f.is_file())


def test_a_read_only_folder_gives_a_clear_error_and_keeps_the_old_output(sources, published):
    import rallycal

    package = Path(rallycal.__file__).parent  # an export reads its own code (fingerprint)
    if os.geteuid() == 0 and not open_to_everyone(package):
        pytest.skip(f"{package} is closed to other users, so the export cannot run as nobody")
    root = Path(tempfile.mkdtemp(prefix="rallycal-read-only-"))  # outside root's private tmp
    try:
        if os.geteuid() == 0 and not open_to_everyone(root):
            pytest.skip(f"{tempfile.gettempdir()} is closed to other users")
        root.chmod(0o755)
        out = root / "dist"
        shutil.copytree(published["a_folder"], out)
        source = root / "events.yaml"
        shutil.copy(sources["b"], source)
        for folder in [out, *(p for p in out.rglob("*") if p.is_dir())]:
            folder.chmod(0o555)
        done = export_b(source, out, launcher=("-c", AS_NOBODY))
        assert_clear_failure(done.returncode, done.stderr, out)
        assert os.strerror(errno.EACCES) in done.stderr
        assert snapshot(out) == published["a"]
    finally:
        for folder in [root, *(p for p in root.rglob("*") if p.is_dir())]:
            folder.chmod(0o755)
        shutil.rmtree(root)


def test_a_full_disk_gives_a_clear_error_and_keeps_the_old_output(
    tmp_path, sources, published, monkeypatch
):
    """Every temporary file the export opens is /dev/full: each write fails with ENOSPC."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    out = tmp_path / "dist"
    shutil.copytree(published["a_folder"], out)

    def full(path, flags, mode=0o777):
        fd = os.open(path, flags, mode)
        if flags & os.O_CREAT:  # a new temporary file
            device = os.open("/dev/full", os.O_WRONLY)
            os.dup2(device, fd)
            os.close(device)
        return fd

    monkeypatch.setattr(atomic, "os", os_with(open=full))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(LATER))
    result = CliRunner().invoke(cli, ["export", str(sources["b"]), "--out", str(out),
                                      "--allow-removal"])
    assert isinstance(result.exception, SystemExit), result.exception
    assert_clear_failure(result.exit_code, result.stderr, out)
    assert os.strerror(errno.ENOSPC) in result.stderr
    assert snapshot(out) == published["a"]


@pytest.fixture
def tmpfs(tmp_path):
    """A small RAM file system of its own (needs root and the right to mount)."""
    folder = tmp_path / "tmpfs"
    folder.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")

    def mount(*options: str) -> None:
        done = subprocess.run(["mount", *options, str(folder)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")

    yield folder, mount
    subprocess.run(["umount", str(folder)], capture_output=True, check=False)


def export_b(
    source: Path, out: Path, *, launcher: tuple[str, ...] = ("-m", "rallycal")
) -> subprocess.CompletedProcess:
    """`rallycal export` of version B (`source`) into `out`, as a user runs it."""
    return subprocess.run(
        [sys.executable, *launcher, "export", str(source), "--out", str(out), "--allow-removal"],
        env={**os.environ, "SOURCE_DATE_EPOCH": str(LATER)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_full_file_system_gives_a_clear_error_and_keeps_the_old_output(tmpfs, sources, published):
    folder, mount = tmpfs
    pages = sum(-(-len(data) // 4096) for data in published["a"].values())
    mount("-t", "tmpfs", "-o", f"size={(pages + 6) * 4096}", "tmpfs")
    out = folder / "dist"
    shutil.copytree(published["a_folder"], out)
    done = export_b(sources["b"], out)
    assert_clear_failure(done.returncode, done.stderr, out)
    assert os.strerror(errno.ENOSPC) in done.stderr
    assert snapshot(out) == published["a"]
    assert temp_files(out) == []


def test_a_read_only_file_system_gives_a_clear_error_and_keeps_the_old_output(
    tmpfs, sources, published
):
    folder, mount = tmpfs
    mount("-t", "tmpfs", "-o", "size=4m", "tmpfs")
    out = folder / "dist"
    shutil.copytree(published["a_folder"], out)
    mount("-o", "remount,ro")
    done = export_b(sources["b"], out)
    assert_clear_failure(done.returncode, done.stderr, out)
    assert os.strerror(errno.EROFS) in done.stderr
    assert snapshot(out) == published["a"]
