"""The commands: each one reads its options, calls the library once and prints.

The same conventions hold for every command: the source is read by the one reader
(each kind of failure has one message); a bad option value is a usage error (exit 2);
a failure the library explains (`RallycalError`) is its message on stderr and exit 1,
in one place (`RallycalGroup`); every warning is a `warning:` line on stderr, and
`--strict` makes any warning exit 1; a suggested command repeats the options given.
"""

from __future__ import annotations

import json
from datetime import date
from typing import IO, Any

import click

from rallycal import __version__, agenda
from rallycal.cli import report
from rallycal.cli.summary import championship_summary
from rallycal.cli.terminal import (
    BaseUrl,
    Day,
    again,
    base_url_warnings,
    finish,
    publishing_warnings,
    season_warnings,
    warn,
    warnings,
)
from rallycal.errors import RallycalError, RemovalRefused
from rallycal.export import RETRY, Outcome, export
from rallycal.journal import Interrupted
from rallycal.source import load


class Failure(click.ClickException):
    """An explained failure: its message is printed as it is, exit code 1."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.message, err=True)


class RallycalGroup(click.Group):
    """Turns every `RallycalError` a command raises into a `Failure`, in one place, and an
    interrupted export into one line saying in which state it left the folder."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RallycalError as error:
            raise Failure(str(error)) from None
        except Interrupted as interrupted:
            click.echo(f"\nInterrupted: {interrupted}", err=True)
            raise click.exceptions.Exit(128 + interrupted.signum) from None
        except KeyboardInterrupt:
            done = ctx.meta.get(COMMITTED, False)
            state = "the export had finished: the folder holds all the new files" if done else (
                "nothing was written"
            )
            click.echo(f"\nInterrupted: {state}.", err=True)
            raise click.exceptions.Exit(130) from None


SOURCE = click.argument(
    "source", default="events.yaml", type=click.Path(readable=False, path_type=str)
)
OUT = click.option(
    "--out", "-o", "out_dir", default="dist", metavar="DIR", show_default=True,
    type=click.Path(file_okay=False, path_type=str), help="The output folder.",
)
BASE_URL = click.option(
    "--base-url", type=BaseUrl(), metavar="URL",
    help="Where the output folder is published, https (overrides base_url in the source).",
)
JSON = click.option("--json", "as_json", is_flag=True, help="Print a JSON report instead.")
ALLOW_REMOVAL = click.option(
    "--allow-removal", is_flag=True,
    help="Let published rounds, events or feeds disappear (instead of cancelling them).",
)
TODAY = click.option(
    "--today", type=Day(), metavar="YYYY-MM-DD",
    help="Take this day as today (default: the real date): for the next round, and to warn "
    "when every season in SOURCE is over.",
)
STRICT = click.option("--strict", is_flag=True, help="Exit 1 when any warning is printed.")
SUGGESTED = ("out_dir", "base_url")  # the options that change what an export writes
COMMITTED = "rallycal.committed"  # set once an export has changed the output folder


@click.group(cls=RallycalGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="rallycal")
def cli() -> None:
    """Turn one hand-edited events.yaml into rally calendar feeds.

    Run `rallycal check` after editing the source, `rallycal export` to write the
    feeds, the subscribe page and the manifest into dist/.
    """


@cli.command()
@SOURCE
@TODAY
@STRICT
def check(source: str, today: date | None, strict: bool) -> None:
    """Validate SOURCE and summarise its seasons, the latest in full."""
    championship = load(source)
    season_warnings(championship, source, today)
    for line in championship_summary(championship, source):
        click.echo(line)
    finish(strict)


@cli.command("list")
@SOURCE
@click.option(
    "--season", "year", type=int, metavar="YEAR",
    help="List this season (default: the latest with a round on or after today).",
)
@TODAY
@JSON
@STRICT
def list_rounds(
    source: str, year: int | None, today: date | None, as_json: bool, strict: bool
) -> None:
    """List the rounds of a season of SOURCE, the next one marked with the days until it."""
    day = today or date.today()
    championship = load(source)
    years = [s.year for s in championship.seasons]
    if year is not None and year not in years:
        raise click.BadParameter(
            f"there is no {year} season in {source}; its seasons are "
            f"{', '.join(map(str, years))}",
            param_hint="'--season'",
        )
    season = championship.current(day) if year is None else championship.season(year)
    season_warnings(championship, source, day)
    if as_json:
        document = agenda.as_json(season, day, championship)
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        for line in agenda.lines(season, day):
            click.echo(line)
        others = [y for y in years if y != season.year]
        if others:
            click.echo(
                f"Other seasons in {source}: {', '.join(map(str, others))} "
                "(`rallycal list --season YEAR`)."
            )
    finish(strict)


@cli.command("export")
@SOURCE
@OUT
@BASE_URL
@click.option(
    "--check", is_flag=True,
    help="Write nothing; exit 1 and list what would change if the output folder is stale.",
)
@ALLOW_REMOVAL
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors and warnings.")
@JSON
@TODAY
@STRICT
def export_command(
    source: str, out_dir: str, base_url: str | None, check: bool, allow_removal: bool,
    quiet: bool, as_json: bool, today: date | None, strict: bool,
) -> None:
    """Write the feeds, the subscribe page and the manifest for SOURCE into the output folder.

    The folder changes all or nothing, only where a file's bytes change; nothing is
    written when SOURCE has a problem.
    """
    outcome = _export(source, out_dir, base_url, allow_removal=allow_removal, dry_run=check)
    season_warnings(outcome.championship, source, today)
    publishing_warnings(outcome.championship.series.base_url, base_url, source)
    _show(outcome, quiet=quiet, as_json=as_json, table=not check)
    if check and outcome.stale:
        if not as_json:
            retry = again("export", keep=(*SUGGESTED, "allow_removal"))
            if outcome.pending:
                click.echo(
                    f"{out_dir} holds what an interrupted export left "
                    f"({', '.join(outcome.pending)}): run `{retry}` to undo it and export",
                    err=True,
                )
            else:
                click.echo(f"{out_dir} is stale: run `{retry}`", err=True)
        raise click.exceptions.Exit(1)
    finish(strict)


@cli.command()
@SOURCE
@OUT
@BASE_URL
@JSON
@TODAY
@STRICT
def diff(
    source: str, out_dir: str, base_url: str | None, as_json: bool, today: date | None,
    strict: bool,
) -> None:
    """Show what an export of SOURCE would change for subscribers, writing nothing."""
    outcome = _export(source, out_dir, base_url, allow_removal=False, dry_run=True)
    season_warnings(outcome.championship, source, today)
    _show(outcome, quiet=False, as_json=as_json, table=False)
    if outcome.refused:  # what export would refuse: exit 1, as export would
        if not as_json:
            retry = again("export", keep=SUGGESTED, add=["--allow-removal"])
            click.echo(
                "export would stop: published events or feeds would disappear "
                f"(cancel them instead, or run `{retry}`)",
                err=True,
            )
        raise click.exceptions.Exit(1)
    finish(strict)


@cli.command()
@SOURCE
@click.option(
    "--out", "-o", "out_dir", default=None, metavar="DIR",
    type=click.Path(file_okay=False, path_type=str),
    help="Export into this folder and serve it (default: a temporary copy of dist, so the "
    "committed output is never touched).",
)
@click.option(
    "--port", "-p", default=8000, metavar="PORT", show_default=True,
    type=click.IntRange(0, 65535), help="The port to listen on (0: any free one).",
)
@click.option(
    "--host", default="127.0.0.1", metavar="HOST", show_default=True,
    help="The address to listen on (0.0.0.0 lets other devices on the network in).",
)
@click.option("--watch", "-w", is_flag=True, help="Export again whenever SOURCE changes.")
@BASE_URL
@ALLOW_REMOVAL
@TODAY
def serve(
    source: str, out_dir: str | None, port: int, host: str, watch: bool,
    base_url: str | None, allow_removal: bool, today: date | None,
) -> None:
    """Export SOURCE into a preview folder and serve it until Ctrl-C.

    Feeds are served as a static host should serve them (content types, ETag,
    Last-Modified); only files inside the folder are ever served.
    """
    from rallycal.cli.preview import preview  # here: the server is the preview's alone

    retry = again("serve", keep=("out_dir", "base_url", "port", "host", "watch"),
                  add=["--allow-removal"])

    ctx = click.get_current_context()  # the watcher's thread runs exports in it too

    def run_export(folder: str) -> Outcome:
        with ctx.scope(cleanup=False):
            return _run_export(folder)

    def _run_export(folder: str) -> Outcome:
        outcome = _export(source, folder, base_url, allow_removal=allow_removal,
                          dry_run=False, retry=retry)
        season_warnings(outcome.championship, source, today)
        publishing_warnings(outcome.championship.series.base_url, base_url, source)
        for line in report.change_lines(outcome):
            click.echo(f"  {line}")
        return outcome

    preview(source, out_dir, run_export, host=host, port=port, watch=watch)


def _export(
    source: str, out_dir: str, base_url: str | None, *, allow_removal: bool, dry_run: bool,
    retry: str | None = None,
) -> Outcome:
    """Run the export (or a dry run), printing its warnings; a refused removal names the
    exact command that goes ahead."""
    base_url_warnings(base_url)
    try:
        outcome = export(
            source, out_dir, base_url=base_url, allow_removal=allow_removal, dry_run=dry_run
        )
    except RemovalRefused as error:
        command = retry or again("export", keep=SUGGESTED, add=["--allow-removal"])
        message = str(error).replace(RETRY, f"To remove them anyway, run `{command}`.")
        raise Failure(message) from None
    click.get_current_context().meta[COMMITTED] = not dry_run and outcome.stale
    for warning in outcome.warnings:
        warn(warning)
    if not outcome.stale or not dry_run:
        for warning in report.size_warnings(outcome):
            warn(warning)
    return outcome


def _show(outcome: Outcome, *, quiet: bool, as_json: bool, table: bool) -> None:
    if as_json:
        click.echo(json.dumps(report.as_json(outcome, warnings()), indent=2, ensure_ascii=False))
        return
    if quiet:
        return
    if table:
        for line in report.table_lines(outcome):
            click.echo(line)
    changes = report.change_lines(outcome)
    if changes:
        click.echo("Changes for subscribers:" if table else "Would change for subscribers:")
        for line in changes:
            click.echo(f"  {line}")
    if not table:
        for verb, paths in (("write", outcome.written), ("remove", outcome.removed)):
            if paths:
                click.echo(f"Would {verb} {len(paths)} file(s): {', '.join(paths)}")
        if outcome.pending:
            click.echo(f"An interrupted export left: {', '.join(outcome.pending)}")
        if not outcome.stale:
            click.echo("Nothing would change.")
