"""What suites use: expect_* helpers on real responses, the notification receiver, plain pytest."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from mini_run import make_bundle, make_suite

from conform.errors import TargetError
from conform.evidence import EvidenceLog
from conform.http import Client
from conform.namespace import Namespace
from conform.profiles import load_profile
from conform.reference import ReferenceServer
from conform.suite import (
    NotificationReceiver,
    expect_header,
    expect_json_equal,
    expect_media_type,
    expect_problem,
    expect_status,
)
from conform.suite.context import SuiteContext
from conform.suite.expect import bind_profile
from conform.target import TargetConfig


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    # an earlier in-process run in this process (a v2 one, under pytest-xdist's order) may have
    # bound its own profile: these tests check NGSI-LD answers
    bind_profile(load_profile("ngsi-ld"))
    with ReferenceServer(port=0) as srv:
        ns = Namespace.new()
        with Client(srv.url, evidence=EvidenceLog(), namespace=ns) as c:
            c.ns = ns  # type: ignore[attr-defined]
            yield c
            c.cleanup()


def test_expect_status_and_problem_pass_on_a_conformant_answer(client: Client) -> None:
    missing = client.get(f"/entities/{client.ns.entity_id('Thing')}")  # type: ignore[attr-defined]
    expect_status(missing, 404, 410)
    body = expect_problem(missing, 404, "ResourceNotFound")
    assert body["type"] == "https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound"
    expect_media_type(missing, "application/json")


def test_expect_messages_say_expected_and_got(client: Client) -> None:
    r = client.get(f"/entities/{client.ns.entity_id('Thing')}")  # type: ignore[attr-defined]
    with pytest.raises(
        AssertionError, match=rf"^expected status 200, got 404 .*\[{r.exchange_id}\]$"
    ):
        expect_status(r, 200)
    with pytest.raises(AssertionError, match=r"expected error type .*/AlreadyExists, got .*/Resou"):
        expect_problem(r, 404, "AlreadyExists")
    with pytest.raises(AssertionError, match="expected status 409, got 404"):
        expect_problem(r, 409, "AlreadyExists")
    with pytest.raises(AssertionError, match="expected Content-Type application/ld\\+json, got"):
        expect_media_type(r, "application/ld+json")
    with pytest.raises(AssertionError, match="expected header Location, got none"):
        expect_header(r, "Location")


def test_expect_header_value_and_regex(client: Client) -> None:
    eid = client.ns.entity_id("Thing")  # type: ignore[attr-defined]
    r = client.post("/entities", json={"id": eid, "type": "Thing"})
    assert expect_header(r, "Location", f"/ngsi-ld/v1/entities/{eid}").endswith(eid)
    expect_header(r, "Location", re.compile(r"/ngsi-ld/v1/entities/urn:.*"))
    with pytest.raises(AssertionError, match="expected header Location: '/x', got '/ngsi-ld"):
        expect_header(r, "Location", "/x")


@pytest.mark.parametrize(
    ("actual", "expected", "message"),
    [
        ({"a": {"b": [1, 2]}}, {"a": {"b": [1, 3]}}, "expected 3, got 2 at /a/b/1"),
        ({"a": 1}, {"a": 1, "c/d": 2}, "expected 2, got nothing at /c~1d"),
        ({"a": 1, "x": 0}, {"a": 1}, "expected no member 'x', got one at /"),
        ([1], [1, 2], "expected 2 items, got 1 at /"),
        ({"v": True}, {"v": 1}, "expected 1, got true at /v"),
    ],
)
def test_expect_json_equal_points_at_the_difference(
    actual: object, expected: object, message: str
) -> None:
    with pytest.raises(AssertionError, match=f"^{re.escape(message)}$"):
        expect_json_equal(actual, expected)


def test_expect_json_equal_accepts_equal_numbers() -> None:
    expect_json_equal({"v": [1.0, {"w": "x"}]}, {"v": [1, {"w": "x"}]})


def test_receiver_records_posts_and_times_out() -> None:
    with NotificationReceiver() as rec:
        assert rec.url.startswith("http://127.0.0.1:")
        with pytest.raises(AssertionError, match=r"no notification matching within 0\.2 s"):
            rec.wait_for(timeout=0.2)
        late = threading.Timer(0.05, requests.post, args=(rec.url,), kwargs={"json": {"n": 2}})
        # 200 OK: CIM 009 5.2.14 counts only that as a successful notification
        assert requests.post(rec.url, json={"n": 1}, timeout=5).status_code == 200
        late.start()
        assert rec.wait_for(lambda b: b["n"] == 2) == [{"n": 2}]
        late.join()
        assert [r.body for r in rec.received] == [{"n": 1}, {"n": 2}]
        assert rec.received[0].headers["Content-Type"] == "application/json"


def test_receiver_reads_a_chunked_notification() -> None:
    chunks = iter([b'{"type": "Notifi', b'cation", "data": []}'])  # no Content-Length: chunked
    with NotificationReceiver() as rec:
        answer = requests.post(rec.url, data=chunks, timeout=5)
        assert answer.status_code == 200
        assert rec.wait_for(timeout=1) == [{"type": "Notification", "data": []}]
        assert rec.received[0].headers["Transfer-Encoding"] == "chunked"


def test_receiver_joins_repeated_headers() -> None:
    with NotificationReceiver() as rec, socket.create_connection(_address(rec.url)) as sock:
        body = b'{"type": "Notification"}'
        sock.sendall(
            b"POST /notify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Link: <urn:a>; rel=a\r\nLink: <urn:b>; rel=b\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        assert sock.recv(1024).startswith(b"HTTP/1.0 200")
        rec.wait_for(timeout=1)
        assert rec.received[0].headers["Link"] == "<urn:a>; rel=a, <urn:b>; rel=b"


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return str(parts.hostname), int(parts.port or 80)


PASSING = """
import pytest
from conform.suite import expect_status

@pytest.mark.req("CORE-001")
@pytest.mark.read_only
def test_query(client):
    expect_status(client.get("/entities", params={"type": "Thing"}), 200)

@pytest.mark.req("BAT-001")
def test_optional(client, receiver):
    assert receiver.url
"""


@pytest.mark.slow
def test_plain_pytest_runs_a_suite(tmp_path: Path) -> None:
    bundle, suite = make_bundle(tmp_path), make_suite(tmp_path, PASSING)
    base = [sys.executable, "-m", "pytest", str(suite), "-p", "no:cacheprovider", "-rs"]
    base += ["--conform-bundle", str(bundle)]
    with ReferenceServer(port=0) as srv:
        proc = subprocess.run(
            [*base, "--conform-url", srv.url], capture_output=True, text=True, timeout=120,
            cwd=tmp_path, check=False,
        )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed, 1 skipped" in proc.stdout
    assert "optional class batch not declared" in proc.stdout
    # no target given: the in-process reference server, every class declared
    proc = subprocess.run(
        base, capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout


def _context(url: str, callback_host: str) -> SuiteContext:
    target = TargetConfig(name="t", url=url, callback_host=callback_host)
    return SuiteContext(None, target, None, None, None, 1)  # type: ignore[arg-type]


def test_loopback_receiver_for_a_remote_target_is_an_error_not_a_failure() -> None:
    # the target could never reach it: notification requirements would fail a conformant system
    with pytest.raises(TargetError, match="--callback-host"):
        _context("https://broker.city.invalid", "127.0.0.1").new_receiver()
    with _context("http://127.0.0.1:1026", "127.0.0.1").new_receiver() as receiver:
        assert receiver.url.startswith("http://127.0.0.1:")
