"""The synthetic seasons the benchmark exports, and the edits it makes to them.

A season of N rounds in the events.yaml format (20 classes, 2 running each round; 200
teams of 1-3 crews, each entering about 1 in 20 of the rounds that run its classes; a
timed schedule on every tenth round), the same for the same arguments.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import yaml

YEAR = 2026
CLASSES = 20
CLASSES_PER_ROUND = 2
TEAMS = 200
TEAM_SHARE = 0.05  # the share of the rounds running its classes that a team enters

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
        miles = rng.randint(60, 140)
        item["notes"] = f"Forest roads near {town}, with about {miles} miles of stages."
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


def renamed_round(text: str, rounds: int) -> str:
    """The source with the name of one round (in the middle of the season) changed."""
    marker = f"- id: r{rounds // 2 + 1:05d}\n"
    start = text.index(marker)
    line = text.index("name: ", start)
    end = text.index("\n", line)
    return text[:line] + text[line:end] + " (renamed)" + text[end:]


def with_comment(text: str) -> str:
    """The source with one more comment line, and nothing else changed."""
    return text.replace("\nrounds:\n", "\n# a comment added by the benchmark\nrounds:\n", 1)
