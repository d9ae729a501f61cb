"""HTML built from code, with every value escaped where it is placed.

`tag` escapes text children and attribute values; `Markup` marks text that is
already HTML (built by `tag`), so it goes in as it is. Attribute names come from
code only, never from the source.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlsplit

VOID = frozenset({"meta", "link", "input"})


class Markup(str):
    """Text that is already HTML: `tag` inserts it as it is and escapes everything else."""


def tag(name: str, *children: str | None, **attributes: str | bool | None) -> Markup:
    """`<name attributes>children</name>`: text children and attribute values are escaped.

    Attribute names come from code only (`class_` is `class`, `data_first` is
    `data-first`); `True` writes a bare attribute, `None` and `False` leave it out.
    """
    opening = name + "".join(_attribute(key, value) for key, value in attributes.items())
    if name in VOID:
        return Markup(f"<{opening}>")
    return Markup("".join([f"<{opening}>", *map(_html, children), f"</{name}>"]))


def web_link(url: str | None, text: str) -> Markup | None:
    """A link to a page for people, only when it really is an http(s) address."""
    if not is_web_address(url):
        return None
    return tag("p", tag("a", text, href=url))


def is_web_address(url: str | None) -> bool:
    """True for an http(s) address: the only kind of source URL the page links to."""
    return bool(url) and urlsplit(url or "").scheme.lower() in ("http", "https")


def _attribute(key: str, value: str | bool | None) -> str:
    if value is None or value is False:
        return ""
    name = key.rstrip("_").replace("_", "-")
    return f" {name}" if value is True else f' {name}="{escape(value)}"'


def _html(child: str | None) -> str:
    if child is None:
        return ""
    return child if isinstance(child, Markup) else escape(child)
