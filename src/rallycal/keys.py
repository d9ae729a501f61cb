"""The keys of events and feeds: digests of everything each is made from.

An event's text is a pure function of its inputs: the facts of its season it can use
(the series, the year, how many rounds, the classes and teams), its round, its UID
(which names its class, team or schedule item), whether it has reminders, and the
code and time-zone data that render it (`fingerprint.environment`). `Digests.entries`
keys each event by exactly those (its UID aside); a feed's key (`Digests.feed`) covers
what its calendar properties are rendered from and each of its events' UID and key,
so that one comparison tells an unchanged feed. A text
that starts to depend on anything else must add it here: the tests compare
incremental exports with fresh ones after many random edits, so a forgotten input
fails them.
"""

from __future__ import annotations

import hashlib

from rallycal.feeds import Entry, Feed
from rallycal.model import Round, Season, Series


class Digests:
    """The input digests of entries and feed headers, each fact hashed once per build."""

    def __init__(self, environment: str) -> None:
        self.environment = environment
        self._seasons: dict[int, str] = {}
        self._rounds: dict[int, str] = {}  # by the id() of rounds the build holds
        self._series: dict[int, str] = {}
        self._joined: dict[int, tuple[tuple[Entry, ...], str]] = {}  # by entries' id()

    def entries(self, entries: tuple[Entry, ...]) -> list[str]:
        """The key of each entry's event: its round's digest, and whether it has alarms.

        With the UID, that is everything the event is rendered from."""
        rounds = self._rounds
        for entry in entries:
            if id(entry.round) not in rounds:
                rounds[id(entry.round)] = _digest(self._season(entry.season), _round(entry.round))
        return [rounds[id(e.round)] + "+" if e.reminders else rounds[id(e.round)] for e in entries]

    def feed(self, series: Series, feed: Feed) -> str:
        """The key of a whole feed: everything its calendar properties are rendered from,
        and each of its events' UID and key, in order."""
        facts = self._series.get(id(series))
        if facts is None:
            facts = self._series[id(series)] = _digest(self.environment, repr(series))
        entries = feed.entries
        joined = self._joined.get(id(entries))  # an archive shares its season's entries
        if joined is None or joined[0] is not entries:
            uids = "\n".join([entry.uid for entry in entries])
            joined = entries, uids + "\0" + "\n".join(self.entries(entries))
            self._joined[id(entries)] = joined
        return _digest(
            facts, feed.kind, feed.id, feed.name, feed.path, feed.title, feed.description,
            repr(feed.color), repr(feed.season), str(feed.reminders), joined[1],
        )

    def piece(self, kind: str, round_: Round, extra: str) -> str | None:
        """The key of one of a round's page pieces: the round's digest (its season's
        facts included) and `extra`; None for a round no feed of this build holds."""
        digest = self._rounds.get(id(round_))
        return None if digest is None else _digest(kind, digest, extra)

    def _season(self, season: Season) -> str:
        digest = self._seasons.get(id(season))
        if digest is None:
            facts = (season.series, season.year, len(season.rounds), season.classes, season.teams)
            digest = self._seasons[id(season)] = _digest(self.environment, repr(facts))
        return digest


def _round(round_: Round) -> str:
    return repr(round_)


def _digest(*parts: str) -> str:
    return hashlib.blake2b("\0".join(parts).encode(), digest_size=16).hexdigest()
