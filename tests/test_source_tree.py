"""libyaml's composer (`rallycal.source.tree`) and the events' agree on every input.

The reader composes a source in C where that gives the same nodes, and from the
parser's events otherwise; without libyaml, PyYAML's own parser gives the events.
Each input below is read all three ways: the nodes (kind, text, style, positions)
and the problems must be the same.
"""

from __future__ import annotations

import random
import re
import time

import pytest
from yaml.nodes import MappingNode, Node, ScalarNode

from rallycal.source import reader, tree

# Text libyaml's composer reads itself: nothing in it can be an anchor, alias or tag.
PLAIN = [
    "",
    "# only a comment\n",
    "---\n",
    "--- \n...\n",
    "a:\nb: ~\nc: null\nd: ''\ne: \"\"\nf: NULL\n",
    "name: Gravel & Snow\nshort: Sno*Drift\nnotes: Go! Go!\nx: a&b\ny: 2*3\n",
    "a: [1, 'b', \"c\", {d: e, f: [g, h]}, [], {}]\n",
    "- a\n- - b\n  - c\n- d: e\n  f: g\n",
    "notes: |\n  line one\n    line two\n\nfolded: >-\n  one\n  two\n",
    "text: \"tab\\there\\u00e9\"\nsingle: 'it''s'\n",
    "plain: one\n  two\n  three\nnext: 1\n",
    "? complex\n: value\n? [a, b]\n: c\n",
    "windows: 1\r\nlines: 2\r\n",
    "old mac: 1\rlines: 2\r",
    "名前: 東京\nemoji: \U0001f697\n",
    "time: 10:30\nday: 2026-02-06\nno: NO\nnumber: -84.144\n",
    "[" * 20 + "]" * 20 + "\n",  # the deepest nesting allowed
    "%YAML 1.1\n---\na: 1\n",
    "a: 1\n...\n# the end\n",
    "--- >\n  folded\n",
    "- [a, {b: c}]\n- ? x\n",
]
# Text with an anchor, an alias or a tag, or that libyaml refuses, or at a cap: the
# events compose it, and say what is wrong where.
EVENTS = [
    "a: &x 1\nb: *x\n",
    "a: !foo x\nb: ! y\nc: !!str z\n",
    "[&a x, *a]\n",
    "{a: &b c, d: *b}\n",
    "- &a\n  x: 1\n- *a\n",
    "%TAG ! tag:example.org,2000:\n--- !x a\n",
    "a: !!map {b: c}\n",
    "*undefined\n",
    "a: & x\n",
    "a: [1, 2\n",
    "a: b: c\n",
    "a:\n\tb: 1\n",
    "a: 1\n---\nb: 2\n",
    "a: 1\n--- [\n",
    "- \x07\n",
    "a: 'unclosed\n",
    "[" * 21 + "]" * 21 + "\n",
    "[" * 19 + "[a]" + "]" * 19 + "\n",
    "[" * 100_000,
    "notes: \"a !\"\n",
    "key: value # a comment with & and * and !\n",
    "x: 1\n\ufeff&a y: 2\n",
    "a: 1\n\ufeffb: 2\n",
]


def shape(node: Node | None) -> object:
    """A node as plain values: kind, tag, positions, style and text or children."""
    if node is None:
        return None
    common = (type(node).__name__, node.tag, node.start_mark.line, node.start_mark.column,
              node.end_mark.line, node.end_mark.column)
    if isinstance(node, ScalarNode):
        return (*common, node.value, node.style)
    if isinstance(node, MappingNode):
        return (*common, node.flow_style, [(shape(k), shape(v)) for k, v in node.value])
    return (*common, node.flow_style, [shape(item) for item in node.value])


def read(text: str) -> tuple[object, list[str]]:
    """The shape of the nodes the reader composes, and every problem it reports."""
    report = reader.Report()
    try:
        root = reader.read(text.encode(), report)
    except reader.Stop:
        root = None
    return shape(root), [p.format("events.yaml") for p in report.problems]


def events_only(text: str) -> None:
    raise tree.Unfit


def every_way(text: str, monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, list[str]]]:
    """The reader's answer in C, from libyaml's events, and from PyYAML's own."""
    answers = [read(text)]
    with monkeypatch.context() as patched:
        patched.setattr(tree, "compose", lambda text, depth, values: events_only(text))
        answers.append(read(text))
        patched.setattr(reader, "_LibyamlParser", None)
        answers.append(read(text))
    return answers


def in_c(text: str) -> bool:
    """Whether libyaml's composer reads `text` itself."""
    try:
        tree.compose(text, reader.MAX_DEPTH, reader.MAX_VALUES)
    except tree.Unfit:
        return False
    return True


@pytest.mark.parametrize("text", PLAIN)
def test_libyaml_composes_plain_text_as_the_events_do(text, monkeypatch):
    assert in_c(text)
    fast, events, python = every_way(text, monkeypatch)
    assert fast == events
    assert fast[1] == python[1] == []


@pytest.mark.parametrize("text", EVENTS, ids=lambda text: repr(text[:30]))
def test_the_events_compose_what_libyaml_would_not_report(text, monkeypatch):
    assert not in_c(text)
    fast, events, python = every_way(text, monkeypatch)
    assert fast == events
    if not any("not valid YAML" in p for p in fast[1]):  # worded by each parser
        assert fast[1] == python[1]


def test_anchors_aliases_and_tags_always_go_to_the_events(monkeypatch):
    """Random fragments of YAML: whatever libyaml composes itself, the events compose the
    same, without a problem to report."""
    parts = ["a", "b", ": ", ":", "- ", "-", "[", "]", "{", "}", ", ", ",", "? ", "&x ", "*x",
             "&x", "!t ", "! ", "!", "!!str ", "&", "*", " ", "\n", "  ", "'q'", '"q"', " #c",
             "|\n  ", ">\n ", "\t", "---\n", "...\n", "\ufeff", "%TAG ! t:\n"]
    chance = random.Random(2026)
    composed = 0
    for _ in range(6000):
        text = "".join(chance.choice(parts) for _ in range(chance.randint(1, 10)))
        if not in_c(text):
            continue
        composed += 1
        fast, events, _ = every_way(text, monkeypatch)
        assert fast == events, repr(text)
        assert events[1] == [], repr(text)
    assert composed > 500  # the check above ran often enough to mean something


def test_the_property_search_finds_what_its_plain_form_finds():
    """`tree.PROPERTY` is written for speed; this is what it means."""
    plain = re.compile(r"(?<![^\s\ufeff\[\]{},:?\"'-])(?:[&*]\S|!)")
    parts = ["a", " ", "&", "*", "!", "\n", "-", "[", ":", "&x", "\ufeff", "'", "\t", "é", "}"]
    chance = random.Random(5)
    for _ in range(50_000):
        text = "".join(chance.choice(parts) for _ in range(chance.randint(0, 8)))
        found, meant = tree.PROPERTY.search(text), plain.search(text)
        assert (found and found.start()) == (meant and meant.start()), repr(text)


def test_deep_nesting_stops_libyaml_early():
    started = time.perf_counter()
    assert not in_c("[" * 1_000_000)
    assert not in_c("- " * 1_000 + "x\n")
    assert time.perf_counter() - started < 20  # stopped at the depth cap, not at the end


def test_the_value_cap_holds_in_c(monkeypatch):
    monkeypatch.setattr(reader, "MAX_VALUES", 100)
    assert not in_c("- 1\n" * 100)
    assert in_c("- 1\n" * 99)
