"""What an export did, as the terminal and `--json` say it (`rallycal.cli.report`)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from support import EPOCH, SEASON_2026

from rallycal.cli.commands import cli
from rallycal.cli.report import as_json, change_lines, table_lines
from rallycal.export import Build, Outcome
from rallycal.plan import plan, reminder_uid, uid
from rallycal.publication import Difference, EventChange, Removal
from rallycal.source import load, parse

CHAMPIONSHIP = load(SEASON_2026)
SERIES = CHAMPIONSHIP.series
OLYMPUS = "Olympus Rally, Fri 17 – Sun 19 Apr 2026 (2026 round 3)"
SNO_DRIFT = "Sno*Drift Rally, Fri 6 – Sat 7 Feb 2026 (2026 round 1)"
MOVED = (Difference("dates", "Fri 10 – Sun 12 Apr 2026", "Fri 17 – Sun 19 Apr 2026"),)


def change(round_id, *feeds, kind="changed", qualifiers=(), differences=(),
           title="ARA R3: Olympus Rally"):
    return EventChange(uid(SERIES, 2026, round_id, *qualifiers), kind, title, feeds,
                       differences)


def outcome(changes=(), removals=(), **fields) -> Outcome:
    files = {feed.path: b"" for feed in plan(CHAMPIONSHIP)}
    files.update({"changes.atom": b"", "index.html": b"", "feeds.json": b""})
    build = Build(plan(CHAMPIONSHIP), files, changes=list(changes), removals=list(removals))
    return Outcome("dist", CHAMPIONSHIP, build, **fields)


def test_a_round_is_one_line_naming_its_season_and_days_with_what_changed_under_it():
    plain = change("olympus", "all.ics", "round/olympus.ics", differences=MOVED)
    copies = [
        change("olympus", "class/l4wd.ics", qualifiers=("class", "l4wd"),
               differences=(*MOVED, Difference("classes", None, "L4WD"))),
        plain,
        EventChange(reminder_uid(plain.uid), "changed", plain.title, ("reminders/all.ics",),
                    MOVED),
    ]
    added = change("sno-drift", "all.ics", kind="added", title="ARA R1: Sno*Drift Rally")
    assert change_lines(outcome([*copies, added])) == [
        f"changed  {OLYMPUS} (in 4 feeds)",
        "           dates: Fri 10 – Sun 12 Apr 2026 -> Fri 17 – Sun 19 Apr 2026",
        "           classes: (none) -> L4WD",
        f"added    {SNO_DRIFT} (in all.ics)",
    ]


WITH_A_TIMED_ITEM = b"""\
series: {id: demo, name: Demo Series, short: DS}
seasons:
  - year: 2027
    classes: [{id: open, name: Open, short: OPEN}]
    rounds:
      - id: winter
        name: Winter Rally
        first_day: 2027-02-05
        last_day: 2027-02-06
        venue: {town: Atlanta, state: Michigan, country: United States,
                timezone: America/Detroit, latitude: 45.005, longitude: -84.144}
        schedule:
          - {id: leg-1, name: Leg 1, day: 2027-02-05, start: "18:00", end: "23:00"}
"""


def test_a_timed_item_is_named_with_its_round_and_its_times_in_local_time():
    championship = parse(WITH_A_TIMED_ITEM, "events.yaml")
    times = Difference("times", "2027-02-05 22:00 UTC – 2027-02-06 03:00 UTC",
                       "2027-02-05 23:00 UTC – 2027-02-06 04:00 UTC")
    moved = EventChange(uid(championship.series, 2027, "winter", "item", "leg-1"), "changed",
                        "DS R1: Winter Rally: Leg 1", ("round/winter.ics",), (times,))
    build = Build(plan(championship), {}, changes=[moved])
    assert change_lines(Outcome("dist", championship, build)) == [
        "changed  Leg 1 of Winter Rally, Fri 5 – Sat 6 Feb 2027 (2027 round 1) "
        "(in round/winter.ics)",
        "           times: Fri 5 Feb 2027, 17:00–22:00 -> Fri 5 Feb 2027, 18:00–23:00",
    ]


def test_a_round_no_longer_in_the_source_is_named_by_its_last_title_and_year():
    gone = change("rally-gone", "all.ics", kind="removed", title="ARA R9: Rally Gone")
    lines = change_lines(outcome([gone]))
    assert lines == ["removed  Rally Gone (2026 round 9) (in all.ics)"]


def test_a_removed_feed_is_said_and_a_removed_event_once():
    gone = EventChange("ara.2026.autumn@rallycal", "removed", "ARA R9: Autumn", ("all.ics",))
    result = outcome(
        [gone], [Removal("team/blue.ics"), Removal("all.ics", gone.uid, gone.title)]
    )
    assert change_lines(result) == [
        "removed  Autumn (2026 round 9) (in all.ics)",
        "removed  feed team/blue.ics",
    ]


def test_an_unreadable_old_text_is_said_as_such_and_long_values_are_cut():
    long = "x" * 150
    result = outcome([change("olympus", "all.ics", differences=(
        Difference("text", None, None), Difference("notes", long, "short"),
    ))])
    _, unreadable, notes = change_lines(result)
    assert unreadable.strip() == "text: changed (the published text could not be read)"
    assert notes.strip() == f"notes: {'x' * 99}… -> short"


def test_the_table_lists_every_file_with_its_events_and_state():
    result = outcome(
        written=["all.ics", "index.html"], unchanged=["class/o4wd.ics", "feeds.json"],
        removed=["team/blue.ics"],
    )
    assert table_lines(result) == [
        "file            events  status",
        "all.ics              8  written",
        "class/o4wd.ics       8  unchanged",
        "index.html              written",
        "feeds.json              unchanged",
        "team/blue.ics           removed",
        "2 written, 2 unchanged, 1 removed in dist",
    ]


def test_json_holds_everything_and_is_serialisable():
    moved = change("olympus", "all.ics", "class/o4wd.ics", differences=MOVED)
    result = outcome([moved], [Removal("team/blue.ics")], written=["all.ics"], refused=True)
    data = as_json(result, ["big"])
    assert json.loads(json.dumps(data)) == data
    assert (data["out"], data["stale"], data["refused"], data["warnings"]) == (
        "dist", True, True, ["big"])
    assert data["written"] == ["all.ics"] and data["unchanged"] == data["removed"] == []
    assert data["pending"] == []
    assert [f["path"] for f in data["feeds"]] == [feed.path for feed in plan(CHAMPIONSHIP)]
    assert data["feeds"][0] == {
        "path": "all.ics", "kind": "combined", "id": "all", "title": "ARA", "season": None,
        "reminders": False, "events": 8,
    }
    assert data["changes"] == [{
        "uid": moved.uid,
        "change": "changed",
        "title": "ARA R3: Olympus Rally",
        "round": OLYMPUS,
        "feeds": ["all.ics", "class/o4wd.ics"],
        "differences": [
            {"what": "dates", "old": "Fri 10 – Sun 12 Apr 2026", "new": "Fri 17 – Sun 19 Apr 2026"},
        ],
    }]
    assert data["removals"] == [{"path": "team/blue.ics", "uid": None, "title": ""}]
    assert as_json(outcome(), [])["stale"] is False


# -- the report of a real export, through the command line ------------------------------------


def two_seasons(tmp_path: Path) -> Path:
    """The 2026 fixture season, then the same rounds (the same ids) a year later."""
    text = SEASON_2026.read_text(encoding="utf-8")
    block = text[text.index("  - year: 2026\n") :]
    block = block[: block.index("    classes:\n")] + block[block.index("    rounds:\n") :]
    source = tmp_path / "events.yaml"
    source.write_text(text + block.replace("year: 2026", "year: 2027").replace("2026-", "2027-"))
    return source


def export(source: Path, out: Path) -> list[str]:
    """`rallycal export`: what it says changed for subscribers, each line unindented once."""
    result = CliRunner().invoke(
        cli, ["export", str(source), "--out", str(out), "--base-url", "https://example.org/"],
        env={"SOURCE_DATE_EPOCH": str(EPOCH)},
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    if "Changes for subscribers:" not in lines:
        return []
    return [line[2:] for line in lines[lines.index("Changes for subscribers:") + 1 :]]


def edit(source: Path, year: int, round_id: str, old: str, new: str) -> None:
    """Replace `old` by `new` in one round of one season."""
    text = source.read_text(encoding="utf-8")
    season = text.index(f"\n  - year: {year}\n")
    start = text.index(f"  - id: {round_id}\n", season)
    assert old in text[start : text.index("  - id: ", start + 1)]
    source.write_text(text[:start] + text[start:].replace(old, new, 1), encoding="utf-8")


def under(lines: list[str], head: str) -> list[str]:
    """The lines indented under the one line that starts with `head`."""
    (at,) = [i for i, line in enumerate(lines) if line.startswith(head)]
    found = []
    for line in lines[at + 1 :]:
        if not line.startswith(" "):
            break
        found.append(line.strip())
    return found


def test_the_report_names_the_changed_round_with_its_season_and_days(tmp_path):
    source, out = two_seasons(tmp_path), tmp_path / "out"
    assert export(source, out)  # all added
    assert export(source, out) == []

    edit(source, 2027, "olympus", "first_day: 2027-04-17\n        last_day: 2027-04-19",
         "first_day: 2027-04-24\n        last_day: 2027-04-26")
    lines = export(source, out)
    (head,) = [line for line in lines if not line.startswith(" ")]
    assert head.startswith("changed  Olympus Rally, Sat 24 – Mon 26 Apr 2027 (2027 round 3) (in ")
    assert under(lines, "changed  Olympus Rally") == [
        "dates: Sat 17 – Mon 19 Apr 2027 -> Sat 24 – Mon 26 Apr 2027",
    ]
    assert "2026" not in "\n".join(lines)  # the 2026 Olympus Rally, same id, did not change

    edit(source, 2026, "sno-drift", "        last_day: 2026-02-07\n",
         "        last_day: 2026-02-07\n        status: cancelled\n")
    lines = export(source, out)
    (head,) = [line for line in lines if not line.startswith(" ")]
    assert head.startswith("changed  Sno*Drift Rally, Fri 6 – Sat 7 Feb 2026 (2026 round 1) (in ")
    assert any(line.startswith("status: ") for line in under(lines, "changed  Sno*Drift"))
    assert "2027" not in "\n".join(lines)


def test_a_status_change_is_said_in_the_words_of_the_source(tmp_path):
    source, out = two_seasons(tmp_path), tmp_path / "out"
    export(source, out)
    edit(source, 2027, "olympus", "        last_day: 2027-04-19\n",
         "        last_day: 2027-04-19\n        status: postponed\n")
    lines = export(source, out)
    assert "status: confirmed -> postponed" in under(lines, "changed  Olympus Rally")
