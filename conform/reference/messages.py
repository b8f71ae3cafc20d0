"""What handlers see and return: a parsed request, a response, and the server's settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any

from conform.profiles import load_profile
from conform.reference.contexts import PLAIN, Terms

API_BASE = "/ngsi-ld/v1"
CORE_CONTEXT = load_profile("ngsi-ld").core_context  # defined once, in the profile
CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"
CONTEXT_LINK = f'<{CORE_CONTEXT}>; rel="{CONTEXT_REL}"; type="application/ld+json"'


class MediaType(StrEnum):
    """Media types the API speaks."""

    JSON = "application/json"
    LD_JSON = "application/ld+json"
    GEO_JSON = "application/geo+json"
    MERGE_PATCH = "application/merge-patch+json"


class BodyKind(Enum):
    """How a response body is rendered."""

    EMPTY = "empty"  # no body (201 create, 204)
    LD = "ld"  # JSON-LD content: gets the @context (Link header or body member)
    PLAIN = "plain"  # always application/json without context (errors, 207, id lists)


@dataclass(frozen=True)
class Settings:
    """Choices the standard leaves open, taken from the bundle's `defaults`."""

    page_size: int = 20
    max_limit: int = 1000
    # behaviours a bundle version switches on (bundle.yaml `features:`), e.g. strict-parameters
    features: frozenset[str] = frozenset()
    max_request_body: int = 8 * 1024 * 1024  # bytes; a larger body is 413


@dataclass(frozen=True)
class Request:
    """A routed API request: path parameters, query parameters and the parsed JSON body."""

    method: str
    path: str  # the API path below /ngsi-ld/v1, still percent-encoded
    params: dict[str, str]  # path parameters, decoded
    query: dict[str, str]  # query parameters (the last one wins when repeated)
    body: Any = None
    ld: bool = False  # the body came as application/ld+json
    accept: MediaType = MediaType.JSON
    terms: Terms = PLAIN  # JSON-LD names: as written <-> as stored (feature jsonld-contexts)
    item_terms: tuple[Terms, ...] = ()  # a JSON-LD batch: each entity's, by its own @context

    def options(self) -> set[str]:
        """The comma-separated values of the `options` query parameter."""
        return {o for o in self.query.get("options", "").split(",") if o}


@dataclass
class Response:
    """A handler's answer; the server adds content type, context and length."""

    status: int
    body: Any = None
    kind: BodyKind = BodyKind.EMPTY
    headers: list[tuple[str, str]] = field(default_factory=list)


def empty(status: int, headers: list[tuple[str, str]] | None = None) -> Response:
    """A response without body (201 with Location, 204)."""
    return Response(status, None, BodyKind.EMPTY, headers or [])


def ld(body: Any, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Response:
    """A 200 response whose body is JSON-LD content (entities, subscriptions, type info)."""
    return Response(status, body, BodyKind.LD, headers or [])


def plain(status: int, body: Any) -> Response:
    """A plain application/json response (207 results, created-id lists)."""
    return Response(status, body, BodyKind.PLAIN)
