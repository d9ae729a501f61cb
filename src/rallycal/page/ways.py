"""Every way to get one feed into a calendar: subscribe links, the address, a download.

Subscribe links need the feed's public address, so without a base URL a feed is
offered only as a download, labelled as the one-time import it is.
"""

from __future__ import annotations

from urllib.parse import quote

from rallycal.feeds import Feed, feed_url, webcal_url
from rallycal.model import Season
from rallycal.page.markup import Markup, escape, tag

GOOGLE = "https://calendar.google.com/calendar/r?cid="
OUTLOOK = "https://outlook.live.com/calendar/0/addfromweb?url="
ALARMS = "the evening before each round and a week before"


def ways(season: Season, feed: Feed, reminders: str | None = None) -> Markup:
    """The subscribe links and the address when the season has a base URL; a download always.

    `reminders` is the path of the feed's variant with alarms, when there is one.
    """
    about = _about(feed)
    https = feed_url(season.series, feed.path)
    webcal = webcal_url(https)
    if https is None or webcal is None:
        return tag(
            "div", download(feed), _reminders(season, feed, reminders), class_="ways"
        )
    archive = "" if feed.season is None else f"{feed.season}-"
    field = f"address-{archive}{feed.kind}-{feed.id}"
    return tag(
        "div",
        _way(
            webcal,
            "Subscribe in Apple Calendar",
            about,
            "iPhone, iPad, Mac; also Outlook on a computer",
        ),
        _way(
            GOOGLE + quote(webcal, safe=""),
            "Subscribe in Google Calendar",
            about,
            "In a web browser, signed in to Google; the phone app then shows it too",
        ),
        _way(
            f"{OUTLOOK}{quote(https, safe='')}&name={quote(feed.title, safe='')}",
            "Subscribe in Outlook.com",
            about,
            "Outlook on the web, Hotmail, Live",
        ),
        tag(
            "div",
            tag(
                "label",
                "Any other app: copy the address",
                about,
                tag(
                    "span",
                    "Paste it where your app says “subscribe” or “add by URL”.",
                    class_="hint",
                ),
                for_=field,
            ),
            tag(
                "div",
                tag("input", id=field, type="url", value=https, readonly=True, spellcheck="false"),
                tag("button", "Copy", type="button", data_copy=field, hidden=True),
                class_="copy",
            ),
            tag("span", class_="said", role="status"),
            class_="way way-copy",
        ),
        _reminders(season, feed, reminders),
        download(feed),
        class_="ways",
    )


def download(feed: Feed) -> Markup:
    """The feed's file itself, by a relative link: a one-time import."""
    return download_link(feed.path, feed.title)


def download_link(path: str, title: str) -> Markup:
    """The link to download the file at `path`, read out as `title` (one per round's card,
    so written directly rather than through `tag`)."""
    return Markup(
        f'<a href="{escape(quote(path))}" download type="text/calendar" '
        f'class="way way-download">Download a one-time import<span class="vh"> '
        f'({escape(title)})</span><span class="hint">{_COPY}</span></a>'
    )


_COPY = ".ics file: a copy that never updates"


def _reminders(season: Season, feed: Feed, path: str | None) -> Markup | None:
    """The variant with alarms: subscribed to in Apple Calendar, else downloaded."""
    if path is None:
        return None
    webcal = webcal_url(feed_url(season.series, path))
    if webcal is None:
        return tag(
            "a",
            "Download with reminders",
            _about(feed),
            tag("span", f"A one-time import, with alerts {ALARMS}", class_="hint"),
            href=quote(path),
            download=True,
            type="text/calendar",
            class_="way way-download",
        )
    return _way(
        webcal,
        "Subscribe with reminders",
        _about(feed),
        f"Alerts {ALARMS}: Apple Calendar (keep alerts when asked), Thunderbird; "
        "classic Outlook shows one; Google Calendar none",
    )


def _about(feed: Feed) -> Markup:
    """Which feed a link is for, read out by screen readers and hidden from the eye."""
    return tag("span", f" ({feed.title})", class_="vh")


def _way(href: str, label: str, about: Markup, hint: str) -> Markup:
    return tag("a", label, about, tag("span", hint, class_="hint"), href=href, class_="way")
