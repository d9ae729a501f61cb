"""The changes feed, `changes.atom`: what fans hear, read back by feedparser (an
independent Atom reader), stable across re-exports, and never broken by a damaged file."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import feedparser
import pytest
from support import EPOCH, GOLDEN_SEASON, SEASON_2026, copy_source, export, snapshot

from rallycal.build import EventChange, build
from rallycal.changes import (
    _NOT_XML,
    MAX_BYTES,
    MAX_ENTRIES,
    _clean,
    changes_feed,
    read_changes,
    sentences,
)
from rallycal.history import Difference, read_publication
from rallycal.manifest import read_manifest
from rallycal.source import load

OLYMPUS = ("first_day: 2026-04-17\n        last_day: 2026-04-19",
           "first_day: 2026-04-24\n        last_day: 2026-04-26")
DAY = 86400


def edit(source: Path, old: str, new: str) -> None:
    text = source.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    source.write_text(text.replace(old, new), encoding="utf-8")


def read(out: Path) -> feedparser.FeedParserDict:
    """The changes feed as feedparser reads it, which must find nothing wrong."""
    parsed = feedparser.parse((out / "changes.atom").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


@pytest.fixture
def published(tmp_path: Path) -> tuple[Path, Path]:
    """The 2026 fixture season, exported once: the source and the output folder."""
    source = copy_source(tmp_path)
    out = tmp_path / "dist"
    export(source, out)
    return source, out


def test_a_first_publication_starts_an_empty_feed(published):
    _, out = published
    feed = read(out)
    assert feed.entries == []  # news to nobody: nobody has subscribed yet
    assert feed.feed.updated == "2026-01-01T00:00:00Z"
    assert feed.feed.id.startswith("urn:uuid:")
    manifest = json.loads((out / "feeds.json").read_bytes())
    assert manifest["changes"] == "changes.atom"
    assert "changes.atom" in manifest["files"]


def test_a_moved_round_is_named_with_its_old_and_new_days(published):
    source, out = published
    edit(source, *OLYMPUS)
    export(source, out, EPOCH + DAY)
    feed = read(out)
    assert len(feed.entries) == 1
    newest = feed.entries[0]
    assert newest.title == (
        "Olympus Rally moved from Fri 17 – Sun 19 Apr 2026 to Fri 24 – Sun 26 Apr 2026."
    )
    assert newest.summary == newest.title  # one change: one sentence, nothing else
    assert newest.updated == "2026-01-02T00:00:00Z"
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Olympus Rally moved from Fri 17 – Sun 19 Apr 2026 to Fri 24 – Sun 26 Apr 2026." in page
    assert 'href="changes.atom"' in page


def test_an_unchanged_export_adds_nothing_and_changes_no_byte(published):
    source, out = published
    edit(source, *OLYMPUS)
    export(source, out, EPOCH + DAY)
    before = snapshot(out)
    export(source, out, EPOCH + 2 * DAY)  # the inputs' fingerprint: nothing to do
    assert snapshot(out) == before
    # Built again for real, at a later time, from the folder as published: the same bytes.
    manifest = read_manifest((out / "feeds.json").read_bytes())
    result = build(load(source), read_publication(out, manifest),
                   datetime.fromtimestamp(EPOCH + 3 * DAY, timezone.utc), "x")
    for path in ("changes.atom", "index.html", "all.ics"):
        assert result.files[path] == before[path], path


def test_ids_and_times_of_published_entries_never_change(published):
    source, out = published
    edit(source, *OLYMPUS)
    export(source, out, EPOCH + DAY)
    first = read(out).entries[0]
    edit(source, "name: Olympus Rally", "name: Olympus Rally of Washington")
    export(source, out, EPOCH + 2 * DAY)
    entries = read(out).entries
    assert len(entries) == 2
    assert (entries[1].id, entries[1].updated) == (first.id, "2026-01-02T00:00:00Z")
    assert entries[0].updated == "2026-01-03T00:00:00Z"
    assert entries[0].title == "Olympus Rally is now called Olympus Rally of Washington."
    assert len({e.id for e in entries}) == 2


def test_a_base_url_re_export_adds_nothing_but_absolute_links(published):
    source, out = published
    edit(source, *OLYMPUS)
    export(source, out, EPOCH + DAY)
    before = read(out)
    assert len(before.entries) == 1
    export(source, out, EPOCH + 2 * DAY, base_url="https://example.org/ara/")
    after = read(out)
    assert [(e.id, e.title, e.updated) for e in after.entries] == [
        (e.id, e.title, e.updated) for e in before.entries
    ]
    links = {link.rel: link.href for link in after.feed.links}
    assert links == {"self": "https://example.org/ara/changes.atom",
                     "alternate": "https://example.org/ara/index.html"}
    assert after.entries[0].link == "https://example.org/ara/index.html"
    assert not before.feed.get("links")  # no base URL: no relative links to guess from


def test_cancelled_and_renamed_rounds_and_a_removed_one(published):
    source, out = published
    text = source.read_text(encoding="utf-8")
    olympus = text.index("      - id: olympus")
    source.write_text(
        text[:olympus] + text[olympus:].replace("        first_day:", "        status: cancelled\n"
                                                "        first_day:", 1),
        encoding="utf-8",
    )
    edit(source, "name: Sno*Drift Rally", "name: Sno*Drift Rally of Michigan")
    export(source, out, EPOCH + DAY)
    newest = read(out).entries[0]
    lines = newest.summary.split("\n")
    assert "Olympus Rally is now cancelled (was confirmed)." in lines
    assert "Sno*Drift Rally is now called Sno*Drift Rally of Michigan." in lines
    assert newest.title == " ".join(lines)  # a few changes: all of them in the title


def test_a_new_season_is_announced(tmp_path):
    source = copy_source(tmp_path)
    out = tmp_path / "dist"
    export(source, out)
    text = source.read_text(encoding="utf-8")
    season = text[text.index("  - year: 2026"):]  # the last season runs to the file's end
    season = season.replace("year: 2026", "year: 2027", 1).replace("2026-", "2027-")
    source.write_text(text.rstrip("\n") + "\n" + season, encoding="utf-8")
    export(source, out, EPOCH + DAY)
    newest = read(out).entries[0]
    assert newest.summary.startswith("The 2027 calendar is published: 8 rounds.")


# -- the feed on its own ---------------------------------------------------------------


def championship():
    return load(SEASON_2026)


def moved(n: int) -> EventChange:
    """A change to Olympus Rally's days, as the build reports it."""
    days = Difference("days", f"Fri {n} Apr 2026", f"Sat {n + 1} Apr 2026")
    return EventChange("ara.2026.olympus@rallycal", "changed", "ARA R3: Olympus Rally",
                       ("all.ics",), "2026/olympus", (days,))


def test_the_last_fifty_entries_are_kept_newest_first():
    data = None
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for n in range(MAX_ENTRIES + 5):
        feed = changes_feed(championship(), data, [moved(n)], start + timedelta(hours=n))
        assert feed.warning is None
        data = feed.data
    parsed = feedparser.parse(data)
    assert not parsed.bozo
    assert len(parsed.entries) == MAX_ENTRIES
    assert parsed.entries[0].title.startswith(f"Olympus Rally moved from Fri {MAX_ENTRIES + 4} ")
    assert parsed.entries[-1].title.startswith("Olympus Rally moved from Fri 5 ")
    assert parsed.feed.updated == parsed.entries[0].updated


def test_details_class_team_and_reminder_events_add_nothing():
    details = EventChange("ara.2026.olympus@rallycal", "changed", "t", (), "2026/olympus",
                          (Difference("details", None, None),))
    team = EventChange("ara.2026.olympus.team.x@rallycal", "changed", "t", (), "2026/olympus",
                       moved(1).differences)
    reminders = EventChange("ara.2026.olympus.reminders@rallycal", "changed", "t", (),
                            "2026/olympus", moved(1).differences)
    first = changes_feed(championship(), None, [], datetime(2026, 1, 1, tzinfo=timezone.utc))
    again = changes_feed(championship(), first.data, [details, team, reminders],
                         datetime(2026, 2, 1, tzinfo=timezone.utc))
    assert again.entries == () and again.data == first.data
    assert not feedparser.parse(first.data).bozo


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"not xml at all",
        b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><entry>",  # cut short
        b"<rss><channel/></rss>",
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        b"<feed xmlns='http://www.w3.org/2005/Atom'>&lol2;</feed>",
        b"<feed xmlns='http://www.w3.org/2005/Atom'><updated>2026-01-01T00:00:00Z</updated>"
        b"<entry><id>javascript:alert(1)</id><title>x</title><content>y</content>"
        b"<updated>2026-01-01T00:00:00Z</updated></entry></feed>",
        b"<feed xmlns='http://www.w3.org/2005/Atom'><updated>yesterday</updated></feed>",
        "<feed xmlns='http://www.w3.org/2005/Atom'>\u00e9</feed>".encode("latin-1"),
        b"<a>" * 100_000,
        b" " * (MAX_BYTES + 1),
    ],
)
def test_a_damaged_feed_starts_afresh_with_a_warning(damage):
    entries, _, problem = read_changes(damage)
    assert entries == [] and problem
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    feed = changes_feed(championship(), damage, [moved(1)], now)
    assert feed.warning and "starts afresh" in feed.warning
    assert len(feed.entries) == 1
    assert not feedparser.parse(feed.data).bozo


def test_a_damaged_feed_on_disk_is_a_warning_of_the_export(published):
    source, out = published
    (out / "changes.atom").write_bytes(b"<feed>broken")
    edit(source, *OLYMPUS)
    outcome = export(source, out, EPOCH + DAY)
    assert any("changes.atom" in w and "starts afresh" in w for w in outcome.warnings)
    assert len(read(out).entries) == 1


def test_text_from_the_source_stays_text(tmp_path):
    source = copy_source(tmp_path)
    out = tmp_path / "dist"
    export(source, out)
    edit(source, "name: Olympus Rally", 'name: "Olympus </title><script>x</script> & ]]>"')
    export(source, out, EPOCH + DAY)
    newest = read(out).entries[0]
    assert newest.title == "Olympus Rally is now called Olympus </title><script>x</script> & ]]>."
    assert b"<script>" not in (out / "changes.atom").read_bytes()


def test_timed_items_removals_and_archives_in_plain_words():
    golden = load(GOLDEN_SEASON)
    item = EventChange(
        "demo.2026.winter.item.shakedown@rallycal", "changed", "t", (), "2026/winter/shakedown",
        (Difference("time", "2026-03-07 14:30 UTC – 2026-03-07 17:00 UTC",
                    "2026-03-07 15:30 UTC – 2026-03-07 18:00 UTC"),),
    )
    gone = EventChange("demo.2026.gone@rallycal", "removed", "DRS R4: Gone Rally", (),
                       "2026/gone")
    archived = [EventChange(f"demo.2026.{r}@rallycal", "archived", "t", (), f"2026/{r}")
                for r in ("winter", "autumn")]
    said, names = sentences(golden, [item, gone, *archived])
    assert [sentence for sentence, _ in said] == [
        'Winter Rally, Part 1; "Snow" \\ Ice: Shakedown moved from Sat 7 Mar 2026, 09:30–12:00 '
        "to Sat 7 Mar 2026, 10:30–13:00 (local time).",  # EST at the venue
        "Gone Rally was taken off the calendar.",
        "The 2026 season has left the whole-season calendars; it stays complete in "
        "2026/all.ics.",
    ]
    assert names == ['Winter Rally, Part 1; "Snow" \\ Ice', "Gone Rally"]


def test_text_is_cleaned_as_the_pattern_says_whatever_the_text():
    """Printable text skips the substitution: the result is the substitution's all the same."""
    characters = [chr(c) for c in range(0x3000)] + ["\ud800", "\udfff", "\ufffe", "\uffff"]
    for c in characters:
        for text in (c, f"ab{c}d", f"a\r\n\tb{c}\r"):
            expected = re.sub(_NOT_XML, "\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))
            assert _clean(text) == expected, ascii(text)
