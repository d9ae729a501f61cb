"""The values' checks: what text may hold."""

from __future__ import annotations

import sys
import unicodedata

from rallycal.source.values import first_unwanted

EVERY_CHARACTER = "".join(map(chr, range(sys.maxunicode + 1)))
WANTED = {c for c in EVERY_CHARACTER if unicodedata.category(c) in ("Cc", "Zl", "Zp")}


def unwanted(multiline: bool) -> set[str]:
    """Every character `first_unwanted` finds, searched one at a time."""
    return {c for c in EVERY_CHARACTER if first_unwanted(f"ab{c}", multiline)}


def test_unwanted_characters_are_the_control_characters_and_separators():
    """Exactly the characters of categories Cc, Zl and Zp."""
    assert unwanted(multiline=False) == WANTED


def test_text_over_several_lines_may_hold_tabs_and_line_feeds():
    assert unwanted(multiline=True) == WANTED - {"\t", "\n"}


def test_the_first_unwanted_character_is_found():
    found = first_unwanted("a\tb\x07c", multiline=True)
    assert found is not None and found.start() == 3
    assert first_unwanted("Sno*Drift Rally, 東京 \U0001f697") is None
