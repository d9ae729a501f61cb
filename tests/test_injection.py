"""Hostile text stays in its field: no extra component, property, element or file.

Each case puts one payload into one free-text field of an otherwise clean season
(`seasons.TEMPLATE`). Either the loader refuses it, at that field's line, and
nothing is written; or the export has exactly the structure of the clean export:
the same components and properties in every feed (read from the raw bytes, by
icalendar, vobject, `ical` and Mozilla's ical.js), the same elements, attributes and
comments on the page and in changes.atom (read by feedparser too), and the payload back,
as text, wherever the clean text was.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import feedparser
import icalendar
import pytest
import vobject
from defusedxml import ElementTree
from ical.calendar_stream import IcsCalendarStream
from seasons import MULTILINE_FIELDS, TEXT_FIELDS, clean_value, line_of, season_source
from support import EPOCH, export, icaljs, snapshot

from rallycal.errors import RallycalError, SourceError
from rallycal.plan import is_own_path
from rallycal.publication import Notice
from rallycal.render.atom import changes_feed
from rallycal.source import parse

PAYLOADS = {
    "crlf": "\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil@example.org\r\nSUMMARY:injected\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR\r\n",
    "lf": "\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil@example.org\nEND:VCALENDAR\nBEGIN:VCALENDAR",
    "cr": "\rEND:VEVENT\rBEGIN:VEVENT\rUID:evil@example.org",
    "nul": "\x00END:VEVENT\x00BEGIN:VEVENT",
    "nel": "\x85END:VEVENT\x85BEGIN:VEVENT",
    "line-separators": "\u2028END:VEVENT\u2029BEGIN:VEVENT\u2028UID:evil@example.org",
    "folding": "\n END:VEVENT\n\tBEGIN:VEVENT",
    "ical-syntax": ';X-EVIL=1:END:VEVENT,BEGIN:VEVENT\\nSUMMARY\\:x "q" ^n ^\' \\; \\,',
    "markup": "<script>alert(1)</script>\"onmouseover=\"alert(1)' onfocus='alert(2) "
    "</title><img src=x onerror=alert(3)><!-- --> javascript:alert(4) ]]> &amp; &lt;",
}
# The one line break the format allows is LF, and only in notes.
LINE_BREAKS = set("\r\x00\x85\u2028\u2029")
CASES = [(field, name) for field in TEXT_FIELDS for name in PAYLOADS]
KNOWN_PROPERTIES = frozenset(
    [
        "BEGIN", "END", "PRODID", "VERSION", "CALSCALE", "METHOD", "NAME", "X-WR-CALNAME",
        "DESCRIPTION", "X-WR-CALDESC", "REFRESH-INTERVAL", "X-PUBLISHED-TTL", "SOURCE", "URL",
        "COLOR", "X-APPLE-CALENDAR-COLOR", "UID", "SUMMARY", "DTSTART", "DTEND", "LOCATION", "GEO",
        "X-APPLE-STRUCTURED-LOCATION", "CATEGORIES", "STATUS", "TRANSP", "CLASS", "SEQUENCE",
        "DTSTAMP", "LAST-MODIFIED", "X-MICROSOFT-CDO-BUSYSTATUS",
        "ACTION", "TRIGGER",  # reminders' VALARMs
    ]
)
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "poster", "cite", "data"})


def hostile_value(payload: str) -> str:
    """The payload inside ordinary words, so trimming cannot remove any of it."""
    return f"A {payload} Z"


def must_refuse(field: str, payload: str) -> bool:
    return bool(LINE_BREAKS & set(payload)) or ("\n" in payload and field not in MULTILINE_FIELDS)


# -- exporting every case once -------------------------------------------------------


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict:
    """Case -> its export folder, or the `SourceError` the loader raised."""
    root = tmp_path_factory.mktemp("injection")
    results: dict = {}
    for case in [None, *CASES]:
        name = "clean" if case is None else f"{case[0]}-{case[1]}"
        values = {} if case is None else {case[0]: hostile_value(PAYLOADS[case[1]])}
        source = root / f"{name}.yaml"
        source.write_text(season_source(**values), encoding="utf-8")
        try:
            export(source, root / name)
            results[case] = root / name
        except SourceError as error:
            results[case] = error
    return results


@pytest.fixture(scope="module")
def icaljs_read(exports) -> dict[str, dict]:
    """ical.js's reading of every exported feed, in one node run: path -> result."""
    folders = [folder for folder in exports.values() if isinstance(folder, Path)]
    paths = [path for folder in folders for path in folder.rglob("*.ics")]
    return {item["path"]: item for item in icaljs(paths)}


# -- reading the feeds ---------------------------------------------------------------


def raw_structure(data: bytes) -> list[str]:
    """Every unfolded content line's name (and BEGIN/END value), checked line by line."""
    assert data.endswith(b"\r\n")
    physical = data[:-2].split(b"\r\n")
    assert not any(b"\r" in line or b"\n" in line for line in physical), "a bare CR or LF"
    text = data.decode("utf-8")
    assert len(text.splitlines()) == len(physical), "a line separator other than CRLF"
    unfolded: list[str] = []
    for line in physical:
        if line[:1] in (b" ", b"\t"):
            unfolded[-1] += line[1:].decode("utf-8")
        else:
            unfolded.append(line.decode("utf-8"))
    names = []
    for line in unfolded:
        name = re.match(r"[A-Z0-9-]+(?=[;:])", line)
        assert name and name[0] in KNOWN_PROPERTIES, f"unexpected content line {line!r}"
        if name[0] in ("BEGIN", "END"):
            assert line in (f"{name[0]}:{c}" for c in ("VCALENDAR", "VEVENT", "VALARM")), line
            names.append(line)
        else:
            names.append(name[0])
    return names


def plain(value) -> str:
    """A property value as a reader sees it: unescaped text, categories joined."""
    if hasattr(value, "cats"):
        return "\x1f".join(value.cats)
    if isinstance(value, str):
        return str(value)
    data = value.to_ical()
    return data.decode() if isinstance(data, bytes) else data


def lenient(parameter: str | None) -> str | None:
    """A parameter value without backslashes and line breaks.

    RFC 5545 parameter values have no backslash escapes (RFC 6868 '^' ones instead),
    and rallycal writes backslashes as they are; but icalendar drops a backslash
    before ':;,' and ical.js reads '\\n' as a line break, as if they were TEXT.
    """
    return None if parameter is None else parameter.replace("\n", "n").replace("\\", "")


# Calendar TEXT properties icalendar hands back still escaped, unescaped as RFC 5545 says.
ESCAPED_TEXT = ("NAME", "X-WR-CALNAME", "X-WR-CALDESC")


def unescape(text: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)


def icalendar_reading(data: bytes) -> list[tuple]:
    """(component, property, value, parameters) for every property icalendar reads."""
    calendar = icalendar.Calendar.from_ical(data)
    found = []
    for component in calendar.walk():
        for name, value in component.property_items(recursive=False):
            if name in ("BEGIN", "END"):
                found.append((component.name, name, str(value), ()))
                continue
            params = tuple(sorted((k, str(v)) for k, v in getattr(value, "params", {}).items()))
            text = plain(value)
            if component.name == "VCALENDAR" and name in ESCAPED_TEXT:
                text = unescape(text)
            found.append((component.name, name, text, params))
    return found


def with_lenient_parameters(reading: list[tuple]) -> list[tuple]:
    return [(c, n, v, tuple((k, lenient(x)) for k, x in p)) for c, n, v, p in reading]


def vobject_reading(data: bytes) -> list[tuple[str, list[str]]]:
    calendars = list(vobject.readComponents(data.decode("utf-8")))
    return [(c.name, [child.name for child in c.getChildren()]) for c in calendars]


def ical_reading(data: bytes) -> list[tuple[str, str | None, str | None]]:
    calendar = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    return [(e.uid, e.summary, e.description) for e in calendar.events]


def replaced(value, token: str, text: str):
    """`value` (text, or nested tuples and lists of text) with `token` replaced by `text`.

    Also where a page link carries the text percent-encoded (Outlook's `name=`).
    """
    if isinstance(value, str):
        return value.replace(token, text).replace(quote(token, safe=""), quote(text, safe=""))
    if isinstance(value, (list, tuple)):
        return type(value)(replaced(item, token, text) for item in value)
    if isinstance(value, dict):
        return {k: replaced(v, token, text) for k, v in value.items()}
    return value


# -- reading the page ----------------------------------------------------------------


class PageStructure(HTMLParser):
    """Every element with its attribute names, every attribute value, comments, text.

    The JSON-LD block is data, not text: it is kept apart and read as JSON.
    """

    def __init__(self, page: bytes) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, tuple[str, ...]]] = []
        self.values: list[str] = []
        self.comments = 0
        self.text: list[str] = []
        self.json_ld: list[str] = []
        self._in_json_ld = False
        self.feed(page.decode("utf-8"))
        self.close()

    def data(self) -> list[object]:
        """Every JSON-LD block, parsed."""
        return [json.loads(block) for block in self.json_ld]

    def handle_endtag(self, tag):
        self._in_json_ld = False

    def handle_starttag(self, tag, attrs):
        self._in_json_ld = tag == "script" and ("type", "application/ld+json") in attrs
        self.elements.append((tag, tuple(name for name, _ in attrs)))
        self.values.extend(value or "" for _, value in attrs)
        for name, value in attrs:
            if name in URL_ATTRIBUTES or name.startswith("on"):
                compact = re.sub(r"[\x00-\x20]", "", value or "").lower()
                assert name in URL_ATTRIBUTES, f"event handler attribute {name}"
                assert not compact.startswith(("javascript:", "vbscript:")), value

    handle_startendtag = handle_starttag

    def handle_comment(self, data):
        self.comments += 1

    def handle_data(self, data):
        (self.json_ld if self._in_json_ld else self.text).append(data)


# -- reading changes.atom ------------------------------------------------------------


def atom_structure(data: bytes) -> list[tuple[str, tuple[str, ...], str, tuple[str, ...]]]:
    """Every element: its tag, attribute names, text and attribute values (read with
    document types refused)."""
    root = ElementTree.fromstring(data, forbid_dtd=True)
    return [
        (node.tag, tuple(sorted(node.attrib)), (node.text or "").strip(),
         tuple(v for _, v in sorted(node.attrib.items())))
        for node in root.iter()
    ]


def feedparser_reading(data: bytes) -> tuple[str, str, list[tuple[str, str]]]:
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return (parsed.feed.title, parsed.feed.get("subtitle", ""),
            [(e.title, e.summary) for e in parsed.entries])


# -- the tests -----------------------------------------------------------------------


# Fields that reach a calendar's NAME, X-WR-CALNAME or X-WR-CALDESC, which are written
# without TEXT escaping (see test_a_calendars_name_and_description_are_escaped_as_text).


def case(field: str, payload: str):
    return pytest.param(field, payload, id=f"{field}-{payload}")


@pytest.mark.slow  # exports every case once (several seconds), then reads each in node
@pytest.mark.parametrize(("field", "payload"), [case(f, p) for f, p in CASES])
def test_hostile_text_stays_in_its_field(exports, icaljs_read, field, payload):
    result = exports[(field, payload)]
    text = hostile_value(PAYLOADS[payload])
    if must_refuse(field, PAYLOADS[payload]):
        assert isinstance(result, SourceError), f"{field} accepted {text!r}"
        assert line_of(field) in {p.line for p in result.problems}, result.report()
        return
    assert isinstance(result, Path), result.report()
    clean: Path = exports[None]
    token = clean_value(field)
    files = snapshot(result)
    clean_files = snapshot(clean)
    assert sorted(files) == sorted(clean_files)
    for path in (p for p in clean_files if p.endswith(".ics")):
        data, clean_data = files[path], clean_files[path]
        assert raw_structure(data) == raw_structure(clean_data), path
        expected = replaced(icalendar_reading(clean_data), token, text)
        assert with_lenient_parameters(icalendar_reading(data)) == with_lenient_parameters(expected)
        assert vobject_reading(data) == vobject_reading(clean_data)
        assert ical_reading(data) == replaced(ical_reading(clean_data), token, text)
        js, clean_js = icaljs_read[str(result / path)], icaljs_read[str(clean / path)]
        assert js["components"] == clean_js["components"]
        assert [e["uid"] for e in js["events"]] == [e["uid"] for e in clean_js["events"]]
        for event, clean_event in zip(js["events"], clean_js["events"], strict=True):
            for key in ("summary", "location", "description"):
                assert event[key] == replaced(clean_event[key], token, text), key
            title = lenient(replaced(clean_event["appleTitle"], token, text))
            assert lenient(event["appleTitle"]) == title
    page, clean_page = PageStructure(files["index.html"]), PageStructure(clean_files["index.html"])
    assert page.elements == clean_page.elements
    assert page.comments == clean_page.comments
    assert page.values == replaced(clean_page.values, token, text)
    assert "".join(page.text) == replaced("".join(clean_page.text), token, text)
    assert page.data() == replaced(clean_page.data(), token, text)
    assert atom_structure(files["changes.atom"]) == replaced(
        atom_structure(clean_files["changes.atom"]), token, text
    )
    assert feedparser_reading(files["changes.atom"]) == replaced(
        feedparser_reading(clean_files["changes.atom"]), token, text
    )
    manifest, clean_manifest = json.loads(files["feeds.json"]), json.loads(
        clean_files["feeds.json"]
    )
    assert list(manifest["events"]) == list(clean_manifest["events"])  # the same UIDs
    assert [(f["path"], f["events"]) for f in manifest["feeds"]] == [
        (f["path"], f["events"]) for f in clean_manifest["feeds"]
    ]
    assert manifest == replaced(clean_manifest, token, text) | {
        "feeds": manifest["feeds"],
        "events": manifest["events"],
    }


@pytest.mark.slow
def test_every_field_reaches_a_feed_or_the_page(exports):
    """Otherwise the cases above would prove nothing for that field."""
    clean = snapshot(exports[None])
    everything = b"".join(clean.values()).decode("utf-8").replace("\r\n ", "")
    for field in TEXT_FIELDS:
        assert clean_value(field) in everything, field


def test_a_calendars_name_and_description_are_escaped_as_text(tmp_path):
    name = 'Open, Unlimited; "4WD" \\ Club'
    source = tmp_path / "events.yaml"
    source.write_text(season_source(class_name=name), encoding="utf-8")
    export(source, tmp_path / "dist")
    data = (tmp_path / "dist" / "class" / "open.ics").read_bytes()
    unfolded = data.replace(b"\r\n ", b"").decode("utf-8")
    escaped = 'Open\\, Unlimited\\; "4WD" \\\\ Club'
    for prop in ("NAME", "X-WR-CALNAME"):
        assert f"\r\n{prop}:Clean series_short · {escaped}\r\n" in unfolded, prop
    calendar = vobject.readOne(data.decode("utf-8"))
    assert calendar.x_wr_calname.value == f"Clean series_short · {name}"
    assert name in calendar.x_wr_caldesc.value


# -- ids and paths -------------------------------------------------------------------

UNSAFE_IDS = [
    "../x",
    "a/b",
    "/etc/passwd",
    "..",
    ".hidden",
    "x\\y",
    "CON",
    "Spring",
    "my rally",
    "spr\u0456ng",  # Cyrillic i
    "\uff53\uff50\uff52\uff49\uff4e\uff47",  # fullwidth letters
    "spring\u200b",  # zero-width space
    "\u017fpring",  # long s
    "\u212aelvin",  # Kelvin sign, lower-cases to k
    "spr\u0131ng",  # dotless i
    "-x",
    "x" * 65,
]
ID_LINES = {"series": "  id: demo", "class": "  - id: open", "round": "  - id: spring",
            "item": "      - id: shakedown", "team": "  - id: blue"}


@pytest.mark.parametrize("owner", sorted(ID_LINES))
@pytest.mark.parametrize("unsafe", UNSAFE_IDS, ids=[ascii(i) for i in UNSAFE_IDS])
def test_the_loader_refuses_unsafe_ids(owner, unsafe):
    from seasons import yaml_str

    line = ID_LINES[owner]
    hostile = line.split("id:")[0] + f"id: {yaml_str(unsafe)}"
    source = season_source().replace(line + "\n", hostile + "\n")
    number = season_source().splitlines().index(line) + 1
    with pytest.raises(SourceError) as caught:
        parse(source.encode(), "events.yaml")
    assert any(p.line == number and "invalid id" in p.message for p in caught.value.problems), (
        caught.value.report()
    )


OWN_PATHS = ["all.ics", "class/l4wd.ics", "team/mini-jcw.ics", "round/100-acre-wood.ics",
             "reminders/all.ics", "reminders/team/x.ics", "2026/class/x.ics",
             "reminders/2026/all.ics", "index.html", "changes.atom"]
NOT_OWN_PATHS = [
    "../x.ics", "class/../../x.ics", "/etc/passwd", "/all.ics", "team/a/b.ics", ".hidden.ics",
    "team/.x.ics", "x\\y.ics", "CON.ics", "team/spr\u0456ng.ics", "class/..ics", "", "class/",
    "all.ics\x00.txt", "feeds.json", "events.yaml", "robots.txt", "class/notes.txt",
    "26/all.ics", "2026/2026/all.ics", "reminders/reminders/all.ics", "Team/x.ics",
    "team/X.ics", "team/-x.ics", "class/x.ics/", "./all.ics",
]


@pytest.mark.parametrize("path", NOT_OWN_PATHS, ids=ascii)
def test_paths_rallycal_never_writes_are_not_its_own(path):
    """Only own paths are read back as the record or ever deleted."""
    assert not is_own_path(path)


@pytest.mark.parametrize("path", OWN_PATHS)
def test_its_own_paths_are(path):
    assert is_own_path(path)


def hostile_championship(round_id: str):
    """A season built in code, with a round id the loader would refuse."""
    from dataclasses import replace

    from rallycal.model import Championship

    valid = parse(season_source().encode(), "events.yaml").latest
    spring = replace(valid.rounds[0], id=round_id)
    teams = tuple(replace(team, rounds=(round_id,)) for team in valid.teams)
    hostile = replace(valid, rounds=(spring,), teams=teams)
    return Championship(hostile.series, (hostile,))


def test_the_export_never_writes_outside_its_folder_even_for_a_season_built_in_code(
    tmp_path, monkeypatch
):
    import rallycal.export

    championship = hostile_championship("../../victim")
    monkeypatch.setattr(rallycal.export, "load", lambda source: championship)
    source = tmp_path / "events.yaml"
    source.write_text(season_source(), encoding="utf-8")
    out = tmp_path / "site" / "work" / "dist"
    with contextlib.suppress(RallycalError):
        export(source, out)
    outside = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                     if p.is_file() and out not in p.parents)
    assert outside == ["events.yaml"]


def files_outside(root: Path, out: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and out not in p.parents}


VICTIM = (
    b"BEGIN:VCALENDAR\r\nPRODID:-//rallycal//rallycal feeds//EN\r\nBEGIN:VEVENT\r\n"
    b"UID:demo.2026.victim\r\nSUMMARY:victim\r\nSEQUENCE:0\r\n"
    b"LAST-MODIFIED:20260101T000000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_a_hostile_manifest_cannot_make_export_read_write_or_delete_outside(tmp_path):
    source = tmp_path / "events.yaml"
    source.write_text(season_source(), encoding="utf-8")
    out = tmp_path / "site" / "dist"
    export(source, out)
    victims = [tmp_path / "site" / "victim.ics", tmp_path / "victim.ics"]
    for victim in victims:
        victim.write_bytes(VICTIM)
    manifest = json.loads((out / "feeds.json").read_text(encoding="utf-8"))
    for path in ["../victim.ics", "../../victim.ics", "class/../../victim.ics",
                 str(victims[0]), "team/../../victim.ics", "..\\victim.ics"]:
        manifest["feeds"].append({"kind": "team", "id": "x", "path": path})
    (out / "feeds.json").write_text(json.dumps(manifest), encoding="utf-8")
    # Dropping the team makes its feeds go: the export may delete only those files.
    source.write_text(season_source().split("teams:")[0], encoding="utf-8")
    outside = files_outside(tmp_path, out)
    outcome = export(source, out, EPOCH + 3600, allow_removal=True)
    assert outcome.removed == ["2026/team/blue.ics", "reminders/team/blue.ics", "team/blue.ics"]
    assert files_outside(tmp_path, out) == outside
    assert not (out / "team" / "blue.ics").exists()
    assert not [c for c in outcome.build.changes if "victim" in c.uid]
    assert not [r for r in outcome.build.removals if "victim" in r.path]
    assert all("victim" not in path for path in outcome.written)
    shutil.rmtree(out)
    assert all(v.read_bytes() == VICTIM for v in victims)


def test_a_hostile_manifest_cannot_make_export_delete_files_it_never_writes(tmp_path):
    """Only feeds can go: a listed page of the host's, or the source itself, stays."""
    folder = tmp_path / "site"
    folder.mkdir()
    source = folder / "events.yaml"
    source.write_text(season_source(), encoding="utf-8")
    export(source, folder)  # --out . : the source sits in the output folder
    theirs = {"robots.txt": b"User-agent: *\n", "404.html": b"<p>gone</p>",
              "class/notes.txt": b"x"}
    for path, data in theirs.items():
        (folder / path).write_bytes(data)
    manifest = json.loads((folder / "feeds.json").read_text(encoding="utf-8"))
    for path in [*theirs, "events.yaml", "class", "team/blue.ics"]:
        manifest["feeds"].append({"kind": "team", "id": "x", "path": path})
    (folder / "feeds.json").write_text(json.dumps(manifest), encoding="utf-8")
    source.write_text(season_source().split("teams:")[0], encoding="utf-8")
    outcome = export(source, folder, EPOCH + 3600, allow_removal=True)
    assert outcome.removed == ["2026/team/blue.ics", "reminders/team/blue.ics", "team/blue.ics"]
    assert {path: (folder / path).read_bytes() for path in theirs} == theirs
    assert source.read_text(encoding="utf-8") == season_source().split("teams:")[0]


# -- changes.atom entries ---------------------------------------------------------------

ACCEPTED_IN_NAMES = [name for name, payload in PAYLOADS.items()
                     if not must_refuse("round_name", payload)]


@pytest.mark.parametrize("payload", PAYLOADS, ids=PAYLOADS)
def test_hostile_text_in_a_changes_feed_entry_stays_text(payload):
    text = hostile_value(PAYLOADS[payload])
    series = parse(season_source().encode(), "events.yaml").series
    now = datetime(2026, 1, 2, tzinfo=timezone.utc)
    link = "https://example.org/a?b=1&c=\"x\"<y>'z'"

    def feed(words: str) -> bytes:
        return changes_feed(series, [Notice("urn:uuid:1", now, words, words, link)], now)[0]

    data, clean = feed(text), feed("Clean notice")
    lines = text.replace("\r\n", "\n").replace("\r", "\n")  # XML has no CR of its own
    expected = "".join(c if c in "\t\n" or c >= " " else "\ufffd" for c in lines)
    assert atom_structure(data) == replaced(atom_structure(clean), "Clean notice", expected)
    parsed = feedparser.parse(data)
    assert not parsed.bozo
    [entry] = parsed.entries
    assert entry.link == link
    if payload != "nel":  # feedparser reads C1 controls as windows-1252 ("…")
        assert (entry.title, entry.summary) == (expected, expected)


@pytest.mark.parametrize("payload", ACCEPTED_IN_NAMES)
def test_a_hostile_round_name_in_a_notice_stays_text_in_the_feed_and_on_the_page(
    tmp_path, payload
):
    name = hostile_value(PAYLOADS[payload])
    results = {}
    for new in (name, "Clean renamed"):
        source, out = tmp_path / new[:1] / "events.yaml", tmp_path / new[:1] / "dist"
        source.parent.mkdir()
        source.write_text(season_source(), encoding="utf-8")
        export(source, out)
        source.write_text(season_source(round_name=new), encoding="utf-8")
        export(source, out, EPOCH + 3600)
        results[new] = snapshot(out)
    hostile, clean = results[name], results["Clean renamed"]
    [entry] = feedparser.parse(hostile["changes.atom"]).entries
    assert entry.title == (
        f"{name}, Sat 7 – Sun 8 Mar 2026 (2026 round 1): renamed from Clean round_name"
    )
    def without_ids(structure: list) -> list:  # an entry's id is made from its text
        return [node for node in structure if node[0] != "{http://www.w3.org/2005/Atom}id"]

    assert without_ids(atom_structure(hostile["changes.atom"])) == replaced(
        without_ids(atom_structure(clean["changes.atom"])), "Clean renamed", name
    )
    page, clean_page = PageStructure(hostile["index.html"]), PageStructure(clean["index.html"])
    assert page.elements == clean_page.elements
    assert page.comments == clean_page.comments
    assert "".join(page.text) == replaced("".join(clean_page.text), "Clean renamed", name)
    assert entry.title in " ".join("".join(page.text).split())
