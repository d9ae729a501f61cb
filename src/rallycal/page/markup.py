"""HTML built from code, with every value escaped where it is placed.

`tag` escapes text children and attribute values; `Markup` marks text that is
already HTML (built by `tag`), so it goes in as it is. Attribute names come from
code only, never from the source.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from rallycal.colors import CSS_COLORS

VOID = frozenset({"meta", "link", "input"})


def escape(text: str) -> str:
    """`html.escape(text)`, character for character: the `html` module imports its entity
    tables (about 1 ms) for unescaping, which nothing here does."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#x27;"))


class Markup(str):
    """Text that is already HTML: `tag` inserts it as it is and escapes everything else."""


def tag(name: str, *children: str | None, **attributes: str | bool | None) -> Markup:
    """`<name attributes>children</name>`: text children and attribute values are escaped.

    Attribute names come from code only (`class_` is `class`, `data_first` is
    `data-first`); `True` writes a bare attribute, `None` and `False` leave it out.
    """
    start = opening(name, **attributes)
    if name in VOID:
        return start
    return Markup("".join([start, *map(_html, children), f"</{name}>"]))


def opening(name: str, **attributes: str | bool | None) -> Markup:
    """`<name attributes>` alone, as `tag` writes it: for an element whose content is
    written in many pieces."""
    return Markup(
        "<" + name + "".join(_attribute(key, value) for key, value in attributes.items()) + ">"
    )


def joined(separator: str, runs: Iterable[Sequence[str]]) -> list[str]:
    """The pieces of HTML of several runs of pieces, with `separator` between runs.

    A page of thousands of rounds is kept in pieces until it is written out whole
    (encoded piece by piece, joined once), so that its megabytes are not copied at
    every level of nesting.
    """
    pieces: list[str] = []
    for index, run in enumerate(runs):
        if index:
            pieces.append(separator)
        pieces.extend(run)
    return pieces


def web_link(url: str | None, text: str) -> Markup | None:
    """A link to a page for people, only when it really is an http(s) address."""
    if not is_web_address(url):
        return None
    return tag("p", tag("a", text, href=url))


def is_web_address(url: str | None) -> bool:
    """True for an http(s) address: the only kind of source URL the page links to."""
    return bool(url) and urlsplit(url or "").scheme.lower() in ("http", "https")


def swatch(color: str | None) -> str:
    """The class that sets `--sw` to a colour (see `color_rules`); names are letters only."""
    return f"sw-{color}" if color in CSS_COLORS else ""


def _attribute(key: str, value: str | bool | None) -> str:
    if value is None or value is False:
        return ""
    name = key.rstrip("_").replace("_", "-")
    return f" {name}" if value is True else f' {name}="{escape(value)}"'


def _html(child: str | None) -> str:
    if child is None:
        return ""
    return child if isinstance(child, Markup) else escape(child)
