"""The page's sections about the season: its rounds, classes and teams, and what to know."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rallycal.agenda import can_be_next
from rallycal.feeds import Feed
from rallycal.model import Season, Team
from rallycal.page.markup import Markup, opening, swatch, tag
from rallycal.page.ways import ways


def rounds(season: Season, cards: Sequence[str], *, latest: bool) -> list[str] | None:
    """One season's rounds as cards, in a section the browser may move to the top.

    `cards` holds each round's card (`cards.round_card`), in the season's order; the
    section comes back in pieces, the cards among them (see `markup.joined`).
    `data-until` is the last day of the season's last round going ahead: script.js
    leads with the latest season that has one on or after the viewer's date, and marks
    the next round (see `agenda.can_be_next`).
    """
    if not season.rounds:
        return None
    count = len(season.rounds)
    every = {c.id for c in season.classes}
    if len(every) < 2:
        classes_note = ""
    elif all(set(r.classes) == every for r in season.rounds):
        classes_note = " Every class runs every round."
    else:
        classes_note = " Every class runs every round, except where a round lists its classes."
    ahead = [r.last_day for r in season.rounds if can_be_next(r)]
    anchor = f"season-{season.year}"
    start = opening(
        "section",
        id=anchor,
        class_="season" + (" latest" if latest else ""),
        aria_labelledby=f"{anchor}-title",
        data_year=str(season.year),
        data_until=max(ahead).isoformat() if ahead else None,
    )
    heading = tag("h2", f"The {season.year} season at a glance", id=f"{anchor}-title")
    intro = tag(
        "p",
        f"{count} round{'s' if count != 1 else ''}, on the local days at each venue."
        f"{classes_note} Each round also has a file of its own, to add that one rally "
        "to your calendar as a one-time import.",
        class_="intro",
    )
    return [f'{start}{heading}{intro}<ol class="rounds">', *cards, "</ol></section>"]


def classes(season: Season, feeds: list[Feed], reminders: Mapping[str, str]) -> Markup | None:
    """One folded card per class feed."""
    if not feeds:
        return None
    return section(
        "classes",
        "Follow one class" if season.series.base_url else "One class's rounds",
        tag("p", "Only the rounds a class runs, each event named with the class.", class_="intro"),
        tag(
            "div",
            *(
                _feed_details(season, feed, feed.name, reminders)
                for feed in feeds
            ),
            class_="feeds",
        ),
    )


def teams(
    seasons: Sequence[Season], feeds: list[Feed], reminders: Mapping[str, str]
) -> Markup | None:
    """One folded card per team feed, with the crews and cars of its latest season."""
    if not feeds:
        return None
    latest = seasons[-1]
    found = {team.id: (season, team) for season in seasons for team in season.teams}
    return section(
        "teams",
        "Follow one team" if latest.series.base_url else "One team's rounds",
        tag("p", "The rounds a team enters, with its crews and cars.", class_="intro"),
        tag(
            "div",
            *(
                _feed_details(
                    latest,
                    feed,
                    feed.name,
                    reminders,
                    _team_facts(*found[feed.id]) if feed.id in found else None,
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


def _feed_details(
    season: Season,
    feed: Feed,
    name: str,
    reminders: Mapping[str, str],
    facts: Markup | None = None,
) -> Markup:
    """A class's or team's feed, folded: its name and size, then every way to get it."""
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
        ways(season, feed, reminders.get(feed.path)),
        id=f"{feed.kind}-{feed.id}",
        class_=card(feed),
    )


def notes(
    season: Season, *, reminders: bool, more: Sequence[tuple[str, str]] = ()
) -> Markup:
    """What fans should know about their apps and what the page offers."""
    points = _subscription_notes() if season.series.base_url else _import_notes()
    points.extend(more)
    if reminders:
        points.append(
            (
                "Reminders, if you want them.",
                " Each calendar also comes with reminders (“with reminders”): alerts the "
                "evening before each round and a week before. Apple Calendar removes them "
                "unless you choose to keep alerts when you subscribe; Thunderbird shows them; "
                "classic Outlook shows one; Google Calendar ignores them, so set a default "
                "reminder for the calendar there.",
            )
        )
    else:
        points.append(
            (
                "No alarms or reminders.",
                " The calendars carry none. To be reminded, set a default reminder for the "
                "calendar in your app.",
            )
        )
    points.append(
        (
            "Days are the local days at the venue.",
            " Rounds are all-day events, so they show on the same days wherever you are.",
        )
    )
    return section(
        "notes",
        "Good to know",
        tag("ul", *(tag("li", tag("strong", head), rest) for head, rest in points), class_="notes"),
    )


def _subscription_notes() -> list[tuple[str, str]]:
    return [
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
            "Google Calendar on a phone.",
            " The Google Calendar app cannot add a subscription itself: open the Google "
            "Calendar link in a browser, signed in to the same account, and the calendar "
            "appears in the app once it syncs.",
        ),
    ]


def _import_notes() -> list[tuple[str, str]]:
    return [
        (
            "These are one-time imports.",
            " Each file is a copy of the calendar as it is today: open it with your calendar "
            "app to add its events. A round that later moves, or is postponed or cancelled, "
            "does not change in your calendar, so check this page again before you travel.",
        ),
    ]


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
