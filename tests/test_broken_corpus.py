"""The corpus of broken sources in tests/broken/: each gets exactly the problems it must.

Every numbered file is `valid.yaml` (or the shipped events.yaml) with one defect or
a few; `expected.txt` lists, for each, every `LINE:COL: message` that
`rallycal check FILE` must print on stderr, in order.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from rallycal.cli.commands import cli
from rallycal.source import load, parse

BROKEN = Path(__file__).resolve().parent / "broken"
POSITIONED = re.compile(r"[1-9][0-9]*:[1-9][0-9]*: \S")


def expectations() -> dict[str, list[str]]:
    """`expected.txt` as file name -> expected problem lines."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in (BROKEN / "expected.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        header = re.fullmatch(r"\[(.+)\]", line)
        if header:
            current = found.setdefault(header[1], [])
        else:
            assert current is not None, f"expected.txt: {line!r} comes before any [FILE]"
            current.append(line)
    return found


EXPECTED = expectations()
CASES = sorted(p.name for p in BROKEN.glob("[0-9][0-9]-*.yaml"))


def test_the_corpus_is_complete():
    assert len(CASES) >= 40
    assert sorted(EXPECTED) == CASES
    for name, lines in EXPECTED.items():
        assert lines, f"{name} has no expected problem"
        assert all(POSITIONED.match(line) for line in lines), name


def test_the_corpus_base_is_valid():
    season = load(BROKEN / "valid.yaml").latest
    assert [r.id for r in season.rounds] == ["spring", "autumn"]


@pytest.mark.parametrize("name", CASES)
def test_check_reports_exactly_the_expected_problems(name, monkeypatch):
    monkeypatch.chdir(BROKEN)
    result = CliRunner().invoke(cli, ["check", name])
    expected = EXPECTED[name]
    count = len(expected)
    assert isinstance(result.exception, SystemExit), result.exception  # not a crash
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        *(f"{name}:{line}" for line in expected),
        f"{count} problem{'s' if count != 1 else ''} found in {name}",
    ]


def test_unquoted_times_are_read_as_written():
    """YAML 1.1 would read 10:30 as the number 630; the loader keeps the text."""
    text = (BROKEN / "valid.yaml").read_text(encoding="utf-8")
    text = text.replace('start: "09:30"', "start: 10:30").replace('end: "12:00"', "end: 12:05")
    item = parse(text.encode(), "valid.yaml").latest.round("spring").schedule[0]
    assert (item.local_start.hour, item.local_start.minute) == (10, 30)
    assert (item.local_end.hour, item.local_end.minute) == (12, 5)
