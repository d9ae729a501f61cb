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
from collections.abc import Mapping, Sequence
from datetime import date
from html import escape
from importlib.resources import files
from string import Template

from rallycal.colors import CSS_COLORS
from rallycal.feeds import Feed
from rallycal.model import Season
from rallycal.page.changes import Change, latest_changes
from rallycal.page.markup import Markup, tag, web_link
from rallycal.page.metadata import head, page_url
from rallycal.page.qr import qr_svg
from rallycal.page.sections import card, classes, notes, rounds, section, swatch, teams
from rallycal.page.ways import ways

__all__ = ["Change", "index_page"]


def _resource(name: str) -> str:
    return files(__name__).joinpath(name).read_text(encoding="utf-8")


PAGE = Template(_resource("page.html"))
STYLE = "\n" + _resource("style.css")
SCRIPT = "\n" + _resource("script.js")


def index_page(
    season: Season,
    feeds: tuple[Feed, ...],
    *,
    changes: Sequence[Change] | None = None,
    reminders: Mapping[str, str] | None = None,
    previous_starts: Mapping[str, date] | None = None,
) -> bytes:
    """The whole page, as UTF-8 bytes.

    Optional, each rendering nothing when absent: `changes`, the latest entries of the
    changes feed (`changes.atom`), newest first (an empty sequence: the feed exists but
    has none yet); `reminders`, the path of each feed's variant with alarms, by the
    feed's path; `previous_starts`, a round's first day at the last publication, by the
    round's UID, when it was another (search engines then read "rescheduled").
    """
    series = season.series
    style = STYLE + _color_rules(season, feeds)
    title = f"{series.short} {season.year} calendar"
    page = PAGE.substitute(
        policy=escape(_policy(style, SCRIPT)),
        title=escape(f"{title}: {'subscribe to' if series.base_url else 'add'} the season"),
        head=head(
            season,
            f"{series.name} {season.year} calendar",
            changes_feed=changes is not None,
            previous_starts=previous_starts or {},
        ),
        style=style,
        script=SCRIPT,
        body=_body(season, feeds, changes, reminders or {}),
    )
    return page.encode("utf-8")


def _body(
    season: Season,
    feeds: tuple[Feed, ...],
    changes: Sequence[Change] | None,
    reminders: Mapping[str, str],
) -> str:
    by_kind = {kind: [f for f in feeds if f.kind == kind] for kind in ("combined", "class", "team")}
    round_feeds = {f.id: f for f in feeds if f.kind == "round"}
    news = latest_changes(changes)
    sections = [
        ("subscribe", "Whole season", _whole_season(season, by_kind["combined"], reminders)),
        ("changes", "Changes", section("changes", "Latest changes", news) if news else None),
        ("season", "Rounds", rounds(season, round_feeds)),
        ("classes", "Classes", classes(season, by_kind["class"], reminders)),
        ("teams", "Teams", teams(season, by_kind["team"], reminders)),
        ("notes", "Good to know", notes(season, reminders=bool(reminders))),
    ]
    present = [(anchor, label, html) for anchor, label, html in sections if html]
    main = tag("main", *(html for _, _, html in present), class_="wrap")
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
            tag("p", _lede(season), class_="lede"),
            tag("p", id="next-round", class_="next", hidden=True, aria_live="polite"),
            tag("nav", tag("ul", *links), aria_label="On this page"),
            class_="wrap",
        ),
        class_=f"hero {swatch(series.color)}",
    )


def _lede(season: Season) -> str:
    if season.series.base_url:
        return (
            "Put the season in your own calendar. Subscribe once: when a round "
            "moves or is cancelled, your calendar follows by itself."
        )
    return (
        "Put the season in your own calendar: download the rounds and open the file "
        "with your calendar app."
    )


def _whole_season(
    season: Season, feeds: list[Feed], reminders: Mapping[str, str]
) -> Markup | None:
    if not feeds:
        return None
    page = page_url(season)
    if page is None:
        heading = "Download the whole season"
        intro = (
            "Every round in one file, for a one-time import: open it with your calendar "
            "app. The events stay as they are on the day you import them."
        )
    else:
        heading = "Subscribe to the whole season"
        intro = (
            "Every round in one calendar. Choose the app you use: on an iPhone, iPad or "
            "Mac that is Apple Calendar; on Android, Google Calendar in a web browser."
        )
    qr = None
    if page is not None:
        qr = tag(
            "figure",
            qr_svg(page, f"QR code: {page}"),
            tag(
                "figcaption",
                "Scan with a phone's camera to open this page on the phone and subscribe "
                "there.",
                tag("span", page, class_="qr-address"),
            ),
            class_="qr",
        )
    return section(
        "subscribe",
        heading,
        tag("p", intro, class_="intro"),
        *(
            tag(
                "div",
                tag("p", feed.description),
                ways(season, feed, reminders.get(feed.path)),
                class_=card(feed),
            )
            for feed in feeds
        ),
        qr,
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
