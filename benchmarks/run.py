"""How fast rallycal starts and exports, against what the same work costs at its floor.

    python benchmarks/run.py

* start-up: `rallycal --help` and `rallycal check` on the shipped events.yaml, against
  `python -c "import click"` (the interpreter and the CLI library alone);
* scale: synthetic seasons of 100, 1,000 and 10,000 rounds (20 classes, 200 teams),
  written on the fly into a temporary folder, each exported by `rallycal.publish.export`
  into a fresh folder;
* the floor: the same feeds, each with the same events, written with icalendar directly
  (one Calendar per feed, one Event per entry, `to_ical()`, write) with no validation,
  planning or comparison with the last publication: the feeds and their entries come
  from `rallycal.feeds.plan`, computed once beforehand and read back by each run;
* no-op: the 10,000-round export run again into its own output folder.

Every measurement runs in a fresh child process (this script, with a child command) and
is the median of several runs. Wall times leave out interpreter start-up and imports,
which the start-up figures cover. Peak memory is the child's maximum resident set size.
Progress goes to stderr; the table, the targets and the figures to stdout.
"""

from __future__ import annotations

import json
import os
import pickle
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "events.yaml"
EPOCH = 1767225600  # 2026-01-01T00:00:00Z: every run exports at the same time
SIZES = {100: 5, 1_000: 5, 10_000: 3}  # rounds in the season: runs to take the median of
LARGEST = max(SIZES)
STARTUP_RUNS = 25
YEAR = 2026
CLASSES = 20
CLASSES_PER_ROUND = 2
TEAMS = 200
TEAM_SHARE = 0.05  # the share of the rounds running its classes that a team enters

TARGET_FLOOR_RATIO = 1.3
TARGET_GROWTH = 11.0
TARGET_MEMORY_RATIO = 2.0
TARGET_HELP_RATIO = 1.2
TARGET_NOOP_SHARE = 0.5

VENUES = (
    ("Atlanta", "Michigan", "America/Detroit", 45.005, -84.144),
    ("Salem", "Missouri", "America/Chicago", 37.646, -91.536),
    ("Shelton", "Washington", "America/Los_Angeles", 47.215, -123.101),
    ("Chillicothe", "Ohio", "America/New_York", 39.333, -82.982),
    ("Rangely", "Colorado", "America/Denver", 40.088, -108.805),
    ("Detroit Lakes", "Minnesota", "America/Chicago", 46.817, -95.845),
    ("Newport", "Tennessee", "America/New_York", 35.967, -83.188),
    ("Prescott", "Arizona", "America/Phoenix", 34.540, -112.469),
    ("Wellsboro", "Pennsylvania", "America/New_York", 41.749, -77.301),
    ("Anchorage", "Alaska", "America/Anchorage", 61.218, -149.900),
)
PLACES = ("Forest", "Lakes", "Mountain", "Prairie", "Canyon", "River", "Pines", "Ridge", "Valley")
KINDS = ("Rally", "Stages", "Sprint", "Rally, Night Stages", "Rally; Gravel & Snow")
PEOPLE = ("Ana", "Ben", "Chloé", "Dev", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo", "Kai")
SURNAMES = ("Novak", "Okafor", "Park", "Quinn", "Rossi", "Singh", "Tanaka", "Usman", "Weiß")
CARS = ("Subaru WRX", "Ford Fiesta Rally3", "Toyota GR Yaris", "VW Golf GTI", "Honda Fit")
COLORS = ("crimson", "darkorange", "royalblue", "seagreen", "teal", "slategray", "gold")


# -- the synthetic season ----------------------------------------------------------------


def synthetic_season(rounds: int, seed: int = YEAR) -> dict:
    """A season in the events.yaml format, the same for the same arguments."""
    rng = random.Random(seed)
    class_ids = [f"c{number:02d}" for number in range(1, CLASSES + 1)]
    classes = [
        {"id": cid, "name": f"Class {n}", "short": f"C{n}", "color": rng.choice(COLORS)}
        for n, cid in enumerate(class_ids, 1)
    ]
    round_list = [_round(rng, number, rounds, class_ids) for number in range(rounds)]
    runs = [(r["id"], set(r["classes"])) for r in round_list]
    teams = [_team(rng, number, runs, class_ids) for number in range(1, TEAMS + 1)]
    return {
        "series": {
            "id": "bench",
            "name": "Benchmark Rally Championship",
            "short": "BRC",
            "season": YEAR,
            "url": "https://example.org/rally",
            "base_url": "https://example.org/rally/feeds/",
            "color": "firebrick",
        },
        "classes": classes,
        "rounds": round_list,
        "teams": teams,
    }


def _round(rng: random.Random, number: int, rounds: int, class_ids: list[str]) -> dict:
    first = date(YEAR, 1, 1) + timedelta(days=number * 360 // rounds)  # many share days
    last = first + timedelta(days=rng.randint(0, 2))
    town, state, zone, latitude, longitude = rng.choice(VENUES)
    round_id = f"r{number + 1:05d}"
    item = {
        "id": round_id,
        "name": f"{rng.choice(PLACES)} {rng.choice(PLACES)} {rng.choice(KINDS)} {number + 1}",
        "first_day": first,
        "last_day": last,
        "venue": {
            "town": town,
            "state": state,
            "country": "United States",
            "timezone": zone,
            "latitude": latitude,
            "longitude": longitude,
        },
        "classes": sorted(rng.sample(class_ids, CLASSES_PER_ROUND)),
    }
    if number % 17 == 5:
        item["status"] = rng.choice(("tentative", "postponed", "cancelled"))
    if number % 3 == 0:
        item["notes"] = f"Forest roads near {town}, with about {rng.randint(60, 140)} miles of stages."
    if number % 4 == 1:
        item["url"] = f"https://example.org/rally/{round_id}"
    if number % 10 == 2:
        item["schedule"] = _schedule(first, last)
    return item


def _schedule(first: date, last: date) -> list[dict]:
    items = [
        {"id": "shakedown", "name": "Shakedown", "day": first, "start": "09:00", "end": "12:00"},
        {"id": "leg-1", "name": "Leg 1", "day": first, "start": "13:00", "end": "18:30"},
    ]
    if last > first:
        items.append({"id": "night-leg", "name": "Night leg", "day": first, "start": "21:00",
                      "end": "00:45", "end_day": first + timedelta(days=1)})
    return items


def _team(
    rng: random.Random, number: int, runs: list[tuple[str, set[str]]], class_ids: list[str]
) -> dict:
    """A team of 1-3 crews entering some of the rounds that run all its crews' classes."""
    primary = rng.choice(class_ids)
    crew_classes = [primary] * rng.randint(1, 3)
    if len(crew_classes) > 1 and rng.random() < 0.2:
        crew_classes[-1] = rng.choice(class_ids)
    eligible = [rid for rid, classes in runs if classes.issuperset(crew_classes)]
    if not eligible:  # no round runs both classes: the whole team runs its main one
        crew_classes = [primary] * len(crew_classes)
        eligible = [rid for rid, classes in runs if primary in classes]
    entered = [rid for rid in eligible if rng.random() < TEAM_SHARE] or [rng.choice(eligible)]
    crews = []
    for class_id in crew_classes:
        crew = {"driver": _person(rng), "car": rng.choice(CARS), "class": class_id}
        if rng.random() < 0.8:
            crew["co_driver"] = _person(rng)
        crews.append(crew)
    team = {"id": f"t{number:03d}", "name": f"{rng.choice(SURNAMES)} Racing {number}"}
    if number % 2:
        team["short"] = f"T{number}"
    if number % 3 == 0:
        team["run_by"] = f"{rng.choice(SURNAMES)} Motorsport"
    if number % 4 == 0:
        team["color"] = rng.choice(COLORS)
    team["rounds"] = entered
    team["crews"] = crews
    return team


def _person(rng: random.Random) -> str:
    return f"{rng.choice(PEOPLE)} {rng.choice(SURNAMES)}"


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    """Writes every value out: the source format refuses anchors and aliases."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def write_source(rounds: int, path: Path) -> None:
    """The synthetic season of `rounds` rounds as an events.yaml file."""
    text = yaml.dump(
        synthetic_season(rounds), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=88
    )
    path.write_text(f"# A synthetic season of {rounds} rounds for benchmarks/run.py\n" + text,
                    encoding="utf-8")


# -- child processes: each prints one JSON line ------------------------------------------


def child_plan(source: str, plan_file: str) -> dict:
    """Load and plan a season once, outside any timing, for the floor to serialise."""
    from rallycal.feeds import plan
    from rallycal.source import load

    season = load(source).latest
    feeds = plan(season)
    Path(plan_file).write_bytes(pickle.dumps((season, feeds), pickle.HIGHEST_PROTOCOL))
    return {"feeds": len(feeds), "events": sum(len(f.entries) for f in feeds)}


def child_export(source: str, out: str) -> dict:
    """One `rallycal.publish.export`, timed without the imports."""
    import rallycal.source  # noqa: F401 - imported by export; here, so the timing leaves it out
    from rallycal.publish import export

    os.environ["SOURCE_DATE_EPOCH"] = str(EPOCH)
    start = time.perf_counter()
    outcome = export(source, out)
    seconds = time.perf_counter() - start
    written = set(outcome.written)
    events = sum(f["events"] for f in outcome.feeds if f["path"] in written)
    return {"seconds": seconds, "written": len(written), "events": events, "peak": _peak_mb()}


def child_floor(plan_file: str, out: str) -> dict:
    """The same feeds and events written with icalendar directly, and nothing else.

    An event in several feeds (a round is in all.ics and in its own feed) is built
    once and added to each calendar, as the export renders it once.
    """
    from collections import Counter

    season, feeds = pickle.loads(Path(plan_file).read_bytes())
    counts = Counter(entry.uid for feed in feeds for entry in feed.entries)
    shared = {uid for uid, count in counts.items() if count > 1}
    now = datetime.fromtimestamp(EPOCH, timezone.utc)
    kept: dict = {}
    start = time.perf_counter()
    for feed in feeds:
        calendar = _floor_calendar(season, feed)
        for entry in feed.entries:
            event = kept.get(entry.uid) or _floor_event(season, entry, now)
            if entry.uid in shared:
                kept[entry.uid] = event
            calendar.add_component(event)
        path = Path(out) / feed.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(calendar.to_ical())
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "written": len(feeds), "events": sum(counts.values()),
            "peak": _peak_mb()}


def _floor_calendar(season, feed):
    """A calendar with the properties rallycal gives each feed."""
    from icalendar import Calendar

    from rallycal import ics
    from rallycal.colors import CSS_COLORS

    base = season.series.base_url
    color = feed.color or ics.DEFAULT_COLOR
    calendar = Calendar()
    for name, value in (
        ("prodid", ics.PRODID), ("version", "2.0"), ("calscale", "GREGORIAN"),
        ("method", "PUBLISH"), ("name", feed.title), ("x-wr-calname", feed.title),
        ("description", feed.description), ("x-wr-caldesc", feed.description),
        ("refresh-interval", ics.REFRESH), ("x-published-ttl", ics.REFRESH),
        ("source", base + feed.path), ("url", base + "index.html"),
        ("color", color), ("x-apple-calendar-color", CSS_COLORS[color].upper()),
    ):
        calendar.add(name, value)
    return calendar


def _floor_event(season, entry, now: datetime):
    """An event with the properties and the text rallycal gives it."""
    from icalendar import Event

    from rallycal import ics

    round_, item, venue = entry.round, entry.item, entry.round.venue
    event = Event()
    event.add("uid", entry.uid)
    event.add("sequence", 0)
    event.add("dtstamp", now)
    event.add("last-modified", now)
    event.add("summary", ics.summary(season, entry))
    event.add("dtstart", item.start if item else round_.first_day)
    event.add("dtend", item.end if item else round_.last_day + timedelta(days=1))
    event.add("location", venue.place)
    event.add("geo", (venue.latitude, venue.longitude))
    event.add(
        "x-apple-structured-location", f"geo:{venue.latitude},{venue.longitude}",
        parameters={"VALUE": "URI", "X-APPLE-RADIUS": "5000", "X-TITLE": venue.place},
    )
    event.add("description", ics.description(season, entry))
    event.add("url", ics.event_url(season, round_), parameters={"VALUE": "URI"})
    event.add("categories", ics.categories(season, entry))
    event.add("status", ics.ICAL_STATUS[round_.status])
    event.add("transp", "TRANSPARENT")
    event.add("class", "PUBLIC")
    return event


CHILDREN = {"plan": child_plan, "export": child_export, "floor": child_floor}


def _peak_mb() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes there, KiB here


def run_child(command: str, *args: object) -> dict:
    """Run one child command in a fresh interpreter and return what it measured."""
    result = subprocess.run(
        [sys.executable, __file__, command, *map(str, args)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        step = " ".join([command, *map(str, args)])
        sys.exit(f"benchmarks: `{step}` failed (exit {result.returncode}):\n"
                 f"{result.stdout}{result.stderr}")
    return json.loads(result.stdout.splitlines()[-1])


# -- the measurements --------------------------------------------------------------------


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def rallycal_script() -> str:
    """The `rallycal` script installed beside the interpreter running this benchmark."""
    folder = Path(sys.executable).parent
    for name in ("rallycal", "rallycal.exe"):
        if (folder / name).is_file():
            return str(folder / name)
    found = shutil.which("rallycal")
    if found is None:
        sys.exit("benchmarks: no `rallycal` script beside "
                 f"{sys.executable}; install the project first (see README)")
    return found


def startup() -> dict[str, float]:
    """Median wall times of the three start-up commands, run in turn."""
    script = rallycal_script()
    commands = {
        "import click": [sys.executable, "-c", "import click"],
        "rallycal --help": [script, "--help"],
        "rallycal check": [script, "check", str(SHIPPED)],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for run in range(STARTUP_RUNS + 1):  # the first round only warms the caches
        for name, command in commands.items():
            start = time.perf_counter()
            result = subprocess.run(command, capture_output=True, cwd=ROOT)
            elapsed = time.perf_counter() - start
            if result.returncode != 0:
                sys.exit(f"`{' '.join(command)}` failed:\n{result.stderr.decode()}")
            if run:
                times[name].append(elapsed)
    return {name: statistics.median(values) for name, values in times.items()}


def median_of(runs: list[dict]) -> dict:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def scale(work: Path) -> tuple[dict[int, dict], dict]:
    """Export and floor figures at every size, and the no-op re-export at the largest."""
    results: dict[int, dict] = {}
    noop: dict = {}
    for rounds, runs in SIZES.items():
        folder = work / str(rounds)
        folder.mkdir()
        source, plan_file = folder / "events.yaml", folder / "plan.pickle"
        write_source(rounds, source)
        planned = run_child("plan", source, plan_file)
        progress(f"{rounds:,} rounds: {source.stat().st_size / 2**20:.1f} MB of source, "
                 f"{planned['feeds']:,} feeds, {planned['events']:,} events")
        exports, floors = [], []
        for run in range(runs):
            out = folder / f"export-{run}"
            exports.append(run_child("export", source, out))
            floors.append(run_child("floor", plan_file, folder / f"floor-{run}"))
            progress(f"  run {run + 1}/{runs}: export {exports[-1]['seconds']:.2f} s, "
                     f"floor {floors[-1]['seconds']:.2f} s")
            shutil.rmtree(folder / f"floor-{run}")
            if rounds == LARGEST and run == runs - 1:
                noop = no_op(source, out, runs)
            shutil.rmtree(out)
        results[rounds] = {"export": median_of(exports), "floor": median_of(floors)}
    return results, noop


def no_op(source: Path, out: Path, runs: int) -> dict:
    """Export the same source again into the folder it was just exported to."""
    again = [run_child("export", source, out) for _ in range(runs)]
    progress(f"  no-op re-export: {statistics.median(r['seconds'] for r in again):.2f} s, "
             f"{max(r['written'] for r in again)} files written")
    return {"seconds": statistics.median(r["seconds"] for r in again),
            "written": max(r["written"] for r in again)}


# -- the report --------------------------------------------------------------------------


def report(start: dict[str, float], results: dict[int, dict], noop: dict) -> None:
    floor = start["import click"]
    print("start-up (median of %d runs)" % STARTUP_RUNS)
    for name, seconds in start.items():
        print(f"  {name:<16} {seconds * 1000:7.1f} ms  {seconds / floor:5.2f}x the floor")
    print()
    header = ("rounds", "events", "export s", "floor s", "ratio", "export ev/s", "floor ev/s",
              "export MB", "floor MB", "mem ratio")
    print("  ".join(f"{h:>11}" for h in header))
    for rounds, result in results.items():
        export, base = result["export"], result["floor"]
        row = (
            f"{rounds:,}", f"{export['events']:,.0f}", f"{export['seconds']:.2f}",
            f"{base['seconds']:.2f}", f"{export['seconds'] / base['seconds']:.2f}",
            f"{export['events'] / export['seconds']:,.0f}",
            f"{base['events'] / base['seconds']:,.0f}",
            f"{export['peak']:.0f}", f"{base['peak']:.0f}",
            f"{export['peak'] / base['peak']:.2f}",
        )
        print("  ".join(f"{cell:>11}" for cell in row))
    largest = results[LARGEST]["export"]["seconds"]
    print(f"no-op re-export of {LARGEST:,} rounds: {noop['written']} files written in "
          f"{noop['seconds']:.2f} s")
    print()
    ratio = largest / results[LARGEST]["floor"]["seconds"]
    growth = largest / results[1_000]["export"]["seconds"]
    memory = max(r["export"]["peak"] / r["floor"]["peak"] for r in results.values())
    targets = (
        (f"export/floor at {LARGEST:,} rounds {ratio:.2f}", ratio <= TARGET_FLOOR_RATIO,
         f"<= {TARGET_FLOOR_RATIO}"),
        (f"{LARGEST:,} vs 1,000 rounds time {growth:.2f}x", growth <= TARGET_GROWTH,
         f"<= {TARGET_GROWTH:g}x"),
        (f"peak memory export/floor {memory:.2f}x (worst size)", memory <= TARGET_MEMORY_RATIO,
         f"<= {TARGET_MEMORY_RATIO:g}x"),
        (f"rallycal --help {start['rallycal --help'] / floor:.2f}x import click",
         start["rallycal --help"] / floor <= TARGET_HELP_RATIO, f"<= {TARGET_HELP_RATIO}x"),
        (f"no-op re-export writes {noop['written']} files", noop["written"] == 0, "= 0"),
        (f"no-op re-export {noop['seconds'] / largest:.2f} of a full export",
         noop["seconds"] / largest <= TARGET_NOOP_SHARE, f"<= {TARGET_NOOP_SHARE}"),
    )
    for text, passed, target in targets:
        print(f"{'PASS' if passed else 'MISS'}  {text} (target {target})")
    print(f"export/floor at {LARGEST} rounds: {ratio:.2f}")


def main() -> None:
    if len(sys.argv) > 1:  # a child: one measurement
        from rallycal.errors import RallycalError

        try:
            print(json.dumps(CHILDREN[sys.argv[1]](*sys.argv[2:])))
        except RallycalError as error:
            sys.exit(f"rallycal refused it: {error}")
        return
    began = time.perf_counter()
    progress(f"Python {platform.python_version()} on {platform.machine()}, "
             f"{os.cpu_count()} CPUs; start-up ...")
    start = startup()
    with tempfile.TemporaryDirectory(prefix="rallycal-bench-") as work:
        results, noop = scale(Path(work))
    progress(f"done in {time.perf_counter() - began:.0f} s")
    report(start, results, noop)


if __name__ == "__main__":
    main()
