"""The `rallycal` command: a thin click layer over the library.

The same conventions hold for every command:

* the source is read by `rallycal.source.read_source`, so each kind of failure (missing,
  unreadable, not a regular file) has one message whatever the command;
* a bad option value is a usage error: exit 2, click's "Usage:" and "Try ... --help";
* a failure the library explains (`RallycalError`) is its message on stderr, exit 1, in
  one place: `RallycalGroup`;
* every warning is a line starting `warning:` on stderr (`warn`); `--strict` makes any
  warning exit 1;
* a suggested command repeats the options that change the output (`again`).

Those shared pieces live in `rallycal.terminal`. Heavy modules are imported inside the
commands that use them so that `--help` starts fast.
"""

from __future__ import annotations

from datetime import date
from typing import IO, TYPE_CHECKING, Any

import click

from rallycal import __version__
from rallycal.terminal import (
    BaseUrl,
    Day,
    again,
    base_url_warnings,
    feed_sizes,
    finish,
    publishing_warnings,
    season_warnings,
    warn,
    warnings,
)

if TYPE_CHECKING:
    from rallycal.publish import Outcome

class Failure(click.ClickException):
    """An explained failure: its message is printed as it is, exit code 1."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.message, err=True)


class RallycalGroup(click.Group):
    """Turns every `RallycalError` a command raises into a `Failure`, in one place."""

    def invoke(self, ctx: click.Context) -> Any:
        from rallycal.errors import RallycalError  # here: `--help` never needs it

        try:
            return super().invoke(ctx)
        except RallycalError as error:
            raise Failure(str(error)) from None


SOURCE = click.argument(
    "source", default="events.yaml", type=click.Path(readable=False, path_type=str)
)
OUT = click.option(
    "--out",
    "-o",
    "out_dir",
    default="dist",
    metavar="DIR",
    show_default=True,
    type=click.Path(file_okay=False, path_type=str),
    help="The output folder.",
)
BASE_URL = click.option(
    "--base-url",
    type=BaseUrl(),
    metavar="URL",
    help="Where the output folder is published, https (overrides base_url in the source).",
)
JSON = click.option("--json", "as_json", is_flag=True, help="Print a JSON report instead.")
ALLOW_REMOVAL = click.option(
    "--allow-removal",
    is_flag=True,
    help="Let published rounds, events or feeds disappear (instead of cancelling them).",
)
SUGGESTED = ("out_dir", "base_url")  # the options that change what an export writes


TODAY = click.option(
    "--today",
    type=Day(),
    metavar="YYYY-MM-DD",
    help="Take this day as today (default: the real date): for the next round, and to warn "
    "when every season in SOURCE is over.",
)
STRICT = click.option("--strict", is_flag=True, help="Exit 1 when any warning is printed.")


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
    from rallycal.source import load
    from rallycal.summary import championship_summary

    championship = load(source)
    season_warnings(championship, source, today)
    for line in championship_summary(championship, source):
        click.echo(line)
    finish(strict)


@cli.command("list")
@SOURCE
@click.option(
    "--season",
    "year",
    type=int,
    metavar="YEAR",
    help="List this season (default: the latest with a round on or after today).",
)
@TODAY
@JSON
@STRICT
def list_rounds(
    source: str, year: int | None, today: date | None, as_json: bool, strict: bool
) -> None:
    """List the rounds of a season of SOURCE, the next one marked with the days until it."""
    from rallycal import agenda
    from rallycal.source import load

    day = today or date.today()
    championship = load(source)
    years = [s.year for s in championship.seasons]
    if year is None:
        season = championship.current(day)
    elif year in years:
        season = championship.season(year)
    else:
        raise click.BadParameter(
            f"there is no {year} season in {source}; its seasons are "
            f"{', '.join(map(str, years))}",
            param_hint="'--season'",
        )
    season_warnings(championship, source, day)
    if as_json:
        import json

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


@cli.command()
@SOURCE
@OUT
@BASE_URL
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 and list what would change if the output folder is stale.",
)
@ALLOW_REMOVAL
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors and warnings.")
@JSON
@TODAY
@STRICT
def export(
    source: str,
    out_dir: str,
    base_url: str | None,
    check: bool,
    allow_removal: bool,
    quiet: bool,
    as_json: bool,
    today: date | None,
    strict: bool,
) -> None:
    """Write the feeds, the subscribe page and the manifest for SOURCE into the output folder.

    Each file is replaced atomically and only when it changed; nothing is written
    when SOURCE has a problem.
    """
    outcome = _export(
        source, out_dir, base_url, allow_removal=allow_removal, dry_run=check, today=today
    )
    _show(outcome, quiet=quiet, as_json=as_json, table=not check)
    if check and outcome.stale:
        if not as_json:
            retry = again("export", keep=(*SUGGESTED, "allow_removal"))
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
    outcome = _export(
        source, out_dir, base_url, allow_removal=False, dry_run=True, today=today, diff=True
    )
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
@OUT
@click.option(
    "--port",
    "-p",
    default=8000,
    metavar="PORT",
    show_default=True,
    type=click.IntRange(0, 65535),
    help="The port to listen on (0: any free one).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    metavar="HOST",
    show_default=True,
    help="The address to listen on (0.0.0.0 lets other devices on the network in).",
)
@click.option("--watch", "-w", is_flag=True, help="Export again whenever SOURCE changes.")
@BASE_URL
@ALLOW_REMOVAL
def serve(
    source: str,
    out_dir: str,
    port: int,
    host: str,
    watch: bool,
    base_url: str | None,
    allow_removal: bool,
) -> None:
    """Export SOURCE, then serve the output folder for a preview until Ctrl-C.

    Feeds are served as a static host should serve them (content types, ETag,
    Last-Modified); only files inside the output folder are ever served.
    """
    from rallycal.errors import RemovalRefused
    from rallycal.serve import serve as run_server

    base_url_warnings(base_url)
    retry = again("serve", keep=(*SUGGESTED, "port", "host", "watch"), add=["--allow-removal"])
    try:
        run_server(
            source, out_dir, host=host, port=port, watch=watch, base_url=base_url,
            allow_removal=allow_removal, retry=f"stop the server and run `{retry}`",
        )
    except RemovalRefused as error:
        raise Failure(_retry(error, retry)) from None


def _export(
    source: str,
    out_dir: str,
    base_url: str | None,
    *,
    allow_removal: bool,
    dry_run: bool,
    today: date | None,
    diff: bool = False,
) -> Outcome:
    """Run the export (or a dry run), printing every warning; a refused removal names the
    exact command that goes ahead."""
    from rallycal import collector

    with collector.paused():  # importing the export's modules makes no cyclic garbage
        from rallycal.errors import RemovalRefused
        from rallycal.publish import export as run_export
        from rallycal.report import size_warnings
        from rallycal.source import load

    base_url_warnings(base_url)
    try:
        outcome = run_export(
            source, out_dir, base_url=base_url, allow_removal=allow_removal, dry_run=dry_run
        )
    except RemovalRefused as error:
        retry = again("export", keep=SUGGESTED, add=["--allow-removal"])
        raise Failure(_retry(error, retry)) from None
    for warning in outcome.warnings:
        warn(warning)
    championship = outcome.championship or load(source)  # an up-to-date export reads nothing
    season_warnings(championship, source, today)
    if not diff:
        publishing_warnings(championship.series.base_url, base_url, source)
    if not (dry_run and outcome.stale):  # the folder holds this very output: measure it
        for warning in size_warnings(feed_sizes(outcome)):
            warn(warning)
    return outcome


def _retry(error: Exception, command: str) -> str:
    """A refusal's message with its way on spelt as the command to run."""
    from rallycal.publish import RETRY

    return str(error).replace(RETRY, f"To remove them anyway, run `{command}`.")


def _show(outcome: Outcome, *, quiet: bool, as_json: bool, table: bool) -> None:
    from rallycal import report

    if as_json:
        import json

        document = report.as_json(outcome, warnings=warnings())
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
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
        if not outcome.stale:
            click.echo("Nothing would change.")


main = cli
