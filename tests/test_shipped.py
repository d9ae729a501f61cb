"""The smoke test of the shipped `events.yaml` and the committed `dist/`.

This is the only test that reads them, and it reads no expected value out of them: any
valid edit of the season followed by `rallycal export` keeps it passing. Every other
test works on its own fixtures (`support.SEASON_2026`, `tests/fixtures/`).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import ROOT, SHIPPED, snapshot

from rallycal.cli.commands import cli


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The shipped source and the committed dist/, copied: nothing here writes to the tree."""
    shutil.copy(SHIPPED, tmp_path / "events.yaml")
    shutil.copytree(ROOT / "dist", tmp_path / "dist")
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_the_shipped_source_is_valid(copy):
    code, out, err = run("check", str(copy / "events.yaml"))  # warnings (stderr) may come
    assert code == 0, out + err
    assert out.startswith(f"{copy / 'events.yaml'}: OK"), out


def test_the_committed_dist_is_what_the_shipped_source_exports_to(copy):
    before = snapshot(copy / "dist")
    source, out_dir = str(copy / "events.yaml"), str(copy / "dist")
    code, out, err = run("export", source, "--out", out_dir, "--check")
    assert code == 0, f"dist/ is stale: run `rallycal export` and commit dist/\n{out}{err}"
    assert snapshot(copy / "dist") == before  # --check writes nothing


def test_no_other_test_reads_the_shipped_source_or_dist():
    """Editing the season must never break a test: the shipped file is this module's alone."""
    here = Path(__file__).resolve().parent
    shipped = re.compile(r"\bSHIPPED\b|ROOT\s*/\s*\"(?:events\.yaml|dist)\"")
    readers = sorted(
        path.name
        for path in here.glob("*.py")
        if path.name not in {"test_shipped.py", "support.py"} and shipped.search(path.read_text())
    )
    assert readers == []
