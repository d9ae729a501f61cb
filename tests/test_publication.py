"""The last publication is the record: stamps carried over, damage survived, removals refused.

Each export reads back what it published last time (`rallycal.publication`) and keeps
every unchanged event byte for byte; a changed one gets SEQUENCE + 1 and the export
time; a new one starts at 0. No damaged, emptied or deleted file, feed or manifest,
makes an event "added" again or lowers its SEQUENCE.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import EPOCH, copy_source, edit, export, icaljs, ics_files, snapshot

from rallycal.cli.commands import cli
from rallycal.cli.report import change_lines
from rallycal.errors import RemovalRefused
from rallycal.publication import differences, digest, split_events, visible_lines

HOUR = 3600
SNO = b"ara.2026.sno-drift"


def unfold(data: bytes) -> bytes:
    return data.replace(b"\r\n ", b"").replace(b"\r\n\t", b"")


def events(folder: Path) -> dict[tuple[str, bytes], bytes]:
    """Every VEVENT below `folder`, as published, by (feed path, UID)."""
    found = {}
    for path in ics_files(folder):
        for block in re.findall(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", path.read_bytes(), re.S):
            uid = re.search(rb"\r\nUID:(.*?)\r\n", unfold(block)).group(1)
            found[(path.relative_to(folder).as_posix(), uid)] = block
    return found


def prop(block: bytes, name: str) -> str:
    return re.search(rb"\r\n" + name.encode() + rb"[:;](.*?)\r\n", unfold(block)).group(1).decode()


def sequences(folder: Path) -> dict[tuple[str, bytes], int]:
    return {key: int(prop(block, "SEQUENCE")) for key, block in events(folder).items()}


def kinds(outcome) -> set[str]:
    return {change.kind for change in outcome.build.changes}


class Edits:
    """A copy of the 2026 fixture season, edited step by step and exported into one folder,
    an hour later each time."""

    def __init__(self, tmp_path: Path):
        self.source = copy_source(tmp_path)
        self.out = tmp_path / "dist"
        self.clock = EPOCH

    def edit(self, old: str, new: str) -> None:
        edit(self.source, old, new)

    def export(self, **options):
        self.clock += HOUR
        return export(self.source, self.out, seconds=self.clock, **options)


@pytest.fixture
def edits(tmp_path) -> Edits:
    e = Edits(tmp_path)
    e.export()
    return e


# -- an unchanged export, a changed event, a new one ----------------------------------


def test_an_unchanged_re_export_is_byte_identical_and_writes_nothing(edits):
    before = snapshot(edits.out)
    stats = {
        path: (path.stat().st_ino, path.stat().st_mtime_ns)
        for path in edits.out.rglob("*") if path.is_file()
    }
    outcome = edits.export()  # an hour later
    assert outcome.written == [] and outcome.removed == [] and not outcome.stale
    assert outcome.build.changes == []
    assert snapshot(edits.out) == before
    assert {
        path: (path.stat().st_ino, path.stat().st_mtime_ns)
        for path in edits.out.rglob("*") if path.is_file()
    } == stats


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
            assert after[key] == before[key], key
    lines = change_lines(outcome)
    assert lines[0].startswith("changed  Sno*Drift Rally, Fri 6 – Sun 8 Feb 2026 (2026 round 1)")
    assert "           dates: Fri 6 – Sat 7 Feb 2026 -> Fri 6 – Sun 8 Feb 2026" in lines


def test_a_new_round_starts_at_sequence_0_and_the_others_keep_their_bytes(edits):
    before = events(edits.out)
    text = edits.source.read_text(encoding="utf-8")
    start = text.index("      - id: lake-superior\n")
    end = text.index("    teams:\n")
    extra = text[start:end].replace("lake-superior", "lake-superior-two").replace(
        "2026-10-09", "2026-11-06").replace("2026-10-10", "2026-11-07")
    edits.source.write_text(text[:end] + extra + text[end:], encoding="utf-8")
    outcome = edits.export()
    after = events(edits.out)
    new = {key: block for key, block in after.items() if key not in before}
    assert new and all(b"lake-superior-two" in uid for _, uid in new)
    for block in new.values():
        assert prop(block, "SEQUENCE") == "0"
        assert prop(block, "DTSTAMP") == prop(block, "LAST-MODIFIED") == "20260101T020000Z"
    assert {key: after[key] for key in before} == before
    assert kinds(outcome) == {"added"}


def test_sequence_never_decreases_through_move_and_move_back(edits):
    edits.edit("first_day: 2026-04-17", "first_day: 2026-04-18")
    edits.export()
    edits.edit("first_day: 2026-04-18", "first_day: 2026-04-17")
    edits.export()
    block = events(edits.out)[("all.ics", b"ara.2026.olympus")]
    assert prop(block, "SEQUENCE") == "2"
    assert prop(block, "DTSTART;VALUE=DATE") == "20260417"
    assert prop(block, "LAST-MODIFIED") == "20260101T030000Z"


def test_rename_keeps_uid_and_bumps_sequence(edits):
    edits.edit("name: Rally Colorado", "name: Rally Colorado Rangely")
    outcome = edits.export()
    block = events(edits.out)[("all.ics", b"ara.2026.rally-colorado")]
    assert prop(block, "SUMMARY") == "ARA R5: Rally Colorado Rangely"
    assert prop(block, "SEQUENCE") == "1"
    assert "           title: ARA R5: Rally Colorado -> ARA R5: Rally Colorado Rangely" in (
        change_lines(outcome)
    )


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
    assert "           status: confirmed -> cancelled" in change_lines(outcome)
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
    block = events(edits.out)[("all.ics", b"ara.2026.olympus")]
    assert prop(block, "STATUS") == "TENTATIVE"
    assert prop(block, "SUMMARY") == "[Postponed] ARA R3: Olympus Rally"


def test_the_manifest_records_each_event_and_when_each_feed_last_changed(edits):
    first = json.loads((edits.out / "feeds.json").read_text(encoding="utf-8"))
    assert {f["last_changed"] for f in first["feeds"]} == {"2026-01-01T01:00:00Z"}
    assert first["events"]["ara.2026.rally-colorado"].startswith("0 20260101T010000Z ")
    edits.edit("name: Rally Colorado", "name: Rally Colorado II")
    edits.export()
    second = json.loads((edits.out / "feeds.json").read_text(encoding="utf-8"))
    changed = {f["path"]: f["last_changed"] for f in second["feeds"]}
    assert changed["round/rally-colorado.ics"] == "2026-01-01T02:00:00Z"
    assert changed["all.ics"] == "2026-01-01T02:00:00Z"
    assert changed["round/olympus.ics"] == "2026-01-01T01:00:00Z"
    assert changed["team/lia-block.ics"] == "2026-01-01T01:00:00Z"
    assert second["events"]["ara.2026.rally-colorado"].startswith("1 20260101T020000Z ")
    assert second["events"]["ara.2026.olympus"] == first["events"]["ara.2026.olympus"]


@pytest.mark.node
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


# -- removals ---------------------------------------------------------------------------


def _delete_olympus(edits: Edits) -> None:
    text = edits.source.read_text(encoding="utf-8")
    start = text.index("      - id: olympus\n")
    end = text.index("      - id: southern-ohio-forest\n")
    edits.source.write_text(text[:start] + text[end:], encoding="utf-8")


def test_removing_a_published_round_is_refused_and_changes_nothing(edits):
    before = snapshot(edits.out)
    _delete_olympus(edits)
    with pytest.raises(RemovalRefused) as refused:
        edits.export()
    message = str(refused.value)
    assert "feed round/olympus.ics" in message and "status: cancelled" in message
    assert "ARA R3: Olympus Rally (ara.2026.olympus) from all.ics" in message
    assert "--allow-removal" in message and message.endswith("Nothing was written.")
    assert snapshot(edits.out) == before


def test_removal_with_the_flag(edits):
    _delete_olympus(edits)
    outcome = edits.export(allow_removal=True)
    assert "round/olympus.ics" in outcome.removed
    assert not (edits.out / "round" / "olympus.ics").exists()
    assert not any(b".olympus" in key[1] for key in events(edits.out))
    assert any(line.startswith("removed  Olympus Rally, Fri 17 – Sun 19 Apr 2026 (2026 round 3)")
               for line in change_lines(outcome))
    manifest = json.loads((edits.out / "feeds.json").read_text(encoding="utf-8"))
    assert "round/olympus.ics" not in [feed["path"] for feed in manifest["feeds"]]
    assert not [uid for uid in manifest["events"] if ".olympus" in uid]


def test_leaving_one_class_feed_counts_as_removal(edits):
    edits.edit(
        "        name: Olympus Rally\n",
        "        name: Olympus Rally\n        classes: [o4wd, l4wd, o2wd]\n",
    )
    with pytest.raises(RemovalRefused) as refused:
        edits.export()
    assert "(ara.2026.olympus.class.l2wd) from class/l2wd.ics" in str(refused.value)


def test_removing_a_team_is_refused(edits):
    edits.edit("  - id: lia-block\n", "  - id: lia-block-racing\n")
    with pytest.raises(RemovalRefused, match=r"feed team/lia-block\.ics"):
        edits.export()


class TestDiffCommand:
    def test_diff_shows_changes_and_writes_nothing(self, edits):
        before = snapshot(edits.out)
        edits.edit("first_day: 2026-06-11", "first_day: 2026-06-10")
        result = CliRunner().invoke(
            cli, ["diff", str(edits.source), "--out", str(edits.out)],
            env={"SOURCE_DATE_EPOCH": "0"},
        )
        assert result.exit_code == 0, result.output
        assert "Southern Ohio Forest Rally, Wed 10 – Sat 13 Jun 2026 (2026 round 4)" in (
            result.stdout
        )
        assert "dates: Thu 11 – Sat 13 Jun 2026 -> Wed 10 – Sat 13 Jun 2026" in result.stdout
        assert snapshot(edits.out) == before

    def test_diff_json(self, edits):
        edits.edit("town: Shelton", "town: Shelton Valley")
        result = CliRunner().invoke(
            cli, ["diff", str(edits.source), "--out", str(edits.out), "--json"]
        )
        report = json.loads(result.stdout)
        place = [
            d
            for c in report["changes"]
            if c["uid"] == "ara.2026.olympus"
            for d in c["differences"]
            if d["what"] == "place"
        ]
        assert place == [
            {
                "what": "place",
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
        assert "removed  Olympus Rally, Fri 17 – Sun 19 Apr 2026 (2026 round 3)" in result.stdout
        assert result.stderr.startswith("export would stop:") and "--allow-removal" in result.stderr
        assert snapshot(edits.out) == before
        result = CliRunner().invoke(
            cli, ["diff", str(edits.source), "--out", str(edits.out), "--json"]
        )
        assert result.exit_code == 1 and json.loads(result.stdout)["refused"] is True


# -- the record survives damage ---------------------------------------------------------

SMALL = """\
series:
  id: demo
  name: Demo Rally Series
  short: DRS
seasons:
  - year: 2026
    classes:
      - {id: open, name: Open, short: OPEN}
      - {id: club, name: Club, short: CLUB}
    rounds:
      - id: spring
        name: Spring Rally
        first_day: 2026-03-06
        last_day: 2026-03-07
        venue: {town: Golden, state: Colorado, country: United States,
                timezone: America/Denver, latitude: 39.756, longitude: -105.221}
        schedule:
          - {id: shakedown, name: Shakedown, day: 2026-03-06, start: "09:00", end: "12:00"}
      - id: summer
        name: Summer Rally
        first_day: 2026-06-12
        last_day: 2026-06-13
        venue: {town: Rangely, state: Colorado, country: United States,
                timezone: America/Denver, latitude: 40.088, longitude: -108.805}
      - id: autumn
        name: Autumn Rally
        first_day: 2026-10-09
        last_day: 2026-10-10
        venue: {town: Marquette, state: Michigan, country: United States,
                timezone: America/Detroit, latitude: 46.544, longitude: -87.395}
    teams:
      - id: blue
        name: Blue Team
        rounds: all
        crews: [{driver: Bo Example, car: Car Two, class: club}]
"""


@pytest.fixture(scope="module")
def bumped(tmp_path_factory) -> tuple[Path, Path]:
    """SMALL exported three times: spring moved twice (its events at SEQUENCE 2), summer
    once (SEQUENCE 1), autumn never (0)."""
    root = tmp_path_factory.mktemp("bumped")
    source, out = root / "events.yaml", root / "dist"
    source.write_text(SMALL, encoding="utf-8")
    export(source, out, EPOCH + HOUR)
    edit(source, "first_day: 2026-03-06", "first_day: 2026-03-05")
    edit(source, 'start: "09:00"', 'start: "10:00"')
    export(source, out, EPOCH + 2 * HOUR)
    edit(source, "first_day: 2026-03-05", "first_day: 2026-03-04")
    edit(source, 'start: "10:00"', 'start: "11:00"')
    edit(source, "last_day: 2026-06-13", "last_day: 2026-06-14")
    export(source, out, EPOCH + 3 * HOUR)
    return source, out


@pytest.fixture
def published(bumped, tmp_path) -> tuple[Path, Path]:
    """A copy of `bumped` of this test's own."""
    source, out = bumped
    shutil.copytree(out, tmp_path / "dist")
    shutil.copy(source, tmp_path / "events.yaml")
    return tmp_path / "events.yaml", tmp_path / "dist"


def test_the_bumped_publication_has_the_sequences_the_damage_tests_need(published):
    found = sequences(published[1])
    assert {n for (_, uid), n in found.items() if b".spring" in uid} == {2}
    assert {n for (_, uid), n in found.items() if b".summer" in uid} == {1}
    assert {n for (_, uid), n in found.items() if b".autumn" in uid} == {0}


DAMAGED_FILES = [
    "all.ics", "class/open.ics", "team/blue.ics", "round/spring.ics", "reminders/all.ics",
    "reminders/class/open.ics", "reminders/team/blue.ics", "2026/class/open.ics", "feeds.json",
]
DAMAGES = {
    "half": lambda data: data[: len(data) // 2],
    "empty": lambda data: b"",
    "deleted": None,
    "garbage": lambda data: b"\x00\xff not a calendar \xfe" * 40,
}
DAMAGE_CASES = [
    (path, damage) for path in DAMAGED_FILES for damage in DAMAGES
    if not (path == "feeds.json" and damage == "garbage")
]


def damage_file(out: Path, path: str, damage: str) -> None:
    target = out / path
    data = target.read_bytes()
    if DAMAGES[damage] is None:
        target.unlink()
    else:
        target.write_bytes(DAMAGES[damage](data))


@pytest.mark.parametrize(
    ("path", "damage"), DAMAGE_CASES, ids=[f"{p}-{d}" for p, d in DAMAGE_CASES]
)
def test_a_damaged_file_never_lowers_a_sequence_nor_makes_events_new(published, path, damage):
    source, out = published
    before, files = sequences(out), snapshot(out)
    held = [uid for (feed, uid), n in before.items() if feed == path and n > 0]
    assert held or path == "feeds.json"  # the damage hits events that were bumped
    damage_file(out, path, damage)
    outcome = export(source, out, EPOCH + 4 * HOUR)
    assert not {"added", "removed"} & kinds(outcome), change_lines(outcome)
    assert outcome.build.changes == [] and outcome.build.removals == []
    after = sequences(out)
    assert after.keys() == before.keys()
    assert all(after[key] >= before[key] for key in before)
    assert after == before
    restored = snapshot(out)
    if path == "feeds.json":
        # Only the manifest knows when each feed last changed and which rounds moved (the
        # page tells search engines): those are lost, the events' record is not.
        kept = ("feeds.json", "index.html")
        assert {p: d for p, d in restored.items() if p not in kept} == {
            p: d for p, d in files.items() if p not in kept
        }
        old, new = json.loads(files[path]), json.loads(restored[path])
        assert new["events"] == old["events"]
        assert new | {"feeds": None, "rescheduled": None} == old | {
            "feeds": None, "rescheduled": None
        }
    else:
        assert restored == files  # the damaged feed written again as it was
        assert outcome.written == [path]


def test_deleting_every_feed_that_holds_a_round_resets_nothing(published):
    source, out = published
    before = sequences(out)
    holding = [p for p in ics_files(out) if b"demo.2026.spring" in p.read_bytes()]
    assert len(holding) > 10
    for path in holding:
        path.unlink()
    outcome = export(source, out, EPOCH + 4 * HOUR)
    assert outcome.build.changes == []
    assert sequences(out) == before


def test_deleting_a_round_and_every_feed_that_held_it_is_a_refused_removal(published):
    source, out = published
    for path in ics_files(out):
        if b"demo.2026.spring" in path.read_bytes():
            path.unlink()
    damaged = snapshot(out)
    text = source.read_text(encoding="utf-8")
    source.write_text(text[: text.index("      - id: spring")] + text[text.index(
        "      - id: summer"):], encoding="utf-8")
    with pytest.raises(RemovalRefused) as refused:
        export(source, out, EPOCH + 4 * HOUR)
    assert "feed round/spring.ics" in str(refused.value)
    assert "demo.2026.spring" in str(refused.value)
    assert snapshot(out) == damaged
    outcome = export(source, out, EPOCH + 4 * HOUR, dry_run=True)
    assert outcome.refused and "added" not in kinds(outcome)
    assert {c.uid for c in outcome.build.changes if c.kind == "removed"} >= {"demo.2026.spring"}


def test_a_feed_edited_in_place_with_the_same_size_and_time_is_seen(published):
    source, out = published
    target = out / "class" / "open.ics"
    published_bytes = target.read_bytes()
    before = sequences(out)
    info = target.stat()
    edited = published_bytes.replace(b"Open", b"Opan", 1)
    assert edited != published_bytes and len(edited) == len(published_bytes)
    target.write_bytes(edited)
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert (target.stat().st_size, target.stat().st_mtime_ns) == (info.st_size, info.st_mtime_ns)
    env = {"SOURCE_DATE_EPOCH": str(EPOCH + 4 * HOUR)}
    checked = CliRunner().invoke(cli, ["export", str(source), "--out", str(out), "--check"],
                                 env=env)
    assert checked.exit_code == 1, checked.output
    assert "is stale" in checked.stderr and "class/open.ics" in checked.stdout
    assert target.read_bytes() == edited  # --check writes nothing
    done = CliRunner().invoke(cli, ["export", str(source), "--out", str(out), "--json"], env=env)
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["written"] == ["class/open.ics"]
    assert target.read_bytes() == published_bytes
    assert sequences(out) == before


# -- a newer icalendar writing the same events differently -------------------------------


def fold(line: bytes, width: int) -> bytes:
    """One content line folded at `width` octets, never inside a UTF-8 character."""
    pieces, current, limit = [], b"", width
    for char in line.decode("utf-8"):
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > limit:
            pieces.append(current)
            current, limit = b"", width - 1
        current += encoded
    pieces.append(current)
    return b"\r\n ".join(pieces) + b"\r\n"


def reordered_event(block: bytes, width: int) -> bytes:
    """A VEVENT with its own properties in reverse order, its alarms after them in
    reverse order too, folded at `width`."""
    lines = unfold(block).split(b"\r\n")[1:-2]  # without BEGIN:VEVENT, END:VEVENT and ""
    own, parts, depth = [], [], 0
    for line in lines:
        if line.startswith(b"BEGIN:"):
            depth += 1
            parts.append([])
        if depth:
            parts[-1].append(line)
        else:
            own.append(line)
        if line.startswith(b"END:"):
            depth -= 1
    ordered = [b"BEGIN:VEVENT", *reversed(own), *(x for p in reversed(parts) for x in p),
               b"END:VEVENT"]
    return b"".join(fold(line, width) for line in ordered)


def rewritten(feed: bytes, width: int = 43) -> bytes:
    """The feed as another writer might write it: every line refolded at `width`, each
    event's properties in another order."""
    out = []
    for chunk in re.split(rb"(BEGIN:VEVENT\r\n.*?END:VEVENT\r\n)", feed, flags=re.S):
        if chunk.startswith(b"BEGIN:VEVENT"):
            out.append(reordered_event(chunk, width))
        elif chunk:
            out += [fold(line, width) for line in unfold(chunk).split(b"\r\n") if line]
    return b"".join(out)


def test_the_rewriting_helper_reorders_and_refolds(published):
    data = (published[1] / "reminders" / "all.ics").read_bytes()
    again = rewritten(data)
    assert again != data
    assert all(len(line) <= 43 for line in again.split(b"\r\n"))
    old, new = split_events(data), split_events(again)
    assert [e.uid for e in old] == [e.uid for e in new]
    for a, b in zip(old, new, strict=True):
        assert a.raw != b.raw and a.stamp == b.stamp
        assert unfold(a.raw).split(b"\r\n")[1] != unfold(b.raw).split(b"\r\n")[1]
        assert sorted(unfold(a.raw).split(b"\r\n")) == sorted(unfold(b.raw).split(b"\r\n"))


def test_events_written_differently_say_the_same(published):
    data = (published[1] / "reminders" / "all.ics").read_bytes()
    for old, new in zip(split_events(data), split_events(rewritten(data)), strict=True):
        lines = visible_lines(old.raw)
        assert new.says(lines) and old.says(visible_lines(new.raw))
        assert digest(visible_lines(new.raw)) == digest(lines)
        assert digest(tuple(reversed(lines))) == digest(lines)
        other = tuple(line.replace("SUMMARY:", "SUMMARY:x", 1) for line in lines)
        assert other != lines and not new.says(other)


def test_a_feed_written_differently_bumps_nothing_and_is_rewritten(published):
    source, out = published
    before, files = sequences(out), snapshot(out)
    for path in ics_files(out):
        path.write_bytes(rewritten(path.read_bytes()))
    outcome = export(source, out, EPOCH + 4 * HOUR)
    assert outcome.build.changes == []
    assert sequences(out) == before
    feeds = sorted(p.relative_to(out).as_posix() for p in ics_files(out))
    assert sorted(outcome.written) == feeds
    assert snapshot(out) == files  # as the installed icalendar writes them


# -- inserting a round ------------------------------------------------------------------

SUMMER = """\
      - id: summer
        name: Summer Rally"""
INSERTED = """\
      - id: early-summer
        name: Early Summer Rally
        first_day: 2026-05-08
        last_day: 2026-05-09
        venue: {town: Golden, state: Colorado, country: United States,
                timezone: America/Denver, latitude: 39.756, longitude: -105.221}
"""


def said(block: bytes) -> set[bytes]:
    """An event's content lines but its stamps."""
    return {line for line in unfold(block).split(b"\r\n")
            if not line.startswith((b"SEQUENCE:", b"DTSTAMP:", b"LAST-MODIFIED:"))}


def renumbered(block: bytes, old: int) -> set[bytes]:
    """What an event says with its round number one up: in its title (and so in its
    alarms') and in its description's "Round N of" paragraph."""
    text = unfold(block).replace(f"R{old}: ".encode(), f"R{old + 1}: ".encode())
    return said(text.replace(f"Round {old} of".encode(), f"Round {old + 1} of".encode()))


def test_inserting_a_round_leaves_earlier_rounds_alone_and_renumbers_later_ones(tmp_path):
    source = tmp_path / "events.yaml"
    source.write_text(SMALL, encoding="utf-8")
    out = tmp_path / "dist"
    export(source, out)
    before = events(out)
    edit(source, SUMMER, INSERTED + SUMMER)
    outcome = export(source, out, EPOCH + HOUR)
    after = events(out)
    for (path, uid), block in before.items():
        if b".spring" in uid:
            assert after[(path, uid)] == block, (path, uid)  # byte for byte
            continue
        number = 2 if b".summer" in uid else 3
        new = after[(path, uid)]
        assert said(new) != said(block)
        assert said(new) == renumbered(block, number), (path, uid)
        assert f" R{number + 1}: ".encode() in unfold(new)
        assert f"Round {number + 1} of the DRS 2026 season.".encode() in unfold(new)
        assert prop(new, "SEQUENCE") == "1"
    assert {c.kind for c in outcome.build.changes if b"early-summer" not in c.uid.encode()} == {
        "changed"
    }
    for change in outcome.build.changes:
        if change.kind == "changed":
            assert ".spring" not in change.uid
            assert {d.what for d in change.differences} == {"title", "round"}, change
    lines = change_lines(outcome)
    for name, number in (("Summer Rally", 3), ("Autumn Rally", 4)):
        at = next(i for i, line in enumerate(lines)
                  if line.startswith("changed  " + name) and f"(2026 round {number})" in line)
        assert lines[at + 1].strip() == (
            f"title: DRS R{number - 1}: {name} -> DRS R{number}: {name}"
        )
        assert lines[at + 2].strip() == (
            f"round: Round {number - 1} of the DRS 2026 season. -> "
            f"Round {number} of the DRS 2026 season."
        )


# -- the manifest and the feeds back each other up ---------------------------------------

DAMAGED_MANIFESTS = {
    "missing": None,
    "nested brackets": b"[" * 100_000 + b"]" * 100_000,
    "path a list": b'{"feeds":[{"path":["all.ics"]}]}',
    "entry without path": b'{"feeds":[{"kind":"combined"}], "events": {}}',
    "not an object": b'"feeds"',
    "wrong types": b'{"feeds": 3, "events": [], "rescheduled": 7}',
    "bad event records": b'{"events": {"demo.2026.autumn": "x y z", "demo.2026.summer": 5}}',
    "cut short": b'{"format": 2, "feeds": [',
    "empty": b"",
}


def damage_manifest(out: Path, data: bytes | None) -> None:
    (out / "feeds.json").unlink()
    if data is not None:
        (out / "feeds.json").write_bytes(data)


def delete_round(source: Path, round_id: str = "autumn") -> None:
    text = source.read_text(encoding="utf-8")
    start = text.index(f"      - id: {round_id}\n")
    end = text.index("    teams:\n")
    source.write_text(text[:start] + text[end:], encoding="utf-8")


@pytest.mark.parametrize("data", DAMAGED_MANIFESTS.values(), ids=DAMAGED_MANIFESTS.keys())
def test_without_a_good_manifest_deleting_a_round_is_still_refused(published, data):
    source, out = published
    damage_manifest(out, data)
    before = snapshot(out)
    delete_round(source)
    with pytest.raises(RemovalRefused) as refused:
        export(source, out, EPOCH + 4 * HOUR)
    assert "round/autumn.ics" in str(refused.value)
    assert snapshot(out) == before


@pytest.mark.parametrize(
    "data", [None, b"", b"[" * 100_000, b'"feeds"'], ids=["missing", "empty", "nested", "string"]
)
def test_without_a_good_manifest_the_cli_explains_and_never_tracebacks(published, data):
    source, out = published
    damage_manifest(out, data)
    delete_round(source)
    for command in (["export"], ["export", "--check"], ["diff"]):
        result = CliRunner().invoke(
            cli, [*command, str(source), "--out", str(out)],
            env={"SOURCE_DATE_EPOCH": str(EPOCH + 4 * HOUR)},
        )
        assert result.exit_code == 1, result.output
        assert isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output
        assert "autumn" in result.output
        expected = "feeds.json is missing: " if data is None else "warning: the last feeds.json "
        assert expected in result.stderr


def test_an_allowed_removal_without_the_manifest_deletes_the_orphan_feed(published):
    source, out = published
    damage_manifest(out, None)
    delete_round(source)
    outcome = export(source, out, EPOCH + 4 * HOUR, allow_removal=True)
    assert "round/autumn.ics" in outcome.removed
    assert not (out / "round" / "autumn.ics").exists()
    assert not [uid for uid in json.loads((out / "feeds.json").read_bytes())["events"]
                if ".autumn" in uid]


def test_files_rallycal_did_not_write_are_not_the_record(published):
    """An .ics file named like a feed but without rallycal's PRODID is someone else's."""
    source, out = published
    theirs = b"BEGIN:VCALENDAR\r\nPRODID:-//someone//else//EN\r\nEND:VCALENDAR\r\n"
    (out / "class" / "notes.ics").write_bytes(theirs)
    (out / "round" / "notes.ics").write_bytes(theirs)
    damage_manifest(out, None)
    outcome = export(source, out, EPOCH + 4 * HOUR, allow_removal=True)
    assert outcome.removed == []
    assert (out / "class" / "notes.ics").read_bytes() == theirs
    assert (out / "round" / "notes.ics").read_bytes() == theirs


def test_season_archive_folders_are_part_of_the_record(published):
    source, out = published
    (out / "2025" / "round").mkdir(parents=True)
    old = (out / "round" / "summer.ics").read_bytes().replace(b".2026.", b".2025.")
    (out / "2025" / "round" / "summer.ics").write_bytes(old)
    damage_manifest(out, None)
    with pytest.raises(RemovalRefused, match=r"feed 2025/round/summer\.ics"):
        export(source, out, EPOCH + 4 * HOUR)


def test_sequence_stops_at_rfc_5545s_maximum_and_says_so(published):
    source, out = published
    manifest = json.loads((out / "feeds.json").read_bytes())
    manifest["events"] = {
        uid: re.sub(r"^\d+ ", "2147483647 ", record) for uid, record in manifest["events"].items()
    }
    (out / "feeds.json").write_text(json.dumps(manifest), encoding="utf-8")
    for path in ics_files(out):
        data = path.read_bytes()
        path.write_bytes(re.sub(rb"SEQUENCE:\d+\r\n", b"SEQUENCE:2147483647\r\n", data))
    edit(source, "first_day: 2026-10-09", "first_day: 2026-10-08")
    outcome = export(source, out, EPOCH + 4 * HOUR)
    assert b"SEQUENCE:2147483648" not in (out / "all.ics").read_bytes()
    assert set(sequences(out).values()) == {2147483647}
    capped = [w for w in outcome.warnings if "2147483647" in w]
    assert capped and all("autumn" in w for w in capped)
    assert all(c.capped for c in outcome.build.changes)
    result = CliRunner().invoke(cli, ["diff", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output


def _event_with(description: str, categories: str = "Rally,ARA,Open 4WD") -> bytes:
    return (
        "BEGIN:VEVENT\r\nUID:a.2026.x\r\nSEQUENCE:0\r\nDTSTAMP:20260101T000000Z\r\n"
        "LAST-MODIFIED:20260101T000000Z\r\nSUMMARY:ARA R1: X\r\n"
        f"DESCRIPTION:{description}\r\nCATEGORIES:{categories}\r\nEND:VEVENT\r\n"
    ).encode()


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("Round 1 of the ARA 2026 season.\\n\\nForest roads.",
     "Round 1 of the ARA 2026 season.\\n\\nClassic forest stages.",
     [("notes", "Forest roads.", "Classic forest stages.")]),
    ("Round 1 of the ARA 2026 season.\\n\\nOld note.",
     "Round 1 of the ARA 2026 season.\\n\\nMore: see the site for the route.",
     [("notes", "Old note.", "More: see the site for the route.")]),
    ("Round 1 of the ARA 2026 season.\\n\\nLia Block: Car One (Open 4WD)",
     "Round 1 of the ARA 2026 season.\\n\\nLia Block: Car Two (Open 4WD)",
     [("crews", "Lia Block: Car One (Open 4WD)", "Lia Block: Car Two (Open 4WD)")]),
    ("Round 1 of the ARA 2026 season.", "Round 2 of the ARA 2026 season.",
     [("round", "Round 1 of the ARA 2026 season.", "Round 2 of the ARA 2026 season.")]),
])
def test_a_changed_description_is_named_by_what_changed_in_it(old, new, expected):
    published = split_events(_event_with(old))[0]
    found = differences(published, visible_lines(_event_with(new)))
    assert [(d.what, d.old, d.new) for d in found] == expected


def test_a_change_of_classes_names_the_classes():
    published = split_events(_event_with("x", "Rally,ARA,Open 4WD,Limited 4WD"))[0]
    found = differences(published, visible_lines(_event_with("x", "Rally,ARA,Open 4WD")))
    assert [(d.what, d.old, d.new) for d in found] == [
        ("classes", "Open 4WD, Limited 4WD", "Open 4WD")
    ]


@pytest.mark.parametrize("path", ["reminders/all.ics", "reminders/class/open.ics",
                                  "reminders/team/blue.ics"])
def test_a_reminders_feed_lost_with_the_manifest_never_goes_below_its_plain_twins(
    published, path
):
    """Two files lost at once: a reminders event's own records are both gone, and its
    plain twin (published in the stable and the archive feeds) still sets its floor."""
    source, out = published
    before = sequences(out)
    (out / path).unlink()
    (out / "feeds.json").unlink()
    outcome = export(source, out, EPOCH + 4 * HOUR)
    assert "added" not in kinds(outcome), change_lines(outcome)
    after = sequences(out)
    assert all(after[key] >= before[key] for key in before)
