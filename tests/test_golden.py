"""The fixture season's feeds, compared as bytes with the reviewed copies in
fixtures/golden/expected.

After a deliberate change to the output, regenerate them with
`RALLYCAL_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py` and review the diff.
"""

from __future__ import annotations

import os
import shutil

from support import EPOCH, GOLDEN, GOLDEN_SEASON, export, snapshot

EXPECTED = GOLDEN / "expected"


def test_fixture_season_feeds_are_byte_for_byte_the_reviewed_ones(tmp_path):
    export(GOLDEN_SEASON, tmp_path)
    feeds = {path: data for path, data in snapshot(tmp_path).items() if path.endswith(".ics")}
    if os.environ.get("RALLYCAL_UPDATE_GOLDEN"):
        shutil.rmtree(EXPECTED, ignore_errors=True)
        for path, data in feeds.items():
            (EXPECTED / path).parent.mkdir(parents=True, exist_ok=True)
            (EXPECTED / path).write_bytes(data)
    assert sorted(feeds) == sorted(snapshot(EXPECTED))
    for path, data in feeds.items():
        assert data == (EXPECTED / path).read_bytes(), path


def test_a_second_export_at_a_later_time_writes_the_same_bytes(tmp_path):
    """The stamps of unchanged events are kept: the reviewed bytes stay the published ones."""
    export(GOLDEN_SEASON, tmp_path)
    outcome = export(GOLDEN_SEASON, tmp_path, seconds=EPOCH + 86400 * 40)
    assert [path for path in outcome.written if path.endswith(".ics")] == []
    for path, data in snapshot(tmp_path).items():
        if path.endswith(".ics"):
            assert data == (EXPECTED / path).read_bytes(), path


def test_golden_files_keep_their_crlf_line_endings_in_git():
    files = snapshot(EXPECTED)
    assert len(files) == 21  # 8 stable, 5 reminders, 8 in the 2026 archive
    for data in files.values():
        assert data.count(b"\r\n") == data.count(b"\n") > 0
