"""What fans are told (`rallycal.render.news`): one notice per round, naming the round with
its season's year and days, in changes.atom, on the page and in the export's report."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner
from support import EPOCH, GOLDEN_SEASON, SEASON_2026, edit, export

from rallycal.cli.commands import cli
from rallycal.cli.report import change_lines
from rallycal.publication import Difference, EventChange
from rallycal.render.news import notices, round_label
from rallycal.source import load

DAY = 86400
NOW = datetime(2026, 1, 2, tzinfo=timezone.utc)
OLYMPUS = ("first_day: 2026-04-17\n        last_day: 2026-04-19",
           "first_day: 2026-04-24\n        last_day: 2026-04-26")


def atom(out: Path) -> feedparser.FeedParserDict:
    """changes.atom as feedparser reads it, which must find nothing wrong."""
    parsed = feedparser.parse((out / "changes.atom").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


class PageText(HTMLParser):
    """The text of a page as a reader sees it, and its links."""

    def __init__(self, page: bytes) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self.feed(page.decode("utf-8"))
        self.close()

    def handle_starttag(self, tag, attrs):
        self.links += [value for name, value in attrs if tag == "a" and name == "href"]

    def handle_data(self, data):
        self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())


def test_a_moved_round_is_named_with_its_season_and_old_and_new_days(published):
    source, out = published
    edit(source, *OLYMPUS)
    outcome = export(source, out, EPOCH + DAY)
    title = ("Olympus Rally, Fri 24 – Sun 26 Apr 2026 (2026 round 3): "
             "moved from Fri 17 – Sun 19 Apr 2026")
    assert [n.title for n in outcome.build.notices] == [title]
    entries = atom(out).entries
    assert [e.title for e in entries] == [title]
    assert entries[0].summary == title + "."
    assert entries[0].updated == "2026-01-02T00:00:00Z"
    assert entries[0].link == "https://americanrallyassociation.org"  # no base URL, no own url
    page = PageText((out / "index.html").read_bytes())
    assert title in page.text and "changes.atom" in page.links


def test_cancelled_and_renamed_rounds_each_get_a_notice(published):
    source, out = published
    edit(source, "        name: Olympus Rally\n",
         "        name: Olympus Rally\n        status: cancelled\n")
    edit(source, "name: Sno*Drift Rally", "name: Sno*Drift Rally of Michigan")
    export(source, out, EPOCH + DAY)
    titles = [e.title for e in atom(out).entries]
    assert titles == [
        "Sno*Drift Rally of Michigan, Fri 6 – Sat 7 Feb 2026 (2026 round 1): "
        "renamed from Sno*Drift Rally",
        "Olympus Rally, Fri 17 – Sun 19 Apr 2026 (2026 round 3): "
        "now cancelled (was confirmed)",
    ]


def test_postponed_and_back_to_confirmed(published):
    source, out = published
    edit(source, "        name: Olympus Rally\n",
         "        name: Olympus Rally\n        status: postponed\n")
    export(source, out, EPOCH + DAY)
    edit(source, "        status: postponed\n", "")
    export(source, out, EPOCH + 2 * DAY)
    assert [e.title.split(": ", 1)[1] for e in atom(out).entries] == [
        "now confirmed (was postponed)", "now postponed (was confirmed)"
    ]


def test_a_removed_round_is_taken_off_the_calendar(published):
    source, out = published
    text = source.read_text(encoding="utf-8")
    start, end = text.index("      - id: olympus\n"), text.index("      - id: southern-ohio")
    source.write_text(text[:start] + text[end:], encoding="utf-8")
    export(source, out, EPOCH + DAY, allow_removal=True)
    entries = atom(out).entries
    label = "Olympus Rally, Fri 17 – Sun 19 Apr 2026 (2026 round 3)"  # as last published
    assert [e.title for e in entries] == [f"{label}: taken off the calendar"]
    assert entries[0].summary == f"{label} was taken off the calendar."


def test_a_new_round_and_a_new_season_are_announced(published):
    source, out = published
    text = source.read_text(encoding="utf-8")
    season = text[text.index("  - year: 2026"):]  # the last season runs to the file's end
    season = season.replace("year: 2026", "year: 2027", 1).replace("2026-", "2027-")
    source.write_text(text.rstrip("\n") + "\n" + season, encoding="utf-8")
    export(source, out, EPOCH + DAY, base_url="https://feeds.example.org/ara/")
    newest = atom(out).entries[0]
    assert newest.title == "The 2027 calendar is published: 8 rounds"
    assert newest.summary.split("\n")[:2] == [
        "The 2027 calendar is published: 8 rounds.",
        "R1 Sno*Drift Rally: Sat 6 – Sun 7 Feb 2027, Atlanta.",
    ]
    assert newest.link == "https://feeds.example.org/ara/index.html"
    text = source.read_text(encoding="utf-8")
    start = text.rindex("      - id: lake-superior\n")
    end = text.index("    teams:\n", start)
    extra = text[start:end].replace("lake-superior", "lake-superior-2").replace(
        "Lake Superior Performance Rally", "Lake Superior Encore").replace(
        "2027-10-09", "2027-11-05").replace("2027-10-10", "2027-11-06")
    source.write_text(text[:end] + extra + text[end:], encoding="utf-8")
    export(source, out, EPOCH + 2 * DAY, base_url="https://feeds.example.org/ara/")
    newest = atom(out).entries[0]
    assert newest.title == "New round: Lake Superior Encore, Fri 5 – Sat 6 Nov 2027 (2027 round 9)"
    assert newest.summary == (
        "New in the 2027 calendar: R9 Lake Superior Encore: Fri 5 – Sat 6 Nov 2027, Marquette."
    )
    assert newest.link == "https://feeds.example.org/ara/index.html#round-2027-lake-superior-2"


def test_wording_and_link_changes_are_not_news(published):
    source, out = published
    edit(source, "        name: Olympus Rally\n",
         "        name: Olympus Rally\n        notes: Now with notes.\n")
    outcome = export(source, out, EPOCH + DAY, base_url="https://feeds.example.org/ara/")
    assert outcome.build.changes and outcome.build.notices == []
    assert atom(out).entries == []


# -- a round id in two seasons ----------------------------------------------------------


def two_seasons(*, years: tuple[int, ...], cancelled: bool, url: str | None = None,
                base_url: str | None = "https://feeds.example.org/demo/") -> str:
    """A made-up source whose seasons both have a round `colorado`, on other days and
    with another number each season."""
    base = f"  base_url: {base_url}\n" if base_url else ""
    status = "        status: cancelled\n" if cancelled else ""
    link = f"        url: {url}\n" if url else ""
    seasons = {
        2026: f"""\
  - year: 2026
    classes:
      - {{id: open, name: Open, short: OPEN}}
    rounds:
      - id: winter
        name: Winter Rally
        first_day: 2026-02-06
        last_day: 2026-02-07
        venue: {{town: Atlanta, state: Michigan, country: United States,
                timezone: America/Detroit, latitude: 45.005, longitude: -84.144}}
      - id: colorado
        name: Rally Colorado
        first_day: 2026-07-18
        last_day: 2026-07-19
{status}{link}        venue: {{town: Rangely, state: Colorado, country: United States,
                timezone: America/Denver, latitude: 40.088, longitude: -108.805}}
""",
        2027: """\
  - year: 2027
    rounds:
      - id: colorado
        name: Rally Colorado
        first_day: 2027-06-12
        last_day: 2027-06-13
        url: https://example.org/colorado-2027
        venue: {town: Rangely, state: Colorado, country: United States,
                timezone: America/Denver, latitude: 40.088, longitude: -108.805}
""",
    }
    return (
        "series:\n  id: demo\n  name: Demo Rally Series\n  short: DRS\n"
        f"  url: https://example.org/series\n{base}seasons:\n"
        + "".join(seasons[year] for year in years)
    )


LABEL = "Rally Colorado, Sat 18 – Sun 19 Jul 2026 (2026 round 2)"
CANCELLED = f"{LABEL}: now cancelled (was confirmed)"
DAYS_2027 = "Sat 12 – Sun 13 Jun 2027"


def run(args: list[str], seconds: int) -> str:
    result = CliRunner().invoke(cli, args, env={"SOURCE_DATE_EPOCH": str(seconds)})
    assert result.exit_code == 0, result.output
    return result.stdout


# 2027 is in the source from the start, comes with the cancellation, or comes after it.
WHEN_2027 = {"before": ((2026, 2027), (2026, 2027)), "with": ((2026,), (2026, 2027)),
             "after": ((2026,), (2026,))}


@pytest.mark.parametrize("when", WHEN_2027)
def test_a_notice_names_its_season_whatever_seasons_the_source_holds(tmp_path, when):
    first, then = WHEN_2027[when]
    source, out = tmp_path / "events.yaml", tmp_path / "dist"
    source.write_text(two_seasons(years=first, cancelled=False), encoding="utf-8")
    export(source, out)
    source.write_text(two_seasons(years=then, cancelled=True), encoding="utf-8")
    said = run(["diff", str(source), "--out", str(out)], EPOCH + DAY)
    assert f"changed  {LABEL} (in " in said
    report = json.loads(run(["export", str(source), "--out", str(out), "--json"], EPOCH + DAY))
    about = [c for c in report["changes"] if ".colorado" in c["uid"] and c["change"] == "changed"]
    assert about and {c["round"] for c in about} == {LABEL}
    assert {c["uid"].split(".")[1] for c in about} == {"2026"}
    cancelled = [n for n in report["notices"] if "colorado" in (n["link"] or "")]
    assert [n["title"] for n in cancelled] == [CANCELLED]
    assert cancelled[0]["link"] == "https://feeds.example.org/demo/index.html#round-2026-colorado"
    if when == "after":
        source.write_text(two_seasons(years=(2026, 2027), cancelled=True), encoding="utf-8")
        run(["export", str(source), "--out", str(out)], EPOCH + 2 * DAY)
    entries = atom(out).entries
    [entry] = [e for e in entries if e.title.startswith("Rally Colorado")]
    assert entry.title == CANCELLED and entry.summary == CANCELLED + "."
    assert entry.link == "https://feeds.example.org/demo/index.html#round-2026-colorado"
    assert [link.href for link in entry.links] == [entry.link]
    assert DAYS_2027 not in entry.summary
    page = PageText((out / "index.html").read_bytes())
    assert CANCELLED in page.text
    assert "https://feeds.example.org/demo/index.html#round-2026-colorado" in page.links
    assert 'id="round-2026-colorado"' in (out / "index.html").read_text(encoding="utf-8")
    if when != "before":
        assert "The 2027 calendar is published: 1 round" in [e.title for e in entries]


def test_a_notice_links_to_the_rounds_own_page_when_it_has_one(tmp_path):
    source, out = tmp_path / "events.yaml", tmp_path / "dist"
    own = "https://example.org/colorado-2026"
    source.write_text(two_seasons(years=(2026, 2027), cancelled=False, url=own), "utf-8")
    export(source, out)
    source.write_text(two_seasons(years=(2026, 2027), cancelled=True, url=own), "utf-8")
    outcome = export(source, out, EPOCH + DAY)
    assert [(n.title, n.link) for n in outcome.build.notices] == [(CANCELLED, own)]
    assert [(e.title, e.link) for e in atom(out).entries] == [(CANCELLED, own)]


def test_without_a_base_url_a_notice_links_to_the_series_site(tmp_path):
    source, out = tmp_path / "events.yaml", tmp_path / "dist"
    source.write_text(two_seasons(years=(2026, 2027), cancelled=False, base_url=None), "utf-8")
    export(source, out)
    source.write_text(two_seasons(years=(2026, 2027), cancelled=True, base_url=None), "utf-8")
    outcome = export(source, out, EPOCH + DAY)
    assert [(n.title, n.link) for n in outcome.build.notices] == [
        (CANCELLED, "https://example.org/series")
    ]
    assert any(line.startswith(f"changed  {LABEL} (in ") for line in change_lines(outcome))


# -- notices() on its own ---------------------------------------------------------------


def test_timed_items_removals_and_archives_in_plain_words():
    golden = load(GOLDEN_SEASON)  # its seasons keep their "@rallycal" UIDs
    item = EventChange(
        "demo.2026.winter.item.shakedown@rallycal", "changed", "t", ("all.ics",),
        (Difference("times", "2026-03-07 14:30 UTC – 2026-03-07 17:00 UTC",
                    "2026-03-07 15:30 UTC – 2026-03-07 18:00 UTC"),),
    )
    gone = EventChange("demo.2026.gone@rallycal", "removed", "DRS R4: Gone Rally", ("all.ics",))
    archived = [EventChange(f"demo.2026.{r}@rallycal", "archived", "t", ("2026/all.ics",))
                for r in ("winter", "autumn")]
    said = notices(golden, [item, gone, *archived], NOW)
    winter = round_label(2026, golden.latest.round("winter"))
    assert winter == 'Winter Rally, Part 1; "Snow" \\ Ice, Sat 7 – Sun 8 Mar 2026 (2026 round 1)'
    assert [n.text for n in said] == [
        f"{winter}: Shakedown moved from Sat 7 Mar 2026, 09:30–12:00 "
        "to Sat 7 Mar 2026, 10:30–13:00 (local time).",  # EST at the venue
        "Gone Rally (2026 round 4) was taken off the calendar.",  # no days known: none said
        "The 2026 season has left the whole-season calendars; it stays complete in "
        "2026/all.ics.",
    ]
    assert said[0].link == "https://example.org/winter?a=1&b=2"
    assert all(n.updated == NOW and n.id.startswith("urn:uuid:") for n in said)
    assert len({n.id for n in said}) == 3
    assert [n.id for n in notices(golden, [item, gone, *archived], NOW)] == [n.id for n in said]


def test_copies_of_a_round_in_class_team_and_reminders_feeds_add_nothing():
    championship = load(SEASON_2026)
    days = (Difference("dates", "Fri 10 – Sun 12 Apr 2026", "Fri 17 – Sun 19 Apr 2026"),)
    copies = [
        EventChange(f"ara.2026.olympus{suffix}", "changed", "t", ("x.ics",), days)
        for suffix in (".team.mini-jcw", ".class.l4wd", ".reminders", ".class.l4wd.reminders")
    ]
    details = EventChange("ara.2026.olympus", "changed", "t", ("all.ics",),
                          (Difference("details", None, None), Difference("link", "a", "b"),
                           Difference("notes", "a", "b")))
    assert notices(championship, [*copies, details], NOW) == []
    own = EventChange("ara.2026.olympus", "changed", "t", ("all.ics",), days)
    assert [n.title for n in notices(championship, [*copies, own], NOW)] == [
        "Olympus Rally, Fri 17 – Sun 19 Apr 2026 (2026 round 3): "
        "moved from Fri 10 – Sun 12 Apr 2026"
    ]
