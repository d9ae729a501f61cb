"""The node tree of a source composed by libyaml in C, for text that needs nothing else.

Composing nodes from parser events in Python (`reader`) takes several times as long
as libyaml's own composer, which gives the same nodes with the same marks. That
composer expands aliases and keeps anchors and tags without a word, though, so it
is used only on text in which no anchor, alias or tag can start; any other text, and
any text libyaml refuses or that reaches a cap, is composed again from the events,
which report each problem where it stands.
"""

from __future__ import annotations

import re

from yaml._yaml import CParser
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

# Where an anchor (&a), an alias (*a) or a tag (!t, and ! alone) may start a token:
# after a space or line break, an indicator, a quote or a byte order mark, or at the
# start of the text. Inside a plain value (`Gravel & Snow`, `Sno*Drift`, `Go!`) none
# is a token, and `& ` or `* ` at a token's start is an error libyaml reports anyway.
# A match may be no property at all (`notes: "a !"`): the events then say so. The
# pattern starts with the three characters, then looks back at the one before (two
# characters back, so the text's first character is a start), so the search skips
# through the text at C speed: five times as fast as starting with the look-back.
PROPERTY = re.compile(r"[&*!](?<![^\s\ufeff\[\]{},:?\"'-].)(?:(?<=!)|(?=\S))")

_TAGS = {ScalarNode: "tag:yaml.org,2002:str", SequenceNode: "tag:yaml.org,2002:seq",
         MappingNode: "tag:yaml.org,2002:map"}


class Unfit(Exception):
    """The text needs the composer that reads events (see the module's docstring)."""


def compose(text: str, max_depth: int, max_values: int) -> Node | None:
    """The root node of the text's one document, or None for none; raises `Unfit`."""
    if PROPERTY.search(text):
        raise Unfit
    try:
        return _Counted(text, max_depth, max_values).get_single_node()
    except Exception:  # a second document, a syntax error, a cap: said by the events
        raise Unfit from None


class _Counted(CParser):
    """libyaml's composer, stopped where a node is too deep or there are too many.

    libyaml calls these hooks (PyYAML's resolver's) for every node. Stopping at the
    depth cap keeps the C recursion shallow, and at the count cap keeps a hostile file
    cheap. A scalar may sit at the depth where only collections are refused: the
    events tell the two apart.
    """

    def __init__(self, text: str, max_depth: int, max_values: int) -> None:
        super().__init__(text)
        self.depth = 0
        self.max_depth = max_depth
        self.left = max_values

    def descend_resolver(self, parent: Node | None, index: object) -> None:
        """A node starts."""
        self.depth += 1
        self.left -= 1
        if self.depth > self.max_depth or self.left < 0:
            raise Unfit

    def ascend_resolver(self) -> None:
        """A node ends."""
        self.depth -= 1

    def resolve(self, kind: type[Node], value: str | None, implicit: object) -> str:
        """The tag of a node written without one: every value is text until it is checked."""
        return _TAGS[kind]
