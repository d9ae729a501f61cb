"""The subscribe page, read as HTML: every feed, every way to subscribe, nothing unsafe.

The page is read with `html.parser`, and what it offers is checked against the
manifest export writes beside it (`feeds.json`), so the two cannot drift apart.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from seasons import season_source
from support import copy_source, export

from rallycal.feeds import plan
from rallycal.model import Season
from rallycal.page import index_page
from rallycal.source import load, parse

BASE_URL = "https://feeds.example.org/ara/"
GOOGLE = "https://calendar.google.com/calendar/r"
OUTLOOK = "https://outlook.live.com/calendar/0/addfromweb"


class Page(HTMLParser):
    """The elements of a page, with their attributes, and the text inside each link."""

    def __init__(self, html: bytes) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.links: list[tuple[dict[str, str | None], str]] = []
        self.text: list[str] = []
        self.inline: dict[str, list[str]] = {"script": [], "style": []}
        self._link_text: list[str] | None = None  # links do not nest
        self._raw: str | None = None
        self.feed(html.decode("utf-8"))
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag == "a":
            self.links.append((attributes, ""))
            self._link_text = []
        if tag in self.inline:
            self._raw = tag
            self.inline[tag].append("")

    def handle_endtag(self, tag):
        if tag == "a" and self._link_text is not None:
            self.links[-1] = (self.links[-1][0], " ".join("".join(self._link_text).split()))
            self._link_text = None
        if tag == self._raw:
            self._raw = None

    def handle_data(self, data):
        if self._raw:
            self.inline[self._raw][-1] += data
            return
        self.text.append(data)
        if self._link_text is not None:
            self._link_text.append(data)

    def hrefs(self) -> list[str]:
        return [a["href"] or "" for a, _ in self.links]

    def link(self, href: str) -> tuple[dict[str, str | None], str]:
        found = [(a, text) for a, text in self.links if a["href"] == href]
        assert len(found) == 1, f"{len(found)} links to {href}"
        return found[0]

    def by_id(self, element_id: str) -> tuple[str, dict[str, str | None]]:
        found = [(t, a) for t, a in self.elements if a.get("id") == element_id]
        assert len(found) == 1, element_id
        return found[0]


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> tuple[Page, list[dict], Path]:
    """The shipped season exported with a base URL: its page, its manifest's feeds, the folder."""
    tmp = tmp_path_factory.mktemp("published")
    out = tmp / "dist"
    export(copy_source(tmp), out, base_url=BASE_URL)
    feeds = json.loads((out / "feeds.json").read_bytes())["feeds"]
    return Page((out / "index.html").read_bytes()), feeds, out


@pytest.fixture(scope="module")
def unpublished(tmp_path_factory) -> tuple[Page, list[dict], Path]:
    """The shipped season exported without a base URL."""
    tmp = tmp_path_factory.mktemp("unpublished")
    out = tmp / "dist"
    export(copy_source(tmp), out)
    feeds = json.loads((out / "feeds.json").read_bytes())["feeds"]
    return Page((out / "index.html").read_bytes()), feeds, out


def test_every_feed_in_the_manifest_has_every_way_to_subscribe(published):
    page, feeds, out = published
    assert {f["kind"] for f in feeds} == {"combined", "class", "team", "round"}
    for feed in feeds:
        assert feed["url"] == BASE_URL + feed["path"]
        page.link(feed["webcal"])  # exactly one link
        assert feed["webcal"].startswith("webcal://feeds.example.org/")

        google = [h for h in page.hrefs() if h.startswith(GOOGLE + "?")]
        assert [h for h in google if parse_qs(urlsplit(h).query) == {"cid": [feed["webcal"]]}]
        encoded = feed["webcal"].replace(":", "%3A").replace("/", "%2F")
        assert f"{GOOGLE}?cid={encoded}" in google  # the whole address, encoded, as Google wants

        outlook = [parse_qs(urlsplit(h).query) for h in page.hrefs() if h.startswith(OUTLOOK + "?")]
        assert {"url": [feed["url"]], "name": [feed["title"]]} in outlook

        download, text = page.link(feed["path"])
        assert "download" in download and "one-time import" in text
        assert (out / feed["path"]).is_file()

        field = [a for t, a in page.elements if t == "input" and a.get("value") == feed["url"]]
        assert len(field) == 1 and "readonly" in field[0]
        buttons = [
            a for t, a in page.elements if t == "button" and a.get("data-copy") == field[0]["id"]
        ]
        assert len(buttons) == 1, feed["path"]


def test_every_subscribe_link_says_what_it_does_and_for_which_feed(published):
    page, feeds, _ = published
    combined = next(f for f in feeds if f["kind"] == "combined")
    _, text = page.link(combined["webcal"])
    assert text.startswith("Subscribe in Apple Calendar") and combined["title"] in text
    for attributes, text in page.links:
        assert text.strip(), f"a link without text: {attributes}"
        assert "click here" not in text.lower()


def test_without_a_base_url_only_relative_downloads_and_a_note(unpublished):
    page, feeds, out = unpublished
    assert all(f["url"] is None for f in feeds)
    downloads = [a["href"] for a, _ in page.links if "download" in a]
    assert sorted(downloads) == sorted(f["path"] for f in feeds)
    assert all((out / path).is_file() for path in downloads)
    for href in page.hrefs():
        scheme = urlsplit(href).scheme
        assert scheme in ("", "https"), href
        if scheme:  # the series' own web site, the only absolute link
            assert href == "https://americanrallyassociation.org", href
    assert not [t for t, a in page.elements if t == "input" or "data-copy" in a]
    text = " ".join(" ".join(page.text).split())
    assert "Subscribe links need a base URL" in text
    assert "base_url" in text and "rallycal export --base-url" in text


def test_the_page_loads_nothing_and_allows_only_its_own_style_and_script(published):
    page, _, _ = published
    policy = next(
        a["content"] for t, a in page.elements if a.get("http-equiv") == "Content-Security-Policy"
    )
    rules = dict(rule.strip().split(" ", 1) for rule in policy.split(";"))
    assert rules["default-src"] == "'none'"
    for kind, directive in (("style", "style-src"), ("script", "script-src")):
        (body,) = page.inline[kind]
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert rules[directive] == f"'sha256-{digest}'"
    for tag, attributes in page.elements:
        assert tag not in ("img", "iframe", "object", "embed", "video", "audio"), tag
        assert "src" not in attributes and "style" not in attributes, (tag, attributes)
        assert not [name for name in attributes if name.startswith("on")], (tag, attributes)
        if tag == "link":
            assert attributes["href"] == "data:,", attributes
    assert ("link", {"rel": "icon", "href": "data:,"}) in page.elements


def test_the_page_is_a_document_for_people(published):
    page, _, _ = published
    tags = [t for t, _ in page.elements]
    assert page.elements[0] == ("html", {"lang": "en"})
    assert tags.count("h1") == 1 and tags.count("main") == 1
    assert {"header", "nav", "footer", "section", "h2", "h3"} <= set(tags)
    viewport = [a for t, a in page.elements if a.get("name") == "viewport"]
    assert viewport == [{"name": "viewport", "content": "width=device-width, initial-scale=1"}]
    ids = [a["id"] for _, a in page.elements if "id" in a]
    assert len(ids) == len(set(ids))
    for href in page.hrefs():
        if href.startswith("#"):
            assert href[1:] in ids, href
    for tag, attributes in page.elements:
        if tag == "input":
            labels = [
                a for t, a in page.elements if t == "label" and a.get("for") == attributes["id"]
            ]
            assert labels, attributes


def test_the_season_at_a_glance(shipped):
    season = load(shipped)
    page = Page(index_page(season, plan(season)))
    text = " ".join(" ".join(page.text).split())
    for round_ in season.rounds:
        tag, attributes = page.by_id(f"round-{round_.id}")
        assert tag == "li"
        assert attributes["data-first"] == round_.first_day.isoformat()
        assert attributes["data-last"] == round_.last_day.isoformat()
    assert "Round 1 Confirmed Sno*Drift Rally" in text
    assert "Fri 6 – Sat 7 Feb 2026 Atlanta, Michigan, United States" in text
    assert "O4WD L4WD O2WD L2WD" in text
    assert "Fri 17 – Sun 19 Apr 2026 Shelton, Washington, United States" in text


def test_only_rounds_going_ahead_can_be_marked_next(shipped):
    season = with_rounds(
        load(shipped),
        {1: {"status": "cancelled"}, 2: {"status": "postponed"}, 3: {"status": "tentative"}},
    )
    page = Page(index_page(season, plan(season)))
    marked = [a["id"] for _, a in page.elements if "data-first" in a or "data-last" in a]
    assert "round-100-acre-wood" not in marked and "round-olympus" not in marked
    assert "round-southern-ohio-forest" in marked and len(marked) == 6
    text = " ".join(" ".join(page.text).split())
    assert "Round 2 Cancelled Rally in the 100 Acre Wood" in text
    assert "Round 3 Postponed Olympus Rally" in text


def test_the_page_has_no_clock_in_it(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    source = copy_source(tmp_path)
    export(source, first, seconds=1767225600, base_url=BASE_URL)
    export(source, second, seconds=1798761600, base_url=BASE_URL)
    assert (first / "index.html").read_bytes() == (second / "index.html").read_bytes()


def test_export_base_url_overrides_the_source(tmp_path):
    source = tmp_path / "events.yaml"
    source.write_text(season_source())  # base_url: https://feeds.example.org/demo/
    export(source, tmp_path / "out", base_url="https://mirror.example.net/cal")
    page = Page((tmp_path / "out" / "index.html").read_bytes())
    assert "webcal://mirror.example.net/cal/all.ics" in page.hrefs()
    assert not [h for h in page.hrefs() if "feeds.example.org" in h]


HOSTILE = {
    "team_name": "<script>alert(1)</script>",
    "round_name": '"onmouseover="alert(2)',
    "class_name": "' onfocus='alert(3)' x='",
    "town": "</title><img src=x onerror=alert(4)>",
    "notes": "<!-- --> ]]> &amp; javascript:alert(5)",
    "driver": "</style><style>*{display:none}</style>",
    "series_short": "</script><script>alert(6)</script>",
}


def test_hostile_names_never_become_markup():
    clean = Page(index_page(*_season_and_plan(season_source())))
    hostile = Page(index_page(*_season_and_plan(season_source(**HOSTILE))))
    shape = [(t, sorted(a)) for t, a in clean.elements]
    assert [(t, sorted(a)) for t, a in hostile.elements] == shape
    assert [len(body) for body in hostile.inline["script"]] == [
        len(b) for b in clean.inline["script"]
    ]
    text = "".join(hostile.text)
    for value in HOSTILE.values():
        assert value in text
    title = next(a for a, _ in hostile.links if a["href"].startswith(OUTLOOK))
    assert parse_qs(urlsplit(title["href"]).query)["name"] == [f"{HOSTILE['series_short']} 2026"]


def test_links_to_web_pages_must_be_http(shipped):
    season = with_rounds(
        load(shipped),
        {
            0: {"url": "javascript:alert(1)"},
            1: {"url": "data:text/html,<script>alert(1)</script>"},
            2: {"url": 'https://example.org/olympus?a=1&b="2"'},
        },
    )
    season = replace(season, series=replace(season.series, url=" JavaScript:x"))
    page = Page(index_page(season, plan(season)))
    for href in page.hrefs():
        assert not re.match(r"\s*(javascript|data|vbscript):", href, re.IGNORECASE), href
    assert 'https://example.org/olympus?a=1&b="2"' in page.hrefs()


def with_rounds(season: Season, changes: dict[int, dict]) -> Season:
    """`season` with some rounds changed, by index: bypassing the loader's checks on purpose."""
    rounds = [replace(r, **changes.get(i, {})) for i, r in enumerate(season.rounds)]
    return replace(season, rounds=tuple(rounds))


def _season_and_plan(text: str):
    season = parse(text.encode("utf-8"), "events.yaml")
    return season, plan(season)


def test_style_and_script_are_the_package_files_inlined(published):
    from importlib.resources import files

    page, _, _ = published
    package = files("rallycal.page")
    (style,) = page.inline["style"]
    (script,) = page.inline["script"]
    assert style.startswith("\n" + package.joinpath("style.css").read_text(encoding="utf-8"))
    assert script == "\n" + package.joinpath("script.js").read_text(encoding="utf-8")
