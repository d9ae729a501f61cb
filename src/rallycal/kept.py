"""The page's round pieces kept from one export to the next.

Each round is on the page twice, as its card and as its schema.org event, each a pure
function of the round and a few facts of its season (`rallycal.page.pieces`). At
10,000 rounds making them is most of the page's cost, so an export records where each
piece sits in the page it wrote, under the key of its inputs (`Digests.piece`); the
next export, once that page hashes as recorded, takes every piece whose key it finds
from those bytes instead of making it again. The page is the same, byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from rallycal.keys import Digests
from rallycal.model import Round
from rallycal.page import Pieces
from rallycal.page.cards import CardFacts, RoundFile, round_card
from rallycal.page.jsonld import EventFacts, round_event


class KeptPieces:
    """The page's makers of cards and events, each piece taken from `old` by its key when
    there, and every piece made or taken remembered in order (`spans`)."""

    def __init__(self, digests: Digests, old: Mapping[str, str]) -> None:
        self._digests = digests
        self._old = old
        self._used: list[tuple[str, str]] = []  # (key, piece) in the order asked for
        self.pieces = Pieces(card=self._card, event=self._event)

    def _card(self, facts: CardFacts, round_: Round, file: RoundFile | None) -> str:
        key = self._digests.piece("card", round_, repr(file))
        return self._kept(key) or self._use(key, round_card(facts, round_, file))

    def _event(self, facts: EventFacts, round_: Round, before: date | None) -> str:
        key = self._digests.piece("event", round_, repr(before))
        return self._kept(key) or self._use(key, round_event(facts, round_, before))

    def _kept(self, key: str | None) -> str | None:
        piece = self._old.get(key) if key is not None else None
        return self._use(key, piece) if piece is not None else None

    def _use(self, key: str | None, piece: str) -> str:
        if key is not None:
            self._used.append((key, piece))
        return piece

    def spans(self, page: bytes) -> str:
        """Where each piece sits in `page`: `key start end` lines, in the page's order."""
        lines = []
        at = 0
        for key, piece in self._used:
            data = piece.encode()
            start = page.find(data, at)
            if start < 0:  # not in this order: left out, made again next time
                continue
            at = start + len(data)
            lines.append(f"{key} {start} {at}")
        return "\n".join(lines)


def pieces_in(page: bytes, spans: str) -> dict[str, str]:
    """The pieces `spans` says are in `page`, by key (none that does not decode)."""
    found = {}
    for line in spans.split("\n") if spans else ():
        try:
            key, start, end = line.split(" ")
            found[key] = page[int(start) : int(end)].decode()
        except ValueError:  # also UnicodeDecodeError
            continue
    return found
