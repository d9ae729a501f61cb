"""The source loader: one test per rule, each asserting the exact `FILE:LINE:COL: message`."""

from __future__ import annotations

import random
import time
from datetime import date, datetime
from pathlib import Path

import pytest
from support import fixture, problems, season

from rallycal.errors import RallycalError, SourceError
from rallycal.source import ALIASES, ID_RULE, MAX_BYTES, load, parse

# Seconds a capped check may take: these take under 0.3 s, so the margin holds on a
# loaded machine and still catches work that grows without bound (a hang, an expansion).
GENEROUS = 20


# A small valid source; tests change one thing in it. Line numbers are noted where
# tests point at them.
BASE = """\
series:
  id: ara
  name: ARA National Championship
  short: ARA
  season: 2026
classes:
  - id: o4wd
    name: Open 4WD
    short: O4WD
  - id: l4wd
    name: Limited 4WD
    short: L4WD
rounds:
  - id: sno-drift
    name: Sno*Drift Rally
    first_day: 2026-02-06
    last_day: 2026-02-07
    venue:
      town: Atlanta
      state: Michigan
      country: United States
      timezone: America/Detroit
      latitude: 45.005
      longitude: -84.144
teams:
  - id: lia-block
    name: Lia Block
    rounds: all
    crews:
      - driver: Lia Block
        car: Ford Fiesta Rally3
        class: l4wd
"""

# Inserted before `teams:` (line 25), so its lines are 25-29.
OLYMPUS = """\
  - id: olympus
    name: Olympus Rally
    first_day: 2026-04-17
    last_day: 2026-04-19
"""
OLYMPUS += (  # the venue on one line, as the line numbers above count it
    "    venue: {town: Shelton, state: Washington, country: United States, "
    "timezone: America/Los_Angeles, latitude: 47.215, longitude: -123.101}\n"
)


def edit(*changes: tuple[str, str], base: str = BASE) -> str:
    """`base` with each (old, new) replacement made; each `old` must occur exactly once."""
    text = base
    for old, new in changes:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return text


def with_round(block: str = OLYMPUS, base: str = BASE) -> str:
    return edit(("teams:\n", block + "teams:\n"), base=base)


def with_schedule(*items: str, base: str = BASE) -> str:
    """BASE with a schedule for sno-drift: `schedule:` on line 25, items from line 26."""
    return edit(("      longitude: -84.144\n",
                 "      longitude: -84.144\n    schedule:\n" + "".join(items)), base=base)


def item(id: str = "shakedown", day: str = "2026-02-06", start: str = '"09:00"',
         end: str = '"12:00"', end_day: str | None = None) -> str:
    """A schedule item in block style: id, name, day, start, end (and end_day) on 5-6 lines."""
    text = (f"      - id: {id}\n        name: Shakedown\n        day: {day}\n"
            f"        start: {start}\n        end: {end}\n")
    return text + (f"        end_day: {end_day}\n" if end_day else "")



def test_base_is_valid():
    s = season(BASE)
    assert [r.id for r in s.rounds] == ["sno-drift"]
    assert s.teams[0].rounds == ("sno-drift",)


# -- the file as a whole ----------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "# only a comment\n\n", "---\n", "\n   \n", "\ufeff"])
def test_empty_file(text):
    assert problems(text) == [
        "events.yaml:1:1: the file is empty: write the series and its seasons in it"
    ]


@pytest.mark.parametrize(("data", "position"), [
    (b"series:\n  name: caf\xe9\n", "2:12"),
    (b"series:\n  name: \xc3\xa9t\xe9\n", "2:11"),  # columns count characters, not bytes
    (b"\xff\xfeseries", "1:1"),
])
def test_not_utf8(data, position):
    byte = data[int(position.split(":")[1]) - 1] if position == "1:1" else data[-2]
    assert problems(data) == [
        f"events.yaml:{position}: the file is not valid UTF-8 (byte 0x{byte:02x} here); "
        "save the file as UTF-8"
    ]


def test_utf8_byte_order_mark_is_fine():
    assert season("\ufeff" + BASE).series.id == "ara"
    assert problems("\ufeff" + edit(("  id: ara", "  id: ARA"))) == [
        f"events.yaml:2:7: invalid id 'ARA'; {ID_RULE}; did you mean 'ara'?"
    ]


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_other_line_endings_count_lines_alike(newline):
    text = edit(("  id: ara", "  id: ARA"), ("longitude: -84.144", "longitude: -184.1"))
    expected = problems(text)
    assert len(expected) == 2
    assert problems(text.replace("\n", newline)) == expected
    assert problems(text.replace("\n", newline) + "\x07") == [
        "events.yaml:33:1: the character U+0007 is not allowed in YAML; delete it"
    ]
    assert season(BASE.replace("\n", newline)).rounds[0].id == "sno-drift"


def test_not_yaml():
    assert problems(edit(("name: Sno*Drift Rally", "name: Sno: Drift Rally"))) == [
        "events.yaml:15:14: not valid YAML: mapping values are not allowed in this context; "
        "check the indentation, and quote text that contains ': ' or ' #'"
    ]


def test_tab_indentation():
    assert problems("series:\n\tid: ara\n") == [
        "events.yaml:2:1: not valid YAML: a tab character here; indent with spaces, not tabs"
    ]


def test_character_yaml_does_not_allow():
    assert problems("series:\n  name: a\x07b\n") == [
        "events.yaml:2:10: the character U+0007 is not allowed in YAML; delete it"
    ]


@pytest.mark.parametrize(("text", "found"), [
    ("- a\n- b\n", "a list"),
    ("just text\n", "the text 'just text'"),
])
def test_top_level_not_a_mapping(text, found):
    assert problems(text) == [
        "events.yaml:1:1: expected a mapping with series and seasons at the top level, "
        f"found {found}; start each section at the left edge, as 'series:'"
    ]


def test_multiple_documents():
    assert problems(BASE + "---\nseries: {}\n") == [
        "events.yaml:33:1: a second YAML document starts here; keep the whole season in one "
        "document: remove this '---' and merge what follows"
    ]


def test_anchors_and_aliases():
    text = edit(("    name: Open 4WD\n", "    name: &n Open 4WD\n"),
                ("    name: Limited 4WD\n", "    name: *n\n"))
    assert problems(text) == [f"events.yaml:8:11: {ALIASES}", f"events.yaml:11:11: {ALIASES}"]


def test_alias_bomb_is_never_expanded():
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for name, previous in zip("bcdefghij", "abcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    started = time.perf_counter()
    found = problems("\n".join(lines) + "\n")
    assert time.perf_counter() - started < GENEROUS  # expanded, it would never finish
    assert sum(line.endswith(ALIASES) for line in found) == 10 + 9 * 9


def test_tags():
    text = edit(("  id: ara", "  id: !!python/object:os.system ara"),
                ("  short: ARA", "  short: !foo ARA"))
    assert problems(text) == [
        "events.yaml:2:7: tags such as '!!python/object:os.system' are not allowed; remove it "
        "and write a plain value",
        "events.yaml:4:10: tags such as '!foo' are not allowed; remove it and write a plain value",
    ]


# -- keys and types --------------------------------------------------------------------


def test_duplicate_key():
    text = edit(("    last_day: 2026-02-07\n",
                 "    last_day: 2026-02-07\n    last_day: 2026-02-08\n"))
    assert problems(text) == [
        "events.yaml:18:5: duplicate key 'last_day' in round 'sno-drift' (first on line 17); "
        "keep only one"
    ]


def test_missing_required_key():
    venue = BASE[BASE.index("    venue:\n"):BASE.index("teams:\n")]
    assert problems(edit((venue, ""))) == [
        "events.yaml:14:5: round 'sno-drift' is missing 'venue'; add a line 'venue: ...'"
    ]


def test_missing_key_of_an_item_without_id_names_it_by_number():
    assert problems(edit(("  - id: l4wd\n    name", "  - name"))) == [
        "events.yaml:10:5: class 2 is missing 'id'; add a line 'id: ...'",
        "events.yaml:31:16: unknown class 'l4wd' in crew 1 of team 'lia-block'; did you mean "
        "'o4wd'?",
    ]


def test_missing_section():
    start, end = BASE.index("classes:\n"), BASE.index("rounds:\n")
    assert problems(BASE[:start] + BASE[end:]) == [
        "events.yaml:1:1: the file is missing 'classes'; add a line 'classes: ...'"
    ]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("    first_day:", "    frist_day:", [
        "events.yaml:14:5: round 'sno-drift' is missing 'first_day'; add a line 'first_day: ...'",
        "events.yaml:16:5: unknown key 'frist_day' in round 'sno-drift'; did you mean "
        "'first_day'?",
    ]),
    ("    name: Sno*Drift", "    Name: Sno*Drift", [
        "events.yaml:14:5: round 'sno-drift' is missing 'name'; add a line 'name: ...'",
        "events.yaml:15:5: unknown key 'Name' in round 'sno-drift'; did you mean 'name'?",
    ]),
    ("      town:", "      sponsor: Acme\n      town:", [
        "events.yaml:19:7: unknown key 'sponsor' in the venue of round 'sno-drift'; the keys "
        "allowed are town, state, country, timezone, latitude, longitude, place, address",
    ]),
    ("teams:", "round: []\nteams:", [
        "events.yaml:25:1: unknown key 'round' in the file; did you mean 'rounds'?",
    ]),
])
def test_unknown_key(old, new, expected):
    assert problems(edit((old, new))) == expected


@pytest.mark.parametrize(("old", "new", "expected"), [
    (BASE[BASE.index("    venue:"):BASE.index("teams:")], "    venue: Atlanta\n",
     "events.yaml:18:12: expected a mapping for 'venue' in round 'sno-drift', found the text "
     "'Atlanta'; write its keys on the lines below it, indented"),
    (BASE[BASE.index("    venue:"):BASE.index("teams:")], "    venue:\n",
     "events.yaml:18:11: expected a mapping for 'venue' in round 'sno-drift', found nothing; "
     "write its keys on the lines below it, indented"),
    ("      - driver: Lia Block\n        car: Ford Fiesta Rally3\n        class: l4wd\n",
     "      driver: Lia Block\n      car: Ford Fiesta Rally3\n      class: l4wd\n",
     "events.yaml:30:7: expected a list for 'crews' in team 'lia-block', found a mapping; "
     "write each item on its own line, starting with '- '"),
    ("    name: Sno*Drift Rally", "    name: [Sno, Drift]",
     "events.yaml:15:11: expected text for 'name' in round 'sno-drift', found a list; "
     "write a single value"),
    ("      latitude: 45.005", "      latitude: {north: 45}",
     "events.yaml:23:17: expected a number for 'latitude' in the venue of round 'sno-drift', "
     "found a mapping; write a single value"),
    ("    first_day: 2026-02-06", "    first_day: [2026-02-06]",
     "events.yaml:16:16: expected a day (YYYY-MM-DD) for 'first_day' in round 'sno-drift', "
     "found a list; write a single value"),
    ("  - id: l4wd\n    name: Limited 4WD\n    short: L4WD\n", "  - l4wd\n", [
        "events.yaml:10:5: expected a mapping for class 2, found the text 'l4wd'; write its keys "
        "on the lines below it, indented",
        "events.yaml:30:16: unknown class 'l4wd' in crew 1 of team 'lia-block'; did you mean "
        "'o4wd'?",
    ]),
    ("    first_day:", "    [first_day]:", [
        "events.yaml:14:5: round 'sno-drift' is missing 'first_day'; add a line 'first_day: ...'",
        "events.yaml:16:5: expected a key in round 'sno-drift', found a list; write 'key: value'",
    ]),
])
def test_wrong_type(old, new, expected):
    expected = [expected] if isinstance(expected, str) else expected
    assert problems(edit((old, new))) == expected


# -- text --------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "message"), [
    ('""', "'name' in round 'sno-drift' is empty; fill it in"),
    ("~", "'name' in round 'sno-drift' is empty; fill it in"),
    ('"   "', "'name' in round 'sno-drift' is empty; fill it in"),
    ('"Sno\\tDrift"', "'name' in round 'sno-drift' contains a tab; use spaces instead"),
    ('"Sno\\nDrift"', "'name' in round 'sno-drift' has a line break; write it on one line"),
    ("|\n      Sno\n      Drift",
     "'name' in round 'sno-drift' has a line break; write it on one line"),
    ('"Sno\\eDrift"',
     "'name' in round 'sno-drift' contains the control character U+001B; remove it"),
    ("x" * 201, "'name' in round 'sno-drift' is 201 characters long; shorten it to at most 200"),
])
def test_bad_text(value, message):
    assert problems(edit(("name: Sno*Drift Rally", f"name: {value}"))) == [
        f"events.yaml:15:11: {message}"
    ]


def test_optional_text_may_be_left_out_but_not_empty():
    assert problems(edit(("    venue:", '    notes: ""\n    venue:'))) == [
        "events.yaml:18:12: 'notes' in round 'sno-drift' is empty; fill it in or delete the line"
    ]


def test_notes_limit():
    assert problems(edit(("    venue:", f"    notes: {'x' * 4001}\n    venue:"))) == [
        "events.yaml:18:12: 'notes' in round 'sno-drift' is 4,001 characters long; shorten it "
        "to at most 4,000"
    ]


def test_text_is_stripped_and_blocks_are_fine_for_notes():
    text = edit(("name: Sno*Drift Rally", 'name: "  Sno*Drift Rally  "'),
                ("    venue:", "    notes: |\n      First line.\n\tTabbed line.\n    venue:"))
    text = text.replace("\tTabbed", "      \tTabbed")
    r = season(text).rounds[0]
    assert r.name == "Sno*Drift Rally"
    assert r.notes == "First line.\n\tTabbed line."
    folded = edit(("    venue:", "    notes: >-\n      One\n      line.\n    venue:"))
    assert season(folded).rounds[0].notes == "One line."


def test_no_implicit_typing():
    text = edit(("      country: United States", "      country: NO"),
                ("  short: ARA", "  short: 10:30"),
                ("    name: Open 4WD", "    name: yes"))
    s = season(text)
    assert (s.rounds[0].venue.country, s.series.short, s.classes[0].name) == ("NO", "10:30", "yes")


# -- series ------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "message"), [
    ("twenty", "season 'twenty' is not a year; write it in digits, e.g. 2026"),
    ("2026.0", "season '2026.0' is not a year; write it in digits, e.g. 2026"),
    ("26", "season 26 is not a year from 2000 to 2100; write the full year, e.g. 2026"),
    ("2101", "season 2101 is not a year from 2000 to 2100; write the full year, e.g. 2026"),
])
def test_season_year(value, message):
    found = problems(edit(("  season: 2026", f"  season: {value}")))
    assert found[0] == f"events.yaml:5:11: {message}"


def test_season_year_may_be_quoted():
    assert season(edit(("  season: 2026", '  season: "2026"'))).year == 2026


@pytest.mark.parametrize("value", [
    "ftp://example.org/", "www.example.org", "https://", "https://example.org/a b",
    "https://example.org/<script>", "http://[::1", "javascript:alert(1)",
])
def test_bad_url(value):
    assert problems(edit(("  season: 2026", f"  season: 2026\n  url: '{value}'"))) == [
        f"events.yaml:6:8: url '{value}' is not an absolute http(s) address without spaces, "
        "quotes or '<>'; write it like https://example.org/rally"
    ]


@pytest.mark.parametrize(("value", "stored"), [
    ("https://example.org/ara", "https://example.org/ara/"),
    ("http://example.org/ara/", "http://example.org/ara/"),
])
def test_base_url_ends_with_a_slash(value, stored):
    text = edit(("  season: 2026", f"  season: 2026\n  base_url: {value}"))
    assert season(text).series.base_url == stored


def test_old_uids_through_is_read():
    text = edit(("  season: 2026", "  season: 2026\n  old_uids_through: 2025"))
    assert season(text).series.old_uids_through == 2025


def test_old_uids_through_is_none_when_absent():
    assert season(BASE).series.old_uids_through is None


@pytest.mark.parametrize(("value", "message"), [
    ("twenty", "old_uids_through 'twenty' is not a year; write it in digits, e.g. 2026"),
    ("2025.5", "old_uids_through '2025.5' is not a year; write it in digits, e.g. 2026"),
    ("-2025", "old_uids_through '-2025' is not a year; write it in digits, e.g. 2026"),
    ("25", "old_uids_through 25 is not a year from 2000 to 2100; write the full year, e.g. 2026"),
    ("2101",
     "old_uids_through 2101 is not a year from 2000 to 2100; write the full year, e.g. 2026"),
    ("~", "'old_uids_through' in the series is empty; fill it in or delete the line"),
    ("[2025]", "expected a year for 'old_uids_through' in the series, found a list; write a "
               "single value"),
])
def test_old_uids_through_must_be_a_year(value, message):
    text = edit(("  season: 2026", f"  season: 2026\n  old_uids_through: {value}"))
    assert problems(text) == [f"events.yaml:6:21: {message}"]


def test_base_url_without_query():
    text = edit(("  season: 2026", "  season: 2026\n  base_url: https://example.org/?a=1"))
    assert problems(text) == [
        "events.yaml:6:13: base_url 'https://example.org/?a=1' has a '?' or '#'; give the "
        "folder's plain address, e.g. https://example.org/calendars/"
    ]


# -- ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "shown", "detail"), [
    ("Sno-Drift", "'Sno-Drift'", "; did you mean 'sno-drift'?"),
    ("sno_drift", "'sno_drift'", "; did you mean 'sno-drift'?"),
    ("Rallye Québec", "'Rallye Québec' (it contains U+00E9 LATIN SMALL LETTER E WITH ACUTE)",
     "; did you mean 'rallye-quebec'?"),
    (".hidden", "'.hidden'", "; did you mean 'hidden'?"),
    ("../x", "'../x'", ""),
    ("a/b", "'a/b'", ""),
    ("sno-drift\u200b", "'sno-drift\\u200b' (it contains U+200B ZERO WIDTH SPACE)", ""),
])
def test_invalid_id(value, shown, detail):
    found = problems(edit(("  - id: sno-drift", f"  - id: '{value}'")))
    assert found == [f"events.yaml:14:9: invalid id {shown}; {ID_RULE}{detail}"]


@pytest.mark.parametrize("value", ["con", "nul", "aux", "prn", "com1", "lpt9"])
def test_windows_device_names_are_not_ids(value):
    found = problems(edit(("  - id: sno-drift", f"  - id: {value}")))
    assert found == [
        f"events.yaml:14:9: invalid id '{value}': Windows reserves it for a device, so it "
        f"cannot be a file name there; choose another, e.g. '{value}-1'"
    ]
    assert season(edit(("  - id: sno-drift", "  - id: con-1"))).rounds[0].id == "con-1"


def test_look_alike_id():
    assert problems(edit(("  - id: sno-drift", "  - id: sno-drіft"))) == [
        "events.yaml:14:9: invalid id 'sno-drіft' (it contains U+0456 CYRILLIC SMALL LETTER "
        f"BYELORUSSIAN-UKRAINIAN I); {ID_RULE}"
    ]


def test_long_id():
    value = "a" * 65
    assert problems(edit(("  id: ara", f"  id: {value}"))) == [
        f"events.yaml:2:7: invalid id '{'a' * 57}...'; {ID_RULE}"
    ]


def test_quoted_id_is_fine():
    assert season(edit(("  - id: sno-drift", '  - id: "sno-drift"'))).rounds[0].id == "sno-drift"


def test_duplicate_class_id():
    text = edit(("rounds:\n", "  - id: o4wd\n    name: Again\n    short: AGN\nrounds:\n"))
    assert problems(text) == [
        "events.yaml:13:9: duplicate class id 'o4wd' (first on line 7); give each class its own id"
    ]


def test_duplicate_round_id():
    assert problems(with_round(OLYMPUS.replace("olympus", "sno-drift", 1))) == [
        "events.yaml:25:9: duplicate round id 'sno-drift' (first on line 14); give each round "
        "its own id"
    ]


def test_duplicate_team_id():
    team = BASE[BASE.index("  - id: lia-block"):]
    assert problems(BASE + team) == [
        "events.yaml:33:9: duplicate team id 'lia-block' (first on line 26); give each team its "
        "own id"
    ]


def test_duplicate_schedule_item_id():
    assert problems(with_schedule(item(), item(start='"13:00"', end='"14:00"'))) == [
        "events.yaml:31:13: duplicate schedule item id 'shakedown' (first on line 26); give each "
        "schedule item its own id"
    ]


# -- rounds ------------------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("first_day: 2026-02-06", "first_day: 6 Feb 2026",
     "events.yaml:16:16: first_day '6 Feb 2026' is not a day; write it as YYYY-MM-DD, "
     "e.g. 2026-02-06"),
    ("first_day: 2026-02-06", "first_day: 2026-2-6",
     "events.yaml:16:16: first_day '2026-2-6' is not a day; write it as YYYY-MM-DD, "
     "e.g. 2026-02-06"),
    ("last_day: 2026-02-07", "last_day: 2026-02-30",
     "events.yaml:17:15: 2026-02-30 is not a real date; check the month and the day"),
    ("last_day: 2026-02-07", "last_day: 2026-02-05",
     "events.yaml:17:15: last_day 2026-02-05 is before first_day 2026-02-06; swap them or fix "
     "the date"),
])
def test_round_days(old, new, expected):
    assert problems(edit((old, new))) == [expected]


def test_first_day_in_the_season_or_the_year_after():
    text = edit(("first_day: 2026-02-06", "first_day: 2028-02-06"),
                ("last_day: 2026-02-07", "last_day: 2028-02-07"))
    assert problems(text) == [
        "events.yaml:16:16: first_day 2028-02-06 is not in the 2026 season (its rounds start "
        "in 2026 or 2027); did you mean 2027-02-06?"
    ]
    text = edit(("first_day: 2026-02-06", "first_day: 2027-01-02"),
                ("last_day: 2026-02-07", "last_day: 2027-01-03"))
    assert season(text).rounds[0].first_day == date(2027, 1, 2)


def test_one_day_round_and_quoted_days():
    text = edit(("last_day: 2026-02-07", 'last_day: "2026-02-06"'))
    r = season(text).rounds[0]
    assert (r.first_day, r.last_day) == (date(2026, 2, 6), date(2026, 2, 6))


def test_status():
    text = edit(("    venue:", "    status: Canceled\n    venue:"))
    assert problems(text) == [
        "events.yaml:18:13: status 'Canceled' is not one of confirmed, tentative, postponed, "
        "cancelled; did you mean 'cancelled'?"
    ]
    assert season(edit(("    venue:", "    status: postponed\n    venue:"))).rounds[0].status \
        == "postponed"
    assert season(BASE).rounds[0].status == "confirmed"


@pytest.mark.parametrize(("value", "expected"), [
    ("[l4dw]", "events.yaml:18:15: unknown class 'l4dw' in round 'sno-drift'; did you mean "
               "'l4wd'?"),
    ("[xyz]", "events.yaml:18:15: unknown class 'xyz' in round 'sno-drift'; the classes are "
              "o4wd, l4wd"),
    ("[l4wd, l4wd]", "events.yaml:18:21: class 'l4wd' is listed twice in round 'sno-drift' "
                     "(first on line 18); delete one"),
    ("[]", "events.yaml:18:14: 'classes' in round 'sno-drift' is an empty list; list class "
           "ids, or delete the line to run every class"),
])
def test_round_classes(value, expected):
    assert problems(edit(("    venue:", f"    classes: {value}\n    venue:"))) == [expected]


def test_round_classes_default_to_all_in_section_order():
    assert season(BASE).rounds[0].classes == ("o4wd", "l4wd")
    text = edit(("    venue:", "    classes: [l4wd]\n    venue:"))
    assert season(text).rounds[0].classes == ("l4wd",)


def test_rounds_are_numbered_in_calendar_order():
    later = OLYMPUS
    same_start_longer = OLYMPUS.replace("olympus", "olympus-long").replace(
        "2026-04-19", "2026-04-20")
    same_days = OLYMPUS.replace("olympus", "olympus-twin")
    first = OLYMPUS.replace("olympus", "winter").replace("2026-04-17", "2026-01-10").replace(
        "2026-04-19", "2026-01-11")
    text = with_round(later + same_start_longer + same_days + first)
    s = season(text)
    assert [(r.number, r.id) for r in s.rounds] == [
        (1, "winter"), (2, "sno-drift"), (3, "olympus"), (4, "olympus-twin"),
        (5, "olympus-long"),
    ]
    assert s.teams[0].rounds == tuple(r.id for r in s.rounds)


def test_round_url():
    text = edit(("    venue:", "    url: https://example.org/sno-drift\n    venue:"))
    assert season(text).rounds[0].url == "https://example.org/sno-drift"


# -- venue -------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "hint"), [
    ("America/Detriot", "did you mean 'America/Detroit'?"),
    ("america/detroit", "did you mean 'America/Detroit'?"),
    ("America/Chicgo", "did you mean 'America/Chicago'?"),
    ("Mars/Olympus_Mons", "use a name such as America/Chicago"),
])
def test_time_zone(value, hint):
    text = edit(("timezone: America/Detroit", f"timezone: {value}"))
    assert problems(text) == [f"events.yaml:22:17: '{value}' is not an IANA time zone; {hint}"]


@pytest.mark.parametrize(
    "value", [".inf", "nan", ".NaN", "true", "45,005", "4.5e1", "N45", "45.0.0"]
)
def test_latitude_must_be_a_plain_number(value):
    assert problems(edit(("latitude: 45.005", f"latitude: {value}"))) == [
        f"events.yaml:23:17: latitude '{value}' is not a plain decimal number; write it with "
        "digits and a '.', e.g. 45.005"
    ]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("latitude: 45.005", "latitude: 95",
     "events.yaml:23:17: latitude 95 is not between -90 and 90; check the value and its sign"),
    ("longitude: -84.144", "longitude: -184.1",
     "events.yaml:24:18: longitude -184.1 is not between -180 and 180; check the value and its "
     "sign"),
])
def test_coordinates_in_range(old, new, expected):
    assert problems(edit((old, new))) == [expected]


@pytest.mark.parametrize(("value", "number"), [("45", 45.0), ("+45.5", 45.5), ('"45.005"', 45.005),
                                               ("-0.5", -0.5), ("90", 90.0)])
def test_coordinates_accepted(value, number):
    assert season(edit(("latitude: 45.005", f"latitude: {value}"))).rounds[0].venue.latitude \
        == number


# -- schedule ----------------------------------------------------------------------------


def test_schedule_item_times():
    s = season(with_schedule(item()))
    (shakedown,) = s.rounds[0].schedule
    assert shakedown.id == "shakedown" and shakedown.name == "Shakedown"
    assert shakedown.local_start == datetime(2026, 2, 6, 9, 0)
    assert shakedown.local_end == datetime(2026, 2, 6, 12, 0)
    assert shakedown.start.isoformat() == "2026-02-06T14:00:00+00:00"  # EST is UTC-5
    assert shakedown.end.isoformat() == "2026-02-06T17:00:00+00:00"


@pytest.mark.parametrize(("value", "hour", "minute"), [
    ("9:30", 9, 30), ("09:30", 9, 30), ('"09:30"', 9, 30), ("'9:30'", 9, 30),
    ("10:30", 10, 30), ("00:00", 0, 0),
])
def test_times_are_read_as_text(value, hour, minute):
    (it,) = season(with_schedule(item(start=value, end='"23:59"'))).rounds[0].schedule
    assert (it.local_start.hour, it.local_start.minute) == (hour, minute)


@pytest.mark.parametrize("value", ["10.30", "25:00", "24:00", "10:61", "1030", "9:5", "9h30"])
def test_bad_time(value):
    assert problems(with_schedule(item(start=value))) == [
        f"events.yaml:29:16: start '{value}' is not a time; write it as 24-hour HH:MM from "
        '00:00 to 23:59, e.g. "09:30"'
    ]


def test_schedule_day_within_the_round():
    assert problems(with_schedule(item(day="2026-02-08"))) == [
        "events.yaml:28:14: day 2026-02-08 is not a day of the round (2026-02-06 to 2026-02-07); "
        "use one of its days"
    ]


def test_ends_before_it_starts():
    assert problems(with_schedule(item(start='"22:00"', end='"01:30"'))) == [
        "events.yaml:30:14: schedule item 'shakedown' of round 'sno-drift' ends before it starts "
        "(22:00 to 01:30); if it ends after midnight, add end_day: 2026-02-07"
    ]


def test_end_day_after_midnight():
    text = with_schedule(item(day="2026-02-07", start='"22:00"', end='"01:30"',
                              end_day="2026-02-08"))
    (it,) = season(text).rounds[0].schedule
    assert it.local_end == datetime(2026, 2, 8, 1, 30)
    assert it.end.isoformat() == "2026-02-08T06:30:00+00:00"


@pytest.mark.parametrize(("end_day", "message"), [
    ("2026-02-09", "end_day 2026-02-09 is more than a day after the round's last day 2026-02-07; "
                   "fix the date"),
    ("2026-02-05", "end_day 2026-02-05 is before day 2026-02-06; fix the date"),
])
def test_end_day_range(end_day, message):
    assert problems(with_schedule(item(end_day=end_day))) == [f"events.yaml:31:18: {message}"]


def test_daylight_saving_gap():
    base = edit(("first_day: 2026-02-06", "first_day: 2026-03-07"),
                ("last_day: 2026-02-07", "last_day: 2026-03-08"))
    text = with_schedule(item(day="2026-03-08", start='"02:30"', end='"04:00"'), base=base)
    assert problems(text) == [
        "events.yaml:29:16: 02:30 on 2026-03-08 falls in the daylight-saving gap in "
        "America/Detroit (clocks skip that hour); move it out of the gap"
    ]


def test_time_that_happens_twice():
    base = edit(("first_day: 2026-02-06", "first_day: 2026-10-31"),
                ("last_day: 2026-02-07", "last_day: 2026-11-01"))
    text = with_schedule(item(day="2026-11-01", start='"00:30"', end='"01:30"'), base=base)
    assert problems(text) == [
        "events.yaml:30:14: 01:30 on 2026-11-01 happens twice when clocks go back in "
        "America/Detroit; move it out of the repeated hour"
    ]


# -- classes and teams -------------------------------------------------------------------


def test_team_defaults_and_fields():
    t = season(BASE).teams[0]
    assert (t.id, t.name, t.short, t.run_by, t.notes, t.color) == (
        "lia-block", "Lia Block", "Lia Block", None, None, None)
    assert t.crews[0].class_id == "l4wd" and t.crews[0].co_driver is None


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("    crews:\n" + BASE[BASE.index("      - driver"):], "    crews: []\n",
     "events.yaml:29:12: 'crews' in team 'lia-block' is an empty list; add at least one crew "
     "with driver, car and class"),
    ("        car: Ford Fiesta Rally3\n", "",
     "events.yaml:30:9: crew 1 of team 'lia-block' is missing 'car'; add a line 'car: ...'"),
    ("class: l4wd", "class: l4dw",
     "events.yaml:32:16: unknown class 'l4dw' in crew 1 of team 'lia-block'; did you mean "
     "'l4wd'?"),
    ("rounds: all", "rounds: sno-drift",
     "events.yaml:28:13: 'rounds' in team 'lia-block' must be all or a list of round ids, found "
     "'sno-drift'; for that one round write [sno-drift]"),
    ("rounds: all", "rounds: All",
     "events.yaml:28:13: 'rounds' in team 'lia-block' must be all or a list of round ids, found "
     "'All'; did you mean 'all'?"),
    ("rounds: all", "rounds: everything",
     "events.yaml:28:13: 'rounds' in team 'lia-block' must be all or a list of round ids, found "
     "'everything'; write all, or a list of round ids such as [sno-drift, olympus]"),
    ("rounds: all", "rounds: [sno-drfit]",
     "events.yaml:28:14: unknown round 'sno-drfit' in team 'lia-block'; did you mean "
     "'sno-drift'?"),
    ("rounds: all", "rounds: [sno-drift, sno-drift]",
     "events.yaml:28:25: round 'sno-drift' is listed twice in team 'lia-block' (first on line "
     "28); delete one"),
    ("rounds: all", "rounds: []",
     "events.yaml:28:13: 'rounds' in team 'lia-block' is an empty list; list the round ids, or "
     "write all"),
    ("rounds: all", "rounds:",
     "events.yaml:28:12: 'rounds' in team 'lia-block' is empty; fill it in"),
])
def test_team_rules(old, new, expected):
    assert problems(edit((old, new))) == [expected]


def test_team_enters_a_round_that_does_not_run_its_class():
    text = edit(("    venue:", "    classes: [o4wd]\n    venue:"))
    assert problems(text) == [
        "events.yaml:29:13: round 'sno-drift' does not run class 'l4wd' of crew 1 (Lia Block); "
        "remove the round from the team or add the class to the round"
    ]
    listed = edit(("    venue:", "    classes: [o4wd]\n    venue:"),
                  ("rounds: all", "rounds: [sno-drift]"))
    assert problems(listed)[0].startswith("events.yaml:29:14: round 'sno-drift' does not run")


def test_team_rounds_in_calendar_order():
    text = edit(("rounds: all", "rounds: [olympus, sno-drift]"),
                base=with_round(OLYMPUS.replace("2026-04", "2026-01")))
    s = season(text)
    assert [r.id for r in s.rounds] == ["olympus", "sno-drift"]
    assert s.teams[0].rounds == ("olympus", "sno-drift")
    reversed_file = edit(("rounds: all", "rounds: [sno-drift, olympus]"), base=with_round())
    assert season(reversed_file).teams[0].rounds == ("sno-drift", "olympus")


def test_teams_may_be_left_out():
    assert season(BASE[:BASE.index("teams:")]).teams == ()


# -- colours -----------------------------------------------------------------------------


def test_color_is_case_insensitive_and_stored_lower_case():
    text = edit(("    short: O4WD", "    short: O4WD\n    color: FireBrick"))
    assert season(text).classes[0].color == "firebrick"


@pytest.mark.parametrize(("value", "hint"), [
    ("Teel", "did you mean 'teal'?"),
    ("'#ff0000'", "use a named colour such as 'teal'"),
])
def test_bad_color(value, hint):
    text = edit(("    short: O4WD", f"    short: O4WD\n    color: {value}"))
    shown = value.strip("'")
    assert problems(text) == [
        f"events.yaml:10:12: color '{shown}' is not a CSS colour name; {hint}"
    ]


def test_unquoted_hex_colour_is_a_comment():
    text = edit(("    short: O4WD", "    short: O4WD\n    color: #ff0000"))
    assert problems(text) == [
        "events.yaml:10:11: 'color' in class 'o4wd' is empty; fill it in or delete the line"
    ]


# -- resource limits ---------------------------------------------------------------------


def quick(data: bytes) -> list[str]:
    started = time.perf_counter()
    found = problems(data)
    assert time.perf_counter() - started < GENEROUS
    return found


def test_file_too_large():
    assert quick(b"#" * (MAX_BYTES + 1)) == [
        "events.yaml:1:1: the file is larger than 8 MB, far more than a season needs; check that "
        "this is the right file"
    ]


def test_line_too_long():
    assert quick((BASE + "# " + "x" * 10_000 + "\n").encode()) == [
        "events.yaml:33:10001: this line is 10,002 characters long; keep lines under 10,000 "
        "characters (write long text over several lines)"
    ]


@pytest.mark.parametrize("lines", [30, 200_000])
def test_nesting_too_deep(lines):
    assert quick(b"series: [\n" + b" [\n" * lines) == [
        "events.yaml:20:2: the nesting here is deeper than 20 levels; flatten the structure"
    ]


def test_too_many_values(monkeypatch):
    import rallycal.source.reader

    # the real cap takes 4 MB to reach
    monkeypatch.setattr(rallycal.source.reader, "MAX_VALUES", 20_000)
    found = problems(b"- 1\n" * 30_000)
    assert found == [
        "events.yaml:20000:3: the file holds more than 20,000 values, far more than a season "
        "needs; shorten it"
    ]


def test_too_many_problems():
    found = problems("".join(f"key{n}: x\n" for n in range(300)))
    assert len(found) == 201
    assert "events.yaml:200:1: stopped after 200 problems; fix these and check again" in found


# -- many problems at once, and the 2026 fixture --------------------------------------------


def test_every_problem_is_reported_sorted():
    found = problems((fixture("source/many-problems.yaml")).read_bytes())
    assert found == (fixture("source/many-problems.txt")).read_text(encoding="utf-8").splitlines()
    assert found == sorted(found, key=lambda line: tuple(map(int, line.split(":")[1:3])))


def test_the_2026_fixture_season_loads(season_2026):
    championship = load(season_2026)
    years = [season.year for season in championship.seasons]
    assert years == sorted(years) and all(season.rounds for season in championship.seasons)


def test_load_names_the_file_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("season.yaml").write_text(edit(("  id: ara", "  id: ARA")), encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        load(Path("season.yaml"))
    assert caught.value.report().splitlines() == [
        f"season.yaml:2:7: invalid id 'ARA'; {ID_RULE}; did you mean 'ara'?",
        "1 problem found in season.yaml",
    ]


def test_load_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(RallycalError) as caught:
        load(path)
    assert not isinstance(caught.value, SourceError)
    assert str(caught.value) == f"{path}: no such file; give the path of the season source"


def test_load_directory(tmp_path):
    with pytest.raises(RallycalError, match=r": is a folder; give the path of the season source$"):
        load(tmp_path)


# -- never a traceback ---------------------------------------------------------------------


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One random edit of the kind a slip of the hand (or a bad disk) makes."""
    if len(data) < 2:
        return data
    kind = rng.randrange(5)
    if kind == 0:  # delete a line
        lines = data.splitlines(keepends=True)
        del lines[rng.randrange(len(lines))]
        return b"".join(lines)
    if kind == 1:  # swap two neighbouring characters
        i = rng.randrange(len(data) - 1)
        return data[:i] + data[i + 1:i + 2] + data[i:i + 1] + data[i + 2:]
    if kind == 2:  # truncate
        return data[:rng.randrange(len(data))]
    if kind == 3:  # flip a byte
        i = rng.randrange(len(data))
        return data[:i] + bytes([rng.randrange(256)]) + data[i + 1:]
    i = rng.randrange(len(data))  # insert a YAML-significant character
    return data[:i] + rng.choice([b":", b"-", b"#", b"&", b"*", b"!", b"[", b"{", b"'", b'"',
                                  b"\t", b" ", b"\n"]) + data[i:]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("name", ["source/two-seasons.yaml", "golden/season.yaml"])
def test_mutations_never_raise_anything_else(name, seed):
    original = fixture(name).read_bytes()
    rng = random.Random(seed)
    for _ in range(40):
        data = original
        for _ in range(rng.randint(1, 3)):
            data = mutate(data, rng)
        try:
            parse(data, "events.yaml")
        except SourceError as error:
            assert error.problems
            for problem in error.problems:
                assert problem.line >= 1 and problem.column >= 1, problem
                assert "report this bug" not in problem.message, problem


def test_pure_python_parser_reads_the_same(monkeypatch):
    """Without libyaml, PyYAML's own parser gives the same season and the same positions."""
    import rallycal.source.reader

    valid = (fixture("source/two-seasons.yaml")).read_bytes()
    broken = edit(("  - id: sno-drift", "  - id: Sno-Drift"),
                  ("timezone: America/Detroit", "timezone: America/Detriot"))
    tab = "series:\n\tid: ara\n"
    fast = parse(valid, "events.yaml"), problems(broken), problems(tab)
    monkeypatch.setattr(rallycal.source.reader, "_LibyamlParser", None)
    assert (parse(valid, "events.yaml"), problems(broken), problems(tab)) == fast


@pytest.mark.parametrize("text", [
    "a: &x 1\nb: *x\n",
    "a: !foo x\nb: ! y\nc: !!str z\n",
    "- &a\n  x: 1\n- *a\n",
    "a: 1\n---\nb: 2\n",
    "- \x07\n",
    "[" * 21 + "]" * 21 + "\n",
    "name: Gravel & Snow\nshort: Sno*Drift\nnotes: Go!\n",
], ids=repr)
def test_pure_python_parser_reports_the_same_problems(text, monkeypatch):
    """Anchors, aliases, tags, documents, characters and nesting are reported alike by
    libyaml's parser and PyYAML's own."""
    import rallycal.source.reader

    with_libyaml = problems(text)
    monkeypatch.setattr(rallycal.source.reader, "_LibyamlParser", None)
    assert problems(text) == with_libyaml
