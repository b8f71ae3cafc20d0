"""Subscription handlers and matching of entity changes to notifications (CIM 009 5.8, 5.11)."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from conform.jsonld import context_list
from conform.reference import contexts
from conform.reference.attributes import check_name, check_type, check_uri, render
from conform.reference.contexts import PLAIN, Terms, terms_for
from conform.reference.filters import compile_pattern, selector_matches
from conform.reference.messages import API_BASE, Request, Response, empty, ld
from conform.reference.pagination import paginate, parse_page
from conform.reference.problems import already_exists, bad_data, invalid_request, not_found
from conform.reference.query import compile_q
from conform.reference.store import now_iso

if TYPE_CHECKING:
    from conform.reference.state import Services

FORMATS = ("normalized", "keyValues")
PATCHABLE = {"subscriptionName", "description", "entities", "watchedAttributes", "q"}
PATCHABLE |= {"isActive", "expiresAt", "throttling", "notification", "timeInterval"}
RUNTIME = ("timesSent", "lastNotification", "lastSuccess", "lastFailure", "status")


def _expired(sub: dict[str, Any]) -> bool:
    expires = sub.get("expiresAt")
    return expires is not None and _timestamp(expires) <= datetime.now(UTC)


def _timestamp(raw: object) -> datetime:
    try:
        stamp = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError as exc:
        raise bad_data(f"expiresAt is not an ISO 8601 date-time: {raw!r}") from exc
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def status_of(sub: dict[str, Any]) -> str:
    """active, paused (isActive false) or expired (expiresAt passed)."""
    if _expired(sub):
        return "expired"
    return "paused" if sub.get("isActive") is False else "active"


def _check_selectors(selectors: object) -> None:
    if not isinstance(selectors, list) or not selectors:
        raise bad_data("entities must be a non-empty array")
    for sel in selectors:
        if not isinstance(sel, dict) or "type" not in sel or set(sel) - {"type", "id", "idPattern"}:
            raise bad_data("each entities item needs a type and only id or idPattern besides")
        check_type(sel["type"])
        if "id" in sel:
            check_uri(sel["id"], "entities id")
        if "idPattern" in sel:
            compile_pattern(str(sel["idPattern"]))


def _check_notification(params: object) -> None:
    if not isinstance(params, dict):
        raise bad_data("notification must be an object")
    endpoint = params.get("endpoint")
    if not isinstance(endpoint, dict):
        raise bad_data("notification.endpoint is required")
    check_uri(endpoint.get("uri"), "notification.endpoint.uri")
    if params.get("format", "normalized") not in FORMATS:
        raise bad_data(f"notification.format must be one of {FORMATS}")
    info = endpoint.get("receiverInfo", [])
    if not isinstance(info, list) or not all(
        isinstance(i, dict) and isinstance(i.get("key"), str) and isinstance(i.get("value"), str)
        for i in info
    ):
        raise bad_data("notification.endpoint.receiverInfo must be a list of {key, value} strings")
    if endpoint.get("accept", "application/json") not in (
        "application/json",
        "application/ld+json",
    ):
        raise bad_data("notification.endpoint.accept must be application/json or ld+json")
    _check_names(params.get("attributes", ["x"]), "notification.attributes")


def _check_names(names: object, what: str) -> None:
    if not isinstance(names, list) or not names:
        raise bad_data(f"{what} must be a non-empty array of names")
    for name in names:
        check_name(name, what)


def check_subscription(sub: dict[str, Any]) -> None:
    """400 BadRequestData unless the subscription is acceptable (create or after a patch)."""
    check_uri(sub.get("id"), "subscription id")
    if sub.get("type") != "Subscription":
        raise bad_data("type must be Subscription")
    if "entities" not in sub and "watchedAttributes" not in sub:
        raise bad_data("a subscription needs entities or watchedAttributes")
    if "entities" in sub:
        _check_selectors(sub["entities"])
    _check_names(sub.get("watchedAttributes", ["x"]), "watchedAttributes")
    for key in ("throttling", "timeInterval"):
        value = sub.get(key, 1)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise bad_data(f"{key} must be a positive number")
    if "timeInterval" in sub and ("watchedAttributes" in sub or "throttling" in sub):
        raise bad_data("timeInterval excludes watchedAttributes and throttling")
    for key in ("subscriptionName", "description", "q"):
        if not isinstance(sub.get(key, "x"), str) or (key == "q" and sub.get(key) == ""):
            raise bad_data(f"{key} must be a non-empty string")
    _check_notification(sub.get("notification"))
    if "q" in sub:
        compile_q(str(sub["q"]))
    if "isActive" in sub and not isinstance(sub["isActive"], bool):
        raise bad_data("isActive must be a boolean")
    if "expiresAt" in sub and _expired(sub):
        raise bad_data("expiresAt is in the past")


def _body(req: Request) -> dict[str, Any]:
    if not isinstance(req.body, dict):
        raise invalid_request("request body must be a JSON object")
    return {k: copy.deepcopy(v) for k, v in req.body.items() if k != "@context"}


def _output(sub: dict[str, Any]) -> dict[str, Any]:
    return {**copy.deepcopy(sub), "status": status_of(sub)}


def _lookup(svc: Services, req: Request) -> dict[str, Any]:
    sub_id = check_uri(req.params["id"], "subscription id")
    sub = svc.store.subscriptions.get(sub_id)
    if sub is None:
        raise not_found(f"subscription {sub_id} not found")
    return sub


def create(svc: Services, req: Request) -> Response:
    """POST /subscriptions: 201 + Location; a URN id is generated when absent."""
    sub = _body(req)
    sub.setdefault("id", f"urn:ngsi-ld:Subscription:{uuid.uuid4()}")
    check_subscription(sub)
    if sub["id"] in svc.store.subscriptions:
        raise already_exists(f"subscription {sub['id']} already exists")
    for key in ("status", *RUNTIME):  # system-managed members are not taken from clients
        sub.pop(key, None)
        sub["notification"].pop(key, None)
    if req.terms.context:  # notifications and q use the context the subscriber sent
        context = req.terms.context
        sub["jsonldContext"] = context[0] if len(context) == 1 else context
    svc.store.subscriptions[sub["id"]] = sub
    return empty(201, [("Location", f"{API_BASE}/subscriptions/{sub['id']}")])


def retrieve(svc: Services, req: Request) -> Response:
    """GET /subscriptions/{id}: 200 with status."""
    return ld(_output(_lookup(svc, req)))


def query(svc: Services, req: Request) -> Response:
    """GET /subscriptions: paginated, in creation order."""
    page = parse_page(req, svc.settings)
    return paginate(req, page, [_output(s) for s in svc.store.subscriptions.values()])


def update(svc: Services, req: Request) -> Response:
    """PATCH /subscriptions/{id}: replace the given members, re-validate, 204."""
    sub = _lookup(svc, req)
    patch = _body(req)
    if patch.get("type", "Subscription") != "Subscription":
        raise bad_data("type must be Subscription")
    patch.pop("type", None)  # a full Subscription body may come back as the patch
    unknown = sorted(set(patch) - PATCHABLE)
    if unknown or not patch:
        raise bad_data(f"a subscription patch may only change {sorted(PATCHABLE)}, not {unknown}")
    merged = {**copy.deepcopy(sub), **patch}
    if isinstance(patch.get("notification"), dict):
        runtime = {k: v for k, v in sub["notification"].items() if k in RUNTIME}
        merged["notification"] = {**patch["notification"], **runtime}
    check_subscription(merged)
    svc.store.subscriptions[sub["id"]] = merged
    return empty(204)


def delete(svc: Services, req: Request) -> Response:
    """DELETE /subscriptions/{id}: 204 / 404."""
    del svc.store.subscriptions[_lookup(svc, req)["id"]]
    return empty(204)


def _terms(svc: Services, sub: dict[str, Any]) -> Terms:
    """The names of the subscriber's context (PLAIN without JSON-LD processing or context)."""
    if svc.contexts is None or "jsonldContext" not in sub:
        return PLAIN
    return terms_for(svc.contexts, context_list(sub["jsonldContext"]))


def _selected(
    sub: dict[str, Any],
    entity: dict[str, Any],
    changed: list[str],
    terms: Terms,
    periodic: bool = False,
) -> bool:
    selectors = sub.get("entities")
    if selectors and not any(selector_matches(sel, entity) for sel in selectors):
        return False
    watched = sub.get("watchedAttributes")
    if watched and not periodic and not set(watched).intersection(changed):
        return False
    return "q" not in sub or compile_q(str(sub["q"]), terms.canon)(entity)


def _notification(
    svc: Services, sub: dict[str, Any], entities: list[dict[str, Any]], terms: Terms
) -> dict[str, Any]:
    """A Notification of SUB carrying ENTITIES as its notification parameters ask."""
    params = sub["notification"]
    attrs = params.get("attributes")
    simplified = params.get("format") == "keyValues"
    data = []
    for entity in entities:
        times = svc.store.times.get(entity["id"], {})
        shown = render(entity, times, set(attrs) if attrs else None, simplified=simplified)
        data.append(contexts.entity(shown, terms.show, simplified) if terms is not PLAIN else shown)
    return {
        "id": f"urn:ngsi-ld:Notification:{uuid.uuid4()}",
        "type": "Notification",
        "subscriptionId": sub["id"],
        "notifiedAt": now_iso(),
        "data": data,
    }


def entity_changed(svc: Services, entity: dict[str, Any], changed: list[str]) -> None:
    """Queue a notification for every active change-based subscription the change matches."""
    for sub in svc.store.subscriptions.values():
        if status_of(sub) != "active" or "timeInterval" in sub:
            continue
        terms = _terms(svc, sub)
        if _selected(sub, entity, changed, terms):
            svc.notifier.send(svc.store, sub, _notification(svc, sub, [entity], terms))


def periodic(svc: Services) -> None:
    """Notify each due timeInterval subscription of the entities it selects (CIM 009 5.8.1)."""
    for sub in list(svc.store.subscriptions.values()):
        interval = sub.get("timeInterval")
        if interval is None or status_of(sub) != "active":
            continue
        if svc.notifier.since_last(sub["id"]) < float(interval):
            continue
        terms = _terms(svc, sub)
        entities = svc.store.entities.values()
        selected = [e for e in entities if _selected(sub, e, [], terms, periodic=True)]
        if selected:
            svc.notifier.send(svc.store, sub, _notification(svc, sub, selected, terms))
