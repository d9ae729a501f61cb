"""The fingerprint: everything the output depends on, and only a shortcut (export and
`export --check` agree whatever it says)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zoneinfo
from pathlib import Path

import pytest
from support import EPOCH, GOLDEN_SEASON, copy_source, export, snapshot

import rallycal
from rallycal.fingerprint import fingerprint, package_files, zone_data

SEASON = GOLDEN_SEASON
SRC = Path(rallycal.__file__).resolve().parent.parent


def test_it_covers_every_file_of_the_package_data_files_too():
    package = Path(rallycal.__file__).parent
    names = {path.relative_to(package).as_posix() for path in package_files()}
    on_disk = {
        p.relative_to(package).as_posix()
        for p in package.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert names == on_disk
    assert {"publish.py", "source/__init__.py"} <= names
    assert any(name.endswith(".css") for name in names)
    assert any(name.endswith(".js") for name in names)


def test_it_changes_with_the_source_the_options_and_the_zones():
    base = fingerprint(b"a", None, ["America/Denver"])
    assert base == fingerprint(b"a", None, ["America/Denver", "America/Denver"])
    assert base != fingerprint(b"b", None, ["America/Denver"])
    assert base != fingerprint(b"a", "https://example.org/", ["America/Denver"])
    assert base != fingerprint(b"a", None, ["America/Chicago"])


def test_zone_data_is_what_zoneinfo_reads():
    for key in ("America/Detroit", "Pacific/Auckland", "UTC"):
        found = next(
            (Path(folder, key) for folder in zoneinfo.TZPATH if Path(folder, key).is_file()), None
        )
        if found is not None:
            assert zone_data(key) == found.read_bytes()
        else:
            assert zone_data(key)[:4] == b"TZif"
    assert zone_data("../../etc/passwd") == b"" and zone_data("Not/A_Zone") == b""


def moved_zone(tmp_path: Path) -> Path:
    """A time-zone database where America/Detroit keeps Chicago's time (an hour behind)."""
    tzpath = tmp_path / "zoneinfo"
    (tzpath / "America").mkdir(parents=True)
    chicago = zone_data("America/Chicago")
    assert chicago.startswith(b"TZif")
    for key in ("America/Denver", "Pacific/Auckland"):
        (tzpath / key).parent.mkdir(parents=True, exist_ok=True)
        (tzpath / key).write_bytes(zone_data(key))
    (tzpath / "America" / "Detroit").write_bytes(chicago)
    return tzpath


def rallycal_command(*args: str, tzpath: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH + 86_400), "PYTHONPATH": str(SRC)}
    env.pop("PYTHONTZPATH", None)
    if tzpath is not None:
        env["PYTHONTZPATH"] = str(tzpath)
    return subprocess.run(
        [sys.executable, "-m", "rallycal", *args], env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )


@pytest.mark.slow
def test_after_a_time_zone_database_change_export_then_check_agree(tmp_path):
    source = copy_source(tmp_path, SEASON)
    out = tmp_path / "dist"
    assert rallycal_command("export", str(source), "--out", str(out)).returncode == 0
    before = snapshot(out)
    tzpath = moved_zone(tmp_path)
    stale = rallycal_command("export", str(source), "--out", str(out), "--check", tzpath=tzpath)
    assert stale.returncode == 1, stale.stdout
    done = rallycal_command("export", str(source), "--out", str(out), tzpath=tzpath)
    assert done.returncode == 0, done.stderr
    assert "round/winter.ics" in done.stdout and snapshot(out) != before
    check = rallycal_command("export", str(source), "--out", str(out), "--check", tzpath=tzpath)
    assert check.returncode == 0, check.stdout + check.stderr
    again = rallycal_command("export", str(source), "--out", str(out), tzpath=tzpath)
    assert again.returncode == 0 and "0 written" in again.stdout


def test_a_folder_exported_elsewhere_passes_check_when_the_bytes_are_the_same(tmp_path):
    """Another machine (other library versions, another tz database copy) has another
    fingerprint: that alone makes nothing stale, and export then writes nothing."""
    source = copy_source(tmp_path, SEASON)
    out = tmp_path / "dist"
    export(source, out)
    manifest = json.loads((out / "feeds.json").read_text())
    manifest["fingerprint"] = "0" * 64  # as written by a machine with other versions
    (out / "feeds.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    before = snapshot(out)
    checked = export(source, out, dry_run=True)
    assert not checked.stale
    done = export(source, out)
    assert done.written == [] and snapshot(out) == before


def test_a_hand_edited_manifest_is_noticed_by_export_and_check_alike(tmp_path):
    source = copy_source(tmp_path, SEASON)
    out = tmp_path / "dist"
    export(source, out)
    expected = snapshot(out)
    manifest = json.loads((out / "feeds.json").read_text())
    manifest["feeds"][0]["title"] = "edited by hand"
    (out / "feeds.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    assert export(source, out, dry_run=True).written == ["feeds.json"]
    assert export(source, out).written == ["feeds.json"]
    assert snapshot(out) == expected
    assert export(source, out, dry_run=True).written == []


def test_a_fingerprint_match_with_a_changed_file_still_builds(tmp_path):
    source = copy_source(tmp_path, SEASON)
    out = tmp_path / "dist"
    export(source, out)
    expected = snapshot(out)
    (out / "round" / "winter.ics").write_bytes(b"edited by hand")
    shutil.rmtree(out / "team")
    outcome = export(source, out)
    assert "round/winter.ics" in outcome.written
    assert snapshot(out) == expected
