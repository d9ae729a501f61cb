"""The `rallycal` command: a thin click layer over the library.

Every command takes the source path (default `events.yaml`), and every failure the
library explains (`RallycalError`) becomes its message on stderr and exit code 1,
in one place: `RallycalGroup`. Heavy modules are imported inside the commands that use them
so that `rallycal --help` starts fast.
"""

from __future__ import annotations

import click

from rallycal import __version__

SOURCE = click.argument(
    "source", default="events.yaml", type=click.Path(dir_okay=False, path_type=str)
)


class Failure(click.ClickException):
    """An explained failure: its message is printed as it is, exit code 1."""

    def show(self, file=None) -> None:
        click.echo(self.message, err=True)


class RallycalGroup(click.Group):
    """Turns every `RallycalError` a command raises into a `Failure`, in one place."""

    def invoke(self, ctx: click.Context):
        from rallycal.errors import RallycalError  # here: `--help` never needs it

        try:
            return super().invoke(ctx)
        except RallycalError as error:
            raise Failure(str(error)) from None


@click.group(cls=RallycalGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rallycal")
def cli() -> None:
    """Turn one hand-edited events.yaml into rally calendar feeds.

    Run `rallycal check` after editing the source, `rallycal export` to write the
    feeds, the subscribe page and the manifest into dist/.
    """


@cli.command()
@SOURCE
def check(source: str) -> None:
    """Validate SOURCE and print a summary of the season."""
    from rallycal.source import load
    from rallycal.summary import season_counts, season_summary

    season = load(source).latest  # TODO seasons
    click.echo(f"{source}: OK, {season_counts(season)}")
    click.echo(season_summary(season))


OUT = click.option(
    "--out",
    "-o",
    "out_dir",
    default="dist",
    show_default=True,
    type=click.Path(file_okay=False, path_type=str),
    help="The output folder.",
)
BASE_URL = click.option(
    "--base-url",
    metavar="URL",
    help="Where the output folder is published (overrides base_url in the source).",
)
JSON = click.option("--json", "as_json", is_flag=True, help="Print a JSON report instead.")


@cli.command("list")
@SOURCE
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="Count the days from this day instead of from today.",
)
@JSON
def list_rounds(source: str, today, as_json: bool) -> None:
    """List the rounds of SOURCE, the next one marked with the days until it."""
    from datetime import date

    from rallycal import agenda
    from rallycal.source import load

    day = today.date() if today else date.today()
    season = load(source).current(day)
    if as_json:
        import json

        click.echo(json.dumps(agenda.as_json(season, day), indent=2, ensure_ascii=False))
        return
    for line in agenda.lines(season, day):
        click.echo(line)


@cli.command()
@SOURCE
@OUT
@BASE_URL
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 and list what would change if the output folder is stale.",
)
@click.option(
    "--allow-removal",
    is_flag=True,
    help="Let published rounds, events or feeds disappear (instead of cancelling them).",
)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@JSON
def export(
    source: str,
    out_dir: str,
    base_url: str | None,
    check: bool,
    allow_removal: bool,
    quiet: bool,
    as_json: bool,
) -> None:
    """Write the feeds, the subscribe page and the manifest for SOURCE into the output folder.

    Each file is replaced atomically and only when it changed; nothing is written
    when SOURCE has a problem.
    """
    from rallycal.publish import export as run_export

    outcome = run_export(
        source, out_dir, base_url=base_url, allow_removal=allow_removal, dry_run=check
    )
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)
    _show(outcome, quiet=quiet, as_json=as_json, table=not check)
    if check and outcome.stale:
        if not as_json:
            click.echo(
                f"{out_dir} is stale: run `rallycal export {source} --out {out_dir}`", err=True
            )
        raise click.exceptions.Exit(1)


@cli.command()
@SOURCE
@OUT
@BASE_URL
@JSON
def diff(source: str, out_dir: str, base_url: str | None, as_json: bool) -> None:
    """Show what an export of SOURCE would change for subscribers, writing nothing."""
    from rallycal.publish import export as run_export

    outcome = run_export(source, out_dir, base_url=base_url, dry_run=True)
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)
    _show(outcome, quiet=False, as_json=as_json, table=False)
    if outcome.refused:  # what export would refuse: exit 1, as export would
        if not as_json:
            click.echo(
                "export would stop: published events or feeds would disappear "
                "(cancel them instead, or export with --allow-removal)",
                err=True,
            )
        raise click.exceptions.Exit(1)


@cli.command()
@SOURCE
@OUT
@click.option(
    "--port",
    "-p",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="The port to listen on (0: any free one).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on (0.0.0.0 lets other devices on the network in).",
)
@click.option("--watch", "-w", is_flag=True, help="Export again whenever SOURCE changes.")
@BASE_URL
def serve(
    source: str, out_dir: str, port: int, host: str, watch: bool, base_url: str | None
) -> None:
    """Export SOURCE, then serve the output folder for a preview until Ctrl-C.

    Feeds are served as a static host should serve them (content types, ETag,
    Last-Modified); only files inside the output folder are ever served.
    """
    from rallycal.serve import serve as run_server

    run_server(source, out_dir, host=host, port=port, watch=watch, base_url=base_url)


def _show(outcome, *, quiet: bool, as_json: bool, table: bool) -> None:
    from rallycal import report

    if as_json:
        import json

        click.echo(json.dumps(report.as_json(outcome), indent=2, ensure_ascii=False))
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
