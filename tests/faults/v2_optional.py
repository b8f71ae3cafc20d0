"""NGSI v2 fault rows for the optional classes: batch, subscriptions, notifications, types,
multi-tenancy.

A subscription field the server ignores is a rewrite of the create request (the server never
sees it); what reaches the receiver is changed by the proxy's notification relay (`notify`),
which sees each notification's headers and body.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from faults.proxy import Context, Hooks, Req, Resp
from faults.rewrites import Fault, on_request, on_response
from faults.v2 import _body_change, _is, _option, _row
from faults.v2_entities import _edit_json, lookup

# --- batch -------------------------------------------------------------------------------------


def _action_is(name: str) -> Any:
    return _is(lambda b: b.get("actionType") == name)


def _all_exist(req: Req, ctx: Context) -> bool:
    entities = (req.json() or {}).get("entities") or []
    return all(ctx.forward(lookup(req, f"/entities/{e.get('id')}")).status == 200 for e in entities)


def _update_of_existing_ignored(req: Req, ctx: Context) -> Req | Resp | None:
    return Resp(204) if _all_exist(req, ctx) else None


def _whole_entities(body: dict[str, Any]) -> dict[str, Any]:
    """A delete of attributes turned into a delete of the whole entities."""
    entities = [{"id": e.get("id"), "type": e.get("type")} for e in body.get("entities", [])]
    return {**body, "entities": entities}


def _patterns_ignored(body: dict[str, Any]) -> dict[str, Any]:
    entities = [{**e, "idPattern": ".*"} for e in body.get("entities", []) if isinstance(e, dict)]
    return {**body, "entities": entities}


def _anchored_pattern(body: dict[str, Any]) -> bool:
    entities = body.get("entities") or []
    return any(str(e.get("idPattern", "")).startswith("^") for e in entities if isinstance(e, dict))


BATCH_ROWS: tuple[Fault, ...] = (
    _row(
        "v2-batch-append-as-strict",
        "BAT-001",
        on_request(
            "POST",
            "op/update",
            _body_change(lambda b: {**b, "actionType": "appendStrict"}),
            lambda req: not req.query and _action_is("append")(req),
        ),
    ),
    _row(
        "v2-batch-update-ignored",
        "BAT-003",
        on_request("POST", "op/update", _update_of_existing_ignored, _action_is("update")),
    ),
    _row(
        "v2-batch-attribute-delete-deletes-entity",
        "BAT-006",
        on_request("POST", "op/update", _body_change(_whole_entities), _action_is("delete")),
    ),
    _row(
        "v2-batch-query-pattern-ignored",
        "BAT-009",
        on_request("POST", "op/query", _body_change(_patterns_ignored), _is(_anchored_pattern)),
    ),
)


# --- subscriptions -----------------------------------------------------------------------------


def _subscription_without(*path: str) -> Any:
    """A subscription create rewrite: member PATH (e.g. subject, condition, attrs) removed."""

    def change(body: dict[str, Any]) -> dict[str, Any]:
        parent: Any = body
        for name in path[:-1]:
            parent = parent.get(name) if isinstance(parent, dict) else None
        if isinstance(parent, dict):
            parent.pop(path[-1], None)
        return body

    def where(req: Req) -> bool:
        node: Any = req.json()
        for name in path:
            node = node.get(name) if isinstance(node, dict) else None
        return node is not None

    return on_request("POST", "subscriptions", _body_change(change), where)


def _past_expires(body: dict[str, Any]) -> bool:
    """An expiry already past (ISO 8601 in UTC compares as text)."""
    return str(body.get("expires", "9999")) < datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _expired_forgotten(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "expires"}


def _subject_as_ids(body: Any) -> Any:
    entities = (body.get("subject") or {}).get("entities") if isinstance(body, dict) else None
    if not isinstance(entities, list):
        return None
    body["subject"]["entities"] = [
        {"id": e.get("idPattern"), "type": e.get("type")} if "idPattern" in e else e
        for e in entities
    ]
    return body


def _without_statistics(body: Any) -> Any:
    notification = body.get("notification") if isinstance(body, dict) else None
    if not isinstance(notification, dict):
        return None
    for name in ("timesSent", "lastNotification", "lastSuccess"):
        notification.pop(name, None)
    return body


def _location_absolute(req: Req, resp: Resp, ctx: Context) -> Resp:
    location = resp.header("Location") or ""
    return resp.with_header("Location", "http://city.example" + location)


def _format(name: str) -> Any:
    """A notification rewrite for notifications in attrsFormat NAME: CHANGE applied to data."""

    def wrap(change: Any) -> Any:
        def hook(req: Req, ctx: Context) -> Req:
            body = req.json()
            if req.header("Ngsiv2-AttrsFormat") != name or not isinstance(body, dict):
                return req
            return req.with_json({**body, "data": [change(e) for e in body.get("data", [])]})

        return hook

    return wrap


def _untyped(entity: Any) -> Any:
    return {
        k: {a: b for a, b in v.items() if a != "type"} if isinstance(v, dict) else v
        for k, v in entity.items()
    }


def _wrapped(entity: Any) -> Any:
    return {k: v if k in ("id", "type") else {"value": v} for k, v in entity.items()}


def _without_header(name: str) -> Any:
    return lambda req, ctx: req.with_header(name, None)


SUBSCRIPTION_ROWS: tuple[Fault, ...] = (
    _row(
        "v2-subscription-location-absolute",
        "SUB-001",
        on_response("POST", "subscriptions", 201, _location_absolute),
    ),
    _row(
        "v2-subscription-subject-as-ids",
        "SUB-002",
        on_response("GET", "subscriptions/{id}", 200, _edit_json(_subject_as_ids)),
    ),
    _row(
        "v2-subscription-delete-ignored",
        "SUB-005",
        on_request("DELETE", "subscriptions/{id}", lambda req, ctx: Resp(204)),
    ),
    _row(
        "v2-normalized-notification-untyped",
        "SUB-008",
        Hooks(notify=_format("normalized")(_untyped)),
    ),
    _row(
        "v2-key-values-notification-wrapped",
        "SUB-009",
        Hooks(notify=_format("keyValues")(_wrapped)),
    ),
    _row(
        "v2-values-notification-wrapped",
        "SUB-010",
        Hooks(notify=_format("values")(lambda row: [{"value": v} for v in row])),
    ),
    _row(
        "v2-notification-no-format-header",
        "SUB-011",
        Hooks(notify=_without_header("Ngsiv2-AttrsFormat")),
    ),
    _row(
        "v2-condition-attrs-ignored",
        "SUB-012",
        _subscription_without("subject", "condition", "attrs"),
    ),
    _row(
        "v2-notification-attrs-ignored",
        "SUB-013",
        _subscription_without("notification", "attrs"),
    ),
    _row("v2-throttling-ignored", "SUB-014", _subscription_without("throttling")),
    _row(
        "v2-expired-subscription-active",
        "SUB-015",
        on_request("POST", "subscriptions", _body_change(_expired_forgotten), _is(_past_expires)),
    ),
    _row(
        "v2-inactive-status-ignored",
        "SUB-016",
        on_request(
            "POST",
            "subscriptions",
            _body_change(lambda b: {k: v for k, v in b.items() if k != "status"}),
            _is(lambda b: b.get("status") == "inactive"),
        ),
    ),
    _row(
        "v2-subscription-no-statistics",
        "SUB-017",
        on_response("GET", "subscriptions/{id}", 200, _edit_json(_without_statistics)),
    ),
    _row(
        "v2-condition-expression-ignored",
        "SUB-018",
        _subscription_without("subject", "condition", "expression"),
    ),
    _row(
        "v2-subject-pattern-ignored",
        "SUB-019",
        on_request(
            "POST",
            "subscriptions",
            _body_change(lambda b: {**b, "subject": _patterns_ignored(b["subject"])}),
            _is(lambda b: _anchored_pattern(b.get("subject") or {})),
        ),
    ),
)


# --- types -------------------------------------------------------------------------------------


def _counts_plus_one(body: Any) -> Any:
    if not isinstance(body, list):
        return None
    return [{**t, "count": t["count"] + 1} if isinstance(t, dict) else t for t in body]


def _total_plus_one(req: Req, resp: Resp, ctx: Context) -> Resp | None:
    total = resp.header("Fiware-Total-Count")
    return resp.with_header("Fiware-Total-Count", str(int(total) + 1)) if total else None


DISCOVERY_ROWS: tuple[Fault, ...] = (
    _row(
        "v2-type-list-counts-plus-one",
        "DISC-001",
        on_response(
            "GET", "types", 200, _edit_json(_counts_plus_one), lambda r: not r.param("options")
        ),
    ),
    _row(
        "v2-type-list-total-plus-one",
        "DISC-005",
        on_response("GET", "types", 200, _total_plus_one, _option("count")),
    ),
)


# --- multi-tenancy -----------------------------------------------------------------------------


def _default_sees(tenant: str, route: str) -> Any:
    """Requests on ROUTE without Fiware-Service answered from service TENANT."""

    def hook(req: Req, ctx: Context) -> Req:
        return req.with_header("Fiware-Service", tenant)

    return on_request("GET", route, hook, lambda req: req.header("Fiware-Service") is None)


def _path_is(check: Any) -> Any:
    """WHERE: the request names an absolute Fiware-ServicePath on which CHECK holds."""
    return lambda req: (
        (req.header("Fiware-ServicePath") or "").startswith("/")
        and check(req.header("Fiware-ServicePath"))
    )


def _path_rewrite(change: Any) -> Any:
    return lambda req, ctx: req.with_header(
        "Fiware-ServicePath", change(req.header("Fiware-ServicePath"))
    )


TENANT = "conform"  # the matrix's system file names this Fiware-Service

TENANCY_ROWS: tuple[Fault, ...] = (
    _row("v2-default-service-sees-all", "TEN-001", _default_sees(TENANT, "entities")),
    _row(
        "v2-default-service-sees-subscriptions",
        "TEN-002",
        _default_sees(TENANT, "subscriptions/{id}"),
    ),
    _row(
        "v2-service-path-includes-children",
        "TEN-003",
        on_request(
            "GET",
            "entities",
            _path_rewrite(lambda p: p + "/#"),
            _path_is(lambda p: "," not in p and not p.endswith("#")),
        ),
    ),
    _row(
        "v2-service-path-hash-ignored",
        "TEN-004",
        on_request(
            "GET",
            "entities",
            _path_rewrite(lambda p: p[: -len("/#")]),
            _path_is(lambda p: p.endswith("/#")),
        ),
    ),
    _row(
        "v2-service-path-list-first-only",
        "TEN-005",
        on_request(
            "GET",
            "entities",
            _path_rewrite(lambda p: p.split(",")[0]),
            _path_is(lambda p: "," in p),
        ),
    ),
    _row(
        "v2-notification-no-service-path",
        "TEN-008",
        Hooks(notify=_without_header("Fiware-ServicePath")),
    ),
)
