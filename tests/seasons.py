"""Writing season sources in tests: exact YAML quoting and a season with every text field.

`TEMPLATE` holds one `{key}` per free-text field of the format (the series, a class,
a round with its venue, notes and a timed item, a team with a crew); `season_source`
fills each with a quoted value, so a test can put any text in any one field.
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
