"""Seasons on the page: the note when one is over, the window rule, each season's archive.

The stable feeds carry the `window` latest seasons; every season also keeps archive
feeds of its own (`2026/all.ics`, ...), whole and forever. Whether a season is over
depends on the viewer's date, so the page carries the note hidden and script.js shows
it when no season has a round ahead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import quote

from rallycal.feeds import Feed, feed_url, webcal_url
from rallycal.model import Championship, Season
from rallycal.page.markup import Markup, tag
from rallycal.page.ways import ways

KIND_LABELS = {"class": "Classes", "team": "Teams", "round": "Rounds, for a one-time import"}


def season_over(championship: Championship) -> Markup:
    """Hidden; shown in the browser when no season has a round on or after today."""
    latest = championship.latest.year
    keep = (
        "Stay subscribed: its rounds appear in your calendar as soon as they are published."
        if championship.series.base_url
        else "Come back to this page for its rounds once they are published."
    )
    return tag(
        "p",
        f"The {latest} season is over, and the {latest + 1} season is not announced yet. ",
        keep,
        id="season-over",
        class_="over",
        hidden=True,
    )


def window_note(championship: Championship) -> tuple[str, str]:
    """What happens to a season in the subscribed calendars when newer ones arrive."""
    window = championship.window
    latest = championship.latest.year
    seasons = "season" if window == 1 else f"{window} latest seasons"
    where = (
        " under “Earlier seasons” below"
        if len(championship.seasons) > 1
        else " on this page once a newer season arrives"
    )
    return (
        f"The calendars carry the {seasons}.",
        f" When a newer season is added, the oldest leaves them and your app drops its "
        f"rounds: the {latest} season leaves when the {latest + window} season arrives. "
        f"Every season stays whole in its own archive calendar{where}, which never changes "
        "again.",
    )


def earlier_seasons(
    championship: Championship, archives: Mapping[int, Sequence[Feed]]
) -> Markup | None:
    """Every season before the latest, newest first, with all of its archive feeds."""
    earlier = [s for s in reversed(championship.seasons[:-1]) if archives.get(s.year)]
    if not earlier:
        return None
    return tag(
        "div",
        *(_season(season, archives[season.year]) for season in earlier),
        class_="feeds",
    )


def _season(season: Season, feeds: Sequence[Feed]) -> Markup:
    combined = [f for f in feeds if f.kind == "combined"]
    count = len(season.rounds)
    lists = []
    for kind, label in KIND_LABELS.items():
        links = [_links(season, f) for f in feeds if f.kind == kind]
        if links:
            lists.append(tag("h4", label))
            lists.append(tag("ul", *links, class_="archive"))
    return tag(
        "details",
        tag(
            "summary",
            tag("h3", f"The {season.year} season"),
            tag("span", f"{count} round{'s' if count != 1 else ''}", class_="muted"),
        ),
        tag(
            "p",
            f"The {season.year} season as it was published, whole: these calendars keep it "
            "when it leaves the ones above.",
        ),
        *(ways(season, feed) for feed in combined),
        *lists,
        id=f"archive-{season.year}",
        class_="card feed",
    )


def _links(season: Season, feed: Feed) -> Markup:
    """A feed of an archive as one line: its name, then subscribe and download links."""
    https = feed_url(season.series, feed.path)
    webcal = webcal_url(https)
    about = tag("span", f" ({feed.title})", class_="vh")
    subscribe = None
    if webcal is not None and feed.kind != "round":
        subscribe = tag("a", "subscribe", about, href=webcal)
    download = tag(
        "a", "download", about, href=quote(feed.path), download=True, type="text/calendar"
    )
    return tag("li", feed.name, ": ", subscribe, " · " if subscribe else None, download)
