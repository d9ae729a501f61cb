"""How fast rallycal exports, against the floor of the same work and two peers, in one run.

    python benchmarks/run.py                  # 22 minutes on two cores shared with heavy work
    python benchmarks/run.py --sizes 100,1000 # a quick run: start-up and the smaller seasons
    python benchmarks/run.py --help

* Start-up: `rallycal export` of the shipped events.yaml into a fresh folder and again
  as a no-op, and `rallycal --help`, as whole processes started as the installed
  `rallycal` command starts (with compiled bytecode, as an installed package has it),
  against `python -c "import icalendar"` and `python -c "import click"`.
* Scale: synthetic seasons of 100, 1,000 and 10,000 rounds (season.py), each written by
  * the export (`rallycal.publish.export` into a fresh folder);
  * the floor (floor.py): libyaml, plain strings, the same durability; its feeds are
    checked byte for byte against the export's BEFORE anything is timed;
  * icalendar, serialising each event once (its bytes are checked too, after timing);
  * ics-py 0.7 (`pip install .[bench]`), a peer that writes its own format;
  and `rallycal check` of the same source (the least an export must do: read and check).
* Edits: after each fresh export, the same source with one round renamed, then that
  source with one comment line added, each exported over the last output (with the
  export's render cache, kept in a temporary XDG_CACHE_HOME for the whole run).

Every measurement is a fresh child process; the kinds of measurement take turns within
each run (paired, interleaved), and the report gives medians, the range over the runs,
and the median of the per-run ratios. Wall times leave out interpreter start-up and
imports (start-up measures those); peak memory is the child's maximum resident set.
Progress goes to stderr; the tables and targets to stdout, the last line being
`export/floor at 10000 rounds: R` (at the largest of `--sizes`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import season as synthetic  # benchmarks/ is not a package: imported from its folder

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "events.yaml"
EPOCH = 1767225600  # 2026-01-01T00:00:00Z: every run exports at the same time
SIZES = {100: 5, 1_000: 5, 10_000: 3}  # rounds in the season: runs to take the median of
STARTUP_RUNS = 15
# what the installed `rallycal` script runs (`python -m rallycal` would add runpy's imports)
ENTRY_POINT = ("import sys; from rallycal.cli import main; sys.argv[0] = 'rallycal'; "
               "sys.exit(main())")
WRITERS = ("floor", "icalendar", "ics-py")

TARGET_FLOOR_RATIO = 1.5
TARGET_MEMORY_RATIO = 1.5
TARGET_STARTUP_RATIO = 1.5
TARGET_EDIT_SHARE = 0.10  # an edit costs at most `check` plus this share of a fresh export


# -- child processes: each prints one JSON line ------------------------------------------


def _peak_mb() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes there, KiB here


def child_export(source: str, out: str) -> dict:
    """One `rallycal.publish.export`, timed without the imports."""
    import rallycal.source  # noqa: F401 - imported by export; here, so the timing leaves it out
    from rallycal.publish import export

    os.environ["SOURCE_DATE_EPOCH"] = str(EPOCH)
    start = time.perf_counter()
    outcome = export(source, out)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "written": len(outcome.written), "peak": _peak_mb()}


def child_writer(name: str, source: str, out: str) -> dict:
    """The floor or a peer: read the source, write every feed, durably."""
    import floor

    if name != "floor":  # the peers' own imports are left out of the timing, as rallycal's
        __import__({"icalendar": "icalendar", "ics-py": "ics"}[name])
    now = datetime.fromtimestamp(EPOCH, timezone.utc)
    start = time.perf_counter()
    files = floor.WRITERS[name](floor.load(source), now)
    floor.write(Path(out), files)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "written": len(files), "peak": _peak_mb()}


def child_check(source: str) -> dict:
    """What `rallycal check` does with the source: read it and check every value."""
    from rallycal.source import parse, read_source

    start = time.perf_counter()
    championship = parse(read_source(source), source)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rounds": sum(len(s.rounds) for s in championship.seasons)}


def child_plan(source: str) -> dict:
    from rallycal.feeds import plan
    from rallycal.source import load

    feeds = plan(load(source))
    return {"feeds": len(feeds), "events": len({e.uid for f in feeds for e in f.entries}),
            "entries": sum(len(f.entries) for f in feeds)}


CHILDREN = {"export": child_export, "writer": child_writer, "check": child_check,
            "plan": child_plan}


def child_environment(**extra: str) -> dict[str, str]:
    """The environment of every child: this checkout's code first, and compiled bytecode
    allowed (with PYTHONDONTWRITEBYTECODE set, every start would compile rallycal again,
    which an installed package never does)."""
    env = {**os.environ, **extra}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH", "")) if p
    )
    return env


def run_child(command: str, *args: object) -> dict:
    """Run one child command in a fresh interpreter and return what it measured.

    The disk is flushed first: the export and the floor flush their whole file system
    (syncfs), so each would otherwise also pay for what the step before it left
    unwritten, such as the deletion of its output."""
    if hasattr(os, "sync"):
        os.sync()
    result = subprocess.run(
        [sys.executable, __file__, command, *map(str, args)], capture_output=True, text=True,
        env=child_environment(),
    )
    if result.returncode != 0:
        step = " ".join([command, *map(str, args)])
        sys.exit(f"benchmarks: `{step}` failed (exit {result.returncode}):\n"
                 f"{result.stdout}{result.stderr}")
    return json.loads(result.stdout.splitlines()[-1])


# -- the measurements --------------------------------------------------------------------


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def startup(work: Path) -> dict[str, list[float]]:
    """Wall times of whole commands, taking turns; the first round only warms the caches."""
    env = child_environment(SOURCE_DATE_EPOCH=str(EPOCH))
    fresh, noop = work / "fresh", work / "noop"
    rallycal = [sys.executable, "-c", ENTRY_POINT]
    commands = {
        "python -c 'import icalendar'": [sys.executable, "-c", "import icalendar"],
        "rallycal export (fresh folder)": [*rallycal, "export", str(SHIPPED), "--out",
                                           str(fresh), "-q"],
        "rallycal export (no-op)": [*rallycal, "export", str(SHIPPED), "--out", str(noop), "-q"],
        "python -c 'import click'": [sys.executable, "-c", "import click"],
        "rallycal --help": [*rallycal, "--help"],
    }
    subprocess.run(commands["rallycal export (no-op)"], check=True, env=env, cwd=ROOT)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for run in range(STARTUP_RUNS + 1):
        for name, command in commands.items():
            shutil.rmtree(fresh, ignore_errors=True)
            start = time.perf_counter()
            result = subprocess.run(command, capture_output=True, env=env, cwd=ROOT)
            elapsed = time.perf_counter() - start
            if result.returncode != 0:
                sys.exit(f"`{' '.join(command)}` failed:\n{result.stderr.decode()}")
            if run:
                times[name].append(elapsed)
    return times


def feeds_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*.ics"))}


def same_feeds(name: str, theirs: Path, export: Path) -> None:
    """Stop the benchmark unless `theirs` holds exactly the export's feeds, byte for byte."""
    mine, expected = feeds_of(theirs), feeds_of(export)
    if sorted(mine) != sorted(expected):
        sys.exit(f"benchmarks: the {name} wrote other files than the export: "
                 f"{sorted(set(mine) ^ set(expected))[:5]}")
    differ = [path for path in expected if mine[path] != expected[path]]
    if differ:
        sys.exit(f"benchmarks: the {name} differs from the export in {len(differ)} feeds, "
                 f"{differ[0]} first; bring benchmarks/floor.py up to date with rallycal.ics")


def scale(work: Path, sizes: dict[int, int]) -> dict[int, dict]:
    """Every measurement at every size (rounds: runs)."""
    results: dict[int, dict] = {}
    for rounds, runs in sizes.items():
        folder = work / str(rounds)
        folder.mkdir()
        source = folder / "events.yaml"
        synthetic.write_source(rounds, source)
        text = source.read_text(encoding="utf-8")
        renamed, commented = folder / "renamed.yaml", folder / "commented.yaml"
        renamed_text = synthetic.renamed_round(text, rounds)
        renamed.write_text(renamed_text, encoding="utf-8")
        commented.write_text(synthetic.with_comment(renamed_text), encoding="utf-8")
        planned = run_child("plan", source)
        progress(f"{rounds:,} rounds: {source.stat().st_size / 2**20:.1f} MB of source, "
                 f"{planned['feeds']:,} feeds, {planned['events']:,} events "
                 f"({planned['entries']:,} in feeds)")
        run_child("export", source, folder / "reference")
        run_child("writer", "floor", source, folder / "floor-check")
        same_feeds("floor", folder / "floor-check", folder / "reference")
        progress("  the floor's feeds are the export's, byte for byte")
        shutil.rmtree(folder / "floor-check")
        figures: dict[str, list[dict]] = {}
        kinds = ["export", *WRITERS, "check"]
        for run in range(runs):
            order = kinds[run % len(kinds):] + kinds[: run % len(kinds)]
            for kind in order:
                out = folder / f"{kind}-{run}"
                if kind == "check":
                    figures.setdefault(kind, []).append(run_child("check", source))
                elif kind == "export":
                    figures.setdefault(kind, []).append(run_child("export", source, out))
                    figures.setdefault("edit", []).append(run_child("export", renamed, out))
                    figures.setdefault("comment", []).append(run_child("export", commented, out))
                else:
                    figures.setdefault(kind, []).append(run_child("writer", kind, source, out))
                    if kind == "icalendar" and run == 0:
                        same_feeds("icalendar writer", out, folder / "reference")
                if not (kind == "export" and run == 0):
                    shutil.rmtree(out, ignore_errors=True)
            progress(f"  run {run + 1}/{runs}: " + ", ".join(
                f"{kind} {figures[kind][-1]['seconds']:.2f} s"
                for kind in ("export", *WRITERS, "edit", "comment", "check")))
        results[rounds] = {"planned": planned, **figures}
        shutil.rmtree(folder)
    return results


# -- the report --------------------------------------------------------------------------


def spread(values: list[float], scale_by: float = 1.0, digits: int = 2) -> str:
    """`median (min–max)`."""
    med, low, high = (scale_by * v for v in (statistics.median(values), min(values),
                                              max(values)))
    return f"{med:.{digits}f} ({low:.{digits}f}–{high:.{digits}f})"


def paired(results: dict, top: str, bottom: str, key: str = "seconds") -> list[float]:
    return [a[key] / b[key] for a, b in zip(results[top], results[bottom], strict=True)]


def median(values: list[float]) -> float:
    return statistics.median(values)


def report(start: dict[str, list[float]], results: dict[int, dict]) -> None:
    base = start["python -c 'import icalendar'"]
    print(f"Start-up, whole processes (ms, median and range of {STARTUP_RUNS} runs):\n")
    print("| command | ms | / `import icalendar` |")
    print("|---|---|---|")
    for name, values in start.items():
        ratios = [a / b for a, b in zip(values, base, strict=True)]
        print(f"| `{name}` | {spread(values, 1000, 0)} | {spread(ratios)} |")
    print("\nExport and writers, seconds (median and range); ratios are medians of the "
          "runs' ratios:\n")
    print("| rounds (events, files) | export | floor | icalendar | ics-py | export/floor "
          "| icalendar/floor | ics-py/floor | peak MB export / floor |")
    print("|---|---|---|---|---|---|---|---|---|")
    for rounds, r in results.items():
        p = r["planned"]
        print(f"| {rounds:,} ({p['events']:,}, {p['feeds']:,}) | " + " | ".join(
            spread([f["seconds"] for f in r[kind]]) for kind in ("export", *WRITERS))
            + " | " + " | ".join(f"{median(paired(r, top, 'floor')):.2f}"
                                 for top in ("export", "icalendar", "ics-py"))
            + f" | {median([f['peak'] for f in r['export']]):.0f} / "
              f"{median([f['peak'] for f in r['floor']]):.0f} |")
    print("\nEdits after a fresh export, seconds (median and range), and files written:\n")
    print("| rounds | `check` | fresh export | one round renamed | files | comment added "
          "| files | edit / (check + 10% export) |")
    print("|---|---|---|---|---|---|---|---|")
    for rounds, r in results.items():
        budget = [c["seconds"] + TARGET_EDIT_SHARE * e["seconds"]
                  for c, e in zip(r["check"], r["export"], strict=True)]
        share = [e["seconds"] / b for e, b in zip(r["edit"], budget, strict=True)]
        print(f"| {rounds:,} | " + " | ".join(
            spread([f["seconds"] for f in r[kind]]) for kind in ("check", "export", "edit"))
            + f" | {max(f['written'] for f in r['edit'])} | "
              f"{spread([f['seconds'] for f in r['comment']])} | "
              f"{max(f['written'] for f in r['comment'])} | {median(share):.2f} |")
    print()
    largest = max(results)
    top = results[largest]
    ratio = median(paired(top, "export", "floor"))
    memory = median(paired(top, "export", "floor", "peak"))
    budget = median([c["seconds"] + TARGET_EDIT_SHARE * e["seconds"]
                     for c, e in zip(top["check"], top["export"], strict=True)])
    edit = median([e["seconds"] for e in top["edit"]])
    fresh = median([a / b for a, b in zip(start["rallycal export (fresh folder)"], base,
                                          strict=True)])
    noop = median([a / b for a, b in zip(start["rallycal export (no-op)"], base, strict=True)])
    targets = (
        (f"export/floor at {largest:,} rounds {ratio:.2f}", ratio <= TARGET_FLOOR_RATIO,
         f"<= {TARGET_FLOOR_RATIO}"),
        (f"export/ics-py at {largest:,} rounds {median(paired(top, 'export', 'ics-py')):.2f}",
         median(paired(top, "export", "ics-py")) < 1, "< 1"),
        (f"peak memory export/floor at {largest:,} rounds {memory:.2f}",
         memory <= TARGET_MEMORY_RATIO, f"<= {TARGET_MEMORY_RATIO}"),
        (f"one round renamed at {largest:,} rounds {edit:.2f} s, against check + 10% of an "
         f"export {budget:.2f} s", edit <= budget, "<="),
        (f"a comment-only edit writes {max(f['written'] for f in top['comment'])} files",
         max(f["written"] for f in top["comment"]) <= 1, "<= 1, the manifest"),
        (f"shipped export, fresh folder, {fresh:.2f}x import icalendar",
         fresh <= TARGET_STARTUP_RATIO, f"<= {TARGET_STARTUP_RATIO}x"),
        (f"shipped export, no-op, {noop:.2f}x import icalendar", noop <= TARGET_STARTUP_RATIO,
         f"<= {TARGET_STARTUP_RATIO}x"),
    )
    for text, passed, target in targets:
        print(f"{'PASS' if passed else 'MISS'}  {text} (target {target})")
    print(f"export/floor at {largest} rounds: {ratio:.2f}")


def sizes_option(text: str) -> dict[int, int]:
    """`100,1000` -> {100: 5, 1000: 5}: each size with the runs SIZES gives it (5 below
    10,000 rounds, 3 from there)."""
    try:
        sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of round counts") from None
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("give one or more round counts of at least 1")
    return {rounds: SIZES.get(rounds, 5 if rounds < 10_000 else 3) for rounds in sizes}


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="How fast rallycal exports: start-up, then synthetic seasons against "
        "the floor and two peers, paired and interleaved. Tables go to stdout, the last "
        "line being `export/floor at N rounds: R` (N the largest size); progress to stderr.",
        epilog=f"Children (run by the benchmark itself, one measurement each, one JSON "
        f"line): {', '.join(CHILDREN)}.",
    )
    parser.add_argument(
        "--sizes", type=sizes_option, default=SIZES, metavar="N,N,...",
        help=f"the season sizes in rounds (default: {','.join(map(str, SIZES))}; for a "
        "quick run: --sizes 100,1000)",
    )
    parser.add_argument(
        "--runs", type=int, metavar="N",
        help="runs at every size (default: 5 below 10,000 rounds, 3 from there)",
    )
    options = parser.parse_args(argv)
    if options.runs is not None:
        if options.runs < 1:
            parser.error("--runs must be at least 1")
        options.sizes = dict.fromkeys(options.sizes, options.runs)
    return options


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in CHILDREN:  # a child: one measurement
        from rallycal.errors import RallycalError

        try:
            print(json.dumps(CHILDREN[argv[0]](*argv[1:])))
        except RallycalError as error:
            sys.exit(f"rallycal refused it: {error}")
        return
    options = arguments(argv)
    began = time.perf_counter()
    progress(f"Python {platform.python_version()} on {platform.machine()}, "
             f"{os.cpu_count()} CPUs; start-up ...")
    with tempfile.TemporaryDirectory(prefix="rallycal-bench-") as work:
        os.environ["XDG_CACHE_HOME"] = str(Path(work) / "cache")  # the export's render cache
        start = startup(Path(work))
        results = scale(Path(work), options.sizes)
    progress(f"done in {time.perf_counter() - began:.0f} s")
    report(start, results)


if __name__ == "__main__":
    main()
