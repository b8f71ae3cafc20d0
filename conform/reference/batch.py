"""Batch entity operations (CIM 009 5.6.7-5.6.10, 5.6.20): per-entity results, 207 on partial
failure. Each entity is seen with its own terms (`Request.item_terms`: the @context it carries).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from conform.reference import entities, instances
from conform.reference.attributes import attribute_names, check_entity, check_uri
from conform.reference.messages import Request, Response, empty, plain
from conform.reference.problems import (
    ProblemError,
    already_exists,
    bad_data,
    invalid_request,
    not_found,
)
from conform.reference.state import Services
from conform.reference.subscriptions import entity_changed

# one step of a batch: returns True when it created the entity
Step = Callable[[Services, Request, Any], bool]


def _items(req: Request) -> list[Any]:
    if not isinstance(req.body, list):
        raise invalid_request("request body must be a JSON array")
    if not req.body:
        raise bad_data("a batch operation needs at least one item")
    return req.body


def _context_rule(req: Request, item: Any) -> None:
    if isinstance(item, dict) and ("@context" in item) != req.ld:
        why = "must carry" if req.ld else "must not carry"
        raise bad_data(f"with this Content-Type each entity {why} an @context")


def _entity(req: Request, item: Any) -> dict[str, Any]:
    _context_rule(req, item)
    return check_entity(item)


def _store(svc: Services, entity: dict[str, Any]) -> None:
    svc.models.check(entity)
    svc.store.put_entity(entity)
    entity_changed(svc, entity, attribute_names(entity))


def _create(svc: Services, req: Request, item: Any) -> bool:
    entity = _entity(req, item)
    if entity["id"] in svc.store.entities:
        raise already_exists(f"entity {entity['id']} already exists")
    _store(svc, entity)
    return True


def _upsert(svc: Services, req: Request, item: Any) -> bool:
    entity = _entity(req, item)
    current = svc.store.entities.get(entity["id"])
    if current is not None and "update" in req.options():
        entity = {**current, **entity}
    if current is not None:
        svc.store.remove_entity(entity["id"])
    _store(svc, entity)
    return current is None


def _update(svc: Services, req: Request, item: Any) -> bool:
    entity = _entity(req, item)
    current = svc.store.entities.get(entity["id"])
    if current is None:
        raise not_found(f"entity {entity['id']} not found")
    overwrite = "noOverwrite" not in req.options()
    attrs, kept = {}, []
    for name in attribute_names(entity):
        if name not in current:
            attrs[name] = entity[name]
            continue
        merged, was_kept = instances.merge(current[name], entity[name], overwrite)
        if was_kept:
            kept.append(name)
        else:
            attrs[name] = merged
    svc.models.check({**current, **attrs})
    current.update(attrs)
    svc.store.touch(current["id"], list(attrs))
    entity_changed(svc, current, list(attrs))
    if kept:  # reported, not silently skipped: the entity goes to errors (207)
        names = ", ".join(req.terms.show(name) for name in kept)
        raise bad_data(f"attributes not overwritten (noOverwrite): {names}")
    return False


def _merge(svc: Services, req: Request, item: Any) -> bool:
    if not isinstance(item, dict):
        raise bad_data("each item must be an entity (a JSON object)")
    _context_rule(req, item)
    entity_id = check_uri(item.get("id"), "entity id")
    current = svc.store.entities.get(entity_id)
    if current is None:
        raise not_found(f"entity {entity_id} not found")
    entities.merge_into(svc, current, item)
    return False


def _delete(svc: Services, req: Request, item: Any) -> bool:
    entity_id = check_uri(item, "entity id")
    if entity_id not in svc.store.entities:
        raise not_found(f"entity {entity_id} not found")
    svc.store.remove_entity(entity_id)
    return False


def _item_request(req: Request, index: int) -> Request:
    """REQ as the batch's INDEXth entity sees it: with the terms of its own @context."""
    if index < len(req.item_terms):
        return dataclasses.replace(req, terms=req.item_terms[index])
    return req


def _item_id(item: Any) -> str:
    return str(item.get("id", "") if isinstance(item, dict) else item)


def _run(svc: Services, req: Request, step: Step, created_status: int | None) -> Response:
    success: list[str] = []
    created: list[str] = []
    errors: list[dict[str, Any]] = []
    items = _items(req)
    for index, item in enumerate(items):
        try:
            if step(svc, _item_request(req, index), item):
                created.append(_item_id(item))
            success.append(_item_id(item))
        except ProblemError as problem:
            errors.append({"entityId": _item_id(item), "error": problem.body()})
    if errors:
        return plain(207, {"success": success, "errors": errors})
    if created_status and created:
        return plain(created_status, created)
    return empty(204)


def create(svc: Services, req: Request) -> Response:
    """POST /entityOperations/create: 201 with the created ids, or 207."""
    return _run(svc, req, _create, 201)


def upsert(svc: Services, req: Request) -> Response:
    """POST /entityOperations/upsert: 201 when some were created, 204 when all existed, or 207."""
    return _run(svc, req, _upsert, 201)


def update(svc: Services, req: Request) -> Response:
    """POST /entityOperations/update: 204, or 207 for missing entities."""
    return _run(svc, req, _update, None)


def delete(svc: Services, req: Request) -> Response:
    """POST /entityOperations/delete: 204, or 207 with unknown ids as errors."""
    return _run(svc, req, _delete, None)


def merge(svc: Services, req: Request) -> Response:
    """POST /entityOperations/merge: merge-patch each entity; 204, or 207 for missing ones."""
    return _run(svc, req, _merge, None)
