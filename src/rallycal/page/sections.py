"""The page's sections about the season: its rounds, classes and teams, and what to know."""

from __future__ import annotations

from rallycal.agenda import can_be_next
from rallycal.colors import CSS_COLORS
from rallycal.feeds import Feed
from rallycal.model import Round, Season, Team
from rallycal.page.markup import Markup, tag, web_link
from rallycal.page.ways import ways
from rallycal.wording import STATUS_LABELS, day_span


def rounds(season: Season, round_feeds: dict[str, Feed]) -> Markup | None:
    """Every round as a card; the next one is marked in the browser (see script.js)."""
    if not season.rounds:
        return None
    count = len(season.rounds)
    return section(
        "season",
        "The season at a glance",
        tag(
            "p",
            f"{count} round{'s' if count != 1 else ''}, on the local days at each venue. "
            "Each round also has a calendar of its own.",
            class_="intro",
        ),
        tag(
            "ol",
            *(_round(season, r, round_feeds.get(r.id)) for r in season.rounds),
            class_="rounds",
        ),
    )


def _round(season: Season, round_: Round, feed: Feed | None) -> Markup:
    going_ahead = can_be_next(round_)
    classes = [season.rally_class(c) for c in round_.classes]
    subscribe = None
    if feed is not None:
        subscribe = tag(
            "details", tag("summary", "Subscribe to this round only"), ways(season, feed)
        )
    return tag(
        "li",
        tag(
            "div",
            tag("span", f"Round {round_.number}", class_="number"),
            tag("span", STATUS_LABELS[round_.status], class_=f"status status-{round_.status}"),
            class_="round-head",
        ),
        tag("h3", round_.name),
        tag("p", class_="mark", hidden=True),
        tag("p", day_span(round_.first_day, round_.last_day), class_="when"),
        tag("p", round_.venue.place, class_="where"),
        tag(
            "ul",
            *(
                tag("li", tag("abbr", c.short, title=c.name), class_=swatch(c.color))
                for c in classes
            ),
            class_="chips",
            aria_label="Classes",
        ),
        tag("p", round_.notes, class_="muted") if round_.notes else None,
        web_link(round_.url, f"{round_.name}: the rally's own page"),
        subscribe,
        id=f"round-{round_.id}",
        class_=f"card round {round_.status} {swatch(season.series.color)}",
        data_first=round_.first_day.isoformat() if going_ahead else None,
        data_last=round_.last_day.isoformat() if going_ahead else None,
    )


def classes(season: Season, feeds: list[Feed]) -> Markup | None:
    """One folded card per class feed."""
    if not feeds:
        return None
    return section(
        "classes",
        "Follow one class",
        tag("p", "Only the rounds a class runs, each event named with the class.", class_="intro"),
        tag(
            "div",
            *(_feed_details(season, feed, season.rally_class(feed.id).name) for feed in feeds),
            class_="feeds",
        ),
    )


def teams(season: Season, feeds: list[Feed]) -> Markup | None:
    """One folded card per team feed, with the team's crews and cars."""
    if not feeds:
        return None
    by_id = {team.id: team for team in season.teams}
    return section(
        "teams",
        "Follow one team",
        tag("p", "The rounds a team enters, with its crews and cars.", class_="intro"),
        tag(
            "div",
            *(
                _feed_details(
                    season, feed, by_id[feed.id].name, _team_facts(season, by_id[feed.id])
                )
                for feed in feeds
            ),
            class_="feeds",
        ),
    )


def _team_facts(season: Season, team: Team) -> Markup:
    crews = []
    for crew in team.crews:
        people = f"{crew.driver} / {crew.co_driver}" if crew.co_driver else crew.driver
        crews.append(tag("li", f"{people}: {crew.car} ({season.rally_class(crew.class_id).name})"))
    return Markup(
        (tag("p", f"Run by {team.run_by}.", class_="muted") if team.run_by else "")
        + (tag("p", team.notes, class_="muted") if team.notes else "")
        + tag("ul", *crews, class_="crews", aria_label="Crews")
    )


def _feed_details(season: Season, feed: Feed, name: str, facts: Markup | None = None) -> Markup:
    """A class's or team's feed, folded: its name and size, then every way to subscribe."""
    count = len(feed.entries)
    return tag(
        "details",
        tag(
            "summary",
            tag("h3", name),
            tag("span", f"{count} round{'s' if count != 1 else ''}", class_="muted"),
        ),
        tag("p", feed.description),
        facts,
        ways(season, feed),
        id=f"{feed.kind}-{feed.id}",
        class_=card(feed),
    )


def notes() -> Markup:
    """What fans should know about subscriptions and their apps."""
    points = [
        (
            "Subscribe rather than download.",
            " A subscription follows every change: a round that moves, or is postponed or "
            "cancelled, changes in your calendar too. A downloaded file is a one-time import; "
            "its events stay as they were on the day you imported them.",
        ),
        (
            "Changes take hours to arrive.",
            " Calendar apps fetch subscriptions on their own schedule. Google Calendar "
            "refreshes them only every several hours (often 12 to 24) and cannot be made to "
            "refresh sooner; Outlook.com is similar. The feeds ask other apps to check every "
            "6 hours, and some (Apple Calendar on a Mac) let you choose.",
        ),
        (
            "No alarms or reminders.",
            " The feeds carry none. To be reminded, set a default reminder for the "
            "subscribed calendar in your app.",
        ),
        (
            "Google Calendar on a phone.",
            " The Google Calendar app cannot add a subscription itself: open the Google "
            "Calendar link in a browser, signed in to the same account, and the calendar "
            "appears in the app once it syncs.",
        ),
        (
            "Days are the local days at the venue.",
            " Rounds are all-day events, so they show on the same days wherever you are.",
        ),
    ]
    return section(
        "notes",
        "Good to know",
        tag("ul", *(tag("li", tag("strong", head), rest) for head, rest in points), class_="notes"),
    )


def section(anchor: str, heading: str, *content: Markup | None) -> Markup:
    """A titled section of the page, reachable at `#anchor`."""
    return tag(
        "section",
        tag("h2", heading, id=f"{anchor}-title"),
        *content,
        id=anchor,
        aria_labelledby=f"{anchor}-title",
    )


def card(feed: Feed) -> str:
    """The classes of a feed's card: its colour as the left edge."""
    return f"card feed {swatch(feed.color)}"


def swatch(color: str | None) -> str:
    """The class that sets `--sw` to a colour (see `color_rules`); names are letters only."""
    return f"sw-{color}" if color in CSS_COLORS else ""
