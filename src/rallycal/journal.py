"""Changing many files of one folder all or nothing, with crash recovery.

`os.replace` is atomic for one file, not for a folder, so `commit` works the way SQLite's
rollback journal does: (1) every new content goes to `<name>.rallycal-new` beside its
target; (2) every file to be replaced or deleted keeps its old version as a hard link
`<name>.rallycal-old`; (3) a journal listing every target reaches the disk; (4) the new
files are renamed into place, the deleted ones unlinked; (5) the journal is deleted: the
commit point. A failure undoes everything at once; a crash leaves the journal, from which
`recover` puts every old version back. Ctrl-C and SIGTERM stop a commit before step 3 or
wait for its end, so the folder holds all the old files or all the new ones.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import posixpath
import signal
import stat
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Literal, NamedTuple

from rallycal.errors import RallycalError

JOURNAL = ".rallycal-journal"
NEW, OLD = ".rallycal-new", ".rallycal-old"
TEMP_SUFFIXES = (NEW, OLD)  # the journal's own temporary file is JOURNAL + NEW
FILE_MODE = 0o644  # files a web server publishes
_NO_LINKS = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP}


class CommitError(RallycalError):
    """A change could not be made; the message says what failed and the folder's state."""


class Interrupted(Exception):
    """Ctrl-C or SIGTERM arrived during `commit`, which first brought the folder to a whole
    state: all its old files (`state == "old"`) or all the new ones."""

    def __init__(self, state: Literal["old", "new"], signum: int = signal.SIGINT) -> None:
        self.state, self.signum = state, signum
        super().__init__(
            "interrupted before any file was changed: the folder holds all its old files"
            if state == "old"
            else "interrupted once the change was complete: the folder holds all the new files"
        )


class _Entry(NamedTuple):
    """One target, as the journal lists it (paths relative to the folder)."""

    path: str
    new: str | None  # its temporary file; None for a delete
    old: str | None  # its kept old version; None if it did not exist


class _Change:
    """What a commit has made so far, so that it can be undone."""

    def __init__(self, out: Path) -> None:
        self.out = os.fspath(out)
        self.entries: list[_Entry] = []
        self.folders: list[str] = []  # folders created, parents first
        self.step = f"create the folder {out}"  # what is being done, for an error message

    def abs(self, path: str) -> str:
        return os.path.join(self.out, path)

    def failed(self, error: OSError | str, state: str = "") -> CommitError:
        """The error for `error`, saying the folder is in `state` (else as it was)."""
        if isinstance(error, OSError):
            error = f"could not {self.step}: {error.strerror or error}"
        state = state or f"the folder {self.out} was left exactly as it was"
        return CommitError(f"{error}; {state}")


def commit(out: Path, writes: Mapping[str, bytes], deletes: Iterable[str] = ()) -> list[str]:
    """Write every `writes` file and delete every `deletes` file of `out`, all or nothing;
    return the old versions that could not be removed once the change was made (`recover`
    removes them).

    Raises CommitError (the folder as it was, unless the message says otherwise) or
    Interrupted (the folder all old or all new, as its `state` says)."""
    targets: dict[str, bytes | None] = dict(writes)
    for path in deletes:
        if path in targets:
            raise ValueError(f"{path} is both written and deleted")
        targets[path] = None
    change = _Change(out)
    with _signals_as_flag() as arrived:
        journal = _prepare(change, targets, arrived)
        left = _apply(change, journal) if journal else []
    if arrived:
        raise Interrupted("new", arrived[0])
    return left


def recover(out: Path) -> str | None:
    """Undo an interrupted commit of `out` and remove its leftovers; say what was done in
    one line, or None if nothing was pending."""
    root, journal = os.fspath(out), os.path.join(out, JOURNAL)
    found, undone = os.path.lexists(journal), None
    try:
        if found:
            read = _read_journal(journal)
            if read is not None:  # complete: renames may have been made
                _undo(root, *read)
                _sync(root, _parents(*read))
                undone = len(read[0])
            os.unlink(journal)
            _sync(root, [""])
        leftovers = list(_leftovers(root))
        for path in leftovers:
            os.unlink(os.path.join(root, path))
    except OSError as error:
        raise CommitError(
            f"could not undo the interrupted export in {out}: {error.strerror or error}; "
            "the next export will try again"
        ) from None
    if undone is not None:
        files = f"{undone} file{'s' * (undone != 1)}"
        return f"an interrupted export was undone: {files} put back as they were"
    if found or leftovers:  # a partial journal, or none: the folder was whole
        return f"the temporary files of an interrupted export were removed ({len(leftovers)})"
    return None


def pending(out: Path) -> list[str]:
    """What an interrupted commit left in `out` (journal, temporary files); reads only."""
    found = [JOURNAL] if os.path.lexists(os.path.join(out, JOURNAL)) else []
    return found + sorted(_leftovers(os.fspath(out)))


def _prepare(change: _Change, targets: dict[str, bytes | None], arrived: list[int]) -> bytes:
    """Steps 1 to 3; return the journal (empty: nothing to change). A failure or an
    interrupt removes whatever was made, so the folder is as it was."""
    try:
        os.makedirs(change.out, exist_ok=True)
        if os.path.lexists(change.abs(JOURNAL)):
            raise change.failed(f"an interrupted export is pending in {change.out}: recover it")
        for path, data in targets.items():
            if arrived:
                raise Interrupted("old", arrived[0])
            _stage(change, path, data)
        if not change.entries:
            return b""
        change.step = "sync the new files to the disk"
        _sync(change.out, _parents(change.entries, change.folders))
        if arrived:
            raise Interrupted("old", arrived[0])
        change.step = "write the journal"
        journal = _journal(change.entries, change.folders)
        _write_journal(change.out, journal)
        return journal
    except BaseException as error:
        for name in (JOURNAL, JOURNAL + NEW) if change.entries else ():
            with contextlib.suppress(OSError):
                os.unlink(change.abs(name))
        _undo(change.out, change.entries, change.folders, restore=False)
        if isinstance(error, OSError):
            raise change.failed(error) from None
        raise


def _stage(change: _Change, path: str, data: bytes | None) -> None:
    """Steps 1 and 2 for one target: its new bytes beside it, its old version kept."""
    change.step = f"write {path}" if data is not None else f"delete {path}"
    parts = path.split("/")
    for folder in ("/".join(parts[:depth]) for depth in range(1, len(parts))):
        try:
            mode = os.lstat(change.abs(folder)).st_mode
        except FileNotFoundError:
            if data is None:
                return  # deleting in a folder that is not there
            os.mkdir(change.abs(folder))
            change.folders.append(folder)
            mode = stat.S_IFDIR
        _refuse(change, folder, mode, folder=True)
    try:
        mode = os.lstat(change.abs(path)).st_mode
    except FileNotFoundError:
        if data is None:
            return  # deleting a file that is not there
        change.entries.append(_Entry(path, path + NEW, None))
    else:
        _refuse(change, path, mode, folder=False)
        change.entries.append(_Entry(path, None if data is None else path + NEW, path + OLD))
    if data is not None:
        _write_file(change.abs(path + NEW), data, FILE_MODE)
    if change.entries[-1].old:
        change.step = f"keep the old version of {path}"
        with contextlib.suppress(FileNotFoundError):
            os.unlink(change.abs(path + OLD))  # a leftover of an earlier run
        try:
            os.link(change.abs(path), change.abs(path + OLD))
        except OSError as error:  # no hard links there: a copy
            if error.errno not in _NO_LINKS:
                raise
            old = Path(change.abs(path)).read_bytes()
            _write_file(change.abs(path + OLD), old, stat.S_IMODE(mode))


def _refuse(change: _Change, path: str, mode: int, folder: bool) -> None:
    """Never follow a symbolic link out of the folder, nor replace a folder."""
    if not (stat.S_ISDIR(mode) if folder else stat.S_ISREG(mode)):
        kind = "folder" if folder else "regular file"
        what = "a symbolic link" if stat.S_ISLNK(mode) else f"not a {kind}"
        raise change.failed(f"{change.abs(path)} is {what}: refusing to {change.step}")


def _apply(change: _Change, journal: bytes) -> list[str]:
    """Steps 4 and 5; a failure puts every old version back at once."""
    try:
        for entry in change.entries:
            change.step = f"replace {entry.path}" if entry.new else f"delete {entry.path}"
            if entry.new:
                os.replace(change.abs(entry.new), change.abs(entry.path))
            else:
                os.unlink(change.abs(entry.path))
        change.step = "sync the changed folders to the disk"
        _sync(change.out, _parents(change.entries, change.folders))
        change.step = "delete the journal"
        os.unlink(change.abs(JOURNAL))
        _sync(change.out, [""])
    except OSError as error:
        raise _rollback(change, journal, error) from None
    left = []
    for old in (entry.old for entry in change.entries if entry.old):
        try:
            os.unlink(change.abs(old))
        except OSError:  # a leftover, which `recover` removes
            left.append(old)
    return left


def _rollback(change: _Change, journal: bytes, error: OSError) -> CommitError:
    """Undo a commit that failed in step 4 or 5; the error says in what state the folder is."""
    try:
        if not os.path.lexists(change.abs(JOURNAL)):  # deleted but maybe not on the disk
            _write_journal(change.out, journal)
    except OSError:  # the change stands: all the new files are in place
        with contextlib.suppress(OSError):
            os.unlink(change.abs(JOURNAL + NEW))
        _undo(change.out, change.entries, [], restore=False)
        return change.failed(error, f"the folder {change.out} holds all the new files")
    try:
        _undo(change.out, change.entries, change.folders)
        _sync(change.out, _parents(change.entries, change.folders))
        os.unlink(change.abs(JOURNAL))
    except OSError as second:
        undoing = f"undoing it failed too ({second.strerror or second})"
        return change.failed(error, f"{undoing}: the next export will finish undoing it")
    with contextlib.suppress(OSError):  # all old either way: a journal back only undoes again
        _sync(change.out, [""])
    return change.failed(error)


def _undo(out: str, entries: list[_Entry], folders: list[str], restore: bool = True) -> None:
    """Put every old version back (if `restore`) and remove what the commit made."""
    for entry in entries if restore else ():
        with contextlib.suppress(FileNotFoundError):
            if entry.old:
                os.replace(os.path.join(out, entry.old), os.path.join(out, entry.path))
            else:
                os.unlink(os.path.join(out, entry.path))
    for name in (name for entry in entries for name in (entry.new, entry.old) if name):
        with contextlib.suppress(OSError):  # an old version replaced onto itself stays
            os.unlink(os.path.join(out, name))
    for folder in reversed(folders):
        with contextlib.suppress(OSError):  # not empty: someone else's now
            os.rmdir(os.path.join(out, folder))


def _journal(entries: list[_Entry], folders: list[str]) -> bytes:
    """JSON, then a line with its SHA-256, so that a partial journal is recognised."""
    body = json.dumps({"entries": [e._asdict() for e in entries], "folders": folders}).encode()
    return body + b"\nsha256 " + hashlib.sha256(body).hexdigest().encode() + b"\n"


def _read_journal(path: str) -> tuple[list[_Entry], list[str]] | None:
    """A complete journal's entries and created folders; None if it is partial."""
    if not stat.S_ISREG(os.lstat(path).st_mode):
        return None
    body, _, checksum = Path(path).read_bytes().rpartition(b"\nsha256 ")
    if checksum != hashlib.sha256(body).hexdigest().encode() + b"\n":
        return None
    try:
        doc = json.loads(body)
        entries = [_Entry(**entry) for entry in doc["entries"]]
    except (ValueError, TypeError, KeyError):
        return None
    named = [name for e in entries for name in (e.path, e.new, e.old) if name] + doc["folders"]
    if not all(_inside(name) for name in named):
        return None  # not one this module wrote: never acted upon
    for entry in entries:
        if entry.new not in (None, entry.path + NEW) or entry.old not in (None, entry.path + OLD):
            return None
    return entries, doc["folders"]


def _inside(path: object) -> bool:
    """Whether `path` is a plain relative path that stays inside the folder."""
    if not isinstance(path, str) or not path or path.startswith("/") or "\\" in path:
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))


def _write_journal(out: str, journal: bytes) -> None:
    """Step 3: the journal complete and on the disk, or not there at all."""
    _write_file(os.path.join(out, JOURNAL + NEW), journal, FILE_MODE)
    os.replace(os.path.join(out, JOURNAL + NEW), os.path.join(out, JOURNAL))
    _sync(out, [""])


def _write_file(path: str, data: bytes, mode: int) -> None:
    """A new file `path` holding `data` with permissions `mode`, on the disk."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)  # a leftover of an earlier run
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.chmod(path, mode)  # whatever the umask
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync(out: str, folders: Iterable[str]) -> None:
    """Get these folders' entries (names made, renamed, removed) to the disk."""
    for folder in sorted(folders) if os.name != "nt" else ():  # NTFS journals them itself
        with contextlib.suppress(FileNotFoundError):  # removed by an undo
            fd = os.open(os.path.join(out, folder), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _parents(entries: list[_Entry], folders: list[str]) -> set[str]:
    """The folders whose entries a change touches ("" is the folder itself)."""
    return {posixpath.dirname(p) for p in [*(e.path for e in entries), *folders]} | {""}


def _leftovers(root: str) -> Iterator[str]:
    """Temporary files and old versions anywhere under `root`, as relative paths."""
    for folder, _, names in os.walk(root):  # never into a symbolic link
        for name in names:
            if name.endswith(TEMP_SUFFIXES):
                yield os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/")


@contextlib.contextmanager
def _signals_as_flag() -> Iterator[list[int]]:
    """For the time of a commit, Ctrl-C and SIGTERM only note their arrival, so that the
    commit stops where the folder is whole (in the main thread; other threads get none)."""
    arrived: list[int] = []
    main = threading.current_thread() is threading.main_thread()
    watched = [
        s for s in (signal.SIGINT, signal.SIGTERM)
        if main and signal.getsignal(s) not in (signal.SIG_IGN, None)
    ]
    previous = {s: signal.signal(s, lambda signum, _: arrived.append(signum)) for s in watched}
    try:
        yield arrived
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
