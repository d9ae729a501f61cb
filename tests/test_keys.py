"""The keys of events and feeds change exactly when what they are made from does."""

from __future__ import annotations

from dataclasses import replace

from support import fixture

from rallycal.feeds import plan
from rallycal.keys import Digests
from rallycal.source import load


def keys_of(championship, environment: str = "env") -> dict[str, str]:  # type: ignore[no-untyped-def]
    digests = Digests(environment)
    series = championship.series
    keys = {}
    for feed in plan(championship):
        keys[feed.path] = digests.feed(series, feed)
    return keys


def test_the_same_inputs_give_the_same_keys():
    championship = load(fixture("seasons/ara-2026.yaml"))
    assert keys_of(championship) == keys_of(load(fixture("seasons/ara-2026.yaml")))


def test_a_renamed_round_changes_the_keys_of_the_feeds_holding_it_only():
    championship = load(fixture("seasons/ara-2026.yaml"))
    season = championship.seasons[-1]
    first = season.rounds[0]
    renamed = replace(season, rounds=(replace(first, name="Renamed"), *season.rounds[1:]))
    edited = replace(championship, seasons=(*championship.seasons[:-1], renamed))
    before, after = keys_of(championship), keys_of(edited)
    changed = {path for path in before if before[path] != after[path]}
    holding = {f.path for f in plan(edited) if any(e.round.id == first.id for e in f.entries)}
    assert changed and changed <= holding
    assert f"round/{first.id}.ics" in changed


def test_other_code_or_zone_data_changes_every_key():
    championship = load(fixture("seasons/ara-2026.yaml"))
    before, after = keys_of(championship, "one"), keys_of(championship, "two")
    assert all(before[path] != after[path] for path in before)


def test_an_event_with_alarms_has_another_key():
    championship = load(fixture("seasons/ara-2026.yaml"))
    digests = Digests("env")
    feeds = {feed.path: feed for feed in plan(championship)}
    plain = digests.entries(feeds["all.ics"].entries)
    reminded = digests.entries(feeds["reminders/all.ics"].entries)
    assert all(a != b for a, b in zip(plain, reminded, strict=True))
