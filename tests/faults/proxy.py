"""A fault-injecting HTTP proxy in front of a fresh reference server: one named fault per proxy."""

from __future__ import annotations

import base64
import http.client
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from conform.bundle import DEFAULT_BUNDLE, Bundle, load_bundle
from conform.framing import read_body
from conform.profiles import profile_for
from conform.reference.choose import for_bundle

API = "/ngsi-ld/v1"  # the default bundle's API root (NGSI-LD rows build paths with it)
_RELAY = "/__relay/"
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}
Headers = tuple[tuple[str, str], ...]


def _get(headers: Headers, name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name.lower()), None)


def _set(headers: Headers, name: str, value: str | None) -> Headers:
    kept = tuple((k, v) for k, v in headers if k.lower() != name.lower())
    return kept if value is None else (*kept, (name, value))


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # too deep for a parser: the server is judged on it
        return None


@dataclass(frozen=True)
class Req:
    """A request on its way to the reference server."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: Headers
    body: bytes = b""
    chunked: bool = False
    root: str = API  # the proxied bundle's API root

    @property
    def api(self) -> str:
        """The path below the API root ('' outside it)."""
        return self.path[len(self.root) :] if self.path.startswith(self.root) else ""

    def parts(self) -> list[str]:
        """The API path's segments, e.g. ['entities', 'urn:x', 'attrs']."""
        return [p for p in self.api.split("/") if p]

    def param(self, name: str) -> str | None:
        """A query parameter's value."""
        return next((v for k, v in self.query if k == name), None)

    def header(self, name: str) -> str | None:
        """A request header's value."""
        return _get(self.headers, name)

    def json(self) -> Any:
        """The body as JSON (None when it is not JSON)."""
        return _json(self.body)

    def with_param(self, name: str, value: str | None) -> Req:
        """The request with parameter NAME replaced (None: removed)."""
        query = tuple((k, v) for k, v in self.query if k != name)
        return replace(self, query=query if value is None else (*query, (name, value)))

    def with_header(self, name: str, value: str | None) -> Req:
        """The request with header NAME replaced (None: removed)."""
        return replace(self, headers=_set(self.headers, name, value))

    def with_json(self, body: Any) -> Req:
        """The request with a new JSON body."""
        return replace(self, body=json.dumps(body).encode())


@dataclass(frozen=True)
class Resp:
    """A response on its way back to the client."""

    status: int
    headers: Headers = ()
    body: bytes = b""

    @property
    def media(self) -> str:
        """The Content-Type without parameters."""
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    def header(self, name: str) -> str | None:
        """A response header's value (the first, for repeated headers)."""
        return _get(self.headers, name)

    def json(self) -> Any:
        """The body as JSON (None when it is not JSON)."""
        return _json(self.body)

    def with_header(self, name: str, value: str | None) -> Resp:
        """The response with header NAME replaced (None: removed)."""
        return replace(self, headers=_set(self.headers, name, value))

    def with_json(self, body: Any, status: int | None = None) -> Resp:
        """The response with a new JSON body (and status)."""
        return replace(self, status=status or self.status, body=json.dumps(body).encode())

    def empty(self, status: int, **headers: str) -> Resp:
        """A bodiless response of STATUS with HEADERS (Content-Type dropped)."""
        kept = _set(self.headers, "Content-Type", None)
        for name, value in headers.items():
            kept = _set(kept, name, value)
        return Resp(status, kept, b"")


@dataclass
class Context:
    """What a fault's hooks may use: the upstream forwarder and per-proxy state."""

    forward: Callable[[Req], Resp]
    state: dict[str, Any] = field(default_factory=dict)


RequestHook = Callable[[Req, Context], "Req | Resp"]  # a Resp answers without forwarding
ResponseHook = Callable[[Req, Resp, Context], Resp]
NotifyHook = Callable[[Req, Context], "Req | None"]  # None: the notification is dropped


@dataclass(frozen=True)
class Hooks:
    """How a fault rewrites requests, responses and notifications (all optional)."""

    request: RequestHook | None = None
    response: ResponseHook | None = None
    notify: NotifyHook | None = None


class FaultProxy:
    """Forwards to a fresh reference server for BUNDLE (default: the default bundle's latest),
    applying HOOKS; relays notifications through itself.

    Subscription endpoints (where the bundle's profile says a subscription names them) are
    rewritten to this proxy's relay path (and back in every response), so notification faults
    need no cooperation from the reference server.
    """

    def __init__(
        self, hooks: Hooks = Hooks(), bundle: Bundle | None = None, token: str | None = None
    ) -> None:
        self.hooks = hooks
        # default: the bundle `conform run` certifies against by default (the newest), so the
        # server serves the behaviours that version's bundle.yaml switches on
        bundle = bundle if bundle is not None else load_bundle(DEFAULT_BUNDLE)
        profile = profile_for(bundle)
        self.root, self._endpoint = profile.api_root, profile.fuzzing.notification_uri
        reference: Any = for_bundle(bundle)  # its store differs by protocol
        if token is not None:
            reference.token = token  # the NGSI-LD server's auth mode (security rows)
        self.reference: Any = reference
        self.context = Context(self._forward)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as separate writes

            def _handle(self) -> None:
                try:
                    proxy._serve(self)
                except OSError:  # the client went away mid-answer: nothing left to tell it
                    self.close_connection = True

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._relay = re.compile(re.escape(self.url + _RELAY) + r"([A-Za-z0-9_=-]+)")
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FaultProxy:
        self.reference.start()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.reference.stop()

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        req = replace(_read(handler), root=self.root)
        try:
            reply = self._reply(req)
        except Exception as exc:  # a hook's bug: answered, never a traceback printed
            # (printing one from a server thread runs ast.parse beside hypothesis: CPython
            # 3.11's "AST constructor recursion depth mismatch" in whichever thread loses)
            detail = {"title": "proxy error", "status": 500, "detail": f"proxy: {exc!r}"}
            reply = Resp(500, (("Content-Type", "application/json"),), json.dumps(detail).encode())
        handler.send_response(reply.status)
        for name, value in reply.headers:
            handler.send_header(name, value)
        if reply.status not in (204, 304):
            handler.send_header("Content-Length", str(len(reply.body)))
        handler.end_headers()
        if req.method != "HEAD":
            handler.wfile.write(reply.body)

    def _reply(self, req: Req) -> Resp:
        if req.path.startswith(_RELAY):
            return self._notify(req)
        hooked = self.hooks.request(req, self.context) if self.hooks.request else req
        reply = hooked if isinstance(hooked, Resp) else self._forward(hooked)
        if self.hooks.response and not isinstance(hooked, Resp):
            reply = self.hooks.response(req, reply, self.context)
        return replace(reply, body=self._restore(reply.body))

    def _forward(self, req: Req) -> Resp:
        """Send REQ to the reference server as is (endpoints pointed at the relay)."""
        body = self._to_relay(req)
        target = req.path + (f"?{urlencode(req.query)}" if req.query else "")
        host, port = urlsplit(self.reference.url).netloc.split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            connection.putrequest(req.method, target, skip_accept_encoding=True)
            for name, value in req.headers:
                if name.lower() not in _HOP:
                    connection.putheader(name, value)
            if req.chunked:  # kept chunked: framing is part of what the target is judged on
                connection.putheader("Transfer-Encoding", "chunked")
                body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if body else b"0\r\n\r\n"
            elif body or req.header("Content-Length") is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body or None)
            raw = connection.getresponse()
            data = raw.read()
            kept = tuple((k, v) for k, v in raw.getheaders() if k.lower() not in _HOP)
            return Resp(raw.status, kept, data)
        finally:
            connection.close()

    def _to_relay(self, req: Req) -> bytes:
        """The body with each subscription endpoint URI pointed at this proxy's relay."""
        body = req.json()
        if not req.api.startswith("/subscriptions") or not isinstance(body, dict):
            return req.body
        *parents, key = self._endpoint  # e.g. notification.endpoint.uri
        endpoint: Any = body
        for name in parents:
            endpoint = endpoint.get(name) if isinstance(endpoint, dict) else None
        if not isinstance(endpoint, dict) or not isinstance(endpoint.get(key), str):
            return req.body
        if not urlsplit(endpoint[key]).netloc:
            return req.body  # not a URL (a test of refusals): the server must see it as sent
        code = base64.urlsafe_b64encode(endpoint[key].encode()).decode()
        endpoint[key] = self.url + _RELAY + code
        return json.dumps(body).encode()

    def _restore(self, body: bytes) -> bytes:
        """Relay URIs in a response body turned back into the subscriber's own."""
        if self.url.encode() not in body:
            return body
        text = body.decode("utf-8", "surrogateescape")
        text = self._relay.sub(lambda m: base64.urlsafe_b64decode(m.group(1)).decode(), text)
        return text.encode("utf-8", "surrogateescape")

    def _notify(self, req: Req) -> Resp:
        """Deliver a notification to the real subscriber (after the fault's hook)."""
        uri = base64.urlsafe_b64decode(req.path[len(_RELAY) :]).decode()
        if self.hooks.notify is not None:
            hooked = self.hooks.notify(req, self.context)  # headers and body may change
            if hooked is None:
                return Resp(204)  # swallowed: the server believes it was delivered
            req = hooked
        parts = urlsplit(uri)
        connection = http.client.HTTPConnection(parts.netloc, timeout=10)
        try:
            headers = {k: v for k, v in req.headers if k.lower() not in _HOP}
            connection.request("POST", parts.path or "/", body=req.body, headers=headers)
            raw = connection.getresponse()
            return Resp(raw.status, (), raw.read())
        except OSError:  # the subscriber is gone (a fuzzed endpoint, a closed receiver)
            return Resp(502)  # as a gateway answers: the server sees a failed delivery
        finally:
            connection.close()


def _read(handler: BaseHTTPRequestHandler) -> Req:
    """The request as received, body included (Content-Length or chunked)."""
    url = urlsplit(handler.path)
    headers = tuple(handler.headers.items())
    chunked = "chunked" in (handler.headers.get("Transfer-Encoding") or "").lower()
    body = read_body(handler) or b""
    query = tuple(parse_qsl(url.query, keep_blank_values=True))
    return Req(handler.command, url.path, query, headers, body, chunked)
