"""Read the hand-edited events.yaml into a validated `Season`, or explain all that is wrong.

The reading follows the package's modules: `reader` turns bytes into YAML nodes that
keep their positions, `values` checks one value, `sections` checks each section
against its table of keys and builds the model. Every problem found is collected
with its line and column before one `SourceError` reports them all.
"""

from __future__ import annotations

import os

from rallycal.errors import Problem, RallycalError, SourceError
from rallycal.model import Season
from rallycal.source import reader, sections
from rallycal.source.reader import ALIASES, MAX_BYTES, Report, Stop
from rallycal.source.values import ID_RULE, normalise_base_url

__all__ = ["ALIASES", "ID_RULE", "MAX_BYTES", "load", "normalise_base_url", "parse"]

EMPTY = "the file is empty: write the series, classes, rounds and teams sections in it"


def load(path: str | os.PathLike[str]) -> Season:
    """Read and validate the source file at `path`; messages name it as `str(path)`."""
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_BYTES + 1)
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise RallycalError(f"{path}: cannot read the source: {reason}") from None
    return parse(data, str(path))


def parse(data: bytes, filename: str) -> Season:
    """Validate the source bytes; raise `SourceError` listing every problem found."""
    report = Report()
    try:
        root = reader.read(data, report)
        if root is None or (reader.is_null(root) and reader.given(root)):
            report.stop((1, 1), EMPTY)
        return sections.season(root, report)
    except Stop:
        pass
    except Exception as error:  # never a traceback: even a bug becomes a problem
        report.problems.append(
            Problem(1, 1, f"rallycal failed on this file ({type(error).__name__}: {error}); "
                    "please report this bug")
        )
    raise SourceError(filename, report.problems)
