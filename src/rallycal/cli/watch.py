"""Watch a source file: call back whenever its content changes.

Content, not modification time: two saves within one tick of the file system's clock
can leave the time (and the size) unchanged, and a touch changes the time alone.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path

__all__ = ["Watcher", "digest_of"]


def digest_of(path: str | Path) -> str | None:
    """The sha256 of a regular file's bytes; None when it is missing, unreadable or not a
    regular file. Opened without blocking (a FIFO would wait for a writer) and checked on
    the open handle, so what is hashed is what was checked."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with open(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            return hashlib.sha256(handle.read()).hexdigest()
    except (OSError, ValueError):
        return None


class Watcher:
    """Polls `path` every `interval` seconds and calls `on_change()` when its content differs
    from the last look (a file that vanishes or becomes unreadable counts as a change).

    An exception from `on_change` goes to `on_error(exc)` and the watching goes on.
    """

    def __init__(
        self,
        path: str | Path,
        on_change: Callable[[], object],
        on_error: Callable[[Exception], object],
        interval: float = 0.5,
    ) -> None:
        self.path = path
        self.on_change = on_change
        self.on_error = on_error
        self.interval = interval
        self.digest = digest_of(path)  # now: a change saved right after is not missed

    def poll(self) -> bool:
        """Look once, calling back on a change; True when there was one."""
        digest = digest_of(self.path)
        if digest == self.digest:
            return False
        self.digest = digest
        try:
            self.on_change()
        except Exception as exc:  # the watcher outlives any failure of the callback
            self.on_error(exc)
        return True

    def run(self, stop: threading.Event) -> None:
        """Poll until `stop` is set (a thread's target)."""
        while not stop.wait(self.interval):
            self.poll()
