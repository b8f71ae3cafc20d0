"""The NGSI v2 reference server: routing, headers, body parsing and error rendering."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from conform.bundle import Bundle, load_bundle
from conform.datamodels import ModelSet
from conform.errors import BundleError
from conform.framing import BodyTooLarge, read_body
from conform.reference.ngsi_v2 import batch, entities, subscriptions, types
from conform.reference.ngsi_v2.errors import V2Error, bad_request, parse_error
from conform.reference.ngsi_v2.messages import (
    API_BASE,
    JSON,
    TEXT,
    Reply,
    Request,
    Services,
    Settings,
)
from conform.reference.ngsi_v2.notify import Notifier
from conform.reference.ngsi_v2.store import TenantStore
from conform.reference.ngsi_v2.syntax import FORBIDDEN, check_identifier, tenant
from conform.reference.transport import BackgroundServer

Handler = Callable[[Services, Request], Reply]
DEFAULT_V2_BUNDLE = "city-os-v2"
_BODY_METHODS = frozenset({"POST", "PATCH", "PUT"})
_LIST = frozenset({"count", "keyValues", "values", "unique"})
_ENTITY = frozenset({"keyValues", "values", "unique"})
_KV = frozenset({"keyValues"})


@dataclass(frozen=True)
class Operation:
    """One method on one path: its handler and the `options` values it accepts."""

    handler: Handler
    options: frozenset[str] = frozenset()


_ENTITY_ID = ("entities", "{entityId}")
_ATTR = (*_ENTITY_ID, "attrs", "{attrName}")
ROUTES: tuple[tuple[tuple[str, ...], dict[str, Operation]], ...] = (
    (
        ("entities",),
        {
            "GET": Operation(entities.query, _LIST),
            "POST": Operation(entities.create, frozenset({"keyValues", "upsert"})),
        },
    ),
    (
        _ENTITY_ID,
        {"GET": Operation(entities.retrieve, _ENTITY), "DELETE": Operation(entities.delete)},
    ),
    (
        (*_ENTITY_ID, "attrs"),
        {
            "GET": Operation(entities.retrieve_attrs, _ENTITY),
            "POST": Operation(entities.update_or_append, frozenset({"keyValues", "append"})),
            "PATCH": Operation(entities.update_existing, _KV),
            "PUT": Operation(entities.replace_all, _KV),
        },
    ),
    (
        _ATTR,
        {
            "GET": Operation(entities.get_attr),
            "PUT": Operation(entities.put_attr),
            "DELETE": Operation(entities.delete_attr),
        },
    ),
    (
        (*_ATTR, "value"),
        {"GET": Operation(entities.get_value), "PUT": Operation(entities.put_value)},
    ),
    (("types",), {"GET": Operation(types.list_types, frozenset({"count", "values"}))}),
    (("types", "{entityType}"), {"GET": Operation(types.retrieve_type)}),
    (
        ("subscriptions",),
        {
            "GET": Operation(subscriptions.query, frozenset({"count"})),
            "POST": Operation(subscriptions.create),
        },
    ),
    (
        ("subscriptions", "{subscriptionId}"),
        {
            "GET": Operation(subscriptions.retrieve),
            "PATCH": Operation(subscriptions.update),
            "DELETE": Operation(subscriptions.delete),
        },
    ),
    (("op", "update"), {"POST": Operation(batch.update, _KV)}),
    (("op", "query"), {"POST": Operation(batch.query, _LIST)}),
)
_IDENTIFIERS = {"entityId": "entity id", "attrName": "attribute name", "entityType": "entity type"}
_FREE_PARAMS = frozenset({"q", "mq", "georel", "coords"})  # may hold the forbidden characters


def find_route(path: str) -> tuple[dict[str, Operation], dict[str, str]] | None:
    """The operations of the route for an API path (below /v2) and its decoded parameters."""
    segments = path.strip("/").split("/")
    for template, operations in ROUTES:
        if len(template) != len(segments):
            continue
        params = {}
        for part, segment in zip(template, segments, strict=True):
            if part.startswith("{"):
                params[part[1:-1]] = unquote(segment)
            elif part != segment:
                break
        else:
            return operations, params
    return None


def _media(value: str | None) -> str:
    return (value or "").split(";")[0].strip().lower()


def _accepts_json(accept: str | None) -> bool:
    ranges = {_media(m) for m in (accept or "*/*").split(",")}
    return bool(ranges & {"application/json", "application/*", "*/*"})


class _Handler(BaseHTTPRequestHandler):
    """One HTTP exchange: route, check headers and body, run the handler under the lock."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: no request log on stderr."""

    def _handle(self) -> None:
        app: ReferenceServerV2 = self.server.app  # type: ignore[attr-defined]
        too_large = _error(V2Error(413, "RequestEntityTooLarge", "payload is too large"))
        try:
            raw = read_body(self)  # drained: the keep-alive stream stays in step
        except (BodyTooLarge, ValueError):  # not drained: this connection cannot go on
            reply = too_large
            reply.headers.append(("Connection", "close"))
        else:
            too_big = raw is not None and len(raw) > app.services.settings.max_body
            reply = too_large if too_big else self._reply(app, raw)
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        if reply.status != 204:
            self.send_header("Content-Length", str(len(reply.data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _handle

    def __getattr__(self, name: str) -> Any:
        """Any other method (TRACE, QUERY, ...) is routed too: 405 MethodNotAlowed, not 501."""
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def _reply(self, app: ReferenceServerV2, raw: bytes | None) -> Reply:
        try:
            return self._dispatch(app, raw)
        except V2Error as error:
            return _error(error)
        except Exception as exc:  # outermost layer: a bug becomes a 500, not a dead connection
            return _error(V2Error(500, "InternalServerError", f"internal error: {exc!r}"))

    def _dispatch(self, app: ReferenceServerV2, raw: bytes | None) -> Reply:
        url = urlsplit(self.path)
        if url.path == "/openapi.yaml" and self.command == "GET":
            return Reply(200, [("Content-Type", "application/yaml")], app.openapi.read_bytes())
        api = url.path[len(API_BASE) :] if url.path.startswith(API_BASE + "/") else None
        found = find_route(api) if api is not None else None
        if found is None:
            raise V2Error(404, "NotFound", f"no resource at {url.path}")
        operations, params = found
        operation = operations.get(self.command)
        if operation is None:
            allow = ", ".join(operations)
            raise V2Error(405, "MethodNotAlowed", f"allowed: {allow}", [("Allow", allow)])
        for name, value in params.items():
            if name in _IDENTIFIERS:
                check_identifier(value, _IDENTIFIERS[name])
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        for name, value in query.items():
            if name not in _FREE_PARAMS and FORBIDDEN & set(value):
                raise bad_request(f"Invalid characters in URI parameter {name}")
        is_value = api is not None and api.rstrip("/").endswith("/value")
        if not is_value and not _accepts_json(self.headers.get("Accept")):
            raise V2Error(406, "NotAcceptable", "acceptable MIME types: application/json")
        name = tenant(self.headers.get("Fiware-Service"))
        with app.store.lock:
            request = Request(
                self.command,
                params,
                query,
                name,
                app.store.tenant(name),
                self.headers.get("Fiware-ServicePath"),
                self.headers.get("Accept"),
            )
            if self.command in _BODY_METHODS:
                self._body(request, raw, is_value and self.command == "PUT")
            unknown = request.options() - operation.options
            if unknown or ("options" in query and not request.options()):
                raise bad_request(f"Invalid value for URI param /options/: {sorted(unknown)}")
            return operation.handler(app.services, request)

    def _body(self, request: Request, raw: bytes | None, text_allowed: bool) -> None:
        if not raw or "Content-Length" not in self.headers:
            raise V2Error(
                411, "ContentLengthRequired", "Zero/No Content-Length in PUT/POST/PATCH request"
            )
        media = _media(self.headers.get("Content-Type"))
        if media not in (JSON, TEXT) or (media == TEXT and not text_allowed):
            raise V2Error(415, "UnsupportedMediaType", f"not supported content type: {media}")
        request.content_type = media
        text = raw.decode("utf-8", errors="replace")
        request.text = text
        if media == JSON:
            try:
                request.body = json.loads(text)
            except ValueError as exc:
                raise parse_error(f"Errors found in incoming JSON buffer: {exc}") from exc


def _error(error: V2Error) -> Reply:
    return Reply.json(error.body(), error.status, error.headers)


class ReferenceServerV2(BackgroundServer):
    """The in-memory NGSI v2 reference server on loopback, serving a city-os-v2 bundle.

    BUNDLE (default: the latest city-os-v2) gives its OpenAPI, data models and `defaults`.
    """

    handler = _Handler
    thread_name = "conform-reference-v2"
    tenant = "conform"  # a Fiware-Service, so a run can test multi-tenancy (TEN)

    def __init__(self, bundle: Bundle | None = None, host: str = "127.0.0.1", port: int = 0):
        super().__init__(host, port)
        self.bundle = bundle if bundle is not None else load_bundle(DEFAULT_V2_BUNDLE)
        self.store = TenantStore()
        self.services = Services(
            self.store,
            ModelSet.from_bundle(self.bundle),  # the official Smart Data Models and overlay
            _settings(self.bundle),
            Notifier(self.store),
        )
        self.openapi = self.bundle.openapi_path

    def on_start(self) -> None:
        """The notifier runs while the server does."""
        self.services.notifier.start()

    def on_stop(self) -> None:
        """Deliver what is queued, then end the notifier."""
        self.services.notifier.stop()


def _settings(bundle: Bundle) -> Settings:
    """Page size, maximum limit and body cap from the bundle's `defaults` (Orion's otherwise)."""
    defaults = bundle.manifest.get("defaults") or {}
    standard = Settings()
    try:
        return Settings(
            int(defaults.get("page_size", standard.page_size)),
            int(defaults.get("max_limit", standard.max_limit)),
            int(defaults.get("max_body", standard.max_body)),
        )
    except (AttributeError, TypeError, ValueError) as exc:
        raise BundleError(f"{bundle.path / 'bundle.yaml'}: cannot read defaults: {exc}") from exc
