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

Heavy modules are imported inside the commands that use them so that `--help` starts fast.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from datetime import date
from typing import IO, TYPE_CHECKING, Any

import click

from rallycal import __version__

if TYPE_CHECKING:
    from rallycal.publish import Outcome

    TextType = click.ParamType[str, Any]
    DayType = click.ParamType[date, Any]
else:  # click's ParamType is generic only for type checkers before click 8.5
    TextType = DayType = click.ParamType

WARNINGS = "rallycal.warnings"  # where `warn` keeps the warnings of the running command
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


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


class BaseUrl(TextType):
    """A published folder's address, checked as the source's `base_url` is; ends in '/'."""

    name = "url"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from rallycal.errors import RallycalError
        from rallycal.source import normalise_base_url

        try:
            return normalise_base_url(str(value))
        except RallycalError as error:
            self.fail(str(error).removeprefix("--base-url: "), param, ctx)


class Day(DayType):
    """A calendar day written YYYY-MM-DD."""

    name = "day"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        text = str(value)
        try:
            if _DAY.fullmatch(text):
                return date.fromisoformat(text)
        except ValueError:
            pass
        self.fail(f"{text!r} is not a day; write it as YYYY-MM-DD, e.g. 2026-03-01", param, ctx)


def warn(message: str) -> None:
    """Print `warning: message` on stderr and keep it for `--json` and `--strict`."""
    click.get_current_context().meta.setdefault(WARNINGS, []).append(message)
    click.echo(f"warning: {message}", err=True)


def warnings() -> list[str]:
    """The warnings the running command has printed so far."""
    found: list[str] = click.get_current_context().meta.get(WARNINGS, [])
    return found


def finish(strict: bool) -> None:
    """With `--strict`, exit 1 when the command printed any warning."""
    count = len(warnings())
    if strict and count:
        plural = "s" if count != 1 else ""
        click.echo(f"--strict: {count} warning{plural}, exit code 1", err=True)
        raise click.exceptions.Exit(1)


def again(
    command: str, *, keep: Iterable[str] = (), add: Iterable[str] = ()
) -> str:
    """The running command as `command` with the options in `keep` the user gave (and
    `add`), quoted for the shell: a suggestion that makes the output the user asked for."""
    ctx = click.get_current_context()
    words = ["rallycal", command, str(ctx.params["source"])]
    wanted = set(keep)
    for param in ctx.command.params:
        if not isinstance(param, click.Option) or param.name not in wanted:
            continue
        value = ctx.params.get(param.name)
        if value is None or value is False or value == param.default:
            continue
        flag = max(param.opts, key=len)
        words += [flag] if param.is_flag else [flag, str(value)]
    return shlex.join([*words, *add])


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


@click.group(cls=RallycalGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="rallycal")
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

    season = load(source).latest
    click.echo(f"{source}: OK, {season_counts(season)}")
    click.echo(season_summary(season))


@cli.command("list")
@SOURCE
@click.option(
    "--today",
    type=Day(),
    metavar="YYYY-MM-DD",
    help="Count the days from this day instead of from today.",
)
@JSON
def list_rounds(source: str, today: date | None, as_json: bool) -> None:
    """List the rounds of SOURCE, the next one marked with the days until it."""
    from rallycal import agenda
    from rallycal.source import load

    day = today or date.today()
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
@ALLOW_REMOVAL
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors and warnings.")
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
    outcome = _export(source, out_dir, base_url, allow_removal=allow_removal, dry_run=check)
    _show(outcome, quiet=quiet, as_json=as_json, table=not check)
    if check and outcome.stale:
        if not as_json:
            retry = again("export", keep=(*SUGGESTED, "allow_removal"))
            click.echo(f"{out_dir} is stale: run `{retry}`", err=True)
        raise click.exceptions.Exit(1)


@cli.command()
@SOURCE
@OUT
@BASE_URL
@JSON
def diff(source: str, out_dir: str, base_url: str | None, as_json: bool) -> None:
    """Show what an export of SOURCE would change for subscribers, writing nothing."""
    outcome = _export(source, out_dir, base_url, allow_removal=False, dry_run=True)
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

    _base_url_warnings(base_url)
    retry = again("serve", keep=(*SUGGESTED, "port", "host", "watch"), add=["--allow-removal"])
    try:
        run_server(
            source, out_dir, host=host, port=port, watch=watch, base_url=base_url,
            allow_removal=allow_removal,
        )
    except RemovalRefused as error:
        raise Failure(_retry(error, retry)) from None


def _export(
    source: str, out_dir: str, base_url: str | None, *, allow_removal: bool, dry_run: bool
) -> Outcome:
    """Run the export (or a dry run), printing every warning; a refused removal names the
    exact command that goes ahead."""
    from rallycal.errors import RemovalRefused
    from rallycal.publish import export as run_export

    _base_url_warnings(base_url)
    try:
        outcome = run_export(
            source, out_dir, base_url=base_url, allow_removal=allow_removal, dry_run=dry_run
        )
    except RemovalRefused as error:
        retry = again("export", keep=SUGGESTED, add=["--allow-removal"])
        raise Failure(_retry(error, retry)) from None
    for warning in outcome.warnings:
        warn(warning)
    return outcome


def _retry(error: Exception, command: str) -> str:
    """A refusal's message with its way on spelt as the command to run."""
    from rallycal.publish import RETRY

    return str(error).replace(RETRY, f"To remove them anyway, run `{command}`.")


def _base_url_warnings(base_url: str | None) -> None:
    from rallycal.wording import plain_http

    if base_url is not None and base_url.startswith("http://"):
        warn(plain_http(base_url, "--base-url"))


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
