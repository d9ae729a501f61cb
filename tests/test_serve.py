"""The preview server (`rallycal.cli.serve`) on a free loopback port, asked real HTTP requests.

Raw request paths go through http.client (or a bare socket), so nothing between the
test and the server normalises them.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import socket
import threading
import time
from email.utils import formatdate
from pathlib import Path

import pytest

from rallycal.cli.serve import make_server, url_of

SECRET = b"outside the output folder"
DEADLINE = 10  # seconds any socket wait below may take at most
FILES = {
    "all.ics": b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
    "class/o4wd.ics": b"BEGIN:VCALENDAR\r\nX-WR-CALNAME:O4WD\r\nEND:VCALENDAR\r\n",
    "round/olympus.ics": b"BEGIN:VCALENDAR\r\nX-WR-CALNAME:Olympus\r\nEND:VCALENDAR\r\n",
    "feeds.json": b'{"feeds": []}\n',
    "index.html": b"<!doctype html><title>Feeds</title><a href=class/o4wd.ics>o4wd</a>\n",
    "changes.atom": b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>\n',
    "notes.bin": b"\x00\x01",
}


@contextlib.contextmanager
def running(root: Path, **options):
    """A server for `root` on a free port, in a thread, for the `with` block."""
    server = make_server(root, "127.0.0.1", 0, **options)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(DEADLINE)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """An output folder in `site/out`, with bait around it for the escape tests."""
    base = tmp_path_factory.mktemp("site")
    out = base / "out"
    for name, content in FILES.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(content)
    (base / "events.yaml").write_bytes(SECRET)  # what `/../events.yaml` would reach
    (out / ".secret").write_bytes(SECRET)
    (out / "class" / ".draft.ics").write_bytes(SECRET)
    (out / ".all.ics.abc123.tmp").write_bytes(SECRET)
    (out / ".hidden").mkdir()
    (out / ".hidden" / "feed.ics").write_bytes(SECRET)
    (out / "class" / "index.html").write_bytes(SECRET)  # only `/` stands for index.html
    (out / "leak.ics").symlink_to(base / "events.yaml")
    (out / "up").symlink_to(base, target_is_directory=True)
    (out / "shown.ics").symlink_to(".secret")  # a visible name for a hidden file
    (out / "latest.ics").symlink_to("all.ics")  # a link that stays inside is served
    return out


@pytest.fixture(scope="module")
def port(site):
    with running(site) as server:
        yield server.server_port


def fetch(port: int, method: str, target: str, headers: dict[str, str] | None = None):
    """One request on a fresh connection: (status, headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE)
    try:
        connection.putrequest(method, target, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def raw_exchange(port: int, request: bytes) -> bytes:
    """Send bytes as they are and read the answer until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def etag_of(path: Path) -> str:
    return f'"{hashlib.sha256(path.read_bytes()).hexdigest()}"'


def http_date(path: Path) -> str:
    return formatdate(path.stat().st_mtime, usegmt=True)


@pytest.mark.parametrize(
    ("target", "file", "content_type"),
    [
        ("/all.ics", "all.ics", "text/calendar; charset=utf-8"),
        ("/class/o4wd.ics", "class/o4wd.ics", "text/calendar; charset=utf-8"),
        ("/round/olympus.ics?v=2#x", "round/olympus.ics", "text/calendar; charset=utf-8"),
        ("/feeds.json", "feeds.json", "application/json"),
        ("/index.html", "index.html", "text/html; charset=utf-8"),
        ("/", "index.html", "text/html; charset=utf-8"),
        ("/changes.atom", "changes.atom", "application/atom+xml"),
        ("/latest.ics", "all.ics", "text/calendar; charset=utf-8"),
        ("/notes.bin", "notes.bin", "application/octet-stream"),
    ],
)
def test_files_are_served_with_their_type_and_validators(port, site, target, file, content_type):
    status, headers, body = fetch(port, "GET", target)
    path = site / file
    assert status == 200
    assert body == path.read_bytes()
    assert headers["Content-Type"] == content_type
    assert headers["Content-Length"] == str(len(body))
    assert headers["ETag"] == etag_of(path)
    assert headers["Last-Modified"] == http_date(path)
    assert headers["Cache-Control"] == "no-cache"
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "if_none_match",
    ["{etag}", '"0000", {etag}', "W/{etag}", "*", '"0000",{etag} , "1111"'],
)
def test_a_matching_if_none_match_gets_304_without_a_body(port, site, if_none_match):
    etag = etag_of(site / "all.ics")
    headers = {"If-None-Match": if_none_match.format(etag=etag)}
    status, answer, body = fetch(port, "GET", "/all.ics", headers)
    assert (status, body) == (304, b"")
    assert answer["ETag"] == etag
    assert answer["Last-Modified"] == http_date(site / "all.ics")
    assert answer["Cache-Control"] == "no-cache"


def test_if_none_match_decides_over_if_modified_since(port, site):
    """RFC 9110 13.2.2: a non-matching ETag means 200, whatever the date says."""
    headers = {
        "If-None-Match": '"not-the-content"',
        "If-Modified-Since": formatdate(time.time() + 86400, usegmt=True),
    }
    status, answer, body = fetch(port, "GET", "/all.ics", headers)
    assert status == 200 and body == (site / "all.ics").read_bytes()
    assert answer["ETag"] == etag_of(site / "all.ics")


def test_if_modified_since_gets_304_unless_the_file_is_newer(port, site):
    mtime = (site / "feeds.json").stat().st_mtime
    for since, expected in (
        (formatdate(mtime, usegmt=True), 304),
        (formatdate(mtime + 86400, usegmt=True), 304),
        ("Fri, 31 Dec 9999 23:59:59 GMT", 304),
        (formatdate(mtime - 3600, usegmt=True), 200),
    ):
        status, _, body = fetch(port, "GET", "/feeds.json", {"If-Modified-Since": since})
        assert (status, body) == (expected, FILES["feeds.json"] if expected == 200 else b"")


@pytest.mark.parametrize(
    "since",
    [
        "Fri, 31 Dec 99999999999 23:59:59 GMT",  # past what a date can hold
        "Fri, 31 Dec 99999 23:59:59 GMT",
        "Mon, 01 Jan 0001 00:00:00 +2359",
        "yesterday, more or less",
        "",
    ],
)
def test_an_if_modified_since_that_is_no_usable_date_is_ignored(port, since):
    """RFC 9110 13.1.3: 200 as if it were absent, and the connection goes on."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE)
    try:
        for headers in ({"If-Modified-Since": since}, {}):
            connection.request("GET", "/all.ics", headers=headers)
            response = connection.getresponse()
            assert (response.status, response.read()) == (200, FILES["all.ics"])
    finally:
        connection.close()


def test_the_etag_follows_the_content_whatever_the_stat_says(tmp_path):
    """Computed per request: a change that keeps size and modification time is seen."""
    feed = tmp_path / "all.ics"
    feed.write_bytes(b"BEGIN:VCALENDAR\r\nX-A:1\r\nEND:VCALENDAR\r\n")
    with running(tmp_path) as server:
        old = fetch(server.server_port, "GET", "/all.ics")[1]["ETag"]
        stamp = feed.stat()
        feed.write_bytes(b"BEGIN:VCALENDAR\r\nX-A:2\r\nEND:VCALENDAR\r\n")
        os.utime(feed, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
        status, headers, body = fetch(server.server_port, "GET", "/all.ics", {"If-None-Match": old})
    assert status == 200 and body == feed.read_bytes()
    assert headers["ETag"] == etag_of(feed) != old


def test_head_sends_the_headers_of_get_and_no_body(port, site):
    answer = raw_exchange(
        port, b"HEAD /all.ics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    head, _, rest = answer.partition(b"\r\n\r\n")
    assert rest == b""
    assert head.startswith(b"HTTP/1.1 200 ")
    assert f"Content-Length: {len(FILES['all.ics'])}".encode() in head
    assert f"ETag: {etag_of(site / 'all.ics')}".encode() in head
    assert b"Content-Type: text/calendar; charset=utf-8" in head


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_methods_other_than_get_and_head_get_405(port, site, method):
    status, headers, _ = fetch(port, method, "/all.ics")
    assert status == 405
    assert headers["Allow"] == "GET, HEAD"
    assert (site / "all.ics").read_bytes() == FILES["all.ics"]


def test_a_request_body_is_never_read_as_the_next_request(port):
    smuggled = b"GET /feeds.json HTTP/1.1\r\nHost: x\r\n\r\n"
    answer = raw_exchange(
        port,
        f"POST /all.ics HTTP/1.1\r\nHost: x\r\nContent-Length: {len(smuggled)}\r\n\r\n".encode()
        + smuggled,
    )
    assert answer.startswith(b"HTTP/1.1 405 ") and b"\r\nConnection: close\r\n" in answer
    assert answer.count(b"HTTP/1.1 ") == 1  # the server closed: no second answer


@pytest.mark.parametrize(
    "target",
    [
        "/../events.yaml",
        "/%2e%2e/events.yaml",
        "/%2E%2E/events.yaml",
        "/%2E%2E%2Fevents.yaml",
        "/..%2fevents.yaml",
        "/%252e%252e/events.yaml",
        "/%252e%252e%252fevents.yaml",
        "/class/../../events.yaml",
        "/class/%2e%2e/%2e%2e/events.yaml",
        "/..\\events.yaml",
        "/%2e%2e%5cevents.yaml",
        "/class%5c..%5c..%5cevents.yaml",
        "/.%2e/events.yaml",
        "/%00/../events.yaml",
        "/all.ics%00",
        "/all.ics%00.html",
        "http://127.0.0.1/../events.yaml",
        "../events.yaml",
        "*",
    ],
)
def test_paths_leading_out_of_the_folder_get_404(port, target):
    status, headers, body = fetch(port, "GET", target)
    assert status == 404 and SECRET not in body
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_a_raw_nul_byte_in_the_path_gets_404(port):
    answer = raw_exchange(
        port, b"GET /all.ics\x00/../../events.yaml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 404 ") and SECRET not in answer


@pytest.mark.parametrize(
    "target",
    [
        "/leak.ics",  # a link to a file outside
        "/up/events.yaml",  # through a link to a folder outside
        "/up/%2e%2e/events.yaml",
        "/shown.ics",  # a link to a hidden file inside
        "/.secret",
        "/%2esecret",
        "/class/.draft.ics",
        "/.all.ics.abc123.tmp",
        "/.hidden/feed.ics",
        "/./all.ics",
    ],
)
def test_hidden_files_and_links_out_of_the_folder_get_404(port, target):
    status, _, body = fetch(port, "GET", target)
    assert status == 404 and SECRET not in body


@pytest.mark.parametrize("target", ["/class/", "/class", "/round/", "/missing.ics", "/class/x.ics"])
def test_folders_are_never_listed_and_missing_files_get_404(port, target):
    status, _, body = fetch(port, "GET", target)
    assert status == 404
    assert b"o4wd" not in body and SECRET not in body


def test_a_fifo_in_the_folder_gets_404_without_blocking(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs a FIFO")
    os.mkfifo(tmp_path / "feed.ics")  # opening it to read would wait for a writer
    with running(tmp_path) as server:
        assert fetch(server.server_port, "GET", "/feed.ics")[0] == 404


def test_keep_alive_serves_two_requests_on_one_connection(port, site):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE)
    try:
        connection.request("GET", "/all.ics")
        first = connection.getresponse()
        assert (first.status, first.read()) == (200, FILES["all.ics"])
        sock = connection.sock
        connection.request("GET", "/all.ics", headers={"If-None-Match": etag_of(site / "all.ics")})
        second = connection.getresponse()
        assert (second.status, second.read()) == (304, b"")
        assert connection.sock is sock and sock is not None  # not reconnected
    finally:
        connection.close()


def test_errors_in_a_request_leave_the_server_answering(tmp_path, monkeypatch, capsys):
    from rallycal.cli.serve import PreviewHandler

    (tmp_path / "all.ics").write_bytes(FILES["all.ics"])
    with running(tmp_path) as server:
        port = server.server_port
        assert raw_exchange(port, b"GET /a b HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 400 ")
        with monkeypatch.context() as patch:
            patch.setattr(PreviewHandler, "locate", lambda self: 1 / 0)
            with pytest.raises((http.client.HTTPException, ConnectionError)):
                fetch(port, "GET", "/all.ics")
        assert fetch(port, "GET", "/all.ics")[0] == 200
    assert "ZeroDivisionError" in capsys.readouterr().err  # a bug still says where it is


def test_requests_are_logged_only_to_the_function_given(tmp_path, capsys):
    (tmp_path / "all.ics").write_bytes(FILES["all.ics"])
    lines: list[str] = []
    with running(tmp_path, log=lines.append) as server:
        fetch(server.server_port, "GET", "/all.ics")
        fetch(server.server_port, "GET", "/nothing.ics")
    with running(tmp_path) as server:
        fetch(server.server_port, "GET", "/all.ics")
    assert '"GET /all.ics HTTP/1.1" 200' in lines[0]
    assert '"GET /nothing.ics HTTP/1.1" 404' in lines[-1]
    assert capsys.readouterr() == ("", "")


def test_a_port_in_use_raises_oserror(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError, match="in use"):
            make_server(tmp_path, "127.0.0.1", taken.getsockname()[1])


def test_url_of_names_the_address_to_open(tmp_path):
    with running(tmp_path) as server:
        assert url_of(server) == f"http://127.0.0.1:{server.server_port}/"
    server = make_server(tmp_path, "0.0.0.0", 0)
    try:
        assert url_of(server) == f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.server_close()
    try:
        server = make_server(tmp_path, "::1", 0)
    except OSError:
        pytest.skip("no IPv6 loopback here")
    try:
        assert url_of(server) == f"http://[::1]:{server.server_port}/"
    finally:
        server.server_close()
