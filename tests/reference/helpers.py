"""Helpers for the reference-server tests: fresh ids, attribute builders, problem checks."""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

_COUNTER = itertools.count(1)


def eid(kind: str = "Thing") -> str:
    """A fresh entity id."""
    return f"urn:ngsi-ld:{kind}:{next(_COUNTER)}-{uuid.uuid4().hex[:8]}"


def prop(value: Any) -> dict[str, Any]:
    """A normalized Property."""
    return {"type": "Property", "value": value}


def expect_problem(response: requests.Response, status: int, name: str) -> dict[str, Any]:
    """Assert an NGSI-LD problem-details response and return its body."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["type"] == f"https://uri.etsi.org/ngsi-ld/errors/{name}"
    assert body["title"]
    assert body["status"] == status
    assert body["detail"]
    return body


class Receiver:
    """A notification receiver on loopback that records every POSTed body."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver.arrived:
                    receiver.bodies.append(body)
                    receiver.headers.append(dict(self.headers))
                    receiver.arrived.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/notify"
        self.thread = threading.Thread(target=self.httpd.serve_forever)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The bodies once at least `count` arrived (or what arrived by the timeout)."""
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.bodies) >= count, timeout)
            return list(self.bodies)
