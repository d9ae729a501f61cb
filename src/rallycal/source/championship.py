"""The layout of the source: the series, then its seasons, oldest first.

Two layouts are read. The current one lists the seasons:

    series: {id: ara, name: ..., short: ARA, window: 2}
    seasons:
      - year: 2026
        classes: [...]   # may be left out from the second season on: the previous ones
        rounds: [...]
        teams: [...]     # never inherited

The first layout, still read, holds one season: `season: 2026` under `series:`, and
classes, rounds and teams at the top level. Both give a `Championship`; the same
season gives the same model in either. Mixing them is an error that says which to use.
"""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode

import rallycal.source.size as size
from rallycal.model import DEFAULT_WINDOW, Championship, Season, Series
from rallycal.source.reader import Report, Stop, found, given
from rallycal.source.schema import (
    SEASON,
    SERIES,
    SERIES_ONE_SEASON,
    TOP,
    TOP_SEASONS,
    Schema,
    Structure,
)
from rallycal.source.sections import Parts, SeasonChecks
from rallycal.source.values import Values

LAYOUT = ("expected a mapping with series and seasons at the top level, found {}; start "
          "each section at the left edge, as 'series:'")
ONE_SEASON_ONLY = ("'{}' at the top level belongs to the one-season layout; with 'seasons:', "
                   "write it inside its season, under '- year: ...'")
SEASON_IN_SERIES = ("'season' in the series belongs to the one-season layout; with "
                    "'seasons:', give each season its year instead (- year: 2026)")


def championship(root: Node, report: Report) -> Championship:
    """The championship in the source's root node; raises `Stop` after reporting any problem."""
    return _Layout(report).read(root)


class _Layout(Structure):
    """Reads the series and each season, in either layout."""

    def __init__(self, report: Report) -> None:
        super().__init__(Values(report))

    def read(self, root: Node) -> Championship:
        if not isinstance(root, MappingNode):
            if given(root):
                self.add(root, LAYOUT.format(found(root)))
            raise Stop
        keys = {key.value for key, _ in root.value if isinstance(key, ScalarNode)}
        seasons = self.seasons(root) if "seasons" in keys else self.one_season(root)
        series, window, parts = seasons
        if self.problems() or series is None or not parts:
            raise Stop
        built = tuple(Season(series=series, year=year, rounds=p.rounds, classes=p.classes,
                             teams=p.teams) for year, p, _ in parts)
        result = Championship(series=series, seasons=built, window=window)
        self.within_caps(result, {year: where for year, _, where in parts})
        return result

    def series(self, node: Node | None, schema: Schema,
               moved: dict[str, str] | None = None) -> tuple[Series | None, int | None, int]:
        """The series, the year under it (first layout) and the window of the stable feeds."""
        f = self.mapping(node, "'series' in the file", "the series", schema, moved)
        if f is None:
            return None, None, DEFAULT_WINDOW
        year, window = f.get("season", int), f.get("window", int) or DEFAULT_WINDOW
        if f.missing:
            return None, year, window
        return Series(
            id=f.need("id", str),
            name=f.need("name", str),
            short=f.need("short", str),
            url=f.get("url", str),
            base_url=f.get("base_url", str),
            color=f.get("color", str),
            old_uids_through=f.get("old_uids_through", int),
        ), year, window

    def one_season(self, root: MappingNode) -> tuple[Series | None, int,
                                                     list[tuple[int, Parts, Node]]]:
        """The first layout: one season, its year under the series."""
        top = self.mapping(root, "the file", "the file", TOP)
        nodes = top.nodes if top else {}
        series, year, window = self.series(nodes.get("series"), SERIES_ONE_SEASON)
        checks = SeasonChecks(self.report, year, "the file", "")
        parts = checks.check(nodes.get("classes"), nodes.get("rounds"), nodes.get("teams"))
        return series, window, [(year, parts, nodes.get("teams") or root)] if year else []

    def seasons(self, root: MappingNode) -> tuple[Series | None, int,
                                                  list[tuple[int, Parts, Node]]]:
        """The current layout: every season under `seasons:`, oldest first."""
        moved = {key: ONE_SEASON_ONLY.format(key) for key in ("classes", "rounds", "teams")}
        top = self.mapping(root, "the file", "the file", TOP_SEASONS, moved)
        nodes = top.nodes if top else {}
        series, _, window = self.series(nodes.get("series"), SERIES,
                                        {"season": SEASON_IN_SERIES})
        items = self.items(nodes.get("seasons"), "'seasons' in the file",
                           "add at least one season with its year, classes and rounds") or []
        years: dict[int, Node] = {}
        previous: SeasonChecks | None = None
        parts: list[tuple[int, Parts, Node]] = []
        for index, item in enumerate(items, 1):
            f = self.mapping(item, f"season {index}", f"season {index}", SEASON)
            if f is None:
                continue
            year = f.get("year", int)
            if year is not None and not self.in_order(year, f.at("year"), years):
                year = None
            name = f"the {year} season" if year else f"season {index}"
            if "classes" not in f and previous is None:
                self.add(item, f"{name} is missing 'classes'; add a line 'classes:' with its "
                               "classes (a later season may leave it out to keep these)")
            checks = SeasonChecks(self.report, year, name, f" of {name}")
            season = checks.check(f.nodes.get("classes"), f.nodes.get("rounds"),
                                  f.nodes.get("teams"), previous)
            previous = checks
            if year is not None:
                parts.append((year, season, f.nodes.get("teams") or item))
        return series, window, parts

    def in_order(self, year: int, node: Node, years: dict[int, Node]) -> bool:
        """Whether a season's year comes after every year before it; noted if so."""
        if year in years:
            self.add(node, f"the {year} season is listed twice (first on line "
                           f"{self.report.line_of(years[year])}); keep one, with all its rounds")
            return False
        latest = max(years, default=None)
        if latest is not None and year < latest:
            self.add(node, f"the {year} season comes after the {latest} season (line "
                           f"{self.report.line_of(years[latest])}); list the seasons oldest "
                           "first")
            return False
        years[year] = node
        return True

    def within_caps(self, built: Championship, where: dict[int, Node]) -> None:
        """Stop, before anything is built from it, at a source whose feeds would be too big.

        Every season has archive feeds of its own; those in the window are also in
        the stable feeds.
        """
        events = estimate = 0
        largest = (-1, built.latest.year)
        for index, season in enumerate(built.seasons):
            copies = 2 if index >= len(built.seasons) - built.window else 1
            count, length = size.output_size(season)
            events, estimate = events + copies * count, estimate + copies * length
            largest = max(largest, (count, season.year))
        if events > size.MAX_EVENTS or estimate > size.MAX_OUTPUT_BYTES:
            self.report.stop(where[largest[1]],
                             f"the feeds would hold {events:,} events, about "
                             f"{estimate / 2**20:,.0f} MB, more than rallycal writes "
                             f"({size.MAX_EVENTS:,} events or "
                             f"{size.MAX_OUTPUT_BYTES // 2**20:,} MB); enter each team in the "
                             "rounds it runs (a list of round ids rather than all), or keep "
                             "fewer seasons")
