"""`rallycal list`: the season in a terminal, the next round marked with the days until it."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner
from support import copy_source

from rallycal.cli.commands import cli
from rallycal.source import load
from rallycal.wording import day_span


def run(*args: str):
    return CliRunner().invoke(cli, ["list", *args])


def marked(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(">")]


@pytest.mark.parametrize(
    ("today", "row", "note", "last_line"),
    [
        ("2026-01-01", "R1", "next, in 36 days", "Next, in 36 days: R1 Sno*Drift Rally"),
        ("2026-02-08", "R2", "next, in 33 days", "Next, in 33 days: R2 Rally in the 100 Acre Wood"),
        ("2026-04-16", "R3", "next, tomorrow", "Next, tomorrow: R3 Olympus Rally"),
        ("2026-04-17", "R3", "on now", "On now: R3 Olympus Rally"),
        ("2026-04-19", "R3", "on now", "On now: R3 Olympus Rally"),
        ("2026-04-20", "R4", "next, in 52 days", "Next, in 52 days: R4 Southern Ohio Forest Rally"),
    ],
)
def test_the_next_round_is_marked_with_the_days_until_it(season_2026, today, row, note, last_line):
    result = run(str(season_2026), "--today", today)
    assert result.exit_code == 0, result.output
    (line,) = marked(result.output)
    assert line.split()[1] == row and line.endswith(f"<- {note}")
    assert result.output.splitlines()[-1].startswith(last_line + " (")


def test_every_round_with_its_days_place_status_and_classes(season_2026):
    season = load(season_2026).latest
    result = run(str(season_2026), "--today", "2026-03-01")
    lines = result.output.splitlines()
    assert lines[0] == "American Rally Association National Championship 2026: 8 rounds"
    rows = lines[2:10]
    for round_, row in zip(season.rounds, rows, strict=True):
        assert row[2:].startswith(
            f"R{round_.number}  {day_span(round_.first_day, round_.last_day)}"
        )
        assert f"{round_.venue.town}, {round_.venue.state}" in row
        assert "Confirmed" in row and "all classes" in row
    names = {row.index(r.name) for r, row in zip(season.rounds, rows, strict=True)}
    assert len(names) == 1  # aligned
    assert len({row.index("Confirmed") for row in rows}) == 1


def test_a_round_without_every_class_lists_its_classes(tmp_path):
    source = copy_source(tmp_path)
    text = source.read_text().replace(
        "        last_day: 2026-07-19\n",
        "        last_day: 2026-07-19\n        classes: [l4wd, o2wd]\n"
    )
    source.write_text(text)
    result = run(str(source), "--today", "2026-03-01")
    row = next(line for line in result.output.splitlines() if "Rally Colorado" in line)
    assert row.endswith("L4WD O2WD")


def test_a_cancelled_round_is_listed_but_never_next(season_2026, tmp_path):
    source = copy_source(tmp_path)
    text = source.read_text()
    text = text.replace(
        "        last_day: 2026-03-14\n",
        "        last_day: 2026-03-14\n        status: cancelled\n"
    )
    text = text.replace(
        "        first_day: 2026-04-17\n",
        "        first_day: 2026-04-17\n        status: postponed\n"
    )
    source.write_text(text)
    result = run(str(source), "--today", "2026-03-01")
    assert result.exit_code == 0, result.output
    (line,) = marked(result.output)
    assert "Southern Ohio Forest Rally" in line
    cancelled = next(row for row in result.output.splitlines() if "100 Acre Wood" in row)
    assert "Cancelled" in cancelled
    assert "Postponed" in next(row for row in result.output.splitlines() if "Olympus" in row)
    data = json.loads(run(str(source), "--today", "2026-03-01", "--json").stdout)
    assert data["next"]["round"] == "southern-ohio-forest"


def test_after_the_last_round_nothing_is_marked(season_2026):
    result = run(str(season_2026), "--today", "2026-10-11")
    assert result.exit_code == 0
    assert marked(result.output) == []
    assert result.output.splitlines()[-1] == (
        "No round of the 2026 season is still to come (as of 2026-10-11)."
    )


def test_json(season_2026):
    result = run(str(season_2026), "--today", "2026-03-01", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["today"] == "2026-03-01"
    assert data["series"] == {
        "id": "ara",
        "name": "American Rally Association National Championship",
        "season": 2026,
    }
    assert data["next"] == {"round": "100-acre-wood", "days_until": 12, "running": False}
    assert (data["season"], data["seasons"]) == (2026, [2026])
    assert [r["number"] for r in data["rounds"]] == list(range(1, 9))
    assert [r["id"] for r in data["rounds"] if r["next"]] == ["100-acre-wood"]
    first = data["rounds"][0]
    assert first == {
        "id": "sno-drift",
        "number": 1,
        "name": "Sno*Drift Rally",
        "first_day": "2026-02-06",
        "last_day": "2026-02-07",
        "days": "Fri 6 – Sat 7 Feb 2026",
        "town": "Atlanta",
        "state": "Michigan",
        "country": "United States",
        "timezone": "America/Detroit",
        "status": "confirmed",
        "classes": ["o4wd", "l4wd", "o2wd", "l2wd"],
        "next": False,
        "days_until": -23,
    }
    after = json.loads(run(str(season_2026), "--today", "2027-01-01", "--json").stdout)
    assert after["next"] is None and not any(r["next"] for r in after["rounds"])


def test_today_defaults_to_the_real_date(season_2026):
    before = date.today().isoformat()
    data = json.loads(run(str(season_2026), "--json").stdout)
    assert data["today"] in {before, date.today().isoformat()}


def test_a_bad_day_is_a_usage_error(season_2026):
    result = run(str(season_2026), "--today", "1 March")
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output or "%Y-%m-%d" in result.output


def test_a_broken_source_is_explained_without_a_traceback(tmp_path):
    source = tmp_path / "events.yaml"
    source.write_text("series: [\n")
    result = run(str(source))
    assert result.exit_code == 1
    assert str(source) in result.output and "Traceback" not in result.output
    missing = run(str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 1 and "nope.yaml" in missing.output
    assert "Traceback" not in missing.output
