"""The subscribe page, `index.html`: the season at a glance and every way to subscribe.

The page is a pure function of the season and its feeds, so it is byte-identical for
the same source. There is no clock in it: the next round is marked in the browser by
a few lines of script reading ISO days from data attributes (on the rounds that
`agenda.can_be_next` allows), and without script the page simply shows no mark.

Everything taken from the source is escaped where it is placed: `tag` escapes text and
attribute values, `quote` escapes URL parts, and no URL is built from source text
except http(s) links checked by `_web_link`. The page loads nothing from anywhere: its
style and script are inline and allowed, by their hashes, by a Content-Security-Policy.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape
from string import Template
from urllib.parse import quote, urlsplit

from rallycal.agenda import can_be_next
from rallycal.colors import CSS_COLORS
from rallycal.feeds import Feed
from rallycal.manifest import feed_url, webcal_url
from rallycal.model import Round, Season, Team
from rallycal.wording import STATUS_LABELS, day_span

GOOGLE = "https://calendar.google.com/calendar/r?cid="
OUTLOOK = "https://outlook.live.com/calendar/0/addfromweb?url="
VOID = frozenset({"meta", "link", "input"})

PAGE = Template("""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="$policy">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="description" content="$description">
<title>$title</title>
<link rel="icon" href="data:,">
<style>$style</style>
</head>
<body>
$body
<script>$script</script>
</body>
</html>
""")

STYLE = """
:root{--bg:#f5f4f1;--surface:#fff;--text:#1d1c1a;--muted:#55524c;--line:#d8d4cc;
--brand:#9f1a1f;--link:#0b57a4;--hero:#1d1c1a;--hero-text:#fff;--hero-muted:#e3ded6;
--mark:#ffe08a;--mark-text:#1d1c1a;--bad:#a3141b;--warn:#7a4b00;--focus:#0b57a4}
@media (prefers-color-scheme:dark){:root{--bg:#131315;--surface:#1d1d21;--text:#ededf0;
--muted:#b3b1ab;--line:#3b3a40;--brand:#ff9b8f;--link:#8cb8ff;--hero:#000;
--bad:#ff9b8f;--warn:#ffcf70;--focus:#8cb8ff}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);
font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
overflow-wrap:anywhere}
a{color:var(--link)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
h1,h2,h3{line-height:1.2;margin:0}
h2{font-size:1.4rem;margin:2.5rem 0 .5rem}
h3{font-size:1.1rem}
p{margin:.4rem 0}
code{font-size:.95em;background:var(--bg);border:1px solid var(--line);border-radius:4px;
padding:0 .25em}
.wrap{max-width:72rem;margin:0 auto;padding:0 1rem}
.hero{background:var(--hero);color:var(--hero-text);padding:1.5rem 0 1.25rem;
border-bottom:6px solid var(--sw,var(--brand))}
.hero h1{font-size:clamp(1.6rem,5vw,2.4rem);margin:.25rem 0 .5rem}
.eyebrow{font-weight:700;letter-spacing:.08em;text-transform:uppercase;color:var(--hero-muted);margin:0}
.lede{max-width:44rem;color:var(--hero-muted);font-size:1.05rem}
.next{display:inline-block;margin:.75rem 0 0;padding:.35rem .75rem;border-radius:999px;
background:var(--mark);color:var(--mark-text);font-weight:600}
.next a{color:inherit}
nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:1rem 0 0;padding:0}
nav a{color:var(--hero-text);font-weight:600}
.intro{max-width:44rem;color:var(--muted)}
.card{background:var(--surface);border:1px solid var(--line);
border-left:6px solid var(--sw,var(--line));border-radius:10px;padding:.9rem;
container-type:inline-size}
.notice{border-left-color:var(--warn);margin-top:1.5rem}
.notice h2{margin:0 0 .25rem;font-size:1.2rem}
.ways{display:grid;gap:.6rem;margin:.75rem 0 0}
@container (min-width:40rem){.ways{grid-template-columns:repeat(3,1fr)}
.way-copy{grid-column:span 2}}
.way{display:block;padding:.65rem .8rem;border:1px solid var(--line);border-radius:8px;
background:var(--surface);color:var(--text);text-decoration:none}
a.way{border-color:var(--text);font-weight:700}
a.way:hover{background:var(--bg)}
a.way .hint,.way label .hint{display:block;font-weight:400;font-size:.875rem;color:var(--muted)}
.way-copy label{display:block;font-weight:700}
.copy{display:flex;gap:.5rem;margin-top:.35rem}
.copy input{flex:1;min-width:0;font:inherit;font-size:.9rem;padding:.45rem .5rem;
border:1px solid var(--muted);border-radius:6px;background:var(--bg);color:var(--text)}
.copy button{font:inherit;font-weight:700;padding:.45rem 1rem;border:0;border-radius:6px;
background:var(--text);color:var(--surface);cursor:pointer}
.said{display:block;font-size:.875rem;color:var(--muted)}
a.way-download{border-style:dashed;border-color:var(--muted);font-weight:600}
.rounds{list-style:none;padding:0;margin:0;display:grid;gap:.75rem;
grid-template-columns:repeat(auto-fill,minmax(min(100%,21rem),1fr))}
.round{display:flex;flex-direction:column;gap:.1rem}
.round.is-next{outline:3px solid var(--mark-text);outline-offset:-1px;
box-shadow:0 0 0 6px var(--mark)}
.round-head{display:flex;align-items:baseline;gap:.5rem;flex-wrap:wrap}
.number{font-weight:700;color:var(--brand);font-variant-numeric:tabular-nums}
.when{font-weight:600}
.where,.muted{color:var(--muted)}
.mark{margin:.25rem 0;font-weight:700;background:var(--mark);color:var(--mark-text);
padding:.1rem .5rem;border-radius:6px;align-self:flex-start}
.status{font-size:.875rem;font-weight:700;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.status-cancelled,.status-postponed{color:var(--bad)}
.status-tentative{color:var(--warn)}
.chips{list-style:none;display:flex;flex-wrap:wrap;gap:.35rem;padding:0;margin:.35rem 0}
.chips li{display:inline-flex;align-items:center;gap:.3rem;font-size:.85rem;font-weight:600;
padding:.05rem .5rem;border:1px solid var(--line);border-radius:999px}
.chips li::before{content:"";width:.6rem;height:.6rem;border-radius:50%;
background:var(--sw,var(--muted))}
abbr{text-decoration:none}
.cancelled h3{text-decoration:line-through}
summary{cursor:pointer;list-style:none;font-weight:700;color:var(--link);padding:.25rem 0}
summary::-webkit-details-marker{display:none}
summary::before{content:"";display:inline-block;width:.5em;height:.5em;margin:0 .6em 0 .1em;
border:solid currentColor;border-width:0 .16em .16em 0;transform:rotate(-45deg);vertical-align:.1em}
details[open]>summary::before{transform:rotate(45deg);vertical-align:.25em}
.round details{margin-top:auto;padding-top:.5rem}
.feeds{display:grid;gap:.75rem;align-items:start;grid-template-columns:repeat(auto-fill,minmax(min(100%,28rem),1fr))}
.feeds summary{color:var(--text);display:flex;flex-wrap:wrap;align-items:baseline;gap:.25rem .6rem}
.feeds summary::before{align-self:center}
.feeds summary .muted{font-weight:400}
.crews{margin:.25rem 0;padding-left:1.25rem}
.notes li{margin:.5rem 0;max-width:48rem}
footer{margin:3rem 0 0;padding:1.5rem 0 2rem;border-top:1px solid var(--line);color:var(--muted)}
.vh{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);
white-space:nowrap;border:0}
[hidden]{display:none!important}
"""

# Marks the next round (the rule of `agenda.next_round`, on the viewer's date) and
# turns on the copy buttons. It reads and writes text only: never markup.
SCRIPT = """
(() => {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  const today = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const daysTo = (iso) => {
    const [y, m, d] = iso.split("-").map(Number);
    const start = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
    return Math.round((Date.UTC(y, m - 1, d) - start) / 86400000);
  };
  const round = [...document.querySelectorAll("[data-last]")].find((r) => r.dataset.last >= today);
  if (round) {
    const n = daysTo(round.dataset.first);
    const when = n <= 0 ? "on now" : n === 1 ? "tomorrow" : `in ${n} days`;
    round.classList.add("is-next");
    const mark = round.querySelector(".mark");
    mark.textContent = `Next round, ${when}`;
    mark.hidden = false;
    const link = document.createElement("a");
    link.href = `#${round.id}`;
    link.textContent = round.querySelector("h3").textContent;
    const banner = document.getElementById("next-round");
    banner.append(`Next round, ${when}: `, link);
    banner.hidden = false;
  }
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const field = document.getElementById(button.dataset.copy);
    const said = button.closest(".way").querySelector(".said");
    button.hidden = false;
    field.addEventListener("focus", () => field.select());
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(field.value);
        said.textContent = "Copied. Paste it into your calendar app.";
      } catch {
        field.focus();
        field.select();
        const copied = document.execCommand && document.execCommand("copy");
        said.textContent = copied ? "Copied. Paste it into your calendar app."
          : "Selected: copy it with Ctrl+C, or long-press and Copy.";
      }
    });
  }
})();
"""


class Markup(str):
    """Text that is already HTML: `tag` inserts it as it is and escapes everything else."""


def tag(name: str, *children: str | None, **attributes: str | bool | None) -> Markup:
    """`<name attributes>children</name>`: text children and attribute values are escaped.

    Attribute names come from code only (`class_` is `class`, `data_first` is
    `data-first`); `True` writes a bare attribute, `None` and `False` leave it out.
    """
    opening = name + "".join(_attribute(key, value) for key, value in attributes.items())
    if name in VOID:
        return Markup(f"<{opening}>")
    return Markup("".join([f"<{opening}>", *map(_html, children), f"</{name}>"]))


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
        ("season", "Rounds", _rounds(season, round_feeds)),
        ("classes", "Classes", _classes(season, by_kind["class"])),
        ("teams", "Teams", _teams(season, by_kind["team"])),
        ("notes", "Good to know", _notes()),
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
        class_=f"hero {_swatch(series.color)}",
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
    return _section(
        "subscribe",
        "Subscribe to the whole season",
        tag(
            "p",
            "Every round in one calendar. Choose the app you use: on an iPhone, iPad or "
            "Mac that is Apple Calendar; on Android, Google Calendar.",
            class_="intro",
        ),
        *(
            tag("div", tag("p", feed.description), _ways(season, feed), class_=_card(feed))
            for feed in feeds
        ),
    )


def _rounds(season: Season, round_feeds: dict[str, Feed]) -> Markup | None:
    if not season.rounds:
        return None
    count = len(season.rounds)
    return _section(
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
            "details", tag("summary", "Subscribe to this round only"), _ways(season, feed)
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
                tag("li", tag("abbr", c.short, title=c.name), class_=_swatch(c.color))
                for c in classes
            ),
            class_="chips",
            aria_label="Classes",
        ),
        tag("p", round_.notes, class_="muted") if round_.notes else None,
        _web_link(round_.url, f"{round_.name}: the rally's own page"),
        subscribe,
        id=f"round-{round_.id}",
        class_=f"card round {round_.status} {_swatch(season.series.color)}",
        data_first=round_.first_day.isoformat() if going_ahead else None,
        data_last=round_.last_day.isoformat() if going_ahead else None,
    )


def _classes(season: Season, feeds: list[Feed]) -> Markup | None:
    if not feeds:
        return None
    return _section(
        "classes",
        "Follow one class",
        tag("p", "Only the rounds a class runs, each event named with the class.", class_="intro"),
        tag(
            "div",
            *(_feed_details(season, feed, season.rally_class(feed.id).name) for feed in feeds),
            class_="feeds",
        ),
    )


def _teams(season: Season, feeds: list[Feed]) -> Markup | None:
    if not feeds:
        return None
    teams = {team.id: team for team in season.teams}
    return _section(
        "teams",
        "Follow one team",
        tag("p", "The rounds a team enters, with its crews and cars.", class_="intro"),
        tag(
            "div",
            *(
                _feed_details(
                    season, feed, teams[feed.id].name, _team_facts(season, teams[feed.id])
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
        _ways(season, feed),
        id=f"{feed.kind}-{feed.id}",
        class_=_card(feed),
    )


def _ways(season: Season, feed: Feed) -> Markup:
    """Every way to get one feed into a calendar: subscribe links, the address, a download."""
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
    if https is None:
        return tag("div", download, class_="ways")
    webcal = webcal_url(https)
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


def _notes() -> Markup:
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
    return _section(
        "notes",
        "Good to know",
        tag("ul", *(tag("li", tag("strong", head), rest) for head, rest in points), class_="notes"),
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
            _web_link(series.url, f"The {series.name} website"),
            class_="wrap",
        ),
    )


def _section(anchor: str, heading: str, *content: Markup) -> Markup:
    return tag(
        "section",
        tag("h2", heading, id=f"{anchor}-title"),
        *content,
        id=anchor,
        aria_labelledby=f"{anchor}-title",
    )


def _web_link(url: str | None, text: str) -> Markup | None:
    """A link to a page for people, only when it really is an http(s) address."""
    if not url or urlsplit(url).scheme.lower() not in ("http", "https"):
        return None
    return tag("p", tag("a", text, href=url))


def _card(feed: Feed) -> str:
    return f"card feed {_swatch(feed.color)}"


def _swatch(color: str | None) -> str:
    """The class that sets `--sw` to a colour (see `_color_rules`); names are letters only."""
    return f"sw-{color}" if color in CSS_COLORS else ""


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


def _attribute(key: str, value: str | bool | None) -> str:
    if value is None or value is False:
        return ""
    name = key.rstrip("_").replace("_", "-")
    return f" {name}" if value is True else f' {name}="{escape(value)}"'


def _html(child: str | None) -> str:
    if child is None:
        return ""
    return child if isinstance(child, Markup) else escape(child)
