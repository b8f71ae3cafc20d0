"""A notification receiver on loopback: records what a target POSTs to a subscription endpoint."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from conform.framing import BodyTooLarge, read_body

# seconds a notification may take: ETSI's NGSI-LD conformance tests (046_xx) wait 10 s for a
# notification, and as long for one that must not come; NGSI v2 sets no deadline either
NOTIFICATION_WAIT = 10.0


def quiet_period(control_latency: float) -> float:
    """How long to wait for notifications that must not come, once a positive control arrived.

    They were triggered no later than the control, so a target delivers them within a few
    times the control's latency; the floor keeps the wait meaningful. The cap is the longest
    latency a control may have (NOTIFICATION_WAIT), so a slow target's quiet period is never
    shorter than its own latency (a fixed 3 s cap left a control that took 4 s only 3 s).
    """
    return min(NOTIFICATION_WAIT, max(0.5, 5 * control_latency))


@dataclass(frozen=True)
class Received:
    """One POST the receiver accepted: its JSON body (None if not JSON) and headers."""

    path: str
    headers: dict[str, str]
    body: Any


def _headers(handler: BaseHTTPRequestHandler) -> dict[str, str]:
    """The request headers; a repeated one (e.g. two Link headers) joined by commas (RFC 9110)."""
    joined: dict[str, str] = {}
    for name, value in handler.headers.items():
        same = next((k for k in joined if k.lower() == name.lower()), name)
        joined[same] = f"{joined[same]}, {value}" if same in joined else value
    return joined


class NotificationReceiver:
    """A ThreadingHTTPServer on HOST:0 that records every POSTed body; close() stops it."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._received: list[Received] = []
        self._cond = threading.Condition()
        self._server = ThreadingHTTPServer((host, 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )  # a short poll: close() waits for it, once per subscription test
        self._thread.start()
        port = self._server.server_address[1]
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{port}/notify"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                try:  # Content-Length or chunked: an HTTP/1.1 sender may do either
                    raw = read_body(self)
                    body = json.loads(raw) if raw else None
                except (BodyTooLarge, ValueError):  # oversized, badly framed, not JSON
                    body = None
                receiver._record(Received(self.path, _headers(self), body))
                # 200, not 204: CIM 009 5.2.14 counts a notification as a success (lastSuccess)
                # on a "200 OK response" and as a failure on any other code
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Silent: the core never prints."""

        return Handler

    def _record(self, item: Received) -> None:
        with self._cond:
            self._received.append(item)
            self._cond.notify_all()

    @property
    def received(self) -> list[Received]:
        """Everything received so far, in arrival order."""
        with self._cond:
            return list(self._received)

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool] = lambda _: True, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """The JSON bodies matching PREDICATE, waiting up to TIMEOUT s for at least one."""

        def matching() -> list[dict[str, Any]]:
            return [
                r.body for r in self._received if isinstance(r.body, dict) and predicate(r.body)
            ]

        with self._cond:
            found = self._cond.wait_for(matching, timeout=timeout)
        if not found:
            raise AssertionError(
                f"expected a notification at {self.url}, got no notification "
                f"matching within {timeout:g} s ({len(self.received)} received in all)"
            )
        return found

    def close(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> NotificationReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
