"""`rallycal export`: which files, reproducibility, safe writing, `--check`."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import EPOCH, SEASON_2026, SEASON_2026_ONE_LAYOUT, copy_source, epoch, export, snapshot

from rallycal.cli.commands import cli
from rallycal.errors import RallycalError, SourceError

ROUND_IDS = [
    "sno-drift",
    "100-acre-wood",
    "olympus",
    "southern-ohio-forest",
    "rally-colorado",
    "ojibwe-forests",
    "overmountain",
    "lake-superior",
]


def test_export_writes_every_feed_of_the_2026_season(tmp_path):
    outcome = export(SEASON_2026, tmp_path / "out")
    files = snapshot(tmp_path / "out")
    assert "all.ics" in files and "feeds.json" in files and "index.html" in files
    assert sorted(p for p in files if p.startswith("class/")) == [
        f"class/{c}.ics" for c in sorted(["o4wd", "l4wd", "o2wd", "l2wd"])
    ]
    assert sorted(p for p in files if p.startswith("team/")) == [
        "team/lia-block.ics",
        "team/mini-jcw.ics",
        "team/subaru-motorsports-usa.ics",
    ]
    assert sorted(p for p in files if p.startswith("round/")) == sorted(
        f"round/{r}.ics" for r in ROUND_IDS
    )
    assert sorted(outcome.written) == sorted(files)


def test_manifest_describes_every_feed(tmp_path):
    export(SEASON_2026, tmp_path, base_url="https://example.org/ara")
    manifest = json.loads((tmp_path / "feeds.json").read_text())
    feeds = {f["path"]: f for f in manifest["feeds"]}
    stable = [f for f in feeds.values() if f["season"] is None and not f["reminders"]]
    assert len(stable) == 1 + 4 + 3 + 8
    assert {f["path"] for f in feeds.values() if f["season"] == 2026} == {
        f"2026/{f['path']}" for f in stable
    }
    assert {f["path"] for f in feeds.values() if f["reminders"]} == {
        f"reminders/{f['path']}" for f in stable if f["kind"] != "round"
    }
    combined = feeds["all.ics"]
    assert combined["kind"] == "combined" and combined["events"] == 8
    assert combined["url"] == "https://example.org/ara/all.ics"
    assert feeds["class/l4wd.ics"] == {
        **feeds["class/l4wd.ics"],
        "kind": "class",
        "id": "l4wd",
        "events": 8,
        "url": "https://example.org/ara/class/l4wd.ics",
    }
    assert feeds["team/subaru-motorsports-usa.ics"]["events"] == 1
    assert feeds["team/mini-jcw.ics"]["events"] == 8
    import hashlib

    for path, feed in feeds.items():
        assert feed["sha256"] == hashlib.sha256((tmp_path / path).read_bytes()).hexdigest()
        assert feed["title"]


def test_without_base_url_urls_are_null(tmp_path):
    export(SEASON_2026, tmp_path)
    manifest = json.loads((tmp_path / "feeds.json").read_text())
    assert all(f["url"] is None for f in manifest["feeds"])
    assert b"SOURCE" not in (tmp_path / "all.ics").read_bytes()


def test_two_fresh_exports_with_source_date_epoch_are_byte_identical(tmp_path):
    export(SEASON_2026, tmp_path / "a")
    export(SEASON_2026, tmp_path / "b")
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_reexport_into_the_same_folder_rewrites_nothing(tmp_path):
    export(SEASON_2026, tmp_path, seconds=None)
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.rglob("*.*")}
    outcome = export(SEASON_2026, tmp_path, seconds=None)
    assert outcome.written == [] and outcome.removed == []
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.rglob("*.*")}
    assert after == before


def test_reexport_after_a_code_or_option_change_still_keeps_unchanged_events(tmp_path):
    export(SEASON_2026, tmp_path, seconds=EPOCH)
    before = (tmp_path / "all.ics").read_bytes()
    # A base URL changes text in every event: stamps move, and only to the new time.
    export(SEASON_2026, tmp_path, seconds=EPOCH + 3600, base_url="https://example.org/x/")
    after = (tmp_path / "all.ics").read_bytes()
    assert b"SEQUENCE:1" in after and b"SEQUENCE:0" not in after
    assert b"LAST-MODIFIED:20260101T010000Z" in after
    assert before != after


def test_files_are_world_readable_and_no_temp_files_remain(tmp_path):
    export(SEASON_2026, tmp_path)
    for path in tmp_path.rglob("*"):
        assert ".rallycal-" not in path.name
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_export_leaves_other_files_alone_and_removes_only_its_own(tmp_path):
    source = copy_source(tmp_path)
    out = tmp_path / "dist"
    export(source, out)
    (out / "rallycal-0.1.0-py3-none-any.whl").write_bytes(b"wheel")
    (out / "class" / "notes.txt").write_text("mine")
    text = source.read_text().replace("  - id: lia-block\n", "  - id: lia-block-2\n")
    source.write_text(text)
    outcome = export(source, out, allow_removal=True)
    gone = ["2026/team/lia-block.ics", "reminders/team/lia-block.ics", "team/lia-block.ics"]
    assert outcome.removed == gone
    assert not any((out / path).exists() for path in gone)
    assert (out / "team" / "lia-block-2.ics").exists()
    assert (out / "rallycal-0.1.0-py3-none-any.whl").read_bytes() == b"wheel"
    assert (out / "class" / "notes.txt").read_text() == "mine"


def test_a_hostile_manifest_cannot_make_export_delete_outside(tmp_path):
    out = tmp_path / "dist"
    export(SEASON_2026, out)
    victims = [tmp_path / "victim.ics", tmp_path / "class" / "victim.ics"]
    for victim in victims:
        victim.parent.mkdir(exist_ok=True)
        victim.write_text("keep")
    manifest = json.loads((out / "feeds.json").read_text())
    for path in ("../victim.ics", "../class/victim.ics", str(victims[0]), "class/../../victim.ics"):
        manifest["feeds"].append({**manifest["feeds"][0], "path": path})
        manifest["events"][f"ara.2026.x@{path}"] = manifest["events"][
            next(iter(manifest["events"]))
        ]
    (out / "feeds.json").write_text(json.dumps(manifest))
    export(SEASON_2026, out, allow_removal=True)
    assert [victim.read_text() for victim in victims] == ["keep", "keep"]


def test_a_symlinked_subfolder_is_refused(tmp_path):
    out = tmp_path / "dist"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "class").symlink_to(elsewhere)
    with pytest.raises(RallycalError, match="symbolic link"):
        export(SEASON_2026, out)
    assert list(elsewhere.iterdir()) == []
    assert not (out / "all.ics").exists()


def test_invalid_source_leaves_output_exactly_as_it_was(tmp_path):
    source = copy_source(tmp_path)
    out = tmp_path / "dist"
    export(source, out)
    before = snapshot(out)
    source.write_text(source.read_text().replace("first_day: 2026-02-06", "first_day: 2026-02-30"))
    with pytest.raises(SourceError):
        export(source, out)
    assert snapshot(out) == before


def test_bad_source_date_epoch_is_explained(tmp_path):
    with epoch(None):
        os.environ["SOURCE_DATE_EPOCH"] = "yesterday"
        try:
            with pytest.raises(RallycalError, match="SOURCE_DATE_EPOCH"):
                export(SEASON_2026, tmp_path, seconds="yesterday")
        finally:
            os.environ.pop("SOURCE_DATE_EPOCH")


class TestCli:
    def run(self, *args, env_epoch=EPOCH):
        env = {"SOURCE_DATE_EPOCH": str(env_epoch)} if env_epoch else {}
        return CliRunner().invoke(cli, list(args), env=env)

    def test_export_prints_a_table(self, tmp_path):
        result = self.run("export", str(SEASON_2026), "--out", str(tmp_path))
        assert result.exit_code == 0, result.output
        assert "all.ics" in result.stdout and "class/l4wd.ics" in result.stdout
        assert "16 feeds" in result.stdout or "written" in result.stdout

    def test_quiet_prints_nothing(self, tmp_path):
        result = self.run("export", str(SEASON_2026), "--out", str(tmp_path), "--quiet")
        assert result.exit_code == 0 and result.stdout == ""

    def test_json_report(self, tmp_path):
        result = self.run("export", str(SEASON_2026), "--out", str(tmp_path), "--json")
        report = json.loads(result.stdout)
        assert report["stale"] is True
        assert "all.ics" in report["written"]
        assert len([f for f in report["feeds"] if f["season"] is None]) == 16 + 8

    def test_check_catches_a_one_day_change_and_writes_nothing(self, tmp_path):
        source = copy_source(tmp_path)
        out = tmp_path / "dist"
        assert self.run("export", str(source), "--out", str(out)).exit_code == 0
        assert self.run("export", str(source), "--out", str(out), "--check").exit_code == 0
        before = snapshot(out)
        text = source.read_text()
        source.write_text(text.replace("last_day: 2026-02-07", "last_day: 2026-02-08"))
        result = self.run("export", str(source), "--out", str(out), "--check")
        assert result.exit_code == 1
        assert "all.ics" in result.stdout and "stale" in result.stderr
        assert snapshot(out) == before

    def test_check_on_a_missing_folder_is_stale(self, tmp_path):
        result = self.run("export", str(SEASON_2026), "--out", str(tmp_path / "none"), "--check")
        assert result.exit_code == 1
        assert not (tmp_path / "none").exists()

    def test_source_errors_exit_1_without_traceback(self, tmp_path):
        bad = tmp_path / "bad.yaml"
        bad.write_text("series: [\n")
        result = self.run("export", str(bad), "--out", str(tmp_path / "out"))
        assert result.exit_code == 1
        assert result.stderr.startswith(f"{bad}:")
        assert "Traceback" not in result.output
        assert not (tmp_path / "out" / "all.ics").exists()

    def test_missing_source(self, tmp_path):
        result = self.run("export", str(tmp_path / "nope.yaml"))
        assert result.exit_code == 1
        assert "nope.yaml: no such file" in result.stderr


def test_export_as_a_real_subprocess(tmp_path):
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH)}
    script = Path(sys.executable).with_name("rallycal")
    copy_source(tmp_path)
    done = subprocess.run(
        [str(script), "export", "--out", str(tmp_path / "dist")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "dist" / "all.ics").read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")


def test_the_one_season_layout_exports_the_same_bytes_as_seasons(tmp_path):
    """The layout before `seasons:` still loads, and gives the very same publication."""
    export(SEASON_2026, tmp_path / "seasons")
    export(SEASON_2026_ONE_LAYOUT, tmp_path / "one")
    new, old = snapshot(tmp_path / "seasons"), snapshot(tmp_path / "one")
    assert new.keys() == old.keys()
    assert {p: d for p, d in new.items() if p != "feeds.json"} == {
        p: d for p, d in old.items() if p != "feeds.json"
    }


@pytest.mark.slow
def test_export_writes_nothing_outside_the_output_folder(tmp_path):
    """No cache, state or config anywhere: HOME, the XDG folders, the temporary folder,
    the working folder and the source's folder stay exactly as they were."""
    homes = {
        name: tmp_path / name.lower()
        for name in ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME",
                     "XDG_STATE_HOME", "TMPDIR")
    }
    for folder in homes.values():
        folder.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    source = copy_source(work)
    out = tmp_path / "site" / "dist"
    out.parent.mkdir()
    env = {**os.environ, **{name: str(folder) for name, folder in homes.items()},
           "SOURCE_DATE_EPOCH": str(EPOCH)}

    def everything_but_out() -> dict[str, bytes | None]:
        return {
            path.relative_to(tmp_path).as_posix(): path.read_bytes() if path.is_file() else None
            for path in sorted(tmp_path.rglob("*"))
            if out not in path.parents and path != out
        }

    def rallycal(*args: str) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "rallycal", *args], cwd=work, env=env,
            capture_output=True, text=True, timeout=120, check=False,
        )
        assert done.returncode == 0, done.stderr

    before = everything_but_out()
    rallycal("export", "--out", str(out))
    assert (out / "all.ics").exists()
    assert everything_but_out() == before
    renamed = source.read_text().replace("name: Olympus Rally\n", "name: Olympus Rally WA\n")
    source.write_text(renamed)
    before = everything_but_out()
    rallycal("export", "--out", str(out), "--base-url", "https://example.org/")
    rallycal("diff", "--out", str(out))
    assert everything_but_out() == before
    assert all(not any(folder.iterdir()) for folder in homes.values())
    assert "Olympus Rally WA" in (out / "round" / "olympus.ics").read_text()
