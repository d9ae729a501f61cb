"""Changing many files of one folder all or nothing, and durably.

`os.replace` is atomic for one file, not for a folder, so `apply` makes a folder-wide
change out of single-file steps it can undo:

1. Every target is checked first (a folder where a file should be, a symbolic link,
   an immutable or append-only file, a folder that is not a real folder): any of these
   stops the change before anything is written.
2. Every new content goes to a temporary file beside its target.
3. The temporary files reach the disk (see `Durability`), then each is moved into
   place; before a file is replaced or deleted, a hard link to its old version is kept
   (or its bytes, where the file system has no hard links).
4. The folder entries reach the disk; the change is then done and the old versions go.

Any failure in steps 2 to 4 moves every old version back, deletes what was new and
removes the temporary files, so the folder is exactly as it was; the error says so,
or, if undoing failed too, which file is in which state.
"""

from __future__ import annotations

import array
import contextlib
import errno
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

from rallycal.durability import Durability
from rallycal.errors import PublishError

if sys.platform != "win32":
    import fcntl

TEMP_SUFFIX = ".rallycal-tmp"  # temporary files and kept old versions: swept by the next export
FILE_MODE = 0o644  # files a web server publishes (mkstemp makes 0600)
_IMMUTABLE = 0x10 | 0x20  # Linux FS_IMMUTABLE_FL | FS_APPEND_FL
_GET_FLAGS = 0x80086601  # Linux FS_IOC_GETFLAGS
_NO_LINKS = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP}
_MISSING = {errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP}  # as `Path.is_dir` ignores


class _Done:
    """One step taken, and how to undo it (plain classes: cheaper to create than dataclasses)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.link: str | None = None  # a hard link to the old version
        self.old: bytes | None = None  # or its bytes; neither: the file is new


class _Change:
    """Paths as strings: half the cost of `Path` objects, for every file written."""

    def __init__(self, out: Path) -> None:
        self.out = os.fspath(out)
        self.temps: dict[str, str] = {}
        self.created: list[str] = []  # folders made for new files
        self.done: list[_Done] = []
        self.folders: set[str] = set()  # folders whose entries changed
        self.known: set[str] = set()  # folders known to be there, real
        self.devices: dict[str, int] = {}  # each folder's file system, once stat'ed


def apply(out: Path, changes: list[tuple[str, bytes | None]]) -> None:
    """Write (bytes) or delete (None) each relative path under `out`, in order, all or nothing."""
    check_targets(out, changes)
    staged = Staged(out, checked=True)
    for path, data in changes:
        if data is None:
            staged.delete(path)
        else:
            staged.write(path, data)
    staged.commit()


class Staged:
    """A change of `out` made a file at a time and applied at once (`commit`).

    `write` puts a file's new bytes in a temporary file beside it straight away, so a
    caller can let go of them; nothing in place changes before `commit`. A failure
    at any step, or `abort`, removes every temporary file and folder made, and a
    failure while committing also moves every old version back: the folder is then
    exactly as it was.
    """

    def __init__(self, out: Path, *, checked: bool = False) -> None:
        self.change = _Change(out)
        self.steps: list[tuple[str, bool]] = []  # (path, write) in the order to apply
        self._checked = checked  # the targets were checked all at once beforehand
        self._checked_folders: set[str] = set()

    def write(self, path: str, data: bytes) -> None:
        """Stage new bytes for `path` (a temporary file now, the target at `commit`)."""
        if not self._checked:
            self._check(path, data)
        try:
            _write_temp(self.change, path, data)
        except OSError as error:
            raise PublishError(_failure(self.change, ("write", path), error)) from None
        except BaseException:
            _undo(self.change)
            raise
        self.steps.append((path, True))

    def delete(self, path: str) -> None:
        """Stage the removal of `path`."""
        if not self._checked:
            self._check(path, None)
        self.steps.append((path, False))

    def commit(self) -> None:
        """Move every staged file into place, durably; all or nothing."""
        change = self.change
        step = ("save", "the new files to the disk")
        try:
            _sync(change, entries=False)
            for path, write in self.steps:
                step = ("replace" if write else "delete", path)
                _move(change, path, write)
            step = ("save", "the folder's entries to the disk")
            _sync(change, entries=True)
        except OSError as error:
            raise PublishError(_failure(change, step, error)) from None
        except BaseException:  # interrupted: undo, then let it through
            _undo(change)
            raise
        for done in change.done:
            if done.link is not None:
                with contextlib.suppress(OSError):
                    os.unlink(done.link)

    def abort(self) -> None:
        """Drop everything staged: the folder stays exactly as it was."""
        _undo(self.change)

    def _check(self, path: str, data: bytes | None) -> None:
        try:
            check_targets(self.change.out, [(path, data)], self._checked_folders)
        except PublishError:
            _undo(self.change)
            raise


def check_targets(
    out: str | os.PathLike[str],
    changes: list[tuple[str, bytes | None]],
    known: set[str] | None = None,
) -> None:
    """Refuse, before anything is written, a change that could only fail halfway.

    `known`: folders already found to be real folders (skipped, and added to)."""
    known = set() if known is None else known
    root = os.fspath(out)
    for path, data in changes:
        target = _target(root, path)
        for folder in _inner_folders(root, path):
            if folder in known:
                continue
            try:
                mode = os.lstat(folder).st_mode
            except OSError as error:
                if error.errno in _MISSING:  # made when the file is written
                    continue
                raise
            if stat.S_ISDIR(mode):
                known.add(folder)
            elif stat.S_ISLNK(mode):
                raise PublishError(
                    f"refusing to write {target}: {folder} is a symbolic link; "
                    "nothing was written"
                )
            else:
                raise PublishError(f"{out}: cannot write {path}: {folder} is not a folder; "
                                   f"nothing was written")
        try:
            info = os.lstat(target)
        except FileNotFoundError:
            continue
        except OSError as error:
            raise PublishError(f"{out}: cannot write {path}: {error.strerror}; "
                               "nothing was written") from None
        what = "replace" if data is not None else "delete"
        if stat.S_ISDIR(info.st_mode):
            problem = "a folder is in its place"
        elif not stat.S_ISREG(info.st_mode):
            problem = "it is not a regular file (a symbolic link or a special file)"
        elif _immutable(target, info):
            problem = "it is marked immutable or append-only (chattr -i / chflags)"
        else:
            continue
        raise PublishError(f"{out}: cannot {what} {path}: {problem}; nothing was written")


def temp_files(folder: Path) -> Iterator[Path]:
    """The temporary files (and kept old versions) an interrupted change left in `folder`."""
    yield from folder.glob(f".*{TEMP_SUFFIX}")


def _write_temp(change: _Change, path: str, data: bytes) -> str:
    target = _target(change.out, path)
    for folder in _inner_folders(change.out, path):
        if folder not in change.known and not os.path.exists(folder):
            os.mkdir(folder)
            change.created.append(folder)
            change.folders.update((folder, os.path.dirname(folder)))
        change.known.add(folder)
    temp = _fresh_name(target)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    change.temps[path] = temp
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fchmod(fd, FILE_MODE)
        if not Durability.whole_file_system:
            os.fsync(fd)
    finally:
        os.close(fd)
    return temp


def _target(out: str, path: str) -> str:
    """The file `path` names under `out`, as `Path(out) / path` spells it."""
    if _plain(path):
        return os.path.join(out, path)
    return str(Path(out) / path)


def _plain(path: str) -> bool:
    """Whether `path` is relative names joined by "/": joined as text, it is normalised."""
    parts = path.split("/")
    return "" not in parts and "." not in parts and ".." not in parts and "\\" not in path


def _inner_folders(out: str, path: str) -> list[str]:
    """The folders between `out` and the file `path` names, outermost first."""
    parts = path.split("/")[:-1]
    if not _plain(path):  # as `Path` reads it
        root, target = Path(out), Path(out) / path
        if ".." in parts or path.startswith("/") or "\\" in path:
            return [str(f) for f in reversed(target.parents) if f != root and root in f.parents]
        return [str(root.joinpath(*parts[: index + 1])) for index in range(len(parts))]
    folders = [out]
    for part in parts:
        folders.append(os.path.join(folders[-1], part))
    return folders[1:]


def _move(change: _Change, path: str, write: bool) -> None:
    target = _target(change.out, path)
    done = _Done(path)
    if os.path.lexists(target):
        done.link = _fresh_name(target)
        try:
            os.link(target, done.link, follow_symlinks=False)
        except OSError as error:
            if error.errno not in _NO_LINKS:
                raise
            done.link = None
            done.old = _read(target)
    change.done.append(done)
    change.folders.add(os.path.dirname(target))
    if write:
        os.replace(change.temps[path], target)
        del change.temps[path]
    else:
        os.unlink(target)


def _sync(change: _Change, *, entries: bool) -> None:
    """Make the new files (then, with `entries`, the folder entries) durable, the cheaper
    way available: one syncfs per file system, or (files fsynced as written) each folder."""
    if Durability.whole_file_system:
        known, devices = change.devices, dict[int, str]()  # each folder stat'ed once
        for folder in {change.out, *change.folders}:
            if folder not in known:
                known[folder] = os.stat(folder).st_dev
            devices.setdefault(known[folder], folder)
        for folder in devices.values():
            Durability.syncfs(folder)
    elif entries:
        for folder in sorted(change.folders | {change.out}):
            fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _failure(change: _Change, step: tuple[str, str], error: OSError) -> str:
    """Undo every step taken, and say truthfully what state the folder is in."""
    verb, path = step
    reason = f"{change.out}: cannot {verb} {path}: {error.strerror or error}"
    stuck = _undo(change)
    if not stuck:
        return f"{reason}; {change.out} was left exactly as it was"
    lines = [f"{reason}; undoing the export failed too, so {change.out} is NOT as it was:"]
    lines += [f"  {line}" for line in stuck]
    lines.append("Restore these files from the kept copies (or from version control) "
                 "before exporting again: the next export removes leftover temporary files.")
    return "\n".join(lines)


def _undo(change: _Change) -> list[str]:
    """Put every old version back; what could not be, said file by file."""
    stuck: list[str] = []
    for done in reversed(change.done):
        target = _target(change.out, done.path)
        if _still_old(target, done):  # the failing step had not reached this file
            if done.link is not None:
                with contextlib.suppress(OSError):
                    os.unlink(done.link)
            continue
        try:
            _restore(target, done)
        except OSError as error:
            kept = f" (the old version is kept in {done.link})" if done.link else ""
            now = "the new version" if os.path.lexists(target) else "missing"
            stuck.append(f"{done.path}: {now}, not restored: {error.strerror or error}{kept}")
    for temp in change.temps.values():
        with contextlib.suppress(OSError):
            os.unlink(temp)
    for folder in reversed(change.created):
        try:
            os.rmdir(folder)
        except OSError as error:
            stuck.append(f"{folder}: a folder this export made, not removed: {error.strerror}")
    with contextlib.suppress(OSError):
        _sync(change, entries=True)
    return stuck


def _restore(target: str, done: _Done) -> None:
    if done.link is not None:
        os.replace(done.link, target)
    elif done.old is not None:
        temp = _fresh_name(target)
        try:
            with open(temp, "wb") as file:
                file.write(done.old)
            os.chmod(temp, FILE_MODE)
            os.replace(temp, target)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
    else:
        os.unlink(target)


def _still_old(target: str, done: _Done) -> bool:
    try:
        if done.link is not None:
            return os.path.samefile(target, done.link)
        if done.old is not None:
            return _read(target) == done.old
        return not os.path.lexists(target)
    except OSError:
        return False


def _read(path: str) -> bytes:
    with open(path, "rb") as file:
        return file.read()


def _fresh_name(target: str) -> str:
    folder, name = os.path.split(target)
    return os.path.join(folder, f".{name}.{os.urandom(4).hex()}{TEMP_SUFFIX}")


def _immutable(target: str, info: os.stat_result) -> bool:
    """Whether the file's flags forbid replacing it (Linux attributes, BSD/macOS flags)."""
    flags = getattr(info, "st_flags", 0)
    if flags & (stat.UF_IMMUTABLE | stat.UF_APPEND | stat.SF_IMMUTABLE | stat.SF_APPEND):
        return True
    if sys.platform != "linux":
        return False
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        buffer = array.array("l", [0])
        fcntl.ioctl(fd, _GET_FLAGS, buffer, True)
        return bool(buffer[0] & _IMMUTABLE)
    except OSError:
        return False
    finally:
        os.close(fd)
