"""Requests per second of the reference server for a mixed create/retrieve/query workload.

Reported as a ratio against a minimal http.server answering 200 {} to everything, driven by
the same client loop over one keep-alive requests.Session on loopback, in the same run.
Run: .venv/bin/python bench/bench_reference.py [--requests N]
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from conform.reference import ReferenceServer


class _Baseline(BaseHTTPRequestHandler):
    """Answers 200 {} to everything, reading any body so keep-alive stays in step."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # as the reference server: no delayed-ACK stalls

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def workload(root: str, total: int) -> float:
    """Run `total` requests (create, retrieve, query in turn); return requests per second."""
    api = f"{root}/ngsi-ld/v1"
    steps: list[Callable[[requests.Session, int], requests.Response]] = [
        lambda s, n: s.post(
            f"{api}/entities",
            json={
                "id": f"urn:ngsi-ld:Bench:{n}",
                "type": "Bench",
                "n": {"type": "Property", "value": n},
            },
        ),
        lambda s, n: s.get(f"{api}/entities/urn:ngsi-ld:Bench:{n}"),
        lambda s, n: s.get(
            f"{api}/entities", params={"type": "Bench", "q": f"n>={n - 20}", "limit": 10}
        ),
    ]
    with requests.Session() as session:
        started = time.perf_counter()
        for n in range(total):
            steps[n % 3](session, n - n % 3).raise_for_status()
        return total / (time.perf_counter() - started)


def main() -> None:
    """Measure baseline and reference server; print both and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per server")
    total = parser.parse_args().requests
    baseline = ThreadingHTTPServer(("127.0.0.1", 0), _Baseline)
    thread = threading.Thread(target=baseline.serve_forever, daemon=True)
    thread.start()
    try:
        base_rps = workload(f"http://127.0.0.1:{baseline.server_address[1]}", total)
    finally:
        baseline.shutdown()
        baseline.server_close()
    with ReferenceServer() as server:
        ref_rps = workload(server.url, total)
    print(f"requests per server: {total} (create/retrieve/query mix, one keep-alive session)")
    print(f"baseline http.server {base_rps:8.0f} req/s")
    print(f"reference server     {ref_rps:8.0f} req/s")
    print(f"ratio reference/baseline: {ref_rps / base_rps:.2f}")


if __name__ == "__main__":
    main()
