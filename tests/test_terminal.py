"""What every command shares (`rallycal.cli.terminal`): option types, warnings, `--strict`,
and the suggested command that repeats the user's options."""

from __future__ import annotations

from datetime import date

import click
import pytest
from click.testing import CliRunner

from rallycal.cli.terminal import BaseUrl, Day, again, finish, publishing_warnings, warn, warnings


@click.command()
@click.argument("source")
@click.option("--out", default="dist")
@click.option("--today", type=Day())
@click.option("--base-url", type=BaseUrl())
@click.option("--quiet", is_flag=True)
@click.option("--strict", is_flag=True)
@click.option("--base-in-source")
def command(source, out, today, base_url, quiet, strict, base_in_source):
    """A command shaped like rallycal's, printing what the helpers give it."""
    click.echo(f"today={today} base_url={base_url}")
    click.echo(again("export", keep=("out", "quiet", "today"), add=["--allow-removal"]))
    publishing_warnings(base_in_source, base_url, source)
    warn("one more")
    click.echo(f"kept={len(warnings())}")
    finish(strict)


def run(*args: str):
    return CliRunner().invoke(command, list(args))


def test_a_day_and_a_base_url_are_read_and_checked():
    result = run("events.yaml", "--today", "2026-03-01", "--base-url", "https://e.org/ara")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "today=2026-03-01 base_url=https://e.org/ara/"
    assert Day().convert(date(2026, 3, 1), None, None) == date(2026, 3, 1)


@pytest.mark.parametrize("value", ["1 March", "2026-02-30", "2026-3-1"])
def test_a_bad_day_is_a_usage_error(value):
    result = run("events.yaml", "--today", value)
    assert result.exit_code == 2
    assert f"{value!r} is not a day; write it as YYYY-MM-DD, e.g. 2026-03-01" in result.stderr


def test_the_suggested_command_repeats_the_options_the_user_gave():
    result = run("my season.yaml", "--out", "site", "--quiet", "--today", "2026-03-01")
    assert result.stdout.splitlines()[1] == (
        "rallycal export 'my season.yaml' --out site --today 2026-03-01 --quiet --allow-removal"
    )
    default = run("events.yaml")
    assert default.stdout.splitlines()[1] == "rallycal export events.yaml --allow-removal"


def test_warnings_go_to_stderr_and_are_kept_and_strict_makes_them_fail():
    result = run("events.yaml", "--base-url", "https://e.org/")
    assert (result.exit_code, result.stderr) == (0, "warning: one more\n")
    assert "kept=1" in result.stdout
    strict = run("events.yaml", "--strict", "--base-in-source", "http://e.org/")
    assert strict.exit_code == 1
    lines = strict.stderr.splitlines()
    assert lines[0].startswith("warning: base_url in events.yaml http://e.org/ is plain http")
    assert lines[1:] == ["warning: one more", "--strict: 2 warnings, exit code 1"]


def test_no_base_url_anywhere_is_warned():
    result = run("events.yaml")
    assert result.stderr.splitlines()[0].startswith(
        "warning: no base URL: the feeds and the page carry no subscribe links"
    )
