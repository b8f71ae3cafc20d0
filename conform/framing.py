"""A request body as an `http.server` handler receives it: Content-Length or chunked, capped.

Shared by the servers conform runs on loopback (the reference servers, the notification
receiver); kept out of `conform.reference` so the receiver does not load the reference servers.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

MAX_BODY = 8 * 1024 * 1024


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
