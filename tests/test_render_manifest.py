"""`feeds.json` (`rallycal.render.manifest`): what other tools read, and the second record of
every published event that the next export reads back (`rallycal.publication`)."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from seasons import season_source
from support import EPOCH, copy_source, export

from rallycal.export import build
from rallycal.publication import Publication, digest, read_publication, split_events
from rallycal.source import parse

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
DAY = 86400


@pytest.fixture(scope="module")
def first() -> tuple[object, dict[str, bytes]]:
    """A made-up season built into an empty folder: its championship and files."""
    championship = parse(season_source().encode(), "events.yaml")
    return championship, build(championship, Publication(), NOW).files


def test_the_manifest_is_json_dumps_with_indent_2(first):
    _, files = first
    data = files["feeds.json"]
    document = json.loads(data)
    assert data == (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()


def test_the_manifest_lists_every_feed_with_its_address_and_digest(first):
    _, files = first
    document = json.loads(files["feeds.json"])
    assert document["format"] == 2
    assert not {"files", "fingerprint", "zones"} & set(document)
    assert document["series"] == {"id": "demo", "name": "Clean series_name"}
    assert document["seasons"] == [{"year": 2026, "rounds": 1, "in_stable_feeds": True}]
    assert document["base_url"] == "https://feeds.example.org/demo/"
    assert (document["page"], document["changes"]) == ("index.html", "changes.atom")
    feeds = {feed["path"]: feed for feed in document["feeds"]}
    assert set(feeds) == {path for path in files if path.endswith(".ics")}
    for path, feed in feeds.items():
        assert feed["sha256"] == hashlib.sha256(files[path]).hexdigest()
        assert feed["events"] == files[path].count(b"BEGIN:VEVENT\r\n")
        assert feed["url"] == "https://feeds.example.org/demo/" + path
        assert feed["webcal"] == "webcal://feeds.example.org/demo/" + path
        assert feed["last_changed"] == "2026-01-01T00:00:00Z"
        assert feed["reminders"] == path.startswith("reminders/")
        assert feed["season"] == (2026 if path.startswith("2026/") else None)
    assert feeds["round/spring.ics"]["kind"] == "round"
    assert feeds["team/blue.ics"]["id"] == "blue"


def test_the_manifest_records_every_event_with_its_stamp_and_what_it_says(first):
    _, files = first
    table = json.loads(files["feeds.json"])["events"]
    published = {
        event.uid: event
        for path, data in files.items() if path.endswith(".ics")
        for event in split_events(data)
    }
    assert set(table) == set(published) and list(table) == sorted(table)
    for uid, event in published.items():
        assert table[uid] == f"0 20260101T000000Z {digest(event.lines())}", uid
        assert re.fullmatch(r"0 \d{8}T\d{6}Z [0-9a-f]{16}", table[uid])


def test_a_feeds_last_changed_moves_only_when_its_bytes_do(tmp_path):
    source = copy_source(tmp_path)
    out = tmp_path / "dist"
    export(source, out)
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("name: Rally Colorado", "name: Rally Colorado II"), "utf-8")
    export(source, out, EPOCH + DAY)
    feeds = {f["path"]: f for f in json.loads((out / "feeds.json").read_bytes())["feeds"]}
    assert feeds["round/rally-colorado.ics"]["last_changed"] == "2026-01-02T00:00:00Z"
    assert feeds["2026/all.ics"]["last_changed"] == "2026-01-02T00:00:00Z"
    assert feeds["round/olympus.ics"]["last_changed"] == "2026-01-01T00:00:00Z"
    assert feeds["team/lia-block.ics"]["last_changed"] == "2026-01-01T00:00:00Z"


def test_a_moved_round_is_recorded_as_rescheduled_while_it_stays_moved(tmp_path):
    source = copy_source(tmp_path)
    out = tmp_path / "dist"
    export(source, out)

    def rescheduled() -> dict:
        return json.loads((out / "feeds.json").read_bytes())["rescheduled"]

    assert rescheduled() == {}
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("first_day: 2026-04-17", "first_day: 2026-04-18"), "utf-8")
    export(source, out, EPOCH + DAY)
    assert rescheduled() == {"ara.2026.olympus": ["2026-04-17", "2026-04-18"]}
    export(source, out, EPOCH + 2 * DAY)  # unchanged: still moved
    assert rescheduled() == {"ara.2026.olympus": ["2026-04-17", "2026-04-18"]}
    assert '"previousStartDate": "2026-04-17"' in (out / "index.html").read_text("utf-8")
    source.write_text(text.replace("first_day: 2026-04-17", "first_day: 2026-04-16"), "utf-8")
    export(source, out, EPOCH + 3 * DAY)  # moved again: from the day it was last on
    assert rescheduled() == {"ara.2026.olympus": ["2026-04-18", "2026-04-16"]}


# -- read back ------------------------------------------------------------------------

DAMAGED = {
    "nested": b"[" * 100_000 + b"]" * 100_000,
    "nested objects": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "not json": b"{feeds:",
    "not utf-8": b'{"feeds": ["\xff"]}',
    "empty": b"",
}
NOT_A_MANIFEST = {"a list": b"[]", "a number": b"7", "null": b"null", "a string": b'"x"'}


def read_back(tmp_path: Path, data: bytes) -> Publication:
    (tmp_path / "feeds.json").write_bytes(data)
    return read_publication(tmp_path)


@pytest.mark.parametrize("data", DAMAGED.values(), ids=DAMAGED.keys())
def test_a_damaged_manifest_is_one_warning(tmp_path, data):
    publication = read_back(tmp_path, data)
    assert publication.manifest == {} and publication.events == {}
    assert len(publication.warnings) == 1
    assert publication.warnings[0].startswith("the last feeds.json is damaged (")


@pytest.mark.parametrize("data", NOT_A_MANIFEST.values(), ids=NOT_A_MANIFEST.keys())
def test_json_that_is_no_manifest_is_one_warning(tmp_path, data):
    publication = read_back(tmp_path, data)
    assert publication.manifest == {} and publication.events == {}
    assert publication.warnings == ["the last feeds.json is not a manifest rallycal wrote"]


PARTLY = {
    "path a list": {"feeds": [{"path": ["all.ics"]}]},
    "entry without path": {"feeds": [{"kind": "combined"}]},
    "entry not an object": {"feeds": ["all.ics", 3, None]},
    "a path not of a feed": {"feeds": [{"path": "../x.ics"}, {"path": "index.html"}]},
    "wrong types": {"feeds": 3, "events": [], "rescheduled": 7},
    "bad records": {"events": {
        "a.2026.x": "1 2 3", "a.2026.y": 5, "a.2026.z": "-1 20260101T000000Z d",
        "a.2026.w": "1 yesterday d", "a.2026.v": "1 20260101T000000Z", "7": None,
    }},
}


@pytest.mark.parametrize("document", PARTLY.values(), ids=PARTLY.keys())
def test_entries_of_the_wrong_shape_are_left_out(tmp_path, document):
    publication = read_back(tmp_path, json.dumps(document).encode())
    assert publication.feeds == {} and publication.events == {}
    assert "all.ics" not in publication.listed


def test_a_good_record_is_read_and_a_larger_sequence_wins(tmp_path):
    publication = read_back(tmp_path, json.dumps({"events": {
        "a.2026.x": "7 20260102T030405Z 0123456789abcdef",
        "a.2026.y": "99999999999 20260102T030405Z d",
    }}).encode())
    x = publication.events["a.2026.x"]
    assert (x.stamp.sequence, x.stamp.changed, x.digest, x.raw) == (
        7, datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc), "0123456789abcdef", None
    )
    assert publication.events["a.2026.y"].stamp.sequence == 2**31 - 1  # RFC 5545's maximum
