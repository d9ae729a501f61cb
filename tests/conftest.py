"""Fixtures shared by every test module (keep this small)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def _render_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Exports keep their render cache in a folder of the test run, not the user's."""
    import os

    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """A season file named events.yaml in a folder of its own: the 2026 fixture season."""
    target = tmp_path / "events.yaml"
    target.write_bytes((ROOT / "tests" / "fixtures" / "seasons" / "ara-2026.yaml").read_bytes())
    return target
