"""How many requests a second `rallycal serve` answers, against `python -m http.server`.

    python benchmarks/serve_load.py [--requests N] [--clients C] [--rounds R]

Both servers run as child processes on 127.0.0.1 over the same folder: the shipped
season exported, plus `big.ics` (8 MB, the size of a large season's feed). Client
threads send bounded numbers of requests with raw sockets (little client work, so the
servers are what is measured), in two ways:

* `new connection`: one connection per request, as `http.server` answers by default
  (HTTP/1.0, it closes after each response);
* `keep-alive`: each client reuses one HTTP/1.1 connection (`http.server --protocol
  HTTP/1.1`, which writes headers and body in two writes).

Plain GETs fetch `all.ics`; conditional GETs send the `If-Modified-Since` both servers
understand (and rallycal's `If-None-Match`), for `all.ics` and for `big.ics`. The
servers alternate, one short measurement each, `--rounds` times: the table gives the
median rate of each and the median and range of the paired ratios (a shared, busy
machine moves single figures by a factor of two; pairs taken a second apart move
together), and each server's CPU time per request, from /proc (what the load of other
processes disturbs least). Total run time: about 40 s with the defaults. Request logs
go to /dev/null for both.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from email.utils import formatdate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "events.yaml"
EPOCH = 1767225600
BIG_BYTES = 8_700_000


def start(command: list[str]) -> tuple[subprocess.Popen[bytes], int]:
    """A server child on a free port (found by binding port 0 first)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [*command, str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            time.sleep(0.05)
    process.kill()
    sys.exit(f"serve_load: {command[:3]} did not start")


def read_response(sock: socket.socket, buffer: bytes) -> tuple[int, bytes]:
    """One response's status, and what was read past it."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("closed before a response")
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    status = int(head[9:12])
    match = re.search(rb"\r\nContent-Length: (\d+)", head, re.IGNORECASE)
    length = int(match.group(1)) if match and status != 304 else 0
    while len(rest) < length:
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("closed in a body")
        rest += chunk
    return status, rest[length:]


def client(port: int, request: bytes, count: int, keep_alive: bool, expect: int,
           errors: list[str]) -> None:
    sock: socket.socket | None = None
    buffer = b""
    try:
        for _ in range(count):
            if sock is None:
                sock = socket.create_connection(("127.0.0.1", port), timeout=30)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                buffer = b""
            sock.sendall(request)
            status, buffer = read_response(sock, buffer)
            if status != expect:
                errors.append(f"status {status}, expected {expect}")
                return
            if not keep_alive:
                sock.close()
                sock = None
    except OSError as error:
        errors.append(str(error))
    finally:
        if sock is not None:
            sock.close()


def cpu_seconds(pid: int) -> float:
    """A child's CPU time so far (user and system), from /proc; 0 where there is none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(port: int, request: bytes, total: int, clients: int, keep_alive: bool,
         expect: int) -> float:
    """Requests per second for `total` requests spread over `clients` threads."""
    errors: list[str] = []
    threads = [
        threading.Thread(target=client,
                         args=(port, request, total // clients, keep_alive, expect, errors))
        for _ in range(clients)
    ]
    start_time = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start_time
    if errors:
        sys.exit(f"serve_load: {errors[0]}")
    return (total // clients * clients) / seconds


def per_request(seconds: float, requests: int) -> str:
    return f"{seconds / requests * 1e6:,.0f}" if seconds and requests else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="per measurement")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=9)
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="rallycal-serve-load-"))
    try:
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "SOURCE_DATE_EPOCH": str(EPOCH)}
        subprocess.run([sys.executable, "-m", "rallycal", "export", str(SHIPPED), "--out",
                        str(folder), "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
        feed = (folder / "all.ics").read_bytes()
        (folder / "big.ics").write_bytes((feed * (BIG_BYTES // len(feed) + 1))[:BIG_BYTES])
        mtime = formatdate((folder / "all.ics").stat().st_mtime + 1, usegmt=True)
        servers = {
            "http.server": [sys.executable, "-m", "http.server", "-b", "127.0.0.1", "-d",
                            str(folder)],
            "http.server --protocol HTTP/1.1": [
                sys.executable, "-m", "http.server", "--protocol", "HTTP/1.1", "-b",
                "127.0.0.1", "-d", str(folder)],
            "rallycal serve": [sys.executable, "-c",
                               "import sys; from rallycal.serve import make_server; "
                               f"make_server({str(folder)!r}, '127.0.0.1', "
                               "int(sys.argv[1])).serve_forever()"],
        }
        running = {name: start(command) for name, command in servers.items()}
        etags = {}
        for target in ("/all.ics", "/big.ics"):
            probe = socket.create_connection(("127.0.0.1", running["rallycal serve"][1]))
            probe.sendall(f"HEAD {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                          .encode())
            head = b""
            while chunk := probe.recv(65536):
                head += chunk
            probe.close()
            match = re.search(rb"ETag: (\S+)", head)
            assert match, head
            etags[target] = match.group(1).decode()

        def request(target: str, extra: str = "", keep_alive: bool = True) -> bytes:
            return (f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}"
                    f"{'' if keep_alive else 'Connection: close' + chr(13) + chr(10)}\r\n"
                    ).encode()

        since = f"If-Modified-Since: {mtime}\r\n"
        cases = [
            # name, reference server, target, extra headers for rallycal, for the reference,
            # keep-alive, expected status
            ("plain GET all.ics, new connection", "http.server", "/all.ics", "", "", False, 200),
            ("plain GET all.ics, keep-alive", "http.server --protocol HTTP/1.1", "/all.ics",
             "", "", True, 200),
            ("conditional GET all.ics, new connection", "http.server", "/all.ics", since, since,
             False, 304),
            ("conditional GET all.ics, keep-alive", "http.server --protocol HTTP/1.1",
             "/all.ics", since, since, True, 304),
            ("conditional GET big.ics (If-None-Match), keep-alive",
             "http.server --protocol HTTP/1.1", "/big.ics",
             f"If-None-Match: {etags['/big.ics']}\r\n", since, True, 304),
        ]
        print(f"{options.requests} requests per measurement, {options.clients} clients, "
              f"{options.rounds} pairs; requests per second", file=sys.stderr)
        print("| case | reference | reference req/s | rallycal serve req/s "
              "| ratio (median of pairs, range) | server CPU µs/request: reference, rallycal |")
        print("|---|---|---|---|---|---|")
        for name, reference, target, ours, theirs, keep_alive, expect in cases:
            figures: dict[str, list[float]] = {"ours": [], "theirs": []}
            cpu = {"ours": 0.0, "theirs": 0.0}
            done = {"ours": 0, "theirs": 0}
            pids = {"ours": running["rallycal serve"][0].pid, "theirs": running[reference][0].pid}
            total = options.requests * (5 if keep_alive else 1)  # similar durations
            if reference == "http.server --protocol HTTP/1.1" and expect == 200:
                total = min(total, 80)  # a few dozen a second there: the Nagle stall
            for _ in range(options.rounds):
                for who, port, extra, count in (
                    ("theirs", running[reference][1], theirs, total),
                    ("ours", running["rallycal serve"][1], ours,
                     options.requests * (5 if keep_alive else 1)),
                ):
                    before = cpu_seconds(pids[who])
                    figures[who].append(load(port, request(target, extra, keep_alive), count,
                                             options.clients, keep_alive, expect))
                    cpu[who] += cpu_seconds(pids[who]) - before
                    done[who] += count // options.clients * options.clients
            ratios = [o / t for o, t in zip(figures["ours"], figures["theirs"], strict=True)]
            print(f"| {name} | `{reference}` | {statistics.median(figures['theirs']):,.0f} | "
                  f"{statistics.median(figures['ours']):,.0f} | "
                  f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f}) | "
                  f"{per_request(cpu['theirs'], done['theirs'])}, "
                  f"{per_request(cpu['ours'], done['ours'])} |", flush=True)
    finally:
        for process, _ in locals().get("running", {}).values():
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
