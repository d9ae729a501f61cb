"""What an export did, as the terminal and `--json` say it (`rallycal.report`)."""

from __future__ import annotations

import json

from rallycal.build import ChangeKind, EventChange, Removal
from rallycal.history import Difference
from rallycal.manifest import PublishedFeed
from rallycal.publish import Outcome
from rallycal.report import as_json, change_lines, changes_by_subject, table_lines


def feed(path: str, events: int) -> PublishedFeed:
    return PublishedFeed("all", "all", "Demo", path, None, None, events, "0" * 64,
                         "2026-01-01T00:00:00Z")


def change(uid: str, kind: ChangeKind, subject: str, *feeds: str, **more) -> EventChange:
    return EventChange(uid, kind, f"title of {uid}", feeds, subject, **more)


MOVED = change(
    "2026-winter@demo", "changed", "2026/winter", "all.ics", "class/open.ics",
    differences=(Difference("days", "Fri 6 – Sat 7 Feb 2026", "Sat 7 – Sun 8 Feb 2026"),
                 Difference("details", None, None)),
)
ITEM = change("2026-winter-leg-1@demo", "changed", "2026/winter/leg-1", "all.ics")
ADDED = change("2026-spring@demo", "added", "2026/spring", "all.ics")
MOVED_IN_A_TEAM_FEED = change(
    "2026-winter@demo", "changed", "2026/winter", "team/red.ics",
    differences=MOVED.differences,
)


def outcome(**fields) -> Outcome:
    return Outcome("dist", (feed("all.ics", 3), feed("class/open.ics", 2)), **fields)


def test_changes_are_grouped_by_round_or_item_in_first_seen_order():
    groups = changes_by_subject([MOVED, ITEM, ADDED, MOVED_IN_A_TEAM_FEED])
    assert groups == [[MOVED, MOVED_IN_A_TEAM_FEED], [ITEM], [ADDED]]


def test_change_lines_say_what_changed_and_where():
    result = outcome(
        changes=[MOVED, ITEM, ADDED, MOVED_IN_A_TEAM_FEED],
        removals=[Removal("team/blue.ics"), Removal("all.ics", "2026-autumn@demo", "Autumn")],
    )
    assert change_lines(result) == [
        "changed  title of 2026-winter@demo: days: Fri 6 – Sat 7 Feb 2026 -> "
        "Sat 7 – Sun 8 Feb 2026; details changed (in 3 feeds)",
        "changed  title of 2026-winter-leg-1@demo: details changed (in all.ics)",
        "added    title of 2026-spring@demo (in all.ics)",
        "removed  feed team/blue.ics",
        "removed  Autumn from all.ics",
    ]


def test_a_removed_event_is_said_once():
    gone = change("2026-autumn@demo", "removed", "2026/autumn", "all.ics")
    result = outcome(changes=[gone], removals=[Removal("all.ics", gone.uid, "Autumn")])
    assert change_lines(result) == ["removed  title of 2026-autumn@demo (in all.ics)"]


def test_the_table_lists_every_file_with_its_events_and_state():
    result = outcome(written=["all.ics", "index.html"], unchanged=["class/open.ics", "feeds.json"],
                     removed=["team/blue.ics"])
    assert table_lines(result) == [
        "file            events  status",
        "all.ics              3  written",
        "class/open.ics       2  unchanged",
        "feeds.json              unchanged",
        "index.html              written",
        "team/blue.ics           removed",
        "2 written, 2 unchanged, 1 removed in dist",
    ]


def test_json_holds_everything_and_is_serialisable():
    result = outcome(written=["all.ics"], changes=[MOVED], warnings=["big"],
                     removals=[Removal("team/blue.ics")], refused=True)
    data = as_json(result)
    assert json.loads(json.dumps(data)) == data
    assert (data["out"], data["stale"], data["refused"], data["warnings"]) == (
        "dist", True, True, ["big"])
    assert data["written"] == ["all.ics"] and data["unchanged"] == data["removed"] == []
    assert [f["path"] for f in data["feeds"]] == ["all.ics", "class/open.ics"]
    assert data["changes"] == [{
        "uid": "2026-winter@demo",
        "change": "changed",
        "title": "title of 2026-winter@demo",
        "feeds": ["all.ics", "class/open.ics"],
        "differences": [
            {"what": "days", "old": "Fri 6 – Sat 7 Feb 2026", "new": "Sat 7 – Sun 8 Feb 2026"},
            {"what": "details", "old": None, "new": None},
        ],
    }]
    assert data["removals"] == [{"path": "team/blue.ics", "uid": None, "title": ""}]
    assert as_json(outcome())["stale"] is False
