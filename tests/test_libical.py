"""The feeds as libical reads them: the parser under Evolution, GNOME Calendar and KDE.

A small C program, compiled against libical here, parses each file and prints what it
understood as JSON, with every X-LIC-ERROR that libical attached while parsing or
while running its RFC 5545 restriction check (which properties each component must,
may or must not have). Expected values are worked out by hand from the season files
and texts (test_render_ics.py checks the hand-computed instants against zoneinfo).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from seasons import AWKWARD, DENVER_2040, season_source
from support import GOLDEN_SEASON, SEASON_2026, export, ics_files, require

READER = r"""
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void string(const char *s) {
    if (!s) { fputs("null", stdout); return; }
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

/* Every X-LIC-ERROR in `c` and its subcomponents, as JSON strings; returns the count. */
static int errors(icalcomponent *c, int count) {
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY)) {
        if (count++) putchar(',');
        string(icalproperty_get_xlicerror(p));
    }
    for (icalcomponent *s = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); s;
         s = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
        count = errors(s, count);
    return count;
}

/* The value of the first property named `name` (an X- or IANA property), as written
   after libical's own unescaping; NULL when there is none. */
static const char *named(icalcomponent *c, const char *name) {
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_ANY_PROPERTY)) {
        const char *found = icalproperty_get_property_name(p);
        if (found && !strcmp(found, name)) {
            icalvalue *v = icalproperty_get_value(p);
            if (v && icalvalue_isa(v) == ICAL_X_VALUE) return icalvalue_get_x(v);
            if (v && icalvalue_isa(v) == ICAL_TEXT_VALUE) return icalvalue_get_text(v);
            return icalproperty_get_value_as_string(p);
        }
    }
    return NULL;
}

/* The X-TITLE parameter of the X-APPLE-STRUCTURED-LOCATION property. */
static const char *pin_title(icalcomponent *e) {
    for (icalproperty *p = icalcomponent_get_first_property(e, ICAL_X_PROPERTY); p;
         p = icalcomponent_get_next_property(e, ICAL_X_PROPERTY)) {
        if (strcmp(icalproperty_get_x_name(p), "X-APPLE-STRUCTURED-LOCATION")) continue;
        for (icalparameter *q = icalproperty_get_first_parameter(p, ICAL_X_PARAMETER); q;
             q = icalproperty_get_next_parameter(p, ICAL_X_PARAMETER))
            if (!strcmp(icalparameter_get_xname(q), "X-TITLE")) return icalparameter_get_xvalue(q);
    }
    return NULL;
}

static void event(icalcomponent *e) {
    fputs("{\"uid\":", stdout); string(icalcomponent_get_uid(e));
    printf(",\"sequence\":%d", icalcomponent_get_sequence(e));
    fputs(",\"url\":", stdout); string(named(e, "URL"));
    fputs(",\"geo\":", stdout); string(named(e, "GEO"));
    fputs(",\"title\":", stdout); string(pin_title(e));
    fputs(",\"start\":", stdout); string(icaltime_as_ical_string(icalcomponent_get_dtstart(e)));
    fputs(",\"end\":", stdout); string(icaltime_as_ical_string(icalcomponent_get_dtend(e)));
    fputs(",\"status\":", stdout);
    string(icalproperty_status_to_string(icalcomponent_get_status(e)));
    fputs(",\"summary\":", stdout); string(icalcomponent_get_summary(e));
    fputs(",\"location\":", stdout); string(icalcomponent_get_location(e));
    fputs(",\"description\":", stdout); string(icalcomponent_get_description(e));
    fputs(",\"categories\":[", stdout);
    int n = 0;
    for (icalproperty *p = icalcomponent_get_first_property(e, ICAL_CATEGORIES_PROPERTY); p;
         p = icalcomponent_get_next_property(e, ICAL_CATEGORIES_PROPERTY)) {
        if (n++) putchar(',');
        string(icalproperty_get_categories(p));
    }
    /* Each alarm: its action, its trigger, and the local time it fires at (the trigger
       added to DTSTART read as the start of its day, as for an all-day event). */
    fputs("],\"alarms\":[", stdout);
    n = 0;
    for (icalcomponent *a = icalcomponent_get_first_component(e, ICAL_VALARM_COMPONENT); a;
         a = icalcomponent_get_next_component(e, ICAL_VALARM_COMPONENT)) {
        icalproperty *action = icalcomponent_get_first_property(a, ICAL_ACTION_PROPERTY);
        icalproperty *trigger = icalcomponent_get_first_property(a, ICAL_TRIGGER_PROPERTY);
        struct icaltriggertype t = icalproperty_get_trigger(trigger);
        struct icaltimetype at = icalcomponent_get_dtstart(e);
        at.is_date = 0;
        at.hour = at.minute = at.second = 0;
        at = icaltime_add(at, t.duration);
        if (n++) putchar(',');
        fputs("{\"action\":", stdout);
        string(action ? icalproperty_get_value_as_string(action) : NULL);
        fputs(",\"trigger\":", stdout); string(icaldurationtype_as_ical_string(t.duration));
        fputs(",\"at\":", stdout); string(icaltime_as_ical_string(at));
        putchar('}');
    }
    fputs("]}", stdout);
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    char *text = malloc(size + 1);
    if (fread(text, 1, size, f) != (size_t)size) { perror(path); exit(2); }
    text[size] = 0;
    fclose(f);
    return text;
}

int main(int argc, char **argv) {
    putchar('[');
    for (int i = 1; i < argc; i++) {
        char *text = slurp(argv[i]);
        icalcomponent *root = icalparser_parse_string(text);
        if (i > 1) putchar(',');
        fputs("{\"path\":", stdout); string(argv[i]);
        fputs(",\"kind\":", stdout);
        string(root ? icalcomponent_kind_to_string(icalcomponent_isa(root)) : NULL);
        if (root) {
            fputs(",\"name\":", stdout); string(named(root, "NAME"));
            fputs(",\"calname\":", stdout); string(named(root, "X-WR-CALNAME"));
            fputs(",\"caldesc\":", stdout); string(named(root, "X-WR-CALDESC"));
            fputs(",\"events\":[", stdout);
            int n = 0;
            for (icalcomponent *e = icalcomponent_get_first_component(root,
                                                                      ICAL_VEVENT_COMPONENT); e;
                 e = icalcomponent_get_next_component(root, ICAL_VEVENT_COMPONENT)) {
                if (n++) putchar(',');
                event(e);
            }
            /* RFC 5545's own rules: without METHOD, libical checks no iTIP (RFC 5546) rules. */
            icalproperty *method = icalcomponent_get_first_property(root, ICAL_METHOD_PROPERTY);
            if (method) icalcomponent_remove_property(root, method);
            icalrestriction_check(root);
            fputs("],\"errors\":[", stdout);
            errors(root, 0);
            fputs("]", stdout);
            icalcomponent_free(root);
        }
        putchar('}');
        free(text);
    }
    puts("]");
    return 0;
}
"""


@pytest.fixture(scope="module")
def reader(tmp_path_factory) -> Path:
    """The C program above, compiled against the installed libical."""
    gcc = shutil.which("gcc")
    require(gcc is not None, "gcc is not installed (apt-get install gcc libc6-dev libical-dev)")
    require(
        Path("/usr/include/libical/ical.h").is_file(),
        "libical-dev is not installed (apt-get install libical-dev gcc libc6-dev)",
    )
    folder = tmp_path_factory.mktemp("libical")
    source = folder / "read.c"
    source.write_text(READER, encoding="utf-8")
    program = folder / "read"
    done = subprocess.run(
        [gcc, "-Wall", "-o", str(program), str(source), "-lical"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return program


def read(reader: Path, paths: list[Path]) -> dict[str, dict]:
    """What libical reads in each file, by path."""
    done = subprocess.run(
        [str(reader), *map(str, paths)], capture_output=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return {f["path"]: f for f in json.loads(done.stdout)}


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    """Fresh exports of the 2026 fixture season, the golden one, the 2040 Denver one and
    the one full of awkward text."""
    folders = {}
    sources = {
        "season-2026": SEASON_2026.read_text(encoding="utf-8"),
        "golden": GOLDEN_SEASON.read_text(encoding="utf-8"),
        "denver-2040": DENVER_2040,
        "awkward": season_source(**AWKWARD),
    }
    for name, text in sources.items():
        folder = tmp_path_factory.mktemp(name)
        (folder / "events.yaml").write_text(text, encoding="utf-8")
        export(folder / "events.yaml", folder / "out")
        folders[name] = folder / "out"
    return folders


def test_every_feed_parses_without_errors_and_meets_rfc5545_restrictions(reader, exports):
    for folder in exports.values():
        paths = ics_files(folder)
        files = read(reader, paths)
        assert len(files) == len(paths) > 0
        for path, seen in files.items():
            assert seen["kind"] == "VCALENDAR", path
            assert seen["events"], path
            assert seen["errors"] == [], path
            for event in seen["events"]:
                assert event["sequence"] == 0, path
                assert event["title"] == event["location"], path  # the Apple pin's title


def test_golden_round_reads_back_as_written(reader, exports):
    folder = exports["golden"]
    [winter] = read(reader, [folder / "round" / "winter.ics"]).values()
    events = {e["uid"]: e for e in winter["events"]}
    categories = ["Rally", "DRS", 'Open, Unlimited; "4WD"', "Club \\ Historic"]
    place = "Sault Ste. Marie, Michigan, United States"

    round_ = events["demo.2026.winter@rallycal"]
    assert (round_["start"], round_["end"]) == ("20260307", "20260309")  # Sat 7 - Sun 8 Mar
    assert round_["summary"] == 'DRS R1: Winter Rally, Part 1; "Snow" \\ Ice'
    assert round_["location"] == round_["title"] == place
    assert round_["categories"] == categories
    assert round_["status"] == "CONFIRMED"
    assert round_["url"] == "https://example.org/winter?a=1&b=2"
    assert tuple(map(float, round_["geo"].split(";"))) == (46.495, -84.345)
    assert round_["description"] == (
        "Round 1 of the DRS 2026 season.\n\n"
        "Line one, with a comma; and a semicolon.\n"
        "Line two: Ünïcödé, emoji 🏁 and right-to-left שלום.\n\n"
        "More: https://example.org/winter?a=1&b=2\n\n"
        "Calendars: https://feeds.example.org/demo/index.html#round-2026-winter"
    )

    # 09:30-12:00 EST (UTC-5) on 7 Mar; 21:00 EDT (UTC-4, DST began 8 Mar) to 01:30 next day.
    shakedown = events["demo.2026.winter.item.shakedown@rallycal"]
    night = events["demo.2026.winter.item.night-stage@rallycal"]
    assert (shakedown["start"], shakedown["end"]) == ("20260307T143000Z", "20260307T170000Z")
    assert (night["start"], night["end"]) == ("20260309T010000Z", "20260309T053000Z")
    assert night["categories"] == categories


def test_golden_statuses_links_and_the_pin_s_quoted_title(reader, exports):
    files = read(reader, ics_files(exports["golden"] / "round"))
    events = {e["uid"]: e for f in files.values() for e in f["events"]}
    assert events["demo.2026.autumn@rallycal"]["status"] == "TENTATIVE"  # postponed
    assert events["demo.2026.autumn.item.leg-2@rallycal"]["status"] == "TENTATIVE"
    assert events["demo.2026.new-year@rallycal"]["status"] == "CANCELLED"
    assert events["demo.2026.new-year@rallycal"]["url"] == (
        "https://feeds.example.org/demo/index.html#round-2026-new-year"
    )
    autumn = events["demo.2026.autumn@rallycal"]
    place = 'Service park; "Heritage" Square, 12 Main Street, Golden, Colorado, United States'
    assert autumn["location"] == autumn["title"] == place  # X-TITLE has RFC 6868's ^' for "


def test_timed_items_in_2040_keep_their_instants_across_both_clock_changes(reader, exports):
    folder = exports["denver-2040"]
    files = read(reader, [folder / "round" / "spring.ics", folder / "round" / "fall.ics"])
    instants = {e["uid"]: (e["start"], e["end"]) for f in files.values() for e in f["events"]}
    assert instants == {
        "alpine.2040.spring": ("20400310", "20400312"),
        "alpine.2040.spring.item.night": ("20400311T060000Z", "20400311T100000Z"),  # MST-MDT
        "alpine.2040.spring.item.morning": ("20400311T090000Z", "20400311T110000Z"),  # MDT
        "alpine.2040.fall": ("20401103", "20401105"),
        "alpine.2040.fall.item.late": ("20401104T040000Z", "20401104T100000Z"),  # MDT-MST
        "alpine.2040.fall.item.early": ("20401104T090000Z", "20401104T110000Z"),  # MST
    }


def test_awkward_text_reads_back_exactly(reader, exports):
    folder = exports["awkward"]
    files = read(reader, [folder / "all.ics", folder / "team" / "blue.ics"])
    [whole] = files[str(folder / "all.ics")]["events"]
    [team] = files[str(folder / "team" / "blue.ics")]["events"]
    short, name = AWKWARD["series_short"], AWKWARD["round_name"]
    place = f"{AWKWARD['town']}, {AWKWARD['state']}, {AWKWARD['country']}"
    assert whole["uid"] == "demo.2026.spring"
    assert whole["summary"] == f"{short} R1: {name}"
    assert whole["location"] == whole["title"] == place
    assert whole["categories"] == ["Rally", short, AWKWARD["class_name"]]
    assert whole["description"] == (
        f"Round 1 of the {short} 2026 season.\n\n{AWKWARD['notes']}\n\n"
        "More: https://example.org/spring\n\n"
        "Calendars: https://feeds.example.org/demo/index.html#round-2026-spring"
    )
    crew = (f"{AWKWARD['driver']} / {AWKWARD['co_driver']}: {AWKWARD['car']} "
            f"({AWKWARD['class_name']})")
    assert team["summary"] == f"{short} {AWKWARD['team_short']} R1: {name}"
    assert f"\n\n{crew}\n\nRun by {AWKWARD['run_by']}.\n\n{AWKWARD['team_notes']}\n\n" in (
        team["description"]
    )


def test_calendar_names_read_back_as_written(reader, exports):
    [club] = read(reader, [exports["golden"] / "class" / "club.ics"]).values()
    assert club["name"] == club["calname"] == "DRS · Club \\ Historic"
    assert club["caldesc"].startswith(
        "The rounds of the Demo Rally Series in its 2026 season that run the Club \\ Historic"
    )


def test_reminders_feeds_carry_two_alarms_per_round_that_will_run(reader, exports):
    files = read(reader, ics_files(exports["golden"] / "reminders"))
    assert len(files) == 5  # all, two classes, two teams
    for path, seen in files.items():
        assert seen["errors"] == [], path
        for event in seen["events"]:
            assert event["uid"].endswith(".reminders@rallycal"), path
            alarms = event["alarms"]
            if event["uid"].startswith("demo.2026.winter."):
                # Sat 7 Mar: 18:00 the evening before, and a week before (Sat 28 Feb).
                assert alarms == [
                    {"action": "DISPLAY", "trigger": "-PT6H", "at": "20260306T180000"},
                    {"action": "DISPLAY", "trigger": "-P6DT6H", "at": "20260228T180000"},
                ], path
            else:  # autumn is postponed, new-year cancelled: no reminder of a false day
                assert alarms == [], (path, event["uid"])
    plain = read(reader, ics_files(exports["golden"] / "class"))
    assert all(e["alarms"] == [] for f in plain.values() for e in f["events"])
