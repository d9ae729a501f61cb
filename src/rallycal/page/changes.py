"""The latest changes to the calendar, as the changes feed (`changes.atom`) words them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from rallycal.page.markup import Markup, tag
from rallycal.wording import day

SHOWN = 5  # the page shows the newest few; the feed keeps more
FEED = "changes.atom"


class Change(NamedTuple):
    """One change subscribers should hear about: when it was published, and what it was."""

    when: date  # a datetime works too: the page shows its day
    text: str  # plain words, such as "Olympus Rally moved to Fri 24 – Sun 26 Apr 2026"


def latest_changes(changes: Sequence[Change] | None) -> Markup | None:
    """The newest changes (given newest first) and their feed; nothing when there is no feed."""
    if changes is None:
        return None
    follow = tag(
        "p",
        tag("a", "Follow changes", href=FEED, type="application/atom+xml"),
        " in a news reader: every round that moves, is postponed or is cancelled, "
        "as soon as it is published.",
    )
    if not changes:
        return Markup(tag("p", "No changes since the calendar was first published.") + follow)
    items = (
        tag(
            "li",
            tag("time", day(_day(c.when)), datetime=_day(c.when).isoformat()),
            " ",
            c.text,
        )
        for c in changes[:SHOWN]
    )
    return Markup(tag("ul", *items, class_="changes") + follow)


def _day(value: date) -> date:
    return date(value.year, value.month, value.day)
