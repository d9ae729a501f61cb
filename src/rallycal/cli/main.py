"""The console entry point: the commands, with Ctrl-C said in one line, never a traceback.

The commands are imported inside `main`, so that an interrupt while they load is caught too."""

from __future__ import annotations

import sys


def main() -> None:
    """The console script: the commands, with Ctrl-C said in one line, never a traceback."""
    try:
        from rallycal.cli.commands import cli

        cli(prog_name="rallycal")
    except KeyboardInterrupt:
        print("\nInterrupted: nothing was written.", file=sys.stderr)
        sys.exit(130)
