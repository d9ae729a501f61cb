"""Writing season sources in tests: exact YAML quoting and a season with every text field.

`TEMPLATE` holds one `{key}` per free-text field of the format (the series, a class,
a round with its venue, notes and a timed item, a team with a crew); `season_source`
fills each with a quoted value, so a test can put any text in any one field.
`AWKWARD` is such a set of texts, hard to write and to read back; `DENVER_2040` a
season whose timed items straddle both of a year's clock changes in America/Denver.
"""

from __future__ import annotations

TEXT_FIELDS = (
    "series_name",
    "series_short",
    "class_name",
    "class_short",
    "round_name",
    "town",
    "state",
    "country",
    "notes",
    "item_name",
    "team_name",
    "team_short",
    "run_by",
    "team_notes",
    "driver",
    "co_driver",
    "car",
)
MULTILINE_FIELDS = frozenset({"notes", "team_notes"})

TEMPLATE = """\
series:
  id: demo
  name: {series_name}
  short: {series_short}
  season: 2026
  url: https://example.org/demo
  base_url: https://feeds.example.org/demo/
classes:
  - id: open
    name: {class_name}
    short: {class_short}
rounds:
  - id: spring
    name: {round_name}
    first_day: 2026-03-07
    last_day: 2026-03-08
    venue:
      town: {town}
      state: {state}
      country: {country}
      timezone: America/Denver
      latitude: 39.756
      longitude: -105.221
    notes: {notes}
    url: https://example.org/spring
    schedule:
      - id: shakedown
        name: {item_name}
        day: 2026-03-07
        start: "09:30"
        end: "12:00"
teams:
  - id: blue
    name: {team_name}
    short: {team_short}
    run_by: {run_by}
    notes: {team_notes}
    rounds: all
    crews:
      - driver: {driver}
        co_driver: {co_driver}
        car: {car}
        class: open
"""


def yaml_str(value: str) -> str:
    """`value` as a YAML double-quoted scalar that reads back as exactly `value`."""
    out = []
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif char.isprintable():
            out.append(char)
        elif ord(char) <= 0xFF:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'


def clean_value(key: str) -> str:
    """The plain text a field holds when a test does not set it."""
    return f"Clean {key}"


def season_source(**values: str) -> str:
    """`TEMPLATE` with the given texts, and every other field at its clean value."""
    unknown = set(values) - set(TEXT_FIELDS)
    assert not unknown, unknown
    return TEMPLATE.format(
        **{key: yaml_str(values.get(key, clean_value(key))) for key in TEXT_FIELDS}
    )


def line_of(key: str) -> int:
    """The line of `TEMPLATE` that holds field `key`."""
    lines = TEMPLATE.splitlines()
    return next(n for n, line in enumerate(lines, 1) if f"{{{key}}}" in line)


# Denver's clocks go forward on Sun 11 Mar and back on Sun 4 Nov 2040; a year past
# 2037, where zone files stop listing changes and a rule takes over.
DENVER_2040 = """\
series:
  id: alpine
  name: Alpine Rally Series
  short: ALP
  season: 2040
classes:
  - {id: open, name: Open, short: OPEN}
rounds:
  - id: spring
    name: Spring Forward Rally
    first_day: 2040-03-10
    last_day: 2040-03-11
    venue: {town: Golden, state: Colorado, country: United States,
            timezone: America/Denver, latitude: 39.756, longitude: -105.221}
    schedule:
      - {id: night, name: Night stage, day: 2040-03-10, start: "23:00", end: "04:00",
         end_day: 2040-03-11}
      - {id: morning, name: Morning loop, day: 2040-03-11, start: "03:00", end: "05:00"}
  - id: fall
    name: Fall Back Rally
    first_day: 2040-11-03
    last_day: 2040-11-04
    venue: {town: Golden, state: Colorado, country: United States,
            timezone: America/Denver, latitude: 39.756, longitude: -105.221}
    schedule:
      - {id: late, name: Late stage, day: 2040-11-03, start: "22:00", end: "03:00",
         end_day: 2040-11-04}
      - {id: early, name: Early loop, day: 2040-11-04, start: "02:00", end: "04:00"}
"""

# Text for every field of `season_source` that is hard to write and to read back:
# separators, escapes (a backslash before a capital N aside, see test_render_ics),
# quotes (RFC 6868's ^' in X-TITLE), carets, emoji and joiners, right-to-left text,
# long lines and line breaks (in the notes).
AWKWARD = {
    "series_name": 'Demo "Rally", Series; \\ 2026',
    "series_short": 'R,S;"T"',
    "class_name": 'Open, Unlimited; "4WD" \\ 🏁',
    "class_short": 'O,4;"W"',
    "round_name": 'Rallye "Nord", Teil 1; Schnee \\ Eis 👩\u200d👩\u200d👧',
    "town": "Coeur d'Alene; \"Lake\" ^ Town",
    "state": "Idaho, \\ North",
    "country": "United States 🇺🇸",
    "notes": ("Line one, with a comma; and a semicolon.\nA backslash \\ and \\n and \\, stay."
              "\n\nשלום " + "é日🏁x" * 45 + "\n" + "long " * 40 + "end"),
    "item_name": 'Shakedown "SS0", a; b',
    "team_name": 'Team <A> & "Friends", Ltd; \\o/',
    "team_short": 'A&F, "x"',
    "run_by": "A, B & C; Motorsport \\ Ltd",
    "team_notes": 'Two\nlines, "quoted"; ^^ carets',
    "driver": "Zoë Ångström",
    "co_driver": "O'Brien, Pat",
    "car": 'Car "One"; turbo, 2.0 \\ T',
}
