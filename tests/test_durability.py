"""`Durability`: how an export's files reach the disk."""

from __future__ import annotations

from rallycal import durability
from rallycal.durability import Durability


def test_without_syncfs_every_file_system_is_flushed(tmp_path, monkeypatch):
    """A C library without syncfs still gets the changes to the disk, never a failure."""
    synced: list[bool] = []
    monkeypatch.setattr(durability, "_libc", lambda: None)
    monkeypatch.setattr(durability.os, "sync", lambda: synced.append(True))
    Durability.syncfs(tmp_path)
    assert synced == [True]
