"""Entity handlers: create, retrieve, query, delete, attribute operations (CIM 009 5.6, 5.7)."""

from __future__ import annotations

import dataclasses
from typing import Any

from conform.reference import instances
from conform.reference.attributes import (
    attribute_names,
    check_attribute,
    check_entity,
    check_fragment,
    check_uri,
    render,
)
from conform.reference.filters import build_filter, select, selector_matches, split_list
from conform.reference.geoquery import DEFAULT_GEOPROPERTY, GeoQuery, parse_geo_query
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
        name = req.terms.canon(req.query.get("geometryProperty") or DEFAULT_GEOPROPERTY)
        return [_as_feature(e, name) for e in out]
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
    geo = parse_geo_query(
        q.get("georel"), q.get("geometry"), q.get("coordinates"), q.get("geoproperty"),
        req.terms.canon,
    )  # fmt: skip
    flt = build_filter(
        q.get("type"), q.get("id"), q.get("idPattern"), q.get("attrs"), q.get("q"),
        local=q.get("local") == "true", rename=req.terms.canon, geo=geo,
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


def _result(req: Request, updated: list[str], not_updated: list[tuple[str, str]]) -> Response:
    """204, or 207 with an UpdateResult naming the attributes in the client's terms."""
    if not not_updated:
        return empty(204)
    show = req.terms.show
    failed = [{"attributeName": show(name), "reason": why} for name, why in not_updated]
    return plain(207, {"updated": [show(name) for name in updated], "notUpdated": failed})


def append(svc: Services, req: Request) -> Response:
    """POST /entities/{id}/attrs: add or overwrite (instances by datasetId); noOverwrite: 207."""
    entity = _lookup(svc, req)
    attrs = check_fragment(req.body)
    keep = "noOverwrite" in req.options()
    written, skipped = {}, []
    for name, attr in attrs.items():
        merged, kept = (attr, False)
        if name in entity:
            merged, kept = instances.merge(entity[name], attr, not keep)
        if kept:
            skipped.append(name)
        else:
            written[name] = merged
    _write(svc, entity, written)
    reason = "attribute exists and noOverwrite was requested"
    return _result(req, list(written), [(a, reason) for a in skipped])


def update(svc: Services, req: Request) -> Response:
    """PATCH /entities/{id}/attrs: update existing attributes (instances by datasetId) or 207."""
    entity = _lookup(svc, req)
    attrs = check_fragment(req.body)
    written, missing = {}, []
    for name, attr in attrs.items():
        updated = instances.update(entity[name], attr) if name in entity else None
        if updated is None:
            missing.append(name)
        else:
            written[name] = updated
    _write(svc, entity, written)
    reason = "attribute (or the instance of that datasetId) does not exist"
    return _result(req, list(written), [(a, reason) for a in missing])


def _lookup_attr(svc: Services, req: Request) -> tuple[dict[str, Any], str]:
    entity = _lookup(svc, req)
    name = req.params["attr"]
    if name not in entity or name in ("id", "type"):
        raise not_found(f"entity {entity['id']} has no attribute {name!r}")
    return entity, name


def _instance_index(entity: dict[str, Any], name: str, dataset_id: object) -> int:
    if dataset_id is not None:
        check_uri(dataset_id, "datasetId")
    index = instances.find(entity[name], dataset_id if isinstance(dataset_id, str) else None)
    if index is None:
        raise not_found(f"attribute {name!r} has no instance with datasetId {dataset_id!r}")
    return index


def patch_attribute(svc: Services, req: Request) -> Response:
    """PATCH /entities/{id}/attrs/{attr}: partial update of one instance (type kept)."""
    entity, name = _lookup_attr(svc, req)
    if not isinstance(req.body, dict):
        raise invalid_request("request body must be a JSON object")
    body = {k: v for k, v in req.body.items() if k != "@context"}  # JSON-LD bodies carry it
    items = instances.instances(entity[name])
    index = _instance_index(entity, name, body.get("datasetId"))
    current = items[index]
    if body.get("type", current["type"]) != current["type"]:
        raise bad_data(f"attribute {name!r} is a {current['type']}; its type cannot change")
    items[index] = check_attribute(name, {**current, **body})
    _write(svc, entity, {name: instances.pack(items)})
    return empty(204)


def delete_attribute(svc: Services, req: Request) -> Response:
    """DELETE /entities/{id}/attrs/{attr}: one instance (datasetId), or all (deleteAll)."""
    entity, name = _lookup_attr(svc, req)
    if req.query.get("deleteAll", "false") not in ("true", "false"):
        raise bad_data("deleteAll must be true or false")
    if req.query.get("deleteAll") == "true":
        remaining = None
    else:
        remaining, found = instances.without(entity[name], req.query.get("datasetId"))
        if not found:
            raise not_found(f"attribute {name!r} has no instance with that datasetId")
    if remaining is None:
        del entity[name]
        svc.store.drop_times(entity["id"], name)
    else:
        entity[name] = remaining
    svc.store.touch(entity["id"], [])
    return empty(204)


NULL = "urn:ngsi-ld:null"  # in a merge: delete what it stands for (CIM 009 4.5.0, 5.6.17)


def _is_null(value: object) -> bool:
    return value == NULL or (isinstance(value, dict) and value.get("value") == NULL)


def _merged_instance(current: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    out = {**current, **new}
    return {k: v for k, v in out.items() if not _is_null(v)}


def _merged(entity: dict[str, Any], name: str, value: Any) -> Any:
    """The attribute after merging VALUE into it (instance members merged by datasetId)."""
    if name not in entity:
        return check_attribute(name, value)
    if not isinstance(value, dict):
        return instances.merge(entity[name], check_attribute(name, value))[0]
    items = instances.instances(entity[name])
    index = instances.find(items, value.get("datasetId"))
    if index is None:
        items.append(check_attribute(name, value))
    else:
        items[index] = check_attribute(name, _merged_instance(items[index], value))
    return instances.pack(items)


def merge(svc: Services, req: Request) -> Response:
    """PATCH /entities/{id}: merge-patch; urn:ngsi-ld:null deletes an attribute or member."""
    entity = _lookup(svc, req)
    if not isinstance(req.body, dict):
        raise invalid_request("request body must be a JSON object")
    merge_into(svc, entity, req.body)
    return empty(204)


def merge_into(svc: Services, entity: dict[str, Any], fragment: dict[str, Any]) -> None:
    """Merge FRAGMENT's attributes into the stored ENTITY (PATCH /entities/{id}, batch merge)."""
    body = {k: v for k, v in fragment.items() if k not in ("@context", "id", "type")}
    if not body:
        raise bad_data("the request names no attribute")
    gone = [name for name, value in body.items() if _is_null(value) and name in entity]
    written = {name: _merged(entity, name, v) for name, v in body.items() if not _is_null(v)}
    rest = {k: v for k, v in entity.items() if k not in gone}
    svc.models.check({**rest, **written})
    for name in gone:
        del entity[name]
        svc.store.drop_times(entity["id"], name)
    _write(svc, entity, written)


def replace(svc: Services, req: Request) -> Response:
    """PUT /entities/{id}: the entity's attributes become exactly the body's."""
    entity = _lookup(svc, req)
    if not isinstance(req.body, dict):
        raise invalid_request("request body must be a JSON object")
    if req.body.get("id", entity["id"]) != entity["id"]:
        raise bad_data("the body's id differs from the entity id in the path")
    body = {k: v for k, v in req.body.items() if k != "@context"}
    new = check_entity({**body, "id": entity["id"], "type": body.get("type", entity["type"])})
    svc.models.check(new)
    svc.store.remove_entity(entity["id"])
    svc.store.put_entity(new)
    entity_changed(svc, svc.store.entities[new["id"]], attribute_names(new))
    return empty(204)


def replace_attribute(svc: Services, req: Request) -> Response:
    """PUT /entities/{id}/attrs/{attr}: the attribute becomes exactly the body."""
    entity, name = _lookup_attr(svc, req)
    if not isinstance(req.body, dict):
        raise invalid_request("request body must be a JSON object")
    attr = check_attribute(name, {k: v for k, v in req.body.items() if k != "@context"})
    svc.store.drop_times(entity["id"], name)
    _write(svc, entity, {name: attr})
    return empty(204)


def _geo_q(req: Request) -> GeoQuery | None:
    geo_q = req.body.get("geoQ") if isinstance(req.body, dict) else None
    if geo_q is None:
        return None
    if not isinstance(geo_q, dict):
        raise bad_data("geoQ must be an object with georel, geometry and coordinates")
    georel, geometry, coordinates = (geo_q.get(p) for p in ("georel", "geometry", "coordinates"))
    if georel is None or geometry is None or coordinates is None:
        raise bad_data("geoQ needs georel, geometry and coordinates")
    return parse_geo_query(georel, geometry, coordinates, geo_q.get("geoproperty"), req.terms.canon)


def _query_body(body: object) -> tuple[list[dict[str, Any]], list[str], str | None]:
    if not isinstance(body, dict):
        raise invalid_request("request body must be a JSON object")
    if body.get("type") != "Query":
        raise bad_data("a query body needs type Query")
    selectors, attrs, q = body.get("entities") or [], body.get("attrs") or [], body.get("q")
    if not isinstance(selectors, list) or not all(
        isinstance(s, dict) and isinstance(s.get("type"), str) for s in selectors
    ):
        raise bad_data("entities must be an array of selectors, each with a type")
    if not isinstance(attrs, list) or not all(isinstance(a, str) for a in attrs):
        raise bad_data("attrs must be an array of attribute names")
    if q is not None and not isinstance(q, str):
        raise bad_data("q must be a string")
    if not (selectors or attrs or q or body.get("geoQ") is not None):
        raise bad_data("a query needs at least one of entities, attrs, q or geoQ")
    return selectors, attrs, q


def query_post(svc: Services, req: Request) -> Response:
    """POST /entityOperations/query: the query in the body, paginated like GET /entities."""
    selectors, attrs, q = _query_body(req.body)
    flt = build_filter(
        None, None, None, ",".join(attrs) or None, q,
        local=bool(selectors), rename=req.terms.canon, geo=_geo_q(req),
    )  # fmt: skip
    page = parse_page(req, svc.settings)
    found = [
        e
        for e in select(svc.store.entities, flt)
        if not selectors or any(selector_matches(s, e) for s in selectors)
    ]
    response = paginate(req, page, found)
    shown = dataclasses.replace(
        req, query={**req.query, "attrs": ",".join(attrs)} if attrs else req.query
    )
    response.body = present(svc, shown, response.body)
    return response
