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
import pkgutil
import re
from collections.abc import Mapping, Sequence
from datetime import date

from rallycal.colors import CSS_COLORS
from rallycal.feeds import Feed, feed_path
from rallycal.model import Championship, Season
from rallycal.page.archives import earlier_seasons, season_over, window_note
from rallycal.page.cards import RoundFile
from rallycal.page.changes import Change, latest_changes
from rallycal.page.markup import Markup, escape, joined, opening, swatch, tag, web_link
from rallycal.page.metadata import head, page_url
from rallycal.page.pieces import FRESH, Pieces, season_cards, season_events
from rallycal.page.qr import qr_svg
from rallycal.page.sections import card, classes, notes, rounds, section, teams
from rallycal.page.ways import ways

__all__ = ["Change", "Pieces", "index_page"]


def _resource(name: str) -> str:
    """A data file of this package, read by its loader as `importlib.resources` reads it
    (text mode: universal newlines), without that package's 5 ms of imports."""
    data = pkgutil.get_data(__name__, name)
    if data is None:  # a loader that cannot read data files
        raise ImportError(f"{__name__} cannot read its {name}")
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


SLOT = re.compile(r"\$([a-z]+)")  # `$name` in page.html
PAGE = SLOT.split(_resource("page.html"))  # text, slot name, text, ..., text
STYLE = "\n" + _resource("style.css")
SCRIPT = "\n" + _resource("script.js")


def index_page(
    championship: Championship | Season,
    feeds: Sequence[Feed],
    *,
    changes: Sequence[Change] | None = None,
    reminders: Mapping[str, str] | None = None,
    previous_starts: Mapping[str, date] | None = None,
    pieces: Pieces | None = None,
) -> bytes:
    """The whole page, as UTF-8 bytes, from the championship and its planned feeds.

    `feeds` is what `feeds.plan` returns (or a part of it): the page offers the stable
    feeds, their reminders variants and, for every season before the latest, its
    archive feeds. A single `Season` stands for a championship of that season alone.

    Optional, each rendering nothing when absent: `changes`, the latest entries of the
    changes feed (`changes.atom`), newest first (an empty sequence: the feed exists but
    has none yet); `reminders`, the path of each feed's variant with alarms by the
    feed's path (by default, read from `feeds`); `previous_starts`, a round's first
    day at the last publication, by the round's UID, when it was another (search
    engines then read "rescheduled"); `pieces`, how each round's card and event are
    made (by default afresh; see `pieces` to keep them between exports).
    """
    if isinstance(championship, Season):
        championship = Championship.of(championship)
    pieces = pieces or FRESH
    latest = championship.latest
    series = championship.series
    if reminders is None:
        reminders = {
            feed_path(f.kind, f.id): f.path for f in feeds if f.reminders and f.season is None
        }
    style = STYLE + _color_rules(championship, feeds)
    title = f"{series.short} {latest.year} calendar"
    slots = {
        "policy": [escape(_policy(style, SCRIPT))],
        "title": [escape(f"{title}: {'subscribe to' if series.base_url else 'add'} the season")],
        "head": head(
            championship,
            f"{series.name} {latest.year} calendar",
            changes_feed=changes is not None,
            events=season_events(championship.in_window, previous_starts or {}, pieces),
        ),
        "style": [style],
        "script": [SCRIPT],
        "body": _body(championship, feeds, changes, reminders, pieces),
    }
    # Encoded piece by piece and joined once: megabytes of rounds are copied only once.
    filled = (slots[part] if index % 2 else (part,) for index, part in enumerate(PAGE))
    return b"".join([piece.encode("utf-8") for run in filled for piece in run])


def _body(
    championship: Championship,
    feeds: Sequence[Feed],
    changes: Sequence[Change] | None,
    reminders: Mapping[str, str],
    pieces: Pieces,
) -> list[str]:
    """The page's body, in pieces (see `markup.joined`)."""
    latest = championship.latest
    stable = [f for f in feeds if f.season is None and not f.reminders]
    by_kind = {kind: [f for f in stable if f.kind == kind] for kind in ("combined", "class")}
    by_kind["team"] = [f for f in stable if f.kind == "team"]
    archives: dict[int, list[Feed]] = {}
    for feed in feeds:
        if feed.season is not None and not feed.reminders:
            archives.setdefault(feed.season, []).append(feed)
    news = latest_changes(changes)
    shown = tuple(reversed(championship.in_window))  # newest first; script.js may reorder
    seasons = [
        rounds(
            season,
            season_cards(season, _round_files(season, stable, archives), pieces),
            latest=season is latest,
        )
        for season in shown
    ]
    earlier = earlier_seasons(championship, archives)
    sections: list[tuple[str, str, Sequence[str] | None]] = [
        ("subscribe", "Whole season", _one(_whole_season(latest, by_kind["combined"], reminders))),
        ("changes", "Changes", _one(section("changes", "Latest changes", news) if news else None)),
        (f"season-{latest.year}", "Rounds", joined("\n", [s for s in seasons if s]) or None),
        ("classes", "Classes", _one(classes(latest, by_kind["class"], reminders))),
        ("teams", "Teams", _one(teams(championship.seasons, by_kind["team"], reminders))),
        (
            "archives",
            "Earlier seasons",
            _one(section("archives", "Earlier seasons", earlier) if earlier else None),
        ),
        (
            "notes",
            "Good to know",
            _one(notes(latest, reminders=bool(reminders), more=[window_note(championship)])),
        ),
    ]
    present = [(anchor, label, html) for anchor, label, html in sections if html]
    content = joined("", [html for _, _, html in present])
    main = [opening("main", class_="wrap"), *content, "</main>"]
    header = _header(championship, [(anchor, label) for anchor, label, _ in present])
    return joined("\n", [[header], main, [_footer(latest)]])


def _one(html: Markup | None) -> list[str] | None:
    """A piece of HTML as a run of pieces (see `markup.joined`)."""
    return [html] if html else None


def _round_files(
    season: Season, stable: list[Feed], archives: Mapping[int, list[Feed]]
) -> dict[str, RoundFile]:
    """Each round's own file: its season's archive copy, which holds that round alone."""
    feeds = {f.id: f for f in stable if f.kind == "round"}
    feeds.update({f.id: f for f in archives.get(season.year, []) if f.kind == "round"})
    return {r.id: RoundFile.of(feeds[r.id]) for r in season.rounds if r.id in feeds}


def _header(championship: Championship, sections: list[tuple[str, str]]) -> Markup:
    season = championship.latest
    series = season.series
    links = [tag("li", tag("a", label, href=f"#{anchor}")) for anchor, label in sections]
    return tag(
        "header",
        tag(
            "div",
            tag("p", f"{series.short} {season.year}", class_="eyebrow"),
            tag("h1", f"{series.name} {season.year}"),
            tag("p", _lede(season), class_="lede"),
            tag("p", id="next-round", class_="next", hidden=True, aria_live="polite"),
            season_over(championship),
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


def _color_rules(championship: Championship, feeds: Sequence[Feed]) -> str:
    """One rule per colour the page uses, its value taken from the CSS colour table."""
    classes = (c for season in championship.seasons for c in season.classes)
    used = {championship.series.color, *(f.color for f in feeds), *(c.color for c in classes)}
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
