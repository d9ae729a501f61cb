"""The performance budgets, measured side by side in one run.

    python benchmarks/run.py                 # sizes 150, 500, 1000, 2000 rounds; 3 runs
    python benchmarks/run.py --sizes 150,500 --runs 1

Every measurement is a fresh child process. The floor is the card's library doing the
least the export must do: icalendar serialising each distinct event once and the same
feed files made in memory and written with the same durability (each file and its
folder fsynced). The
budgets (README, "Benchmarks"):

* at 2,000 rounds, a fresh export within 1.5x the floor in time and in peak memory;
* growth linear in the number of rounds (seconds per round about constant);
* one renamed round rewrites only the files that hold it and costs at most 1.2x a
  fresh export;
* the shipped season's fresh and no-op exports within 4x `python -c "import icalendar"`
  in CPU time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from season import renamed_round, write_source  # noqa: E402

EPOCH = "1767225600"  # SOURCE_DATE_EPOCH: every run exports at the same time


def child_floor(source: str, out: str) -> dict[str, float]:
    """icalendar serialising each distinct event once; the same feeds made in memory, as
    the export makes them, then written, each file and folder fsynced."""
    from datetime import datetime, timezone

    from rallycal.plan import plan
    from rallycal.publication import Stamp
    from rallycal.render import ics
    from rallycal.source import load

    championship = load(source)
    start = time.perf_counter()
    stamp = Stamp(0, datetime.fromtimestamp(int(EPOCH), timezone.utc))
    events: dict[str, bytes] = {}
    files = {}
    for feed in plan(championship):
        for entry in feed.entries:
            if entry.uid not in events:
                events[entry.uid] = ics.stamped(ics.event(entry), stamp)
        held = [events[e.uid] for e in feed.entries]
        files[feed.path] = ics.calendar(feed, championship.series.base_url, held)
    folders = set()
    for path, data in files.items():
        target = Path(out, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        folders.add(target.parent)
    for folder in folders:
        fd = os.open(folder, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
    return {"seconds": time.perf_counter() - start, "events": len(events)}


def child_export(source: str, out: str) -> dict[str, float]:
    """The whole export, as `rallycal export` runs it (reading the source included)."""
    from rallycal.export import export

    start = time.perf_counter()
    outcome = export(source, out)
    return {"seconds": time.perf_counter() - start, "written": len(outcome.written)}


def run_child(kind: str, source: Path, out: Path) -> dict[str, float]:
    """One measurement in a fresh process: its own figures and its peak memory (MB)."""
    command = [sys.executable, __file__, "--child", kind, str(source), str(out)]
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    os.sync()  # nothing left unwritten by the step before is paid for by this one
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def cpu_seconds(command: list[str], cwd: Path) -> float:
    """User plus system CPU time of one child process, started as an installed script
    starts: with its modules' bytecode."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, cwd=cwd, capture_output=True, check=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def files_state(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*") if p.is_file()
    }


def scale(work: Path, size: int, runs: int) -> dict[str, object]:
    """Floor, fresh export and a renamed round at one size, `runs` times each, interleaved."""
    source = work / f"season-{size}.yaml"
    write_source(size, source)
    figures: dict[str, list[float]] = {"floor": [], "export": [], "floor_mb": [], "export_mb": [],
                                       "edit": []}
    touched: set[str] = set()
    for run in range(runs):
        for kind in ("floor", "export"):
            out = work / f"{kind}-{size}-{run}"
            result = run_child(kind, source, out)
            figures[kind].append(result["seconds"])
            figures[f"{kind}_mb"].append(result["peak_mb"])
        out = work / f"export-{size}-{run}"
        before = files_state(out)
        edited = work / f"season-{size}-renamed.yaml"
        edited.write_text(renamed_round(source.read_text(), size))
        figures["edit"].append(run_child("export", edited, out)["seconds"])
        after = files_state(out)
        touched |= {path for path in after if after[path] != before.get(path)}
        for kind in ("floor", "export"):
            shutil.rmtree(work / f"{kind}-{size}-{run}")
    return {"figures": figures, "touched": sorted(touched)}


def startup(work: Path, runs: int) -> dict[str, float]:
    """CPU time of the shipped season's fresh and no-op exports against importing icalendar."""
    python = sys.executable
    found: dict[str, list[float]] = {"import": [], "fresh": [], "noop": []}
    cpu_seconds([python, "-m", "rallycal", "--version"], ROOT)  # bytecode written once
    for run in range(runs):
        out = work / f"shipped-{run}"
        found["import"].append(cpu_seconds([python, "-c", "import icalendar"], ROOT))
        export = [python, "-m", "rallycal", "export", "events.yaml", "-o", str(out), "-q"]
        found["fresh"].append(cpu_seconds(export, ROOT))
        found["noop"].append(cpu_seconds(export, ROOT))
    return {key: statistics.median(values) for key, values in found.items()}


def report(sizes: dict[int, dict[str, object]], start: dict[str, float]) -> None:
    print("\n| rounds | floor s | export s | time ratio | floor MB | export MB | memory ratio |"
          " renamed round s | renamed ÷ fresh | export ms per round |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for size, result in sizes.items():
        f = result["figures"]
        assert isinstance(f, dict)
        floor, export, edit = (statistics.median(f[k]) for k in ("floor", "export", "edit"))
        floor_mb, export_mb = statistics.median(f["floor_mb"]), statistics.median(f["export_mb"])
        print(f"| {size:,} | {floor:.2f} | {export:.2f} | {export / floor:.2f} | {floor_mb:.0f} |"
              f" {export_mb:.0f} | {export_mb / floor_mb:.2f} | {edit:.2f} | {edit / export:.2f} |"
              f" {1000 * export / size:.2f} |")
    largest = max(sizes)
    print(f"\nFiles a renamed round rewrote at {largest:,} rounds: {sizes[largest]['touched']}")
    base = start["import"]
    print("\n| shipped season | CPU s | ÷ `import icalendar` |\n|---|---|---|")
    print(f"| `python -c 'import icalendar'` | {base:.3f} | 1.00 |")
    for key, label in (("fresh", "fresh export"), ("noop", "no-op export")):
        print(f"| {label} | {start[key]:.3f} | {start[key] / base:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="150,500,1000,2000",
                        help="comma-separated numbers of rounds (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (default 3)")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "SOURCE", "OUT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, source, out = args.child
        result = (child_floor if kind == "floor" else child_export)(source, out)
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="rallycal-bench-") as scratch:
        work = Path(scratch)
        start = startup(work, max(args.runs, 5))
        results = {}
        for size in (int(text) for text in args.sizes.split(",")):
            print(f"{size} rounds ...", file=sys.stderr, flush=True)
            results[size] = scale(work, size, args.runs)
        report(results, start)


if __name__ == "__main__":
    main()
