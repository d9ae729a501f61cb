"""What an export did, said for people (a table and a change report) and for machines (JSON),
and the size budget every feed is held to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rallycal.publish import Outcome

if TYPE_CHECKING:  # a type only: the build is not imported on the no-op path
    from rallycal.build import EventChange


def changes_by_subject(changes: list[EventChange]) -> list[list[EventChange]]:
    """Changes grouped by the round or schedule item they are about and their kind, in
    first-seen order."""
    groups: dict[str, list[EventChange]] = {}
    for change in changes:
        groups.setdefault(f"{change.subject} {change.kind}", []).append(change)
    return list(groups.values())


FEED_BUDGET = 512 * 1024  # bytes; Google Calendar stops reading a subscribed feed near 1 MB


def size_warnings(sizes: Mapping[str, int], budget: int | None = None) -> list[str]:
    """One warning per feed (path -> bytes) past the budget, the biggest first."""
    limit = FEED_BUDGET if budget is None else budget
    over = sorted(((size, path) for path, size in sizes.items() if size > limit), reverse=True)
    return [
        f"{path} is {_kib(size)}, past the {_kib(limit)} budget for a feed: Google Calendar "
        "stops reading subscribed feeds around 1 MB; keep fewer seasons in the stable feeds "
        "(window: under series:) or fewer schedule items"
        for size, path in over
    ]


def _kib(size: int) -> str:
    return f"{size / 1024:,.0f} KiB"


def change_lines(outcome: Outcome) -> list[str]:
    """One line per round or item that changed for subscribers, then per-feed removals.

    Where the source holds several seasons, each title names its season: the same
    rally recurs from year to year under the same title.
    """
    lines = []
    years = {change.subject.split("/", 1)[0] for change in outcome.changes}
    several = len(years) > 1 or bool(outcome.championship and len(outcome.championship.seasons) > 1)
    for group in changes_by_subject(outcome.changes):
        first = group[0]
        if several:
            year = first.subject.split("/", 1)[0]
            group = [change._replace(title=f"{change.title} ({year})") for change in group]
            first = group[0]
        feeds = sorted({path for change in group for path in change.feeds})
        where = feeds[0] if len(feeds) == 1 else f"{len(feeds)} feeds"
        if first.kind == "archived":
            lines.append(_archived(group))
        elif first.kind == "changed":
            details = []
            for difference in first.differences:
                if difference.old is None and difference.new is None:
                    details.append(f"{difference.what} changed")
                else:
                    details.append(f"{difference.what}: {difference.old} -> {difference.new}")
            text = "; ".join(details) or "details changed"
            lines.append(f"changed  {first.title}: {text} (in {where})")
        else:
            lines.append(f"{first.kind:<8} {first.title} (in {where})")
    for removal in outcome.removals:
        if removal.uid is None:
            lines.append(f"removed  feed {removal.path}")
        elif any(c.uid == removal.uid and c.kind == "removed" for c in outcome.changes):
            continue
        else:
            lines.append(f"removed  {removal.title} from {removal.path}")
    return lines


def _archived(group: list[EventChange]) -> str:
    """A round (or item) that left the stable feeds: where it now lives, its season's
    `all.ics` first."""
    plain = min(group, key=lambda change: len(change.uid))  # the event of every feed
    feeds = sorted({path for change in group for path in change.feeds})
    feeds.sort(key=lambda path: (not path.endswith("/all.ics"), path))
    where = feeds[0] if feeds else "its archive"
    more = len(feeds) - 1
    if more > 0:
        where += f" and {more} more archive feed{'s' if more != 1 else ''}"
    return f"archived {plain.title}: now in {where} (left the stable feeds)"


def table_lines(outcome: Outcome) -> list[str]:
    """The feeds with their event counts and what happened to each file."""
    state = dict.fromkeys(outcome.written, "written")
    state.update(dict.fromkeys(outcome.unchanged, "unchanged"))
    rows = [(f.path, str(f.events), state.get(f.path, "")) for f in outcome.feeds]
    feeds = {f.path for f in outcome.feeds}
    rows += [(path, "", state[path]) for path in sorted(state) if path not in feeds]
    rows += [(path, "", "removed") for path in outcome.removed]
    width = max([len(r[0]) for r in rows] + [4])
    lines = [f"{'file':<{width}}  {'events':>6}  status"]
    lines += [f"{path:<{width}}  {events:>6}  {status}" for path, events, status in rows]
    totals = (len(outcome.written), len(outcome.unchanged), len(outcome.removed))
    lines.append("{} written, {} unchanged, {} removed in {}".format(*totals, outcome.out_dir))
    return lines


def as_json(outcome: Outcome, *, warnings: list[str] | None = None) -> dict[str, Any]:
    """Everything above, for CI; `warnings` replaces the export's own (the command line
    adds its own to them)."""
    return {
        "out": outcome.out_dir,
        "stale": outcome.stale,
        "written": outcome.written,
        "unchanged": outcome.unchanged,
        "removed": outcome.removed,
        "feeds": [feed.as_json() for feed in outcome.feeds],
        "changes": [
            {
                "uid": c.uid,
                "change": c.kind,
                "title": c.title,
                "feeds": list(c.feeds),
                "differences": [
                    {"what": d.what, "old": d.old, "new": d.new} for d in c.differences
                ],
            }
            for c in outcome.changes
        ],
        "refused": outcome.refused,
        "warnings": outcome.warnings if warnings is None else warnings,
        "removals": [
            {"path": r.path, "uid": r.uid, "title": r.title} for r in outcome.removals
        ],
    }
