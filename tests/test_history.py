"""Updates subscribers notice: stamps from the last publication, statuses, removals, the report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import EPOCH, GOLDEN_SEASON, copy_source, export, icaljs, ics_files, snapshot

from rallycal.cli import cli
from rallycal.errors import RemovalRefused

HOUR = 3600
SNO = b"ara.2026.sno-drift"


def events(folder: Path) -> dict[tuple[str, bytes], bytes]:
    """Every VEVENT by (file, UID)."""
    found = {}
    for path in ics_files(folder):
        for block in re.findall(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", path.read_bytes(), re.S):
            uid = re.search(rb"\r\nUID:(.*?)\r\n", block).group(1)
            found[(path.relative_to(folder).as_posix(), uid)] = block
    return found


def prop(block: bytes, name: str) -> str:
    return re.search(rb"\r\n" + name.encode() + rb"[:;](.*?)\r\n", block).group(1).decode()


class Edits:
    """A copy of the 2026 fixture season, edited step by step and exported into one folder."""

    def __init__(self, tmp_path: Path):
        self.source = copy_source(tmp_path)
        self.out = tmp_path / "dist"
        self.clock = EPOCH

    def edit(self, old: str, new: str) -> None:
        text = self.source.read_text()
        assert old in text, old
        self.source.write_text(text.replace(old, new, 1))

    def export(self, **options):
        self.clock += HOUR
        return export(self.source, self.out, seconds=self.clock, **options)


@pytest.fixture
def edits(tmp_path) -> Edits:
    e = Edits(tmp_path)
    e.export()
    return e


def test_moving_round_one_bumps_only_its_events(edits):
    before = events(edits.out)
    edits.edit("last_day: 2026-02-07", "last_day: 2026-02-08")
    outcome = edits.export()
    after = events(edits.out)
    assert before.keys() == after.keys()
    moved = [key for key in after if key[1].startswith(SNO)]
    # combined, 4 classes, 3 teams and its round file, each in the stable feed and the
    # 2026 archive; the first three again with alarms in the reminders feeds
    assert len(moved) == 2 * (1 + 4 + 3 + 1) + (1 + 4 + 3)
    for key in after:
        if key in moved:
            assert prop(after[key], "SEQUENCE") == "1"
            assert prop(after[key], "LAST-MODIFIED") == "20260101T020000Z"
            assert prop(after[key], "DTSTAMP") == "20260101T020000Z"
            assert prop(after[key], "DTEND;VALUE=DATE") == "20260209"
        else:
            assert after[key] == before[key]
    lines = "\n".join(_report(outcome))
    assert "Sno*Drift Rally" in lines
    assert "Fri 6 – Sat 7 Feb 2026 -> Fri 6 – Sun 8 Feb 2026" in lines


def test_sequence_never_decreases_through_move_and_move_back(edits):
    edits.edit("first_day: 2026-04-17", "first_day: 2026-04-18")
    edits.export()
    edits.edit("first_day: 2026-04-18", "first_day: 2026-04-17")
    edits.export()
    block = events(edits.out)[("all.ics", b"ara.2026.olympus@rallycal")]
    assert prop(block, "SEQUENCE") == "2"
    assert prop(block, "DTSTART;VALUE=DATE") == "20260417"


def test_no_change_export_is_byte_identical_even_at_a_later_time(edits):
    before = snapshot(edits.out)
    outcome = edits.export()
    assert outcome.written == [] and snapshot(edits.out) == before


def test_rename_keeps_uid_and_bumps_sequence(edits):
    edits.edit("name: Rally Colorado", "name: Rally Colorado Rangely")
    outcome = edits.export()
    block = events(edits.out)[("all.ics", b"ara.2026.rally-colorado@rallycal")]
    assert prop(block, "SUMMARY") == "ARA R5: Rally Colorado Rangely"
    assert prop(block, "SEQUENCE") == "1"
    assert any("title: ARA R5: Rally Colorado -> ARA R5: Rally Colorado Rangely" in line
               for line in _report(outcome))


def test_cancel_then_restore(edits):
    edits.edit(
        "        name: Olympus Rally\n",
        "        name: Olympus Rally\n        status: cancelled\n",
    )
    outcome = edits.export()
    found = events(edits.out)
    olympus = {k: v for k, v in found.items() if b".olympus" in k[1]}
    assert len(olympus) == 2 * (1 + 4 + 1 + 1) + (1 + 4 + 1)  # as above, with MINI
    for block in olympus.values():
        assert prop(block, "STATUS") == "CANCELLED"
        assert prop(block, "SUMMARY").startswith("[Cancelled] ")
        assert prop(block, "SEQUENCE") == "1"
    assert any("status: CONFIRMED -> CANCELLED" in line for line in _report(outcome))
    edits.edit("        status: cancelled\n", "")
    edits.export()
    for key, block in events(edits.out).items():
        if b".olympus" in key[1]:
            assert prop(block, "STATUS") == "CONFIRMED"
            assert prop(block, "SEQUENCE") == "2"


def test_postponed_is_tentative_with_a_marker(edits):
    edits.edit(
        "        name: Olympus Rally\n",
        "        name: Olympus Rally\n        status: postponed\n",
    )
    edits.export()
    block = events(edits.out)[("all.ics", b"ara.2026.olympus@rallycal")]
    assert prop(block, "STATUS") == "TENTATIVE"
    assert prop(block, "SUMMARY") == "[Postponed] ARA R3: Olympus Rally"


def _delete_olympus(edits: Edits) -> None:
    text = edits.source.read_text()
    start = text.index("  - id: olympus\n")
    end = text.index("  - id: southern-ohio-forest\n")
    edits.source.write_text(text[:start] + text[end:])


def test_removing_a_published_round_is_refused_and_changes_nothing(edits):
    before = snapshot(edits.out)
    _delete_olympus(edits)
    with pytest.raises(RemovalRefused) as refused:
        edits.export()
    message = str(refused.value)
    assert "round/olympus.ics" in message and "status: cancelled" in message
    assert "--allow-removal" in message
    assert snapshot(edits.out) == before


def test_removal_with_the_flag(edits):
    _delete_olympus(edits)
    outcome = edits.export(allow_removal=True)
    assert "round/olympus.ics" in outcome.removed
    assert not (edits.out / "round" / "olympus.ics").exists()
    assert not any(b".olympus" in key[1] for key in events(edits.out))
    assert any(line.startswith("removed") and "Olympus Rally" in line for line in _report(outcome))
    manifest = json.loads((edits.out / "feeds.json").read_text())
    assert "round/olympus.ics" not in manifest["files"]


def test_leaving_one_class_feed_counts_as_removal(edits):
    edits.edit(
        "        name: Olympus Rally\n",
        "        name: Olympus Rally\n        classes: [o4wd, l4wd, o2wd]\n",
    )
    with pytest.raises(RemovalRefused, match=r"class/l2wd\.ics"):
        edits.export()


def test_removing_a_team_is_refused(edits):
    edits.edit("  - id: lia-block\n", "  - id: lia-block-racing\n")
    with pytest.raises(RemovalRefused, match=r"feed team/lia-block\.ics"):
        edits.export()


def test_manifest_records_when_each_feed_last_changed(edits):
    first = {f["path"]: f["last_changed"] for f in _manifest(edits)["feeds"]}
    assert set(first.values()) == {"2026-01-01T01:00:00Z"}
    edits.edit("name: Rally Colorado", "name: Rally Colorado II")
    edits.export()
    second = {f["path"]: f["last_changed"] for f in _manifest(edits)["feeds"]}
    assert second["round/rally-colorado.ics"] == "2026-01-01T02:00:00Z"
    assert second["all.ics"] == "2026-01-01T02:00:00Z"
    assert second["round/olympus.ics"] == "2026-01-01T01:00:00Z"
    assert second["team/lia-block.ics"] == "2026-01-01T01:00:00Z"


def test_every_step_parses_in_ical_js(edits):
    edits.edit("last_day: 2026-02-07", "last_day: 2026-02-08")
    edits.export()
    edits.edit(
        "        name: Olympus Rally\n",
        "        name: Olympus Rally\n        status: cancelled\n",
    )
    edits.export()
    parsed = {f["path"]: f for f in icaljs(ics_files(edits.out))}
    combined = parsed[str(edits.out / "all.ics")]["events"]
    assert combined[0]["sequence"] == 1 and combined[0]["end"] == "2026-02-09"
    assert combined[2]["status"] == "CANCELLED" and combined[2]["sequence"] == 1
    assert combined[3]["sequence"] == 0


class TestDiffCommand:
    def test_diff_shows_changes_and_writes_nothing(self, edits):
        before = snapshot(edits.out)
        edits.edit("first_day: 2026-06-11", "first_day: 2026-06-10")
        result = CliRunner().invoke(
            cli,
            ["diff", str(edits.source), "--out", str(edits.out)],
            env={"SOURCE_DATE_EPOCH": "0"},
        )
        assert result.exit_code == 0, result.output
        assert "Southern Ohio Forest Rally" in result.stdout
        assert "Thu 11 – Sat 13 Jun 2026 -> Wed 10 – Sat 13 Jun 2026" in result.stdout
        assert snapshot(edits.out) == before

    def test_diff_json(self, edits):
        edits.edit("town: Shelton", "town: Shelton Valley")
        result = CliRunner().invoke(
            cli, ["diff", str(edits.source), "--out", str(edits.out), "--json"]
        )
        report = json.loads(result.stdout)
        venue = [
            d
            for c in report["changes"]
            if c["uid"] == "ara.2026.olympus@rallycal"
            for d in c["differences"]
            if d["what"] == "venue"
        ]
        assert venue == [
            {
                "what": "venue",
                "old": "Shelton, Washington, United States",
                "new": "Shelton Valley, Washington, United States",
            }
        ]

    def test_diff_lists_removals_and_exits_1_as_export_would_refuse_them(self, edits):
        _delete_olympus(edits)
        before = snapshot(edits.out)
        result = CliRunner().invoke(
            cli, ["diff", str(edits.source), "--out", str(edits.out), "--today", "2026-03-01"]
        )
        assert result.exit_code == 1
        assert "removed" in result.stdout and "Olympus Rally" in result.stdout
        assert result.stderr.startswith("export would stop:") and "--allow-removal" in result.stderr
        assert snapshot(edits.out) == before
        result = CliRunner().invoke(
            cli, ["diff", str(edits.source), "--out", str(edits.out), "--json"]
        )
        assert result.exit_code == 1 and json.loads(result.stdout)["refused"] is True


def _manifest(edits: Edits) -> dict:
    return json.loads((edits.out / "feeds.json").read_text())


def _report(outcome) -> list[str]:
    from rallycal.report import change_lines

    return change_lines(outcome)


# -- the feeds are the record: no manifest, a damaged one, a damaged feed --------------

SEASON = GOLDEN_SEASON


class Record:
    """The fixture season, published and then edited, in a folder of its own."""

    def __init__(self, tmp_path: Path):
        self.source = copy_source(tmp_path, SEASON)
        self.out = tmp_path / "dist"
        self.clock = EPOCH
        self.export()

    def export(self, **options):
        self.clock += HOUR
        return export(self.source, self.out, seconds=self.clock, **options)

    def edit(self, old: str, new: str) -> None:
        text = self.source.read_text(encoding="utf-8")
        assert old in text, old
        self.source.write_text(text.replace(old, new, 1), encoding="utf-8")

    def delete_round(self, round_id: str = "autumn") -> None:
        text = self.source.read_text(encoding="utf-8")
        start = text.index(f"\n  - id: {round_id}\n") + 1
        end = text.index("\n  - id: ", start) + 1
        self.source.write_text(text[:start] + text[end:], encoding="utf-8")

    def sequences(self) -> dict[tuple[str, bytes], str]:
        return {key: prop(block, "SEQUENCE") for key, block in events(self.out).items()}


@pytest.fixture
def record(tmp_path) -> Record:
    return Record(tmp_path)


DAMAGED_MANIFESTS = {
    "missing": None,
    "nested brackets": b"[" * 100_000 + b"]" * 100_000,
    "path a list": b'{"feeds":[{"path":["all.ics"]}]}',
    "entry without path": b'{"feeds":[{"kind":"combined"}], "files": {}}',
    "not an object": b'"feeds"',
    "wrong types": b'{"feeds": 3, "files": [], "fingerprint": 7}',
    "cut short": b'{"format": 1, "feeds": [',
    "empty": b"",
}


def damage(out: Path, data: bytes | None) -> None:
    (out / "feeds.json").unlink()
    if data is not None:
        (out / "feeds.json").write_bytes(data)


@pytest.mark.parametrize("data", DAMAGED_MANIFESTS.values(), ids=DAMAGED_MANIFESTS.keys())
def test_without_a_good_manifest_deleting_a_round_is_still_refused(record, data):
    damage(record.out, data)
    before = snapshot(record.out)
    record.delete_round()
    with pytest.raises(RemovalRefused) as refused:
        record.export()
    assert "round/autumn.ics" in str(refused.value)
    assert snapshot(record.out) == before


@pytest.mark.parametrize("data", DAMAGED_MANIFESTS.values(), ids=DAMAGED_MANIFESTS.keys())
def test_without_a_good_manifest_the_cli_explains_and_never_tracebacks(record, data):
    damage(record.out, data)
    record.delete_round()
    for command in (["export"], ["export", "--check"], ["diff"]):
        result = CliRunner().invoke(
            cli, [*command, str(record.source), "--out", str(record.out)],
            env={"SOURCE_DATE_EPOCH": str(record.clock)},
        )
        assert result.exit_code == 1, result.output
        assert isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output
        said = "is damaged" if data is not None else "is missing"
        assert f"feeds.json {said}: " in result.stderr or f"feeds.json {said} (" in result.stderr


def test_without_the_manifest_sequence_never_decreases_and_nothing_is_new(record):
    record.edit("first_day: 2026-03-07", "first_day: 2026-03-06")
    record.export()
    moved = record.sequences()
    assert "1" in moved.values()
    before = snapshot(record.out)
    damage(record.out, None)
    outcome = record.export()
    assert outcome.changes == [] and outcome.written == ["feeds.json"]
    assert record.sequences() == moved
    assert {p: d for p, d in snapshot(record.out).items() if p != "feeds.json"} == {
        p: d for p, d in before.items() if p != "feeds.json"
    }
    record.edit("first_day: 2026-03-06", "first_day: 2026-03-05")
    damage(record.out, b"[" * 100_000)
    record.export()
    assert all(int(record.sequences()[key]) >= int(moved[key]) for key in moved)


def test_without_the_manifest_an_allowed_removal_deletes_the_orphan_feed(record):
    damage(record.out, None)
    record.delete_round()
    outcome = record.export(allow_removal=True)
    assert "round/autumn.ics" in outcome.removed
    assert not (record.out / "round" / "autumn.ics").exists()


def test_an_event_is_known_if_any_feed_holds_it(record):
    record.edit("first_day: 2026-03-07", "first_day: 2026-03-06")
    record.export()
    moved = record.sequences()
    # all.ics cut short, then garbage: each of its events is in a round feed too
    for damaged in ((record.out / "all.ics").read_bytes()[:300], b"\x00\xff not a calendar"):
        (record.out / "all.ics").write_bytes(damaged)
        outcome = record.export()
        assert outcome.changes == [] and outcome.written == ["all.ics"]
        assert record.sequences() == moved


def test_files_rallycal_did_not_write_are_not_the_record(record):
    """An .ics file named like a feed but without rallycal's PRODID is someone else's."""
    theirs = b"BEGIN:VCALENDAR\r\nPRODID:-//someone//else//EN\r\nEND:VCALENDAR\r\n"
    (record.out / "class" / "notes.ics").write_bytes(theirs)
    (record.out / "round" / "notes.ics").write_bytes(theirs)
    damage(record.out, None)
    outcome = record.export(allow_removal=True)
    assert outcome.removed == []
    assert (record.out / "class" / "notes.ics").read_bytes() == theirs


def test_season_archive_folders_are_part_of_the_record(record):
    (record.out / "2025" / "round").mkdir(parents=True)
    old = (record.out / "round" / "winter.ics").read_bytes().replace(b".2026.", b".2025.")
    (record.out / "2025" / "round" / "winter.ics").write_bytes(old)
    damage(record.out, None)
    with pytest.raises(RemovalRefused, match=r"feed 2025/round/winter\.ics"):
        record.export()


def test_sequence_stops_at_rfc_5545s_maximum_and_says_so(record):
    for path in record.out.rglob("*.ics"):
        data = path.read_bytes()
        path.write_bytes(data.replace(b"SEQUENCE:0\r\n", b"SEQUENCE:2147483647\r\n"))
    record.edit("first_day: 2026-03-07", "first_day: 2026-03-06")
    outcome = record.export()
    assert b"SEQUENCE:2147483648" not in (record.out / "all.ics").read_bytes()
    assert set(record.sequences().values()) == {"2147483647"}
    assert outcome.warnings and all("2147483647" in w for w in outcome.warnings)
    result = CliRunner().invoke(
        cli, ["diff", str(record.source), "--out", str(record.out)],
    )
    assert result.exit_code == 0
