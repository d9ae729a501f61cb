"""What an export did, said for people (a table and a change report) and for machines
(JSON), and the size budget every feed is held to."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from rallycal.export import Outcome
from rallycal.model import Championship
from rallycal.publication import Difference, EventChange
from rallycal.render.news import gone_label, local_span, round_label

FEED_BUDGET = 512 * 1024  # bytes; Google Calendar stops reading a subscribed feed near 1 MB
WIDTH = 100  # a difference's old and new values are cut to this many characters


def size_warnings(outcome: Outcome, budget: int = FEED_BUDGET) -> list[str]:
    """One warning per feed past the budget, the biggest first."""
    sizes = [(len(outcome.build.files[feed.path]), feed.path) for feed in outcome.build.feeds]
    return [
        f"{path} is {_kib(size)}, past the {_kib(budget)} budget for a feed: Google Calendar "
        "stops reading subscribed feeds around 1 MB; keep fewer seasons in the stable feeds "
        "(window: under series:) or fewer schedule items"
        for size, path in sorted(sizes, reverse=True)
        if size > budget
    ]


def _kib(size: int) -> str:
    return f"{size / 1024:,.0f} KiB"


def change_lines(outcome: Outcome) -> list[str]:
    """One line per round or timed item that changed for subscribers, naming it with its
    season's year and days, and under it what changed, in the words of events.yaml."""
    lines = []
    groups: dict[str, list[EventChange]] = {}
    for change in outcome.build.changes:
        about = change.about
        key = f"{about[0]}/{about[1]}/{about[2]}" if about else change.uid
        groups.setdefault(f"{key} {change.kind}", []).append(change)
    for group in groups.values():
        first = group[0]
        name = _name(outcome.championship, first)
        feeds = sorted({path for change in group for path in change.feeds})
        where = ", ".join(feeds) if len(feeds) <= 3 else f"{len(feeds)} feeds"
        if first.kind == "archived":
            lines.append(_archived(name, feeds))
            continue
        lines.append(f"{first.kind:<8} {name} (in {where})")
        if first.kind == "changed":
            lines += [f"           {line}" for line in _differences(outcome.championship, group)]
    for removal in outcome.build.removals:
        if removal.uid is None:
            lines.append(f"removed  feed {removal.path}")
    return lines


def _name(championship: Championship, change: EventChange) -> str:
    """The round (and timed item) as fans know it: `Olympus Rally, Fri 17 – Sun 19 Apr
    2026 (2026 round 3)`; a round no longer in the source by its last title and year."""
    about = change.about
    if about is None:
        return change.title
    year, round_id, item_id = about
    round_ = championship.round_of(year, round_id)
    if round_ is None:
        return gone_label(change)
    item = next((i for i in round_.schedule if i.id == item_id), None)
    label = round_label(year, round_)
    return f"{item.name} of {label}" if item else label


def _differences(championship: Championship, group: list[EventChange]) -> list[str]:
    """Each thing that changed once, whichever of the round's events says it."""
    seen: dict[str, Difference] = {}
    for change in group:
        for difference in change.differences:
            seen.setdefault(difference.what, difference)
    zone = _zone(championship, group[0])
    lines = []
    for what, difference in seen.items():
        old, new = difference.old, difference.new
        if what == "times" and zone is not None:
            old, new = local_span(old, zone) or old, local_span(new, zone) or new
        if old is None and new is None:
            lines.append(f"{what}: changed (the published text could not be read)")
        else:
            lines.append(f"{what}: {_cut(old)} -> {_cut(new)}")
    return lines


def _zone(championship: Championship, change: EventChange) -> ZoneInfo | None:
    about = change.about
    round_ = championship.round_of(*about[:2]) if about else None
    return ZoneInfo(round_.venue.timezone) if round_ else None


def _cut(value: str | None) -> str:
    if value is None:
        return "(none)"
    return value if len(value) <= WIDTH else value[: WIDTH - 1] + "…"


def _archived(name: str, feeds: list[str]) -> str:
    """A round that left the stable feeds: where it now lives, its season's all.ics first."""
    feeds = sorted(feeds, key=lambda path: (not path.endswith("/all.ics"), path))
    where = feeds[0] if feeds else "its archive"
    if len(feeds) > 1:
        more = len(feeds) - 1
        where += f" and {more} more archive feed{'s' if more != 1 else ''}"
    return f"archived {name}: now in {where} (left the stable feeds)"


def table_lines(outcome: Outcome) -> list[str]:
    """The files with their event counts and what happened to each."""
    state = dict.fromkeys(outcome.written, "written")
    state.update(dict.fromkeys(outcome.unchanged, "unchanged"))
    counts = {feed.path: str(len(feed.entries)) for feed in outcome.build.feeds}
    rows = [(path, counts.get(path, ""), status) for path, status in state.items()]
    rows.sort(key=lambda row: (row[0] not in counts, list(outcome.build.files).index(row[0])))
    rows += [(path, "", "removed") for path in outcome.removed]
    width = max([len(row[0]) for row in rows] + [4])
    lines = [f"{'file':<{width}}  {'events':>6}  status"]
    lines += [f"{path:<{width}}  {events:>6}  {status}" for path, events, status in rows]
    totals = (len(outcome.written), len(outcome.unchanged), len(outcome.removed))
    lines.append("{} written, {} unchanged, {} removed in {}".format(*totals, outcome.out_dir))
    return lines


def as_json(outcome: Outcome, warnings: list[str]) -> dict[str, Any]:
    """Everything above, for CI."""
    return {
        "out": outcome.out_dir,
        "stale": outcome.stale,
        "pending": outcome.pending,
        "written": outcome.written,
        "unchanged": outcome.unchanged,
        "removed": outcome.removed,
        "feeds": [
            {"path": feed.path, "kind": feed.kind, "id": feed.id, "title": feed.title,
             "season": feed.season, "reminders": feed.reminders, "events": len(feed.entries)}
            for feed in outcome.build.feeds
        ],
        "changes": [
            {
                "uid": c.uid,
                "change": c.kind,
                "title": c.title,
                "round": _name(outcome.championship, c),
                "feeds": list(c.feeds),
                "differences": [
                    {"what": d.what, "old": d.old, "new": d.new} for d in c.differences
                ],
            }
            for c in outcome.build.changes
        ],
        "notices": [
            {"title": n.title, "text": n.text, "link": n.link} for n in outcome.build.notices
        ],
        "refused": outcome.refused,
        "warnings": warnings,
        "removals": [
            {"path": r.path, "uid": r.uid, "title": r.title} for r in outcome.build.removals
        ],
    }
