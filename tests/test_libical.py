"""The feeds as libical reads them: the parser under Evolution, GNOME Calendar and KDE.

A small C program, compiled against libical here, parses each file and prints what it
understood as JSON, with every X-LIC-ERROR that libical attached while parsing or
while running its RFC 5545 restriction check (which properties each component must,
may or must not have). Expected values are worked out by hand from the season files.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from support import GOLDEN_SEASON, SEASON_2026, export, ics_files, require

READER = r"""
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>

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

static void event(icalcomponent *e) {
    fputs("{\"uid\":", stdout); string(icalcomponent_get_uid(e));
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
    """Fresh exports of the 2026 fixture season and the golden one."""
    folders = {}
    for name, source in (("season-2026", SEASON_2026), ("golden", GOLDEN_SEASON)):
        folders[name] = tmp_path_factory.mktemp(name)
        export(source, folders[name])
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


def test_golden_round_reads_back_as_written(reader, exports):
    folder = exports["golden"]
    [winter] = read(reader, [folder / "round" / "winter.ics"]).values()
    events = {e["uid"]: e for e in winter["events"]}
    categories = ["Rally", "DRS", 'Open, Unlimited; "4WD"', "Club \\ Historic"]
    place = "Sault Ste. Marie, Michigan, United States"

    round_ = events["demo.2026.winter@rallycal"]
    assert (round_["start"], round_["end"]) == ("20260307", "20260309")  # Sat 7 - Sun 8 Mar
    assert round_["summary"] == 'DRS R1: Winter Rally, Part 1; "Snow" \\ Ice'
    assert round_["location"] == place
    assert round_["categories"] == categories
    assert round_["status"] == "CONFIRMED"
    assert "emoji 🏁 and right-to-left שלום.\n\nMore: https://example.org/winter?a=1&b=2" in (
        round_["description"]
    )

    # 09:30-12:00 EST (UTC-5) on 7 Mar; 21:00 EDT (UTC-4, DST began 8 Mar) to 01:30 next day.
    shakedown = events["demo.2026.winter.item.shakedown@rallycal"]
    night = events["demo.2026.winter.item.night-stage@rallycal"]
    assert (shakedown["start"], shakedown["end"]) == ("20260307T143000Z", "20260307T170000Z")
    assert (night["start"], night["end"]) == ("20260309T010000Z", "20260309T053000Z")
    assert night["categories"] == categories


def test_golden_statuses(reader, exports):
    files = read(reader, ics_files(exports["golden"] / "round"))
    statuses = {e["uid"]: e["status"] for f in files.values() for e in f["events"]}
    assert statuses["demo.2026.autumn@rallycal"] == "TENTATIVE"  # postponed
    assert statuses["demo.2026.autumn.item.leg-2@rallycal"] == "TENTATIVE"
    assert statuses["demo.2026.new-year@rallycal"] == "CANCELLED"


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
