"""The subscribe page in a real browser: Debian's Chromium, headless, through Playwright.

Exports are served from a local HTTP server; every request to any other host is
refused and counted. Screenshots go to test-artifacts/. Skipped when Chromium or
Playwright is missing here, but failing in CI, where `.ci/run` installs both.
"""

from __future__ import annotations

import functools
import io
import json
import re
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from seasons import season_source
from support import ROOT, copy_source, export, fixture, require

from rallycal.feeds import plan
from rallycal.model import Championship
from rallycal.page import Change, index_page
from rallycal.source import load

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"
FIXTURE = fixture("page/season.yaml")
FIXTURE_PAGE = "https://feeds.example.org/demo/index.html"
SEASONS = fixture("page/seasons.yaml")
CHANGES = (
    Change(datetime(2026, 3, 2, 18, 5), "Coastal Rally is postponed."),
    Change(datetime(2026, 2, 20, 9), "Spring Forest Rally moved from Fri 30 Jan to Fri 6 Feb."),
)
REMINDERS = {"all.ics": "reminders/all.ics", "class/o4wd.ics": "reminders/class/o4wd.ics"}
BASE_URL = "https://feeds.example.org/ara/"
SERIES_SITE = "https://americanrallyassociation.org"
GOOGLE = "https://calendar.google.com/calendar/r"
OUTLOOK = "https://outlook.live.com/calendar/0/addfromweb"
HOSTILE = {
    "team_name": "<script>alert(1)</script>",
    "round_name": '"onmouseover="alert(2)',
    "class_name": "' onfocus='alert(3)' autofocus x='",
    "town": "<img src=x onerror=alert(4)>",
    "notes": "</p><a href=javascript:alert(5)>tap</a>",
    "driver": "</style><style>*{display:none}</style>",
}

# Every visible text against the background it is drawn on: WCAG AA (4.5:1, 3:1 when large).
CONTRAST = """() => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const channel = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  const lum = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const behind = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  };
  const bad = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode()); ) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el.getClientRects().length || el.closest(".vh")) continue;
    const style = getComputedStyle(el);
    const [a, b] = [lum(rgb(style.color)), lum(behind(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) bad.push(`${node.textContent.trim()}: ${ratio.toFixed(2)}`);
  }
  return bad;
}"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@dataclass
class Visit:
    """A page and everything that went wrong, or went elsewhere, while it was open."""

    page: Any
    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.failed == [], self.failed
        assert self.foreign == [], self.foreign
        assert self.dialogs == [], self.dialogs


@pytest.fixture(scope="module")
def browser():
    require(
        CHROMIUM.exists(), f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "Playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def origin(tmp_path_factory) -> str:
    """A local server over four exports, each in its own folder."""
    root = tmp_path_factory.mktemp("sites")
    work = tmp_path_factory.mktemp("sources")
    export(copy_source(work), root / "published", base_url=BASE_URL)
    export(copy_source(work), root / "unpublished")
    for name, values in (("clean", {}), ("hostile", HOSTILE)):
        source = work / f"{name}.yaml"
        source.write_text(season_source(**values), encoding="utf-8")
        export(source, root / name)
    export(FIXTURE, root / "fixture")
    offline = work / "offline.yaml"
    offline.write_text(
        FIXTURE.read_text(encoding="utf-8").replace("  base_url: ", "  # base_url: "),
        encoding="utf-8",
    )
    export(offline, root / "fixture-offline")
    export(FIXTURE, root / "extras")
    season = load(FIXTURE).latest
    (root / "extras" / "index.html").write_bytes(
        index_page(season, [f for f in plan(Championship.of(season)) if f.season is None],
                       changes=CHANGES, reminders=REMINDERS)
    )
    export(SEASONS, root / "seasons")
    championship = load(SEASONS)
    *earlier, latest = championship.seasons
    called_off = tuple(replace(r, status="cancelled") for r in latest.rounds)
    championship = replace(championship, seasons=(*earlier, replace(latest, rounds=called_off)))
    export(SEASONS, root / "seasons-called-off")
    (root / "seasons-called-off" / "index.html").write_bytes(
        index_page(championship, plan(championship))
    )
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def visit(context, origin: str, site: str, now: datetime | None = None) -> Visit:
    """Open a site's page, refusing and recording every request that leaves the server."""
    visit = Visit(context.new_page())
    page = visit.page

    def route(route):
        if route.request.url.startswith(origin + "/"):
            route.continue_()
        else:
            visit.foreign.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: m.type in ("error", "warning") and visit.errors.append(m.text))
    page.on("pageerror", lambda error: visit.errors.append(str(error)))
    page.on("requestfailed", lambda request: visit.failed.append(request.url))
    page.on("dialog", lambda dialog: (visit.dialogs.append(dialog.message), dialog.dismiss()))
    if now is not None:
        page.clock.set_fixed_time(now)
    page.goto(f"{origin}/{site}/index.html", wait_until="load")
    return visit


def new_context(browser, width: int = 375, **options):
    return browser.new_context(
        viewport={"width": width, "height": 800}, timezone_id="America/Chicago", **options
    )


def open_every_fold(page) -> None:
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


@pytest.mark.parametrize(("width", "scheme"), [(375, "light"), (1280, "light"), (375, "dark")])
def test_the_page_loads_cleanly_and_fits(browser, origin, width, scheme):
    context = new_context(browser, width, color_scheme=scheme)
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page_visit = visit(context, origin, "published", now=datetime(2026, 3, 1, 12))
    page = page_visit.page
    screenshot(page, f"subscribe-{width}-{scheme}.png")
    open_every_fold(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"subscribe-{width}-{scheme}-unfolded.png")
    assert page.evaluate(CONTRAST) == []
    page_visit.assert_clean()
    assert requests == [f"{origin}/published/index.html"]
    context.close()


def test_every_link_leads_to_a_file_of_the_export_or_a_calendar_service(browser, origin):
    context = new_context(browser)
    page_visit = visit(context, origin, "published")
    page = page_visit.page
    feeds = [
        f for f in json.loads(page.request.get(f"{origin}/published/feeds.json").body())["feeds"]
        if f["season"] is None
    ]
    links = page.eval_on_selector_all(
        "a[href]", "(as) => as.map((a) => [a.getAttribute('href'), a.href])"
    )
    webcals, downloads = set(), set()
    for raw, resolved in links:
        scheme = urlsplit(raw).scheme
        if raw.startswith("#"):
            assert page.locator(raw).count() == 1, raw
        elif scheme == "":
            response = page.request.get(resolved)
            assert response.status == 200, raw
            if raw.endswith(".ics"):
                assert response.body().startswith(b"BEGIN:VCALENDAR\r\n"), raw
                downloads.add(raw)
        elif scheme == "webcal":
            webcals.add(raw)
        elif raw.startswith(GOOGLE + "?"):
            (cid,) = parse_qs(urlsplit(raw).query)["cid"]
            assert cid in {f["webcal"] for f in feeds}, raw
            assert "webcal%3A%2F%2F" in raw, raw
        elif raw.startswith(OUTLOOK + "?"):
            query = parse_qs(urlsplit(raw).query)
            assert {(f["url"], f["title"]) for f in feeds} >= {(query["url"][0], query["name"][0])}
        else:
            assert raw == SERIES_SITE, raw
    assert webcals == {f["webcal"] for f in feeds if f["kind"] != "round"}  # rounds: import
    stable = {f["path"] for f in feeds if not f["reminders"] and f["kind"] != "round"}
    copies = {f"2026/{f['path']}" for f in feeds if f["kind"] == "round"}  # one round each
    assert downloads == stable | copies  # reminders variants: subscribe only
    page_visit.assert_clean()
    context.close()


@pytest.mark.parametrize(
    ("feed", "path"),
    [
        ("combined-all", "all.ics"),
        ("class-l4wd", "class/l4wd.ics"),
        ("team-mini-jcw", "team/mini-jcw.ics"),
    ],
)
def test_the_copy_button_puts_the_address_on_the_clipboard(browser, origin, feed, path):
    context = new_context(browser, permissions=["clipboard-read", "clipboard-write"])
    page_visit = visit(context, origin, "published")
    page = page_visit.page
    button = page.locator(f'button[data-copy="address-{feed}"]')
    way = button.locator("xpath=ancestor::div[contains(@class, 'way-copy')]")
    fold = button.locator("xpath=ancestor::details/summary")
    if fold.count():
        fold.click()
    button.click()
    assert page.evaluate("navigator.clipboard.readText()") == BASE_URL + path
    assert way.locator(".said").inner_text().startswith("Copied")
    page_visit.assert_clean()
    context.close()


def test_without_clipboard_access_the_address_is_selected_for_copying(browser, origin):
    context = new_context(browser)
    context.add_init_script(
        "navigator.clipboard.writeText = () => Promise.reject(new Error('denied'));"
    )
    page_visit = visit(context, origin, "published")
    page = page_visit.page
    page.locator('button[data-copy="address-combined-all"]').click()
    selected = page.evaluate(
        "(() => { const f = document.activeElement;"
        " return [f.id, f.value.slice(f.selectionStart, f.selectionEnd)]; })()"
    )
    assert selected == ["address-combined-all", BASE_URL + "all.ics"]
    assert page.locator(".way-copy .said").first.inner_text() != ""
    page_visit.assert_clean()
    context.close()


@pytest.mark.parametrize(
    ("now", "round_id", "mark"),
    [
        (datetime(2026, 1, 1, 9), "sno-drift", "Next round, in 36 days"),
        (datetime(2026, 3, 1, 12), "100-acre-wood", "Next round, in 12 days"),
        (datetime(2026, 4, 16, 23, 30), "olympus", "Next round, tomorrow"),
        (datetime(2026, 4, 18, 8), "olympus", "Next round, on now"),
        (datetime(2026, 10, 11, 8), None, None),
    ],
)
def test_the_next_round_is_marked_on_the_viewers_date(browser, origin, now, round_id, mark):
    context = new_context(browser)
    page_visit = visit(context, origin, "published", now=now)
    page = page_visit.page
    marked = page.eval_on_selector_all(".is-next", "(els) => els.map((e) => e.id)")
    banner = page.locator("#next-round")
    if round_id is None:
        assert marked == [] and banner.is_hidden()
    else:
        assert marked == [f"round-2026-{round_id}"]
        assert page.locator(f"#round-2026-{round_id} .mark").inner_text() == mark
        assert banner.is_visible() and banner.inner_text().startswith(mark + ": ")
        assert banner.locator("a").get_attribute("href") == f"#round-2026-{round_id}"
    page_visit.assert_clean()
    context.close()


def test_the_page_works_without_javascript(browser, origin):
    context = new_context(browser, java_script_enabled=False)
    page_visit = visit(context, origin, "published", now=datetime(2026, 3, 1, 12))
    page = page_visit.page
    screenshot(page, "subscribe-375-no-javascript.png")
    assert page.locator(".mark:visible, .is-next, #next-round:visible").count() == 0
    assert page.locator("button[data-copy]:visible").count() == 0
    assert page.locator("#address-combined-all").input_value() == BASE_URL + "all.ics"
    team = page.locator("#team-mini-jcw")
    apple = team.get_by_role("link", name="Subscribe in Apple Calendar")
    assert apple.is_hidden()
    team.locator("summary").click()
    assert apple.is_visible()
    assert apple.get_attribute("href") == "webcal://feeds.example.org/ara/team/mini-jcw.ics"
    olympus = page.locator("#round-2026-olympus")
    download = olympus.get_by_role("link", name="Download a one-time import")
    assert download.is_visible() and download.get_attribute("href") == "2026/round/olympus.ics"
    page_visit.assert_clean()
    context.close()


def test_without_a_base_url_the_page_offers_downloads_as_one_time_imports(browser, origin):
    context = new_context(browser, accept_downloads=True)
    page_visit = visit(context, origin, "unpublished")
    page = page_visit.page
    screenshot(page, "subscribe-375-no-base-url.png")
    assert page.get_by_role("heading", name="Download the whole season").is_visible()
    assert page.get_by_role("heading", name="Subscribe").count() == 0
    assert "base_url" not in page.locator("body").inner_text()
    assert page.locator("a[href^='webcal:'], a[href^='https://calendar'], input").count() == 0
    assert page.locator("svg").count() == 0
    with page.expect_download() as download:
        page.locator("#subscribe").get_by_role("link", name="Download a one-time import").click()
    assert download.value.suggested_filename == "all.ics"
    assert Path(download.value.path()).read_bytes().startswith(b"BEGIN:VCALENDAR")
    page_visit.assert_clean()
    context.close()


def test_hostile_names_show_as_text_and_run_nothing(browser, origin):
    context = new_context(browser)
    clean = visit(context, origin, "clean")
    count = "document.querySelectorAll('*').length"
    elements = clean.page.evaluate(count)
    hostile = visit(context, origin, "hostile")
    page = hostile.page
    open_every_fold(page)
    for heading in page.locator("h3").all():
        heading.hover()
    for _ in range(12):
        page.keyboard.press("Tab")
    screenshot(page, "subscribe-375-hostile.png")
    assert page.evaluate(count) == elements
    assert page.evaluate("document.querySelectorAll('script:not([type])').length") == 1
    assert page.locator("script[type='application/ld+json']").count() == 1
    assert page.locator("img, style:not(head > style)").count() == 0
    handlers = page.evaluate(
        "[...document.querySelectorAll('*')].flatMap((e) => [...e.getAttributeNames()])"
        ".filter((name) => name.startsWith('on') || name === 'autofocus')"
    )
    assert handlers == []
    text = page.locator("body").inner_text()
    for value in HOSTILE.values():
        assert value in text, value
    hostile.assert_clean()
    clean.assert_clean()
    context.close()


def decode_qr(png: bytes) -> list[str]:
    """The text of every QR code in a screenshot, read by zxing-cpp."""
    try:
        import zxingcpp
        from PIL import Image
    except ImportError:
        require(False, "zxing-cpp or Pillow is not installed (pip install -e '.[test]')")
    codes = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))
    return [code.text for code in codes if code.format == zxingcpp.BarcodeFormat.QRCode]


@pytest.mark.parametrize(
    ("width", "scheme"), [(390, "light"), (390, "dark"), (1280, "light"), (1280, "dark")]
)
def test_the_new_parts_fit_read_well_and_load_nothing(browser, origin, width, scheme):
    context = new_context(browser, width, color_scheme=scheme)
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page_visit = visit(context, origin, "extras", now=datetime(2026, 3, 1, 12))
    page = page_visit.page
    open_every_fold(page)
    screenshot(page, f"extras-{width}-{scheme}.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(CONTRAST) == []
    assert page.locator("#changes li").count() == 2
    assert page.get_by_role("link", name="Follow changes").get_attribute("href") == "changes.atom"
    reminders = page.get_by_role("link", name="Subscribe with reminders (DRC)")
    assert reminders.get_attribute("href") == "webcal://feeds.example.org/demo/reminders/all.ics"
    page_visit.assert_clean()
    assert requests == [f"{origin}/extras/index.html"]
    context.close()


@pytest.mark.parametrize(("width", "scheme"), [(390, "light"), (1280, "dark")])
def test_the_qr_code_in_a_screenshot_opens_the_subscribe_page(browser, origin, width, scheme):
    context = new_context(browser, width, color_scheme=scheme)
    page_visit = visit(context, origin, "fixture")
    page = page_visit.page
    page.locator("svg.qr-code").scroll_into_view_if_needed()
    assert decode_qr(page.screenshot()) == [FIXTURE_PAGE]
    page_visit.assert_clean()
    context.close()


@pytest.mark.parametrize("width", [320, 390])
def test_on_a_phone_the_chevron_stays_on_the_team_names_line(browser, origin, width):
    context = new_context(browser, width)
    page_visit = visit(context, origin, "fixture")
    page = page_visit.page
    rows = page.eval_on_selector_all(
        ".feeds summary",
        """(rows) => rows.map((s) => {
            const row = s.getBoundingClientRect(), name = s.querySelector("h3");
            const first = name.getClientRects()[0];
            return [name.textContent, first.left - row.left, first.top - row.top,
                    name.getClientRects().length];
        })""",
    )
    long = [r for r in rows if r[0].startswith("Northern Lakes")]
    assert long and long[0][3] >= 1
    for name, indent, drop, _ in rows:
        assert indent >= 8, (name, indent)  # the chevron stands to the left of the name
        assert drop < 8, (name, drop)  # and the name starts on the summary's first line
    page_visit.assert_clean()
    context.close()


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_the_printed_page_fits_one_sheet_with_title_rounds_and_qr(browser, origin, paper):
    context = new_context(browser, 1280, color_scheme="dark")
    page_visit = visit(context, origin, "fixture")
    page = page_visit.page
    pdf = page.pdf(format=paper)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    page.emulate_media(media="print")
    assert page.locator("h1").is_visible()
    assert page.locator(".round:visible").count() == 12
    assert page.locator(".ways:visible, nav:visible, #teams:visible, footer:visible").count() == 0
    png = page.screenshot(full_page=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"print-{paper}.png").write_bytes(png)
    assert decode_qr(png) == [FIXTURE_PAGE]
    page_visit.assert_clean()
    context.close()


def test_without_a_base_url_no_qr_code_and_round_files_are_imports(browser, origin):
    context = new_context(browser, 390)
    page_visit = visit(context, origin, "fixture-offline")
    page = page_visit.page
    assert page.locator("svg").count() == 0
    assert decode_qr(page.screenshot(full_page=True)) == []
    links = page.locator("#season-2026 a[download]")
    assert links.count() == 12
    assert all("one-time import" in text for text in links.all_inner_texts())
    page_visit.assert_clean()
    context.close()


def season_order(page) -> list[str]:
    return page.eval_on_selector_all("section[data-year]", "(s) => s.map((e) => e.id)")


@pytest.mark.parametrize(
    ("now", "order", "next_round", "over"),
    [
        # 2026 still running, 2027 announced: the latest with rounds ahead leads
        (datetime(2026, 5, 1, 12), ["season-2027", "season-2026"], "round-2026-autumn", False),
        (datetime(2026, 12, 1, 12), ["season-2027", "season-2026"], "round-2027-spring", False),
        # every season over: the newest stays first and the page says so
        (datetime(2027, 8, 1, 12), ["season-2027", "season-2026"], None, True),
    ],
)
def test_the_page_leads_with_the_latest_season_with_rounds_ahead(
    browser, origin, now, order, next_round, over
):
    context = new_context(browser, 390)
    page_visit = visit(context, origin, "seasons", now=now)
    page = page_visit.page
    assert season_order(page) == order
    marked = page.eval_on_selector_all(".is-next", "(els) => els.map((e) => e.id)")
    assert marked == ([next_round] if next_round else [])
    notice = page.locator("#season-over")
    assert notice.is_visible() == over
    if over:
        assert notice.inner_text().startswith(
            "The 2027 season is over, and the 2028 season is not announced yet."
        )
        screenshot(page, "seasons-390-over.png")
    page_visit.assert_clean()
    context.close()


def test_a_newer_season_with_nothing_ahead_gives_way_to_an_older_one(browser, origin):
    context = new_context(browser, 1280, color_scheme="dark")
    page_visit = visit(context, origin, "seasons-called-off", now=datetime(2026, 5, 1, 12))
    page = page_visit.page
    assert season_order(page) == ["season-2026", "season-2027"]
    assert page.locator("#season-over").is_hidden()
    page.emulate_media(media="print")  # the printed sheet shows the leading season only
    assert page.locator("section[data-year]:visible").evaluate_all(
        "(s) => s.map((e) => e.id)"
    ) == ["season-2026"]
    page_visit.assert_clean()
    context.close()


@pytest.mark.parametrize(("width", "scheme"), [(390, "light"), (1280, "dark")])
def test_earlier_seasons_fold_open_fit_and_read_well(browser, origin, width, scheme):
    context = new_context(browser, width, color_scheme=scheme)
    page_visit = visit(context, origin, "seasons", now=datetime(2026, 12, 1, 12))
    page = page_visit.page
    archive = page.locator("#archive-2025")
    link = archive.get_by_role("link", name="download (DRC 2025 · Old Team)")
    assert link.is_hidden()
    archive.locator("summary").click()
    assert link.is_visible() and link.get_attribute("href") == "2025/team/old-team.ics"
    assert page.request.get(f"{origin}/seasons/2025/team/old-team.ics").ok
    open_every_fold(page)
    screenshot(page, f"seasons-{width}-{scheme}.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(CONTRAST) == []
    page_visit.assert_clean()
    context.close()
