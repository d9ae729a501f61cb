"""`rallycal serve --watch`: export again whenever the source's content changes.

A source that fails to export, for whatever reason, is reported and the last good
output stays served: nothing that goes wrong here stops the watching.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time

import click

from rallycal.errors import RallycalError
from rallycal.source import read_source

POLL_SECONDS = 0.5
SETTLE_SECONDS = 3.0  # a source modified this recently is hashed even if its stat is unchanged


class Watcher:
    """Exports the source again whenever its content changes.

    It compares the content's hash rather than the modification time, which can
    miss two saves within one tick of the file system's clock.
    """

    def __init__(
        self,
        source: str,
        out_dir: str,
        base_url: str | None = None,
        allow_removal: bool = False,
        retry: str | None = None,
    ) -> None:
        self.source = source
        self.out_dir = out_dir
        self.base_url = base_url
        self.allow_removal = allow_removal
        self.retry = retry
        self._stat: tuple[int, int, int, int] | None = None
        self._digest = self._content_digest()

    def poll(self) -> None:
        """Export if the source's content changed since the last look; say what happened.

        Nothing that goes wrong here stops the watching: the error is printed and the
        last good output stays served.
        """
        try:
            digest = self._content_digest()
            if digest != self._digest:
                self._digest = digest
                export_and_report(
                    self.source, self.out_dir, self.base_url, again=True,
                    allow_removal=self.allow_removal, retry=self.retry,
                )
        except Exception as error:  # the watcher must outlive any failure
            _report_failure(error, self.out_dir)

    def run(self, stop: threading.Event, interval: float = POLL_SECONDS) -> None:
        """Poll until `stop` is set."""
        while not stop.wait(interval):
            self.poll()

    def _content_digest(self) -> str | None:
        """The source's sha256; None when it cannot be read (`read_source` says why on export).

        The source is read as every command reads it (`read_source`: only a regular file,
        never more than the size limit). A source whose size, modification time and inode
        are unchanged and which was last modified long enough ago is not read again.
        """
        try:
            status = os.stat(self.source)
        except (OSError, ValueError):
            status = None
        key = None if status is None else (
            status.st_size, status.st_mtime_ns, status.st_ino, status.st_dev
        )
        if status is not None and key == self._stat and (
            time.time() - status.st_mtime > SETTLE_SECONDS
        ):
            return self._digest
        self._stat = key
        try:
            return hashlib.sha256(read_source(self.source)).hexdigest()
        except RallycalError:
            return None


def export_and_report(
    source: str,
    out_dir: str,
    base_url: str | None,
    *,
    again: bool,
    allow_removal: bool = False,
    retry: str | None = None,
) -> None:
    """Export and print the changes; when `again`, a failure is printed, not raised.

    `retry`, when given, replaces a refused removal's generic way on.
    """
    from rallycal.publish import RETRY, export
    from rallycal.report import change_lines

    try:
        outcome = export(source, out_dir, base_url=base_url, allow_removal=allow_removal)
    except RallycalError as error:
        if not again:
            raise
        message = str(error)
        if retry:
            message = message.replace(RETRY, f"To remove them anyway, {retry}.")
        click.echo(message, err=True)
        click.echo(f"Still serving the last good export in {out_dir}.", err=True)
        return
    except Exception as error:
        if not again:
            raise
        _report_failure(error, out_dir)
        return
    files = len(outcome.written) + len(outcome.removed)
    plural = "s" if files != 1 else ""
    click.echo(f"Exported {source} into {out_dir}: {files} file{plural} changed.")
    for line in change_lines(outcome):
        click.echo(f"  {line}")


def _report_failure(error: Exception, out_dir: str) -> None:
    """An unexpected failure of a re-export, in one line: the server goes on."""
    click.echo(
        f"rallycal failed while exporting again ({type(error).__name__}: {error}); "
        "please report this bug.",
        err=True,
    )
    click.echo(f"Still serving the last good export in {out_dir}.", err=True)
