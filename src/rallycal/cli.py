"""The `rallycal` command: a thin click layer over the library.

Every command takes the source path (default `events.yaml`), and every failure the
library explains (`RallycalError`) becomes its message on stderr and exit code 1,
in one place: `RallycalGroup`. Heavy modules are imported inside the commands that use them
so that `rallycal --help` starts fast.
"""

from __future__ import annotations

import click

from rallycal import __version__
from rallycal.errors import RallycalError

SOURCE = click.argument(
    "source", default="events.yaml", type=click.Path(dir_okay=False, path_type=str)
)


class Failure(click.ClickException):
    """An explained failure: its message is printed as it is, exit code 1."""

    def show(self, file=None) -> None:  # noqa: ARG002 - click's signature
        click.echo(self.message, err=True)


class RallycalGroup(click.Group):
    """Turns every `RallycalError` a command raises into a `Failure`, in one place."""

    def invoke(self, ctx: click.Context):
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
    from rallycal.summary import season_summary

    season = load(source)
    click.echo(season_summary(season))


main = cli
