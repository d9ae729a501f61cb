"""`rallycal serve`: export into a preview folder and serve it until Ctrl-C.

By default the preview folder is a temporary copy of `dist/`, so the preview shows
exactly what the next export would publish (the same SEQUENCEs and news) while the
committed output and its record are never written; `--out` exports into a folder of
the user's choosing instead.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable

import click

from rallycal.cli.serve import make_server, url_of
from rallycal.cli.watch import Watcher
from rallycal.errors import RallycalError

PUBLISHED = "dist"  # the folder a preview starts from by default


def preview(
    source: str,
    out_dir: str | None,
    run_export: Callable[[str], object],
    *,
    host: str,
    port: int,
    watch: bool,
) -> None:
    """Export with `run_export(folder)` and serve the folder; with `watch`, export again
    whenever the source's content changes, keeping the last good output served."""
    with tempfile.TemporaryDirectory(prefix="rallycal-preview-") as scratch:
        folder = out_dir if out_dir is not None else os.path.join(scratch, "site")
        if out_dir is None and os.path.isdir(PUBLISHED):
            # Whole, an interrupted export's journal and old versions included: the
            # preview's export then undoes it in the copy, as `export` would in dist.
            try:
                shutil.copytree(PUBLISHED, folder, symlinks=True)
            except (OSError, shutil.Error) as error:
                raise RallycalError(f"cannot copy {PUBLISHED} for the preview: {error}") from None
        os.makedirs(folder, exist_ok=True)
        watcher = Watcher(source, lambda: _again(run_export, folder), _failed) if watch else None
        try:
            server = make_server(folder, host, port)  # first: a busy port fails before exporting
        except OSError as error:
            if error.errno == 98 or "in use" in str(error):
                raise RallycalError(
                    f"cannot serve on {host}:{port}: the port is in use; "
                    "stop the other server or choose another with --port"
                ) from None
            reason = error.strerror or str(error)
            raise RallycalError(f"cannot serve on {host}:{port}: {reason}") from None
        stop = threading.Event()
        stops = {signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM)}  # as Ctrl-C does
        before = {signum: signal.signal(signum, _interrupt) for signum in stops}
        try:
            run_export(folder)
            if watcher:
                threading.Thread(target=watcher.run, args=(stop,), daemon=True).start()
            where = "a temporary copy of dist" if out_dir is None else folder
            click.echo(f"Serving {where} at {url_of(server)} (Ctrl-C to stop).")
            if host in ("0.0.0.0", "::"):
                click.echo("Other devices on the network reach it at this computer's address.")
            if watcher:
                click.echo(f"Watching {source}: every saved change is exported again.")
            server.serve_forever()
        except KeyboardInterrupt:
            click.echo("\nStopped.")
        finally:
            stop.set()
            server.server_close()
            for signum, handler in before.items():
                signal.signal(signum, handler)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _again(run_export: Callable[[str], object], folder: str) -> None:
    click.echo("Source changed: exporting again.")
    run_export(folder)
    click.echo("Exported; the preview shows it.")


def _failed(error: Exception) -> None:
    """A failed re-export is printed; the last good output stays served."""
    if isinstance(error, click.ClickException):
        click.echo(error.format_message(), err=True)
    elif isinstance(error, RallycalError):
        click.echo(str(error), err=True)
    else:
        click.echo(f"the export failed unexpectedly: {type(error).__name__}: {error}", err=True)
    click.echo("The last good output is still served.", err=True)

