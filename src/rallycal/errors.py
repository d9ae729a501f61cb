"""The one home for rallycal's exceptions.

The command line turns each of these into a message and exit code 1; nothing else
in the library is expected to fail on valid input.
"""

from __future__ import annotations

from typing import NamedTuple


class RallycalError(Exception):
    """Base class: a failure explained to the user, never a bug."""


class Problem(NamedTuple):
    """One thing wrong with a source file, at a 1-based line and column."""

    line: int
    column: int
    message: str

    def format(self, filename: str) -> str:
        return f"{filename}:{self.line}:{self.column}: {self.message}"


class SourceError(RallycalError):
    """The source file is not a valid season; carries every problem found."""

    def __init__(self, filename: str, problems: list[Problem]) -> None:
        self.filename = filename
        self.problems = sorted(problems)
        super().__init__(self.report())

    def report(self) -> str:
        lines = [p.format(self.filename) for p in self.problems]
        count = len(self.problems)
        lines.append(f"{count} problem{'s' if count != 1 else ''} found in {self.filename}")
        return "\n".join(lines)


class PublishError(RallycalError):
    """The output folder could not be brought up to date; the message says in what state
    it is (as it was, unless undoing a failed change failed too)."""


class RemovalRefused(PublishError):
    """The export would make published events or feeds vanish."""
