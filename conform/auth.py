"""Credentials for the target: bearer token, basic, API key, OAuth2 client credentials.

Each kind is data: a frozen config class (what system.yaml's `auth:` holds for it, secrets only
by reference) registered in `AUTH_KINDS`. Adding a kind is one class here, its entry in
`AuthKind`, and a line in the `conform init` template.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from base64 import b64encode
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote_plus

import requests
import requests.auth

from conform.errors import ConfigError
from conform.transport import WIRE_ERRORS, TransportError, describe, proxies_for, read_bounded

if TYPE_CHECKING:
    from conform.evidence import EvidenceLog

_TOKEN_EARLY = 30.0  # refresh this many seconds before the token says it expires
_TOKEN_MAX_BODY = 1024 * 1024


class AuthKind(StrEnum):
    """How the target wants to be authenticated."""

    NONE = "none"
    BEARER = "bearer"
    BASIC = "basic"
    API_KEY = "api_key"
    OAUTH2 = "oauth2"


class Auth(requests.auth.AuthBase):
    """Adds one credential header to each request and tells the evidence log what to redact."""

    def __init__(self, header: str = "Authorization") -> None:
        self.header = header
        self._on_secret: Callable[[str], None] | None = None

    def value(self) -> str:
        """The header value to send now."""
        raise NotImplementedError

    def secrets(self) -> list[str]:
        """Every string that must never appear in evidence, reports or messages."""
        raise NotImplementedError

    def refresh_after_401(self) -> bool:
        """Get fresh credentials after a 401; True if a retry may succeed."""
        return False

    def wrong_value(self) -> str:
        """A header value of the same kind (scheme kept) that carries no valid credential."""
        scheme, _, _ = self.value().rpartition(" ")
        token = secrets.token_urlsafe(24)
        if scheme.lower() == "basic":
            token = b64encode(f"conform-wrong:{token}".encode()).decode()
        return f"{scheme} {token}" if scheme else token

    def bind(self, evidence: EvidenceLog) -> None:
        """Register the header and every secret, present and future, with `evidence`."""
        evidence.redact_header(self.header)
        for secret in self.secrets():
            evidence.add_secret(secret)
        self._on_secret = evidence.add_secret

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers[self.header] = self.value()
        return r


class StaticAuth(Auth):
    """A fixed header value: bearer token, basic credentials or API key."""

    def __init__(self, header: str, value: str, secrets: list[str]) -> None:
        super().__init__(header)
        self._value = value
        self._secrets = [s for s in secrets if s]

    def value(self) -> str:
        """The fixed header value."""
        return self._value

    def secrets(self) -> list[str]:
        """The credential and its encoded forms."""
        return [*self._secrets, self._value]


def bearer(token: str) -> StaticAuth:
    """`Authorization: Bearer <token>`."""
    return StaticAuth("Authorization", f"Bearer {token}", [token])


def basic(username: str, password: str) -> StaticAuth:
    """`Authorization: Basic ...` (RFC 7617, UTF-8)."""
    pair = b64encode(f"{username}:{password}".encode()).decode()
    return StaticAuth("Authorization", f"Basic {pair}", [password, pair])


def api_key(header: str, key: str) -> StaticAuth:
    """The key in a header of the vendor's choosing."""
    return StaticAuth(header, key, [key])


class OAuth2Auth(Auth):
    """OAuth2 client credentials (RFC 6749 4.4): a cached bearer token, refreshed on expiry/401."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str | None = None,
        timeout: float = 10.0,
        ca_bundle: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__("Authorization")
        self.token_url = token_url
        self._client = (client_id, client_secret)
        self._scope = scope
        self._timeout = timeout
        self._verify: bool | str = ca_bundle or True
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires = 0.0
        self._seen: list[str] = []
        self._session = requests.Session()
        self._session.trust_env = False
        self._session.proxies = proxies_for(token_url, os.environ)  # the target's proxy rules

    def value(self) -> str:
        """`Bearer <token>`, fetching a token when there is none or it is about to expire."""
        with self._lock:
            if self._token is None or self._clock() >= self._expires:
                self._fetch()
            return f"Bearer {self._token}"

    def refresh_after_401(self) -> bool:
        """Drop the cached token and fetch a new one."""
        with self._lock:
            self._fetch()
        return True

    def secrets(self) -> list[str]:
        """The client secret, its Basic form, and every token fetched so far."""
        client_id, secret = self._client
        pair = b64encode(f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()).decode()
        return [secret, pair, *self._seen]

    def _fetch(self) -> None:
        client_id, secret = self._client
        form = {"grant_type": "client_credentials"}
        if self._scope:
            form["scope"] = self._scope
        what = f"OAuth2 token request to {self.token_url}"
        start = time.monotonic()
        try:
            r = self._session.post(
                self.token_url,
                data=form,
                auth=(quote_plus(client_id), quote_plus(secret)),  # RFC 6749 2.3.1
                headers={"Accept": "application/json"},
                timeout=(self._timeout, self._timeout),
                allow_redirects=False,
                stream=True,
                verify=self._verify,
            )
            body = read_bounded(r, _TOKEN_MAX_BODY, start + 3 * self._timeout)
        except WIRE_ERRORS as exc:
            raise TransportError(f"{what} failed: {describe(exc, self._timeout)}") from None
        if r.status_code in (400, 401, 403):
            raise ConfigError(f"{what} was refused (HTTP {r.status_code}): check auth.client_id")
        payload: Any = _json_object(body)
        token = payload.get("access_token")
        if r.status_code != 200 or not isinstance(token, str) or not token:
            raise TransportError(f"{what} answered HTTP {r.status_code} without an access_token")
        self._remember(token)
        expires_in = payload.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, int | float) else float("inf")
        self._token, self._expires = token, self._clock() + max(0.0, lifetime - _TOKEN_EARLY)

    def _remember(self, token: str) -> None:
        self._seen.append(token)
        if self._on_secret is not None:
            self._on_secret(token)


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Secret:
    """Where a credential is read from: an environment variable or a file, never the value."""

    name: str  # its stem in system.yaml: token, password, key, client_secret
    env: str | None = None
    file: str | None = None

    def read(self, environ: Mapping[str, str] | None = None) -> str:
        """The credential, read now; ConfigError naming the variable or file."""
        if self.env is not None:
            value = (os.environ if environ is None else environ).get(self.env, "")
            if not value:
                raise ConfigError(
                    f"environment variable {self.env} (auth.{self.name}_env) is not set"
                )
            return value
        try:
            value = Path(str(self.file)).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{self.file}: cannot read auth.{self.name}_file: {exc}") from None
        if not value:
            raise ConfigError(f"{self.file}: auth.{self.name}_file is empty")
        return value


# `field(metadata=CHECK_URL)`: system.yaml's value must be an http(s) URL; CHECK_HEADER: a
# header name. Fields without a default are required.
CHECK_URL = {"check": "url"}
CHECK_HEADER = {"check": "header"}


@dataclass(frozen=True)
class AuthConfig:
    """No credentials (the base of every kind): the fields of one `auth:` section."""

    kind: ClassVar[AuthKind] = AuthKind.NONE
    secret_name: ClassVar[str | None] = None  # the credential's stem (`<name>_env`/`_file`)

    @property
    def credential_header(self) -> str | None:
        """A header carrying the credential that system.yaml's `headers:` must not set."""
        return None

    def build(self, secret: str, *, timeout: float, ca_bundle: str | None) -> Auth | None:
        """The Auth sending SECRET (None: no credentials)."""
        return None


@dataclass(frozen=True)
class BearerConfig(AuthConfig):
    """`Authorization: Bearer <token>`."""

    kind: ClassVar[AuthKind] = AuthKind.BEARER
    secret_name: ClassVar[str | None] = "token"
    secret: Secret = field(default_factory=lambda: Secret("token"))

    def build(self, secret: str, *, timeout: float, ca_bundle: str | None) -> Auth:
        """A bearer token."""
        return bearer(secret)


@dataclass(frozen=True)
class BasicConfig(AuthConfig):
    """HTTP Basic (RFC 7617)."""

    kind: ClassVar[AuthKind] = AuthKind.BASIC
    secret_name: ClassVar[str | None] = "password"
    username: str = field(default="", metadata={"required": True})
    secret: Secret = field(default_factory=lambda: Secret("password"))

    def build(self, secret: str, *, timeout: float, ca_bundle: str | None) -> Auth:
        """Basic credentials."""
        return basic(self.username, secret)


@dataclass(frozen=True)
class ApiKeyConfig(AuthConfig):
    """An API key in a header of the vendor's choosing."""

    kind: ClassVar[AuthKind] = AuthKind.API_KEY
    secret_name: ClassVar[str | None] = "key"
    header: str = field(default="X-API-Key", metadata={"required": True, **CHECK_HEADER})
    secret: Secret = field(default_factory=lambda: Secret("key"))

    @property
    def credential_header(self) -> str | None:
        """The key's header."""
        return self.header

    def build(self, secret: str, *, timeout: float, ca_bundle: str | None) -> Auth:
        """The key in its header."""
        return api_key(self.header, secret)


@dataclass(frozen=True)
class OAuth2Config(AuthConfig):
    """OAuth2 client credentials (RFC 6749 4.4)."""

    kind: ClassVar[AuthKind] = AuthKind.OAUTH2
    secret_name: ClassVar[str | None] = "client_secret"
    token_url: str = field(default="", metadata={"required": True, **CHECK_URL})
    client_id: str = field(default="", metadata={"required": True})
    scope: str | None = None
    secret: Secret = field(default_factory=lambda: Secret("client_secret"))

    def build(self, secret: str, *, timeout: float, ca_bundle: str | None) -> Auth:
        """A token fetched from token_url, refreshed on expiry or 401."""
        return OAuth2Auth(
            self.token_url, self.client_id, secret, scope=self.scope, timeout=timeout,
            ca_bundle=ca_bundle,
        )  # fmt: skip


AUTH_KINDS: Mapping[AuthKind, type[AuthConfig]] = {
    cls.kind: cls for cls in (AuthConfig, BearerConfig, BasicConfig, ApiKeyConfig, OAuth2Config)
}
