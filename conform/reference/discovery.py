"""Type and attribute discovery (CIM 009 5.7.5-5.7.10), computed from the stored entities."""

from __future__ import annotations

import uuid
from typing import Any

from conform.reference.attributes import attr_types, attribute_names, types_of
from conform.reference.messages import Request, Response, ld
from conform.reference.problems import not_found
from conform.reference.state import Services


def _by_type(svc: Services) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for entity in svc.store.entities.values():
        for kind in types_of(entity):
            groups.setdefault(kind, []).append(entity)
    return groups


def _by_attribute(svc: Services) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for entity in svc.store.entities.values():
        for name in attribute_names(entity):
            groups.setdefault(name, []).append(entity)
    return groups


def _attribute(name: str, entities: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": name,
        "type": "Attribute",
        "attributeName": name,
        "attributeCount": len(entities),
        "attributeTypes": sorted({t for e in entities for t in attr_types(e[name])}),
        "typeNames": sorted({t for e in entities for t in types_of(e)}),
    }


def _details(svc: Services, req: Request) -> bool:
    return req.query.get("details") == "true"


def types(svc: Services, req: Request) -> Response:
    """GET /types: EntityTypeList, or EntityType details with details=true."""
    groups = _by_type(svc)
    if _details(svc, req):
        return ld(
            [
                {
                    "id": kind,
                    "type": "EntityType",
                    "typeName": kind,
                    "attributeNames": sorted({a for e in group for a in attribute_names(e)}),
                }
                for kind, group in sorted(groups.items())
            ]
        )
    return ld(
        {
            "id": f"urn:ngsi-ld:EntityTypeList:{uuid.uuid4()}",
            "type": "EntityTypeList",
            "typeList": sorted(groups),
        }
    )


def type_info(svc: Services, req: Request) -> Response:
    """GET /types/{type}: EntityTypeInformation (attributeDetails, entityCount); 404 if unknown."""
    kind = req.params["type"]
    group = _by_type(svc).get(kind)
    if not group:
        raise not_found(f"no entity of type {kind!r}")
    names = sorted({a for e in group for a in attribute_names(e)})
    details = [
        {
            "id": name,
            "type": "Attribute",
            "attributeName": name,
            "attributeTypes": sorted({t for e in group if name in e for t in attr_types(e[name])}),
        }
        for name in names
    ]
    return ld(
        {
            "id": kind,
            "type": "EntityTypeInformation",
            "typeName": kind,
            "entityCount": len(group),
            "attributeDetails": details,
        }
    )


def attributes(svc: Services, req: Request) -> Response:
    """GET /attributes: AttributeList, or Attribute details with details=true."""
    groups = _by_attribute(svc)
    if _details(svc, req):
        return ld([_attribute(name, group) for name, group in sorted(groups.items())])
    return ld(
        {
            "id": f"urn:ngsi-ld:AttributeList:{uuid.uuid4()}",
            "type": "AttributeList",
            "attributeList": sorted(groups),
        }
    )


def attribute(svc: Services, req: Request) -> Response:
    """GET /attributes/{attr}: Attribute with typeNames and attributeCount, 404 if unknown."""
    name = req.params["attr"]
    group = _by_attribute(svc).get(name)
    if not group:
        raise not_found(f"no entity has attribute {name!r}")
    return ld(_attribute(name, group))
