"""The command line's conventions, the same for every command: one message per failure of
the source, usage errors for bad option values, warnings on stderr, suggested commands
that can be pasted, and README documenting every command and option."""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import EPOCH, ROOT, SEASON_2026, copy_source, snapshot

from rallycal.cli import cli

READER_COMMANDS = ("check", "list", "export", "diff", "serve")
URL_COMMANDS = ("export", "diff", "serve")


def run(*args: str):
    return CliRunner().invoke(
        cli, list(args), prog_name="rallycal", env={"SOURCE_DATE_EPOCH": str(EPOCH)}
    )


def reader_args(command: str, source: str, tmp_path: Path) -> list[str]:
    """`command` reading `source`, writing (if at all) below `tmp_path` on a free port."""
    args = [command, source]
    if command in ("export", "diff", "serve"):
        args += ["--out", str(tmp_path / "out")]
    if command == "serve":
        args += ["--port", "0", "--host", "127.0.0.1"]
    return args


def special_sources(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    sources = {"missing": tmp_path / "nope.yaml", "folder": folder}
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo.yaml")
        sources["fifo"] = tmp_path / "fifo.yaml"
    return sources


def test_every_command_gives_the_same_first_line_for_a_source_it_cannot_read(tmp_path):
    for kind, source in special_sources(tmp_path).items():
        firsts = set()
        for command in READER_COMMANDS:
            result = run(*reader_args(command, str(source), tmp_path))
            assert result.exit_code == 1, (kind, command, result.output)
            assert "Traceback" not in result.output
            firsts.add(result.stderr.splitlines()[0])
        (first,) = firsts
        assert first.startswith(f"{source}: ") and "give the path of the season source" in first
    assert not (tmp_path / "out" / "all.ics").exists()


@pytest.mark.parametrize("command", URL_COMMANDS)
def test_a_malformed_base_url_is_a_usage_error(tmp_path, command):
    args = reader_args(command, str(SEASON_2026), tmp_path)
    result = run(*args, "--base-url", "not a url")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"Usage: rallycal {command} ")
    assert f"Try 'rallycal {command} --help' for help." in result.stderr
    assert "'--base-url'" in result.stderr and "https://" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "args",
    [["list", "--today", "2026-13-01"], ["list", "--today", "1 March"], ["serve", "-p", "70000"],
     ["export", "--frobnicate"]],
)
def test_every_bad_option_value_is_a_usage_error(args):
    result = run(*args)
    assert result.exit_code == 2
    assert f"Try 'rallycal {args[0]} --help'" in result.stderr


def test_a_plain_http_base_url_works_with_a_warning_on_stderr(tmp_path):
    out = tmp_path / "out"
    result = run("export", str(SEASON_2026), "--out", str(out), "--base-url", "http://example.org/")
    assert result.exit_code == 0, result.output
    (warning,) = [line for line in result.stderr.splitlines() if "http://" in line]
    assert warning.startswith("warning: ") and "https" in warning
    assert "warning:" not in result.stdout
    assert "http://example.org/all.ics" in (out / "all.ics").read_text().replace("\n ", "")
    document = json.loads(
        run("diff", str(SEASON_2026), "--out", str(out), "--base-url", "http://example.org/",
            "--json").stdout
    )
    assert any("https" in w for w in document["warnings"])


def test_the_stale_message_repeats_the_options_that_change_the_output(tmp_path):
    out = tmp_path / "my out"
    result = run("export", str(SEASON_2026), "--out", str(out), "--base-url",
                 "https://example.org/ara", "--check")
    assert result.exit_code == 1
    message = result.stderr.splitlines()[-1]
    command = re.search(r"run `(.*)`", message).group(1)
    assert shlex.split(command) == [
        "rallycal", "export", str(SEASON_2026), "--out", str(out),
        "--base-url", "https://example.org/ara/",
    ]
    done = run(*shlex.split(command)[1:])
    assert done.exit_code == 0, done.output
    checked = run("export", str(SEASON_2026), "--out", str(out), "--base-url",
                  "https://example.org/ara", "--check")
    assert checked.exit_code == 0, checked.output


def _without_olympus(tmp_path: Path) -> Path:
    source = copy_source(tmp_path)
    text = source.read_text()
    start, end = text.index("  - id: olympus\n"), text.index("  - id: southern-ohio-forest\n")
    source.write_text(text[:start] + text[end:])
    return source


def test_a_refused_removal_names_the_exact_command_that_goes_ahead(tmp_path):
    out = tmp_path / "out"
    assert run("export", str(SEASON_2026), "--out", str(out), "--base-url",
               "https://example.org/").exit_code == 0
    before = snapshot(out)
    source = _without_olympus(tmp_path)
    expected = shlex.join([
        "rallycal", "export", str(source), "--out", str(out),
        "--base-url", "https://example.org/", "--allow-removal",
    ])
    refused = run("export", str(source), "--out", str(out), "--base-url", "https://example.org/")
    assert refused.exit_code == 1
    assert f"run `{expected}`" in refused.stderr
    assert snapshot(out) == before
    diff = run("diff", str(source), "--out", str(out), "--base-url", "https://example.org/")
    assert diff.exit_code == 1 and f"run `{expected}`" in diff.stderr
    assert run(*shlex.split(expected)[1:]).exit_code == 0
    assert not (out / "round" / "olympus.ics").exists()


def test_serve_takes_allow_removal_and_passes_it_on(tmp_path, monkeypatch):
    import rallycal.serve

    seen = {}
    monkeypatch.setattr(rallycal.serve, "serve", lambda *args, **options: seen.update(options))
    result = run("serve", str(SEASON_2026), "--port", "0", "--allow-removal")
    assert result.exit_code == 0, result.output
    assert seen["allow_removal"] is True and seen["port"] == 0


def test_serve_names_its_own_command_with_allow_removal(tmp_path):
    out = tmp_path / "out"
    assert run("export", str(SEASON_2026), "--out", str(out)).exit_code == 0
    source = _without_olympus(tmp_path)
    result = run("serve", str(source), "--out", str(out), "--port", "0", "--watch")
    assert result.exit_code == 1
    expected = shlex.join(
        ["rallycal", "serve", str(source), "--out", str(out), "--port", "0", "--watch",
         "--allow-removal"]
    )
    assert f"run `{expected}`" in result.stderr


def test_the_export_table_lists_every_file_even_when_nothing_changed(tmp_path):
    out = tmp_path / "out"
    first = run("export", str(SEASON_2026), "--out", str(out))
    again = run("export", str(SEASON_2026), "--out", str(out))
    assert first.exit_code == again.exit_code == 0
    on_disk = set(snapshot(out))

    def listed(output: str) -> dict[str, str]:
        lines = output.splitlines()
        rows = lines[1 : next(i for i, line in enumerate(lines) if " written, " in line)]
        return {row.split()[0]: row.split()[-1] for row in rows}

    assert set(listed(first.stdout)) == on_disk and "feeds.json" in on_disk
    assert listed(again.stdout) == dict.fromkeys(on_disk, "unchanged")
    totals = f"0 written, {len(on_disk)} unchanged, 0 removed in {out}"
    assert again.stdout.splitlines()[-1] == totals


# -- README documents every command and option (after sqlite-utils' documentation test) ----


def readme_commands_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("\n## Commands\n")
    return text[start : text.index("\n## ", start + 1)]


def help_text(*args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--help"], prog_name="rallycal", terminal_width=200)
    assert result.exit_code == 0
    return result.stdout


def listed_commands() -> list[str]:
    block = help_text().split("\nCommands:\n")[1]
    return [line.split()[0] for line in block.splitlines() if line.strip()]


def options_of(*args: str) -> set[str]:
    block = help_text(*args).split("\nOptions:\n")[1]
    found = set()
    for line in block.splitlines():
        match = re.match(r"\s+((?:-[\w-]+(?:, )?)+)", line)
        if match:
            found.update(name.strip() for name in match.group(1).split(","))
    return found


def table_rows(section: str, header: str) -> list[list[str]]:
    lines = section[section.index(header) :].splitlines()[2:]
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_readme_command_table_lists_exactly_the_commands_of_help():
    rows = table_rows(readme_commands_section(), "| command | what it does |")
    documented = [re.match(r"`rallycal (\S+)", row[0]).group(1) for row in rows]
    assert sorted(documented) == sorted(listed_commands())


@pytest.mark.parametrize("command", listed_commands())
def test_every_option_of_every_command_is_in_readme(command):
    section = readme_commands_section()
    rows = table_rows(section, "| option | commands | meaning |")
    by_option: dict[str, str] = {}
    for names, commands, _ in rows:
        for name in re.findall(r"`(-[\w-]+)", names):
            by_option[name] = commands
    for option in options_of(command):
        assert option in by_option, f"{command} {option} is not in README's option table"
        where = by_option[option]
        assert command in where or where == "every command", (command, option)
        assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", section)


def test_every_option_in_readme_exists():
    rows = table_rows(readme_commands_section(), "| option | commands | meaning |")
    real = {command: options_of(command) for command in listed_commands()}
    for names, commands, _ in rows:
        for name in re.findall(r"`(-[\w-]+)", names):
            if commands == "every command":
                assert all(name in options for options in real.values()), name
            elif commands == "`rallycal` itself":
                assert name in options_of(), name
            else:
                for command in commands.split(", "):
                    assert name in real[command], (name, command)
