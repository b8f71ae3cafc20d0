"""The route table: the bundle's operations, their path templates and accepted options."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from conform.reference import batch, discovery, entities, subscriptions, temporal
from conform.reference.messages import Request, Response
from conform.reference.state import Services

Handler = Callable[[Services, Request], Response]


@dataclass(frozen=True)
class Operation:
    """One method on one path: its handler and the `options` values it accepts."""

    handler: Handler
    options: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Route:
    """A path template such as entities/{id}/attrs and its operations by method."""

    template: tuple[str, ...]
    operations: dict[str, Operation]
    geo: bool = False  # application/geo+json may be served

    def match(self, segments: list[str]) -> dict[str, str] | None:
        """The decoded path parameters when the segments fit this template."""
        if len(segments) != len(self.template):
            return None
        params = {}
        for part, segment in zip(self.template, segments, strict=True):
            if part.startswith("{"):
                params[part[1:-1]] = unquote(segment)
            elif part != segment:
                return None
        return params


_VIEW = frozenset({"keyValues", "sysAttrs"})
_APPEND = frozenset({"noOverwrite"})
_TEMPORAL = frozenset({"temporalValues"})

ROUTES = (
    Route(
        ("entities",),
        {"GET": Operation(entities.query, _VIEW), "POST": Operation(entities.create)},
        geo=True,
    ),
    Route(
        ("entities", "{id}"),
        {
            "GET": Operation(entities.retrieve, _VIEW),
            "DELETE": Operation(entities.delete),
            "PATCH": Operation(entities.merge),
            "PUT": Operation(entities.replace),
        },
        geo=True,
    ),
    Route(
        ("entities", "{id}", "attrs"),
        {"POST": Operation(entities.append, _APPEND), "PATCH": Operation(entities.update)},
    ),
    Route(
        ("entities", "{id}", "attrs", "{attr}"),
        {
            "PATCH": Operation(entities.patch_attribute),
            "DELETE": Operation(entities.delete_attribute),
            "PUT": Operation(entities.replace_attribute),
        },
    ),
    Route(("entityOperations", "create"), {"POST": Operation(batch.create)}),
    Route(
        ("entityOperations", "upsert"),
        {"POST": Operation(batch.upsert, frozenset({"update", "replace"}))},
    ),
    Route(("entityOperations", "update"), {"POST": Operation(batch.update, _APPEND)}),
    Route(("entityOperations", "delete"), {"POST": Operation(batch.delete)}),
    Route(("entityOperations", "merge"), {"POST": Operation(batch.merge)}),
    Route(("entityOperations", "query"), {"POST": Operation(entities.query_post, _VIEW)}),
    Route(
        ("subscriptions",),
        {"GET": Operation(subscriptions.query), "POST": Operation(subscriptions.create)},
    ),
    Route(
        ("subscriptions", "{id}"),
        {
            "GET": Operation(subscriptions.retrieve),
            "PATCH": Operation(subscriptions.update),
            "DELETE": Operation(subscriptions.delete),
        },
    ),
    Route(("types",), {"GET": Operation(discovery.types)}),
    Route(("types", "{type}"), {"GET": Operation(discovery.type_info)}),
    Route(("attributes",), {"GET": Operation(discovery.attributes)}),
    Route(("attributes", "{attr}"), {"GET": Operation(discovery.attribute)}),
    Route(
        ("temporal", "entities"),
        {"GET": Operation(temporal.query, _TEMPORAL), "POST": Operation(temporal.upsert)},
    ),
    Route(
        ("temporal", "entities", "{id}"),
        {"GET": Operation(temporal.retrieve, _TEMPORAL), "DELETE": Operation(temporal.delete)},
    ),
    Route(("temporal", "entities", "{id}", "attrs"), {"POST": Operation(temporal.append)}),
)


def find_route(api_path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for a path below /ngsi-ld/v1 (e.g. /entities/urn:x) and its parameters."""
    segments = api_path.strip("/").split("/")
    for route in ROUTES:
        params = route.match(segments)
        if params is not None:
            return route, params
    return None
