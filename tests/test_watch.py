"""`serve --watch` exports again on a change of content, not of time stamps
(`rallycal.watch`). The server around it is tested in test_serve."""

from __future__ import annotations

import os

from support import copy_source, export, snapshot

from rallycal.watch import Watcher


def test_two_saves_within_one_tick_of_the_file_clock_are_both_seen(tmp_path, capsys):
    """Same size, same modification time: only the content tells the saves apart."""
    source = copy_source(tmp_path)
    out = tmp_path / "out"
    export(source, out)
    watcher = Watcher(str(source), str(out))
    feed = out / "round" / "olympus.ics"
    for old, new in (("Olympus Rally", "Olympus Relly"), ("Olympus Relly", "Olympus Rolly")):
        stamp = os.stat(source)
        source.write_text(source.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        os.utime(source, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
        assert os.stat(source).st_size == stamp.st_size
        watcher.poll()
        assert "Exported" in capsys.readouterr().out
        assert new in feed.read_text(encoding="utf-8")


def test_touching_the_source_without_changing_it_exports_nothing(tmp_path, capsys):
    source = copy_source(tmp_path)
    out = tmp_path / "out"
    export(source, out)
    watcher = Watcher(str(source), str(out))
    before = snapshot(out)
    source.write_bytes(source.read_bytes())
    os.utime(source)
    watcher.poll()
    assert capsys.readouterr().out == ""
    assert snapshot(out) == before


def test_a_source_that_disappears_is_reported_and_the_output_kept(tmp_path, capsys):
    source = copy_source(tmp_path)
    out = tmp_path / "out"
    export(source, out)
    watcher = Watcher(str(source), str(out))
    before = snapshot(out)
    source.unlink()
    watcher.poll()
    printed = capsys.readouterr()
    assert printed.out == ""
    assert "events.yaml" in printed.err and "Still serving the last good export" in printed.err
    assert "Traceback" not in printed.err
    assert snapshot(out) == before


def test_a_refused_removal_names_the_command_that_goes_ahead(tmp_path, capsys):
    source = copy_source(tmp_path)
    out = tmp_path / "out"
    export(source, out)
    retry = "stop the server and run `rallycal serve events.yaml --watch --allow-removal`"
    watcher = Watcher(str(source), str(out), retry=retry)
    before = snapshot(out)
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("      - id: olympus\n", "      - id: olympus-2\n", 1))
    watcher.poll()
    error = capsys.readouterr().err
    assert f"To remove them anyway, {retry}." in error
    assert "run the export again" not in error
    assert snapshot(out) == before
