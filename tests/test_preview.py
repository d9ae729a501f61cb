"""`rallycal serve` as a user runs it: `python -m rallycal serve events.yaml --port 0` in a
folder holding events.yaml and its exported dist/, asked over HTTP, then stopped with
Ctrl-C. The committed output (dist/) is never written unless `--out` names it.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import EPOCH, copy_source, export, snapshot

from rallycal.cli.commands import cli

LATER = EPOCH + 86_400  # the time of every export the server makes
DEADLINE = 30  # seconds a server may take to start or to stop, at most
SERVING = r"^Serving .* at (http://\S+/) \(Ctrl-C to stop\)\.$"
HOSTILE_DATE = "Fri, 31 Dec 99999999999 23:59:59 GMT"  # no datetime can hold it


def state(folder: Path) -> dict[str, tuple]:
    """Every file's bytes, inode and mtime, by relative path."""
    return {
        path.relative_to(folder).as_posix(): (
            path.read_bytes(), path.stat().st_ino, path.stat().st_mtime_ns,
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module", autouse=True)
def ctrl_c_reaches_the_server() -> Iterator[None]:
    """A server started while this process ignores SIGINT (a background job) would ignore
    it too: give it Ctrl-C's default meaning, as in a terminal."""
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    yield
    if ignored:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.fixture
def site(tmp_path) -> Path:
    """A folder holding events.yaml and dist/, its export; then a round renamed in
    events.yaml, so that the next export (the preview's) has something to write."""
    source = copy_source(tmp_path)
    export(source, tmp_path / "dist")
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("name: Olympus Rally\n", "name: Olympus Forest Rally\n"),
                      encoding="utf-8")
    return tmp_path


@dataclass
class Server:
    process: subprocess.Popen
    stderr: Path
    lines: queue.Queue = field(default_factory=queue.Queue)  # stdout, line by line
    seen: list[str] = field(default_factory=list)
    url: str = ""

    def wait_for(self, pattern: str, timeout: float = DEADLINE, failed: str = "") -> re.Match:
        """The first line of stdout (from the last one looked at on) matching `pattern`;
        an AssertionError at once if stderr shows `failed`, or after `timeout` seconds."""
        end = time.monotonic() + timeout
        while True:
            errors = self.stderr.read_text(encoding="utf-8")
            if time.monotonic() > end or (failed and failed in errors):
                raise AssertionError(f"no line matching {pattern!r} in stdout: {self.seen}; "
                                     f"stderr: {errors}")
            try:
                line = self.lines.get(timeout=0.05)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"the server ended; stdout: {self.seen}; stderr: {errors}")
            self.seen.append(line)
            found = re.search(pattern, line)
            if found:
                return found

    def get(self, path: str) -> tuple[int, str, bytes]:
        with urllib.request.urlopen(self.url + path, timeout=DEADLINE) as response:
            return response.status, response.headers["Content-Type"], response.read()

    def stop(self) -> tuple[int, str, str]:
        """Ctrl-C: the exit status, the rest of stdout, and stderr."""
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=DEADLINE)
        rest = []
        while (line := self.lines.get(timeout=DEADLINE)) is not None:
            rest.append(line)
        stderr = self.stderr.read_text(encoding="utf-8")
        return self.process.returncode, "\n".join(rest), stderr


@contextlib.contextmanager
def serving(cwd: Path, *options: str, **environment: str) -> Iterator[Server]:
    """`python -m rallycal serve events.yaml OPTIONS` in `cwd`, up and serving (with
    `environment` added to this process's)."""
    stderr = cwd / "serve-stderr.txt"
    with open(stderr, "wb") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "rallycal", "serve", "events.yaml", *options],
            cwd=cwd,
            env={**os.environ, "SOURCE_DATE_EPOCH": str(LATER), "PYTHONUNBUFFERED": "1",
                 **environment},
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
    server = Server(process, stderr)

    def read() -> None:
        for line in process.stdout:
            server.lines.put(line.rstrip("\n"))
        server.lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    try:
        server.url = server.wait_for(SERVING).group(1)
        yield server
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def warnings_of_export(site: Path, monkeypatch, *options: str) -> list[str]:
    """The warnings `rallycal export events.yaml` prints, run in `site` into a copy of dist."""
    shutil.copytree(site / "dist", site / "export-copy")
    monkeypatch.chdir(site)
    done = CliRunner().invoke(cli, ["export", "events.yaml", "-o", "export-copy", *options],
                              env={"SOURCE_DATE_EPOCH": str(LATER)})
    assert done.exit_code == 0, done.stderr
    return warning_lines(done.stderr)


def warning_lines(stderr: str) -> list[str]:
    return sorted(line for line in stderr.splitlines() if line.startswith("warning: "))


def unfolded(data: bytes) -> bytes:
    return data.replace(b"\r\n ", b"")


def test_serve_shows_the_next_export_and_leaves_dist_as_it_was(site, monkeypatch):
    before = state(site / "dist")
    with serving(site, "--port", "0") as server:
        status, kind, page = server.get("index.html")
        assert (status, kind) == (200, "text/html; charset=utf-8")
        assert b"Olympus Forest Rally" in page  # the preview shows the edited source
        status, kind, feed = server.get("all.ics")
        assert (status, kind) == (200, "text/calendar; charset=utf-8")
        assert b"SUMMARY:ARA R3: Olympus Forest Rally" in unfolded(feed)
        host, port = server.url.removeprefix("http://").rstrip("/").rsplit(":", 1)
        connection = http.client.HTTPConnection(host, int(port), timeout=DEADLINE)
        connection.request("GET", "/index.html", headers={"If-Modified-Since": HOSTILE_DATE})
        response = connection.getresponse()  # an answer, not a dropped connection
        assert response.status in (200, 304)
        response.read()
        connection.close()
        code, stdout, stderr = server.stop()
    assert code == 0, stderr
    assert "Stopped." in stdout.splitlines() and "Traceback" not in stderr
    assert any(line.lstrip().startswith("changed  Olympus Forest Rally") for line in server.seen)
    assert state(site / "dist") == before
    shown = warning_lines(stderr)
    assert any("no base URL" in line for line in shown), stderr
    assert shown == warnings_of_export(site, monkeypatch)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_with_a_base_url_links_to_it_and_leaves_dist_as_it_was(site, monkeypatch):
    before = state(site / "dist")
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    with serving(site, "--port", str(port), "--base-url", base) as server:
        assert server.url == base
        status, _, page = server.get("index.html")
        assert status == 200
        assert f"127.0.0.1:{port}/all.ics".encode() in page  # a subscribe link
        status, _, feed = server.get("all.ics")
        assert status == 200 and b"Olympus Forest Rally" in unfolded(feed)
        code, stdout, stderr = server.stop()
    assert code == 0 and "Stopped." in stdout.splitlines() and "Traceback" not in stderr
    assert state(site / "dist") == before
    shown = warning_lines(stderr)
    assert not any("no base URL" in line for line in shown), stderr
    assert shown == warnings_of_export(site, monkeypatch, "--base-url", base)


def test_serve_out_exports_into_the_folder_it_names(site, tmp_path_factory):
    before = state(site / "dist")
    reference = tmp_path_factory.mktemp("reference") / "out"
    export(site / "events.yaml", reference, seconds=LATER)
    with serving(site, "--port", "0", "--out", "preview") as server:
        status, _, feed = server.get("all.ics")
        assert status == 200 and feed == (reference / "all.ics").read_bytes()
        code, stdout, stderr = server.stop()
    assert code == 0 and "Stopped." in stdout.splitlines(), stderr
    assert snapshot(site / "preview") == snapshot(reference)
    assert state(site / "dist") == before


KEPT = "The last good output is still served."  # what a failed re-export ends with
NO_WARNINGS = ("--today", "2026-03-01", "--base-url", "https://feeds.example.org/ara/")


@pytest.mark.slow
@pytest.mark.parametrize("options", [
    pytest.param((), id="with-warnings"),
    pytest.param(NO_WARNINGS, id="without-warnings"),
])
def test_serve_watch_exports_again_when_the_source_changes(site, options):
    before = state(site / "dist")
    with serving(site, "--port", "0", "--watch", *options) as server:
        server.wait_for(r"^Watching events\.yaml")
        source = site / "events.yaml"
        text = source.read_text(encoding="utf-8")
        source.write_text(text.replace("name: Rally Colorado\n", "name: Rally Colorado Rangely\n"),
                          encoding="utf-8")
        changed = time.monotonic()
        server.wait_for(r"^Exported; the preview shows it\.$", timeout=5, failed=KEPT)
        assert time.monotonic() - changed < 5
        status, _, feed = server.get("all.ics")
        assert status == 200 and b"Rally Colorado Rangely" in unfolded(feed)
        code, stdout, stderr = server.stop()
    assert code == 0 and "Stopped." in stdout.splitlines() and "Traceback" not in stderr
    assert KEPT not in stderr
    assert state(site / "dist") == before


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_preview_stopped_by_a_signal_leaves_no_temporary_copy(site, tmp_path_factory, signum):
    """`timeout`, `docker stop` or a closed terminal stop the preview as Ctrl-C does."""
    scratch = tmp_path_factory.mktemp("scratch")
    with serving(site, "--port", "0", TMPDIR=str(scratch)) as server:
        assert list(scratch.iterdir()), "the preview serves a copy in the temporary folder"
        server.process.send_signal(signum)
        server.process.wait(timeout=DEADLINE)
    assert list(scratch.iterdir()) == []
