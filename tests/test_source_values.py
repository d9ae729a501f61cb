"""The values' checks: what text may hold."""

from __future__ import annotations

import re
import sys
import unicodedata

from rallycal.source.values import _UNWANTED_ON_LINES, UNWANTED, first_unwanted


def test_unwanted_characters_are_the_control_characters_and_separators():
    """The one search finds exactly the characters of categories Cc, Zl and Zp."""
    characters = map(chr, range(sys.maxunicode + 1))
    wanted = {c for c in characters if unicodedata.category(c) in ("Cc", "Zl", "Zp")}
    assert set(re.findall(UNWANTED, "".join(map(chr, range(sys.maxunicode + 1))))) == wanted


def test_the_first_unwanted_character_is_the_searchs_whatever_the_text():
    """Printable text is not searched: the answer is the search's all the same."""
    characters = [chr(c) for c in range(0x3000)] + ["\ufffe", "\U0001f600", "\ud800"]
    for multiline, pattern in ((False, UNWANTED), (True, _UNWANTED_ON_LINES)):
        for c in characters:
            for text in (c, f"ab{c}d", f"a\n\tb{c}"):
                found, searched = first_unwanted(text, multiline), re.search(pattern, text)
                assert (found and found.span()) == (searched and searched.span()), (text, multiline)
