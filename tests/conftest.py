"""Fixtures shared by every test module (keep this small)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import copy_source, export


@pytest.fixture
def season_2026(tmp_path: Path) -> Path:
    """The 2026 fixture season (tests/fixtures/seasons/ara-2026.yaml), copied as events.yaml
    into a folder of its own."""
    return copy_source(tmp_path)


@pytest.fixture
def published(tmp_path: Path) -> tuple[Path, Path]:
    """The 2026 fixture season, exported once: the source and the output folder."""
    source = copy_source(tmp_path)
    out = tmp_path / "dist"
    export(source, out)
    return source, out
