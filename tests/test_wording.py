"""How days, times and tables are written for people (`rallycal.wording`)."""

from __future__ import annotations

import locale
from datetime import date, datetime

import pytest

from rallycal.model import STATUSES
from rallycal.wording import STATUS_LABELS, clock, columns, day, day_span


def test_a_day_in_english_with_or_without_its_year():
    assert day(date(2026, 2, 6)) == "Fri 6 Feb 2026"
    assert day(date(2026, 2, 6), year=False) == "Fri 6 Feb"
    assert day(date(2026, 11, 29)) == "Sun 29 Nov 2026"


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (date(2026, 4, 17), date(2026, 4, 17), "Fri 17 Apr 2026"),
        (date(2026, 2, 6), date(2026, 2, 7), "Fri 6 – Sat 7 Feb 2026"),
        (date(2026, 1, 31), date(2026, 2, 1), "Sat 31 Jan – Sun 1 Feb 2026"),
        (date(2026, 12, 31), date(2027, 1, 1), "Thu 31 Dec 2026 – Fri 1 Jan 2027"),
    ],
    ids=["one-day", "same-month", "across-months", "across-years"],
)
def test_day_spans_name_the_month_and_year_once_unless_they_change(first, last, expected):
    assert day_span(first, last) == expected


def test_names_do_not_follow_the_machines_locale():
    before = locale.setlocale(locale.LC_TIME)
    for name in ("de_DE.UTF-8", "fr_FR.UTF-8"):
        try:
            locale.setlocale(locale.LC_TIME, name)
        except locale.Error:
            continue
        try:
            assert day(date(2026, 3, 2)) == "Mon 2 Mar 2026"
        finally:
            locale.setlocale(locale.LC_TIME, before)


def test_clock_is_24_hour_with_leading_zeros():
    assert clock(datetime(2026, 3, 7, 9, 5)) == "09:05"
    assert clock(datetime(2026, 3, 7, 21, 30, 59)) == "21:30"


def test_columns_pad_every_column_but_the_last():
    assert columns([["R1", "Sno*Drift", "Atlanta"], ["R10", "Olympus", "Shelton, WA"]]) == [
        "R1   Sno*Drift  Atlanta",
        "R10  Olympus    Shelton, WA",
    ]


def test_columns_trim_trailing_spaces_and_take_tuples():
    assert columns([("a", "bbb", ""), ("cc", "d", "")]) == ["a   bbb", "cc  d"]
    assert columns([]) == []


def test_every_status_has_a_label():
    assert set(STATUS_LABELS) == set(STATUSES)
    assert all(label == status.capitalize() for status, label in STATUS_LABELS.items())
