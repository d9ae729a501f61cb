"""How days and times are written for people, the same in every output.

English names are spelt out here rather than taken from `strftime`, whose `%a`
and `%b` follow the machine's locale and would make exports differ between machines.
"""

from __future__ import annotations

from datetime import date, datetime

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
STATUS_LABELS = {
    "confirmed": "Confirmed",
    "tentative": "Tentative",
    "postponed": "Postponed",
    "cancelled": "Cancelled",
}


def day(value: date, *, year: bool = True) -> str:
    """`Fri 6 Feb 2026`."""
    text = f"{WEEKDAYS[value.weekday()]} {value.day} {MONTHS[value.month - 1]}"
    return f"{text} {value.year}" if year else text


def day_span(first: date, last: date) -> str:
    """`Fri 6 – Sat 7 Feb 2026`, `Sat 31 Jan – Sun 1 Feb 2026`, or one day."""
    if first == last:
        return day(first)
    if first.year != last.year:
        return f"{day(first)} – {day(last)}"
    if first.month != last.month:
        return f"{day(first, year=False)} – {day(last)}"
    return f"{WEEKDAYS[first.weekday()]} {first.day} – {day(last)}"


def clock(value: datetime) -> str:
    """`09:30`."""
    return f"{value.hour:02d}:{value.minute:02d}"


def columns(rows: list[list[str]]) -> list[str]:
    """Rows with every column but the last padded to its widest cell, two spaces apart."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  ".join(
            [cell.ljust(width) for cell, width in zip(row, widths, strict=False)] + [row[-1]]
        ).rstrip()
        for row in rows
    ]


def plain_http(url: str, where: str) -> str:
    """The warning for a base URL that is not https."""
    return (
        f"{where} {url} is plain http: subscribers' calendar apps may refuse a feed that is "
        "not https (Apple Calendar and Google Calendar do); publish the folder over https"
    )


def listing(items: list[int] | list[str]) -> str:
    """`2026`, `2026 and 2027`, `2025, 2026 and 2027`."""
    words = [str(item) for item in items]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"
