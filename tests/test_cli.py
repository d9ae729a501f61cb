"""The command line's conventions, the same for every command: one message per failure of
the source, usage errors for bad option values, warnings on stderr, suggested commands
that can be pasted, and Ctrl-C said in one line. (README's documentation of every
command and option is checked in test_cli_docs.py.)"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import EPOCH, ROOT, SEASON_2026, copy_source, snapshot

from rallycal.cli.commands import cli

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


@pytest.mark.parametrize("command", URL_COMMANDS)
def test_a_base_url_over_2000_characters_is_a_usage_error(tmp_path, command):
    args = reader_args(command, str(SEASON_2026), tmp_path)
    longest = "https://example.org/" + "a" * (2000 - len("https://example.org/") - 1) + "/"
    result = run(*args, "--base-url", longest + "b")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"Usage: rallycal {command} ")
    assert "'--base-url'" in result.stderr and "2,001 characters" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
    if command == "diff":  # 2,000 characters are still a base URL
        assert len(longest) == 2000
        assert run(*args, "--base-url", longest).exit_code == 0


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
    import rallycal.cli.preview

    out = tmp_path / "out"
    assert run("export", str(SEASON_2026), "--out", str(out)).exit_code == 0
    source = _without_olympus(tmp_path)
    seen = {}

    def preview(source, out_dir, run_export, **options):  # serves nothing: exports once
        seen.update(options, out_dir=out_dir)
        run_export(out_dir)

    monkeypatch.setattr(rallycal.cli.preview, "preview", preview)
    result = run("serve", str(source), "--out", str(out), "--port", "0", "--allow-removal")
    assert result.exit_code == 0, result.output
    assert seen == {"out_dir": str(out), "host": "127.0.0.1", "port": 0, "watch": False}
    assert not (out / "round" / "olympus.ics").exists()


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


# -- seasons: the day, the season that is over, the budget, the base URL, archived rounds ------


def with_seasons(tmp_path: Path, *years: int, name: str = "events.yaml") -> Path:
    """The 2026 fixture season, then the same season `years` later (classes inherited)."""
    text = SEASON_2026.read_text(encoding="utf-8")
    block = text[text.index("  - year: 2026\n") :]
    block = block[: block.index("    classes:\n")] + block[block.index("    rounds:\n") :]
    for year in years:
        text += block.replace("year: 2026", f"year: {year}").replace("2026-", f"{year}-")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


OVER = (
    "warning: the 2026 season ended on 2026-10-10 and no later season is in {source}; "
    "add the 2027 season"
)


@pytest.mark.parametrize("command", ["check", "list", "export", "diff"])
def test_a_season_that_is_over_is_a_warning_naming_the_year_to_add(tmp_path, command):
    source = str(copy_source(tmp_path))
    args = [*reader_args(command, source, tmp_path), "--base-url", "https://example.org/"]
    if command in ("check", "list"):
        args = args[:2]
    over = run(*args, "--today", "2026-11-28")
    assert over.exit_code == 0, over.output
    assert OVER.format(source=source) in over.stderr.splitlines()
    assert "warning:" not in over.stdout
    strict = run(*args, "--today", "2026-11-28", "--strict")
    assert strict.exit_code == 1
    for day in ("2026-10-10", "2026-03-01"):  # the last round's last day is still ahead
        ahead = run(*args, "--today", day, "--strict")
        assert ahead.exit_code == 0, ahead.output
        assert "warning:" not in ahead.output
    bad = run(*args, "--today", "2026-11-31")
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.stderr


def test_the_season_to_add_is_this_year_when_more_than_a_year_has_passed(tmp_path):
    source = copy_source(tmp_path)
    result = run("check", str(source), "--today", "2028-05-01")
    assert f"in {source}; add the 2028 season" in result.stderr


def test_a_later_season_silences_the_warning(tmp_path):
    source = with_seasons(tmp_path, 2027)
    result = run("check", str(source), "--today", "2026-11-28", "--strict")
    assert result.exit_code == 0 and result.stderr == ""


def test_export_json_lists_every_warning(tmp_path):
    source = copy_source(tmp_path)
    result = run("export", str(source), "--out", str(tmp_path / "out"), "--json",
                 "--today", "2026-11-28")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["warnings"] == [
        OVER.format(source=source).removeprefix("warning: "),
        "no base URL: the feeds and the page carry no subscribe links, only one-time "
        f"downloads; set base_url under series: in {source}, or export with "
        "--base-url https://...",
    ]
    assert [f"warning: {w}" for w in document["warnings"]] == result.stderr.splitlines()


def test_export_without_a_base_url_says_subscribe_links_need_one(tmp_path):
    out = tmp_path / "out"
    bare = run("export", str(SEASON_2026), "--out", str(out), "--today", "2026-03-01")
    (line,) = bare.stderr.splitlines()
    assert line.startswith("warning: no base URL") and "base_url" in line
    given = run("export", str(SEASON_2026), "--out", str(out), "--today", "2026-03-01",
                "--base-url", "https://example.org/")
    assert given.exit_code == 0 and given.stderr == ""
    in_source = copy_source(tmp_path, name="with-url.yaml")
    in_source.write_text(in_source.read_text().replace(
        "  color: firebrick\n", "  color: firebrick\n  base_url: http://example.org/ara/\n"))
    plain = run("export", str(in_source), "--out", str(tmp_path / "o2"), "--today", "2026-03-01")
    (line,) = plain.stderr.splitlines()
    assert line.startswith(f"warning: base_url in {in_source} http://example.org/ara/ is plain")
    assert "https" in line


def test_a_feed_past_the_size_budget_is_a_warning(tmp_path, monkeypatch):
    from rallycal.cli import report

    out = tmp_path / "out"
    base = ["export", str(SEASON_2026), "--out", str(out), "--today", "2026-03-01",
            "--base-url", "https://example.org/"]
    assert run(*base).stderr == ""
    sizes = sorted((path.stat().st_size, path.relative_to(out).as_posix())
                   for path in out.rglob("*.ics"))
    (second, _), (size, biggest) = sizes[-2:]
    assert second < size
    measure = report.size_warnings
    monkeypatch.setattr(report, "size_warnings", lambda outcome: measure(outcome, size - 1))
    for args in (base, [*base, "--check"]):  # also when nothing is written
        result = run(*args, "--json")
        assert result.exit_code == 0
        (warning,) = json.loads(result.stdout)["warnings"]
        assert warning.startswith(f"{biggest} is ") and "Google" in warning
        assert result.stderr == f"warning: {warning}\n"
    assert run(*base, "--strict").exit_code == 1


def test_readme_documents_the_feed_budget():
    from rallycal.cli.report import FEED_BUDGET

    assert f"{FEED_BUDGET // 1024} KiB" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_season_leaving_the_stable_feeds_is_archived_not_removed(tmp_path):
    out = tmp_path / "out"
    for years in ((), (2027,)):
        source = with_seasons(tmp_path, *years)
        assert run("export", str(source), "--out", str(out), "-q").exit_code == 0
    before = snapshot(out)
    source = with_seasons(tmp_path, 2027, 2028)
    diff = run("diff", str(source), "--out", str(out), "--today", "2028-01-01")
    assert diff.exit_code == 0, diff.output
    lines = diff.stdout.splitlines()
    archived = [line for line in lines if line.strip().startswith("archived")]
    assert len(archived) == 8  # one per round, whatever the feeds it was in
    assert archived[0].strip().startswith(
        "archived Sno*Drift Rally, Fri 6 – Sat 7 Feb 2026 (2026 round 1): now in 2026/all.ics "
        "and "
    )
    assert not any(line.strip().startswith("removed") for line in lines)
    assert snapshot(out) == before
    done = run("export", str(source), "--out", str(out), "--today", "2028-01-01")
    assert done.exit_code == 0, done.output
    assert [line for line in done.stdout.splitlines() if "archived" in line] == archived
    assert "ara.2026." not in (out / "all.ics").read_text()
    assert (out / "2026" / "all.ics").read_bytes() == before["2026/all.ics"]
    document = json.loads(
        run("diff", str(source), "--out", str(out), "--json", "--today", "2028-01-01").stdout
    )
    assert document["changes"] == [] and document["refused"] is False


# -- list and check follow the seasons --------------------------------------------------------


def test_list_shows_the_current_season_or_the_one_asked_for(tmp_path):
    source = with_seasons(tmp_path, 2027)
    during = run("list", str(source), "--today", "2026-03-01")  # the latest with rounds ahead
    assert during.stdout.splitlines()[0].endswith(" 2027: 8 rounds")
    assert during.stdout.splitlines()[-1] == (
        f"Other seasons in {source}: 2026 (`rallycal list --season YEAR`)."
    )
    after = run("list", str(source), "--today", "2027-11-28")  # none ahead: the latest
    assert after.stdout.splitlines()[0].endswith(" 2027: 8 rounds")
    assert "add the 2028 season" in after.stderr
    asked = run("list", str(source), "--today", "2026-11-28", "--season", "2026")
    assert asked.stdout.splitlines()[0].endswith(" 2026: 8 rounds")
    assert "No round of the 2026 season is still to come" in asked.stdout
    only = run("list", str(copy_source(tmp_path, name="one.yaml")), "--today", "2026-03-01")
    assert "Other seasons" not in only.stdout
    data = json.loads(run("list", str(source), "--today", "2026-11-28", "--json").stdout)
    assert (data["season"], data["seasons"]) == (2027, [2026, 2027])
    assert data["rounds"][0]["first_day"] == "2027-02-06"


def test_list_of_an_unknown_season_is_a_usage_error_naming_the_known_ones(tmp_path):
    source = with_seasons(tmp_path, 2027)
    result = run("list", str(source), "--season", "2030")
    assert result.exit_code == 2
    assert "Try 'rallycal list --help'" in result.stderr
    assert "no 2030 season" in result.stderr and "2026, 2027" in result.stderr


def test_check_summarises_every_season_and_says_which_the_stable_feeds_carry(tmp_path):
    source = with_seasons(tmp_path, 2027, 2028)
    result = run("check", str(source), "--today", "2028-01-01")
    assert result.exit_code == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[:7] == [
        f"{source}: OK, 3 seasons (2026, 2027, 2028), 24 rounds",
        "The stable feeds (all.ics, class/, team/, round/) carry the 2027 and 2028 seasons;",
        "each season is also kept whole in its archive (2026/, 2027/, 2028/).",
        "",
        "2026 season: 8 rounds, 4 classes, 3 teams; Fri 6 Feb – Sat 10 Oct 2026",
        "2027 season: 8 rounds, 4 classes, 3 teams; Sat 6 Feb – Sun 10 Oct 2027",
        "",
    ]
    assert lines[7] == "American Rally Association National Championship (ARA), 2028 season"
    last = "R8  Mon 9 – Tue 10 Oct 2028   Lake Superior Performance Rally  Marquette, Michigan"
    assert last in lines


# -- what the commands print, piece by piece --------------------------------------------------


def test_an_archived_round_is_one_line_naming_its_season_s_all_ics_first():
    from rallycal.cli.report import change_lines
    from rallycal.export import Build, Outcome
    from rallycal.plan import reminder_uid, uid
    from rallycal.publication import EventChange
    from rallycal.source import load

    championship = load(SEASON_2026)
    series = championship.series

    def archived(round_id: str, title: str, *feeds: str, qualifiers=()) -> EventChange:
        return EventChange(uid(series, 2026, round_id, *qualifiers), "archived", title, feeds)

    plain = archived("sno-drift", "ARA R1: Sno*Drift Rally", "2026/round/sno-drift.ics",
                     "2026/all.ics")
    changes = [
        archived("sno-drift", "ARA L4WD R1: Sno*Drift Rally", "2026/class/l4wd.ics",
                 qualifiers=("class", "l4wd")),
        plain,
        EventChange(reminder_uid(plain.uid), "archived", plain.title, plain.feeds),
        archived("olympus", "ARA R3: Olympus Rally", "2026/all.ics"),
    ]
    outcome = Outcome("dist", championship, Build((), {}, changes=changes))
    assert change_lines(outcome) == [
        "archived Sno*Drift Rally, Fri 6 – Sat 7 Feb 2026 (2026 round 1): now in 2026/all.ics "
        "and 2 more archive feeds (left the stable feeds)",
        "archived Olympus Rally, Fri 17 – Sun 19 Apr 2026 (2026 round 3): now in 2026/all.ics "
        "(left the stable feeds)",
    ]


def test_size_warnings_name_each_feed_past_the_budget_biggest_first():
    from rallycal.cli.report import FEED_BUDGET, size_warnings
    from rallycal.export import Build, Outcome
    from rallycal.plan import plan
    from rallycal.source import load

    championship = load(SEASON_2026)
    feeds = plan(championship)
    sizes = dict.fromkeys((feed.path for feed in feeds), 100)
    sizes.update({"all.ics": FEED_BUDGET + 1, "team/mini-jcw.ics": 3 * FEED_BUDGET,
                  "class/l4wd.ics": FEED_BUDGET})
    files = {path: b"x" * size for path, size in sizes.items()}
    files["index.html"] = b"x" * (4 * FEED_BUDGET)  # the page is not a feed
    outcome = Outcome("dist", championship, Build(feeds, files))
    found = size_warnings(outcome)
    assert [w.split()[0] for w in found] == ["team/mini-jcw.ics", "all.ics"]
    assert found[0].startswith(
        "team/mini-jcw.ics is 1,536 KiB, past the 512 KiB budget for a feed"
    )
    assert size_warnings(outcome, budget=10 * FEED_BUDGET) == []


# -- Ctrl-C ------------------------------------------------------------------------------------

# `python -m rallycal ARGS` as Python runs it, with one audit hook watching for the first
# event KIND ("import" or "open") whose name contains WHAT. Then, with READY a pipe's file
# descriptor, it writes a byte to it (the test presses Ctrl-C when it likes); with READY
# "-", it presses Ctrl-C itself, right there. Before rallycal's first import Python itself
# is starting, and a Ctrl-C is Python's business, not rallycal's.
CTRL_C = """
import os, runpy, signal, sys
ready, kind, what = sys.argv[1:4]
seen = False
def watch(event, args):
    global seen
    if seen or event != kind or not isinstance(args[0], (str, bytes, os.PathLike)):
        return
    if what not in os.fsdecode(args[0]):
        return
    seen = True
    if ready == "-":
        signal.raise_signal(signal.SIGINT)
    else:
        os.write(int(ready), b"!")
        os.close(int(ready))
sys.addaudithook(watch)
sys.argv = ["rallycal", *sys.argv[4:]]
runpy.run_module("rallycal", run_name="__main__", alter_sys=True)
"""


def export_interrupted(tmp_path: Path, kind: str, what: str, delay: float | None = None):
    """`python -m rallycal export` interrupted at the first `kind` event naming `what`
    (`delay` seconds later, by a SIGINT from outside, when given)."""
    source = copy_source(tmp_path)
    args = ["export", str(source), "--out", str(tmp_path / "out")]
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH)}
    if delay is None:
        return subprocess.run([sys.executable, "-c", CTRL_C, "-", kind, what, *args], env=env,
                              capture_output=True, text=True, timeout=60, check=False)
    ready, write_end = os.pipe()
    child = subprocess.Popen(
        [sys.executable, "-c", CTRL_C, str(write_end), kind, what, *args], env=env,
        pass_fds=(write_end,), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    os.close(write_end)
    try:
        assert os.read(ready, 1) == b"!", "rallycal never started"
    finally:
        os.close(ready)
    time.sleep(delay)
    child.send_signal(signal.SIGINT)  # nothing is sent once it has finished
    stdout, stderr = child.communicate(timeout=60)
    return subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)


@pytest.mark.parametrize(
    "delay",
    [0, 0.05, 0.2],
)
def test_ctrl_c_at_start_up_is_never_a_traceback(tmp_path, delay):
    """Ctrl-C `delay` seconds after rallycal starts (0: as its first import begins)."""
    done = export_interrupted(tmp_path, "import", "rallycal.cli", delay or None)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode >= 0, done.stderr  # -2: killed by an uncaught KeyboardInterrupt
    if done.returncode != 0:  # 0: it finished first
        assert "Interrupted" in done.stderr or "Aborted!" in done.stderr, done.stderr


@pytest.mark.parametrize(
    ("kind", "what", "folder"),
    [
        pytest.param("import", "rallycal.cli.commands", None, id="loading-the-commands"),
        pytest.param("open", "events.yaml", None, id="reading-the-source"),
        pytest.param("open", ".rallycal-new", "old", id="writing-the-output"),
        pytest.param("open", ".rallycal-journal", "new", id="committing"),
    ],
)
def test_ctrl_c_says_interrupted_and_exits_130(tmp_path, kind, what, folder):
    """Ctrl-C at a given step: one line saying so, exit 130, the folder whole."""
    done = export_interrupted(tmp_path, kind, what)
    assert (done.returncode, "Traceback" in done.stderr) == (130, False), done.stderr
    assert done.stderr.lstrip("\n").startswith("Interrupted"), done.stderr
    out = tmp_path / "out"
    if folder is None:
        assert not out.exists()
    else:  # all old (here: nothing) or all new, and nothing of the export's own left over
        assert f"the folder holds all {'its old' if folder == 'old' else 'the new'} files" in (
            done.stderr
        )
        assert not [p for p in out.rglob("*") if ".rallycal-" in p.name]
        assert (out / "all.ics").exists() == (folder == "new")
