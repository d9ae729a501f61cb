"""The CSS named colours a source may use (`rallycal.colors`), checked against webcolors."""

from __future__ import annotations

import re

import pytest

from rallycal.colors import CSS_COLORS


def test_css_colors_match_webcolors():
    webcolors = pytest.importorskip(
        "webcolors", reason="webcolors is not installed (pip install -e '.[test]')"
    )
    expected = {name: webcolors.name_to_hex(name, "css3") for name in webcolors.names("css3")}
    expected["rebeccapurple"] = "#663399"  # CSS Color 4 added it; webcolors' css3 list has not
    assert expected == CSS_COLORS
    assert len(CSS_COLORS) == 148


def test_names_are_lower_case_and_values_six_digit_hex():
    for name, value in CSS_COLORS.items():
        assert re.fullmatch("[a-z]+", name), name
        assert re.fullmatch("#[0-9a-f]{6}", value), (name, value)
