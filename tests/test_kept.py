"""The page's round pieces, taken from the last page when their inputs did not change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from support import epoch, snapshot
from test_cache import start

from rallycal import cache, kept
from rallycal.publish import export as run_export

EPOCH = 1767225600
DAY = 86400


def export(src: Path, out: Path, seconds: int) -> Any:
    with epoch(seconds):
        return run_export(str(src), str(out), allow_removal=True)


def write(src: Path, tree: dict[str, Any]) -> None:
    src.write_text(yaml.safe_dump(tree, sort_keys=False, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the rounds whose card or event was made, not taken."""
    rounds: list[str] = []
    card, event = kept.round_card, kept.round_event
    monkeypatch.setattr(kept, "round_card", lambda f, r, x: rounds.append(r.id) or card(f, r, x))
    monkeypatch.setattr(kept, "round_event", lambda f, r, x: rounds.append(r.id) or event(f, r, x))
    return rounds


def test_a_renamed_round_makes_its_own_pieces_again_and_takes_the_rest(tmp_path, made):
    tree = start()
    src, out = tmp_path / "events.yaml", tmp_path / "dist"
    write(src, tree)
    export(src, out, EPOCH)
    assert sorted(set(made)) == [f"r{n}" for n in range(6)]  # a first page makes them all
    made.clear()
    tree["seasons"][0]["rounds"][2]["name"] = "Renamed Rally"
    write(src, tree)
    export(src, out, EPOCH + DAY)
    assert made == ["r2", "r2"]  # its event and its card
    assert b"Renamed Rally" in (out / "index.html").read_bytes()
    cache.forget(out)
    before = snapshot(out)
    export(src, out, EPOCH + DAY)  # without the record: made again, the same bytes
    assert snapshot(out) == before


def test_a_page_edited_by_hand_gives_no_pieces(tmp_path, made):
    tree = start()
    src, out = tmp_path / "events.yaml", tmp_path / "dist"
    write(src, tree)
    export(src, out, EPOCH)
    page = out / "index.html"
    page.write_bytes(page.read_bytes().replace(b"Rally 3", b"Rally 9"))
    made.clear()
    tree["seasons"][0]["rounds"][0]["name"] = "Renamed Rally"
    write(src, tree)
    export(src, out, EPOCH + DAY)
    assert sorted(set(made)) == [f"r{n}" for n in range(6)]  # nothing taken from that page
    assert b"Rally 9" not in page.read_bytes() and b"Rally 3" in page.read_bytes()


def test_pieces_in_skips_what_is_not_a_span():
    page = "<li>é</li>".encode()
    spans = "a 0 11\nbad line\nb 0 5\nc x y"
    assert kept.pieces_in(page, spans) == {"a": "<li>é</li>"}  # b cuts é in two
