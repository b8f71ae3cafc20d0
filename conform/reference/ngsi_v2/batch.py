"""Handlers of /v2/op/update (every actionType) and /v2/op/query."""

from __future__ import annotations

from typing import Any

from conform.reference.ngsi_v2 import entities
from conform.reference.ngsi_v2.entity import Entity, parse_entity
from conform.reference.ngsi_v2.errors import V2Error, bad_request, not_found, unprocessable
from conform.reference.ngsi_v2.messages import Reply, Request, Services
from conform.reference.ngsi_v2.query import Filter, Selector

ACTIONS = ("append", "appendStrict", "update", "delete", "replace")
_NEEDS_ENTITY = ("update", "delete", "replace")


def _existing(r: Request, body: dict[str, Any]) -> Entity | None:
    found = r.tenant.find(body["id"], body.get("type"), r.scope())
    return found[0] if len(found) == 1 else None


def _apply(s: Services, r: Request, action: str, item: Any, key_values: bool) -> None:
    entity_id, entity_type, attrs = parse_entity(item, key_values)
    current = _existing(r, item)
    if current is None:
        if action in _NEEDS_ENTITY:
            raise not_found()
        entities.commit(s, r, Entity(entity_id, entity_type, r.write_path()), attrs, created=True)
        return
    if action == "appendStrict" and any(k in current.attrs for k in attrs):
        raise unprocessable(f"one or more of the attributes already exist: {entity_id}")
    if action == "update":
        missing = [k for k in attrs if k not in current.attrs]
        if missing:
            raise unprocessable(f"do not exist: {entity_id} - [ {', '.join(missing)} ]")
    if action == "delete":
        if not attrs:
            s.store.remove(r.tenant, current)
            return
        if any(k not in current.attrs for k in attrs):
            raise unprocessable(f"attributes to delete do not exist: {entity_id}")
        current.attrs = {k: v for k, v in current.attrs.items() if k not in attrs}
        return
    merged = attrs if action == "replace" else {**current.attrs, **attrs}
    entities.commit(s, r, current, merged)


def update(s: Services, r: Request) -> Reply:
    """POST /v2/op/update: each entity in turn; 404 if none existed where required, else 422."""
    body = r.body
    if not isinstance(body, dict) or body.get("actionType") not in ACTIONS:
        raise bad_request(f"actionType must be one of {', '.join(ACTIONS)}")
    items = body.get("entities")
    if not isinstance(items, list) or not items:
        raise bad_request("entities must be a non-empty array")
    key_values = "keyValues" in r.options()
    for item in items:  # the whole payload is checked before anything is written
        parse_entity(item, key_values)
    failures: list[V2Error] = []
    for item in items:
        try:
            _apply(s, r, body["actionType"], item, key_values)
        except V2Error as error:
            failures.append(error)
    if failures and all(f.status == 404 for f in failures) and len(failures) == len(items):
        raise not_found()
    if failures:
        raise unprocessable("; ".join(f.description for f in failures))
    return Reply.empty()


def _list(body: dict[str, Any], key: str) -> list[str] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request(f"{key} must be an array of strings")
    return value


def query(s: Services, r: Request) -> Reply:
    """POST /v2/op/query."""
    body = r.body
    if not isinstance(body, dict):
        raise bad_request("the payload must be a JSON object")
    items = body.get("entities", [])
    if not isinstance(items, list):
        raise bad_request("entities must be an array")
    expression = body.get("expression", {})
    if not isinstance(expression, dict) or not all(isinstance(v, str) for v in expression.values()):
        raise bad_request("expression must be an object of strings")
    selectors = tuple(Selector.from_json(item) for item in items)
    filter_ = Filter.build(selectors, expression)
    return entities.listing(s, r, filter_, _list(body, "attrs"), _list(body, "metadata"))
