"""How much an export of a season would write, known before anything is built.

`rounds: all` in many teams multiplies: 300 teams in 90 rounds is 27,000 team events
from a few kilobytes of source. The loader refuses a source whose feeds would hold
more than `MAX_EVENTS` events or about `MAX_OUTPUT_BYTES` bytes, far more than any
real championship publishes, so a mistaken or hostile source cannot fill the disk.
"""

from __future__ import annotations

from rallycal.model import Round, Season, Team

MAX_EVENTS = 250_000
MAX_OUTPUT_BYTES = 500 * 1024 * 1024
EVENT_BYTES = 900  # an event's lines besides the text the source gives it


def output_size(season: Season) -> tuple[int, int]:
    """The events the feeds of `season` hold, and an estimate of their size in bytes."""
    events = size = 0
    round_text = {r.id: _round_text(r) for r in season.rounds}
    for round_ in season.rounds:
        event = EVENT_BYTES + round_text[round_.id]
        copies = 2 + len(round_.classes)  # the combined feed, its round feed, class feeds
        events += copies + len(round_.schedule)
        size += copies * event + sum(event + len(item.name) for item in round_.schedule)
    for team in season.teams:
        crews = _team_text(team)
        events += len(team.rounds)
        size += sum(EVENT_BYTES + round_text[r] + crews for r in team.rounds)
    return events, size


def _round_text(r: Round) -> int:
    """The characters of a round's own text in one of its events."""
    venue = r.venue
    return (2 * len(r.name) + len(r.notes or "") + len(r.url or "") + 2 * len(venue.town)
            + 2 * len(venue.state) + 2 * len(venue.country))


def _team_text(team: Team) -> int:
    """The characters a team and its crews add to each of its events."""
    return 2 * len(team.name) + len(team.notes or "") + sum(
        len(c.driver) + len(c.car) + len(c.co_driver or "") + 20 for c in team.crews)
