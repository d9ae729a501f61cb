"""`rallycal serve`: export, then preview the output folder over HTTP.

The server is the standard library's, answering only what a static host would:

* GET and HEAD; any other standard method gets 405 with `Allow: GET, HEAD`
  (an unknown method gets 501, as the standard library answers).
* Only regular files inside the output folder. A path with a hidden segment (one
  starting with '.', which covers '..'), a backslash or a NUL byte once
  percent-decoded, or one that resolves (through symbolic links) outside the folder
  or to a hidden file answers 404; folders are never listed, `/` serves `index.html`.
* The content types calendar clients expect, a strong ETag (the sha256 of the
  content) and Last-Modified, 304 for a matching If-None-Match or (without one)
  If-Modified-Since, and `Cache-Control: no-cache` so clients always revalidate.

`--watch` polls the source and exports again whenever its content changes; a
source that fails to export is reported and the last good output stays served.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import socket
import sys
import threading
from datetime import timezone
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import click

from rallycal.errors import RallycalError
from rallycal.source import read_source

CONTENT_TYPES = {
    ".ics": "text/calendar; charset=utf-8",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
}
ALLOWED = "GET, HEAD"
POLL_SECONDS = 0.5


class PreviewServer(ThreadingHTTPServer):
    """Serves the files of one folder; `serve_forever()` in a thread, then `shutdown()`."""

    def __init__(self, root: str, host: str = "127.0.0.1", port: int = 8000) -> None:
        self.root = os.path.realpath(root)
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), PreviewHandler)

    @property
    def url(self) -> str:
        """The address to open in a browser."""
        host, port = self.server_address[:2]
        if host in ("0.0.0.0", "::"):
            host = "127.0.0.1" if host == "0.0.0.0" else "::1"
        return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"

    def file_for(self, target: str) -> str | None:
        """The regular file a request target names inside the folder, or None."""
        path = urlsplit(target).path
        if not path.startswith("/"):
            return None
        parts = [part for part in unquote(path, errors="replace").split("/") if part]
        if any(part.startswith(".") or "\\" in part or "\0" in part for part in parts):
            return None
        real = os.path.realpath(os.path.join(self.root, *parts))
        if os.path.isdir(real):
            real = os.path.realpath(os.path.join(real, "index.html"))
        if os.path.commonpath([self.root, real]) != self.root:
            return None
        inside = os.path.relpath(real, self.root).split(os.sep)
        if any(part.startswith(".") for part in inside) or not os.path.isfile(real):
            return None
        return real

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up early is no error worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class PreviewHandler(BaseHTTPRequestHandler):
    """One request: a file with its validators, 304, 404 or 405."""

    server: PreviewServer
    protocol_version = "HTTP/1.1"
    server_version = "rallycal-preview"
    timeout = 30  # an idle keep-alive connection gives up its thread

    def do_GET(self) -> None:
        path = self.server.file_for(self.path)
        if path is None:
            self._respond(HTTPStatus.NOT_FOUND, b"Not found\n")
            return
        try:
            with open(path, "rb") as handle:
                body = handle.read()
                mtime = os.fstat(handle.fileno()).st_mtime
        except OSError:
            self._respond(HTTPStatus.NOT_FOUND, b"Not found\n")
            return
        validators = {
            "ETag": f'"{hashlib.sha256(body).hexdigest()}"',
            "Last-Modified": formatdate(mtime, usegmt=True),
        }
        if self._not_modified(validators["ETag"], int(mtime)):
            self._respond(HTTPStatus.NOT_MODIFIED, b"", validators)
            return
        content_type = CONTENT_TYPES.get(Path(path).suffix, "application/octet-stream")
        self._respond(HTTPStatus.OK, body, {"Content-Type": content_type, **validators})

    do_HEAD = do_GET

    def _not_allowed(self) -> None:
        self._respond(HTTPStatus.METHOD_NOT_ALLOWED, b"Only GET and HEAD\n", {"Allow": ALLOWED})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _not_allowed

    def _not_modified(self, etag: str, mtime: int) -> bool:
        """RFC 9110 section 13.2.2: If-None-Match decides when present, else If-Modified-Since."""
        if_none_match = self.headers.get_all("If-None-Match")
        if if_none_match:
            tags = {tag.strip().removeprefix("W/") for tag in ",".join(if_none_match).split(",")}
            return "*" in tags or etag in tags
        since = self.headers.get("If-Modified-Since")
        if since is None:
            return False
        try:
            date = parsedate_to_datetime(since)
        except (TypeError, ValueError, IndexError):
            return False  # not a date: the condition is ignored
        return mtime <= date.replace(tzinfo=date.tzinfo or timezone.utc).timestamp()

    def _respond(self, status: HTTPStatus, body: bytes, headers: dict[str, str] | None = None) -> None:
        headers = {**(headers or {}), "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
        if status != HTTPStatus.NOT_MODIFIED:  # a 304 has no body: no type, no length
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
            headers["Content-Length"] = str(len(body))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def make_server(root: str, host: str = "127.0.0.1", port: int = 8000) -> PreviewServer:
    """A server for `root`, bound and listening (port 0: any free port); failures explained."""
    try:
        return PreviewServer(root, host, port)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise RallycalError(
                f"cannot serve on {host}:{port}: the port is in use; "
                "stop the other server or choose another with --port"
            ) from None
        reason = error.strerror or str(error)
        raise RallycalError(f"cannot serve on {host}:{port}: {reason}") from None


class Watcher:
    """Exports the source again whenever its content changes.

    It compares the content's hash rather than the modification time, which can
    miss two saves within one tick of the file system's clock.
    """

    def __init__(self, source: str, out_dir: str, base_url: str | None = None) -> None:
        self.source = source
        self.out_dir = out_dir
        self.base_url = base_url
        self._digest = self._content_digest()

    def poll(self) -> None:
        """Export if the source's content changed since the last look; say what happened."""
        digest = self._content_digest()
        if digest != self._digest:
            self._digest = digest
            export_and_report(self.source, self.out_dir, self.base_url, again=True)

    def run(self, stop: threading.Event, interval: float = POLL_SECONDS) -> None:
        """Poll until `stop` is set."""
        while not stop.wait(interval):
            self.poll()

    def _content_digest(self) -> str | None:
        with contextlib.suppress(RallycalError):
            return hashlib.sha256(read_source(self.source)).hexdigest()
        return None


def export_and_report(source: str, out_dir: str, base_url: str | None, *, again: bool) -> None:
    """Export and print the changes; when `again`, a failure is printed, not raised."""
    from rallycal.publish import export
    from rallycal.report import change_lines

    try:
        outcome = export(source, out_dir, base_url=base_url)
    except RallycalError as error:
        if not again:
            raise
        click.echo(str(error), err=True)
        click.echo(f"Still serving the last good export in {out_dir}.", err=True)
        return
    files = len(outcome.written) + len(outcome.removed)
    click.echo(f"Exported {source} into {out_dir}: {files} file{'s' if files != 1 else ''} changed.")
    for line in change_lines(outcome):
        click.echo(f"  {line}")


def serve(
    source: str,
    out_dir: str,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    watch: bool = False,
    base_url: str | None = None,
) -> None:
    """Export, then serve `out_dir` until Ctrl-C; with `watch`, export again on every change."""
    # Read before the first export, so that a change saved during it is not missed.
    watcher = Watcher(source, out_dir, base_url) if watch else None
    server = make_server(out_dir, host, port)  # first: a busy port fails before any export
    stop = threading.Event()
    try:
        export_and_report(source, out_dir, base_url, again=False)
        if watcher:
            threading.Thread(target=watcher.run, args=(stop,), daemon=True).start()
        click.echo(f"Serving {out_dir} at {server.url} (Ctrl-C to stop).")
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
