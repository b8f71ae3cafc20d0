"""The fault proxy itself: a notification relay to a subscriber that is gone, or a hook that
raises, is answered, never a traceback printed from a server thread (CPython 3.11 formats it
with ast.parse, which races hypothesis' in other threads: "AST constructor recursion depth
mismatch", the control row's FlakyFailure once fuzzed subscriptions were accepted)."""

from __future__ import annotations

import base64
import http.client
import json
import socket
from typing import Any
from urllib.parse import urlsplit

from faults.proxy import FaultProxy, Hooks, Req


def _post(url: str, path: str, body: Any) -> tuple[int, bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    try:
        data = json.dumps(body)
        connection.request("POST", path, data, {"Content-Type": "application/json"})
        raw = connection.getresponse()
        return raw.status, raw.read()
    finally:
        connection.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_relay_to_a_gone_subscriber_answers_502(capsys) -> None:
    gone = f"http://127.0.0.1:{_closed_port()}/notify"
    code = base64.urlsafe_b64encode(gone.encode()).decode()
    with FaultProxy() as proxy:
        status, _ = _post(proxy.url, f"/__relay/{code}", {"type": "Notification", "data": []})
    assert status == 502
    assert "Traceback" not in capsys.readouterr().err


def test_a_hook_that_raises_is_a_500_answer(capsys) -> None:
    def broken(req: Req, ctx: Any) -> Req:
        raise RuntimeError("hook bug")

    with FaultProxy(Hooks(request=broken)) as proxy:
        status, body = _post(proxy.url, "/ngsi-ld/v1/entities", {"id": "urn:x:1", "type": "T"})
    assert status == 500 and b"hook bug" in body
    assert "Traceback" not in capsys.readouterr().err
