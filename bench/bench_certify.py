"""Time to certify and peak memory: `conform run` (defaults) vs importing the CLI; a 1 GB answer.

Peak RSS comes from `/usr/bin/time -v` (Maximum resident set size) of each child process.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from _common import VENV_BIN, median, table, time_v
from _server import counting_server

GIB = 1024**3
_CHUNK = b"\0" * (1 << 20)


class _Huge(BaseHTTPRequestHandler):
    """GET: a 1 GiB JSON-typed body streamed in 1 MiB chunks; anything else: 201 {}.

    With `announce`, Content-Length says 1 GiB (the client may refuse up front); without, the
    body ends when the connection closes, so only a bounded read protects the client.
    """

    protocol_version = "HTTP/1.1"
    announce = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if self.announce:
            self.send_header("Content-Length", str(GIB))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        with contextlib.suppress(OSError):  # the client hangs up at its body cap
            for _ in range(GIB // len(_CHUNK)):
                self.wfile.write(_CHUNK)

    def _small(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_POST = do_PATCH = do_PUT = do_DELETE = _small


@contextlib.contextmanager
def huge_server(announce: bool) -> Iterator[str]:
    """The root URL of a loopback server answering every GET with 1 GiB (child process)."""
    mode = "announce" if announce else "stream"
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve-huge", mode], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stdout is not None and child.stdin is not None
    try:
        yield child.stdout.readline().strip()
    finally:
        child.stdin.close()
        child.wait(timeout=30)


def serve_huge(mode: str) -> None:
    """Child mode: serve until stdin closes."""
    _Huge.announce = mode == "announce"
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Huge)
    server.daemon_threads = True
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"http://127.0.0.1:{server.server_port}", flush=True)
    sys.stdin.read()


def measure(argv: list[str], repeat: int) -> tuple[float, float, int]:
    """Median wall seconds, median peak RSS (MiB), last exit code over REPEAT runs."""
    runs = [time_v(argv) for _ in range(repeat)]
    return median(w for w, _, _ in runs), median(r for _, r, _ in runs) / 1024, runs[-1][2]


def main() -> None:
    """Print wall time and peak RSS of each command against its baseline."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="CORE-001", help="requirement for the 1 GiB runs")
    parser.add_argument("--serve-huge", choices=["announce", "stream"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_huge:
        serve_huge(args.serve_huge)
        return
    conform, rows = str(VENV_BIN / "conform"), []
    with tempfile.TemporaryDirectory() as tmp:
        startup = measure([sys.executable, "-c", "import conform.cli"], args.repeat)
        rows.append(("python -c 'import conform.cli' (baseline)", *startup))
        full = measure([conform, "run", "--out", f"{tmp}/full"], args.repeat)
        rows.append(("conform run (defaults, reference server)", *full))
        with counting_server() as root:
            small = measure([conform, "run", "--url", root, "--only", args.only,
                             "--out", f"{tmp}/small"], args.repeat)  # fmt: skip
        rows.append((f"conform run --url <reference> --only {args.only} (baseline)", *small))
        huge = {}
        for announce, label in ((True, "Content-Length: 1 GiB"), (False, "1 GiB, no length")):
            with huge_server(announce) as root:
                huge[announce] = measure([conform, "run", "--url", root, "--only", args.only,
                                          "--out", f"{tmp}/huge"], args.repeat)  # fmt: skip
            rows.append((f"conform run --url <GET answers {label}> --only {args.only}",
                         *huge[announce]))  # fmt: skip
    print(table(
        ["command", "wall s", "peak RSS MiB", "exit"],
        [(c, f"{w:.2f}", f"{r:.0f}", e) for c, w, r, e in rows],
    ))  # fmt: skip
    print(
        f"\nfull run vs import: wall {full[0] / startup[0]:.1f}x, RSS {full[1] / startup[1]:.2f}x"
    )
    for announce, big in huge.items():
        how = "announced" if announce else "streamed without length"
        print(f"1 GiB answer ({how}) vs reference, same --only: RSS {big[1] / small[1]:.2f}x "
              f"({big[1] - small[1]:+.0f} MiB; response cap 10 MiB by default)")  # fmt: skip


if __name__ == "__main__":
    main()
