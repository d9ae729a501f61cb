"""The subscribe page from `rallycal.render.page`, read as HTML: what it offers, and that
nothing from the source escapes its place. Fast: no browser (see test_page_browser.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import date, datetime
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from seasons import season_source

from rallycal.model import Championship
from rallycal.plan import plan, round_anchor, uid
from rallycal.render.news import Notice
from rallycal.render.page import index_page
from rallycal.source import parse
from rallycal.wording import day

BASE_URL = "https://feeds.example.org/demo/"
GOOGLE = "https://calendar.google.com/calendar/r"
OUTLOOK = "https://outlook.live.com/calendar/0/addfromweb"
SERIES = """\
series:
  id: demo
  name: Demo Rally Championship
  short: DRC
  url: https://example.org/demo
{base_url}  color: navy
seasons:
"""
CLASSES = """\
    classes:
      - {id: o4wd, name: Open 4WD, short: O4WD, color: crimson}
      - {id: l4wd, name: Limited 4WD, short: L4WD, color: teal}
      - {id: o2wd, name: Open 2WD, short: O2WD, color: darkorange}
      - {id: l2wd, name: Limited 2WD, short: L2WD}
"""
VINTAGE = "      - {id: vintage, name: Vintage, short: VIN}\n"
# (id, name, month, first day, days, status, classes, extra lines)
ROUNDS = (
    ("sno", "Sno*Drift Rally", 2, 6, 2, None, None, ""),
    ("acre", "Rally in the 100 Acre Wood", 3, 13, 2, "cancelled", None, ""),
    ("olympus", "Olympus Rally", 4, 17, 3, None, None, "url: https://example.org/olympus"),
    ("valley", "Valley Rally", 5, 8, 2, "postponed", None, ""),
    ("canyon", "Canyon Rally", 6, 12, 2, "tentative", "[o4wd, l4wd]", ""),
    ("lakes", "Ojibwe Forests Rally", 8, 21, 2, None, None, "notes: Service park at the fair."),
    ("desert", "Desert Sprint", 9, 11, 1, None, "[o2wd, l2wd]", ""),
    ("finale", "Lake Superior Performance Rally", 10, 16, 2, None, None, ""),
)
TEAMS = """\
    teams:
      - id: lia-block
        name: Lia Block
        rounds: [sno, olympus, lakes, finale]
        crews:
          - {{driver: Lia Block, co_driver: Rhianon Gelsomino, car: Subaru WRX, class: o4wd}}
      - id: northern
        name: Northern Lakes Independent Privateer Rally Team
        short: NLIPRT
        run_by: Pat Example
        rounds: [sno, acre, olympus, valley, lakes, finale]
        crews:
          - {{driver: Alex Example, co_driver: Sam Example, car: Ford Fiesta, class: l4wd}}
          - {{driver: Kim Example, car: Honda Fit, class: l2wd}}
      - id: team-{year}
        name: Only in {year}
        rounds: [desert]
        crews:
          - {{driver: Jo Example, car: Mazda 2, class: o2wd}}
"""


def season_block(year: int, *, vintage: bool = False) -> str:
    """One season of 8 rounds, 4 classes and 3 teams (one of them a single driver);
    `vintage` adds a class that runs the rounds open to every class."""
    rounds = ["    rounds:"]
    for round_id, name, month, first, days, status, classes, extra in ROUNDS:
        lines = [
            f"      - id: {round_id}",
            f'        name: "{name}"',
            f"        first_day: {year}-{month:02d}-{first:02d}",
            f"        last_day: {year}-{month:02d}-{first + days - 1:02d}",
            "        venue: {town: Atlanta, state: Michigan, country: United States,",
            "                timezone: America/Detroit, latitude: 45.005, longitude: -84.144}",
        ]
        lines += [f"        status: {status}"] * bool(status)
        lines += [f"        classes: {classes}"] * bool(classes)
        lines += [f"        {extra}"] * bool(extra)
        rounds += lines
    classes = CLASSES + (VINTAGE if vintage else "")
    return f"  - year: {year}\n{classes}" + "\n".join(rounds) + "\n" + TEAMS.format(year=year)


def source(years: list[int], *, base_url: bool = True, vintage: tuple[int, ...] = ()) -> str:
    base = f"  base_url: {BASE_URL}\n" if base_url else ""
    seasons = "".join(season_block(year, vintage=year in vintage) for year in years)
    return SERIES.format(base_url=base) + seasons


def championship_of(
    years: list[int], *, base_url: bool = True, vintage: tuple[int, ...] = ()
) -> Championship:
    return parse(source(years, base_url=base_url, vintage=vintage).encode(), "events.yaml")


def render(championship: Championship, **options: object) -> bytes:
    return index_page(championship, plan(championship), **options)  # type: ignore[arg-type]


class Page(HTMLParser):
    """The elements of a page with their attributes, its text, and the inline blocks."""

    def __init__(self, html: bytes) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.inline: dict[str, list[str]] = {"script": [], "style": [], "ld+json": []}
        self._raw: str | None = None
        self.feed(html.decode("utf-8"))
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag == "script" and attributes.get("type") == "application/ld+json":
            tag = "ld+json"
        if tag in self.inline:
            self._raw = tag
            self.inline[tag].append("")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._raw = None

    def handle_data(self, data):
        if self._raw:
            self.inline[self._raw][-1] += data
        else:
            self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attributes for name, attributes in self.elements if name == tag]

    def hrefs(self) -> list[str]:
        return [a["href"] or "" for a in self.all("a") if a.get("href")]

    def ids(self) -> list[str]:
        return [a["id"] or "" for _, a in self.elements if a.get("id")]

    @property
    def words(self) -> str:
        return " ".join(" ".join(self.text).split())


def between(html: bytes, start: str, end: str) -> str:
    """The text of `html` from the first `start` to the next `end` after it."""
    text = html.decode("utf-8")
    first = text.index(start)
    return text[first : text.index(end, first)]


def notice(n: int, link: str | None = BASE_URL + "index.html#round-2030-sno") -> Notice:
    return Notice(
        f"urn:uuid:{n}", datetime(2030, 1, n + 1, 9), f"Change {n}, round 1 of 2030",
        f"What changed, {n}.", link,
    )


@pytest.fixture(scope="module")
def two() -> Championship:
    """Two seasons; a class that ran in 2029 only, and a team of 2029 only."""
    return championship_of([2029, 2030], vintage=(2029,))


@pytest.fixture(scope="module")
def html(two: Championship) -> bytes:
    return render(two)


@pytest.fixture(scope="module")
def page(html: bytes) -> Page:
    return Page(html)


@pytest.fixture(scope="module")
def plain_html() -> bytes:
    return render(championship_of([2029, 2030], base_url=False))


@pytest.fixture(scope="module")
def plain(plain_html: bytes) -> Page:
    return Page(plain_html)


HOSTILE = {
    "team_name": "<script>alert(1)</script>",
    "round_name": '"><img src=x onerror=alert(1)>',
    "class_name": "' onfocus='alert(3)' autofocus x='",
    "town": "<img src=x onerror=alert(4)>",
    "notes": "</p><a href=javascript:alert(5)>tap</a>",
    "driver": "</style><style>*{display:none}</style>",
    "series_name": "</title><script>alert(6)</script>",
    "car": "{{ 7 * 7 }}",
}


def test_text_from_the_source_stays_text() -> None:
    championship = parse(season_source(**HOSTILE).encode(), "events.yaml")
    html = index_page(
        championship, plan(championship),
        notices=[notice(1, "javascript:alert(7)"), notice(2, "</a><script>x</script>")],
    )
    page = Page(html)
    tags = {name for name, _ in page.elements}
    assert "img" not in tags
    assert len(page.all("script")) == 2 and len(page.all("style")) == 1
    attributes = {key for _, attributes in page.elements for key in attributes}
    assert not {key for key in attributes if key.startswith("on")}
    assert "autofocus" not in attributes
    assert not [href for href in page.hrefs() if not href.startswith(("https:", "webcal:"))
                and urlsplit(href).scheme]
    for value in HOSTILE.values():
        assert value in " ".join(page.text), value
    assert b"<script>alert" not in html and b"<img" not in html and b"49" not in html
    events = json.loads(page.inline["ld+json"][0])
    assert events[0]["name"] == HOSTILE["round_name"]
    assert "<" not in page.inline["ld+json"][0]


def test_every_round_of_every_season_has_its_card(two: Championship, page: Page) -> None:
    ids = page.ids()
    assert len(ids) == len(set(ids))
    for season in two.seasons:
        for round_ in season.rounds:
            assert round_anchor(season.year, round_.id) in ids


def test_past_seasons_are_folded_with_their_archives(html: bytes) -> None:
    assert b'<section id="season-2030" class="season latest"' in html
    earlier = between(html, '<details id="season-2029"', "</section>")
    assert " open" not in earlier.split(">", 1)[0]
    assert 'id="round-2029-sno"' in earlier
    assert 'href="2029/round/sno.ics"' in earlier
    for archive in ("2029/all.ics", "2029/class/vintage.ics", "2029/team/team-2029.ics"):
        assert f'href="{archive}"' in earlier
        assert f"webcal://feeds.example.org/demo/{archive}" in earlier


def test_seasons_beyond_the_window_are_listed_too() -> None:
    html = render(championship_of([2027, 2028, 2029, 2030]))
    years = re.findall(rb'id="season-(\d{4})"', html)
    assert years == [b"2030", b"2029", b"2028", b"2027"]
    oldest = between(html, '<details id="season-2027"', "</section>")
    assert "No longer in the calendars above" in oldest
    assert 'href="2027/all.ics"' in oldest
    assert "In the calendars above until the 2031 season" in between(
        html, '<details id="season-2029"', '<details id="season-2028"'
    )
    # A season the stable feeds no longer carry offers its rounds' archive copies alone:
    # its `round/<id>.ics` holds a later year's round of that id.
    card = between(html, 'id="round-2027-sno"', "</li>")
    assert "webcal:" not in card and "Subscribe" not in card
    assert 'href="2027/round/sno.ics" download' in card


def test_the_whole_season_every_way(page: Page) -> None:
    hrefs = page.hrefs()
    webcal = "webcal://feeds.example.org/demo/all.ics"
    assert webcal in hrefs and "all.ics" in hrefs
    google = [h for h in hrefs if h.startswith("https://calendar.google.com/calendar/r?")]
    assert webcal in [parse_qs(urlsplit(h).query)["cid"][0] for h in google]
    outlook = [
        parse_qs(urlsplit(h).query) for h in hrefs if h.startswith(OUTLOOK + "?")
    ]
    assert {"url": [BASE_URL + "all.ics"], "name": ["DRC"]} in outlook
    fields = {a["id"]: a["value"] for a in page.all("input")}
    assert BASE_URL + "all.ics" in fields.values()
    copy = [b["data-copy"] for b in page.all("button")]
    assert sorted(copy) == sorted(fields)


def test_reminders_where_apps_honour_them(page: Page, html: bytes) -> None:
    hrefs = page.hrefs()
    webcal = "webcal://feeds.example.org/demo/reminders/all.ics"
    assert webcal in hrefs and "reminders/all.ics" in hrefs
    assert any(h.startswith(OUTLOOK) and "reminders%2Fall.ics" in h for h in hrefs)
    assert not [h for h in hrefs if h.startswith(GOOGLE) and "reminders" in h]
    fields = [a["value"] for a in page.all("input")]
    assert BASE_URL + "reminders/class/o4wd.ics" in fields
    assert "Google Calendar ignores reminders in subscribed calendars; set notifications " \
        "in Google Calendar." in page.words


def test_round_cards_offer_their_feed_in_the_seasons_the_stable_feeds_carry(html: bytes) -> None:
    card = between(html, 'id="round-2030-sno"', "</li>")
    webcal = "webcal://feeds.example.org/demo/round/sno.ics"
    assert f'href="{webcal}"' in card
    assert "https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2F" in card
    assert f"<code>{BASE_URL}round/sno.ics</code>" in card  # to copy, not to tap
    assert 'href="2030/round/sno.ics" download' in card
    assert "Subscribe to this rally" in card and "One-time import" in card
    earlier = between(html, 'id="round-2029-sno"', "</li>")  # 2029 is in the window too
    assert f'href="{webcal}"' in earlier and "Subscribe to this rally" in earlier
    assert 'href="2029/round/sno.ics" download' in earlier


def test_round_facts(html: bytes, page: Page) -> None:
    cancelled = between(html, 'id="round-2030-acre"', "</li>")
    assert "Cancelled" in cancelled and "data-first" not in cancelled
    sno = between(html, 'id="round-2030-sno"', "</li>")
    assert 'data-first="2030-02-06" data-last="2030-02-07"' in sno
    assert "Wed 6 – Thu 7 Feb 2030" in sno and "Atlanta, Michigan, United States" in sno
    assert "Confirmed" not in sno and "chips" not in sno
    canyon = between(html, 'id="round-2030-canyon"', "</li>")
    assert "Tentative" in canyon and ">O4WD<" in canyon and ">O2WD<" not in canyon
    assert 'href="https://example.org/olympus"' in between(html, 'id="round-2030-olympus"', "</li>")
    assert "Service park at the fair." in between(html, 'id="round-2030-lakes"', "</li>")


def test_only_what_the_latest_season_has_is_offered(page: Page) -> None:
    ids = page.ids()
    assert {"class-o4wd", "class-l2wd", "team-lia-block", "team-team-2030"} <= set(ids)
    assert "class-vintage" not in ids and "team-team-2029" not in ids
    hrefs = page.hrefs()
    assert "class/vintage.ics" not in hrefs and "team/team-2029.ics" not in hrefs
    assert "2029/class/vintage.ics" in hrefs and "2029/team/team-2029.ics" in hrefs


def test_a_team_of_one_is_never_its(html: bytes) -> None:
    teams = between(html, 'id="team-lia-block"', "</details>\n")
    assert "Lia Block" in teams
    text = " ".join(Page(html).text)
    assert not re.search(r"\bits (crews|cars|rounds entered)", text)
    assert " its " not in " ".join(
        between(html, f'id="team-{team}"', "</details>\n") for team in ("lia-block", "northern")
    )


def test_one_note_against_overlapping_subscriptions(page: Page, plain: Page) -> None:
    for words in (page.words, plain.words):
        assert words.count("Pick one of each") == 1
        assert "rounds twice" in words and "“with reminders” copy" in words


def test_without_a_base_url_only_one_time_imports(plain: Page, plain_html: bytes) -> None:
    hrefs = plain.hrefs()
    assert not [h for h in hrefs if h.startswith(("webcal:", GOOGLE, OUTLOOK))]
    assert plain.all("input") == [] and plain.all("svg") == []
    assert "all.ics" in hrefs and "reminders/all.ics" in hrefs and "2030/round/sno.ics" in hrefs
    headings = re.findall(rb"<h[23][^>]*>([^<]*)<", plain_html)
    assert b"Download" in headings and b"Download the whole season" in headings
    assert not [h for h in headings if h.startswith(b"Subscribe") or h.startswith(b"Follow")]
    words = plain.words
    assert "one-time import" in words and "never updates" in words
    assert "import the file again" in words
    for untrue in ("leave", "when you subscribe", "Subscribe to this rally", "Remove"):
        assert untrue not in words, untrue
    metas = {m.get("property"): m.get("content") for m in plain.all("meta")}
    assert "og:url" not in metas and not [x for x in plain.all("link") if x["rel"] == "canonical"]


def test_head_metadata(page: Page) -> None:
    metas = {m.get("property") or m.get("name"): m.get("content") for m in page.all("meta")}
    assert metas["og:url"] == BASE_URL + "index.html"
    assert metas["og:type"] == "website" and metas["og:title"]
    assert metas["description"] == metas["og:description"]
    assert metas["description"].startswith("The 2030 Demo Rally Championship: 8 rounds")
    assert page.all("svg") and "Scan with a phone's camera" in page.words


def test_latest_changes() -> None:
    two = championship_of([2030])
    none = Page(render(two))
    assert "changes" not in none.ids() and "changes.atom" not in none.hrefs()
    assert not [x for x in none.all("link") if x["rel"] == "alternate"]
    empty = Page(render(two, notices=[]))
    assert "No changes since the calendar was first published." in empty.words
    assert [x["href"] for x in empty.all("link") if x["rel"] == "alternate"] == ["changes.atom"]
    assert "changes.atom" in empty.hrefs()
    notices = [notice(n) for n in range(7, 0, -1)]
    notices[0] = notice(7, "javascript:alert(1)")
    html = render(two, notices=notices)
    shown = re.findall(rb"Change (\d), round 1 of 2030", html)
    assert shown == [b"7", b"6", b"5", b"4", b"3"]
    words = Page(html).words
    assert day(date(2030, 1, 8)) in words and "What changed, 7." in words
    changes = between(html, 'id="changes"', "</section>")
    assert changes.count(f'href="{BASE_URL}index.html#round-2030-sno"') == 4
    assert "javascript" not in changes


def test_json_ld_sports_events(two: Championship) -> None:
    moved = uid(two.series, 2030, "sno")
    page = Page(render(two, previous_starts={moved: date(2030, 1, 30)}))
    [block] = page.inline["ld+json"]
    events = json.loads(block)
    assert len(events) == 16  # both seasons in the window, newest first
    assert [e["startDate"][:4] for e in events[::8]] == ["2030", "2029"]
    for event in events:
        assert event["@type"] == "SportsEvent" and event["@context"] == "https://schema.org"
        assert event["name"] and event["location"]["@type"] == "Place"
        assert event["location"]["address"]["@type"] == "PostalAddress"
        assert date.fromisoformat(event["startDate"]) <= date.fromisoformat(event["endDate"])
        assert event["organizer"]["name"] == "Demo Rally Championship"
    by_id = {e["identifier"]: e for e in events}
    assert by_id[moved]["eventStatus"] == "https://schema.org/EventRescheduled"
    assert by_id[moved]["previousStartDate"] == "2030-01-30"
    assert by_id[uid(two.series, 2030, "acre")]["eventStatus"].endswith("EventCancelled")
    assert by_id[uid(two.series, 2030, "valley")]["eventStatus"].endswith("EventPostponed")
    olympus = by_id[uid(two.series, 2030, "olympus")]
    assert olympus["url"] == "https://example.org/olympus"
    assert by_id[uid(two.series, 2029, "sno")]["url"] == BASE_URL + "index.html#round-2029-sno"


def test_the_policy_allows_exactly_the_inline_style_and_script(page: Page) -> None:
    [policy] = [m["content"] for m in page.all("meta") if m.get("http-equiv")]
    rules = dict(rule.strip().split(" ", 1) for rule in (policy or "").split(";"))
    assert rules["default-src"] == "'none'"

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert rules["style-src"] == digest(page.inline["style"][0])
    assert rules["script-src"] == digest(page.inline["script"][0])
    assert ".sw-crimson{--sw:#dc143c}" in page.inline["style"][0]


def test_the_same_inputs_give_the_same_bytes(two: Championship, html: bytes) -> None:
    again = index_page(two, plan(two))
    assert again == html
    assert b"None" not in html and html.startswith(b"<!doctype html>")
