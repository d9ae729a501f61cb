"""Crash safety of the whole export, as a user meets it: `rallycal export` of a big
championship, interrupted with Ctrl-C (SIGINT) or killed (SIGKILL) at moments spread over
its run, and two exports into one folder at once.

The runs are the real command in a child process, not changed for the test: the moments
are taken from the clock, the later ones counted from when the run's first temporary file
appears (so that the time the build takes, which varies with the machine's load, does not
move them out of the writing). One more run is killed by a hook at the worst moment,
half way through the renames. What must hold:

* Ctrl-C: the folder is byte for byte all old or all new, nothing temporary is left,
  rallycal prints no traceback, and an interrupted run says which of the two states it
  left;
* SIGKILL: `export --check` is clean only for the exact new state, `diff` and `--check`
  write nothing, and the next export gives exactly the uninterrupted export's folder
  and report.
"""

from __future__ import annotations

import contextlib
import os
import re
import runpy
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from support import EPOCH, export, snapshot

from rallycal.cli.commands import cli
from rallycal.journal import JOURNAL, TEMP_SUFFIXES, Interrupted

LATER = EPOCH + 86_400  # the second export's SOURCE_DATE_EPOCH, in every run of it
MOMENTS = 16
CLASSES = ("o4wd", "l4wd", "o2wd", "l2wd")
YEARS = (2025, 2026, 2027)
ROUNDS = 100  # per season: 300 in all
RENAMED, MOVED = (2027, 10), (2027, 50)  # (year, round number) edited in the second source
ADDED = 2028, 8  # the season the second source adds, and its rounds
WINDOW = 1  # the seasons the stable feeds carry
VENUE = (
    "{town: Chillicothe, state: Ohio, country: United States, "
    "timezone: America/New_York, latitude: 39.333, longitude: -82.982}"
)
CHANGES_HEADING = "Changes for subscribers:"
OLD_STATE = f"Interrupted: {Interrupted('old')}"  # during the commit, each state said
NEW_STATE = f"Interrupted: {Interrupted('new')}"
NOTHING_WRITTEN = "Interrupted: nothing was written."  # before the commit
FINISHED = "Interrupted: the export had finished: the folder holds all the new files."
SAYS = {OLD_STATE: "old", NOTHING_WRITTEN: "old", NEW_STATE: "new", FINISHED: "new"}


def championship(edited: bool = False) -> str:
    """A made-up source: 300 rounds in three seasons, four classes (one per round), two
    teams. `edited`: one round renamed, another moved by a day, and a season added."""
    lines = [
        "series:", "  id: demo", "  name: Demo Rally Championship", "  short: DRC",
        "  url: https://example.org/drc", f"  window: {WINDOW}", "seasons:",
    ]
    seasons = dict.fromkeys(YEARS, ROUNDS) | (dict([ADDED]) if edited else {})
    for year, rounds in seasons.items():
        lines.append(f"  - year: {year}")
        if year == YEARS[0]:
            lines.append("    classes:")
            lines += [f"      - {{id: {c}, name: Class {c.upper()}, short: {c.upper()}}}"
                      for c in CLASSES]
        lines.append("    rounds:")
        for number in range(rounds):
            first = date(year, 1, 2) + timedelta(days=3 * number)
            name = f"Rally {number:03} of {year}"
            if edited and (year, number) == RENAMED:
                name = "Harbour Lights Rally"
            if edited and (year, number) == MOVED:
                first += timedelta(days=1)
            lines += [
                f"      - {{id: r{number:03}, name: {name}, first_day: {first},",
                f"         last_day: {first + timedelta(days=1)},",
                f"         classes: [{CLASSES[number % 4]}],",
                f"         venue: {VENUE}}}",
            ]
        lines.append("    teams:")
        for team in range(2):  # each in two rounds of its crew's class
            lines += [
                f"      - {{id: team-{team}, name: Team {team},",
                f"         rounds: [r00{team}, r00{team + 4}],",
                f"         crews: [{{driver: Driver {team}, car: Car, class: {CLASSES[team]}}}]}}",
            ]
    return "\n".join(lines) + "\n"


@dataclass
class World:
    """The sources, the old folder, and the uninterrupted export of the edited source."""

    old_source: Path
    source: Path  # the edited one, which every interrupted run exports
    old_dir: Path
    old: dict[str, bytes]
    new: dict[str, bytes]
    report: list[str]  # the reference run's change report
    length: float  # seconds the reference run took
    staging: float  # seconds into it when its first temporary file appeared


@dataclass
class Run:
    """A finished `rallycal export` child process."""

    returncode: int
    stdout: str
    stderr: str


CHILD_ENV: dict[str, str] = {}  # the children's environment, made before any thread runs


@pytest.fixture(scope="module", autouse=True)
def children() -> Iterator[None]:
    """The children's environment, taken now: the in-process commands change os.environ
    while the threads start children. And Ctrl-C's default meaning for them: children
    started while this process ignores SIGINT (a background job) would ignore it too."""
    CHILD_ENV.update(os.environ, SOURCE_DATE_EPOCH=str(LATER))
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    yield
    if ignored:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def start(source: Path, out: Path, logs: Path, *options: str) -> subprocess.Popen:
    """`python -m rallycal export SOURCE -o OUT` at LATER, its output into files (a full
    pipe would stall it)."""
    logs.mkdir(parents=True, exist_ok=True)
    with open(logs / "stdout", "wb") as stdout, open(logs / "stderr", "wb") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "rallycal", "export", str(source), "-o", str(out), *options],
            env=CHILD_ENV,
            stdout=stdout,
            stderr=stderr,
        )


def finish(process: subprocess.Popen, logs: Path) -> Run:
    try:
        process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    read = lambda name: (logs / name).read_text(encoding="utf-8")  # noqa: E731
    return Run(process.returncode, read("stdout"), read("stderr"))


def staged(out: Path) -> bool:
    """Whether the commit has begun: a temporary file or the journal in the folder (its
    first target, all.ics, is at the top)."""
    try:
        return any(name.endswith(TEMP_SUFFIXES) or name == JOURNAL for name in os.listdir(out))
    except FileNotFoundError:
        return False


def changes(stdout: str) -> list[str]:
    """The change report: the lines under "Changes for subscribers:", unindented."""
    lines = stdout.splitlines()
    if CHANGES_HEADING not in lines:
        return []
    return [line.removeprefix("  ") for line in lines[lines.index(CHANGES_HEADING) + 1 :]]


def leftovers(out: Path) -> list[str]:
    return sorted(
        path for path in snapshot(out) if path.endswith(TEMP_SUFFIXES) or path == JOURNAL
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    root = tmp_path_factory.mktemp("crash")
    old_source, source = root / "old.yaml", root / "events.yaml"
    old_source.write_text(championship(), encoding="utf-8")
    source.write_text(championship(edited=True), encoding="utf-8")
    old_dir, reference = root / "old", root / "reference"
    export(old_source, old_dir)
    shutil.copytree(old_dir, reference)
    began = time.monotonic()
    process = start(source, reference, root / "reference-logs")
    staging = None
    while process.poll() is None:
        if staging is None and staged(reference):
            staging = time.monotonic() - began
        time.sleep(0.002)
    length = time.monotonic() - began
    run = finish(process, root / "reference-logs")
    assert run.returncode == 0, run.stderr
    assert staging is not None, "the reference run was too quick to watch"
    new, report = snapshot(reference), changes(run.stdout)
    assert leftovers(reference) == []
    # The edit shows as what it is: the rename, the move, the season added, and the
    # season that leaves the stable feeds for its archive.
    renamed = "changed  Harbour Lights Rally, Mon 1 – Tue 2 Feb 2027 (2027 round 11) (in 4 feeds)"
    assert renamed in report
    assert "title: DRC R11: Rally 010 of 2027 -> DRC R11: Harbour Lights Rally" in [
        line.strip() for line in report
    ]
    assert "dates: Tue 1 – Wed 2 Jun 2027 -> Wed 2 – Thu 3 Jun 2027" in [
        line.strip() for line in report
    ]
    assert sum(line.startswith("added    Rally 0") for line in report) == ADDED[1]
    assert sum(line.startswith("archived ") for line in report) == ROUNDS
    return World(old_source, source, old_dir, snapshot(old_dir), new, report, length, staging)


def spread(start: float, end: float, count: int) -> list[float]:
    return [start + (end - start) * i / (count - 1) for i in range(count)]


def signal_at(process: subprocess.Popen, out: Path, began: float, moment: float,
              world: World, signum: int) -> None:
    """Send `signum` `moment` seconds into the run; a moment at or after the reference's
    first temporary file is counted from this run's own first temporary file."""
    if moment >= world.staging:
        while process.poll() is None and not staged(out):
            time.sleep(0.002)
        began, moment = time.monotonic(), moment - world.staging
    while process.poll() is None and time.monotonic() < began + moment:
        time.sleep(min(0.002, max(0.0, began + moment - time.monotonic())))
    if process.poll() is None:
        process.send_signal(signum)


def fresh_copy(world: World, out: Path) -> Path:
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(world.old_dir, out)
    return out


def cli_run(*args: str) -> Result:
    """A `rallycal` command in this process, at the second export's time."""
    return CliRunner().invoke(cli, list(args), env={"SOURCE_DATE_EPOCH": str(LATER)})


def differing(files: dict[str, bytes], other: dict[str, bytes]) -> list[str]:
    return sorted(p for p in files.keys() | other.keys() if files.get(p) != other.get(p))


KILLED = -signal.SIGINT  # the exit status of a process that Ctrl-C's default action ended


def outcome_of(run: Run, state: str, moment: float) -> str:
    """What a user saw of a run that Ctrl-C may have stopped, the folder left in `state`;
    an AssertionError if it was wrong.

    Python itself answers a Ctrl-C that comes before its handler is set (the process
    ends without a word), while it still starts up (its own traceback, before any code of
    rallycal runs), or once it has restored the default at exit (the report printed). An
    interrupt caught after passing through code that Python ran with `exec` (as dataclasses
    and templates are made) ends the process with SIGINT after rallycal's words instead of
    exit 130: Python's doing, and the same to a shell.
    """
    last = (run.stderr.strip().splitlines() or [""])[-1]
    frames = re.findall(r'^  File "(.*?)"', run.stderr, re.MULTILINE)
    where = f"Ctrl-C at {moment:.2f} s: exit {run.returncode}, {state}, stderr {run.stderr!r}"
    if run.returncode == 0:
        assert state == "new" and "Interrupted" not in run.stderr, where
        return "finished"
    if run.returncode == KILLED and state == "new" and " removed in " in run.stdout:
        assert "Traceback" not in run.stderr and "Interrupted" not in run.stderr, where
        return "stopped as Python exited"
    if "Traceback" in run.stderr or run.stderr == "":
        assert state == "old" and all(frame.startswith("<frozen ") for frame in frames), where
        return "stopped while Python started"
    assert run.returncode in (130, KILLED), where
    assert SAYS.get(last) == state, where
    moment_word = {OLD_STATE: "during", NEW_STATE: "during", FINISHED: "after"}.get(last, "before")
    return f"interrupted {moment_word} the commit"


def signalled(world: World, out: Path, moment: float, signum: int, *options: str) -> Run:
    """A fresh copy of the old folder in `out`, exported into by a run that gets `signum`
    at `moment`."""
    fresh_copy(world, out)
    logs = out.with_name(out.name + "-logs")
    began = time.monotonic()
    process = start(world.source, out, logs, *options)
    signal_at(process, out, began, moment, world, signum)
    return finish(process, logs)


@contextlib.contextmanager
def in_the_background(workers: int) -> Iterator[ThreadPoolExecutor]:
    """Runs made by `workers` threads while the test checks earlier ones; the runs not
    begun are dropped when a check fails."""
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.slow
def test_ctrl_c_at_any_moment_leaves_the_folder_all_old_or_all_new(tmp_path, world):
    """Two runs at a time (one per core), each in a folder of its own."""
    moments = spread(0, 1.1 * world.length, MOMENTS)
    outs = [tmp_path / f"out-{index}" for index in range(len(moments))]
    outcomes = []
    with in_the_background(2) as runner:
        runs = [runner.submit(signalled, world, out, moment, signal.SIGINT)
                for out, moment in zip(outs, moments, strict=True)]
        for future, out, moment in zip(runs, outs, moments, strict=True):
            run = future.result()
            files = snapshot(out)
            where = f"Ctrl-C at {moment:.2f} s: exit {run.returncode}, stderr {run.stderr!r}"
            assert files in (world.old, world.new), f"{where}; left {leftovers(out)}"
            outcomes.append(outcome_of(run, "old" if files == world.old else "new", moment))
            shutil.rmtree(out)
    # Some moments fell while the new files were being written, and stopped the commit.
    assert "interrupted during the commit" in outcomes, outcomes
    assert outcomes[0] != "finished", outcomes


def follow_up(world: World, out: Path, moment: float, diff: bool) -> None:
    """What a user does after a killed export: `export --check` (and `diff`), which change
    nothing, then `export`, which gives the uninterrupted export's folder and report."""
    files, left = snapshot(out), leftovers(out)
    visible = {path: data for path, data in files.items() if path not in left}
    where = (f"killed at {moment:.2f} s, leaving {left[:3]}... ({len(left)}), "
             f"{len(differing(visible, world.old))} files new")
    check = cli_run("export", str(world.source), "-o", str(out), "--check")
    assert check.exit_code == (0 if files == world.new else 1), f"{where}: {check.stderr}"
    if left:
        assert "holds what an interrupted export left" in check.stderr, where
    assert snapshot(out) == files, f"{where}: export --check wrote"
    if diff:
        done = cli_run("diff", str(world.source), "-o", str(out))
        assert done.exit_code == 0, f"{where}: {done.stderr}"
        assert snapshot(out) == files, f"{where}: diff wrote"
    if files == world.new:
        return  # the export completed; --check found nothing left to do
    again = cli_run("export", str(world.source), "-o", str(out))
    assert again.exit_code == 0, f"{where}: {again.stderr}"
    assert differing(snapshot(out), world.new) == [], where
    if left:
        assert "warning: " in again.stderr and "interrupted export" in again.stderr, where
    if visible == world.new and JOURNAL not in left:  # the change was complete
        assert changes(again.stdout) == [], where
    else:  # undone, then made again: the same news as the uninterrupted run
        assert changes(again.stdout) == world.report, where


@pytest.mark.slow
def test_a_kill_at_any_moment_is_reported_and_undone_by_the_next_export(tmp_path, world):
    """Four kills while the export reads and builds, twelve from its first temporary file
    on (the writing is where a kill can leave something to undo). The runs are made two
    at a time while the folders of earlier ones are checked; a folder left untouched is
    followed up once (the first moment), `diff` tried on it and on three with leftovers."""
    moments = [
        *spread(0, world.staging, 5)[:4],
        *spread(world.staging, 1.1 * world.length, MOMENTS - 4),
    ]
    outs = [tmp_path / f"out-{index}" for index in range(len(moments))]
    left_behind = []
    with in_the_background(2) as runner:
        runs = [runner.submit(signalled, world, out, moment, signal.SIGKILL, "--quiet")
                for out, moment in zip(outs, moments, strict=True)]
        for future, out, moment in zip(runs, outs, moments, strict=True):
            future.result()
            left_behind.append(bool(leftovers(out)))
            untouched = snapshot(out) == world.old
            if moment == 0 or not untouched:
                diff = moment == 0 or (left_behind[-1] and sum(left_behind) <= 3)
                follow_up(world, out, moment, diff)
            shutil.rmtree(out)
    assert sum(left_behind) >= 3, f"too few kills fell while the files were written: {left_behind}"


# The `rallycal` command, SIGKILLed by its own os.replace at the given call: the first
# call puts the journal in place, each later one a new file.
KILLED_AT_REPLACE = """
import os, signal, sys
from rallycal import journal

class Killing:
    calls = 0
    def __getattr__(self, name):
        return getattr(os, name)
    def replace(self, *args):
        Killing.calls += 1
        if Killing.calls == int(os.environ["KILL_AT_REPLACE"]):
            os.kill(os.getpid(), signal.SIGKILL)
        return os.replace(*args)

journal.os = Killing()
from rallycal.cli.commands import cli
cli(sys.argv[1:], prog_name="rallycal")
"""


@pytest.mark.slow
def test_a_kill_half_way_through_the_renames_is_undone_by_the_next_export(tmp_path, world):
    """The worst moment, every time: the journal written and half the files renamed."""
    out = fresh_copy(world, tmp_path / "out")
    written = [p for p in world.new if world.new[p] != world.old.get(p)]
    done = subprocess.run(
        [sys.executable, "-c", KILLED_AT_REPLACE, "export", str(world.source), "-o", str(out)],
        env={**CHILD_ENV, "KILL_AT_REPLACE": str(1 + len(written) // 2)},
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    files, left = snapshot(out), leftovers(out)
    visible = {path: data for path, data in files.items() if path not in left}
    assert JOURNAL in left
    new_ones = [p for p in written if visible.get(p) == world.new[p]]
    assert 0 < len(new_ones) < len(written)  # mixed: some files new, some old

    check = cli_run("export", str(world.source), "-o", str(out), "--check")
    assert check.exit_code == 1
    assert JOURNAL in check.stderr and "interrupted export" in check.stderr
    diff = cli_run("diff", str(world.source), "-o", str(out))
    assert diff.exit_code == 0, diff.stderr
    assert f"An interrupted export left: {JOURNAL}" in diff.stdout
    assert snapshot(out) == files  # neither wrote, nor undid anything

    again = cli_run("export", str(world.source), "-o", str(out))
    assert again.exit_code == 0, again.stderr
    assert "warning: an interrupted export was undone" in again.stderr
    assert snapshot(out) == world.new
    assert changes(again.stdout) == world.report


def interrupted_export(source: Path, out: Path) -> int:
    """`python -m rallycal export SOURCE -o OUT` in this process, where a test has made
    something raise KeyboardInterrupt, as Ctrl-C does; its exit status."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "argv", ["rallycal", "export", str(source), "-o", str(out)])
        patch.setenv("SOURCE_DATE_EPOCH", str(LATER))
        with pytest.raises(SystemExit) as exited:
            runpy.run_module("rallycal", run_name="__main__")
    return exited.value.code


def raising_keyboard_interrupt(*args, **kwargs):
    raise KeyboardInterrupt


@pytest.fixture
def published(tmp_path, season_2026) -> tuple[Path, Path, dict[str, bytes], dict[str, bytes]]:
    """The 2026 season exported, then a round renamed in the source: (source, folder,
    the folder's files, and what the next export makes of it in a copy)."""
    out, copy = tmp_path / "dist", tmp_path / "copy"
    export(season_2026, out)
    season_2026.write_text(
        season_2026.read_text(encoding="utf-8").replace("Olympus Rally", "Olympus Forest Rally"),
        encoding="utf-8",
    )
    shutil.copytree(out, copy)
    export(season_2026, copy, seconds=LATER)
    assert snapshot(copy) != snapshot(out)
    return season_2026, out, snapshot(out), snapshot(copy)


def last_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[-1]


def test_ctrl_c_while_the_files_are_built_says_nothing_was_written(
    published, monkeypatch, capsys
):
    import rallycal.export

    source, out, before, _ = published
    monkeypatch.setattr(rallycal.export, "build", raising_keyboard_interrupt)
    code = interrupted_export(source, out)
    stderr = capsys.readouterr().err
    assert snapshot(out) == before and "Traceback" not in stderr
    assert (code, last_line(stderr)) == (130, NOTHING_WRITTEN)


def test_ctrl_c_while_the_commands_load_says_nothing_was_written(
    published, monkeypatch, capsys
):
    source, out, before, _ = published

    class Interrupting:  # an import finder: Ctrl-C while `commands` is being imported
        @staticmethod
        def find_spec(name, path=None, target=None):
            if name == "rallycal.cli.commands":
                raise KeyboardInterrupt

    monkeypatch.delitem(sys.modules, "rallycal.cli.commands")
    monkeypatch.setattr(sys, "meta_path", [Interrupting, *sys.meta_path])
    code = interrupted_export(source, out)
    stderr = capsys.readouterr().err
    assert snapshot(out) == before and "Traceback" not in stderr
    assert (code, last_line(stderr)) == (130, NOTHING_WRITTEN)


def test_ctrl_c_once_the_files_are_written_says_the_folder_holds_the_new_files(
    published, monkeypatch, capsys
):
    from rallycal.cli import report

    source, out, _, after = published
    monkeypatch.setattr(report, "table_lines", raising_keyboard_interrupt)
    code = interrupted_export(source, out)
    stderr = capsys.readouterr().err
    assert snapshot(out) == after and "Traceback" not in stderr
    assert code == 130
    assert last_line(stderr).startswith("Interrupted: ") and "new files" in last_line(stderr)


@pytest.mark.slow
def test_two_exports_into_one_folder_at_once_take_turns(tmp_path, world):
    out = fresh_copy(world, tmp_path / "out")
    processes = [(start(world.source, out, tmp_path / name), tmp_path / name)
                 for name in ("first", "second")]
    runs = [finish(process, logs) for process, logs in processes]
    for run in runs:
        assert run.returncode == 0, run.stderr
    assert snapshot(out) == world.new
    # One made the change; the other, waiting its turn, found nothing left to do.
    reports = sorted((changes(run.stdout) for run in runs), key=len)
    assert reports == [[], world.report]
    assert sum(f"0 written, {len(world.new)} unchanged, 0 removed" in run.stdout
               for run in runs) == 1
