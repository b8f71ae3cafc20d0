"""A reference server in its own process that counts requests (GET /__count answers the count).

Run as a child by the benches, so the client under test never shares a GIL with the server:
`python bench/_server.py` prints the root URL on its first line, serves until stdin closes.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import requests

_count = 0
_lock = threading.Lock()


def _serve() -> None:
    from conform.bundle import load_bundle
    from conform.reference.choose import for_bundle

    bundle = load_bundle(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    server = for_bundle(bundle)  # the reference server speaking the bundle's protocol
    base = server.handler

    class Counting(base):  # type: ignore[valid-type, misc]
        def _handle(self) -> None:
            global _count
            if self.path == "/__count":
                body = str(_count).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            with _lock:
                _count += 1
            base._handle(self)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _handle

    server.handler = Counting
    server.start()
    print(server.url, flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    server.stop()


@contextlib.contextmanager
def counting_server(bundle_dir: Path | None = None) -> Iterator[str]:
    """The root URL of a fresh counting reference server in a child process."""
    argv = [sys.executable, __file__, *([str(bundle_dir)] if bundle_dir else [])]
    child = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdin is not None
    try:
        yield child.stdout.readline().strip()
    finally:
        child.stdin.close()
        child.wait(timeout=30)


def request_count(root: str) -> int:
    """How many requests the counting server at ROOT has answered so far."""
    return int(requests.get(f"{root}/__count", timeout=5).text)


if __name__ == "__main__":
    _serve()
