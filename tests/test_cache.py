"""The render cache: an incremental export writes exactly what a full one writes.

Each test exports a season, edits it, and exports the edit twice over copies of the
same folder: once with the render cache, once without it (a full build). The two
folders and reports must be identical, byte for byte; and the cached export must
have rendered only the events whose inputs changed.
"""

from __future__ import annotations

import copy
import os
import random
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import epoch, snapshot

from rallycal import cache, ics
from rallycal.publish import export as run_export

EPOCH = 1767225600
DAY = 86400


def season(year: int, rounds: int) -> dict[str, Any]:
    """A season with classes, teams and schedule items, in the source's layout."""
    return {
        "year": year,
        "classes": [
            {"id": "open", "name": "Open", "short": "O", "color": "crimson"},
            {"id": "lim", "name": "Limited", "short": "L"},
        ],
        "rounds": [
            {
                "id": f"r{n}",
                "name": f"Rally {n}",
                "first_day": f"{year}-{n + 1:02d}-0{1 + n % 3}",
                "last_day": f"{year}-{n + 1:02d}-0{2 + n % 3}",
                "venue": {"town": "Atlanta", "state": "Michigan", "country": "United States",
                          "timezone": "America/Detroit", "latitude": 45.0, "longitude": -84.1},
                "classes": ["open", "lim"] if n % 2 else ["open"],
                **({"notes": f"Notes, {n}; with \\ and ,"} if n % 3 == 0 else {}),
                **({"schedule": [{"id": "shakedown", "name": "Shakedown",
                                  "day": f"{year}-{n + 1:02d}-0{1 + n % 3}",
                                  "start": "09:30", "end": "12:00"}]} if n % 4 == 1 else {}),
            }
            for n in range(rounds)
        ],
        "teams": [
            {"id": "blue", "name": "Blue Team", "rounds": "all",
             "crews": [{"driver": "Ana Park", "co_driver": "Ben Okafor", "car": "WRX",
                        "class": "open"}]},
            {"id": "red", "name": "Red Team", "rounds": ["r1", "r3"],
             "crews": [{"driver": "Jo Quinn", "car": "Fit", "class": "lim"}]},
        ],
    }


def source(tree: dict[str, Any], comment: str = "") -> str:
    return comment + yaml.safe_dump(tree, sort_keys=False, allow_unicode=True)


def start() -> dict[str, Any]:
    return {
        "series": {"id": "demo", "name": "Demo Championship", "short": "DC",
                   "url": "https://example.org/demo"},
        "seasons": [season(2026, 6)],
    }


def _rounds(tree: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    return rng.choice(rng.choice(tree["seasons"])["rounds"])


def rename(tree: dict[str, Any], rng: random.Random) -> None:
    round_ = _rounds(tree, rng)
    round_["name"] += " (renamed)"


def move(tree: dict[str, Any], rng: random.Random) -> None:
    round_ = _rounds(tree, rng)
    round_["last_day"] = round_["first_day"]


def cancel(tree: dict[str, Any], rng: random.Random) -> None:
    _rounds(tree, rng)["status"] = rng.choice(["cancelled", "postponed", "tentative"])


def note(tree: dict[str, Any], rng: random.Random) -> None:
    _rounds(tree, rng)["notes"] = f"New note {rng.randint(0, 99)}"


def class_name(tree: dict[str, Any], rng: random.Random) -> None:
    tree["seasons"][-1]["classes"][0]["name"] = f"Open {rng.randint(0, 99)}"


def crew(tree: dict[str, Any], rng: random.Random) -> None:
    tree["seasons"][-1]["teams"][0]["crews"][0]["car"] = f"Car {rng.randint(0, 99)}"


def base_url(tree: dict[str, Any], rng: random.Random) -> None:
    tree["series"]["base_url"] = f"https://feeds.example.org/{rng.randint(0, 99)}/"


def add_round(tree: dict[str, Any], rng: random.Random) -> None:
    rounds = tree["seasons"][-1]["rounds"]
    new = copy.deepcopy(rounds[-1])
    new["id"] = f"added{rng.randint(0, 10**6)}"
    new.pop("schedule", None)
    rounds.append(new)


def item_time(tree: dict[str, Any], rng: random.Random) -> None:
    for round_ in tree["seasons"][-1]["rounds"]:
        for item in round_.get("schedule", []):
            item["end"] = f"1{rng.randint(2, 8)}:00"


def new_season(tree: dict[str, Any], rng: random.Random) -> None:
    year = tree["seasons"][-1]["year"] + 1
    if year < 2029:
        tree["seasons"].append(season(year, rng.randint(1, 4)))


def remove_round(tree: dict[str, Any], rng: random.Random) -> None:
    rounds = tree["seasons"][-1]["rounds"]
    if len(rounds) > 2:
        gone = rounds.pop(rng.randrange(len(rounds)))["id"]
        for team in tree["seasons"][-1]["teams"]:
            if isinstance(team["rounds"], list) and gone in team["rounds"]:
                team["rounds"] = [r for r in team["rounds"] if r != gone] or "all"


def nothing(tree: dict[str, Any], rng: random.Random) -> None:
    """A comment only (added by the caller)."""


EDITS = [rename, move, cancel, note, class_name, crew, base_url, add_round, item_time,
         new_season, remove_round, nothing]


def export(src: Path, out: Path, seconds: int) -> Any:
    with epoch(seconds):
        return run_export(str(src), str(out), allow_removal=True)


def published(tmp_path: Path) -> tuple[Path, Path]:
    """The demo season's source, and the folder it was exported into."""
    src, out = tmp_path / "events.yaml", tmp_path / "dist"
    src.write_text(source(start()), encoding="utf-8")
    export(src, out, EPOCH)
    return src, out


def count_renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    rendered: list[str] = []
    real = ics.event_body

    def counting(season: Any, entry: Any) -> bytes:
        rendered.append(entry.uid)
        return real(season, entry)

    monkeypatch.setattr(ics, "event_body", counting)
    return rendered


def test_random_edits_export_as_a_full_build_would(tmp_path, monkeypatch):
    rng = random.Random(15)
    tree = start()
    src = tmp_path / "events.yaml"
    src.write_text(source(tree), encoding="utf-8")
    cached, full = tmp_path / "cached", tmp_path / "full"
    export(src, cached, EPOCH)
    rendered = count_renders(monkeypatch)
    for step in range(1, 26):
        edit = rng.choice(EDITS)
        edit(tree, rng)
        src.write_text(source(tree, comment=f"# step {step}\n"), encoding="utf-8")
        shutil.rmtree(full, ignore_errors=True)
        shutil.copytree(cached, full)
        cache.forget(full)
        rendered.clear()
        assert cache.load(cached, None) is not None
        mine = export(src, cached, EPOCH + step * DAY)
        with_cache = list(rendered)
        theirs = export(src, full, EPOCH + step * DAY)
        assert snapshot(cached) == snapshot(full), (step, edit.__name__)
        assert (mine.written, mine.removed, mine.changes) == (
            theirs.written, theirs.removed, theirs.changes
        ), (step, edit.__name__)
        if edit is nothing:
            assert with_cache == [] and [p for p in mine.written if p.endswith(".ics")] == []


def test_one_renamed_round_renders_only_its_events_and_writes_only_its_feeds(
    tmp_path, monkeypatch
):
    tree = start()
    src = tmp_path / "events.yaml"
    src.write_text(source(tree), encoding="utf-8")
    out = tmp_path / "dist"
    export(src, out, EPOCH)
    rendered = count_renders(monkeypatch)
    tree["seasons"][0]["rounds"][2]["name"] = "Renamed Rally"
    src.write_text(source(tree), encoding="utf-8")
    outcome = export(src, out, EPOCH + DAY)
    assert rendered and all(".r2." in uid or uid.endswith(".r2@rallycal") for uid in rendered)
    feeds = sorted(p for p in outcome.written if p.endswith(".ics"))
    assert feeds == sorted(
        f.path for f in outcome.feeds if f.path in feeds
    ) and all(
        "r2" in (Path(out / p).read_text(encoding="utf-8")) for p in feeds
    )
    assert "round/r0.ics" not in feeds and "round/r2.ics" in feeds


def test_a_feed_edited_by_hand_is_not_trusted(tmp_path, monkeypatch):
    src, out = published(tmp_path)
    feed = out / "round" / "r1.ics"
    feed.write_bytes(feed.read_bytes().replace(b"SEQUENCE:0", b"SEQUENCE:7"))
    assert cache.load(out, None) is None
    rendered = count_renders(monkeypatch)
    export(src, out, EPOCH + DAY)
    assert len(rendered) > 6  # a full build: every event rendered and compared
    assert b"SEQUENCE:7" in feed.read_bytes()  # the record keeps the highest SEQUENCE


@pytest.mark.parametrize("damage", [b"", b"{", b"[]", b'{"format": 1, "feeds": {"a": 1}}'])
def test_a_damaged_cache_means_a_full_build(tmp_path, damage):
    src, out = published(tmp_path)
    before = snapshot(out)
    cache.cache_file(out).write_bytes(damage)
    assert cache.load(out, None) is None
    export(src, out, EPOCH + DAY)
    assert snapshot(out) == before


def test_the_cache_lives_outside_the_output_folder(tmp_path):
    out = tmp_path / "dist"
    assert out not in cache.cache_file(out).parents


def test_a_feed_rewritten_with_its_old_size_and_times_is_not_trusted(tmp_path, monkeypatch):
    """Same size, modification time put back: the change time still gives it away."""
    _, out = published(tmp_path)
    feed = out / "round" / "r1.ics"
    before = feed.stat()
    data = feed.read_bytes()
    feed.write_bytes(data.replace(b"SEQUENCE:0", b"SEQUENCE:7"))
    os.utime(feed, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert feed.stat().st_size == before.st_size
    assert cache.load(out, None) is None


def test_a_feed_changed_in_the_records_clock_tick_is_hashed(tmp_path, monkeypatch):
    """A file whose times are as late as the record is racily clean: its bytes decide."""
    _, out = published(tmp_path)
    feed = out / "round" / "r1.ics"
    signature = cache.signature(feed)
    assert signature is not None
    assert not cache.settled(signature, signature[3])  # same tick: not to be trusted
    assert cache.settled(signature, signature[3] + 10**9)
    hashed: list[Path] = []
    real = cache.read_feed

    def reading(path: Path, cut: int | None = None) -> bytes | None:
        hashed.append(path)
        return real(path, cut)

    monkeypatch.setattr(cache, "read_feed", reading)
    record = cache._read(cache.cache_file(out))
    assert record is not None
    monkeypatch.setattr(cache, "_read", lambda path: cache.Record(
        record.feeds, made=max(f.signature[3] for f in record.feeds.values()
                                              if f.signature)))
    assert cache.load(out, None) is not None and feed in hashed  # hashed, and as recorded
    feed.write_bytes(feed.read_bytes().replace(b"SEQUENCE:0", b"SEQUENCE:7"))
    os.utime(feed, ns=(signature[2], signature[2]))
    monkeypatch.setattr(cache, "signature", lambda path: signature if path == feed
                        else cache_signature(path))
    assert cache.load(out, None) is None  # same signature, but racy: the bytes decide


def cache_signature(path: Path) -> tuple[int, int, int, int] | None:
    info = os.lstat(path)
    return info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns


def test_a_settled_feed_is_not_read_again(tmp_path, monkeypatch):
    _, out = published(tmp_path)
    record = cache._read(cache.cache_file(out))
    assert record is not None
    monkeypatch.setattr(cache, "_read", lambda path: cache.Record(
        record.feeds, made=record.made + 10**9))
    read: list[Path] = []
    monkeypatch.setattr(cache, "read_feed", lambda path, cut=None: read.append(path))
    assert cache.load(out, None) is not None and read == []


def test_a_cache_file_that_does_not_match_its_checksum_is_ignored(tmp_path):
    _, out = published(tmp_path)
    path = cache.cache_file(out)
    body, checksum, _ = path.read_bytes().rsplit(b"\n", 2)
    assert cache.load(out, None) is not None
    edited = body.replace(b"\nmade\t", b"\nmade\t0")  # the same time, other bytes
    assert edited != body and cache._read(path) is not None
    path.write_bytes(edited + b"\n" + checksum + b"\n")
    assert cache.load(out, None) is None


def test_a_record_whose_lists_do_not_line_up_is_ignored(tmp_path):
    """One key short (a record made by hand, checksum and all) is not a record to trust."""
    src, out = published(tmp_path)
    path = cache.cache_file(out)
    body, _, _ = path.read_bytes().rsplit(b"\n", 2)
    lines = body.decode().split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("all.ics\t"))
    fields = lines[at].split("\t")
    fields[6] = fields[6].rsplit(" ", 1)[0]  # the keys, one short
    lines[at] = "\t".join(fields)
    edited = "\n".join(lines).encode()
    path.write_bytes(edited + b"\n" + cache._checksum(edited) + b"\n")
    assert cache.load(out, None) is None
    before = snapshot(out)
    export(src, out, EPOCH + DAY)
    assert snapshot(out) == before


def test_an_unchanged_feed_keeps_its_line_of_the_record(tmp_path):
    """A feed neither written nor touched is recorded by the very line read for it."""
    src, out = published(tmp_path)
    path = cache.cache_file(out)
    before = {line.split("\t", 1)[0]: line for line in path.read_text().split("\n")}
    tree = start()
    tree["seasons"][0]["rounds"][2]["name"] = "Renamed Rally"
    src.write_text(source(tree), encoding="utf-8")
    written = export(src, out, EPOCH + DAY).written
    after = {line.split("\t", 1)[0]: line for line in path.read_text().split("\n")}
    assert "round/r0.ics" not in written and after["round/r0.ics"] == before["round/r0.ics"]
    assert "round/r2.ics" in written and after["round/r2.ics"] != before["round/r2.ics"]
    assert cache.load(out, None) is not None
