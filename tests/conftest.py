"""Fixtures shared by every test module (keep this small)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def shipped() -> Path:
    """The events.yaml the project ships."""
    return ROOT / "events.yaml"
