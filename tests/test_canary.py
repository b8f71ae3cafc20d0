"""A canary bearer token never appears in stdout, stderr or any file a run writes."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

from loopback import Answer, HttpServer, Seen, free_port
from test_hostile import run_conform

from conform.reference import ReferenceServer
from conform.resources import suites_dir

CANARY = f"canary-{secrets.token_hex(12)}"
ENV = {"CONFORM_CANARY": CANARY}
# A test that puts the credential into its own exception: the forced traceback path.
LEAKY_TEST = """\
import os
import pytest

@pytest.mark.req("ERR-010")
@pytest.mark.read_only
def test_leaks(client):
    client.get("/entities", params={"type": "Thing"})
    raise RuntimeError("token was " + os.environ["CONFORM_CANARY"])
"""


def system_file(folder: Path, url: str) -> Path:
    path = folder / "system.yaml"
    path.write_text(
        f"name: canary\nurl: {url}\nauth: {{kind: bearer, token_env: CONFORM_CANARY}}\n"
    )
    return path


def assert_no_canary(folder: Path, *args: str) -> dict[str, object]:
    """Run with ARGS and the canary credential; grep every output for it."""
    out = folder / "out"
    proc, report = run_conform(*args, out=out, env=ENV)
    assert CANARY not in proc.stdout and CANARY not in proc.stderr
    files = sorted(p for p in out.rglob("*") if p.is_file())
    names = {p.name for p in files}
    assert {"report.json", "evidence.jsonl", "report.html", "junit.xml"} <= names, names
    leaked = [p.name for p in files if CANARY.encode() in p.read_bytes()]
    assert leaked == []
    return report


def test_reference_server_run_never_shows_the_token(tmp_path: Path) -> None:
    with ReferenceServer(port=0) as server:
        report = assert_no_canary(
            tmp_path, "--system", str(system_file(tmp_path, server.url)),
            "--only", "CORE-001", "--only", "ERR-021", "--max-examples", "1",
        )  # fmt: skip
    assert report["verdict"] == "INCOMPLETE"  # --only: the rest is skipped


def test_echoing_server_never_gets_the_token_into_outputs(tmp_path: Path) -> None:
    def echo(seen: Seen) -> Answer:
        token = seen.headers.get("Authorization", "")
        headers = {"Content-Type": "application/json", "X-Echo": token}
        return Answer(400, headers, f'{{"auth": "{token}", "raw": {token}'.encode())

    with HttpServer(echo) as srv:
        report = assert_no_canary(
            tmp_path, "--system", str(system_file(tmp_path, srv.url)), "--request-timeout", "1",
            "--only", "ERR-010", "--only", "ERR-021", "--max-examples", "1",
        )  # fmt: skip
    assert srv.requests and all(
        s.headers["Authorization"] == f"Bearer {CANARY}" for s in srv.requests
    )
    assert report["verdict"] == "NOT_CERTIFIED"


def test_unreachable_target_never_shows_the_token(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    report = assert_no_canary(tmp_path, "--system", str(system_file(tmp_path, url)))
    assert report["verdict"] == "INCOMPLETE"


def test_exception_carrying_the_token_is_redacted(tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    suite.mkdir()
    shutil.copy(suites_dir() / "city-os" / "conftest.py", suite / "conftest.py")
    (suite / "test_leaky.py").write_text(LEAKY_TEST)
    with ReferenceServer(port=0) as server:
        report = assert_no_canary(
            tmp_path, "--system", str(system_file(tmp_path, server.url)),
            "--suite", str(suite), "--only", "ERR-010",
        )  # fmt: skip
    (leaky,) = [r for r in report["requirements"] if r["id"] == "ERR-010"]  # type: ignore[attr-defined]
    assert leaky["status"] == "error" and "token was ***" in leaky["message"]
