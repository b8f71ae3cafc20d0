"""The reference city-OS server: routing, negotiation and rendering over the in-memory store."""

from __future__ import annotations

import dataclasses
import hmac
import json
import re
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from conform.bundle import DEFAULT_BUNDLE, Bundle, load_bundle
from conform.errors import BundleError
from conform.framing import BodyTooLarge, read_body
from conform.jsonld import ContextLibrary, ContextNotAvailable, InvalidContext
from conform.reference import subscriptions
from conform.reference.contexts import (
    Terms,
    entity,
    request_body,
    response_body,
    terms_for,
    type_expression,
)
from conform.reference.filters import split_list
from conform.reference.messages import (
    API_BASE,
    CONTEXT_LINK,
    CONTEXT_REL,
    CORE_CONTEXT,
    BodyKind,
    MediaType,
    Request,
    Response,
    Settings,
)
from conform.reference.models import ModelValidators
from conform.reference.negotiation import (
    BODY_METHODS,
    body_media,
    check_context,
    choose_media,
    client_context,
)
from conform.reference.notifier import Notifier
from conform.reference.parameters import declared_parameters, template_key
from conform.reference.problems import (
    ErrorType,
    HttpError,
    ProblemError,
    bad_data,
    invalid_request,
    not_found,
    problem_body,
)
from conform.reference.routes import find_route
from conform.reference.state import Services
from conform.reference.store import Store
from conform.reference.transport import BackgroundServer, QuietServer

Reply = tuple[int, list[tuple[str, str]], bytes]
PROFILE = "ngsi-ld"  # the protocol this server implements (bundle.yaml's `profile:`)
TENANT_HEADER = "NGSILD-Tenant"  # CIM 009 6.3.14
_TENANT = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # the names this server accepts (its own rule)


def _creates_tenant(request: Request) -> bool:
    """Whether the request writes, so a tenant it names is created (CIM 009 6.3.14): every
    POST, PUT and PATCH but the batch query."""
    return request.method in ("POST", "PUT", "PATCH") and request.path != "/entityOperations/query"


def _json(status: int, body: Any, headers: list[tuple[str, str]] | None = None) -> Reply:
    data = json.dumps(body, ensure_ascii=False).encode()
    return status, [("Content-Type", "application/json"), *(headers or [])], data


def _with_context(body: Any, context: Any) -> Any:
    if isinstance(body, list):
        return [_with_context(item, context) for item in body]
    return {**body, "@context": context} if isinstance(body, dict) else body


def render(response: Response, media: MediaType, context: list[Any] | None = None) -> Reply:
    """Bytes and headers for a handler's response in the negotiated media type.

    CONTEXT: the @context the client sent (core context left out), echoed back with the core.
    """
    if response.kind is BodyKind.EMPTY:
        return response.status, response.headers, b""
    if response.kind is BodyKind.PLAIN:
        return _json(response.status, response.body, response.headers)
    if media is MediaType.LD_JSON:
        echoed = [*context, CORE_CONTEXT] if context else CORE_CONTEXT
        data = json.dumps(_with_context(response.body, echoed), ensure_ascii=False).encode()
        return response.status, [("Content-Type", media.value), *response.headers], data
    status, headers, data = _json(response.status, response.body, response.headers)
    headers[0] = ("Content-Type", media.value)
    link = CONTEXT_LINK
    if context and len(context) == 1 and isinstance(context[0], str):
        link = f'<{context[0]}>; rel="{CONTEXT_REL}"; type="application/ld+json"'
    return status, [*headers, ("Link", link)], data


class _Handler(BaseHTTPRequestHandler):
    """Turns one HTTP exchange into a Request, runs its handler under the store lock."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stalls
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: no request log on stderr."""

    def _handle(self) -> None:
        app = self.server.app
        try:
            raw = read_body(self)  # always drained, so the keep-alive stream stays in step
            if raw is not None and len(raw) > app.services.settings.max_request_body:
                raise BodyTooLarge
        except (BodyTooLarge, ValueError):
            self.close_connection = True
            reply = _json(413, HttpError(413, "Content Too Large", "body too large").body())
        else:
            reply = self._reply(raw)
        status, headers, data = reply
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if status != 204:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _handle

    def _reply(self, raw: bytes | None) -> Reply:
        app = self.server.app
        try:
            return self._dispatch(app, raw)
        except ProblemError as problem:
            return _json(problem.error.status, problem.body())
        except HttpError as error:
            return _json(error.status, error.body(), error.headers)
        except Exception:  # outermost layer: a bug becomes a 500, not a dead connection, and
            # its text stays inside: an error body never shows internals (SEC-004)
            return _json(500, problem_body(ErrorType.INTERNAL_ERROR, "internal error"))

    def _dispatch(self, app: ReferenceServer, raw: bytes | None) -> Reply:
        url = urlsplit(self.path)
        if url.path == "/openapi.yaml":
            return app.openapi_reply(self.command)
        app.check_credentials(self.headers.get("Authorization"))
        found = find_route(url.path[len(API_BASE) :]) if url.path.startswith(API_BASE) else None
        if found is None:
            raise not_found(f"no resource at {url.path}")
        route, params = found
        operation = route.operations.get(self.command)
        if operation is None:
            allow = ", ".join(route.operations)
            detail = f"{self.command} is not allowed here; allowed: {allow}"
            raise HttpError(405, "Method Not Allowed", detail, [("Allow", allow)])
        accept = choose_media(self.headers.get("Accept"), route.geo)
        body, is_ld = None, False
        if self.command in BODY_METHODS:
            body, is_ld = self._body(raw)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        app.check_parameters(route.template, self.command, query)
        request = Request(
            self.command, url.path[len(API_BASE) :], params, query, body, is_ld, accept
        )
        unknown = request.options() - operation.options
        if unknown or ("options" in query and not request.options()):
            raise invalid_request(f"unsupported options {sorted(unknown) or ['']}")
        if app.services.contexts is not None:
            request = _with_terms(app.services.contexts, request, self.headers.get("Link"))
        with app.store.lock:
            store = app.tenant_store(self.headers.get(TENANT_HEADER), _creates_tenant(request))
            response = operation.handler(dataclasses.replace(app.services, store=store), request)
        if request.terms.context and response.kind is BodyKind.LD:
            simplified = "keyValues" in request.options()
            response.body = response_body(response.body, request.terms.show, simplified)
        return render(response, accept, request.terms.context)

    def _body(self, raw: bytes | None) -> tuple[Any, bool]:
        if raw is None or "Content-Length" not in self.headers:  # chunked too (ERR-007)
            raise HttpError(411, "Length Required", "a request body needs a Content-Length")
        media = body_media(self.headers.get("Content-Type"), self.command)
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise invalid_request(f"request body is not JSON: {exc}") from exc
        except RecursionError as exc:  # refused, never a 500 (SEC-006)
            raise bad_data("request body nested too deeply") from exc
        check_context(body, media, self.headers.get("Link"))
        return body, media is MediaType.LD_JSON


_ENTITY_BATCHES = frozenset({"create", "upsert", "update", "merge"})


def _terms(library: ContextLibrary, context: list[Any]) -> Terms:
    """Terms under CONTEXT (the core context alone when empty); 503 / 400 when it is unusable."""
    try:
        return terms_for(library, context)
    except ContextNotAvailable as exc:
        raise ProblemError(ErrorType.LD_CONTEXT_NOT_AVAILABLE, str(exc)) from exc
    except InvalidContext as exc:
        raise bad_data(f"invalid @context: {exc}") from exc


def _with_terms(library: ContextLibrary, request: Request, link: str | None) -> Request:
    """The request in stored names, under the context it sent (none: the core context's).

    A JSON-LD batch of entities is read item by item, each with its own @context.
    """
    segments = request.path.strip("/").split("/")
    if segments[0] == "entityOperations" and segments[-1] in _ENTITY_BATCHES and request.ld:
        return _batch_with_terms(library, request)
    context = [c for c in client_context(request.body, request.ld, link) if not library.is_core(c)]
    terms = _terms(library, context)
    renamed = {"attr", "type"}
    params = {k: terms.canon(v) if k in renamed else v for k, v in request.params.items()}
    query = dict(request.query)
    if "type" in query:
        query["type"] = type_expression(query["type"], terms.canon)
    if "attrs" in query:
        query["attrs"] = ",".join(terms.canon(a) for a in split_list(query["attrs"]))
    body = request.body
    if body is not None:
        body = request_body(segments, body, terms.canon)
    return dataclasses.replace(request, params=params, query=query, body=body, terms=terms)


def _batch_with_terms(library: ContextLibrary, request: Request) -> Request:
    if not isinstance(request.body, list):
        return request  # refused by the batch handler
    items, item_terms = [], []
    for item in request.body:
        context = client_context(item, True, None) if isinstance(item, dict) else []
        terms = _terms(library, [c for c in context if not library.is_core(c)])
        items.append(entity(item, terms.canon))
        item_terms.append(terms)
    return dataclasses.replace(request, body=items, item_terms=tuple(item_terms))


class _Server(QuietServer):
    app: ReferenceServer


def load_settings(bundle: Bundle) -> Settings:
    """The bundle's `defaults` (page size, maximum limit; standard values where it has none)
    and `features`."""
    defaults = bundle.manifest.get("defaults") or {}
    standard = Settings()
    try:
        return Settings(
            int(defaults.get("page_size", standard.page_size)),
            int(defaults.get("max_limit", standard.max_limit)),
            frozenset(str(f) for f in bundle.manifest.get("features") or ()),
            int(defaults.get("max_request_body", standard.max_request_body)),
        )
    except (AttributeError, TypeError, ValueError) as exc:
        raise BundleError(f"{bundle.path / 'bundle.yaml'}: cannot read defaults: {exc}") from exc


class ReferenceServer(BackgroundServer):
    """The in-memory reference city-OS server on loopback, in a background thread.

    It serves BUNDLE (default: the latest version of the default bundle): its OpenAPI at
    /openapi.yaml, its data models, its `defaults` (page size, maximum limit) and the
    behaviours its `features:` switch on (strict-parameters, jsonld-contexts).
    """

    handler = _Handler
    tenants = ("conform-a", "conform-b")  # the tenants a run against it names (tenancy class)

    def __init__(
        self,
        bundle: Bundle | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
    ):
        """TOKEN: when given, every API request must carry `Authorization: Bearer TOKEN`."""
        super().__init__(host, port)
        self.token = token
        self.bundle = bundle if bundle is not None else load_bundle(DEFAULT_BUNDLE)
        if self.bundle.profile != PROFILE:
            raise BundleError(
                f"bundle {self.bundle.ref} speaks {self.bundle.profile}; the reference server "
                f"implements {PROFILE} only"
            )
        self.store = Store()  # the default tenant's
        self._tenants: dict[str, Store] = {}
        settings = load_settings(self.bundle)
        self.services = Services(
            self.store,
            ModelValidators(self.bundle.models_dir),
            settings,
            Notifier(self.store),
            contexts=ContextLibrary(self.bundle.path / "contexts")
            if "jsonld-contexts" in settings.features
            else None,
        )
        self.services.notifier.tick = self._periodic
        if self.services.contexts is not None:
            self.services.models.learn_contexts(self.services.contexts)
        self._openapi = self.bundle.openapi_path
        self._declared = declared_parameters(self._openapi)

    def check_parameters(
        self, template: tuple[str, ...], method: str, query: dict[str, Any]
    ) -> None:
        """400 InvalidRequest for a query parameter the bundle does not declare (when strict)."""
        if "strict-parameters" not in self.services.settings.features:
            return
        declared = self._declared.get((template_key(template), method), frozenset())
        unknown = sorted(set(query) - declared)
        if unknown:
            raise invalid_request(f"unsupported query parameter {unknown[0]!r}")

    def tenant_store(self, name: str | None, create: bool) -> Store:
        """The store of tenant NAME (None: the default tenant), made when CREATE; else a tenant
        never written is 404 NonexistentTenant."""
        if name is None:
            return self.store
        if not _TENANT.match(name):
            raise bad_data("invalid NGSILD-Tenant (letters, digits, '_' and '-', at most 64)")
        if name not in self._tenants:
            if not create:
                raise ProblemError(ErrorType.NONEXISTENT_TENANT, "no such tenant")
            self._tenants[name] = Store(name, self.store.lock)
        return self._tenants[name]

    def stores(self) -> list[Store]:
        """Every tenant's store, the default tenant's first."""
        with self.store.lock:
            return [self.store, *self._tenants.values()]

    def check_credentials(self, authorization: str | None) -> None:
        """401 unless the request carries the server's bearer token (when it has one)."""
        if self.token is None:
            return
        expected = f"Bearer {self.token}".encode()
        if authorization is None or not hmac.compare_digest(authorization.encode(), expected):
            challenge = [("WWW-Authenticate", 'Bearer realm="conform"')]
            raise HttpError(401, "Unauthorized", "missing or wrong credentials", challenge)

    def openapi_reply(self, method: str) -> Reply:
        """GET /openapi.yaml: the bundle's OpenAPI document."""
        if method != "GET":
            raise HttpError(405, "Method Not Allowed", "only GET", [("Allow", "GET")])
        if not self._openapi.is_file():
            raise not_found("this bundle has no openapi.yaml")
        return 200, [("Content-Type", "application/yaml")], self._openapi.read_bytes()

    def _periodic(self) -> None:
        for store in self.stores():
            subscriptions.periodic(dataclasses.replace(self.services, store=store))

    def on_start(self) -> None:
        """The notifier runs while the server does."""
        self.services.notifier.start()

    def on_stop(self) -> None:
        """Deliver what is queued, then end the notifier."""
        self.services.notifier.stop()
