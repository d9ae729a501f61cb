"""One round's card on the page: a pure function of the round and the few facts it uses.

A season can hold thousands of rounds, so a card is written directly as text rather
than through `markup.tag`, with every value from the source escaped where it is
placed (`html.escape` escapes `&`, `<`, `>`, `"` and `'`, so one escape suits both
text and attribute values). The facts of the season a card uses are worked out once
per season (`CardFacts`); a card depends on those, its round and its own file
(`RoundFile`) only, so the same three give the same text and a caller may keep it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from rallycal.agenda import can_be_next
from rallycal.feeds import Feed
from rallycal.model import STATUSES, RallyClass, Round, Season
from rallycal.page.markup import escape, is_web_address, swatch
from rallycal.page.ways import download_link
from rallycal.wording import STATUS_LABELS, day_span


class RoundFile(NamedTuple):
    """A round's own file, as its card links to it: the path and the feed's title."""

    path: str
    title: str

    @classmethod
    def of(cls, feed: Feed) -> RoundFile:
        return cls(feed.path, feed.title)


@dataclass(frozen=True)
class CardFacts:
    """What a round's card uses of its season: the year, the series' colour, the classes.

    Compared and hashed by these three values only; the escaped pieces every card of
    the season shares are made from them once.
    """

    year: int
    color: str | None  # the series' colour: the card's left edge
    classes: tuple[RallyClass, ...]
    _every: frozenset[str] = field(init=False, repr=False, compare=False)
    _chips: dict[str, str] = field(init=False, repr=False, compare=False)
    _opening: dict[str, str] = field(init=False, repr=False, compare=False)

    @classmethod
    def of(cls, season: Season) -> CardFacts:
        return cls(season.year, season.series.color, season.classes)

    def __post_init__(self) -> None:
        edge = swatch(self.color)
        chips = {
            c.id: f'<li class="{escape(swatch(c.color))}"><abbr title="{escape(c.name)}">'
            f"{escape(c.short)}</abbr></li>"
            for c in self.classes
        }
        opening = {
            status: f'class="{escape(f"card round {status} {edge}")}"' for status in STATUSES
        }
        object.__setattr__(self, "_every", frozenset(c.id for c in self.classes))
        object.__setattr__(self, "_chips", chips)
        object.__setattr__(self, "_opening", opening)

    def opening(self, status: str) -> str:
        """The class attribute of a card of that status."""
        return self._opening[status]

    def chips(self, round_: Round) -> str:
        """The classes that run the round, only where not all of the season's classes do."""
        if frozenset(round_.classes) == self._every:
            return ""
        chips = "".join([self._chips[c] for c in round_.classes])
        return f'<ul class="chips" aria-label="Classes">{chips}</ul>'


def anchor(year: int, round_id: str) -> str:
    """The id of a round's card: round ids recur from season to season, years do not."""
    return f"round-{year}-{round_id}"


def round_card(facts: CardFacts, round_: Round, file: RoundFile | None) -> str:
    """The `<li>` of one round: its number, status, name, days, place, classes and links.

    Depends on `facts`, `round_` and `file` and on nothing else.
    """
    status = round_.status
    data = ""
    if can_be_next(round_):  # script.js marks the next round from these
        data = (
            f' data-first="{round_.first_day.isoformat()}"'
            f' data-last="{round_.last_day.isoformat()}"'
        )
    label = ""
    if status != "confirmed":  # the status only where it is news
        label = (
            f'<span class="status status-{escape(status)}">{escape(STATUS_LABELS[status])}</span>'
        )
    notes = f'<p class="muted">{escape(round_.notes)}</p>' if round_.notes else ""
    link = ""
    if is_web_address(round_.url):
        text = escape(f"{round_.name}: the rally's own page")
        link = f'<p><a href="{escape(round_.url or "")}">{text}</a></p>'
    own = ""
    if file is not None:
        own = f'<div class="round-file">{download_link(file.path, file.title)}</div>'
    return (
        f'<li id="{escape(anchor(facts.year, round_.id))}" {facts.opening(status)}{data}>'
        f'<div class="round-head"><span class="number">Round {round_.number}</span>{label}</div>'
        f"<h3>{escape(round_.name)}</h3>"
        '<p class="mark" hidden></p>'
        f'<p class="when">{escape(day_span(round_.first_day, round_.last_day))}</p>'
        f'<p class="where">{escape(round_.venue.place)}</p>'
        f"{facts.chips(round_)}{notes}{link}{own}</li>"
    )
