"""The subscribe page, `index.html`: the season at a glance and every way to subscribe.

The page is a pure function of the season and its feeds, so it is byte-identical for
the same source. There is no clock in it: the next round is marked in the browser by
`script.js`, reading ISO days from data attributes (on the rounds that
`agenda.can_be_next` allows); without script the page simply shows no mark. The
script reads and writes text only, never markup.

Everything taken from the source is escaped where it is placed (see `markup`), and no
URL is built from source text except http(s) links checked by `markup.web_link`. The
page loads nothing from anywhere: `style.css` and `script.js` are inlined and allowed,
by their hashes, by a Content-Security-Policy. `page.html` is the skeleton.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape
from importlib.resources import files
from string import Template

from rallycal.colors import CSS_COLORS
from rallycal.feeds import Feed
from rallycal.model import Season
from rallycal.page.markup import Markup, tag, web_link
from rallycal.page.sections import card, classes, notes, rounds, section, swatch, teams
from rallycal.page.ways import ways

__all__ = ["index_page"]


def _resource(name: str) -> str:
    return files(__name__).joinpath(name).read_text(encoding="utf-8")


PAGE = Template(_resource("page.html"))
STYLE = "\n" + _resource("style.css")
SCRIPT = "\n" + _resource("script.js")


def index_page(season: Season, feeds: tuple[Feed, ...]) -> bytes:
    """The whole page, as UTF-8 bytes."""
    series = season.series
    style = STYLE + _color_rules(season, feeds)
    page = PAGE.substitute(
        policy=escape(_policy(style, SCRIPT)),
        description=escape(
            f"Subscribe to the {season.year} {series.name} in Google Calendar, "
            "Apple Calendar or Outlook: every round, class and team."
        ),
        title=escape(f"{series.short} {season.year} calendar: subscribe to the season"),
        style=style,
        script=SCRIPT,
        body=_body(season, feeds),
    )
    return page.encode("utf-8")


def _body(season: Season, feeds: tuple[Feed, ...]) -> str:
    by_kind = {kind: [f for f in feeds if f.kind == kind] for kind in ("combined", "class", "team")}
    round_feeds = {f.id: f for f in feeds if f.kind == "round"}
    sections = [
        ("subscribe", "Whole season", _whole_season(season, by_kind["combined"])),
        ("season", "Rounds", rounds(season, round_feeds)),
        ("classes", "Classes", classes(season, by_kind["class"])),
        ("teams", "Teams", teams(season, by_kind["team"])),
        ("notes", "Good to know", notes()),
    ]
    present = [(anchor, label, html) for anchor, label, html in sections if html]
    main = tag("main", _missing_base_url(season), *(html for _, _, html in present), class_="wrap")
    return "\n".join([_header(season, present), main, _footer(season)])


def _header(season: Season, sections: list[tuple[str, str, Markup]]) -> Markup:
    series = season.series
    links = [tag("li", tag("a", label, href=f"#{anchor}")) for anchor, label, _ in sections]
    return tag(
        "header",
        tag(
            "div",
            tag("p", f"{series.short} {season.year}", class_="eyebrow"),
            tag("h1", f"{series.name} {season.year}"),
            tag(
                "p",
                "Put the season in your own calendar. Subscribe once: when a round "
                "moves or is cancelled, your calendar follows by itself.",
                class_="lede",
            ),
            tag("p", id="next-round", class_="next", hidden=True, aria_live="polite"),
            tag("nav", tag("ul", *links), aria_label="On this page"),
            class_="wrap",
        ),
        class_=f"hero {swatch(series.color)}",
    )


def _missing_base_url(season: Season) -> Markup | None:
    if season.series.base_url:
        return None
    return tag(
        "aside",
        tag("h2", "Subscribe links need a base URL"),
        tag(
            "p",
            "This page was exported without the web address it is published at, so it "
            "offers the calendars only as one-time downloads. Calendar apps subscribe to a "
            "full https:// address: set ",
            tag("code", "base_url"),
            " under ",
            tag("code", "series:"),
            " in events.yaml, or export with ",
            tag("code", "rallycal export --base-url https://example.org/rally/"),
            ", and publish the output folder at that address.",
        ),
        class_="card notice",
        role="note",
    )


def _whole_season(season: Season, feeds: list[Feed]) -> Markup | None:
    if not feeds:
        return None
    return section(
        "subscribe",
        "Subscribe to the whole season",
        tag(
            "p",
            "Every round in one calendar. Choose the app you use: on an iPhone, iPad or "
            "Mac that is Apple Calendar; on Android, Google Calendar.",
            class_="intro",
        ),
        *(
            tag("div", tag("p", feed.description), ways(season, feed), class_=card(feed))
            for feed in feeds
        ),
    )


def _footer(season: Season) -> Markup:
    series = season.series
    return tag(
        "footer",
        tag(
            "div",
            tag(
                "p",
                "Every feed, for other programs: ",
                tag("a", "feeds.json", href="feeds.json"),
                ".",
            ),
            web_link(series.url, f"The {series.name} website"),
            class_="wrap",
        ),
    )


def _color_rules(season: Season, feeds: tuple[Feed, ...]) -> str:
    """One rule per colour the page uses, its value taken from the CSS colour table."""
    used = {season.series.color, *(f.color for f in feeds), *(c.color for c in season.classes)}
    return "".join(
        f".sw-{name}{{--sw:{CSS_COLORS[name]}}}\n"
        for name in sorted(c for c in used if c in CSS_COLORS)
    )


def _policy(style: str, script: str) -> str:
    """Nothing may load; only this page's own style and script may run."""
    return (
        "default-src 'none'; "
        f"style-src '{_digest(style)}'; script-src '{_digest(script)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def _digest(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode(
        "ascii"
    )
