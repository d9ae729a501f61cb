"""The watcher (`rallycal.cli.watch`) calls back on a change of content, not of time stamps,
and outlives any failure of its callback."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from rallycal.cli.watch import Watcher, digest_of

DEADLINE = 10  # seconds a wait below may take at most


class Calls:
    """Callbacks that count their calls and keep the errors handed to them."""

    def __init__(self) -> None:
        self.changes = 0
        self.errors: list[Exception] = []

    def on_change(self) -> None:
        self.changes += 1

    def on_error(self, exc: Exception) -> None:
        self.errors.append(exc)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "events.yaml"
    path.write_text("season: 2026\nrounds:\n  - name: Olympus Rally\n", encoding="utf-8")
    return path


def test_nothing_changed_calls_nothing(source):
    calls = Calls()
    watcher = Watcher(source, calls.on_change, calls.on_error)
    assert watcher.poll() is False
    assert (calls.changes, calls.errors) == (0, [])


def test_two_saves_within_one_tick_of_the_file_clock_are_both_seen(source):
    """Same size, same modification time: only the content tells the saves apart."""
    calls = Calls()
    watcher = Watcher(source, calls.on_change, calls.on_error)
    for old, new in (("Olympus Rally", "Olympus Relly"), ("Olympus Relly", "Olympus Rolly")):
        stamp = os.stat(source)
        source.write_text(source.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        os.utime(source, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
        assert os.stat(source).st_size == stamp.st_size
        assert watcher.poll() is True
    assert calls.changes == 2


def test_touching_the_source_without_changing_it_calls_nothing(source):
    calls = Calls()
    watcher = Watcher(source, calls.on_change, calls.on_error)
    source.write_bytes(source.read_bytes())
    os.utime(source, (time.time() + 60, time.time() + 60))
    assert watcher.poll() is False
    assert calls.changes == 0


def test_a_source_that_disappears_and_comes_back_is_a_change_each_time(source):
    calls = Calls()
    watcher = Watcher(source, calls.on_change, calls.on_error)
    content = source.read_bytes()
    source.unlink()
    assert watcher.poll() is True  # the callback says what is wrong
    assert watcher.poll() is False  # once
    source.write_bytes(content)
    assert watcher.poll() is True
    assert calls.changes == 2


def test_the_watcher_survives_an_exception_from_the_callback(source):
    """`run` in a thread: the failure goes to on_error, the next change is still seen."""
    seen: list[str] = []
    errors: list[Exception] = []

    def on_change() -> None:
        seen.append(source.read_text(encoding="utf-8"))
        if len(seen) == 1:
            raise OverflowError("date value out of range")

    watcher = Watcher(source, on_change, errors.append, interval=0.01)
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    try:
        for text, count in (("first change\n", 1), ("second change\n", 2)):
            draft = source.with_suffix(".tmp")
            draft.write_text(text, encoding="utf-8")
            draft.replace(source)  # whole, as an editor saves: no half-written file to see
            deadline = time.monotonic() + DEADLINE
            while len(seen) < count:
                assert time.monotonic() < deadline, f"change {count} was never seen"
                time.sleep(0.01)
        assert seen == ["first change\n", "second change\n"]
        assert [type(error) for error in errors] == [OverflowError]
        assert thread.is_alive()
    finally:
        stop.set()
        thread.join(DEADLINE)
    assert not thread.is_alive()  # `run` returns once `stop` is set


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO")
def test_a_source_that_is_not_a_regular_file_is_never_read(tmp_path):
    fifo = tmp_path / "events.yaml"
    os.mkfifo(fifo)  # opening it to read would wait for a writer
    assert digest_of(fifo) is None
    assert digest_of(tmp_path) is None
    calls = Calls()
    assert Watcher(fifo, calls.on_change, calls.on_error).poll() is False
