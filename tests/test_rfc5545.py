"""Content lines as RFC 5545 spells them, on small exact cases (`rallycal.rfc5545`).

tests/test_ics.py compares the module with icalendar on generated text; these state
the rules themselves, so a failure there can be read here.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from rallycal import rfc5545


def test_text_escapes_backslash_semicolon_comma_and_line_breaks_only():
    assert rfc5545.text('a\\b;c,d\ne: "f"') == 'a\\\\b\\;c\\,d\\ne: "f"'
    assert rfc5545.text_list(["Open, 4WD", "Club;"]) == "Open\\, 4WD,Club\\;"


def test_days_instants_and_geo():
    assert rfc5545.day(date(2026, 2, 6)) == "20260206"
    assert rfc5545.utc(datetime(2026, 3, 7, 14, 30, tzinfo=timezone.utc)) == "20260307T143000Z"
    assert rfc5545.geo(45, -84.144) == "45.0;-84.144"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (timedelta(hours=6), "PT6H"),
        (timedelta(minutes=-15), "-PT15M"),
        (timedelta(days=1, seconds=5), "P1DT5S"),
        (timedelta(hours=1, seconds=5), "PT1H0M5S"),
        (timedelta(days=2), "P2D"),
    ],
)
def test_durations(value, expected):
    assert rfc5545.duration(value) == expected


def test_parameters_are_sorted_quoted_where_needed_and_rfc6868_escaped():
    assert rfc5545.params({"VALUE": "DATE", "LANGUAGE": "en"}) == ";LANGUAGE=en;VALUE=DATE"
    assert rfc5545.params({"X-TITLE": "Atlanta"}) == ';X-TITLE="Atlanta"'
    assert rfc5545.params({"CN": "Lee, Pat"}) == ';CN="Lee, Pat"'
    assert rfc5545.params({"CN": 'say "hi"\nbye ^'}) == ";CN=say ^'hi^'^nbye ^^"


def test_a_line_at_the_limit_stays_whole_and_a_longer_one_folds():
    assert rfc5545.fold("X" * 74) == "X" * 74
    assert rfc5545.fold("X" * 75) == "X" * 74 + "\r\n X"
    assert rfc5545.fold("X" * 160) == "X" * 74 + "\r\n " + "X" * 74 + "\r\n " + "X" * 12


def test_a_fold_never_splits_a_character_or_an_escape():
    folded = rfc5545.fold("X" * 73 + "é" + "Y")
    assert folded == "X" * 73 + "\r\n éY"
    assert rfc5545.fold("X" * 73 + "\\n" + "Y") == "X" * 73 + "\r\n \\nY"
    for part in rfc5545.fold("🏁" * 60).split("\r\n "):
        assert len(part.encode()) <= 74


def test_a_property_line_by_value_type():
    assert rfc5545.line("SUMMARY", "R1: Sno*Drift, Atlanta") == "SUMMARY:R1: Sno*Drift\\, Atlanta"
    assert rfc5545.line("DTSTART", date(2026, 2, 6)) == "DTSTART;VALUE=DATE:20260206"
    assert rfc5545.line("URL", "https://e.org/a,b", {"VALUE": "URI"}) == (
        "URL;VALUE=URI:https://e.org/a,b"
    )
    assert rfc5545.line("CATEGORIES", ["A", "B,C"]) == "CATEGORIES:A,B\\,C"
    assert rfc5545.line("GEO", (1.5, 2.0)) == "GEO:1.5;2.0"
    assert rfc5545.line("TRIGGER", timedelta(hours=-1)) == "TRIGGER:-PT1H"


def test_a_local_time_is_refused():
    eastern = timezone(timedelta(hours=-5))
    with pytest.raises(ValueError, match="not in UTC"):
        rfc5545.line("DTSTART", datetime(2026, 3, 7, 9, 30, tzinfo=eastern))


def test_components_put_the_named_properties_first_then_the_rest_alphabetically():
    props = [
        ("UID", "a@b", rfc5545.NO_PARAMS),
        ("LOCATION", "Here", rfc5545.NO_PARAMS),
        ("SUMMARY", "Round", rfc5545.NO_PARAMS),
        ("CATEGORIES", ["X"], rfc5545.NO_PARAMS),
        ("CATEGORIES", ["Y"], rfc5545.NO_PARAMS),
    ]
    assert rfc5545.component("VEVENT", props, rfc5545.EVENT_ORDER) == (
        "BEGIN:VEVENT\r\nSUMMARY:Round\r\nUID:a@b\r\nCATEGORIES:X\r\nCATEGORIES:Y\r\n"
        "LOCATION:Here\r\nEND:VEVENT\r\n"
    )
    written = rfc5545.lines([("DESCRIPTION", "D", rfc5545.NO_PARAMS)])
    assert rfc5545.content([("BEGIN", "x", rfc5545.NO_PARAMS)], (), written) == (
        "BEGIN:x\r\nDESCRIPTION:D\r\n"
    )
