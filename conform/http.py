"""The recording HTTP client: evidence, redaction, namespace guard, body cap, timeouts."""

from __future__ import annotations

import json as jsonlib
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import quote, urljoin, urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from conform import __version__
from conform.evidence import EvidenceLog
from conform.guard import Ledger, Resource, SafetyError, check, check_tenant
from conform.profiles import Profile, default_profile
from conform.ratelimit import Limiter
from conform.transport import (
    WIRE_ERRORS,
    BodyTooLarge,
    Response,
    TransportError,
    Unauthorized,
    describe,
    origin,
    read_bounded,
    retry_after,
)

if TYPE_CHECKING:
    from conform.auth import Auth
    from conform.namespace import Namespace

__all__ = ["BodyTooLarge", "Client", "Response", "SafetyError", "TransportError", "Unauthorized"]

_NO_JSON: Any = object()
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 5
_MAX_429_RETRIES = 3
_T = TypeVar("_T")
Credentials = Literal["declared", "none", "wrong"]  # what a request authenticates with


class Client:
    """One keep-alive session to the target; every exchange is recorded in the evidence."""

    def __init__(
        self,
        base_url: str,
        *,
        profile: Profile | None = None,
        auth: Auth | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
        max_body: int = 10 * 1024 * 1024,
        evidence: EvidenceLog,
        namespace: Namespace | None = None,
        ca_bundle: str | None = None,
        max_retry_after: float = 10.0,
        total_timeout: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        proxies: Mapping[str, str] | None = None,
        limiter: Limiter | None = None,
        tenants: Iterable[str] = (),
    ) -> None:
        """TENANTS: tenants besides the default headers' (or the default tenant) a write may
        name in the profile's tenant header; a write into any other is refused, never sent."""
        self.base_url = base_url.rstrip("/")
        self.profile = profile or default_profile()
        api_root = self.profile.api_root.strip("/")
        self.api_root = "/" + api_root if api_root else ""
        self.auth = auth
        self.timeout = timeout
        self.total_timeout = total_timeout if total_timeout is not None else 3 * timeout
        self.max_body = max_body
        self.evidence = evidence
        self.namespace = namespace
        self.max_retry_after = max_retry_after
        self._verify: bool | str = ca_bundle or True
        self._sleep = sleep
        self._origin = origin(self.base_url)
        self._ledger = Ledger(self.profile.collections)
        self.limiter = limiter or Limiter()
        self._default_headers: CaseInsensitiveDict[str] = CaseInsensitiveDict(
            {"Accept": "application/json", "User-Agent": f"conform/{__version__}"}
        )
        self._default_headers.update(headers or {})
        self._tenants = frozenset({self._tenant(self._default_headers), *tenants})
        self._session = requests.Session()
        self._session.trust_env = False  # no .netrc credentials; proxies only as given
        self._proxies = dict(proxies or {})
        for proxy in self._proxies.values():
            password = urlsplit(proxy).password
            if password:
                evidence.add_secret(password)
        self._session.headers = CaseInsensitiveDict()
        pool = requests.adapters.HTTPAdapter(pool_maxsize=self.limiter.concurrency)
        for scheme in ("http://", "https://"):
            self._session.mount(scheme, pool)  # one kept-alive connection per concurrent request
        if auth is not None:
            auth.bind(evidence)

    @property
    def created(self) -> list[str]:
        """Ids of resources the run created and has not deleted, in creation order."""
        return self._ledger.ids()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = _NO_JSON,
        data: bytes | str | None = None,
        headers: Mapping[str, str | None] | None = None,
        api: bool = True,
        chunked: bool = False,
        credentials: Credentials = "declared",
    ) -> Response:
        """Send one request (path under the API root unless `api=False`) and record it.

        `chunked=True` sends the body with Transfer-Encoding: chunked and no Content-Length.
        `credentials`: the system's ("declared"), none ("none") or a wrong one of the declared
        kind ("wrong"); with the last two a 401 is the answer, not an Unauthorized error.
        """
        method = method.upper()
        merged = CaseInsensitiveDict(self._default_headers)
        body = data.encode("utf-8") if isinstance(data, str) else data
        if json is not _NO_JSON:
            body = jsonlib.dumps(json, ensure_ascii=False).encode("utf-8")
            merged["Content-Type"] = "application/json"
        for name, value in (headers or {}).items():
            if value is None:
                merged.pop(name, None)
            else:
                merged[name] = value
        if credentials == "wrong" and self.auth is not None:
            merged[self.auth.header] = self.auth.wrong_value()
        api_path = self._api_path(path, api)
        tenant = self._tenant(merged)
        check_tenant(method, api_path, tenant, self._tenants)
        if self.namespace is not None:
            check(method, api_path, body, self._owned, self.profile.collections, self._marked)
        url = self.base_url + (self.api_root if api else "") + path
        status: int | None = None
        location: str | None = None
        try:
            response = self._send_following(
                method, url, params, merged, body, chunked, credentials == "declared"
            )
            status, location = response.status_code, response.headers.get("Location")
            return response
        finally:
            self._ledger.observe(method, api_path, body, status, location, tenant)

    def get(self, path: str, **kw: Any) -> Response:
        """GET `path`."""
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Response:
        """POST `path`."""
        return self.request("POST", path, **kw)

    def patch(self, path: str, **kw: Any) -> Response:
        """PATCH `path`."""
        return self.request("PATCH", path, **kw)

    def put(self, path: str, **kw: Any) -> Response:
        """PUT `path`."""
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> Response:
        """DELETE `path`."""
        return self.request("DELETE", path, **kw)

    def each(self, fn: Callable[[_T], Any], items: Iterable[_T]) -> None:
        """Call FN on every item, as many at once as the limiter allows in flight.

        Exchanges keep the caller's evidence phase; the first exception is raised once all
        calls have ended.
        """
        todo, phase = list(items), self.evidence.phase

        def call(item: _T) -> Any:
            self.evidence.set_phase(phase)
            return fn(item)

        workers = min(self.limiter.concurrency, len(todo))
        if workers <= 1:
            for item in todo:
                fn(item)
            return
        with ThreadPoolExecutor(workers, thread_name_prefix="conform-each") as pool:
            futures = [pool.submit(call, item) for item in todo]
        for future in futures:
            future.result()

    def cleanup(self) -> list[str]:
        """Delete what the run created (newest first, the profile's first collection before
        the rest: subscriptions reference entities); return ids left behind."""
        self.evidence.set_phase("cleanup")
        items = list(reversed(self._ledger.items()))
        first = f"/{self.profile.collections.cleanup_first}/"
        left: dict[Resource, bool] = {}

        def delete(item: tuple[Resource, str]) -> None:
            (resource, tenant), id_ = item
            prefix, _, _ = resource.rpartition("/")
            path = f"{prefix}/{quote(id_, safe=':')}"
            try:
                status = self.delete(path, headers={self.profile.tenant_header: tenant}).status_code
            except (TransportError, SafetyError):
                status = None
            if status in (200, 204, 404):
                self._ledger.forget(resource, tenant)  # 404: already gone, which is what we want
            else:
                left[(resource, tenant)] = True

        # subscriptions first: deleting their entities must not make the target notify
        self.each(delete, [i for i in items if first in i[0][0].lower()])
        self.each(delete, [i for i in items if first not in i[0][0].lower()])
        return list(dict.fromkeys(id_ for resource, id_ in items if resource in left))

    def close(self) -> None:
        """Close the session's connections."""
        self._session.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _tenant(self, headers: Mapping[str, str]) -> str | None:
        """The tenant HEADERS name (None: the default tenant)."""
        return headers.get(self.profile.tenant_header)

    def _owned(self, id_: str) -> bool:
        """May a path name `id_`: the run's own id, or a server-chosen one the run created (an
        id carrying the marker but unsafe in a path, e.g. `/`, stays refused)."""
        if self.namespace is None:
            return id_ in self._ledger
        return self.namespace.owns(id_) or (id_ in self._ledger and not self._marked(id_))

    def _marked(self, id_: str) -> bool:
        return id_ == "" or (self.namespace is not None and self.namespace.marks(id_))

    def _api_path(self, path: str, api: bool) -> str:
        if api or not self.api_root:
            return path
        if path == self.api_root or path.startswith(self.api_root + "/"):
            return path[len(self.api_root) :]
        return path

    def _send_following(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        headers: CaseInsensitiveDict[str],
        body: bytes | None,
        chunked: bool = False,
        authenticate: bool = True,
    ) -> Response:
        """Send, retrying 429s and a 401 with a refreshed token, following same-origin GETs.

        Not AUTHENTICATE: the declared auth is not applied and a 401 is returned."""
        waited, retries, redirects, refreshed = 0.0, 0, 0, False
        while True:
            r = self._send(method, url, params, headers, body, chunked, authenticate)
            if r.status_code == 429:
                delay = retry_after(r.headers.get("Retry-After"))
                if retries >= _MAX_429_RETRIES or waited + delay > self.max_retry_after:
                    raise TransportError(f"rate limited: {method} {self._redact(url)} got 429")
                self._sleep(delay)
                waited, retries = waited + delay, retries + 1
                continue
            if r.status_code == 401 and not authenticate:
                return r
            if r.status_code == 401:
                if self.auth is not None and not refreshed and self.auth.refresh_after_401():
                    refreshed = True
                    continue
                raise Unauthorized(
                    f"{method} {self._redact(url)} answered 401 Unauthorized: "
                    "check the auth section of the system file"
                )
            location = r.headers.get("Location")
            if r.status_code not in _REDIRECTS or not location:
                return r
            target = urljoin(url, location)
            if origin(target) != self._origin:
                raise TransportError(f"redirect to another origin refused: {origin(target)}")
            if method not in ("GET", "HEAD"):
                return r  # a write is never re-sent; the test sees the redirect
            if redirects >= _MAX_REDIRECTS:
                raise TransportError(
                    f"more than {_MAX_REDIRECTS} redirects from {method} {self._redact(url)}"
                )
            url, params, redirects = target, None, redirects + 1

    def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        headers: CaseInsensitiveDict[str],
        body: bytes | None,
        chunked: bool = False,
        authenticate: bool = True,
    ) -> Response:
        """One exchange on the wire, recorded whatever happens."""
        same_origin = origin(url) == self._origin
        # an iterator body makes requests send Transfer-Encoding: chunked, no Content-Length
        data = iter([body]) if chunked and body is not None else body
        request = requests.Request(
            method, url, headers=dict(headers), data=data, params=params or {},
            auth=self.auth if same_origin and authenticate else None,
        )  # fmt: skip
        try:
            prepared = self._session.prepare_request(request)
        except (requests.RequestException, ValueError) as exc:
            raise TransportError(self._redact(f"{method} {url}: invalid request: {exc}")) from None
        started_at = datetime.now(UTC).isoformat(timespec="milliseconds")
        t0 = time.monotonic()
        status: int | None = None
        response_headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
        content: bytes | None = None
        failure: TransportError | None = None
        try:
            if (urlsplit(url).hostname or "").endswith(".invalid"):
                # RFC 6761 6.4: never resolves; answer at once instead of asking a resolver.
                raise TransportError("DNS lookup failed (.invalid names never resolve)")
            with self.limiter.slot():
                # the time on the wire, not the wait for a slot
                started_at = datetime.now(UTC).isoformat(timespec="milliseconds")
                t0 = time.monotonic()
                raw = self._session.send(
                    prepared,
                    timeout=(self.timeout, self.timeout),
                    allow_redirects=False,
                    stream=True,
                    verify=self._verify,
                    proxies=self._proxies,
                )
                try:
                    status, response_headers = raw.status_code, raw.headers
                    content = read_bounded(raw, self.max_body, t0 + self.total_timeout)
                finally:
                    if content is None:
                        raw.close()  # not read to the end: the connection cannot be reused
        except TransportError as exc:
            failure = exc
        except WIRE_ERRORS as exc:
            failure = TransportError(describe(exc, self.timeout))
        exchange = self.evidence.record(
            method=method,
            url=prepared.url or url,
            request_headers=dict(prepared.headers),
            request_body=None if body is None else _text(body),
            status=status,
            response_headers=dict(response_headers),
            response_body=None if content is None else content.decode("utf-8", errors="replace"),
            error=None if failure is None else str(failure),
            duration_ms=round((time.monotonic() - t0) * 1000, 1),
            started_at=started_at,
        )
        if failure is not None:
            message = self._redact(f"{method} {prepared.url}: {failure}")
            raise type(failure)(message) from None
        assert status is not None and content is not None
        return Response(status, response_headers, content, exchange.id)

    def _redact(self, text: str) -> str:
        return self.evidence.redact(text)


def _text(body: bytes | str) -> str:
    return body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
