"""The probe: a target that cannot be tested gets one actionable line and exit 3, not 88 errors."""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from loopback import Answer, HttpServer
from test_cli_run import closed_port, conform


def _stopped(proc_stdout: str, reason: str) -> None:
    """The run ended on one line naming REASON, and listed no requirement one by one."""
    lines = proc_stdout.splitlines()
    assert [line for line in lines if reason in line] == [
        next(line for line in lines if line.startswith("INCOMPLETE: could not test: "))
    ]
    assert not [line for line in lines if line.startswith(("ERROR ", "FAILED "))]


def _report(out: Path) -> dict[str, object]:
    doc: dict[str, object] = json.loads((out / "report.json").read_text())
    return doc


def test_refused_connection_is_one_line_exit_3(tmp_path: Path) -> None:
    port = closed_port()
    proc = conform("--url", f"http://127.0.0.1:{port}", "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    _stopped(proc.stdout, "connection refused — is the system running, and is the URL right?")
    assert _report(tmp_path / "o")["verdict"] == "INCOMPLETE"


def test_a_japanese_run_says_why_it_stopped_in_japanese(tmp_path: Path) -> None:
    port = closed_port()
    out = tmp_path / "o"
    proc = conform(
        "--url", f"http://127.0.0.1:{port}", "--lang", "ja", "--out", str(out), cwd=tmp_path
    )
    assert proc.returncode == 3, proc.stderr
    stop = "INCOMPLETE: 試験できませんでした: エンドポイントに到達できません: GET http://127.0.0.1:"
    (line,) = [line for line in proc.stdout.splitlines() if line.startswith(stop)]
    assert ": 接続が拒否されました — システムは動いていますか" in line  # not "connection refused"
    results = _report(out)["requirements"]
    assert isinstance(results, list) and results
    errors = [r for r in results if r["status"] == "error"]
    assert errors and all(
        r["message"].startswith("エンドポイントに到達できません: ") for r in errors
    )
    # and why the others were not run (optional classes, facts the target lacks)
    others = {r["message"] for r in results if r["status"] != "error"}
    assert {
        "任意クラス temporal は宣言されていません",
        "対象外: 試験対象の URL が https ではありません",
    } <= others
    assert all(re.search("[\u3040-\u30ff]", m) for m in others), others


def test_a_refusing_proxy_is_named_not_the_system(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY names a proxy that is down: the line blames the proxy, not the system."""
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port()}")
    proc = conform(
        "--url", "http://broker.city.test:1026", "--out", str(tmp_path / "o"), cwd=tmp_path
    )
    assert proc.returncode == 3, proc.stderr
    _stopped(proc.stdout, "proxy: connection refused — is the proxy running, and can it reach")
    assert "is the system running" not in proc.stdout


@pytest.mark.parametrize(
    ("status", "reason"),
    [(401, "credentials refused: GET "), (403, "the target answered 403 Forbidden at ")],
)
def test_refused_credentials_are_not_unreachable(status: int, reason: str, tmp_path: Path) -> None:
    with HttpServer(lambda _: Answer(status, {"Content-Type": "application/json"}, b"{}")) as srv:
        proc = conform("--url", srv.url, "--out", str(tmp_path / "o"), cwd=tmp_path)
        sent = len(srv.requests)
    assert proc.returncode == 3, proc.stderr
    _stopped(proc.stdout, reason)
    assert "unreachable" not in proc.stdout
    assert sent == 1  # the probe, then nothing: no write was sent to a system that refused us


@pytest.fixture
def static_files(tmp_path: Path) -> Iterator[str]:
    """What `python -m http.server` serves: a folder listing and files, 404 elsewhere."""
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<h1>hello</h1>")

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(tmp_path / "site"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_static_file_server_has_no_ngsi_ld_api(static_files: str, tmp_path: Path) -> None:
    proc = conform("--url", static_files, "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    _stopped(proc.stdout, f"no NGSI-LD API at {static_files}/ngsi-ld/v1: an entity query answered "
             "404 (text/html)")  # fmt: skip


def test_static_file_server_has_no_ngsi_v2_api(static_files: str, tmp_path: Path) -> None:
    """The wording is the run's profile's: a v2 run looks for (and misses) NGSI v2."""
    out = tmp_path / "o"
    proc = conform("--bundle", "city-os-v2", "--url", static_files, "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    _stopped(proc.stdout, f"no NGSI v2 API at {static_files}/v2: an entity query answered "
             "404 (text/html); give the server root whose API is under /v2")  # fmt: skip
    assert "NGSI-LD" not in proc.stdout
    assert _report(out)["verdict"] == "INCOMPLETE"


def test_html_catch_all_is_no_ngsi_ld_api(tmp_path: Path) -> None:
    page = Answer(200, {"Content-Type": "text/html"}, b"<html>app</html>")
    with HttpServer(lambda _: page) as srv:
        proc = conform("--url", srv.url, "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert proc.returncode == 3
    _stopped(proc.stdout, "an entity query answered 200 (text/html)")


def test_a_wrong_but_ngsi_ld_answer_is_tested_not_stopped(tmp_path: Path) -> None:
    """A JSON error to the probe is the target's to be judged on: the run goes on."""
    problem = b'{"type": "https://uri.etsi.org/ngsi-ld/errors/BadRequestData", "title": "no"}'
    answer = Answer(400, {"Content-Type": "application/json"}, problem)
    with HttpServer(lambda _: answer) as srv:
        proc = conform("--url", srv.url, "--only", "CORE-001", "--out", str(tmp_path / "o"),
                       cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 1, proc.stdout
    assert "could not test" not in proc.stdout
