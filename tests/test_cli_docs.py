"""README documents the command line: every command and every option of every command,
found by walking the click group, is in its "Commands" section, and every command has
help text (after sqlite-utils' documentation tests)."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner
from support import ROOT

from rallycal.cli.commands import cli


def commands_section() -> str:
    """README's "Commands" section, up to the next section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("\n## Commands\n")
    return text[start : text.index("\n## ", start + 1)]


def table_rows(section: str, header: str) -> list[list[str]]:
    """The cells of the Markdown table under `header`."""
    rows = []
    for line in section[section.index(header) :].splitlines()[2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def option_rows() -> dict[str, str]:
    """README's option table: each option name and the commands its row names."""
    found = {}
    for names, commands, _ in table_rows(commands_section(), "| option | commands | meaning |"):
        for name in re.findall(r"`(-[\w-]+)", names):
            found[name] = commands
    return found


def names_of(command: click.Command, ctx: click.Context) -> set[str]:
    """Every option name a command takes, `--help` included."""
    return {
        name
        for param in command.get_params(ctx)
        if isinstance(param, click.Option)
        for name in (*param.opts, *param.secondary_opts)
    }


TOP = click.Context(cli, info_name="rallycal", **cli.context_settings)
COMMANDS = {name: cli.get_command(TOP, name) for name in cli.list_commands(TOP)}


def options(name: str) -> set[str]:
    return names_of(COMMANDS[name], click.Context(COMMANDS[name], info_name=name, parent=TOP))


def mentioned(name: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) is not None


def test_the_group_has_the_commands_readme_describes():
    assert set(COMMANDS) == {"check", "list", "export", "diff", "serve"}


def test_every_command_is_in_the_commands_table_and_no_other():
    rows = table_rows(commands_section(), "| command | what it does |")
    documented = [re.match(r"`rallycal (\S+)", row[0]).group(1) for row in rows]
    assert sorted(documented) == sorted(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_of_every_command_is_in_the_commands_section(name):
    section = commands_section()
    missing = sorted(option for option in options(name) if not mentioned(option, section))
    assert missing == [], f"README's Commands section does not mention {name} {missing}"


def assert_in_option_table(name: str) -> None:
    rows = option_rows()
    for option in sorted(options(name)):
        assert option in rows, f"{name} {option} is not in README's option table"
        where = rows[option]
        assert where == "every command" or name in where.split(", "), (
            f"README's option table does not list {name} for {option}: {where!r}"
        )


@pytest.mark.parametrize(
    "name",
    sorted(COMMANDS),
)
def test_the_option_table_names_every_command_that_takes_each_option(name):
    assert_in_option_table(name)


def test_every_option_in_the_table_exists_where_the_table_says():
    taken = {name: options(name) for name in COMMANDS}
    for option, where in option_rows().items():
        if where == "every command":
            assert all(option in names for names in taken.values()), option
        elif where == "`rallycal` itself":
            assert option in names_of(cli, TOP), option
        else:
            for name in where.split(", "):
                assert option in taken[name], (option, name)


def test_the_group_s_own_options_are_documented():
    section = commands_section()
    for option in names_of(cli, TOP):
        assert mentioned(option, section), option


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_text(name):
    command = COMMANDS[name]
    assert command.help and command.help.strip(), f"{name} has no help text"
    result = CliRunner().invoke(cli, [name, "--help"], prog_name="rallycal", terminal_width=200)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Usage: rallycal {name} ")
    assert command.help.strip().splitlines()[0] in result.stdout
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{name} {param.opts[0]} has no help text"
            assert max(param.opts, key=len) in result.stdout


def test_the_group_lists_every_command_with_its_summary():
    result = CliRunner().invoke(cli, ["--help"], prog_name="rallycal", terminal_width=200)
    assert result.exit_code == 0 and result.stdout.startswith("Usage: rallycal ")
    listed = result.stdout.split("\nCommands:\n")[1]
    for name, command in COMMANDS.items():
        line = next(line for line in listed.splitlines() if line.split()[:1] == [name])
        assert command.get_short_help_str(limit=200).split()[0] in line
