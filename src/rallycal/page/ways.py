"""Every way to get one feed into a calendar: subscribe links, the address, a download."""

from __future__ import annotations

from urllib.parse import quote

from rallycal.feeds import Feed, feed_url, webcal_url
from rallycal.model import Season
from rallycal.page.markup import Markup, tag

GOOGLE = "https://calendar.google.com/calendar/r?cid="
OUTLOOK = "https://outlook.live.com/calendar/0/addfromweb?url="


def ways(season: Season, feed: Feed) -> Markup:
    """The subscribe links and the address when the season has a base URL; a download always."""
    about = tag("span", f" ({feed.title})", class_="vh")
    download = tag(
        "a",
        "Download a one-time import",
        about,
        tag("span", ".ics file: a copy that never updates", class_="hint"),
        href=quote(feed.path),
        download=True,
        type="text/calendar",
        class_="way way-download",
    )
    https = feed_url(season, feed.path)
    webcal = webcal_url(https)
    if https is None or webcal is None:
        return tag("div", download, class_="ways")
    field = f"address-{feed.kind}-{feed.id}"
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
            "Android and the web",
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
        download,
        class_="ways",
    )


def _way(href: str, label: str, about: Markup, hint: str) -> Markup:
    return tag("a", label, about, tag("span", hint, class_="hint"), href=href, class_="way")
