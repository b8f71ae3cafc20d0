"""Handlers of /v2/types and /v2/types/{entityType}."""

from __future__ import annotations

from typing import Any

from conform.reference.ngsi_v2.entity import Entity
from conform.reference.ngsi_v2.errors import not_found
from conform.reference.ngsi_v2.messages import Reply, Request, Services
from conform.reference.ngsi_v2.query import page


def _describe(found: list[Entity]) -> dict[str, Any]:
    attrs: dict[str, dict[str, list[str]]] = {}
    for entity in found:
        for name, attr in entity.attrs.items():
            kinds = attrs.setdefault(name, {"types": []})["types"]
            if attr["type"] not in kinds:
                kinds.append(attr["type"])
    return {"attrs": attrs, "count": len(found)}


def _by_type(r: Request) -> dict[str, list[Entity]]:
    groups: dict[str, list[Entity]] = {}
    for entity in r.tenant.in_scope(r.scope()):
        groups.setdefault(entity.type, []).append(entity)
    return dict(sorted(groups.items()))


def list_types(s: Services, r: Request) -> Reply:
    """GET /v2/types (options count, values)."""
    limit, offset = page(r.query, s.settings.page_size, s.settings.max_limit)
    groups = _by_type(r)
    chosen = list(groups.items())[offset : offset + limit]
    if "values" in r.options():
        body: list[Any] = [name for name, _ in chosen]
    else:
        body = [{"type": name, **_describe(found)} for name, found in chosen]
    headers = [("Fiware-Total-Count", str(len(groups)))] if "count" in r.options() else []
    return Reply.json(body, headers=headers)


def retrieve_type(s: Services, r: Request) -> Reply:
    """GET /v2/types/{entityType}."""
    found = _by_type(r).get(r.params["entityType"])
    if not found:
        raise not_found("Entity type not found")
    return Reply.json(_describe(found))
