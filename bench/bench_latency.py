"""Certify a remote-like target: `conform run` through a proxy adding a fixed round trip.

The reference server runs in a child process; a proxy in this process waits DELAY ms before
forwarding each request (one extra round trip per exchange, as a distant system costs). Each
`conform run` is a child process too. Reported: the wall time per delay and its ratio to the
0 ms wall time of the same repeat (median of the per-repeat ratios).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from _common import VENV_BIN, median, read_rows, table, timed
from _server import counting_server

from conform.bundle import Bundle, load_bundle
from conform.framing import read_body
from conform.runner.config import DEFAULT_JOBS
from conform.suite.session import reference_config

_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "date"}


@contextlib.contextmanager
def delaying_proxy(upstream: str, delay: float) -> Iterator[str]:
    """The root URL of a proxy to UPSTREAM that holds every request DELAY seconds first."""
    parts = urlsplit(upstream)
    local = threading.local()  # one kept-alive upstream connection per proxy thread

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def _body(self) -> tuple[bytes, bool]:
            """The request body, and whether it came chunked (it is forwarded chunked)."""
            chunked = "chunked" in (self.headers.get("Transfer-Encoding") or "").lower()
            return read_body(self) or b"", chunked

        def _send(self, body: bytes, chunked: bool) -> http.client.HTTPResponse:
            """Forward on this thread's kept-alive connection; once more on a fresh one when
            the upstream closed it in between (its idle keep-alive ended, or it answered an
            earlier request early and closed)."""
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
            if chunked:
                headers["Transfer-Encoding"] = "chunked"
            for attempt in (1, 2):
                if getattr(local, "conn", None) is None:
                    local.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                try:
                    # refused mid-body (e.g. 413 on its length): its answer is still read
                    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                        local.conn.request(
                            self.command, self.path, body=iter([body]) if chunked else body or None,
                            headers=headers, encode_chunked=chunked,
                        )  # fmt: skip
                    return local.conn.getresponse()
                except (http.client.RemoteDisconnected, ConnectionError):
                    local.conn.close()
                    local.conn = None
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")

        def _forward(self) -> None:
            body, chunked = self._body()
            time.sleep(delay)
            answer = self._send(body, chunked)
            data = answer.read()
            if answer.will_close:
                local.conn.close()
                local.conn = None
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in _HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _forward

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def system_yaml(bundle: Bundle, url: str) -> str:
    """What the reference server implements, as `conform run` without --url declares it."""
    from conform.reference.choose import for_bundle  # its tenants (tenancy classes)

    server = for_bundle(bundle)
    target = reference_config(bundle, url, None, tenant=server.tenant, tenants=server.tenants)
    return json.dumps(
        {"name": "reference", "url": url, "classes": list(target.classes),
         "data_models": list(target.data_models), "tenant": target.tenant,
         "tenants": list(target.tenants)}
    )  # fmt: skip


def certify(
    url: str, bundle: Bundle, seed: int, jobs: int, env: dict[str, str] | None = None
) -> tuple[float, int, int]:
    """(wall seconds, exchanges, exit code) of `conform run` against URL in a child process
    (ENV: its environment, e.g. a PYTHONPATH naming another source tree)."""
    with tempfile.TemporaryDirectory() as out:
        system = Path(out) / "system.yaml"  # JSON is YAML
        system.write_text(system_yaml(bundle, url), encoding="utf-8")
        argv = [
            str(VENV_BIN / "conform"), "run", "--system", str(system),
            "--bundle", f"{bundle.id}@{bundle.version}",
            "--seed", str(seed), "--out", str(Path(out) / "run"), "--jobs", str(jobs),
        ]  # fmt: skip
        wall, proc = timed(lambda: subprocess.run(argv, capture_output=True, check=False, env=env))
        if proc.returncode != 0:  # a figure from a broken run means nothing: show why
            print(proc.stderr.decode(errors="replace")[-300:])
            if proc.returncode == 2:  # stopped before any request: nothing was measured
                raise SystemExit(f"conform run refused its arguments: {' '.join(argv)}")
            report = json.loads((Path(out) / "run" / "report.json").read_text(encoding="utf-8"))
            errors = [r for r in report["requirements"] if r["status"] in ("error", "failed")]
            print(report["warnings"][:3], [(r["id"], r["message"][:200]) for r in errors[:3]])
        return wall, len(read_rows(Path(out) / "run" / "evidence.jsonl")), proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--delays", default="0,20,50", help="round trips to add, in ms")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bundle", default="city-os", help="certified and served (the default's)")
    # the proxy is on loopback, where conform would default to one test at a time: the remote
    # default is given explicitly, since the proxy stands for a remote target
    parser.add_argument(
        "--jobs", type=int, default=DEFAULT_JOBS, help="conform's --jobs (its remote default)"
    )
    parser.add_argument(
        "--base",
        type=Path,
        help="also run the conform of this source tree (`git archive REV | tar -x -C DIR`) in "
        "the same repeats, alternating: a before/after comparison on a noisy machine",
    )
    args = parser.parse_args()
    delays = [int(d) for d in args.delays.split(",")]
    bundle = load_bundle(args.bundle)
    trees: dict[str, dict[str, str] | None] = {"this tree": None}
    if args.base is not None:
        trees["base"] = {**os.environ, "PYTHONPATH": str(args.base.resolve())}
    walls = {(t, d): [] for t in trees for d in delays}
    counts = {(t, d): [] for t in trees for d in delays}
    ratios = {(t, d): [] for t in trees for d in delays}
    for n in range(args.repeat):
        for tree, env in trees.items():
            for delay in delays:
                with (
                    counting_server(bundle.path) as root,
                    delaying_proxy(root, delay / 1000) as proxy,
                ):
                    wall, exchanges, code = certify(proxy, bundle, args.seed, args.jobs, env)
                print(
                    f"run {n}, {tree}: {delay} ms: {wall:.2f}s, {exchanges} exchanges, exit {code}"
                )
                walls[tree, delay].append(wall)
                counts[tree, delay].append(exchanges)
            for delay in delays:
                ratios[tree, delay].append(walls[tree, delay][-1] / walls[tree, delays[0]][-1])
    name = f"{bundle.id}@{bundle.version}"
    for tree in trees:
        rows = [
            (f"{d} ms", f"{median(walls[tree, d]):.2f}", int(median(counts[tree, d])),
             f"{median(ratios[tree, d]):.2f}")
            for d in delays
        ]  # fmt: skip
        print(f"\n{tree}: {name}, conform run --jobs {args.jobs}, medians of {args.repeat} runs")
        print(table(("round trip", "wall s", "exchanges", f"wall / wall({delays[0]} ms)"), rows))
    if args.base is not None:
        pairs = {d: zip(walls["this tree", d], walls["base", d], strict=True) for d in delays}
        rows = [(f"{d} ms", f"{median(a / b for a, b in pairs[d]):.2f}") for d in delays]
        print("\nwall of this tree / wall of base (median of per-repeat ratios)")
        print(table(("round trip", "ratio"), rows))


if __name__ == "__main__":
    main()
