"""What NGSI v2 handlers see and return: a routed request, a reply, the server's shared state."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from conform.reference.ngsi_v2.syntax import scope_paths, write_path

if TYPE_CHECKING:
    from conform.datamodels import ModelSet
    from conform.reference.ngsi_v2.notify import Notifier
    from conform.reference.ngsi_v2.store import Tenant, TenantStore

API_BASE = "/v2"
JSON = "application/json"
TEXT = "text/plain"


@dataclass(frozen=True)
class Settings:
    """Choices the standard leaves open (bundle `defaults`)."""

    page_size: int = 20
    max_limit: int = 1000
    max_body: int = 1024 * 1024


@dataclass(frozen=True)
class Services:
    """The server's shared state, handed to every handler."""

    store: TenantStore
    models: ModelSet | None
    settings: Settings
    notifier: Notifier


@dataclass
class Request:
    """A routed request: path parameters, query, parsed body, tenant and service-path header."""

    method: str
    params: dict[str, str]
    query: dict[str, str]
    tenant_name: str
    tenant: Tenant
    service_path: str | None  # the Fiware-ServicePath header as sent
    accept: str | None
    content_type: str = JSON
    body: Any = None
    text: str = ""  # the body as text (text/plain values)

    def options(self) -> set[str]:
        """The comma-separated values of `options`."""
        return {o for o in self.query.get("options", "").split(",") if o}

    def scope(self) -> list[str]:
        """The service paths this request reads or addresses."""
        return scope_paths(self.service_path)

    def write_path(self) -> str:
        """The service path a create puts the entity in."""
        return write_path(self.service_path)

    def type_param(self) -> str | None:
        """The `type` URL parameter (disambiguates an entity id)."""
        return self.query.get("type") or None


@dataclass
class Reply:
    """A handler's answer."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    data: bytes = b""

    @classmethod
    def json(
        cls, body: Any, status: int = 200, headers: list[tuple[str, str]] | None = None
    ) -> Reply:
        """A JSON body."""
        data = json.dumps(body, ensure_ascii=False).encode()
        return cls(status, [("Content-Type", JSON), *(headers or [])], data)

    @classmethod
    def empty(cls, status: int = 204, headers: list[tuple[str, str]] | None = None) -> Reply:
        """No body (201 with Location, 204)."""
        return cls(status, headers or [])

    @classmethod
    def text(cls, text: str) -> Reply:
        """A text/plain body."""
        return cls(200, [("Content-Type", TEXT)], text.encode())
