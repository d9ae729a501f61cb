"""`publish.export`: lock, compare, write, remove; a dry run writes nothing."""

from __future__ import annotations

from pathlib import Path

from seasons import season_source
from support import export, snapshot


def source(tmp_path: Path, text: str | None = None) -> Path:
    path = tmp_path / "events.yaml"
    path.write_text(season_source() if text is None else text, encoding="utf-8")
    return path


def test_a_dry_run_into_a_missing_folder_creates_nothing(tmp_path):
    outcome = export(source(tmp_path), tmp_path / "dist", dry_run=True)
    assert outcome.stale and "all.ics" in outcome.written
    assert not (tmp_path / "dist").exists()


def test_a_dry_run_reports_what_an_export_then_does(tmp_path):
    src, out = source(tmp_path), tmp_path / "dist"
    export(src, out)
    src.write_text(season_source(round_name="Spring Rally"), encoding="utf-8")
    before = snapshot(out)
    planned = export(src, out, dry_run=True, seconds=1767225600 + 60)
    assert snapshot(out) == before
    done = export(src, out, seconds=1767225600 + 60)
    assert (planned.written, planned.removed) == (done.written, done.removed)
    assert "round/spring.ics" in done.written and "feeds.json" in done.written


def test_the_outcome_lists_typed_feed_entries(tmp_path):
    outcome = export(source(tmp_path), tmp_path / "dist")
    again = export(source(tmp_path), tmp_path / "dist")
    assert [f.path for f in outcome.feeds] == [f.path for f in again.feeds]
    assert again.written == [] and {f.path for f in again.feeds} <= set(again.unchanged)
    assert all(f.events >= 1 and len(f.sha256) == 64 for f in again.feeds)
