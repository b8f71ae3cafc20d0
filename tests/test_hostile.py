"""`conform run` vs hostile endpoints: could-not-test is INCOMPLETE, garbage NOT_CERTIFIED."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from loopback import Answer, HttpServer, RawServer, free_port, read_request_head, reset, self_signed

from conform.signing import PASSPHRASE_ENV

HEAD_200 = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
ONLY = ("--only", "ERR-010")  # a few requests, each expecting a 400 InvalidRequest problem
HANG_GUARD = 60.0  # seconds: proves no hang (timeout 1 s x a handful of requests), not speed


def run_conform(
    *args: str, out: Path, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """`python -m conform run ARGS --out OUT` as a user runs it; (process, report.json)."""
    full = {k: v for k, v in os.environ.items() if k not in ("CI", PASSPHRASE_ENV)}
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "conform", "run", *args, "--out", str(out)],
        capture_output=True, text=True, env={**full, **(env or {})}, timeout=300, check=False,
    )  # fmt: skip
    assert time.monotonic() - started < HANG_GUARD, "the run did not stay within its timeouts"
    assert (out / "report.json").is_file(), proc.stderr
    return proc, json.loads((out / "report.json").read_text(encoding="utf-8"))


def results(report: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Requirement id -> (status, message) of the run's selected requirements."""
    return {
        r["id"]: (r["status"], r["message"])
        for r in report["requirements"]
        if r["status"] != "skipped"
    }


def could_not_test(url: str, out: Path, cause: str, *extra: str) -> dict[str, Any]:
    """Run against URL; every selected requirement errors naming CAUSE; INCOMPLETE, exit 3."""
    proc, report = run_conform("--url", url, "--request-timeout", "1", *ONLY, *extra, out=out)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert report["verdict"] == "INCOMPLETE"
    got = results(report)
    assert got and all(s == "error" and cause in m for s, m in got.values()), got
    return report


def test_connection_refused(tmp_path: Path) -> None:
    could_not_test(f"http://127.0.0.1:{free_port()}", tmp_path, "connection refused")


def test_unresolvable_name(tmp_path: Path) -> None:
    could_not_test("http://conform-hostile.invalid", tmp_path, "DNS lookup failed")


def _tls_server(cert: Path, key: Path) -> HttpServer:
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    return HttpServer(lambda s: Answer(200, {"Content-Type": "application/json"}, b"[]"), tls=tls)


def test_self_signed_tls_fails_and_ca_bundle_trusts_it(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    with _tls_server(cert, key) as srv:
        could_not_test(srv.url, tmp_path / "untrusted", "TLS certificate verification failed")
        proc, report = run_conform(
            "--url", srv.url, "--request-timeout", "1", *ONLY, "--ca-bundle", str(cert),
            out=tmp_path / "trusted",
        )  # fmt: skip
    # the handshake succeeds: the run reaches the tests, which fail on the non-NGSI-LD answers
    got = results(report)
    assert got["ERR-010"][0] == "failed" and "TLS" not in got["ERR-010"][1]
    assert proc.returncode == 1 and report["verdict"] == "NOT_CERTIFIED"


def test_server_that_never_answers(tmp_path: Path) -> None:
    with RawServer(lambda conn, stop: stop.wait()) as srv:
        could_not_test(srv.url, tmp_path, "no data from the target within 1s")


def test_headers_then_stalled_body(tmp_path: Path) -> None:
    def serve(conn: socket.socket, stop: threading.Event) -> None:
        read_request_head(conn)
        conn.sendall(HEAD_200 + b"Content-Length: 100\r\n\r\n[")
        stop.wait()

    with RawServer(serve) as srv:
        could_not_test(srv.url, tmp_path, "within 1s")


def test_reset_mid_body(tmp_path: Path) -> None:
    def serve(conn: socket.socket, stop: threading.Event) -> None:
        read_request_head(conn)
        conn.sendall(HEAD_200 + b"Content-Length: 1000\r\n\r\n[1,2,")
        time.sleep(0.05)
        reset(conn)

    with RawServer(serve) as srv:
        could_not_test(srv.url, tmp_path, "connection reset by the target")


def test_endless_body_is_capped_by_max_body(tmp_path: Path) -> None:
    def serve(conn: socket.socket, stop: threading.Event) -> None:
        read_request_head(conn)
        conn.sendall(HEAD_200 + b"\r\n")
        while not stop.is_set():
            conn.sendall(b" " * 65536)

    with RawServer(serve) as srv:
        # fail closed: the cap is the harness's limit, so the requirement errors (not failed)
        report = could_not_test(
            srv.url, tmp_path, "response larger than 100000 bytes", "--max-body", "100000"
        )
    assert all("--max-body" in m for _, m in results(report).values())


@pytest.mark.parametrize(
    ("content_type", "body", "why"),
    [
        ("application/json", b'{"type": "https://uri.etsi.org', "expected a JSON body"),
        ("application/json; charset=shift_jis", '{"title": "東京"}'.encode("shift_jis"), "JSON"),
        ("application/json", b'"a string, not a problem object"', "problem details object"),
        ("application/json", b"42", "problem details object"),
    ],
    ids=["invalid-json", "wrong-charset", "string", "number"],
)
def test_garbage_answers_fail(tmp_path: Path, content_type: str, body: bytes, why: str) -> None:
    answer = Answer(400, {"Content-Type": content_type}, body)
    with HttpServer(lambda s: answer) as srv:
        proc, report = run_conform("--url", srv.url, "--request-timeout", "1", *ONLY, out=tmp_path)
    status, message = results(report)["ERR-010"]
    assert status == "failed" and why in message, message
    assert proc.returncode == 1 and report["verdict"] == "NOT_CERTIFIED"


def test_cross_origin_redirect_sends_no_credentials(tmp_path: Path) -> None:
    with HttpServer() as receiver:
        to_other = Answer(302, {"Location": f"{receiver.url}/steal"})
        with HttpServer(lambda s: to_other) as srv:
            system = tmp_path / "system.yaml"
            system.write_text(
                f"name: hostile\nurl: {srv.url}\nauth: {{kind: bearer, token_env: HOSTILE_TOKEN}}\n"
            )
            env = {"HOSTILE_TOKEN": "hostile-token-4711"}
            proc, report = run_conform(
                "--system", str(system), "--request-timeout", "1", *ONLY,
                out=tmp_path / "out", env=env,
            )  # fmt: skip
    assert receiver.requests == []  # nothing at all reached the other origin
    assert srv.requests[0].headers["Authorization"] == "Bearer hostile-token-4711"
    assert proc.returncode == 3 and report["verdict"] == "INCOMPLETE"
    assert all("redirect to another origin refused" in m for _, m in results(report).values())


def test_endless_429_is_honoured_then_an_error(tmp_path: Path) -> None:
    with HttpServer(lambda s: Answer(429, {"Retry-After": "1"})) as srv:
        could_not_test(srv.url, tmp_path, "rate limited")
    assert len(srv.requests) == 4  # the probe, then three retries after waiting Retry-After
