"""The cycle collector is paused while a season is read or exported, then restored."""

from __future__ import annotations

import gc

import pytest
from support import fixture

from rallycal import collector, ics
from rallycal.publish import export
from rallycal.source import load, reader


@pytest.fixture(autouse=True)
def restore_collector():
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.parametrize("enabled", [True, False])
def test_paused_restores_the_callers_state(enabled):
    (gc.enable if enabled else gc.disable)()
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():  # nested: still paused, and not re-enabled too early
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled() is enabled


def test_paused_restores_it_after_an_error():
    gc.enable()
    with pytest.raises(ValueError, match="boom"), collector.paused():
        raise ValueError("boom")
    assert gc.isenabled()


def collecting_while(monkeypatch, module, name: str) -> list[bool]:  # type: ignore[no-untyped-def]
    """Whether the collector was on at each call of `module.name`, from now on."""
    seen: list[bool] = []
    real = getattr(module, name)

    def spying(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, spying)
    return seen


def test_exporting_runs_with_the_collector_paused(tmp_path, monkeypatch):
    gc.enable()
    seen = collecting_while(monkeypatch, ics, "event_body")
    export(str(fixture("seasons/ara-2026.yaml")), str(tmp_path / "dist"))
    assert seen and not any(seen)
    assert gc.isenabled()


def test_reading_runs_with_the_collector_paused(monkeypatch):
    gc.enable()
    seen = collecting_while(monkeypatch, reader, "read")
    assert load(fixture("seasons/ara-2026.yaml")).seasons
    assert seen == [False] and gc.isenabled()
