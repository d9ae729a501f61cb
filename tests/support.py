"""Shared helpers for the tests: paths, a reproducible export, and the independent parsers."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from rallycal.model import Season

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "events.yaml"  # only the smoke test reads it: edits to it never break a test
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture(name: str) -> Path:
    """The file `tests/fixtures/<name>` ("seasons/ara-2026.yaml"): the one way tests name
    a fixture file, so a missing or misspelt one fails here, by name."""
    path = FIXTURES / name
    if not path.is_file():
        raise FileNotFoundError(f"no fixture file {name!r} in {FIXTURES}")
    return path


SEASON_2026 = fixture("seasons/ara-2026.yaml")  # the 2026 season
SEASON_2026_ONE_LAYOUT = fixture("seasons/ara-2026-one-season.yaml")  # as it was written
GOLDEN = FIXTURES / "golden"  # golden/season.yaml and the feeds it exports to, in expected/
GOLDEN_SEASON = fixture("golden/season.yaml")
ICALJS = Path(__file__).resolve().parent / "js"
EPOCH = 1767225600  # 2026-01-01T00:00:00Z


def require(condition: bool, reason: str) -> None:
    """Skip when a tool is missing here; fail in CI, where `.ci/run` installs it."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI installs it: see .ci/run)")
    pytest.skip(reason)


@contextlib.contextmanager
def epoch(seconds: int | None = EPOCH):
    """Run with SOURCE_DATE_EPOCH set (or unset, with None)."""
    before = os.environ.get("SOURCE_DATE_EPOCH")
    if seconds is None:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
    else:
        os.environ["SOURCE_DATE_EPOCH"] = str(seconds)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


def export(source: Path, out: Path, seconds: int | None = EPOCH, **options):
    """`rallycal.export.export` at a fixed export time."""
    from rallycal.export import export as run_export

    with epoch(seconds):
        return run_export(str(source), str(out), **options)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below `folder`, by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def ics_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.ics"))


def icaljs(paths: list[Path]) -> list[dict]:
    """What Mozilla's ical.js (Thunderbird's parser) reads in each file."""
    node = shutil.which("node")
    require(node is not None, "node is not installed (apt-get install nodejs npm)")
    require(
        (ICALJS / "node_modules" / "ical.js").is_dir(),
        "ical.js is not installed (run `npm ci` in tests/js)",
    )
    done = subprocess.run(
        [node, str(ICALJS / "parse.mjs"), *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


class os_with:  # lower case: it stands in for the `os` module
    """The `os` module with some functions replaced: patch it into one module's namespace
    (`monkeypatch.setattr(journal, "os", os_with(replace=failing))`) to make that module's
    file operations fail, and no one else's."""

    def __init__(self, **overrides: object) -> None:
        self.__dict__.update(overrides)

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)


def edit(source: Path, old: str, new: str) -> None:
    """Replace the one occurrence of `old` in the source file by `new`."""
    text = source.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    source.write_text(text.replace(old, new), encoding="utf-8")


def copy_source(tmp_path: Path, source: Path = SEASON_2026, name: str = "events.yaml") -> Path:
    target = tmp_path / name
    target.write_bytes(source.read_bytes())
    return target


def season(text: str) -> Season:
    """The latest season of a source given as text (it must be valid)."""
    from rallycal.source import parse

    return parse(text.encode(), "events.yaml").latest


def problems(text: str | bytes) -> list[str]:
    """Every problem of a source that must be refused, as `events.yaml:LINE:COL: message`."""
    from rallycal.errors import SourceError
    from rallycal.source import parse

    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(SourceError) as caught:
        parse(data, "events.yaml")
    return [p.format("events.yaml") for p in caught.value.problems]
