"""Handlers of /v2/entities and its attribute and value sub-resources."""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import quote

from conform.reference.ngsi_v2.entity import (
    Attr,
    Entity,
    parse_attr,
    parse_attrs,
    parse_entity,
    render,
    render_mode,
)
from conform.reference.ngsi_v2.errors import V2Error, bad_request, not_found, unprocessable
from conform.reference.ngsi_v2.geo import check_location
from conform.reference.ngsi_v2.messages import Reply, Request, Services
from conform.reference.ngsi_v2.query import Filter, Selector, order, page
from conform.reference.store import now_iso


def names(text: str | None) -> list[str] | None:
    """A comma-separated list parameter (attrs, metadata), None when absent."""
    return None if text is None else [n for n in text.split(",") if n]


def check_model(services: Services, entity: Entity) -> None:
    """400 BadRequest when an entity of a published model type breaks its schema."""
    models = services.models
    if models is None or entity.type not in models.names:
        return
    violations = models.validate(entity.key_values(), entity.type)
    if violations:
        first = violations[0]
        raise bad_request(
            f"entity {entity.id} does not match data model {entity.type} at "
            f"{first.pointer or '/'}: {first.message}"
        )


def commit(
    s: Services, r: Request, entity: Entity, attrs: dict[str, Attr], *, created: bool = False
) -> None:
    """Give ENTITY the attributes ATTRS after the model check, and notify what changed."""
    check_location(attrs)
    candidate = copy.copy(entity)
    candidate.attrs = attrs
    check_model(s, candidate)
    changed = {k for k, a in attrs.items() if created or entity.attrs.get(k) != a}
    entity.attrs = attrs
    if created:
        s.store.add(r.tenant, entity)
    elif changed:
        entity.modified = now_iso()
    if changed or created:
        s.notifier.changed(r.tenant_name, r.tenant, entity, changed)


def create(s: Services, r: Request) -> Reply:
    """POST /v2/entities (options keyValues, upsert)."""
    options = r.options()
    entity_id, entity_type, attrs = parse_entity(r.body, "keyValues" in options)
    path = r.write_path()
    existing = r.tenant.entities.get((path, entity_id, entity_type))
    if existing is not None:
        if "upsert" not in options:
            raise unprocessable("Already Exists")
        commit(s, r, existing, {**existing.attrs, **attrs})
        return Reply.empty(204)
    commit(s, r, Entity(entity_id, entity_type, path), attrs, created=True)
    location = f"/v2/entities/{quote(entity_id, safe='')}?type={quote(entity_type, safe='')}"
    return Reply.empty(201, [("Location", location)])


def query(s: Services, r: Request) -> Reply:
    """GET /v2/entities."""
    q = r.query
    selector = Selector.build(q.get("id"), q.get("idPattern"), q.get("type"), q.get("typePattern"))
    return listing(
        s, r, Filter.build((selector,), q), names(q.get("attrs")), names(q.get("metadata"))
    )


def listing(
    s: Services, r: Request, filter_: Filter, attrs: list[str] | None, metadata: list[str] | None
) -> Reply:
    """The page of entities FILTER selects, rendered as the options ask (shared by op/query)."""
    limit, offset = page(r.query, s.settings.page_size, s.settings.max_limit)
    found = [e for e in r.tenant.in_scope(r.scope()) if filter_.selects(e)]
    ordered = order(found, r.query.get("orderBy"), filter_.geo)
    mode = render_mode(r.options())
    body = [render(e, mode, attrs, metadata) for e in ordered[offset : offset + limit]]
    headers = [("Fiware-Total-Count", str(len(found)))] if "count" in r.options() else []
    return Reply.json(body, headers=headers)


def _one(r: Request) -> Entity:
    return r.tenant.one(r.params["entityId"], r.type_param(), r.scope())


def retrieve(s: Services, r: Request) -> Reply:
    """GET /v2/entities/{entityId}."""
    entity, q = _one(r), r.query
    body = render(entity, render_mode(r.options()), names(q.get("attrs")), names(q.get("metadata")))
    return Reply.json(body)


def retrieve_attrs(s: Services, r: Request) -> Reply:
    """GET /v2/entities/{entityId}/attrs."""
    entity, q = _one(r), r.query
    mode = render_mode(r.options())
    attrs, metadata = names(q.get("attrs")), names(q.get("metadata"))
    return Reply.json(render(entity, mode, attrs, metadata, with_identity=False))


def delete(s: Services, r: Request) -> Reply:
    """DELETE /v2/entities/{entityId}."""
    s.store.remove(r.tenant, _one(r))
    return Reply.empty()


def _label(entity: Entity, keys: list[str]) -> str:
    return f"{entity.id}/{entity.type} - [ {', '.join(keys)} ]"


def update_or_append(s: Services, r: Request) -> Reply:
    """POST /v2/entities/{entityId}/attrs (options keyValues, append)."""
    entity = _one(r)
    new = parse_attrs(r.body, "keyValues" in r.options(), entity.attrs)
    present = [k for k in new if k in entity.attrs]
    if "append" in r.options() and present:
        raise unprocessable(
            f"one or more of the attributes already exist: {_label(entity, present)}"
        )
    commit(s, r, entity, {**entity.attrs, **new})
    return Reply.empty()


def update_existing(s: Services, r: Request) -> Reply:
    """PATCH /v2/entities/{entityId}/attrs: every attribute must exist."""
    entity = _one(r)
    new = parse_attrs(r.body, "keyValues" in r.options(), entity.attrs)
    missing = [k for k in new if k not in entity.attrs]
    if new and len(missing) == len(new):
        raise unprocessable(f"do not exist: {_label(entity, missing)}")
    commit(s, r, entity, {**entity.attrs, **{k: v for k, v in new.items() if k not in missing}})
    if missing:
        raise unprocessable(f"do not exist: {_label(entity, missing)}", "PartialUpdate")
    return Reply.empty()


def replace_all(s: Services, r: Request) -> Reply:
    """PUT /v2/entities/{entityId}/attrs."""
    entity = _one(r)
    commit(s, r, entity, parse_attrs(r.body, "keyValues" in r.options()))
    return Reply.empty()


def _attr(r: Request) -> tuple[Entity, Attr]:
    entity = _one(r)
    attr = entity.attrs.get(r.params["attrName"])
    if attr is None:
        raise not_found("The entity does not have such an attribute")
    return entity, attr


def get_attr(s: Services, r: Request) -> Reply:
    """GET /v2/entities/{entityId}/attrs/{attrName}."""
    entity, _ = _attr(r)
    name = r.params["attrName"]
    rendered = render(entity, "normalized", [name], names(r.query.get("metadata")), False)
    return Reply.json(rendered[name])


def put_attr(s: Services, r: Request) -> Reply:
    """PUT /v2/entities/{entityId}/attrs/{attrName}."""
    entity, _ = _attr(r)
    name = r.params["attrName"]
    if not isinstance(r.body, dict) or "value" not in r.body:
        raise bad_request("the payload must be an attribute object with value")
    commit(s, r, entity, {**entity.attrs, name: parse_attr(name, r.body, False)})
    return Reply.empty()


def delete_attr(s: Services, r: Request) -> Reply:
    """DELETE /v2/entities/{entityId}/attrs/{attrName}."""
    entity, _ = _attr(r)
    entity.attrs = {k: v for k, v in entity.attrs.items() if k != r.params["attrName"]}
    entity.modified = now_iso()
    return Reply.empty()


def _ranges(accept: str | None) -> list[str]:
    return [m.split(";")[0].strip().lower() for m in (accept or "*/*").split(",") if m.strip()]


def get_value(s: Services, r: Request) -> Reply:
    """GET .../attrs/{attrName}/value: JSON for objects and arrays, text/plain for the rest."""
    _, attr = _attr(r)
    value = attr["value"]
    text = json.dumps(value, ensure_ascii=False)
    for media in _ranges(r.accept):
        if isinstance(value, dict | list):
            if media in ("application/json", "application/*", "*/*"):
                return Reply.json(value)
            if media in ("text/plain", "text/*"):
                return Reply.text(text)
        elif media in ("text/plain", "text/*", "*/*"):
            return Reply.text(text)
    accepted = "application/json, text/plain" if isinstance(value, dict | list) else "text/plain"
    raise V2Error(406, "NotAcceptable", f"accepted MIME types: {accepted}")


def _plain_value(text: str) -> Any:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    if text in ("true", "false"):
        return text == "true"
    if text == "null":
        return None
    try:
        number = float(text)
    except ValueError as exc:
        raise bad_request(f"not a valid value for text/plain: {text!r}") from exc
    return (
        int(number)
        if number.is_integer() and "." not in text and "e" not in text.lower()
        else number
    )


def put_value(s: Services, r: Request) -> Reply:
    """PUT .../attrs/{attrName}/value: a JSON object or array, or a text/plain value."""
    entity, attr = _attr(r)
    if r.content_type == "text/plain":
        value = _plain_value(r.text.strip())
    elif isinstance(r.body, dict | list):
        value = r.body
    else:
        raise bad_request("an application/json value must be an object or an array")
    name = r.params["attrName"]
    new = parse_attr(name, {"type": attr["type"], "value": value}, False, attr)
    commit(s, r, entity, {**entity.attrs, name: new})
    return Reply.empty()
