"""`changes.atom` (`rallycal.render.atom`): read back by feedparser (an independent Atom
reader), its own record across exports, capped, and never fooled by a damaged or hostile
file."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest
from seasons import yaml_str
from support import EPOCH, SEASON_2026, edit, export, snapshot

from rallycal.export import build
from rallycal.publication import Notice, read_notices, read_publication
from rallycal.render.atom import MAX_BYTES, MAX_ENTRIES, changes_feed
from rallycal.source import load

OLYMPUS = ("first_day: 2026-04-17\n        last_day: 2026-04-19",
           "first_day: 2026-04-24\n        last_day: 2026-04-26")
DAY = 86400
START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def read(data: bytes) -> feedparser.FeedParserDict:
    """A changes feed as feedparser reads it, which must find nothing wrong."""
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def atom(out: Path) -> feedparser.FeedParserDict:
    return read((out / "changes.atom").read_bytes())


def test_a_first_publication_writes_no_entry(published):
    _, out = published
    feed = atom(out)
    assert feed.entries == []  # news to nobody: nobody has subscribed yet
    assert feed.feed.updated == "2026-01-01T00:00:00Z"
    assert feed.feed.id.startswith("urn:uuid:")
    assert feed.feed.title == "ARA calendar: changes"
    manifest = json.loads((out / "feeds.json").read_bytes())
    assert manifest["changes"] == "changes.atom"


def test_a_first_publication_over_an_empty_folder_with_a_base_url_writes_no_entry(tmp_path):
    out = tmp_path / "dist"
    outcome = export(SEASON_2026, out, base_url="https://feeds.example.org/ara/")
    assert {c.kind for c in outcome.build.changes} == {"added"}
    assert outcome.build.notices == [] and atom(out).entries == []


def test_an_unchanged_export_adds_nothing_and_changes_no_byte(published):
    source, out = published
    edit(source, *OLYMPUS)
    export(source, out, EPOCH + DAY)
    before = snapshot(out)
    export(source, out, EPOCH + 2 * DAY)
    assert snapshot(out) == before
    # Built again at a later time from the folder as published: the same bytes.
    result = build(load(str(source)), read_publication(out),
                   datetime.fromtimestamp(EPOCH + 3 * DAY, timezone.utc))
    for path in ("changes.atom", "index.html", "all.ics", "feeds.json"):
        assert result.files[path] == before[path], path


def test_ids_and_times_of_published_entries_never_change(published):
    source, out = published
    edit(source, *OLYMPUS)
    export(source, out, EPOCH + DAY)
    first = atom(out).entries[0]
    edit(source, "name: Olympus Rally", "name: Olympus Rally of Washington")
    export(source, out, EPOCH + 2 * DAY)
    entries = atom(out).entries
    assert len(entries) == 2
    assert (entries[1].id, entries[1].title, entries[1].updated) == (
        first.id, first.title, "2026-01-02T00:00:00Z"
    )
    assert entries[0].updated == "2026-01-03T00:00:00Z"
    assert entries[0].title.endswith(": renamed from Olympus Rally")
    assert len({e.id for e in entries}) == 2
    assert atom(out).feed.updated == "2026-01-03T00:00:00Z"


def test_a_base_url_re_export_adds_nothing_but_absolute_links(published):
    source, out = published
    edit(source, *OLYMPUS)
    export(source, out, EPOCH + DAY)
    before = atom(out)
    assert len(before.entries) == 1 and not before.feed.get("links")
    export(source, out, EPOCH + 2 * DAY, base_url="https://example.org/ara/")
    after = atom(out)
    assert [(e.id, e.title, e.updated, e.link) for e in after.entries] == [
        (e.id, e.title, e.updated, e.link) for e in before.entries
    ]
    links = {link.rel: link.href for link in after.feed.links}
    assert links == {"self": "https://example.org/ara/changes.atom",
                     "alternate": "https://example.org/ara/index.html"}


TRICKY_NAME = "Olympus \"A&B\" <Rally> 'é 🏁' ]]> &amp;"


def test_entries_are_re_read_and_re_written_byte_for_byte(published):
    source, out = published
    edit(source, "name: Olympus Rally", f"name: {yaml_str(TRICKY_NAME)}")
    export(source, out, EPOCH + DAY)
    edit(source, *OLYMPUS)
    export(source, out, EPOCH + 2 * DAY)
    data = (out / "changes.atom").read_bytes()
    warnings: list[str] = []
    entries, updated = read_notices(data, warnings)
    assert warnings == [] and len(entries) == 2
    assert entries[1].title.startswith(TRICKY_NAME + ", ")
    series = load(str(source)).series
    assert changes_feed(series, entries, updated) == (data, 2)
    publication = read_publication(out)
    assert publication.notices == entries and publication.notices_updated == updated


# -- a damaged or hostile changes.atom --------------------------------------------------

ENTITY_TEXT = "ENTITY-EXPANDED-TEXT"


def with_doctype(encoding: str) -> bytes:
    """A changes feed that declares an internal entity and uses it in an entry."""
    text = f"""<?xml version="1.0" encoding="{encoding}"?>
<!DOCTYPE feed [<!ENTITY x "{ENTITY_TEXT}">]>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>urn:uuid:00000000-0000-0000-0000-000000000000</id>
  <title>ARA calendar: changes</title>
  <updated>2026-01-01T12:00:00Z</updated>
  <entry>
    <id>urn:uuid:00000000-0000-0000-0000-000000000001</id>
    <title>Planted &x; entry</title>
    <updated>2026-01-01T12:00:00Z</updated>
    <content type="text">&x;</content>
  </entry>
</feed>
"""
    return text.encode(encoding)


def test_the_planted_feeds_are_what_an_unguarded_reader_would_take_in():
    for encoding in ("utf-8", "utf-16"):
        root = ElementTree.fromstring(with_doctype(encoding))
        assert ENTITY_TEXT in ElementTree.tostring(root, encoding="unicode")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_changes_feed_with_a_document_type_is_refused(published, encoding):
    source, out = published
    (out / "changes.atom").write_bytes(with_doctype(encoding))
    edit(source, *OLYMPUS)
    outcome = export(source, out, EPOCH + DAY)
    assert any(w.startswith("the last changes.atom cannot be read") and "starts afresh" in w
               for w in outcome.warnings), outcome.warnings
    entries = atom(out).entries
    assert [e.title.split(": ")[-1] for e in entries] == ["moved from Fri 17 – Sun 19 Apr 2026"]
    for path in ("changes.atom", "index.html", "feeds.json"):
        data = (out / path).read_bytes()
        assert ENTITY_TEXT.encode() not in data and b"Planted" not in data, path
        assert ENTITY_TEXT.encode("utf-16-le") not in data, path


DAMAGED = {
    "empty": b"",
    "not xml": b"not xml at all",
    "cut short": b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><entry>",
    "billion laughs": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;">]><feed xmlns="http://www.w3.org/2005/Atom">&lol2;</feed>',
    "external entity": b'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY e SYSTEM '
    b'"file:///etc/passwd">]><feed xmlns="http://www.w3.org/2005/Atom">&e;</feed>',
    "latin-1 bytes said to be utf-8": "<feed xmlns='http://www.w3.org/2005/Atom'>\u00e9</feed>"
    .encode("latin-1"),
    "deeply nested": b"<a>" * 100_000,
}


@pytest.mark.parametrize("data", DAMAGED.values(), ids=DAMAGED.keys())
def test_a_damaged_feed_reads_as_no_entries_and_a_warning(data):
    warnings: list[str] = []
    assert read_notices(data, warnings) == ([], None)
    assert len(warnings) == 1 and "starts afresh" in warnings[0]


UNUSABLE = {
    "rss": b"<rss><channel><item><title>x</title></item></channel></rss>",
    "an id that is no urn": b"<feed xmlns='http://www.w3.org/2005/Atom'>"
    b"<updated>2026-01-01T00:00:00Z</updated><entry><id>javascript:alert(1)</id>"
    b"<title>x</title><content>y</content><updated>2026-01-01T00:00:00Z</updated></entry></feed>",
    "no time": b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><id>urn:uuid:1</id>"
    b"<title>x</title><updated>yesterday</updated></entry></feed>",
    "no title": b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><id>urn:uuid:1</id>"
    b"<updated>2026-01-01T00:00:00Z</updated></entry></feed>",
}


@pytest.mark.parametrize("data", UNUSABLE.values(), ids=UNUSABLE.keys())
def test_entries_rallycal_could_not_have_written_are_left_out(data):
    warnings: list[str] = []
    entries, _ = read_notices(data, warnings)
    assert entries == [] and warnings == []


def test_a_damaged_feed_on_disk_is_a_warning_and_the_export_starts_afresh(published):
    source, out = published
    (out / "changes.atom").write_bytes(b"<feed>broken")
    edit(source, *OLYMPUS)
    outcome = export(source, out, EPOCH + DAY)
    assert any("changes.atom" in w and "starts afresh" in w for w in outcome.warnings)
    assert len(atom(out).entries) == 1


# -- the cap ----------------------------------------------------------------------------

TINY = """\
series: {id: tiny, name: Tiny Rally Series, short: TRS}
seasons:
  - year: 2026
    classes: [{id: open, name: Open, short: OPEN}]
    rounds:
      - id: only
        name: Only Rally
        first_day: 2026-05-08
        last_day: 2026-05-09
        venue: {town: Golden, state: Colorado, country: United States,
                timezone: America/Denver, latitude: 39.756, longitude: -105.221}
"""
DAYS = ("first_day: 2026-05-08", "first_day: 2026-05-07")


@pytest.mark.slow
def test_a_feed_past_the_cap_keeps_the_newest_entries_and_the_next_export_reads_them(tmp_path):
    source, out = tmp_path / "events.yaml", tmp_path / "dist"
    source.write_text(TINY, encoding="utf-8")
    export(source, out, EPOCH)
    for n in range(1, 61):  # the round moves back and forth: one notice each time
        source.write_text(TINY.replace(*DAYS) if n % 2 else TINY, encoding="utf-8")
        outcome = export(source, out, EPOCH + n * DAY)
        assert len(outcome.build.notices) == 1, n
    entries = atom(out).entries
    assert len(entries) == MAX_ENTRIES == 50
    assert [e.updated for e in entries] == [
        (START + timedelta(days=n)).strftime("%Y-%m-%dT%H:%M:%SZ") for n in range(60, 10, -1)
    ]
    kept = snapshot(out)
    export(source, out, EPOCH + 61 * DAY)  # nothing new: nothing rewritten
    assert snapshot(out) == kept
    source.write_text(TINY.replace(*DAYS), encoding="utf-8")
    export(source, out, EPOCH + 62 * DAY)
    again = atom(out).entries
    assert len(again) == 50
    assert again[0].updated == "2026-03-04T00:00:00Z"
    assert [e.id for e in again[1:]] == [e.id for e in entries[:49]]


def notice(n: int, size: int) -> Notice:
    return Notice(f"urn:uuid:00000000-0000-0000-0000-{n:012d}", START + timedelta(hours=n),
                  f"Notice {n}", "x" * size, None)


def test_a_feed_is_trimmed_from_the_oldest_entries_to_stay_under_a_megabyte():
    series = load(SEASON_2026).series
    newest_first = [notice(n, 100_000) for n in range(11, 0, -1)]  # 1.1 MB of text
    data, kept = changes_feed(series, newest_first, START)
    assert len(data) <= MAX_BYTES and kept == 10
    parsed = read(data)
    assert [e.title for e in parsed.entries] == [f"Notice {n}" for n in range(11, 1, -1)]
    assert parsed.feed.updated == "2026-01-01T11:00:00Z"


def test_a_single_entry_larger_than_the_cap_is_still_written():
    series = load(SEASON_2026).series
    data, kept = changes_feed(series, [notice(2, MAX_BYTES + 10), notice(1, 10)], START)
    assert kept == 1 and [e.title for e in read(data).entries] == ["Notice 2"]


def xml_char(c: str) -> bool:
    """Whether XML 1.0 (section 2.2) allows the character."""
    code = ord(c)
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or (
        code >= 0x10000
    )


def test_text_an_xml_document_cannot_hold_reads_back_replaced():
    """Every character reads back as it was, or U+FFFD where XML 1.0 allows no such
    character; line ends as LF."""
    characters = [chr(c) for c in range(0x3000)] + ["\ud800", "\udfff", "\ufffe", "\uffff",
                                                    "\U0001f3c1"]
    text = "".join(f"[{c}]" for c in characters) + "a\r\nb\rc"
    expected = "".join(
        "[" + ("\n" if c == "\r" else c if xml_char(c) else "\ufffd") + "]" for c in characters
    ) + "a\nb\nc"
    series = load(SEASON_2026).series
    data, _ = changes_feed(series, [Notice("urn:uuid:1", START, text, text, None)], START)
    warnings: list[str] = []
    [back], _ = read_notices(data, warnings)
    assert warnings == []
    assert back.text == back.title == expected
    assert len(read(data).entries) == 1
