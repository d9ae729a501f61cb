"""Each round's two pieces of the page, and the one place the page asks for them.

A round appears twice on the page: as its card (`cards.round_card`) and as its
schema.org event in the JSON-LD (`jsonld.round_event`). Each is a pure function of
small, hashable inputs, so a caller that renders the page again and again may keep
them between exports: it passes `Pieces` whose functions look a piece up by its
inputs before making it. By default each piece is made afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from rallycal.feeds import round_uid
from rallycal.model import Round, Season
from rallycal.page.cards import CardFacts, RoundFile, round_card
from rallycal.page.jsonld import EventFacts, round_event

CardMaker = Callable[[CardFacts, Round, RoundFile | None], str]
EventMaker = Callable[[EventFacts, Round, date | None], str]


@dataclass(frozen=True)
class Pieces:
    """How the page gets a round's card and its event (both made afresh by default)."""

    card: CardMaker = round_card
    event: EventMaker = round_event


FRESH = Pieces()


def season_cards(season: Season, files: Mapping[str, RoundFile], pieces: Pieces) -> list[str]:
    """The card of each round of the season, in its order."""
    facts = CardFacts.of(season)
    card = pieces.card
    return [card(facts, r, files.get(r.id)) for r in season.rounds]


def season_events(
    seasons: Sequence[Season], previous_starts: Mapping[str, date], pieces: Pieces
) -> list[str]:
    """The event of each round shown, newest season first, each season in its order.

    A round's earlier first day goes to its event only when it differs from the
    current one, so an unmoved round's event has the same inputs as before.
    """
    event = pieces.event
    events = []
    for season in reversed(seasons):
        facts = EventFacts.of(season)
        for r in season.rounds:
            before = previous_starts.get(round_uid(season, r)) if previous_starts else None
            events.append(event(facts, r, before if before != r.first_day else None))
    return events
