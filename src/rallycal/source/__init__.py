"""Read the hand-edited events.yaml into a validated `Championship`, or explain all that is
wrong.

The reading follows the package's modules: `reader` turns bytes into YAML nodes that
keep their positions, `values` checks one value, `schema` holds every section's table
of keys, `championship` reads the file's layout and its seasons, `sections` and `rounds`
check each section against its table and build the model. Every problem found is collected
with its line and column before one `SourceError` reports them all.
"""

from __future__ import annotations

import os
import stat

import rallycal.source.reader as reader
from rallycal.errors import Problem, RallycalError, SourceError
from rallycal.model import Championship
from rallycal.source.championship import championship
from rallycal.source.reader import ALIASES, MAX_BYTES, Report, Stop
from rallycal.source.values import ID_RULE, normalise_base_url

__all__ = [
    "ALIASES",
    "ID_RULE",
    "MAX_BYTES",
    "load",
    "normalise_base_url",
    "parse",
    "read_source",
]

GIVE_PATH = "give the path of the season source"
EMPTY = "the file is empty: write the series and its seasons in it"


def read_source(path: str | os.PathLike[str]) -> bytes:
    """The bytes of the source file, for every command: the one reader of the source.

    Anything but a regular file is refused before it is opened (opening a FIFO waits
    for a writer), and the file is opened without blocking and checked again, in case
    it was swapped in between. At most one byte past `MAX_BYTES` is read, so the
    loader can say the file is too big without holding it all.
    """
    name = os.fspath(path)
    try:
        mode = os.stat(name).st_mode
        if not stat.S_ISREG(mode):
            raise _not_a_file(name, mode)
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as file:
            mode = os.fstat(file.fileno()).st_mode
            if not stat.S_ISREG(mode):
                raise _not_a_file(name, mode)
            return file.read(MAX_BYTES + 1)
    except (FileNotFoundError, NotADirectoryError):
        raise RallycalError(f"{name}: no such file; {GIVE_PATH}") from None
    except PermissionError:
        raise RallycalError(f"{name}: permission denied; {GIVE_PATH} you may read") from None
    except OSError as error:
        raise RallycalError(f"{name}: cannot read it: {error.strerror or error}") from None
    except ValueError:  # a NUL in the path
        raise RallycalError(f"{name!r}: not a valid path; {GIVE_PATH}") from None


def _not_a_file(name: str, mode: int) -> RallycalError:
    kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a pipe, device or socket)"
    return RallycalError(f"{name}: is {kind}; {GIVE_PATH}")


def load(path: str | os.PathLike[str]) -> Championship:
    """Read and validate the source file at `path`; messages name it as `str(path)`."""
    return parse(read_source(path), os.fspath(path))


def parse(data: bytes, filename: str) -> Championship:
    """Validate the source bytes; raise `SourceError` listing every problem found."""
    report = Report()
    try:
        root = reader.read(data, report)
        if root is None or (reader.is_null(root) and reader.given(root)):
            report.stop((1, 1), EMPTY)
        return championship(root, report)
    except Stop:
        pass
    except Exception as error:  # never a traceback: even a bug becomes a problem
        report.problems.append(
            Problem(1, 1, f"rallycal failed on this file ({type(error).__name__}: "
                    f"{error}); please report this bug")
        )
    raise SourceError(filename, report.problems)
