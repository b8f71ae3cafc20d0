"""The recording client against real misbehaving servers on loopback: every failure is an error."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from pathlib import Path

import pytest
from loopback import (
    Answer,
    HttpServer,
    RawServer,
    Seen,
    free_port,
    read_request_head,
    reset,
    self_signed,
)

from conform.auth import bearer
from conform.errors import TargetError
from conform.evidence import EvidenceLog
from conform.http import BodyTooLarge, Client, Response, TransportError, Unauthorized

CANARY = "canary-Zq9-token-4711"
HEAD_200 = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"


def client(url: str, **kw: object) -> Client:
    kw.setdefault("evidence", EvidenceLog())
    kw.setdefault("timeout", 0.5)
    return Client(url, **kw)  # type: ignore[arg-type]


def test_request_shape_defaults_and_evidence() -> None:
    ld = Answer(200, {"Content-Type": "application/ld+json; charset=utf-8"}, b"[]")
    with HttpServer(lambda s: ld) as srv:
        c = client(srv.url, headers={"NGSILD-Tenant": "t1"})
        r = c.post("/entities", json={"id": "x"}, params={"a": "1"})
        c.get("/entities", headers={"Accept": None})
        c.get("/openapi.yaml", api=False)
    first, second, third = srv.requests
    assert first.path == "/ngsi-ld/v1/entities?a=1"
    assert first.headers["Content-Type"] == "application/json"
    assert first.headers["Accept"] == "application/json"
    assert first.headers["NGSILD-Tenant"] == "t1"
    assert json.loads(first.body) == {"id": "x"}
    assert "Accept" not in second.headers
    assert third.path == "/openapi.yaml"
    assert r.media_type == "application/ld+json"
    assert r.json() == []
    x = c.evidence.get(r.exchange_id)
    assert (x.method, x.status, x.request_body) == ("POST", 200, '{"id": "x"}')


def test_chunked_body_has_no_content_length_and_keeps_target_headers() -> None:
    with HttpServer(lambda s: Answer(411)) as srv:
        c = client(srv.url, headers={"NGSILD-Tenant": "t1"})
        r = c.post("/entities", json={"id": "x"}, chunked=True)
    (seen,) = srv.requests
    assert seen.headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in seen.headers
    assert seen.headers["NGSILD-Tenant"] == "t1"
    x = c.evidence.get(r.exchange_id)
    assert (x.status, x.request_body) == (411, '{"id": "x"}')


def test_json_of_a_non_json_body_is_a_failure_not_an_error() -> None:
    with HttpServer(lambda s: Answer(200, {"Content-Type": "Text/HTML"}, b"<html>oops")) as srv:
        r = client(srv.url).get("/entities")
    assert r.media_type == "text/html"
    with pytest.raises(AssertionError, match="expected a JSON body, got Text/HTML '<html>oops'"):
        r.json()


def test_connection_refused_is_a_recorded_transport_error() -> None:
    c = client(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(TransportError, match="connection refused") as info:
        c.get("/entities")
    assert isinstance(info.value, TargetError) and not isinstance(info.value, AssertionError)
    (x,) = c.evidence.exchanges()
    assert x.status is None and x.error and "connection refused" in x.error


def test_invalid_dns_name_fails_at_once() -> None:
    c = client("http://conform-test.invalid")
    with pytest.raises(TransportError, match="DNS lookup failed"):
        c.get("/entities")
    assert c.evidence.exchanges()[0].status is None


def test_server_that_never_answers() -> None:
    with (
        RawServer(lambda conn, stop: stop.wait()) as srv,
        pytest.raises(TransportError, match=r"no data from the target within 0\.5s"),
    ):
        client(srv.url).get("/entities")


def test_stall_after_headers() -> None:
    def serve(conn: socket.socket, stop: threading.Event) -> None:
        read_request_head(conn)
        conn.sendall(HEAD_200 + b"Content-Length: 100\r\n\r\n{")
        stop.wait()

    with RawServer(serve) as srv:
        c = client(srv.url)
        with pytest.raises(TransportError, match=r"within 0\.5s"):
            c.get("/entities")
    (x,) = c.evidence.exchanges()
    assert x.status == 200 and x.response_body is None and x.error


def test_trickled_body_meets_the_total_deadline() -> None:
    def serve(conn: socket.socket, stop: threading.Event) -> None:
        read_request_head(conn)
        conn.sendall(HEAD_200 + b"\r\n")
        while not stop.wait(0.05):
            conn.sendall(b" ")  # always within the read timeout, never finished

    with RawServer(serve) as srv, pytest.raises(TransportError, match="deadline"):
        client(srv.url, total_timeout=1.0).get("/entities")


def test_endless_body_is_capped() -> None:
    def serve(conn: socket.socket, stop: threading.Event) -> None:
        read_request_head(conn)
        conn.sendall(HEAD_200 + b"\r\n")
        while not stop.is_set():
            conn.sendall(b"x" * 65536)

    with (
        RawServer(serve) as srv,
        pytest.raises(BodyTooLarge, match="response larger than 100000 bytes"),
    ):
        client(srv.url, max_body=100_000).get("/entities")


def test_declared_oversized_body_is_refused_before_reading() -> None:
    body = b"[" + b"0," * 60_000 + b"0]"
    with (
        HttpServer(lambda s: Answer(200, {}, body)) as srv,
        pytest.raises(BodyTooLarge, match="Content-Length"),
    ):
        client(srv.url, max_body=1000).get("/entities")


def test_connection_reset_mid_body() -> None:
    def serve(conn: socket.socket, stop: threading.Event) -> None:
        read_request_head(conn)
        conn.sendall(HEAD_200 + b"Content-Length: 1000\r\n\r\n[1,2,")
        time.sleep(0.05)
        reset(conn)

    with RawServer(serve) as srv, pytest.raises(TransportError):
        client(srv.url).get("/entities")


def test_cross_origin_redirect_is_refused_and_no_credentials_leave() -> None:
    with HttpServer() as other:
        to_other = Answer(302, {"Location": f"{other.url}/steal"})
        with HttpServer(lambda s: to_other) as srv:
            c = client(srv.url, auth=bearer(CANARY))
            with pytest.raises(TransportError, match="redirect to another origin refused"):
                c.get("/entities")
            with pytest.raises(TransportError, match="another origin"):
                c.post("/entities", json={})
    assert other.requests == []
    assert srv.requests[0].headers["Authorization"] == f"Bearer {CANARY}"


def test_same_origin_get_redirect_is_followed_with_credentials() -> None:
    def answer(s: Seen) -> Answer:
        if s.path.endswith("/old"):
            return Answer(301, {"Location": "/ngsi-ld/v1/new"})
        return Answer(200, {}, b"{}")

    with HttpServer(answer) as srv:
        c = client(srv.url, auth=bearer(CANARY))
        assert c.get("/old").status_code == 200
        assert c.post("/old", json={}).status_code == 301  # writes are never re-sent
    assert [s.path for s in srv.requests] == [f"/ngsi-ld/v1/{p}" for p in ("old", "new", "old")]
    assert srv.requests[1].headers["Authorization"] == f"Bearer {CANARY}"


def test_429_retry_after_is_honoured() -> None:
    waits: list[float] = []
    answers = iter([Answer(429, {"Retry-After": "1"}), Answer(200, {}, b"[]")])
    with HttpServer(lambda s: next(answers)) as srv:
        r = client(srv.url, sleep=waits.append).get("/entities")
    assert r.status_code == 200 and waits == [1.0] and len(srv.requests) == 2


def test_endless_429_gives_up() -> None:
    waits: list[float] = []
    with HttpServer(lambda s: Answer(429, {"Retry-After": "0.5"})) as srv:
        c = client(srv.url, sleep=waits.append)
        with pytest.raises(TransportError, match="rate limited"):
            c.get("/entities")
    assert len(srv.requests) == 4 and waits == [0.5, 0.5, 0.5]
    with (
        HttpServer(lambda s: Answer(429, {"Retry-After": "60"})) as srv,
        pytest.raises(TransportError, match="rate limited"),
    ):
        client(srv.url, sleep=waits.append).get("/entities")
    assert len(srv.requests) == 1


def test_401_is_an_error_not_a_failure() -> None:
    with (
        HttpServer(lambda s: Answer(401)) as srv,
        pytest.raises(Unauthorized, match="check the auth section"),
    ):
        client(srv.url, auth=bearer(CANARY)).get("/entities")


def test_secret_never_in_evidence_exception_or_curl(tmp_path: Path) -> None:
    def echo(s: Seen) -> Answer:
        auth = s.headers.get("Authorization", "")
        return Answer(200, {"X-Echo": auth, "Set-Cookie": "sid=1"}, json.dumps([auth]).encode())

    with HttpServer(echo) as srv:
        c = client(srv.url, auth=bearer(CANARY))
        r = c.post("/entities", json={"note": CANARY}, params={"q": CANARY})
    assert CANARY in r.text  # the test sees the real response; only the record is redacted
    x = c.evidence.get(r.exchange_id)
    assert x.request_headers["Authorization"] == "***"
    assert x.response_headers["Set-Cookie"] == "***"
    assert CANARY not in x.curl()
    with pytest.raises(TransportError) as info:
        client(f"http://127.0.0.1:{free_port()}", auth=bearer(CANARY)).get(
            "/entities", params={"q": CANARY}
        )
    assert CANARY not in str(info.value) and "***" in str(info.value)
    path = tmp_path / "evidence.jsonl"
    c.evidence.write(path)
    assert CANARY not in path.read_text()


def test_response_text_uses_charset() -> None:
    body = "東京".encode("shift_jis")
    sjis = Answer(200, {"Content-Type": "text/plain; charset=shift_jis"}, body)
    with HttpServer(lambda s: sjis) as srv:
        r = client(srv.url).get("/x")
    assert isinstance(r, Response) and r.text == "東京"


def test_tls_failure_names_the_cause_and_ca_bundle_fixes_it(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    with HttpServer(lambda s: Answer(200, {}, b"[]"), tls=tls) as srv:
        with pytest.raises(TransportError, match="TLS certificate verification failed"):
            client(srv.url).get("/entities")
        assert client(srv.url, ca_bundle=str(cert)).get("/entities").json() == []
