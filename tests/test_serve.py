"""`rallycal serve`: the real server on a free loopback port, asked real HTTP requests.

Raw request paths go through http.client (or a bare socket), so nothing between the
test and the server normalises them.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from email.utils import formatdate
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import SEASON_2026, copy_source, export

from rallycal.cli import cli
from rallycal.errors import RallycalError
from rallycal.serve import Watcher, make_server

SECRET = b"outside the output folder"
DEADLINE = 30  # seconds any wait below may take at most


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """An exported season in `site/out`, with bait around it for the escape tests."""
    base = tmp_path_factory.mktemp("site")
    out = base / "out"
    export(SEASON_2026, out)
    (base / "events.yaml").write_bytes(SECRET)  # what `/../events.yaml` would reach
    (out / ".secret").write_bytes(SECRET)
    (out / "class" / ".draft.ics").write_bytes(SECRET)
    (out / ".all.ics.abc123.rallycal-tmp").write_bytes(SECRET)
    (out / "leak.ics").symlink_to(base / "events.yaml")
    (out / "up").symlink_to(base, target_is_directory=True)
    (out / "shown.ics").symlink_to(".secret")  # a visible name for a hidden file
    (out / "latest.ics").symlink_to("all.ics")  # a link that stays inside is served
    return out


@pytest.fixture(scope="module")
def server(site):
    server = make_server(str(site), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(DEADLINE)


def fetch(port: int, method: str, target: str, headers: dict[str, str] | None = None):
    """One request on a fresh connection: (status, headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE)
    try:
        connection.putrequest(method, target, skip_host=False, skip_accept_encoding=True)
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


def assert_not_found(port: int, target: str) -> None:
    status, headers, body = fetch(port, "GET", target)
    assert status == 404
    assert SECRET not in body
    assert headers["X-Content-Type-Options"] == "nosniff"


def etag_of(path: Path) -> str:
    return f'"{hashlib.sha256(path.read_bytes()).hexdigest()}"'


@pytest.mark.parametrize(
    ("target", "file", "content_type"),
    [
        ("/all.ics", "all.ics", "text/calendar; charset=utf-8"),
        ("/class/o4wd.ics", "class/o4wd.ics", "text/calendar; charset=utf-8"),
        ("/round/olympus.ics?v=2", "round/olympus.ics", "text/calendar; charset=utf-8"),
        ("/feeds.json", "feeds.json", "application/json"),
        ("/index.html", "index.html", "text/html; charset=utf-8"),
        ("/", "index.html", "text/html; charset=utf-8"),
        ("/latest.ics", "all.ics", "text/calendar; charset=utf-8"),
    ],
)
def test_files_are_served_with_their_type_and_validators(server, site, target, file, content_type):
    status, headers, body = fetch(server.server_port, "GET", target)
    path = site / file
    assert status == 200
    assert body == path.read_bytes()
    assert headers["Content-Type"] == content_type
    assert headers["Content-Length"] == str(len(body))
    assert headers["ETag"] == etag_of(path)
    assert headers["Last-Modified"] == formatdate(path.stat().st_mtime, usegmt=True)
    assert headers["Cache-Control"] == "no-cache"
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "if_none_match",
    ["{etag}", '"0000", {etag}', "W/{etag}", "*", '"0000",{etag} , "1111"'],
)
def test_a_matching_if_none_match_gets_304_without_a_body(server, site, if_none_match):
    etag = etag_of(site / "all.ics")
    headers = {"If-None-Match": if_none_match.format(etag=etag)}
    status, answer, body = fetch(server.server_port, "GET", "/all.ics", headers)
    assert (status, body) == (304, b"")
    assert answer["ETag"] == etag
    assert answer["Last-Modified"] == formatdate((site / "all.ics").stat().st_mtime, usegmt=True)


def test_if_none_match_decides_over_if_modified_since(server, site):
    """RFC 9110 13.2.2: a non-matching ETag means 200, whatever the date says."""
    headers = {
        "If-None-Match": '"not-the-content"',
        "If-Modified-Since": formatdate(time.time() + 86400, usegmt=True),
    }
    status, answer, body = fetch(server.server_port, "GET", "/all.ics", headers)
    assert status == 200 and body == (site / "all.ics").read_bytes()
    assert answer["ETag"] == etag_of(site / "all.ics")


def test_if_modified_since_gets_304_until_the_file_is_newer(server, site):
    mtime = (site / "feeds.json").stat().st_mtime
    same = {"If-Modified-Since": formatdate(mtime, usegmt=True)}
    older = {"If-Modified-Since": formatdate(mtime - 3600, usegmt=True)}
    garbage = {"If-Modified-Since": "yesterday, more or less"}
    assert fetch(server.server_port, "GET", "/feeds.json", same)[::2] == (304, b"")
    assert fetch(server.server_port, "GET", "/feeds.json", older)[0] == 200
    assert fetch(server.server_port, "GET", "/feeds.json", garbage)[0] == 200


def test_a_changed_file_gets_a_new_etag(tmp_path):
    (tmp_path / "all.ics").write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    with running(tmp_path) as port:
        old = fetch(port, "GET", "/all.ics")[1]["ETag"]
        (tmp_path / "all.ics").write_bytes(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
        status, headers, _ = fetch(port, "GET", "/all.ics", {"If-None-Match": old})
    assert status == 200
    assert headers["ETag"] not in (old, None)


def test_head_sends_the_headers_of_get_and_no_body(server, site):
    answer = raw_exchange(
        server.server_port,
        b"HEAD /all.ics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    )
    head, _, rest = answer.partition(b"\r\n\r\n")
    assert rest == b""
    assert head.startswith(b"HTTP/1.1 200 ")
    size = len((site / "all.ics").read_bytes())
    assert f"Content-Length: {size}".encode() in head
    assert f"ETag: {etag_of(site / 'all.ics')}".encode() in head
    assert b"Content-Type: text/calendar; charset=utf-8" in head


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_methods_other_than_get_and_head_get_405(server, site, method):
    before = (site / "all.ics").read_bytes()
    status, headers, _ = fetch(server.server_port, method, "/all.ics")
    assert status == 405
    assert headers["Allow"] == "GET, HEAD"
    assert (site / "all.ics").read_bytes() == before


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
        "/.%2e/events.yaml",
        "/%00/../events.yaml",
        "/all.ics%00",
        "http://127.0.0.1/../events.yaml",
        "../events.yaml",
        "*",
    ],
)
def test_paths_leading_out_of_the_folder_get_404(server, target):
    assert_not_found(server.server_port, target)


def test_a_raw_nul_byte_in_the_path_gets_404(server):
    answer = raw_exchange(
        server.server_port,
        b"GET /all.ics\x00/../../events.yaml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 404 ")
    assert SECRET not in answer


@pytest.mark.parametrize("target", ["/leak.ics", "/up/events.yaml", "/up/%2e%2e/events.yaml"])
def test_symbolic_links_pointing_out_of_the_folder_get_404(server, target):
    assert_not_found(server.server_port, target)


@pytest.mark.parametrize(
    "target",
    [
        "/.secret",
        "/%2esecret",
        "/class/.draft.ics",
        "/.all.ics.abc123.rallycal-tmp",
        "/./all.ics",
        "/shown.ics",
    ],
)
def test_hidden_files_get_404(server, target):
    assert_not_found(server.server_port, target)


@pytest.mark.parametrize("target", ["/class/", "/class", "/missing.ics", "/class/none.ics"])
def test_folders_are_never_listed_and_missing_files_get_404(server, target):
    status, _, body = fetch(server.server_port, "GET", target)
    assert status == 404
    assert b"o4wd" not in body


def test_a_client_hanging_up_early_prints_no_traceback(server, capsys):
    for error, shown in ((BrokenPipeError(32, "Broken pipe"), False), (ValueError("bug"), True)):
        try:
            raise error
        except Exception:
            server.handle_error(None, ("127.0.0.1", 50000))
        assert ("Traceback" in capsys.readouterr().err) is shown


def test_a_port_in_use_is_a_clear_error(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RallycalError, match=f"127.0.0.1:{port}: the port is in use"):
            make_server(str(tmp_path), "127.0.0.1", port)
        source = copy_source(tmp_path)
        result = CliRunner().invoke(
            cli, ["serve", str(source), "--out", str(tmp_path / "out"), "--port", str(port)]
        )
    assert result.exit_code == 1
    assert "the port is in use" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()  # it stopped before exporting


@contextlib.contextmanager
def running(root: Path):
    server = make_server(str(root), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(DEADLINE)


def rename_round(source: Path, old: str, new: str) -> None:
    text = source.read_text(encoding="utf-8")
    assert f"name: {old}\n" in text
    source.write_text(text.replace(f"name: {old}\n", f"name: {new}\n"), encoding="utf-8")


def break_source(source: Path) -> None:
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("first_day: 2026-04-17", "first_day: 2026-04-31"), "utf-8")


def test_watcher_exports_changes_and_keeps_the_last_good_output(tmp_path, capsys):
    source = copy_source(tmp_path)
    out = tmp_path / "out"
    export(source, out)
    watcher = Watcher(str(source), str(out))

    watcher.poll()  # nothing changed: nothing exported
    assert capsys.readouterr().out == ""

    rename_round(source, "Olympus Rally", "Olympus Rally Revived")
    watcher.poll()
    assert "Olympus Rally Revived" in (out / "round" / "olympus.ics").read_text()
    assert "Exported" in capsys.readouterr().out
    good = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    break_source(source)
    watcher.poll()
    err = capsys.readouterr().err
    assert re.search(r"events\.yaml:\d+:\d+: .*2026-04-31", err), err
    assert "Still serving the last good export" in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == good

    text = source.read_text(encoding="utf-8")
    text = text.replace("first_day: 2026-04-31", "first_day: 2026-04-17")
    start = text.index("  - id: olympus\n")
    source.write_text(text[:start] + text[text.index("  - id: southern-ohio-forest\n") :], "utf-8")
    watcher.poll()  # a round vanished: the export refuses, the server goes on
    err = capsys.readouterr().err
    assert "would disappear for subscribers" in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == good


class ServeProcess:
    """`rallycal serve` as a subprocess on port 0, its output collected as it comes."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "rallycal", "serve", *args, "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        for stream, lines in ((self.process.stdout, self.out), (self.process.stderr, self.err)):
            threading.Thread(target=self._collect, args=(stream, lines), daemon=True).start()
        match = self.wait_for(lambda: re.search(r"at http://127\.0\.0\.1:(\d+)/", self.stdout))
        self.port = int(match.group(1))

    @staticmethod
    def _collect(stream, lines: list[str]) -> None:
        for line in stream:
            lines.append(line)

    @property
    def stdout(self) -> str:
        return "".join(self.out)

    @property
    def stderr(self) -> str:
        return "".join(self.err)

    def wait_for(self, condition):
        """Poll `condition` until it is true, for at most DEADLINE seconds."""
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            if self.process.poll() is not None:
                time.sleep(0.2)  # let the readers drain
                raise AssertionError(f"serve exited: {self.stdout}\n{self.stderr}")
            time.sleep(0.1)
        raise AssertionError(f"timed out; output so far:\n{self.stdout}\n{self.stderr}")

    def interrupt(self) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(DEADLINE)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(DEADLINE)


@pytest.fixture
def serve_process():
    started: list[ServeProcess] = []

    def start(*args: str) -> ServeProcess:
        started.append(ServeProcess(*args))
        return started[-1]

    yield start
    for process in started:
        process.kill()


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT, as Ctrl-C does")
def test_rallycal_serve_answers_as_a_static_host_and_stops_on_ctrl_c(tmp_path, serve_process):
    source = copy_source(tmp_path)
    server = serve_process(str(source), "--out", str(tmp_path / "dist"))
    port = server.port

    status, headers, body = fetch(port, "GET", "/all.ics")
    assert status == 200 and body.startswith(b"BEGIN:VCALENDAR")
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    etag = headers["ETag"]
    assert etag == etag_of(tmp_path / "dist" / "all.ics")
    assert fetch(port, "GET", "/all.ics", {"If-None-Match": etag})[0] == 304
    for target in ("/../events.yaml", "/%2e%2e/events.yaml", "/%2E%2E%2Fevents.yaml"):
        assert fetch(port, "GET", target)[0] == 404
    assert fetch(port, "POST", "/all.ics")[0] == 405

    assert server.interrupt() in (0, 130)
    assert "Traceback" not in server.stderr
    with pytest.raises(OSError):  # noqa: PT011 - refused or reset: either says "not listening"
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT, as Ctrl-C does")
def test_serve_watch_picks_up_changes_and_survives_a_broken_source(tmp_path, serve_process):
    source = copy_source(tmp_path)
    server = serve_process(str(source), "--out", str(tmp_path / "dist"), "--watch")
    port = server.port

    def olympus() -> bytes:
        status, _, body = fetch(port, "GET", "/round/olympus.ics")
        assert status == 200
        return body

    assert b"SUMMARY:ARA R3: Olympus Rally\r\n" in olympus()
    rename_round(source, "Olympus Rally", "Olympus Rally Revived")
    server.wait_for(lambda: b"Olympus Rally Revived" in olympus())
    good = olympus()

    break_source(source)
    server.wait_for(lambda: re.search(r"events\.yaml:\d+:\d+: .*2026-04-31", server.stderr))
    assert olympus() == good  # still the last good bytes
    assert fetch(port, "GET", "/all.ics")[0] == 200

    rename_round(source, "Olympus Rally Revived", "Olympus Rally Reborn")
    source.write_text(
        source.read_text(encoding="utf-8").replace("2026-04-31", "2026-04-17"), encoding="utf-8"
    )
    server.wait_for(lambda: b"Olympus Rally Reborn" in olympus())

    assert server.interrupt() in (0, 130)
    assert "Traceback" not in server.stderr


# -- connections, writes and bodies (issue: serve under load) -----------------------------


def read_responses(
    sock: socket.socket, count: int, heads: tuple[int, ...] = ()
) -> list[tuple[bytes, bytes]]:
    """Read `count` responses (status line and headers, body) from a kept-alive socket;
    those at the indexes `heads` answer HEAD requests, so they have no body."""
    buffer, answers = b"", []
    while len(answers) < count:
        while b"\r\n\r\n" not in buffer:
            chunk = sock.recv(65536)
            assert chunk, f"closed after {len(answers)} responses"
            buffer += chunk
        head, _, buffer = buffer.partition(b"\r\n\r\n")
        match = re.search(rb"\r\nContent-Length: (\d+)", head)
        length = int(match.group(1)) if match and not head.startswith(b"HTTP/1.1 304") else 0
        if len(answers) in heads:
            length = 0
        while len(buffer) < length:
            chunk = sock.recv(65536)
            assert chunk
            buffer += chunk
        answers.append((head, buffer[:length]))
        buffer = buffer[length:]
    return answers


def closes_soon(sock: socket.socket) -> bool:
    """True when the server closes the connection (reads nothing more) within 5 s."""
    sock.settimeout(5)
    try:
        return sock.recv(65536) == b""
    except TimeoutError:
        return False


def test_each_response_leaves_in_one_write(site, monkeypatch):
    from rallycal import serve as serve_module

    writes: list[int] = []
    original = serve_module.PreviewHandler.setup

    def setup(handler):
        original(handler)
        real = handler.wfile

        class Counting:
            closed = False

            def write(self, data):
                writes.append(len(data))
                return real.write(data)

            def flush(self):
                real.flush()

            def close(self):
                real.close()

        handler.wfile = Counting()

    monkeypatch.setattr(serve_module.PreviewHandler, "setup", setup)
    assert serve_module.PreviewHandler.disable_nagle_algorithm is True
    etag = etag_of(site / "all.ics")
    with running(site) as port, socket.create_connection(("127.0.0.1", port), DEADLINE) as sock:
        sock.sendall(
            b"GET /all.ics HTTP/1.1\r\nHost: x\r\n\r\n"
            + f"GET /all.ics HTTP/1.1\r\nHost: x\r\nIf-None-Match: {etag}\r\n\r\n".encode()
            + b"GET /nothing.ics HTTP/1.1\r\nHost: x\r\n\r\n"
            + b"HEAD /feeds.json HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        answers = read_responses(sock, 4, heads=(3,))
    assert [head[:12] for head, _ in answers] == [b"HTTP/1.1 200", b"HTTP/1.1 304",
                                                  b"HTTP/1.1 404", b"HTTP/1.1 200"]
    assert answers[0][1] == (site / "all.ics").read_bytes()
    assert len(writes) == 4


def test_http_1_0_closes_unless_keep_alive_is_asked_and_then_confirms_it(server):
    port = server.server_port
    with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as sock:
        sock.sendall(b"GET /feeds.json HTTP/1.0\r\n\r\n")
        head, _ = read_responses(sock, 1)[0]
        assert b"\r\nConnection: close" in head
        assert closes_soon(sock)
    with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as sock:
        for _ in range(3):
            sock.sendall(b"GET /feeds.json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            head, body = read_responses(sock, 1)[0]
            assert head.startswith(b"HTTP/1.1 200") and b"\r\nConnection: keep-alive" in head
            assert body.startswith(b"{")
        sock.sendall(b"GET /feeds.json HTTP/1.0\r\n\r\n")
        read_responses(sock, 1)
        assert closes_soon(sock)


def test_http_1_1_keeps_the_connection_until_the_client_closes_it(server):
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=DEADLINE) as sock:
        for _ in range(3):
            sock.sendall(b"GET /feeds.json HTTP/1.1\r\nHost: x\r\n\r\n")
            head, _ = read_responses(sock, 1)[0]
            assert head.startswith(b"HTTP/1.1 200") and b"Connection:" not in head
        sock.sendall(b"GET /feeds.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        head, _ = read_responses(sock, 1)[0]
        assert b"\r\nConnection: close" in head
        assert closes_soon(sock)


@pytest.mark.parametrize("method", ["POST", "GET", "PUT"])
def test_a_request_body_is_never_read_as_the_next_request(server, method):
    smuggled = b"GET /feeds.json HTTP/1.1\r\nHost: x\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=DEADLINE) as sock:
        sock.sendall(
            f"{method} /all.ics HTTP/1.1\r\nHost: x\r\nContent-Length: {len(smuggled)}\r\n\r\n"
            .encode() + smuggled
            + b"GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        answers = read_responses(sock, 2)
        assert closes_soon(sock)
    assert answers[0][0].startswith(b"HTTP/1.1 405" if method != "GET" else b"HTTP/1.1 200")
    assert b"Content-Type: text/html" in answers[1][0]


@pytest.mark.parametrize(
    "header",
    [
        "Content-Length: 100000000",
        "Content-Length: -1",
        "Content-Length: 1e3",
        "Transfer-Encoding: chunked",
        "Content-Length: 3\r\nContent-Length: 4",
    ],
)
def test_a_body_that_cannot_be_dropped_closes_the_connection(server, header):
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=DEADLINE) as sock:
        sock.sendall(f"POST /all.ics HTTP/1.1\r\nHost: x\r\n{header}\r\n\r\nGET / HTTP/1.1\r\n\r\n"
                     .encode())
        head, _ = read_responses(sock, 1)[0]
        assert head.startswith(b"HTTP/1.1 405") and b"\r\nConnection: close" in head
        assert closes_soon(sock)


def test_the_listen_backlog_takes_a_crowd(server):
    assert server.request_queue_size >= 128
    sockets = [socket.create_connection(("127.0.0.1", server.server_port), timeout=DEADLINE)
               for _ in range(150)]
    try:
        for sock in sockets:
            sock.sendall(b"GET /feeds.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        for sock in sockets:
            assert read_responses(sock, 1)[0][0].startswith(b"HTTP/1.1 200")
    finally:
        for sock in sockets:
            sock.close()


def test_etags_are_computed_once_per_version_of_a_file(tmp_path, monkeypatch):
    from rallycal import serve as serve_module

    hashed: list[int] = []

    class Counting:
        @staticmethod
        def sha256(data: bytes = b""):
            hashed.append(len(data))
            return hashlib.sha256(data)

    monkeypatch.setattr(serve_module, "hashlib", Counting)
    feed = tmp_path / "all.ics"
    feed.write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    with running(tmp_path) as port:
        etag = fetch(port, "GET", "/all.ics")[1]["ETag"]
        for _ in range(5):
            assert fetch(port, "GET", "/all.ics")[1]["ETag"] == etag
            assert fetch(port, "GET", "/all.ics", {"If-None-Match": etag})[0] == 304
            assert fetch(port, "HEAD", "/all.ics")[1]["Content-Length"] == "32"
        assert len(hashed) == 1
        replacement = tmp_path / "new.tmp"
        replacement.write_bytes(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
        os.replace(replacement, feed)  # as an export replaces a feed: a new inode
        status, headers, body = fetch(port, "GET", "/all.ics", {"If-None-Match": etag})
        assert status == 200 and headers["ETag"] == etag_of(feed) != etag
        assert body == feed.read_bytes()
        assert fetch(port, "GET", "/all.ics", {"If-None-Match": headers["ETag"]})[0] == 304
        assert len(hashed) == 2


def test_the_watcher_survives_any_failure_of_a_re_export(tmp_path, capsys, monkeypatch):
    import rallycal.publish

    source = copy_source(tmp_path)
    out = tmp_path / "out"
    export(source, out)
    watcher = Watcher(str(source), str(out))
    real_export = rallycal.publish.export

    def broken(*args, **kwargs):
        raise OverflowError("date value out of range")

    monkeypatch.setattr(rallycal.publish, "export", broken)
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop, 0.05), daemon=True)
    thread.start()
    try:
        rename_round(source, "Olympus Rally", "Olympus Rally Revived")
        deadline = time.monotonic() + DEADLINE
        while "OverflowError" not in (err := capsys.readouterr().err):
            assert time.monotonic() < deadline, "the failure was never reported"
            time.sleep(0.05)
        assert "Still serving the last good export" in err and "Traceback" not in err
        assert thread.is_alive()
        monkeypatch.setattr(rallycal.publish, "export", real_export)
        rename_round(source, "Olympus Rally Revived", "Olympus Rally Reborn")
        feed = out / "round" / "olympus.ics"
        while b"Olympus Rally Reborn" not in feed.read_bytes():
            assert time.monotonic() < deadline, "the next change was never exported"
            time.sleep(0.05)
        assert thread.is_alive()
    finally:
        stop.set()
        thread.join(DEADLINE)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO")
def test_the_watcher_never_opens_a_source_that_is_not_a_regular_file(tmp_path):
    fifo = tmp_path / "events.yaml"
    os.mkfifo(fifo)
    watcher = Watcher(str(fifo), str(tmp_path / "out"))  # opening it would block here
    assert watcher._content_digest() is None
