"""The values' checks: what text may hold."""

from __future__ import annotations

import sys
import unicodedata

from rallycal.source.values import UNWANTED


def test_unwanted_characters_are_the_control_characters_and_separators():
    """The one search finds exactly the characters of categories Cc, Zl and Zp."""
    characters = map(chr, range(sys.maxunicode + 1))
    wanted = {c for c in characters if unicodedata.category(c) in ("Cc", "Zl", "Zp")}
    assert set(UNWANTED.findall("".join(map(chr, range(sys.maxunicode + 1))))) == wanted
