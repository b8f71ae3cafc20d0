"""HTTP plumbing: a quiet threading server that can close idle keep-alive connections."""

from __future__ import annotations

import contextlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_BODY = 8 * 1024 * 1024


class QuietServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer whose handler threads are joined on close, and never logs."""

    daemon_threads = False  # joined by server_close(): no thread outlives stop()
    block_on_close = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake handler threads idling on keep-alive connections so they can end."""
        with self._open_lock:
            for sock in self._open:
                with contextlib.suppress(OSError):  # already closed by the peer
                    sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Connection errors (client went away) are not worth a traceback on stderr."""


class BodyTooLarge(Exception):
    """The request body exceeds MAX_BODY."""


def read_body(handler: BaseHTTPRequestHandler) -> bytes | None:
    """The request body (Content-Length or chunked), or None when the request declares none."""
    length = handler.headers.get("Content-Length")
    if length is not None and length.strip().isdigit():
        size = int(length)
        if size > MAX_BODY:
            raise BodyTooLarge
        return handler.rfile.read(size)
    if "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
        return _read_chunked(handler)
    return None


def _read_chunked(handler: BaseHTTPRequestHandler) -> bytes:
    body = b""
    while True:
        size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
        if size == 0:
            break
        body += handler.rfile.read(size)
        handler.rfile.readline()  # the CRLF after the chunk
        if len(body) > MAX_BODY:
            raise BodyTooLarge
    while handler.rfile.readline().strip():
        pass  # trailer fields
    return body
