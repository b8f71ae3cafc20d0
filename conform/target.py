"""The system under test: system.yaml, its credentials, headers and declared classes."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from conform import __version__
from conform.auth import Auth, AuthConfig, AuthKind, OAuth2Auth, api_key, basic, bearer
from conform.errors import ConfigError
from conform.http import Client
from conform.yamlfile import load_yaml_file

if TYPE_CHECKING:
    from conform.evidence import EvidenceLog
    from conform.namespace import Namespace
    from conform.ratelimit import Limiter

__all__ = [
    "Auth",
    "AuthConfig",
    "AuthKind",
    "TargetConfig",
    "build_auth",
    "client_for",
    "load_system",
    "reference_target",
]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
# Headers that would carry a literal credential in the file, or clash with a setting.
_RESERVED_HEADERS = {
    "authorization": "use the auth section",
    "proxy-authorization": "use the auth section",
    "cookie": "use the auth section",
    "ngsild-tenant": "use tenant:",
}
_SECRET_OF = {
    AuthKind.BEARER: "token",
    AuthKind.BASIC: "password",
    AuthKind.API_KEY: "key",
    AuthKind.OAUTH2: "client_secret",
}
_AUTH_FIELDS = {
    AuthKind.NONE: (),
    AuthKind.BEARER: (),
    AuthKind.BASIC: ("username",),
    AuthKind.API_KEY: ("header",),
    AuthKind.OAUTH2: ("token_url", "client_id", "scope"),
}
_OPTIONAL_CLASSES = ("batch", "subscriptions", "discovery")
_REQUIRED = {"username", "header", "token_url", "client_id"}
_LITERAL_SECRETS = {"token", "password", "key", "client_secret", "api_key", "secret"}


@dataclass(frozen=True)
class TargetConfig:
    """A system under test as system.yaml declares it (credentials only by reference)."""

    name: str
    url: str
    vendor: str = ""
    product_version: str = ""
    auth: AuthConfig = field(default_factory=AuthConfig)
    tenant: str | None = None  # sent as NGSILD-Tenant
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    classes: tuple[str, ...] = ()
    data_models: tuple[str, ...] = ()
    lang: str = "en"
    ca_bundle: str | None = None
    callback_host: str = "127.0.0.1"


class _Section:
    """Typed access to one mapping of the file; errors name the file and the field."""

    def __init__(self, file: Path, data: Any, prefix: str = "") -> None:
        if not isinstance(data, dict):
            raise ConfigError(f"{file}: {prefix.rstrip('.') or 'top level'}: expected a mapping")
        self.file, self.data, self.prefix = file, dict(data), prefix
        for key in self.data:  # checked first: the most important mistake to explain
            if key in _LITERAL_SECRETS:
                raise self.error(
                    key,
                    "literal secrets are not allowed in the file; name an environment "
                    f"variable (auth.{key}_env) or a file (auth.{key}_file)",
                )

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.file}: {self.prefix}{key}: {problem}")

    def text(self, key: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self.data.pop(key, None)
        if value is None or value == "":
            if required:
                raise self.error(key, "missing")
            return default
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, "expected a non-empty (quoted) string")
        return value.strip()

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.data.pop(key, None) or []
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.error(key, "expected a list of strings")
        return tuple(value)

    def path(self, key: str) -> str | None:
        value = self.text(key)
        return None if value is None else str((self.file.parent / value).resolve())

    def finish(self, allowed: Any) -> None:
        for key in self.data:
            raise self.error(key, f"unknown key (allowed: {', '.join(sorted(allowed))})")


def load_system(path: Path) -> TargetConfig:
    """Load and validate a system.yaml."""
    data = load_yaml_file(path, "system file")
    top = _Section(path, data)
    name = top.text("name", required=True) or ""
    if not _NAME.match(name):
        raise top.error("name", "use letters, digits, '.', '_' or '-' (at most 64)")
    url = _url(top, "url")
    auth = _auth(path, top.data.pop("auth", None) or {"kind": "none"})
    lang = top.text("lang", "en") or "en"
    if lang not in ("en", "ja"):
        raise top.error("lang", "expected 'en' or 'ja'")
    ca_bundle = top.path("ca_bundle")
    if ca_bundle is not None and not Path(ca_bundle).is_file():
        raise top.error("ca_bundle", f"no such file: {ca_bundle}")
    config = TargetConfig(
        name=name,
        url=url,
        vendor=top.text("vendor", "") or "",
        product_version=top.text("product_version", "") or "",
        auth=auth,
        tenant=top.text("tenant"),
        headers=_headers(top, auth),
        classes=top.strings("classes"),
        data_models=top.strings("data_models"),
        lang=lang,
        ca_bundle=ca_bundle,
        callback_host=top.text("callback_host", "127.0.0.1") or "127.0.0.1",
    )
    top.finish(TargetConfig.__dataclass_fields__)
    return config


def _url(section: _Section, key: str) -> str:
    return _check_url(section, key, section.text(key, required=True) or "")


def _check_url(section: _Section, key: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise section.error(key, f"expected an http(s) URL, got {url!r}")
    if parts.username or parts.password:
        raise section.error(key, "credentials in the URL are not allowed; use the auth section")
    if parts.query or parts.fragment:
        raise section.error(key, "expected the server root, without query or fragment")
    return url.rstrip("/")


def _headers(top: _Section, auth: AuthConfig) -> Mapping[str, str]:
    raw = top.data.pop("headers", None) or {}
    if not isinstance(raw, dict):
        raise top.error("headers", "expected a mapping of header name to value")
    reserved = dict(_RESERVED_HEADERS)
    if auth.header:
        reserved[auth.header.lower()] = "it carries the API key; use the auth section"
    for key, value in raw.items():
        if not isinstance(key, str) or not _HEADER_NAME.match(key):
            raise top.error(f"headers.{key}", "not a valid header name")
        if key.lower() in reserved:
            raise top.error(f"headers.{key}", f"not allowed here: {reserved[key.lower()]}")
        if not isinstance(value, str) or "\r" in value or "\n" in value:
            raise top.error(f"headers.{key}", "expected a single-line (quoted) string")
    return MappingProxyType(dict(raw))


def _auth(file: Path, data: Any) -> AuthConfig:
    section = _Section(file, data, "auth.")
    text = section.text("kind", "none") or "none"
    try:
        kind = AuthKind(text.replace("-", "_").lower())
    except ValueError:
        choices = ", ".join(k.value for k in AuthKind)
        raise section.error("kind", f"unknown kind {text!r} (one of {choices})") from None
    values: dict[str, Any] = {"kind": kind}
    allowed = {"kind", *_AUTH_FIELDS[kind]}
    for key in _AUTH_FIELDS[kind]:
        values[key] = section.text(key, required=key in _REQUIRED)
    if kind is AuthKind.OAUTH2:
        values["token_url"] = _url(
            _Section(file, {"token_url": values["token_url"]}, "auth."), "token_url"
        )
    if kind is AuthKind.API_KEY and not _HEADER_NAME.match(values["header"]):
        raise section.error("header", "not a valid header name")
    if kind in _SECRET_OF:
        secret = _SECRET_OF[kind]
        env, file_ = section.text(f"{secret}_env"), section.path(f"{secret}_file")
        allowed |= {f"{secret}_env", f"{secret}_file"}
        if (env is None) == (file_ is None):
            raise section.error(f"{secret}_env", f"give one of {secret}_env or {secret}_file")
        if env is not None and not _ENV_NAME.match(env):
            raise section.error(f"{secret}_env", "expected an environment variable name")
        values[f"{secret}_env"], values[f"{secret}_file"] = env, file_
    section.finish(allowed)
    return AuthConfig(**values)


def _secret(cfg: AuthConfig, name: str, environ: Mapping[str, str]) -> str:
    env, file_ = getattr(cfg, f"{name}_env"), getattr(cfg, f"{name}_file")
    if env is not None:
        value = environ.get(env, "")
        if not value:
            raise ConfigError(f"environment variable {env} (auth.{name}_env) is not set")
        return value
    try:
        value = Path(file_).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file_}: cannot read auth.{name}_file: {exc}") from None
    if not value:
        raise ConfigError(f"{file_}: auth.{name}_file is empty")
    return value


def build_auth(
    cfg: AuthConfig,
    *,
    timeout: float = 10.0,
    ca_bundle: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Auth | None:
    """The Auth for `cfg`, reading its secret from the environment or a file now."""
    env = os.environ if environ is None else environ
    if cfg.kind is AuthKind.NONE:
        return None
    secret = _secret(cfg, _SECRET_OF[cfg.kind], env)
    if cfg.kind is AuthKind.BEARER:
        return bearer(secret)
    if cfg.kind is AuthKind.BASIC:
        return basic(cfg.username or "", secret)
    if cfg.kind is AuthKind.API_KEY:
        return api_key(cfg.header or "X-API-Key", secret)
    return OAuth2Auth(
        cfg.token_url or "",
        cfg.client_id or "",
        secret,
        scope=cfg.scope,
        timeout=timeout,
        ca_bundle=ca_bundle,
    )


def reference_target(
    url: str, classes: tuple[str, ...] = ("batch", "subscriptions", "discovery")
) -> TargetConfig:
    """The embedded reference server at `url`, declaring every optional class."""
    return TargetConfig(
        name="reference", url=url.rstrip("/"), vendor="conform", product_version=__version__,
        classes=classes,
    )  # fmt: skip


def client_for(
    target: TargetConfig,
    *,
    evidence: EvidenceLog,
    namespace: Namespace | None = None,
    timeout: float = 10.0,
    max_body: int = 10 * 1024 * 1024,
    environ: Mapping[str, str] | None = None,
    limiter: Limiter | None = None,
) -> Client:
    """A recording client for `target`: its auth, tenant, extra headers and CA bundle."""
    headers = dict(target.headers)
    if target.tenant:
        headers["NGSILD-Tenant"] = target.tenant
    auth = build_auth(target.auth, timeout=timeout, ca_bundle=target.ca_bundle, environ=environ)
    return Client(
        target.url,
        auth=auth,
        headers=headers,
        timeout=timeout,
        max_body=max_body,
        evidence=evidence,
        namespace=namespace,
        ca_bundle=target.ca_bundle,
        limiter=limiter,
    )
