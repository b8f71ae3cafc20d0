"""Wire-level parts of the HTTP client: responses, bounded reads, failure causes, origins."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.structures import CaseInsensitiveDict

from conform.errors import TargetError

_CHUNK = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}
# What can go wrong on the wire; anything else is a bug and keeps its traceback.
WIRE_ERRORS = (
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    OSError,
)


TLS_UNVERIFIED = "TLS certificate verification failed"  # a message's start, for its hint
PROXY_FAILED = "proxy: "  # what failed was the proxy between, not the target


class TransportError(TargetError):
    """We could not test: the target was unreachable, too slow, too big or misbehaved."""


class BodyTooLarge(TransportError):
    """The response body exceeded the client's size cap."""


class Unauthorized(TransportError):
    """The target rejected the configured credentials (401)."""


def origin(url: str) -> str:
    """`scheme://host:port` of a URL, default ports made explicit, lowercased."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:  # a non-numeric port
        port = None
    return f"{scheme}://{(parts.hostname or '').lower()}:{port}"


def read_bounded(response: requests.Response, limit: int, deadline: float) -> bytes:
    """Read a streamed body: at most `limit` bytes, finished before `deadline` (monotonic)."""
    try:
        declared = int(response.headers.get("Content-Length", "-1"))
    except ValueError:
        declared = -1
    if declared > limit:
        raise BodyTooLarge(f"response larger than {limit} bytes (Content-Length {declared})")
    raw = response.raw
    body = bytearray()
    # read1 returns whatever arrived, so a body trickled byte by byte still meets the deadline;
    # each call is bounded by the socket's read timeout.
    while chunk := raw.read1(_CHUNK, decode_content=True):
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(f"response larger than {limit} bytes")
        if time.monotonic() > deadline:
            raise TransportError("response body not complete before the request's deadline")
    raw.release_conn()  # read to the end: the connection can be reused
    return bytes(body)


def retry_after(value: str | None, default: float = 1.0) -> float:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if value is None:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and every exception behind it (causes, contexts, urllib3 reasons, args)."""
    seen: list[BaseException] = []
    stack = [exc]
    while stack:
        e = stack.pop()
        if any(e is s for s in seen):
            continue
        seen.append(e)
        nested = [e.__cause__, e.__context__, getattr(e, "reason", None), *e.args]
        stack.extend(n for n in nested if isinstance(n, BaseException))
    return seen


def describe(exc: BaseException, timeout: float) -> str:
    """A short, user-facing cause of a transport failure (PROXY_FAILED first when the proxy of
    HTTP(S)_PROXY, or the tunnel through it, is what failed rather than the target)."""
    chain = _chain(exc)

    def find(kind: type[BaseException] | tuple[type[BaseException], ...]) -> BaseException | None:
        return next((e for e in chain if isinstance(e, kind)), None)

    proxy = find((requests.exceptions.ProxyError, urllib3.exceptions.ProxyError)) is not None
    peer = "proxy" if proxy else "target"
    if isinstance(cert := find(ssl.SSLCertVerificationError), ssl.SSLCertVerificationError):
        cause = f"{TLS_UNVERIFIED}: {cert.verify_message}"
    elif tls := find(ssl.SSLError):
        cause = f"TLS error: {getattr(tls, 'reason', None) or tls}"
    elif find(socket.gaierror):
        cause = "DNS lookup failed"
    elif find(ConnectionRefusedError):
        cause = "connection refused"
    elif find((ConnectionResetError, BrokenPipeError)):
        cause = f"connection reset by the {peer}"
    elif find(requests.ConnectTimeout) or find(urllib3.exceptions.ConnectTimeoutError):
        cause = f"could not connect within {timeout:g}s"
    elif find((TimeoutError, requests.Timeout, urllib3.exceptions.TimeoutError)):
        cause = f"no data from the target within {timeout:g}s"
    elif find((http.client.IncompleteRead, urllib3.exceptions.ProtocolError)):
        cause = "connection closed before the response was complete"
    else:
        cause = f"{type(exc).__name__}: {exc}"
    return PROXY_FAILED + cause if proxy else cause


class Response:
    """A complete, size-capped response and the id of the exchange that recorded it."""

    def __init__(
        self, status_code: int, headers: CaseInsensitiveDict[str], content: bytes, exchange_id: str
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content
        self.exchange_id = exchange_id

    def __repr__(self) -> str:
        return f"<Response {self.status_code} {self.exchange_id}>"

    @property
    def media_type(self) -> str:
        """The Content-Type without parameters, lowercased ('' when absent)."""
        return self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()

    @property
    def text(self) -> str:
        """The body decoded with its charset (UTF-8 by default), never failing."""
        charset = "utf-8"
        for param in self.headers.get("Content-Type", "").split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                charset = value.strip().strip('"')
        try:
            return self.content.decode(charset, errors="replace")
        except LookupError:  # unknown charset name
            return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The JSON body; a body that is not JSON is the target's failure (AssertionError)."""
        try:
            return json.loads(self.content.decode("utf-8-sig"))
        except ValueError:  # includes UnicodeDecodeError
            kind = self.headers.get("Content-Type") or "no Content-Type"
            if not self.content.strip():
                raise AssertionError(f"expected a JSON body, got an empty body ({kind})") from None
            raise AssertionError(f"expected a JSON body, got {kind} {self.text[:200]!r}") from None


_LOOPBACK = ("localhost", "127.0.0.1", "::1")


def proxies_for(url: str, environ: Mapping[str, str]) -> dict[str, str]:
    """The proxy for URL from HTTPS_PROXY / HTTP_PROXY / NO_PROXY (any case), else none.

    A loopback target is never proxied (a corporate proxy cannot reach this machine's
    loopback); nothing else is taken from the environment (no .netrc credentials).
    """
    host = (urlsplit(url).hostname or "").lower()
    if host in _LOOPBACK or host.startswith("127."):
        return {}
    found = {k.lower(): v for k, v in environ.items() if k.lower().endswith("_proxy") and v}
    no_proxy = [h.strip().lower().lstrip(".") for h in found.get("no_proxy", "").split(",")]
    if "*" in no_proxy or any(h and (host == h or host.endswith("." + h)) for h in no_proxy):
        return {}
    scheme = urlsplit(url).scheme.lower()
    proxy = found.get(f"{scheme}_proxy") or found.get("all_proxy")
    return {scheme: proxy} if proxy else {}
