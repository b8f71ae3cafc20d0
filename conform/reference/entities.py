"""Entity handlers: create, retrieve, query, delete, attribute operations (CIM 009 5.6, 5.7)."""

from __future__ import annotations

from typing import Any

from conform.reference.attributes import (
    attribute_names,
    check_attribute,
    check_entity,
    check_fragment,
    check_uri,
    render,
)
from conform.reference.filters import build_filter, select, split_list
from conform.reference.messages import API_BASE, MediaType, Request, Response, empty, ld, plain
from conform.reference.pagination import paginate, parse_page
from conform.reference.problems import already_exists, bad_data, invalid_request, not_found
from conform.reference.state import Services
from conform.reference.subscriptions import entity_changed


def _lookup(svc: Services, req: Request) -> dict[str, Any]:
    entity_id = check_uri(req.params["id"], "entity id")
    entity = svc.store.entities.get(entity_id)
    if entity is None:
        raise not_found(f"entity {entity_id} not found")
    return entity


def _as_feature(entity: dict[str, Any], geo_property: str) -> dict[str, Any]:
    geometry = entity.get(geo_property)
    if isinstance(geometry, dict) and geometry.get("type") == "GeoProperty":
        geometry = geometry.get("value")
    properties = {k: v for k, v in entity.items() if k != "id"}
    return {"id": entity["id"], "type": "Feature", "geometry": geometry, "properties": properties}


def present(svc: Services, req: Request, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entities as the request asks: attrs projection, keyValues, sysAttrs, GeoJSON."""
    attrs = split_list(req.query.get("attrs"))
    options = req.options()
    out = [
        render(
            e,
            svc.store.times.get(e["id"], {}),
            set(attrs) if attrs else None,
            simplified="keyValues" in options,
            sys_attrs="sysAttrs" in options,
        )
        for e in entities
    ]
    if req.accept is MediaType.GEO_JSON:
        return [_as_feature(e, req.query.get("geometryProperty", "location")) for e in out]
    return out


def create(svc: Services, req: Request) -> Response:
    """POST /entities: 201 + Location, 409 when the id is taken."""
    entity = check_entity(req.body)
    if entity["id"] in svc.store.entities:
        raise already_exists(f"entity {entity['id']} already exists")
    svc.models.check(entity)
    svc.store.put_entity(entity)
    entity_changed(svc, entity, attribute_names(entity))
    return empty(201, [("Location", f"{API_BASE}/entities/{entity['id']}")])


def retrieve(svc: Services, req: Request) -> Response:
    """GET /entities/{id}: 404 when absent or when none of the asked attrs exist."""
    entity = _lookup(svc, req)
    attrs = split_list(req.query.get("attrs"))
    if attrs and not any(a in entity for a in attrs):
        raise not_found(f"entity {entity['id']} has none of the attributes {attrs}")
    (out,) = present(svc, req, [entity])
    return ld(out)


def query(svc: Services, req: Request) -> Response:
    """GET /entities: filtered, paginated, in insertion order."""
    q = req.query
    flt = build_filter(
        q.get("type"), q.get("id"), q.get("idPattern"), q.get("attrs"), q.get("q"),
        local=q.get("local") == "true",
    )  # fmt: skip
    page = parse_page(req, svc.settings)
    response = paginate(req, page, select(svc.store.entities, flt))
    response.body = present(svc, req, response.body)
    if req.accept is MediaType.GEO_JSON:
        response.body = {"type": "FeatureCollection", "features": response.body}
    return response


def delete(svc: Services, req: Request) -> Response:
    """DELETE /entities/{id}: 204 / 404."""
    svc.store.remove_entity(_lookup(svc, req)["id"])
    return empty(204)


def _write(svc: Services, entity: dict[str, Any], attrs: dict[str, Any]) -> None:
    svc.models.check({**entity, **attrs})  # an update may not break the entity's model
    entity.update(attrs)
    svc.store.touch(entity["id"], list(attrs))
    if attrs:
        entity_changed(svc, entity, list(attrs))


def _result(updated: list[str], not_updated: list[dict[str, str]]) -> Response:
    if not not_updated:
        return empty(204)
    return plain(207, {"updated": updated, "notUpdated": not_updated})


def append(svc: Services, req: Request) -> Response:
    """POST /entities/{id}/attrs: add or overwrite; noOverwrite keeps existing ones (207)."""
    entity = _lookup(svc, req)
    attrs = check_fragment(req.body)
    keep = "noOverwrite" in req.options()
    skipped = [a for a in attrs if keep and a in entity]
    written = {k: v for k, v in attrs.items() if k not in skipped}
    _write(svc, entity, written)
    reason = "attribute exists and noOverwrite was requested"
    return _result(list(written), [{"attributeName": a, "reason": reason} for a in skipped])


def update(svc: Services, req: Request) -> Response:
    """PATCH /entities/{id}/attrs: update existing attributes; missing ones are reported (207)."""
    entity = _lookup(svc, req)
    attrs = check_fragment(req.body)
    missing = [a for a in attrs if a not in entity]
    written = {k: v for k, v in attrs.items() if k not in missing}
    _write(svc, entity, written)
    reason = "attribute does not exist"
    return _result(list(written), [{"attributeName": a, "reason": reason} for a in missing])


def _lookup_attr(svc: Services, req: Request) -> tuple[dict[str, Any], str]:
    entity = _lookup(svc, req)
    name = req.params["attr"]
    if name not in entity or name in ("id", "type"):
        raise not_found(f"entity {entity['id']} has no attribute {name!r}")
    return entity, name


def patch_attribute(svc: Services, req: Request) -> Response:
    """PATCH /entities/{id}/attrs/{attr}: partial update; the attribute type may not change."""
    entity, name = _lookup_attr(svc, req)
    if not isinstance(req.body, dict):
        raise invalid_request("request body must be a JSON object")
    current = entity[name][0] if isinstance(entity[name], list) else entity[name]
    if req.body.get("type", current["type"]) != current["type"]:
        raise bad_data(f"attribute {name!r} is a {current['type']}; its type cannot change")
    patched = check_attribute(name, {**current, **req.body})
    instances = entity[name] if isinstance(entity[name], list) else None
    _write(svc, entity, {name: [patched, *instances[1:]] if instances else patched})
    return empty(204)


def delete_attribute(svc: Services, req: Request) -> Response:
    """DELETE /entities/{id}/attrs/{attr}: 204 / 404."""
    entity, name = _lookup_attr(svc, req)
    del entity[name]
    svc.store.drop_times(entity["id"], name)
    svc.store.touch(entity["id"], [])
    return empty(204)
