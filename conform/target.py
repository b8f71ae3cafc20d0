"""The system under test: system.yaml, its credentials, headers and declared classes."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from conform import __version__
from conform.auth import AUTH_KINDS, Auth, AuthConfig, AuthKind, Secret
from conform.errors import ConfigError
from conform.http import Client
from conform.profiles import Profile, default_profile
from conform.transport import proxies_for
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
}
_OPTIONAL_CLASSES = ("batch", "subscriptions", "discovery")
_LITERAL_SECRETS = {"token", "password", "key", "client_secret", "api_key", "secret"}


@dataclass(frozen=True)
class TargetConfig:
    """A system under test as system.yaml declares it (credentials only by reference)."""

    name: str
    url: str
    vendor: str = ""
    product_version: str = ""
    auth: AuthConfig = field(default_factory=AuthConfig)
    tenant: str | None = None  # sent in the profile's tenant header (NGSI-LD: NGSILD-Tenant)
    # more tenants a run may write into (tenancy tests); the guard refuses writes into any other
    tenants: tuple[str, ...] = ()
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    classes: tuple[str, ...] = ()
    data_models: tuple[str, ...] = ()
    lang: str = "en"
    ca_bundle: str | None = None
    callback_host: str = "127.0.0.1"
    bundle: str | None = None  # the bundle this system is certified against (--bundle wins)


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


def load_system(path: Path, profile: Profile | None = None) -> TargetConfig:
    """Load and validate a system.yaml (PROFILE: the bundle's protocol, for its tenant header)."""
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
        tenants=_tenants(top),
        headers=_headers(top, auth, profile or default_profile()),
        classes=top.strings("classes"),
        data_models=top.strings("data_models"),
        lang=lang,
        ca_bundle=ca_bundle,
        callback_host=top.text("callback_host", "127.0.0.1") or "127.0.0.1",
        bundle=top.text("bundle"),
    )
    top.finish(TargetConfig.__dataclass_fields__)
    return config


def _tenants(top: _Section) -> tuple[str, ...]:
    names = top.strings("tenants")
    for name in names:
        if not _NAME.match(name):
            raise top.error("tenants", f"{name!r}: use letters, digits, '.', '_' or '-'")
    if len(set(names)) != len(names):
        raise top.error("tenants", "a tenant is named twice")
    return names


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


def _headers(top: _Section, auth: AuthConfig, profile: Profile) -> Mapping[str, str]:
    raw = top.data.pop("headers", None) or {}
    if not isinstance(raw, dict):
        raise top.error("headers", "expected a mapping of header name to value")
    reserved = {**_RESERVED_HEADERS, profile.tenant_header.lower(): "use tenant:"}
    if auth.credential_header:
        reserved[auth.credential_header.lower()] = "it carries the credential; use the auth section"
    for key, value in raw.items():
        if not isinstance(key, str) or not _HEADER_NAME.match(key):
            raise top.error(f"headers.{key}", "not a valid header name")
        if key.lower() in reserved:
            raise top.error(f"headers.{key}", f"not allowed here: {reserved[key.lower()]}")
        if not isinstance(value, str) or "\r" in value or "\n" in value:
            raise top.error(f"headers.{key}", "expected a single-line (quoted) string")
    return MappingProxyType(dict(raw))


def _auth(file: Path, data: Any) -> AuthConfig:
    """The `auth:` section as its kind's config class (fields and checks from the class)."""
    section = _Section(file, data, "auth.")
    text = section.text("kind", "none") or "none"
    try:
        cls = AUTH_KINDS[AuthKind(text.replace("-", "_").lower())]
    except ValueError:
        choices = ", ".join(k.value for k in AuthKind)
        raise section.error("kind", f"unknown kind {text!r} (one of {choices})") from None
    values: dict[str, Any] = {}
    allowed = {"kind"}
    for f in dataclasses.fields(cls):
        if f.name == "secret":
            continue
        allowed.add(f.name)
        value = section.text(f.name, required=bool(f.metadata.get("required")))
        check = f.metadata.get("check")
        if value is not None and check == "url":
            value = _check_url(section, f.name, value)
        if value is not None and check == "header" and not _HEADER_NAME.match(value):
            raise section.error(f.name, "not a valid header name")
        if value is not None:
            values[f.name] = value
    if cls.secret_name is not None:
        name = cls.secret_name
        env, file_ = section.text(f"{name}_env"), section.path(f"{name}_file")
        allowed |= {f"{name}_env", f"{name}_file"}
        if (env is None) == (file_ is None):
            raise section.error(f"{name}_env", f"give one of {name}_env or {name}_file")
        if env is not None and not _ENV_NAME.match(env):
            raise section.error(f"{name}_env", "expected an environment variable name")
        values["secret"] = Secret(name, env, file_)
    section.finish(allowed)
    return cls(**values)


def build_auth(
    cfg: AuthConfig,
    *,
    timeout: float = 10.0,
    ca_bundle: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Auth | None:
    """The Auth for `cfg`, reading its secret from the environment or a file now."""
    secret = getattr(cfg, "secret", None)
    value = secret.read(environ) if isinstance(secret, Secret) else ""
    return cfg.build(value, timeout=timeout, ca_bundle=ca_bundle)


def target_facts(target: TargetConfig) -> frozenset[str]:
    """The facts of TARGET a bundle's classes and requirements may depend on (TARGET_FACTS)."""
    facts = {"https"} if urlsplit(target.url).scheme == "https" else set()
    if target.auth.kind is not AuthKind.NONE:
        facts.add("auth")
    if target.tenant:
        facts.add("tenant")
    if len(target.tenants) >= 2:
        facts.add("tenants")
    return frozenset(facts)


def writable_tenants(target: TargetConfig) -> frozenset[str | None]:
    """The tenants a run may write into: the system's own (None: the default tenant) and its
    `tenants:`."""
    return frozenset({target.tenant, *target.tenants})


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
    profile: Profile | None = None,
    timeout: float = 10.0,
    max_body: int = 10 * 1024 * 1024,
    environ: Mapping[str, str] | None = None,
    limiter: Limiter | None = None,
) -> Client:
    """A recording client for `target` speaking PROFILE: auth, tenant, headers, CA bundle."""
    profile = profile or default_profile()
    headers = dict(target.headers)
    if target.tenant:
        headers[profile.tenant_header] = target.tenant
    auth = build_auth(target.auth, timeout=timeout, ca_bundle=target.ca_bundle, environ=environ)
    return Client(
        target.url,
        profile=profile,
        auth=auth,
        headers=headers,
        timeout=timeout,
        max_body=max_body,
        evidence=evidence,
        namespace=namespace,
        ca_bundle=target.ca_bundle,
        proxies=proxies_for(target.url, os.environ if environ is None else environ),
        limiter=limiter,
        tenants=target.tenants,
    )
