"""The subscribe page from `rallycal.render.page` in a real browser: Debian's Chromium,
headless, through Playwright, one launch for the module.

Pages are opened from files with the browser's clock fixed, so the next-round mark is
the same on every run; every request other than the page itself is counted as foreign.
Skipped when Chromium or Playwright is missing here, but failing in CI.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from support import require
from test_render_page import championship_of, notice

from rallycal.plan import plan
from rallycal.render.page import index_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TODAY = datetime(2030, 3, 1, 12)  # Olympus Rally (17 Apr) is next: 13 Mar is cancelled
PHONE, DESKTOP = 390, 1280
BUDGET = {"one": 4500, "two": 5500}  # px tall at 390 px wide
# Every Content-Security-Policy violation, recorded before the page's own script runs.
CSP_PROBE = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


@dataclass
class Visit:
    """An open page and everything that went wrong, or went elsewhere, while it was."""

    page: Any
    own: str = ""  # the file the page is loaded from
    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def request(self, url: str) -> None:
        if url.split("#")[0] not in (self.own, "about:blank"):
            self.foreign.append(url)

    def height(self) -> int:
        return int(self.page.evaluate("document.documentElement.scrollHeight"))

    def assert_clean(self) -> None:
        violations = self.page.evaluate("window.__violations")
        assert self.errors == [] and violations == [], (self.errors, violations)
        assert self.foreign == [], self.foreign


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require(CHROMIUM.exists(), f"no Chromium at {CHROMIUM} (apt-get install chromium)")
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
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """File URLs of the pages: one season and two (the earlier folded), with a base URL
    and the latest changes."""
    folder = tmp_path_factory.mktemp("pages")
    urls = {}
    for name, years in (("one", [2030]), ("two", [2029, 2030])):
        championship = championship_of(years)
        html = index_page(championship, plan(championship), notices=[notice(2), notice(1)])
        path = folder / f"{name}.html"
        path.write_bytes(html)
        urls[name] = path.as_uri()
    return urls


@pytest.fixture(scope="module")
def tab(browser: Any) -> Iterator[Visit]:
    """One tab for the module, its clock fixed, its errors and requests recorded."""
    context = browser.new_context()
    page = context.new_page()
    visit = Visit(page)
    page.on("console", lambda m: visit.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: visit.errors.append(str(e)))
    page.on("request", lambda r: visit.request(r.url))
    page.add_init_script(CSP_PROBE)
    page.clock.set_fixed_time(TODAY)
    yield visit
    context.close()


@pytest.fixture
def open_page(tab: Visit) -> Any:
    """Loads a page afresh in the module's tab, at a width and in a colour scheme."""

    def open_(url: str, width: int = PHONE, scheme: str = "light") -> Visit:
        tab.errors.clear()
        tab.foreign.clear()
        tab.own = url.split("#")[0]
        tab.page.goto("about:blank")
        tab.page.set_viewport_size({"width": width, "height": 844})
        tab.page.emulate_media(media="screen", color_scheme=scheme)
        tab.page.goto(url)
        return tab

    return open_


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", ["one", "two"])
def test_a_phone_scrolls_little(open_page: Any, pages: dict[str, str], name: str, scheme: str):
    visit = open_page(pages[name], scheme=scheme)
    height = visit.height()
    assert height <= BUDGET[name], f"{name}, {scheme}: {height} px at {PHONE} px wide"
    width = visit.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE, f"{name} is {width} px wide: something does not wrap"
    visit.assert_clean()


def test_narrow_and_wide_screens(open_page: Any, pages: dict[str, str]) -> None:
    narrow = open_page(pages["two"], width=320, scheme="dark")
    assert narrow.page.evaluate("document.documentElement.scrollWidth") <= 320
    narrow.assert_clean()
    tall = narrow.height()
    wide = open_page(pages["two"], width=DESKTOP)
    assert wide.height() < tall
    wide.assert_clean()


def test_a_link_into_a_folded_season_opens_it(open_page: Any, pages: dict[str, str]) -> None:
    visit = open_page(pages["two"])
    page = visit.page
    assert page.evaluate("document.getElementById('season-2029').open") is False
    assert not page.locator("#round-2029-olympus").is_visible()
    page.goto(pages["two"] + "#round-2029-olympus")  # within the page, as a link does
    assert page.evaluate("document.getElementById('season-2029').open") is True
    card = page.locator("#round-2029-olympus")
    assert card.is_visible()
    box = card.bounding_box()
    assert box is not None and -2 <= box["y"] < 844
    visit.assert_clean()
    fresh = open_page(pages["two"] + "#round-2029-finale")  # arriving from a calendar
    assert fresh.page.locator("#round-2029-finale").is_visible()
    fresh.assert_clean()


def test_the_next_round_is_marked(open_page: Any, pages: dict[str, str]) -> None:
    visit = open_page(pages["two"])
    page = visit.page
    mark = page.locator("#round-2030-olympus .mark")
    assert mark.is_visible() and mark.inner_text() == "Next round, in 47 days"
    assert page.locator(".is-next").count() == 1
    banner = page.locator("#next-round")
    assert banner.inner_text() == "Next round, in 47 days: Olympus Rally"
    assert banner.locator("a").get_attribute("href") == "#round-2030-olympus"
    assert page.evaluate("document.getElementById('season-2029').open") is False
    assert page.locator("#season-over").is_hidden()
    visit.assert_clean()


def test_the_qr_code_only_where_a_camera_looks(open_page: Any, pages: dict[str, str]) -> None:
    phone = open_page(pages["one"])
    assert phone.page.locator(".qr").is_hidden()
    phone.page.emulate_media(media="print")
    assert phone.page.locator(".qr svg").is_visible()
    pdf = phone.page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1, "the printed page is not one sheet"
    phone.assert_clean()
    desktop = open_page(pages["one"], width=DESKTOP)
    assert desktop.page.locator(".qr svg").is_visible()
    box = desktop.page.locator(".qr svg").bounding_box()
    assert box is not None and box["width"] >= 100
    desktop.assert_clean()


def test_without_script(browser: Any, pages: dict[str, str]) -> None:
    context = browser.new_context(
        viewport={"width": PHONE, "height": 844}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(pages["two"])
    assert page.locator("#round-2030-sno").is_visible()
    assert page.locator("#next-round").is_hidden() and page.locator(".mark").first.is_hidden()
    assert page.locator("button[data-copy]").first.is_hidden()
    assert page.locator("#subscribe input").first.input_value().startswith("https://")
    context.close()


def test_copy_buttons(open_page: Any, pages: dict[str, str]) -> None:
    visit = open_page(pages["one"])
    page = visit.page
    button = page.locator("#subscribe .primary button[data-copy]").first
    assert button.is_visible()
    button.click()
    said = page.locator("#subscribe .primary .said").first
    said.wait_for(state="attached")
    page.wait_for_function(
        "document.querySelector('#subscribe .primary .said').textContent !== ''"
    )
    assert said.inner_text().startswith(("Copied", "Selected"))
    visit.assert_clean()


def test_the_season_the_viewer_is_in(open_page: Any, pages: dict[str, str]) -> None:
    """Late in a season with the next one announced, the next round is in the folded
    season, which opens; after the last round, the page says the season is over."""
    visit = open_page(pages["two"])
    page = visit.page
    try:
        page.clock.set_fixed_time(datetime(2029, 9, 1, 12))
        page.reload()
        assert page.locator("#round-2029-desert .mark").inner_text() == "Next round, in 10 days"
        assert page.evaluate("document.getElementById('season-2029').open") is True
        assert page.locator("#season-over").is_hidden()
        page.clock.set_fixed_time(datetime(2031, 1, 10, 12))
        page.reload()
        over = page.locator("#season-over")
        assert over.is_visible() and over.inner_text().startswith(
            "The 2030 season is over, and the 2031 season is not announced yet."
        )
        assert page.locator(".is-next").count() == 0
        visit.assert_clean()
    finally:
        page.clock.set_fixed_time(TODAY)
