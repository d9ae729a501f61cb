"""What every command shares: option types whose bad values are usage errors, warnings
on stderr (kept for `--json` and `--strict`), suggested commands that repeat the user's
options, and the warnings about the source and the output that several commands print."""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from datetime import date
from typing import Any

import click

from rallycal.agenda import season_over
from rallycal.errors import RallycalError
from rallycal.model import Championship
from rallycal.source import normalise_base_url
from rallycal.wording import plain_http

WARNINGS = "rallycal.warnings"  # where `warn` keeps the warnings of the running command
MAX_BASE_URL = 2000  # as long as the source's own base_url may be


class BaseUrl(click.ParamType[str, Any]):
    """A published folder's address, checked as the source's `base_url` is; ends in '/'."""

    name = "url"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if len(text) > MAX_BASE_URL:
            self.fail(f"is {len(text):,} characters long; at most {MAX_BASE_URL:,}", param, ctx)
        try:
            return normalise_base_url(text)
        except RallycalError as error:
            self.fail(str(error).removeprefix("--base-url: "), param, ctx)


class Day(click.ParamType[date, Any]):
    """A calendar day written YYYY-MM-DD."""

    name = "day"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        text = str(value)
        try:
            if len(text) == 10 and text[4] == text[7] == "-":
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


def again(command: str, *, keep: Iterable[str] = (), add: Iterable[str] = ()) -> str:
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


def season_warnings(championship: Championship, source: str, today: date | None) -> None:
    warning = season_over(championship, today or date.today(), source)
    if warning:
        warn(warning)


def publishing_warnings(in_source: str | None, option: str | None, source: str) -> None:
    """Subscribe links need a base URL: the page does not tell fans so, the maintainer
    must hear it."""
    if option is None and in_source is None:
        warn(
            "no base URL: the feeds and the page carry no subscribe links, only one-time "
            f"downloads; set base_url under series: in {source}, or export with "
            "--base-url https://..."
        )
    elif option is None and in_source is not None and in_source.startswith("http://"):
        warn(plain_http(in_source, f"base_url in {source}"))


def base_url_warnings(base_url: str | None) -> None:
    if base_url is not None and base_url.startswith("http://"):
        warn(plain_http(base_url, "--base-url"))
