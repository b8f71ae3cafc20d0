"""`conform run` as a user runs it: exit codes, --out, bad flags, unreachable target, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from loopback import default_sigint

from conform.bundle import load_bundle
from conform.runner.output import check_report

LATEST = load_bundle("city-os").ref  # a run without --bundle certifies against the newest version
OPTIONAL = ", ".join(c.id for c in load_bundle("city-os").optional_classes)


def conform(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    return subprocess.run(
        [sys.executable, "-m", "conform", "run", *args],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=300, check=False,
    )  # fmt: skip


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lang", "fr"], "error: --lang: must be one of en, ja, got 'fr'"),
        (["--seed", "-3"], "error: --seed: must be a non-negative integer, got -3"),
        (["--only", "core-1"], "error: --only: 'core-1' is not a requirement id like CORE-001"),
        (["--only", "CORE-999"], f"error: --only: 'CORE-999' is not a requirement of {LATEST}"),
        (["--url", "ftp://x"], "error: --url: 'ftp://x' is not an http(s) URL with a host"),
        (["--system", "nope.yaml"], "error: --system: nope.yaml: file not found"),
        (
            ["--url", "http://127.0.0.1:9", "--class", "teleport"],
            "error: --class: unknown conformance class 'teleport'; optional classes of "
            f"{LATEST}: {OPTIONAL}",
        ),
    ],
)
def test_bad_options_exit_2_with_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    proc = conform(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == message
    assert not (tmp_path / "reports").exists()


def test_system_file_naming_an_unpublished_model_exits_2(tmp_path: Path) -> None:
    system = tmp_path / "system.yaml"
    system.write_text("name: s\nurl: http://127.0.0.1:9\ndata_models: [Bogus]\n")
    proc = conform("--system", str(system), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: {system}: data_models: unknown model 'Bogus'; models")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "reports").exists()


def test_system_file_with_a_bad_bundle_exits_2(tmp_path: Path) -> None:
    system = tmp_path / "system.yaml"
    system.write_text("name: s\nurl: http://127.0.0.1:9\nbundle: [1]\n")
    proc = conform("--system", str(system), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f"error: {system}: bundle: expected a bundle as ID or ID@VERSION, e.g. city-os@1.1"
    )
    assert not (tmp_path / "reports").exists()


def test_unknown_flag_is_a_usage_error(tmp_path: Path) -> None:
    proc = conform("--frobnicate", cwd=tmp_path)
    assert proc.returncode == 2
    assert "No such option: --frobnicate" in proc.stderr


def test_unreachable_writes_incomplete_report_into_new_out_dir(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "out"
    proc = conform("--url", f"http://127.0.0.1:{closed_port()}", "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    doc = json.loads((out / "report.json").read_text())
    assert check_report(doc) == []
    assert doc["verdict"] == "INCOMPLETE"
    musts = [r for r in doc["requirements"] if r["level"] == "MUST" and r["applicable"]]
    assert musts and {r["status"] for r in musts} == {"error"}
    assert "endpoint unreachable" in proc.stdout
    assert f"report written to {out}" in proc.stdout
    assert {p.name for p in out.iterdir()} >= {"report.json", "evidence.jsonl", "report.html"}


def test_default_out_dir_is_named_after_the_system(tmp_path: Path) -> None:
    port = closed_port()
    proc = conform("--url", f"http://127.0.0.1:{port}", "--seed", "11", cwd=tmp_path)
    assert proc.returncode == 3
    (folder,) = (p for p in (tmp_path / "reports").iterdir() if p.name != "last")
    assert folder.name.startswith(f"127.0.0.1-{port}-")
    assert json.loads((folder / "report.json").read_text())["seed"] == 11
    assert "seed 11" in proc.stdout


class _Slow(BaseHTTPRequestHandler):
    """Answers reads at once and holds every write open: a run stuck mid-test."""

    writes = threading.Event()

    def _answer(self, status: int, body: bytes = b"") -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer(200, b"[]")

    def do_DELETE(self) -> None:
        self._answer(204)

    def do_POST(self) -> None:
        type(self).writes.set()
        time.sleep(30)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def slow_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    server.daemon_threads = True
    _Slow.writes.clear()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_ctrl_c_writes_incomplete_report_and_exits_130(slow_server: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "conform", "run", "--url", slow_server, "--out", str(out),
         "--only", "CORE-001", "--request-timeout", "60"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=default_sigint,
    )  # fmt: skip
    try:
        assert _Slow.writes.wait(60), "the run never sent its first write"
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, stdout + stderr
    doc = json.loads((out / "report.json").read_text())
    assert check_report(doc) == []
    assert doc["interrupted"] is True
    assert doc["verdict"] == "INCOMPLETE"
    core1 = next(r for r in doc["requirements"] if r["id"] == "CORE-001")
    assert core1["status"] == "error"
