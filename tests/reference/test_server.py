"""Server lifecycle and the `conform reference serve` command."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading

import requests

from conform.errors import UsageError
from conform.reference import ReferenceServer


def test_start_stop_leaves_no_threads_and_frees_the_port():
    """stop() joins every thread it started, including ones on open keep-alive connections."""
    before = set(threading.enumerate())
    server = ReferenceServer().start()
    session = requests.Session()
    assert session.get(f"{server.url}/ngsi-ld/v1/types").status_code == 200  # keeps a connection
    port = int(server.url.rsplit(":", 1)[1])
    server.stop()
    session.close()
    assert set(threading.enumerate()) <= before
    with socket.create_server(("127.0.0.1", port)):
        pass  # the port can be bound again


def test_port_in_use_is_a_conform_error():
    """A busy port is reported as a ConformError naming the address."""
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        try:
            ReferenceServer(port=port).start()
        except UsageError as exc:
            assert f"cannot listen on 127.0.0.1:{port}" in str(exc)
        else:
            raise AssertionError("start() succeeded on a busy port")


def test_cli_serve_runs_until_sigint():
    """`conform reference serve --bundle` prints its URL, serves that bundle, exits 0 on Ctrl-C."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    command = [sys.executable, "-c", "from conform.cli import main; main()"]
    with subprocess.Popen(
        [*command, "reference", "serve", "--port", str(port), "--bundle", "city-os@1.0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            line = process.stdout.readline() if process.stdout else ""
            expected = (
                f"conform reference server for city-os@1.0 at http://127.0.0.1:{port}/ngsi-ld/v1"
            )
            assert line.strip() == expected, process.stderr.read() if process.stderr else ""
            url = f"http://127.0.0.1:{port}/ngsi-ld/v1/types"
            assert requests.get(url, timeout=5).status_code == 200
            served = requests.get(f"http://127.0.0.1:{port}/openapi.yaml", timeout=5).text
            assert 'version: "1.0"' in served
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=10) == 0
            assert process.stderr is not None and process.stderr.read() == ""
        finally:
            if process.poll() is None:
                process.kill()
