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
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from seasons import season_source
from support import EPOCH, copy_source, export, fixture

from rallycal.feeds import plan, round_uid
from rallycal.model import Championship, Season
from rallycal.page import Change, Pieces, index_page
from rallycal.page.cards import round_card
from rallycal.page.jsonld import round_event
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
        self.inline: dict[str, list[str]] = {"script": [], "style": [], "ld+json": []}
        self.headings: list[str] = []
        self._heading: list[str] | None = None
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
        if tag in ("h1", "h2", "h3"):
            self._heading = []
        if tag == "script" and attributes.get("type") == "application/ld+json":
            tag = "ld+json"
        if tag in self.inline:
            self._raw = tag
            self.inline[tag].append("")

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None
        if tag == "a" and self._link_text is not None:
            self.links[-1] = (self.links[-1][0], " ".join("".join(self._link_text).split()))
            self._link_text = None
        if self._raw and tag in ("script", "style"):
            self._raw = None

    def handle_data(self, data):
        if self._raw:
            self.inline[self._raw][-1] += data
            return
        self.text.append(data)
        if self._heading is not None:
            self._heading.append(data)
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
    """The 2026 fixture season exported with a base URL: its page, manifest feeds, folder."""
    tmp = tmp_path_factory.mktemp("published")
    out = tmp / "dist"
    export(copy_source(tmp), out, base_url=BASE_URL)
    feeds = listed(json.loads((out / "feeds.json").read_bytes())["feeds"])
    return Page((out / "index.html").read_bytes()), feeds, out


@pytest.fixture(scope="module")
def unpublished(tmp_path_factory) -> tuple[Page, list[dict], Path]:
    """The 2026 fixture season exported without a base URL."""
    tmp = tmp_path_factory.mktemp("unpublished")
    out = tmp / "dist"
    export(copy_source(tmp), out)
    feeds = listed(json.loads((out / "feeds.json").read_bytes())["feeds"])
    return Page((out / "index.html").read_bytes()), feeds, out


def test_every_feed_in_the_manifest_has_every_way_to_subscribe(published):
    page, feeds, out = published
    assert {f["kind"] for f in feeds} == {"combined", "class", "team", "round"}
    for feed in feeds:
        assert feed["url"] == BASE_URL + feed["path"]
        if feed["kind"] == "round":  # a round card offers its season's copy, to import
            assert feed["webcal"] not in page.hrefs()
            assert not [h for h in page.hrefs() if feed["url"] in unquote(h)]
            download, text = page.link(f"2026/{feed['path']}")
            assert "download" in download and "one-time import" in text
            continue
        download, text = page.link(feed["path"])
        assert "download" in download and "one-time import" in text
        assert (out / feed["path"]).is_file()
        page.link(feed["webcal"])  # exactly one link
        assert feed["webcal"].startswith("webcal://feeds.example.org/")

        google = [h for h in page.hrefs() if h.startswith(GOOGLE + "?")]
        assert [h for h in google if parse_qs(urlsplit(h).query) == {"cid": [feed["webcal"]]}]
        encoded = feed["webcal"].replace(":", "%3A").replace("/", "%2F")
        assert f"{GOOGLE}?cid={encoded}" in google  # the whole address, encoded, as Google wants

        outlook = [parse_qs(urlsplit(h).query) for h in page.hrefs() if h.startswith(OUTLOOK + "?")]
        assert {"url": [feed["url"]], "name": [feed["title"]]} in outlook

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


def test_without_a_base_url_only_relative_downloads_plainly_labelled(unpublished):
    page, feeds, out = unpublished
    assert all(f["url"] is None for f in feeds)
    downloads = [a["href"] for a, _ in page.links if "download" in a]
    offered = {f["path"] if f["kind"] != "round" else f"2026/{f['path']}" for f in feeds}
    assert offered <= set(downloads)  # and the reminders variants
    assert all((out / path).is_file() for path in downloads)
    for href in page.hrefs():
        scheme = urlsplit(href).scheme
        assert scheme in ("", "https"), href
        if scheme:  # the series' own web site, the only absolute link
            assert href == "https://americanrallyassociation.org", href
    assert not [t for t, a in page.elements if t == "input" or "data-copy" in a]
    text = " ".join(" ".join(page.text).split())
    assert "base_url" not in text and "--base-url" not in text  # no maintainer instructions
    assert "one-time import" in text
    headings = [h for h in page.headings if "subscribe" in h.lower()]
    assert headings == []
    assert "Download the whole season" in page.headings


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
        if tag == "link":  # the icon, none; the others name addresses, load nothing
            assert attributes["rel"] in ("icon", "canonical", "alternate"), attributes
            if attributes["rel"] == "icon":
                assert attributes["href"] == "data:,", attributes
    assert ("link", {"rel": "icon", "href": "data:,"}) in page.elements
    assert len(page.inline["ld+json"]) == 1  # data, not script: CSP does not apply


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


def test_the_season_at_a_glance(season_2026):
    season = load(season_2026).latest
    page = Page(index_page(season, _shown(season)))
    text = " ".join(" ".join(page.text).split())
    for round_ in season.rounds:
        tag, attributes = page.by_id(f"round-2026-{round_.id}")
        assert tag == "li"
        assert attributes["data-first"] == round_.first_day.isoformat()
        assert attributes["data-last"] == round_.last_day.isoformat()
    assert "Round 1 Sno*Drift Rally" in text  # confirmed, as nearly all are: not said
    assert "Fri 6 – Sat 7 Feb 2026 Atlanta, Michigan, United States" in text
    assert "O4WD" not in text  # every class runs every round: no chips
    assert "Every class runs every round." in text
    assert "Fri 17 – Sun 19 Apr 2026 Shelton, Washington, United States" in text


def test_only_rounds_going_ahead_can_be_marked_next(season_2026):
    season = with_rounds(
        load(season_2026).latest,
        {1: {"status": "cancelled"}, 2: {"status": "postponed"}, 3: {"status": "tentative"}},
    )
    page = Page(index_page(season, _shown(season)))
    marked = [a["id"] for _, a in page.elements if "data-first" in a or "data-last" in a]
    assert "round-2026-100-acre-wood" not in marked and "round-2026-olympus" not in marked
    assert "round-2026-southern-ohio-forest" in marked and len(marked) == 6
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
    assert hostile.inline["script"] == clean.inline["script"]
    json.loads(hostile.inline["ld+json"][0])  # still one JSON document
    text = "".join(hostile.text)
    for value in HOSTILE.values():
        assert value in text
    title = next(a for a, _ in hostile.links if a["href"].startswith(OUTLOOK))
    assert parse_qs(urlsplit(title["href"]).query)["name"] == [HOSTILE["series_short"]]


def test_links_to_web_pages_must_be_http(season_2026):
    season = with_rounds(
        load(season_2026).latest,
        {
            0: {"url": "javascript:alert(1)"},
            1: {"url": "data:text/html,<script>alert(1)</script>"},
            2: {"url": 'https://example.org/olympus?a=1&b="2"'},
        },
    )
    season = replace(season, series=replace(season.series, url=" JavaScript:x"))
    page = Page(index_page(season, _shown(season)))
    for href in page.hrefs():
        assert not re.match(r"\s*(javascript|data|vbscript):", href, re.IGNORECASE), href
    assert 'https://example.org/olympus?a=1&b="2"' in page.hrefs()


def with_rounds(season: Season, changes: dict[int, dict]) -> Season:
    """`season` with some rounds changed, by index: bypassing the loader's checks on purpose."""
    rounds = [replace(r, **changes.get(i, {})) for i, r in enumerate(season.rounds)]
    return replace(season, rounds=tuple(rounds))


def _season_and_plan(text: str):
    season = parse(text.encode("utf-8"), "events.yaml").latest
    return season, _shown(season)


def _shown(season: Season):
    """The feeds the page lists: the stable ones, without their reminders variants."""
    feeds = plan(Championship.of(season))
    return tuple(f for f in feeds if f.season is None and not f.reminders)


def listed(feeds: list[dict]) -> list[dict]:
    """The manifest's feeds that the page lists with every way to subscribe.

    The stable feeds; their reminders variants are offered as a subscription only.
    """
    return [f for f in feeds if f["season"] is None and not f["reminders"]]


def test_style_and_script_are_the_package_files_inlined(published):
    from importlib.resources import files

    page, _, _ = published
    package = files("rallycal.page")
    (style,) = page.inline["style"]
    (script,) = page.inline["script"]
    assert style.startswith("\n" + package.joinpath("style.css").read_text(encoding="utf-8"))
    assert script == "\n" + package.joinpath("script.js").read_text(encoding="utf-8")


# The page's own fixture season: twelve rounds, every status, class subsets, a base URL.
FIXTURE = fixture("page/season.yaml")
FIXTURE_BASE = "https://feeds.example.org/demo/"


def fixture_season(base_url: str | None = FIXTURE_BASE) -> Season:
    return load(FIXTURE).latest.with_base_url(base_url)


def render(season: Season, **options) -> Page:
    return Page(index_page(season, _shown(season), **options))


def json_ld(page: Page) -> list[dict]:
    (data,) = page.inline["ld+json"]
    return json.loads(data)


def test_json_ld_has_one_sports_event_per_round_with_what_google_requires():
    season = fixture_season()
    events = json_ld(render(season))
    assert len(events) == len(season.rounds) == 12
    for event, round_ in zip(events, season.rounds, strict=True):
        assert event["@context"] == "https://schema.org"
        assert event["@type"] == "SportsEvent"
        assert event["name"] == round_.name  # Google's required: name, startDate, location
        assert event["startDate"] == round_.first_day.isoformat()
        assert event["endDate"] == round_.last_day.isoformat()
        assert event["sport"] == "Rally"
        assert event["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
        place = event["location"]
        assert place["@type"] == "Place" and place["name"] == round_.venue.town
        assert place["address"] == {
            "@type": "PostalAddress",
            "addressLocality": round_.venue.town,
            "addressRegion": round_.venue.state,
            "addressCountry": "United States",
        }
        assert place["geo"] == {
            "@type": "GeoCoordinates",
            "latitude": round_.venue.latitude,
            "longitude": round_.venue.longitude,
        }
        assert event["url"] == f"{FIXTURE_BASE}index.html#round-2026-{round_.id}"
        assert event["organizer"] == {
            "@type": "Organization",
            "name": "Demo Rally Championship",
            "url": "https://example.org/demo",
        }
        assert "previousStartDate" not in event
    statuses = {e["name"]: e["eventStatus"].rsplit("/", 1)[1] for e in events}
    assert statuses["Hill Country Stages"] == "EventCancelled"
    assert statuses["Coastal Rally"] == "EventPostponed"
    assert statuses["Valley Rally"] == "EventScheduled"  # tentative: schema.org has no word
    assert statuses["Spring Forest Rally"] == "EventScheduled"


def test_json_ld_says_rescheduled_with_the_previous_first_day():
    season = fixture_season()
    spring, hills = season.rounds[0], season.rounds[1]
    moved = {
        round_uid(season, spring): date(2026, 1, 30),
        round_uid(season, hills): date(2026, 3, 6),  # cancelled stays cancelled
        round_uid(season, season.rounds[5]): season.rounds[5].first_day,  # the same day
    }
    events = json_ld(render(season, previous_starts=moved))
    assert events[0]["eventStatus"] == "https://schema.org/EventRescheduled"
    assert events[0]["previousStartDate"] == "2026-01-30"
    assert events[1]["eventStatus"] == "https://schema.org/EventCancelled"
    assert "previousStartDate" not in events[1]
    assert events[5]["eventStatus"] == "https://schema.org/EventScheduled"


def test_json_ld_names_the_place_and_its_street_address_when_given():
    season = fixture_season(None)
    venue = replace(
        season.rounds[0].venue, place_name="Rally HQ, Treetops Resort", address="3962 Wilkinson Rd"
    )
    season = with_rounds(season, {0: {"venue": venue, "url": "https://example.org/spring"}})
    first, second = json_ld(render(season))[:2]
    assert first["location"]["name"] == "Rally HQ, Treetops Resort"
    assert first["location"]["address"]["streetAddress"] == "3962 Wilkinson Rd"
    assert first["url"] == "https://example.org/spring"  # the round's own page
    assert second["url"] == "https://example.org/demo"  # no base URL: the series' site


def test_json_ld_keeps_hostile_text_inside_its_element():
    hostile = "</script><!-- <script>alert(1)</script> & \u2028"
    season = with_rounds(fixture_season(), {0: {"name": hostile}})
    html = index_page(season, _shown(season)).decode()
    block = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block and "&" not in block
    assert json.loads(block)[0]["name"] == hostile


def test_json_ld_is_laid_out_as_json_dumps_writes_it():
    season = fixture_season(None)
    venue = replace(season.rounds[2].venue, latitude=45, place_name="HQ", address="1 <Main> St")
    season = with_rounds(
        season,
        {
            0: {"name": "</script><!-- é \u2028\u2029 \" \\ \t \x7f & > \U0001f697"},
            2: {"venue": venue, "url": "https://example.org/x?a=1&b=2"},
        },
    )
    moved = {round_uid(season, season.rounds[3]): date(2026, 1, 2)}
    for base_url in (None, FIXTURE_BASE):
        published = season.with_base_url(base_url)
        html = index_page(published, _shown(published), previous_starts=moved).decode()
        block = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
        dumped = json.dumps(json.loads(block), ensure_ascii=False, indent=1)
        safe = dumped.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        assert block == safe
    assert json_ld(render(replace(season, rounds=(), teams=()))) == []


def keeping(store: dict) -> Pieces:
    """Pieces kept between renders, each looked up by exactly the inputs it is made from."""

    def card(facts, round_, file):
        key = ("card", facts, round_, file)
        if key not in store:
            store[key] = round_card(facts, round_, file)
        return store[key]

    def event(facts, round_, previous_start):
        key = ("event", facts, round_, previous_start)
        if key not in store:
            store[key] = round_event(facts, round_, previous_start)
        return store[key]

    return Pieces(card=card, event=event)


def test_round_pieces_kept_between_renders_give_the_same_page():
    store: dict = {}
    championship = load(fixture("source/two-seasons.yaml"))
    feeds = plan(championship)
    kept = index_page(championship, feeds, pieces=keeping(store))
    assert kept == index_page(championship, feeds)
    shown = sum(len(s.rounds) for s in championship.in_window)
    assert len(store) == 2 * shown  # a card and an event per round shown

    latest = championship.latest
    renamed = with_rounds(latest, {0: {"name": "Renamed <Rally> & Co"}})
    edited = replace(championship, seasons=(*championship.seasons[:-1], renamed))
    moved = {round_uid(renamed, renamed.rounds[1]): date(2000, 1, 1)}
    before = len(store)
    kept = index_page(edited, plan(edited), previous_starts=moved, pieces=keeping(store))
    assert kept == index_page(edited, plan(edited), previous_starts=moved)
    assert len(store) == before + 3  # the renamed round's card and event, the moved one's event

    classes = tuple(replace(c, name=f"{c.name} & co") for c in latest.classes)
    reclassed = replace(latest, classes=classes)  # the names in the class chips
    edited = replace(championship, seasons=(*championship.seasons[:-1], reclassed))
    kept = index_page(edited, plan(edited), pieces=keeping(store))
    assert kept == index_page(edited, plan(edited))


def test_open_graph_and_description_for_shared_links():
    page = render(fixture_season())
    meta = {
        (a.get("property") or a.get("name")): a.get("content")
        for t, a in page.elements
        if t == "meta" and "content" in a
    }
    assert meta["og:type"] == "website"
    assert meta["og:title"] == "Demo Rally Championship 2026 calendar"
    assert meta["og:url"] == FIXTURE_BASE + "index.html"
    assert meta["description"] == meta["og:description"]
    assert meta["description"].startswith(
        "The 2026 Demo Rally Championship: 12 rounds, Fri 6 Feb – Sat 31 Oct 2026."
    )
    unpublished = render(fixture_season(None))
    assert not [a for t, a in unpublished.elements if a.get("property") == "og:url"]
    assert not [a for t, a in unpublished.elements if a.get("rel") == "canonical"]


def test_a_qr_code_of_the_page_only_with_a_base_url():
    page = render(fixture_season())
    svgs = [a for t, a in page.elements if t == "svg"]
    assert svgs == [{"viewbox": "0 0 37 37", "class": "qr-code"}]
    assert FIXTURE_BASE + "index.html" in " ".join(page.text)
    assert not [t for t, a in render(fixture_season(None)).elements if t == "svg"]


def test_labels_match_the_pages_advice():
    page = render(fixture_season())
    text = " ".join(" ".join(page.text).split())
    assert "Android and the web" not in text  # the Android app cannot subscribe
    assert "Subscribe to this round only" not in text
    for attributes, text in page.links:
        if "download" in attributes:
            assert "one-time import" in text or "Download with reminders" in text
    assert "Subscribe to the whole season" in page.headings


def test_status_only_when_not_confirmed_and_classes_only_when_not_all_run():
    page = render(fixture_season())
    text = " ".join(" ".join(page.text).split())
    assert "Confirmed" not in text
    assert "Round 2 Cancelled Hill Country Stages" in text
    assert "Round 3 Postponed Coastal Rally" in text
    assert "Round 4 Tentative Valley Rally" in text
    chips = [a for t, a in page.elements if t == "ul" and a.get("class") == "chips"]
    assert len(chips) == 2  # canyon (two classes) and desert (one)
    assert "Round 5 Canyon Rally Fri 12 – Sat 13 Jun 2026 Rangely, Colorado, United States" in text
    assert "Colorado, United States L4WD O4WD" in text
    assert "Arizona, United States O2WD" in text


def test_changes_render_nothing_when_absent_and_link_their_feed_when_given():
    season = fixture_season()
    absent = render(season)
    assert "changes.atom" not in absent.hrefs() and "changes" not in [
        a.get("id") for _, a in absent.elements
    ]
    empty = render(season, changes=())
    assert empty.link("changes.atom")[1] == "Follow changes"
    assert "No changes since the calendar was first published." in " ".join(empty.text)
    changes = [
        Change(datetime(2026, 3, 2, 18, 5), "Coastal Rally is postponed."),
        Change(date(2026, 2, 20), "Spring Forest Rally moved from Fri 30 Jan to Fri 6 Feb 2026."),
    ]
    page = render(season, changes=changes)
    alternate = [a for t, a in page.elements if t == "link" and a.get("rel") == "alternate"]
    assert alternate[0]["type"] == "application/atom+xml" and alternate[0]["href"] == "changes.atom"
    text = " ".join(" ".join(page.text).split())
    assert "Mon 2 Mar 2026 Coastal Rally is postponed. Fri 20 Feb 2026 Spring Forest" in text
    assert ("a", {"href": "#changes"}) in page.elements


def test_reminders_linked_per_feed_with_an_honest_note_only_when_given():
    season = fixture_season()
    plain = " ".join(render(season).text)
    assert "with reminders" not in plain and "No alarms or reminders." in plain
    reminders = {"all.ics": "reminders/all.ics", "class/o4wd.ics": "reminders/class/o4wd.ics"}
    page = render(season, reminders=reminders)
    _, text = page.link("webcal://feeds.example.org/demo/reminders/all.ics")
    assert text.startswith("Subscribe with reminders")
    page.link("webcal://feeds.example.org/demo/reminders/class/o4wd.ics")
    note = " ".join(" ".join(page.text).split())
    assert "Google Calendar ignores them" in note and "No alarms" not in note
    offline = render(fixture_season(None), reminders=reminders)
    attributes, text = offline.link("reminders/all.ics")
    assert "download" in attributes and text.startswith("Download with reminders")


SEASONS = fixture("page/seasons.yaml")


def test_seasons_in_the_window_newest_first_and_every_earlier_archive_linked():
    championship = load(SEASONS)
    feeds = plan(championship)
    page = Page(index_page(championship, feeds))
    sections = [a for t, a in page.elements if t == "section" and "data-year" in a]
    assert [(a["id"], a.get("data-until")) for a in sections] == [
        ("season-2027", "2027-07-10"),
        ("season-2026", "2026-10-10"),
    ]  # 2025 has left the stable feeds: only its archive is offered
    ids = [a["id"] for _, a in page.elements if "id" in a]
    assert len(ids) == len(set(ids))  # round ids recur across seasons; card ids do not
    assert "round-2027-spring" in ids and "round-2026-spring" in ids
    assert "round-2025-spring" not in ids
    hrefs = set(page.hrefs())
    for feed in feeds:
        if feed.season in (2025, 2026) and not feed.reminders:
            assert feed.path in hrefs, feed.path  # every earlier season's archive feeds
            if feed.kind != "round":
                assert f"webcal://feeds.example.org/demo/{feed.path}" in hrefs
    assert not [h for h in hrefs if h.startswith("2027/") and "/round/" not in h]
    assert page.headings[-4:-1] == ["Earlier seasons", "The 2026 season", "The 2025 season"]
    events = json_ld(page)
    assert [(e["name"], e["startDate"]) for e in events] == [
        ("Spring Rally", "2027-03-05"),
        ("Summer Rally", "2027-07-09"),
        ("Spring Rally", "2026-03-06"),
        ("Autumn Rally", "2026-10-09"),
    ]
    assert events[0]["url"].endswith("#round-2027-spring")


def test_the_page_says_what_a_new_season_does_to_the_calendars():
    championship = load(SEASONS)
    page = Page(index_page(championship, plan(championship)))
    text = " ".join(" ".join(page.text).split())
    assert "The calendars carry the 2 latest seasons." in text
    assert "the 2027 season leaves when the 2029 season arrives" in text
    assert "archive calendar under “Earlier seasons” below" in text
    tag, over = page.by_id("season-over")
    assert tag == "p" and "hidden" in over  # shown by the browser, on the viewer's date
    assert "The 2027 season is over, and the 2028 season is not announced yet." in text
    single = render(fixture_season())
    assert "on this page once a newer season arrives" in " ".join(single.text)
    assert not [a for t, a in single.elements if a.get("id") == "archives"]


def test_a_moved_round_is_rescheduled_for_search_engines_and_stays_so(tmp_path):
    source, out = copy_source(tmp_path), tmp_path / "dist"
    export(source, out)
    uid = "ara.2026.olympus@rallycal"

    def olympus() -> dict:
        page = Page((out / "index.html").read_bytes())
        return next(e for e in json_ld(page) if e["identifier"] == uid)

    assert olympus()["eventStatus"] == "https://schema.org/EventScheduled"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("first_day: 2026-04-17", "first_day: 2026-04-18"))
    export(source, out, seconds=EPOCH + 3600)
    moved = olympus()
    assert moved["eventStatus"] == "https://schema.org/EventRescheduled"
    assert (moved["previousStartDate"], moved["startDate"]) == ("2026-04-17", "2026-04-18")
    page = (out / "index.html").read_bytes()
    export(source, out, seconds=EPOCH + 7200)  # nothing changed: the page says the same
    assert (out / "index.html").read_bytes() == page
    (out / "feeds.json").unlink()  # and it is read from the page, not the manifest
    export(source, out, seconds=EPOCH + 7200)
    assert (out / "index.html").read_bytes() == page


@pytest.mark.parametrize("text", ["", "plain", "<a href=\"x\">'&amp;'</a>", "&<>\"'", "é → ü"])
def test_markup_escape_is_html_escape(text):
    import html

    from rallycal.page.markup import escape

    assert escape(text) == html.escape(text)
