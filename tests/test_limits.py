"""Hostile sizes and shapes get a clear, positioned error fast and in bounded memory.

Each source is checked by `rallycal check` (or exported) in a child process capped
at 1 GiB of address space and 20 s of CPU. The child reports its own CPU time (not
wall-clock time, which other processes on a busy machine stretch) and peak memory;
the assertions allow a generous margin over the 1 s target and print the figures
measured.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # hostile sources at their caps: seconds, not milliseconds

BASE = (Path(__file__).resolve().parent / "broken" / "valid.yaml").read_text(encoding="utf-8")
HEAD = BASE[: BASE.index("rounds:")]  # series and classes
SECONDS = 5.0  # of CPU time
MEMORY_MB = 200

MEASURE = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
resource.setrlimit(resource.RLIMIT_CPU, (20, 20))
import rallycal.export, rallycal.source  # imports are not what is measured
from rallycal.cli.commands import cli
report, args = sys.argv[1], sys.argv[2:]
start = time.process_time()
try:
    cli(args, prog_name="rallycal")
    code = 0
except SystemExit as done:
    code = done.code
seconds = time.process_time() - start
try:  # this process's own peak: ru_maxrss would include the parent's, kept across exec
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
with open(report, "w") as file:
    json.dump({"code": code, "seconds": seconds, "peak_mb": peak}, file)
"""


def run(tmp_path: Path, *args: str) -> tuple[dict, str]:
    """Run the CLI in a capped child: its figures, and what it printed on stderr."""
    report = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(report), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in done.stderr + done.stdout, done.stderr[-3000:]
    assert report.exists(), f"the child died: exit {done.returncode}\n{done.stderr[-3000:]}"
    return json.loads(report.read_text()), done.stderr


def assert_refused(tmp_path: Path, source: Path, message: str, *, command: str = "check") -> None:
    """`command` on `source` exits 1 with `message` among positioned problems, fast and small."""
    out = ["--out", str(tmp_path / "out")] if command == "export" else []
    figures, stderr = run(tmp_path, command, str(source), *out)
    measured = f"{figures['seconds']:.2f} s, peak {figures['peak_mb']:.0f} MB"
    assert figures["code"] == 1, stderr[-3000:]
    lines = stderr.splitlines()
    assert lines and all(line.startswith(f"{source}:") for line in lines[:-1]), stderr[-3000:]
    assert any(message in line for line in lines), f"{message!r} not in:\n{stderr[-3000:]}"
    assert figures["seconds"] < SECONDS, f"took {measured}"
    assert figures["peak_mb"] < MEMORY_MB, f"took {measured}"
    if command == "export":
        assert not (tmp_path / "out" / "all.ics").exists()


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "events.yaml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_a_50_mb_source(tmp_path):
    line = b"    " + b"x" * 70 + b"\n"
    source = write(tmp_path, b"series:\n  notes: |\n" + line * (50 * 1024 * 1024 // len(line)))
    assert_refused(tmp_path, source, ":1:1: the file is larger than 8 MB")


def test_a_4_gb_source_is_not_read_into_memory_by_export(tmp_path):
    source = write(tmp_path, "series:\n")
    with source.open("r+b") as file:
        file.truncate(4 << 30)  # sparse: costs no disk
    assert_refused(tmp_path, source, ":1:1: the file is larger than 8 MB", command="export")


@pytest.mark.parametrize(
    "text",
    [
        "series:\n" + "  [\n" * 100_000,
        "series:\n" + "".join(" " * n + f"k{n}:\n" for n in range(1, 600)),
        "- " * 4000 + "x\n",
        "series:\n" + "  - - - - - - - - - - - - - - - - - - - - - - - - x\n" * 1000,
    ],
    ids=["brackets", "mappings", "dashes-on-one-line", "dashes"],
)
def test_deep_nesting(tmp_path, text):
    assert_refused(tmp_path, write(tmp_path, text), "the nesting here is deeper than 20 levels")


def test_very_long_lines(tmp_path):
    source = write(tmp_path, HEAD + "  # " + "x" * 1_900_000 + "\n")
    assert_refused(tmp_path, source, "this line is 1,900,004 characters long")


def test_an_alias_bomb_is_never_expanded(tmp_path):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for letter, before in zip("bcdefghij", "abcdefghi", strict=True):
        lines.append(f"{letter}: &{letter} [" + ",".join([f"*{before}"] * 9) + "]")
    source = write(tmp_path, "\n".join(lines) + "\n")
    assert_refused(tmp_path, source, ":2:8: anchors and aliases (&name, *name) are not allowed")


@pytest.mark.slow
def test_too_many_values(tmp_path):
    source = write(tmp_path, "series: [\n" + "1,2,3,4,5,6,7,8,9,0,\n" * 51_000 + "]\n")
    assert_refused(tmp_path, source, "the file holds more than 500,000 values")


def test_too_many_problems(tmp_path):
    source = write(tmp_path, "".join(f"key{n}: value\n" for n in range(5000)))
    assert_refused(tmp_path, source, "stopped after 200 problems")


def test_did_you_mean_against_many_similar_ids(tmp_path):
    """'Did you mean' compares texts pairwise: many near-identical ids must not make it slow."""
    rng = random.Random(7)
    ids = ["".join(rng.choice("ab") for _ in range(64)) for _ in range(400)]
    rounds = "".join(
        f"  - {{id: {i}, name: R, first_day: 2026-03-07, last_day: 2026-03-08, venue: "
        "{town: A, state: B, country: C, timezone: Africa/Abidjan, latitude: 1, longitude: 2}}\n"
        for i in ids
    )
    wrong = ["".join(rng.choice("ab") for _ in range(64)) for _ in range(150)]
    team = (
        "teams:\n  - id: t\n    name: T\n    crews: [{driver: D, car: C, class: open}]\n"
        "    rounds:\n" + "".join(f"      - {i}\n" for i in wrong)
    )
    source = write(tmp_path, HEAD + "rounds:\n" + rounds + team)
    assert_refused(tmp_path, source, "unknown round")


def test_did_you_mean_against_every_time_zone(tmp_path):
    rng = random.Random(8)
    zones = ["america/" + "".join(rng.sample("aeilnorstu", 10)) for _ in range(300)]
    rounds = "".join(
        f"  - {{id: r{n}, name: R, first_day: 2026-03-07, last_day: 2026-03-08, venue: "
        f"{{town: A, state: B, country: C, timezone: {zone}, latitude: 1, longitude: 2}}}}\n"
        for n, zone in enumerate(zones)
    )
    source = write(tmp_path, HEAD + "rounds:\n" + rounds)
    assert_refused(tmp_path, source, "is not an IANA time zone")


def test_many_teams_in_every_round_stop_before_the_export_builds(tmp_path):
    """`rounds: all` in 400 teams over 2,000 rounds: 300 KB of source, over a million events."""
    rounds = "".join(
        f"  - {{id: r{n}, name: R, first_day: 2026-03-07, last_day: 2026-03-08, venue: "
        "{town: A, state: B, country: C, timezone: America/Denver, latitude: 1, longitude: 2}}\n"
        for n in range(2000)
    )
    teams = "teams:\n" + "".join(
        f"  - {{id: t{n}, name: T{n}, rounds: all, crews: [{{driver: D, car: C, class: open}}]}}\n"
        for n in range(400)
    )
    source = write(tmp_path, HEAD + "rounds:\n" + rounds + teams)
    assert_refused(tmp_path, source, "more than rallycal writes", command="export")
