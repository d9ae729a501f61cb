"""`rallycal check` and the command line's shape: in process, and as the installed program."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from rallycal import __version__
from rallycal.cli.commands import cli
from rallycal.cli.summary import season_summary
from rallycal.source import parse

SEASON_2026_CHECK = """\
events.yaml: OK, the 2026 season: 8 rounds, 4 classes, 3 teams
The stable feeds (all.ics, class/, team/, round/) carry the 2026 season;
each season is also kept whole in its archive (2026/).

American Rally Association National Championship (ARA), 2026 season

Rounds
R1  Fri 6 – Sat 7 Feb 2026    Sno*Drift Rally                  Atlanta, Michigan
R2  Fri 13 – Sat 14 Mar 2026  Rally in the 100 Acre Wood       Salem / Potosi, Missouri
R3  Fri 17 – Sun 19 Apr 2026  Olympus Rally                    Shelton, Washington
R4  Thu 11 – Sat 13 Jun 2026  Southern Ohio Forest Rally       Chillicothe, Ohio
R5  Sat 18 – Sun 19 Jul 2026  Rally Colorado                   Rangely, Colorado
R6  Thu 27 – Sat 29 Aug 2026  Ojibwe Forests Rally             Detroit Lakes, Minnesota
R7  Fri 18 – Sat 19 Sep 2026  Overmountain Rally Tennessee     Newport, Tennessee
R8  Fri 9 – Sat 10 Oct 2026   Lake Superior Performance Rally  Marquette, Michigan

Classes
o4wd  Open 4WD     8 rounds
l4wd  Limited 4WD  8 rounds
o2wd  Open 2WD     8 rounds
l2wd  Limited 2WD  8 rounds

Teams
MINI John Cooper Works Rally Team (mini-jcw), 8 rounds
  Luis Perocarpi / Mark Wells            MINI JCW Countryman ALL4            Limited 4WD
  Cristian Perocarpi / Carlos Schrunder  MINI JCW Hardtop 2-door (Cooper S)  Open 2WD
Subaru Motorsports USA (subaru-motorsports-usa), 1 round: sno-drift
  Travis Pastrana  Subaru WRX  Limited 4WD
Lia Block (lia-block), 1 round: sno-drift
  Lia Block  Ford Fiesta Rally3  Limited 4WD
"""

BROKEN = """\
series: {id: ara, name: ARA, short: ARA, season: 2026}
classes:
  - {id: o4wd, name: Open 4WD, short: O4WD, colour: red}
rounds:
  - id: Sno-Drift
    name: Sno*Drift Rally
    first_day: 2026-02-06
    last_day: 2026-02-05
    venue: {town: Atlanta, state: Michigan, country: United States,
            timezone: America/Detriot, latitude: 45.005, longitude: -84.144}
"""

BROKEN_REPORT = [
    "events.yaml:3:45: unknown key 'colour' in class 'o4wd'; did you mean 'color'?",
    "events.yaml:5:9: invalid id 'Sno-Drift'; ids use only a-z, 0-9 and '-', start with a "
    "letter or digit, and are at most 64 characters long; did you mean 'sno-drift'?",
    "events.yaml:8:15: last_day 2026-02-05 is before first_day 2026-02-06; swap them or fix "
    "the date",
    "events.yaml:10:23: 'America/Detriot' is not an IANA time zone; did you mean "
    "'America/Detroit'?",
    "4 problems found in events.yaml",
]


@pytest.fixture
def in_tmp(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_check_the_2026_season(season_2026, monkeypatch):
    monkeypatch.chdir(season_2026.parent)
    result = CliRunner().invoke(cli, ["check", "--today", "2026-03-01"])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == SEASON_2026_CHECK


def test_check_names_the_file_as_given(season_2026, in_tmp):
    (in_tmp / "data").mkdir()
    shutil.copy(season_2026, in_tmp / "data" / "season.yaml")
    result = CliRunner().invoke(cli, ["check", "data/season.yaml"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == (
        "data/season.yaml: OK, the 2026 season: 8 rounds, 4 classes, 3 teams"
    )


def test_check_reports_every_problem_on_stderr(in_tmp):
    (in_tmp / "events.yaml").write_text(BROKEN, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == BROKEN_REPORT
    assert "Traceback" not in result.output


def test_check_missing_file(in_tmp):
    result = CliRunner().invoke(cli, ["check", "nope.yaml"])
    assert result.exit_code == 1
    assert result.stderr == "nope.yaml: no such file; give the path of the season source\n"


def test_help_on_every_command():
    runner = CliRunner()
    top = runner.invoke(cli, ["--help"], prog_name="rallycal")
    assert top.exit_code == 0 and "Usage: rallycal" in top.stdout
    assert cli.commands, "no commands"
    for name, command in cli.commands.items():
        result = runner.invoke(cli, [name, "--help"], prog_name="rallycal")
        assert result.exit_code == 0, name
        assert result.stdout.startswith(f"Usage: rallycal {name}"), name
        assert command.help, f"{name} has no help text"
        assert f"\n  {name} " in top.stdout, name


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert (result.exit_code, result.stdout) == (0, f"rallycal, version {__version__}\n")


def test_summary_shows_status_schedule_and_odd_days():
    season = parse(b"""\
series: {id: ara, name: ARA, short: ARA, season: 2026}
classes: [{id: o4wd, name: Open 4WD, short: O4WD}]
rounds:
  - id: one-day
    name: One Day
    first_day: 2026-05-02
    last_day: 2026-05-02
    status: cancelled
    venue: {town: Here, state: Ohio, country: United States, timezone: America/New_York,
            latitude: 39.3, longitude: -82.9}
    schedule:
      - {id: a, name: A, day: 2026-05-02, start: "09:00", end: "10:00"}
  - id: new-year
    name: New Year
    first_day: 2026-12-31
    last_day: 2027-01-01
    venue: {town: There, state: Ohio, country: United States, timezone: America/New_York,
            latitude: 39.3, longitude: -82.9}
""", "events.yaml").latest
    assert season_summary(season).splitlines()[3:5] == [
        "R1  Sat 2 May 2026                    One Day   Here, Ohio  (cancelled, 1 schedule item)",
        "R2  Thu 31 Dec 2026 – Fri 1 Jan 2027  New Year  There, Ohio",
    ]


# -- as a real process ---------------------------------------------------------------------


def installed_script() -> str:
    script = Path(sys.executable).parent / "rallycal"
    found = str(script) if script.exists() else shutil.which("rallycal")
    if found is None:
        pytest.skip("the rallycal script is not installed (pip install -e .)")
    return found


def test_installed_script(season_2026):
    done = subprocess.run([installed_script(), "check", "events.yaml", "--today", "2026-03-01"],
                          cwd=season_2026.parent,
                          capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == SEASON_2026_CHECK


def test_python_m_rallycal_check(in_tmp):
    (in_tmp / "events.yaml").write_text(BROKEN, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "rallycal", "check"], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == BROKEN_REPORT
