"""One `journal.commit` of about 200 files in a child process, for tests/test_journal.py to
kill or interrupt part way.

    python tests/journal_child.py OUT

Environment: JOURNAL_CHILD_DELAY, seconds slept before each file-system step (none if
unset); JOURNAL_CHILD_KILL_AT, the step at which the child sends itself SIGKILL (never if
unset). fsync does not flush (see `_instrument`). Prints "ready" just before the commit,
then "committed <steps made>" or "interrupted old|new".
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from rallycal import journal

STEPS = ("open", "write", "fsync", "link", "replace", "unlink", "mkdir", "rmdir")


def old_tree() -> dict[str, bytes]:
    """The folder before the change: 180 feeds in three folders, and a few other files."""
    folders = ("", "class/", "2026/round/")
    tree = {f"{folders[i % 3]}f{i:03}.ics": b"old %d\n" % i * 40 for i in range(180)}
    tree.update({"feeds.json": b"{}", "index.html": b"<p>old</p>", ".hidden": b"kept"})
    return tree


def change() -> tuple[dict[str, bytes], list[str]]:
    """About 200 targets: 150 files replaced, 40 new ones (some in new folders), 12 deleted."""
    old = sorted(old_tree())
    writes = {path: b"new " + path.encode() * 30 for path in old[:150]}
    for i in range(40):
        folder = ("reminders/team/", "2027/round/", "")[i % 3]
        writes[f"{folder}n{i:02}.ics"] = b"brand new %d\n" % i
    return writes, old[160:172]


def new_tree() -> dict[str, bytes]:
    writes, deletes = change()
    tree = {**old_tree(), **writes}
    for path in deletes:
        del tree[path]
    return tree


def write_tree(root: Path, tree: dict[str, bytes]) -> None:
    for path, data in tree.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)


def _instrument(delay: float, kill_at: int) -> list[int]:
    """Count (and slow down, and die at) every file-system step the commit makes. fsync
    only checks its descriptor: a killed process loses nothing that is in the page cache
    (flushing matters for a power cut, which no test here makes), and a busy disk would
    make every test slow."""
    count = [0]
    for name in STEPS:
        real = os.fstat if name == "fsync" else getattr(os, name)

        def step(*args: Any, _real: Any = real, **kwargs: Any) -> Any:
            count[0] += 1
            if count[0] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            if delay:
                time.sleep(delay)
            return _real(*args, **kwargs)

        setattr(os, name, step)
    return count


def main() -> None:
    out = Path(sys.argv[1])
    writes, deletes = change()
    delay = float(os.environ.get("JOURNAL_CHILD_DELAY", "0"))
    count = _instrument(delay, int(os.environ.get("JOURNAL_CHILD_KILL_AT", "0")))
    print("ready", flush=True)
    try:
        journal.commit(out, writes, deletes)
    except journal.Interrupted as interrupted:
        print("interrupted", interrupted.state, flush=True)
    else:
        print("committed", count[0], flush=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # before or after the commit, not during it
        print("keyboard interrupt", flush=True)
