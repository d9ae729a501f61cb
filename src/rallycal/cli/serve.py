"""Preview an output folder over HTTP, answering as a well-configured static host would.

The standard library's `SimpleHTTPRequestHandler` plus what a preview needs: the types
calendar clients expect, a strong ETag (sha256 of the content, per request) and
Last-Modified with 304 answers, `Cache-Control: no-cache`, GET and HEAD only, and
nothing but regular files inside the folder (no listings, no hidden files, no way out).
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import socket
import stat
import sys
import urllib.parse
from collections.abc import Callable
from datetime import timezone
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

__all__ = ["PreviewHandler", "make_server", "url_of"]

ALLOWED = "GET, HEAD"
READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
Log = Callable[[str], None]
CONTENT_TYPES = {  # by file extension: what calendar clients and browsers expect
    **SimpleHTTPRequestHandler.extensions_map,
    ".ics": "text/calendar; charset=utf-8",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
    ".atom": "application/atom+xml",
}


class PreviewHandler(SimpleHTTPRequestHandler):
    """One connection's requests for the files of `directory`; `log` gets one line each."""

    extensions_map = CONTENT_TYPES
    protocol_version = "HTTP/1.1"  # keep-alive: a page and its feeds on one connection
    disable_nagle_algorithm = True  # no delayed-ACK stall on a reused connection
    timeout = 60  # an idle keep-alive connection gives its thread back

    def __init__(self, *args: Any, directory: str, log: Log | None = None, **kwargs: Any) -> None:
        self.log = log  # set first: the base class handles the request in its __init__
        super().__init__(*args, directory=directory, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet unless the caller asked for the lines."""
        if self.log is not None:
            self.log(f"{self.address_string()} {format % args}")

    def end_headers(self) -> None:
        """Every answer: revalidate, never sniff; and close after a request with a body
        (never read), which must not be taken for the next request."""
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        headers = getattr(self, "headers", None)  # absent when the request line was unreadable
        framing = ("Content-Length", "Transfer-Encoding")
        with_body = headers is not None and any(name in headers for name in framing)
        if with_body and not self.close_connection:
            self.send_header("Connection", "close")
        super().end_headers()

    def send_head(self) -> io.BytesIO | None:
        """The status and headers of a GET or HEAD; the body to copy for a 200, else None."""
        found = self.locate()
        if found is None:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        path, body, mtime = found
        etag = f'"{hashlib.sha256(body).hexdigest()}"'
        fresh = self.not_modified(etag, mtime)
        self.send_response(HTTPStatus.NOT_MODIFIED if fresh else HTTPStatus.OK)
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", self.date_time_string(mtime))
        if fresh:
            self.end_headers()
            return None
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def locate(self) -> tuple[str, bytes, int] | None:
        """The file the request names (real path, content, mtime in whole seconds), or None
        unless a regular file inside the folder with no hidden name on the way. Only `/`
        stands for `index.html`: other folders are never listed."""
        target = self.path.split("?", 1)[0].split("#", 1)[0]
        if not target.startswith("/"):  # `*`, an absolute URL or a relative path
            return None
        parts = [part for part in urllib.parse.unquote(target).split("/") if part]
        if any(part.startswith(".") or "\\" in part or "\0" in part for part in parts):
            return None  # '.' and '..' included
        root = os.path.realpath(self.directory)
        real = os.path.realpath(os.path.join(root, *(parts or ["index.html"])))
        inside = os.path.relpath(real, root).split(os.sep)
        if os.path.commonpath([root, real]) != root or any(p.startswith(".") for p in inside):
            return None  # a symbolic link out of the folder, or to a hidden file
        try:  # without blocking (a FIFO would wait for a writer), checked on the open handle
            with open(os.open(real, READ_FLAGS), "rb") as handle:
                status = os.fstat(handle.fileno())
                if not stat.S_ISREG(status.st_mode):
                    return None
                return real, handle.read(), int(status.st_mtime)
        except OSError:
            return None

    def not_modified(self, etag: str, mtime: int) -> bool:
        """RFC 9110 section 13.2.2: If-None-Match decides when present, else If-Modified-Since,
        which is ignored when it is not a date that can be compared (section 13.1.3)."""
        if_none_match = self.headers.get_all("If-None-Match")
        if if_none_match:
            tags = {tag.strip().removeprefix("W/") for tag in ",".join(if_none_match).split(",")}
            return "*" in tags or etag in tags
        since = self.headers.get("If-Modified-Since")
        if since is None:
            return False
        try:
            date = parsedate_to_datetime(since)  # naive for `-0000`: UTC all the same
            return mtime <= date.replace(tzinfo=date.tzinfo or timezone.utc).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return False

    def do_GET(self) -> None:
        """A file, 304 or 404 (also for a file that cannot be read)."""
        body = self.send_head()
        if body is not None and self.command != "HEAD":
            self.copyfile(body, self.wfile)

    do_HEAD = do_GET

    def not_allowed(self) -> None:
        """Anything but GET and HEAD: 405, naming the two."""
        message = b"Only GET and HEAD\n"
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", ALLOWED)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(message)))
        self.end_headers()
        self.wfile.write(message)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = not_allowed


class _PreviewServer(ThreadingHTTPServer):
    """IPv4 or IPv6 as the host is written; closing never waits on idle connections."""

    block_on_close = False

    def __init__(self, address: tuple[str, int], handler: Callable[..., PreviewHandler]) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up early is worth no traceback; the server goes on anyway."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def make_server(
    root: str | Path, host: str = "127.0.0.1", port: int = 8000, *, log: Log | None = None
) -> ThreadingHTTPServer:
    """A server for the folder `root`, bound and listening (port 0: any free one; a port in
    use raises OSError). `log`, if given, receives one line per request."""
    handler = functools.partial(PreviewHandler, directory=os.path.abspath(root), log=log)
    return _PreviewServer((host, port), handler)


def url_of(server: ThreadingHTTPServer) -> str:
    """The address to open in a browser: `http://HOST:PORT/` (IPv6 in brackets, a wildcard
    host as the loopback)."""
    host, port = str(server.server_address[0]), int(server.server_address[1])
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"
