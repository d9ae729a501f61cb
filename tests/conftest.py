"""Fixtures shared by every test module (keep this small)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import copy_source


@pytest.fixture(autouse=True, scope="session")
def _render_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Exports keep their render cache in a folder of the test run, not the user's."""
    import os

    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture
def season_2026(tmp_path: Path) -> Path:
    """The 2026 fixture season (tests/fixtures/seasons/ara-2026.yaml), copied as events.yaml
    into a folder of its own."""
    return copy_source(tmp_path)
