"""PyYAML imported without its slowest step: a pattern `re` takes 7 ms to compile.

`yaml.reader.Reader` compiles, as its class is made, a pattern of the characters YAML
refuses, written as the ranges it allows. Python's `re` goes through those ranges a
character at a time: about 7 ms, over half of PyYAML's import and a twentieth of an
export, for a pattern only PyYAML's pure-Python reader uses (libyaml reads the
source here). The same characters, written as the ranges refused, compile ten times
as fast; `prepare` puts that pattern in `re`'s cache under PyYAML's text, so the
class gets it. Where `re` has no such cache, PyYAML compiles its own pattern as before.
"""

from __future__ import annotations

import re
import sys

# The pattern exactly as PyYAML 5.1 to 6.0 writes it: the cache key.
PYYAML_NON_PRINTABLE = "[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]"
# The same characters: C0 controls but tab and line breaks, DEL to C1 but NEL, the
# surrogates, and the two non-characters U+FFFE and U+FFFF.
NON_PRINTABLE = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]"


def prepare() -> None:
    """Before PyYAML is first imported: its pattern, compiled the quick way, in `re`'s cache."""
    cache = getattr(re, "_cache", None)  # a dict keyed (type, pattern, flags) in 3.10 to 3.13
    if "yaml.reader" not in sys.modules and isinstance(cache, dict):
        cache.setdefault((str, PYYAML_NON_PRINTABLE, 0), re.compile(NON_PRINTABLE))
