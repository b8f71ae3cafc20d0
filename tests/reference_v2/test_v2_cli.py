"""`conform reference serve --bundle city-os-v2` serves the NGSI v2 reference server."""

from __future__ import annotations

import signal
import subprocess
import sys

import requests

SERVE = [sys.executable, "-m", "conform", "reference", "serve"]


def test_reference_serve_v2_bundle() -> None:
    proc = subprocess.Popen(
        [*SERVE, "--port", "0", "--bundle", "city-os-v2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("conform reference server ") and " at http://127.0.0.1:" in line, (
            line
        )
        assert "(API under /v2)" in line and line.endswith("--bundle city-os-v2@1.0"), line
        root = line.split(" at ", 1)[1].split(" ", 1)[0] + "/v2"
        with requests.Session() as http:
            assert http.get(root + "/entities", timeout=10).json() == []
            assert http.get(root + "/entities/nope", timeout=10).json()["error"] == "NotFound"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)  # also closes the pipes
    assert proc.returncode == 0


def test_reference_serve_unknown_bundle_is_a_usage_error() -> None:
    run = subprocess.run(
        [*SERVE, "--bundle", "nope"], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 2
    assert run.stderr.strip().startswith("error: unknown bundle 'nope'"), run.stderr
