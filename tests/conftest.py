"""Fixtures shared by every test module (keep this small)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """A season file named events.yaml in a folder of its own: the 2026 fixture season."""
    target = tmp_path / "events.yaml"
    target.write_bytes((ROOT / "tests" / "fixtures" / "seasons" / "ara-2026.yaml").read_bytes())
    return target
