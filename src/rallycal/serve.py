"""`rallycal serve`: export, then preview the output folder over HTTP.

The server is the standard library's, answering only what a static host would:

* GET and HEAD; any other standard method gets 405 with `Allow: GET, HEAD`
  (an unknown method gets 501, as the standard library answers).
* Only regular files inside the output folder. A path with a hidden segment (one
  starting with '.', which covers '..'), a backslash or a NUL byte once
  percent-decoded, or one that resolves (through symbolic links) outside the folder
  or to a hidden file answers 404; folders are never listed, `/` serves `index.html`.
* The content types calendar clients expect, a strong ETag (the sha256 of the
  content, computed once per version of a file: its size, modification time and
  inode) and Last-Modified, 304 for a matching If-None-Match or (without one)
  If-Modified-Since, and `Cache-Control: no-cache` so clients always revalidate.
* Each response leaves in one write (and with Nagle's algorithm off), so a reused
  connection never waits on a delayed ACK. HTTP/1.1 connections stay open unless the
  client says `Connection: close`; HTTP/1.0 ones close unless the client asks for
  `Connection: keep-alive`, which the answer then confirms. A request body is read and
  dropped (up to `BODY_LIMIT`; past it, or chunked, the connection closes after the
  answer), so it is never taken for the next request.

`--watch` polls the source and exports again whenever its content changes; a
source that fails to export, for whatever reason, is reported and the last good
output stays served.
"""

from __future__ import annotations

import errno
import hashlib
import os
import socket
import stat
import sys
import threading
from dataclasses import dataclass
from datetime import timezone
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

import click

from rallycal.errors import RallycalError
from rallycal.watch import Watcher, export_and_report

__all__ = ["PreviewServer", "Watcher", "make_server", "serve"]

CONTENT_TYPES = {
    ".ics": "text/calendar; charset=utf-8",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
}
ALLOWED = "GET, HEAD"
BODY_LIMIT = 64 * 1024  # bytes of a request body read and dropped; more closes the connection
ONE_WRITE_LIMIT = 1 << 20  # bodies up to this size leave in the same write as the headers
LISTEN_BACKLOG = 128
KEEP_FILE_LIMIT = 1 << 20  # files up to this size are kept in memory, by version
KEEP_LIMIT = 64 << 20  # and no more than this in all


@dataclass(frozen=True)
class Version:
    """One version of a served file: what identifies it on disk, its validators, and its
    content when small enough to keep."""

    key: tuple[int, int, int, int]  # size, mtime_ns, inode, device
    etag: str
    last_modified: str
    mtime: int
    body: bytes | None


def _key(status: os.stat_result) -> tuple[int, int, int, int]:
    return (status.st_size, status.st_mtime_ns, status.st_ino, status.st_dev)


class PreviewServer(ThreadingHTTPServer):
    """Serves the files of one folder; `serve_forever()` in a thread, then `shutdown()`."""

    request_queue_size = LISTEN_BACKLOG  # the standard library's 5 makes a crowd wait on retries

    def __init__(self, root: str, host: str = "127.0.0.1", port: int = 8000) -> None:
        self.root = os.path.realpath(root)
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.versions: dict[str, Version] = {}  # by real path: each file hashed once per version
        self._kept = 0  # bytes of content held in `versions`
        self._lock = threading.Lock()
        super().__init__((host, port), PreviewHandler)

    def version(self, path: str, status: os.stat_result) -> Version:
        """The version of a file whose status is `status`: known, or read and hashed now."""
        known = self.versions.get(path)
        if known is not None and known.key == _key(status):
            return known
        body, actual = _read(path)
        return self.remember(path, body, actual)

    def remember(self, path: str, body: bytes, status: os.stat_result) -> Version:
        """A version just read: hashed once, and its content kept if there is room."""
        with self._lock:
            old = self.versions.get(path)
            if old is not None and old.body is not None:
                self._kept -= len(old.body)
            keep = len(body) <= KEEP_FILE_LIMIT and self._kept + len(body) <= KEEP_LIMIT
            version = Version(
                _key(status),
                f'"{hashlib.sha256(body).hexdigest()}"',
                formatdate(status.st_mtime, usegmt=True),
                int(status.st_mtime),
                body if keep else None,
            )
            self._kept += len(body) if keep else 0
            self.versions[path] = version
        return version

    @property
    def url(self) -> str:
        """The address to open in a browser."""
        host, port = str(self.server_address[0]), self.server_address[1]
        if host in ("0.0.0.0", "::"):
            host = "127.0.0.1" if host == "0.0.0.0" else "::1"
        return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"

    def locate(self, target: str) -> tuple[str, os.stat_result] | None:
        """The regular file a request target names inside the folder, and its status; or None.

        Each segment is looked at with one `lstat`; a symbolic link on the way sends the
        request through `resolve`, which follows it and checks where it leads.
        """
        path = urlsplit(target).path
        if not path.startswith("/"):
            return None
        parts = [part for part in unquote(path, errors="replace").split("/") if part]
        if any(part.startswith(".") or "\\" in part or "\0" in part for part in parts):
            return None
        current = self.root
        try:
            status = os.lstat(current)
            for part in [*parts, "index.html"]:
                if part == "index.html" and not stat.S_ISDIR(status.st_mode):
                    break
                current = os.path.join(current, part)
                status = os.lstat(current)
                if stat.S_ISLNK(status.st_mode):
                    return self.resolve(parts)
        except OSError:
            return None
        return (current, status) if stat.S_ISREG(status.st_mode) else None

    def resolve(self, parts: list[str]) -> tuple[str, os.stat_result] | None:
        """`locate` through symbolic links: only what ends up inside the folder, not hidden."""
        real = os.path.realpath(os.path.join(self.root, *parts))
        if os.path.isdir(real):
            real = os.path.realpath(os.path.join(real, "index.html"))
        if os.path.commonpath([self.root, real]) != self.root:
            return None
        inside = os.path.relpath(real, self.root).split(os.sep)
        if any(part.startswith(".") for part in inside):
            return None
        try:
            status = os.stat(real)
        except OSError:
            return None
        return (real, status) if stat.S_ISREG(status.st_mode) else None

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        """A client that hangs up early is no error worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class PreviewHandler(BaseHTTPRequestHandler):
    """One request: a file with its validators, 304, 404 or 405."""

    server: PreviewServer
    protocol_version = "HTTP/1.1"
    server_version = "rallycal-preview"
    timeout = 30  # an idle keep-alive connection gives up its thread
    disable_nagle_algorithm = True  # TCP_NODELAY: no 40 ms stall on a reused connection

    def parse_request(self) -> bool:
        """The standard parsing, then the request's body read and dropped."""
        if not super().parse_request():
            return False
        self._drop_body()
        return True

    def do_GET(self) -> None:
        found = self.server.locate(self.path)
        if found is None:
            self._respond(HTTPStatus.NOT_FOUND, b"Not found\n")
            return
        path, status = found
        try:
            version = self.server.version(path, status)
            validators = {"ETag": version.etag, "Last-Modified": version.last_modified}
            if self._not_modified(version.etag, version.mtime):
                self._respond(HTTPStatus.NOT_MODIFIED, b"", validators)
                return
            body = version.body
            if body is None and self.command != "HEAD":  # too large to keep: read it now
                body, now = _read(path)
                if _key(now) != version.key:  # replaced since: serve what was read
                    version = self.server.remember(path, body, now)
                    validators = {"ETag": version.etag, "Last-Modified": version.last_modified}
        except OSError:
            self._respond(HTTPStatus.NOT_FOUND, b"Not found\n")
            return
        content_type = CONTENT_TYPES.get(os.path.splitext(path)[1], "application/octet-stream")
        headers = {"Content-Type": content_type, **validators}
        headers["Content-Length"] = str(version.key[0])
        self._respond(HTTPStatus.OK, body or b"", headers)

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

    def _drop_body(self) -> None:
        """Read a request body so it is not parsed as the next request, or close after this one."""
        if self.headers.get("Transfer-Encoding") is not None:
            self.close_connection = True  # not read: chunked bodies have no length up front
            return
        lengths = set(self.headers.get_all("Content-Length") or [])
        if not lengths:
            return
        length = lengths.pop().strip()
        if lengths or not (length.isascii() and length.isdigit()) or int(length) > BODY_LIMIT:
            self.close_connection = True
            return
        if len(self.rfile.read(int(length))) != int(length):
            self.close_connection = True

    def _respond(
        self, status: HTTPStatus, body: bytes, headers: dict[str, str] | None = None
    ) -> None:
        """The status line, headers and body, in one write for all but large bodies."""
        headers = {
            **(headers or {}), "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"
        }
        if status != HTTPStatus.NOT_MODIFIED:  # a 304 has no body: no type, no length
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
            headers.setdefault("Content-Length", str(len(body)))
        if self.close_connection:
            headers["Connection"] = "close"
        elif self.request_version != "HTTP/1.1":
            headers["Connection"] = "keep-alive"  # an HTTP/1.0 client asked for it: confirm
        self.log_request(status.value)
        lines = [
            f"{self.protocol_version} {status.value} {status.phrase}",
            f"Server: {self.version_string()}",
            f"Date: {self.date_time_string()}",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if self.command == "HEAD" or not body:
            self.wfile.write(head)
        elif len(body) <= ONE_WRITE_LIMIT:
            self.wfile.write(head + body)
        else:  # not worth a copy: with TCP_NODELAY the second write does not wait
            self.wfile.write(head)
            self.wfile.write(body)


def _read(path: str) -> tuple[bytes, os.stat_result]:
    """A file's content and the status of the very file it was read from."""
    with open(path, "rb") as handle:
        return handle.read(), os.fstat(handle.fileno())


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


def serve(
    source: str,
    out_dir: str,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    watch: bool = False,
    base_url: str | None = None,
    allow_removal: bool = False,
    retry: str | None = None,
) -> None:
    """Export, then serve `out_dir` until Ctrl-C; with `watch`, export again on every change.

    `retry` says how to go ahead when a re-export refuses a removal (the command line
    spells it out with the options given).
    """
    # Read before the first export, so that a change saved during it is not missed.
    watcher = Watcher(source, out_dir, base_url, allow_removal, retry) if watch else None
    server = make_server(out_dir, host, port)  # first: a busy port fails before any export
    stop = threading.Event()
    try:
        export_and_report(source, out_dir, base_url, again=False, allow_removal=allow_removal)
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
