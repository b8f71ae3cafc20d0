"""Evidence: redaction everywhere, truncation, the evidence.jsonl shape and its hash."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from base64 import b64encode
from pathlib import Path

import pytest
from loopback import Answer, HttpServer

from conform.errors import DataError
from conform.evidence import EvidenceLog, read_evidence
from conform.http import Client
from conform.reference import ReferenceServer

SECRET = "s3cr3t+/value"


def exchange(log: EvidenceLog, **kw: object) -> str:
    fields: dict[str, object] = {
        "method": "POST",
        "url": "http://t/ngsi-ld/v1/entities",
        "request_headers": {"Accept": "application/json"},
        "request_body": "{}",
        "status": 201,
        "response_headers": {},
        "response_body": "",
        "duration_ms": 1.5,
        "started_at": "2026-01-01T00:00:00.000+00:00",
    }
    fields.update(kw)
    return log.record(**fields).id


def test_secrets_and_credential_headers_are_redacted_everywhere() -> None:
    log = EvidenceLog(secrets=[SECRET], redact_headers=["X-Key"])
    id_ = exchange(
        log,
        url=f"http://t/x?q={SECRET}&e=s3cr3t%2B%2Fvalue",
        request_headers={"Authorization": "Bearer abc", "Cookie": "a=b", "X-Key": "k", "X": SECRET},
        request_body=f'{{"p": "{SECRET}", "b": "{b64encode(SECRET.encode()).decode()}"}}',
        response_headers={"Set-Cookie": "sid=1", "Proxy-Authorization": "p"},
        response_body=SECRET,
        error=f"boom {SECRET}",
    )
    x = log.get(id_)
    text = json.dumps(x.to_dict()) + x.curl()
    assert SECRET not in text and "s3cr3t%2B%2Fvalue" not in text and "abc" not in text
    assert x.request_headers == {
        "Authorization": "***",
        "Cookie": "***",
        "X-Key": "***",
        "X": "***",
    }
    assert x.response_headers == {"Set-Cookie": "***", "Proxy-Authorization": "***"}
    assert x.url == "http://t/x?q=***&e=***"


def test_a_secret_learned_later_is_redacted_from_earlier_exchanges() -> None:
    log = EvidenceLog()
    id_ = exchange(log, response_body='{"access_token": "fresh-token-1"}')
    log.add_secret("fresh-token-1")
    assert log.get(id_).response_body == '{"access_token": "***"}'


def test_long_bodies_are_truncated_with_a_marker() -> None:
    log = EvidenceLog(max_body_chars=10)
    x = log.get(exchange(log, request_body="a" * 25))
    assert x.request_body == "a" * 10 + "…[truncated 15 characters]"
    log.add_secret("zzz")  # re-redaction must not truncate again
    assert log.get(x.id).request_body == x.request_body


def test_phases_ids_and_the_failed_exchange_shape() -> None:
    log = EvidenceLog()
    assert exchange(log) == "x000001"
    log.set_phase("tests/test_a.py::test_one")
    second = exchange(log, status=None, response_body=None, error="connection refused")
    assert log.ids_for("tests/test_a.py::test_one") == [second] == ["x000002"]
    assert log.ids_for("setup") == ["x000001"]
    line = log.get(second).to_dict()
    assert line["response"] is None and line["error"] == "connection refused"
    assert set(line) == {"id", "test", "method", "url", "request", "response", "error",
                         "duration_ms", "started_at"}  # fmt: skip
    with pytest.raises(KeyError):
        log.get("x999999")


def test_write_is_hashed_and_reads_back(tmp_path: Path) -> None:
    log = EvidenceLog()
    exchange(log, response_body="東京")
    exchange(log, method="GET", request_body=None)
    digest, count = log.write(tmp_path / "evidence.jsonl")
    data = (tmp_path / "evidence.jsonl").read_bytes()
    assert (digest, count) == (hashlib.sha256(data).hexdigest(), 2)
    assert [x.to_dict() for x in log.exchanges()] == read_evidence(tmp_path / "evidence.jsonl")


def test_curl_reproduces_the_request() -> None:
    log = EvidenceLog()
    x = log.get(exchange(log, request_body="it's"))
    assert x.curl() == (
        "curl -i -X POST http://t/ngsi-ld/v1/entities -H 'Accept: application/json' "
        "--data-raw 'it'\"'\"'s'"
    )


# bodies a target must refuse (so a repeat gets the same status), with what a shell chokes on
PRINTED_BODIES = [
    '{"id": "urn:ngsi-ld:T:conform-1", "type": "T", "note": "a\x00b"}',  # a raw NUL
    '{"id": "it\'s", "type": "T",\n "x": "\x1b[31m%s\\"}',  # quote, newline, ESC, %, \\
    '{"id": "urn:ngsi-ld:T:conform-2", "note": "$(touch /tmp/never) `id` \\u0000"}',
]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("body", PRINTED_BODIES, ids=["nul", "controls", "shell"])
def test_printed_curl_runs_as_printed_and_gets_the_recorded_status(body: str) -> None:
    with ReferenceServer(port=0) as server:
        client = Client(server.url, evidence=EvidenceLog(), timeout=5)
        r = client.post("/entities", data=body, headers={"Content-Type": "application/json"})
        line = client.evidence.get(r.exchange_id).curl()
        assert re.search(r"[\x00-\x1f\x7f]", line) is None, line  # one clean line
        done = subprocess.run(
            ["sh", "-c", f"{line} -s -o /dev/null -w '%{{http_code}}'"],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
    assert (r.status_code, done.stdout) == (400, "400"), done.stderr
    assert not Path("/tmp/never").exists()


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("body", PRINTED_BODIES, ids=["nul", "controls", "shell"])
def test_printed_curl_sends_the_recorded_bytes(body: str) -> None:
    with HttpServer(lambda seen: Answer(207)) as srv:
        client = Client(srv.url, evidence=EvidenceLog(), timeout=5)
        r = client.post("/entities", data=body, headers={"Content-Type": "application/json"})
        line = client.evidence.get(r.exchange_id).curl()
        done = subprocess.run(
            ["sh", "-c", f"{line} -s -o /dev/null -w '%{{http_code}}'"],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
    sent, repeated = srv.requests
    assert done.stdout == "207" and (repeated.method, repeated.path) == (sent.method, sent.path)
    assert repeated.body == sent.body == body.encode()


BAD_LINES = [("{not json\n", ":1: not a JSON line"), ("[1]\n", ":1: not an evidence")]


@pytest.mark.parametrize(("text", "message"), BAD_LINES)
def test_bad_evidence_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "evidence.jsonl"
    path.write_text(text)
    with pytest.raises(DataError, match=message):
        read_evidence(path)
