"""Fixtures shared by every test module (keep this small)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import copy_source


@pytest.fixture
def season_2026(tmp_path: Path) -> Path:
    """The 2026 fixture season (tests/fixtures/seasons/ara-2026.yaml), copied as events.yaml
    into a folder of its own."""
    return copy_source(tmp_path)
