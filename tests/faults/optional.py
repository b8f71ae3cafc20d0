"""Fault rows for the optional classes: batch, subscriptions, discovery."""

from __future__ import annotations

from typing import Any

from faults.proxy import Context, Hooks, Req, Resp
from faults.rewrites import (
    MODELS,
    Fault,
    chain,
    count_plus_one,
    created,
    drop_link,
    edit_json,
    header,
    on_request,
    on_response,
    problem_member,
    route,
    status,
    with_problem,
)

BAD_DATA = "https://uri.etsi.org/ngsi-ld/errors/BadRequestData"


def _empty_batch_accepted(req: Req, resp: Resp, ctx: Context) -> Resp:
    """Empty batches of every operation accepted with 204."""
    if route(req).startswith("entityOperations/") and resp.status == 400 and req.json() == []:
        return resp.empty(204)
    return resp


def _partly_failed_as_204(req: Req, resp: Resp, ctx: Context) -> Resp | None:
    body = resp.json()
    return resp.empty(204) if isinstance(body, dict) and body.get("success") else None


def _untitled(body: Any) -> None:
    for entry in body.get("errors", []):
        (entry.get("error") or {}).pop("title", None)


def _model_id(eid: Any) -> bool:
    pieces = str(eid).split(":")
    return len(pieces) > 3 and pieces[2] in MODELS


def _model_errors_as_success(body: Any) -> None:
    moved = [e for e in body.get("errors", []) if _model_id(e.get("entityId"))]
    body["errors"] = [e for e in body["errors"] if e not in moved]
    body["success"] = body.get("success", []) + [e["entityId"] for e in moved]


def _strip_batch_context(req: Req, ctx: Context) -> Req | None:
    body = req.json()
    if not isinstance(body, list) or not any("@context" in e for e in body if isinstance(e, dict)):
        return None
    return req.with_json([{k: v for k, v in e.items() if k != "@context"} for e in body])


def _errors_typed(uri: str) -> Any:
    def edit(body: Any) -> None:
        for entry in body.get("errors", []):
            (entry.get("error") or {})["type"] = uri

    return edit


def _no_success_beside_existing(body: Any) -> None:
    """success emptied when some ids already existed (other partial failures left alone)."""
    types = [(e.get("error") or {}).get("type", "") for e in body.get("errors", [])]
    if any(str(t).endswith("AlreadyExists") for t in types):
        body["success"] = []


def _object_batch_accepted(req: Req, resp: Resp, ctx: Context) -> Resp:
    """Batches whose body is an object (not an array) accepted with 204."""
    if route(req).startswith("entityOperations/") and resp.status == 400:
        return resp.empty(204) if isinstance(req.json(), dict) else resp
    return resp


_MODEL_ERRORS_AS_SUCCESS = edit_json(_model_errors_as_success)

# fmt: off
BATCH_ROWS = [
    Fault("batch-create-answers-200", ("BAT-001",),
          on_response("POST", "entityOperations/create", 201, status(200))),
    Fault("batch-upsert-new-answers-204", ("BAT-003",),
          on_response("POST", "entityOperations/upsert", 201, status(204))),
    Fault("batch-upsert-existing-answers-201", ("BAT-004",),
          on_response("POST", "entityOperations/upsert", 204, status(201))),
    Fault("batch-update-answers-200", ("BAT-005",),
          on_response("POST", "entityOperations/update", 204, status(200))),
    Fault("batch-delete-of-unknown-id-answers-204", ("BAT-008",),
          on_response("POST", "entityOperations/delete", 207, _partly_failed_as_204)),
    Fault("empty-batch-accepted", ("BAT-009",), Hooks(response=_empty_batch_accepted)),
    Fault("batch-error-entries-without-title", ("BAT-011",),
          on_response("POST", "entityOperations/create", 207, edit_json(_untitled))),
    Fault("batch-model-violation-accepted", ("BAT-012",),
          chain(*(on_response("POST", f"entityOperations/{op}", 207, _MODEL_ERRORS_AS_SUCCESS)
                  for op in ("create", "upsert")))),
    Fault("batch-context-member-accepted", ("BAT-013",),
          on_request("POST", "entityOperations/create", _strip_batch_context,
                     where=lambda r: "ld+json" not in (r.header("Content-Type") or ""))),
    Fault("batch-create-hides-successes", ("BAT-002",),
          on_response("POST", "entityOperations/create", 207,
                      edit_json(_no_success_beside_existing))),
    Fault("batch-update-unknown-wrong-error-type", ("BAT-006",),
          on_response("POST", "entityOperations/update", 207, edit_json(_errors_typed(BAD_DATA)))),
    Fault("batch-delete-answers-200", ("BAT-007",),
          on_response("POST", "entityOperations/delete", 204, status(200))),
    Fault("batch-object-body-accepted", ("BAT-010",), Hooks(response=_object_batch_accepted)),
]
# fmt: on


def _hide(member: str, top: bool = False) -> Hooks:
    """MEMBER of notification (or of the subscription, TOP) not forwarded, but shown on reads."""

    def request(req: Req, ctx: Context) -> Req:
        body = req.json()
        if req.method != "POST" or route(req) != "subscriptions" or not isinstance(body, dict):
            return req
        holder = body if top else body.get("notification")
        if not isinstance(holder, dict) or member not in holder:
            return req
        ctx.state[str(body.get("id"))] = holder.pop(member)
        return req.with_json(body)

    def response(req: Req, resp: Resp, ctx: Context) -> Resp:
        if req.method != "GET" or not route(req).startswith("subscriptions") or resp.status != 200:
            return resp
        body = resp.json()
        for item in body if isinstance(body, list) else [body]:
            if isinstance(item, dict) and item.get("id") in ctx.state:
                holder = item if top else item.setdefault("notification", {})
                holder[member] = ctx.state[item["id"]]
                if top and member == "isActive":
                    item["status"] = "paused"
        return resp.with_json(body)

    return Hooks(request, response)


def _forget_hidden(req: Req, ctx: Context) -> None:
    """A subscription updated: reads show what the server holds now (SUB-013 reads it)."""
    ctx.state.pop(req.parts()[1], None)


def _sub_member(edit: Any) -> Any:
    """EDIT applied in place to a subscription object body (what EDIT returns is ignored)."""

    def apply(body: Any) -> None:
        if isinstance(body, dict):
            edit(body)

    return edit_json(apply)


def _is_400_for(member: str) -> Any:
    def where(req: Req) -> bool:
        body = req.json()
        note = body.get("notification") if isinstance(body, dict) else None
        if member == "endpoint":
            return isinstance(note, dict) and not note.get("endpoint")
        return isinstance(body, dict) and member in body

    return where


def _selects_nothing(req: Req) -> bool:
    body = req.json()
    return isinstance(body, dict) and not body.get("entities") and not body.get("watchedAttributes")


# fmt: off
SUBSCRIPTION_ROWS = [
    Fault("subscription-create-without-location", ("SUB-001",),
          on_response("POST", "subscriptions", 201, header("Location", None))),
    Fault("subscription-read-drops-entities", ("SUB-002",),
          on_response("GET", "subscriptions/{id}", 200, _sub_member(lambda b: b.pop("entities")))),
    Fault("unknown-subscription-wrong-error-type", ("SUB-003",),
          on_response("GET", "subscriptions/{id}", 404, problem_member("type", BAD_DATA))),
    Fault("duplicate-subscription-accepted", ("SUB-004",),
          on_response("POST", "subscriptions", 409, created)),
    Fault("subscription-without-endpoint-accepted", ("SUB-005",),
          on_response("POST", "subscriptions", 400, created, where=_is_400_for("endpoint"))),
    Fault("past-expires-at-accepted", ("SUB-006",),
          on_response("POST", "subscriptions", 400, created, where=_is_400_for("expiresAt"))),
    Fault("malformed-subscription-id-is-404", ("SUB-008",),
          on_response("GET", "subscriptions/{id}", 400, with_problem(404, "ResourceNotFound"))),
    Fault("subscription-shows-is-active", ("SUB-010",),
          on_response("GET", "subscriptions/{id}", 200,
                      _sub_member(lambda b: b.setdefault("isActive", True)))),
    Fault("subscription-query-without-next", ("SUB-011",),
          on_response("GET", "subscriptions", 200, drop_link("next"))),
    # SUB-029 (1.1) needs 204 for a patch carrying type Subscription: that one is its own
    Fault("subscription-update-answers-200", ("SUB-013",),
          on_response("PATCH", "subscriptions/{id}", 204, status(200),
                      where=lambda r: "type" not in (r.json() or {}))),
    Fault("subscription-update-unknown-answers-204", ("SUB-014",),
          on_response("PATCH", "subscriptions/{id}", 404, status(204))),
    Fault("subscription-delete-answers-200", ("SUB-015",),
          on_response("DELETE", "subscriptions/{id}", 204, status(200))),
    Fault("subscription-delete-unknown-answers-204", ("SUB-016",),
          on_response("DELETE", "subscriptions/{id}", 404, status(204))),
    # every other notification test waits for a positive control first: blocked by SUB-017
    Fault("notifications-never-sent", ("SUB-017",), Hooks(notify=lambda req, ctx: None)),
    Fault("notification-without-notified-at", ("SUB-017",),
          Hooks(notify=lambda req, ctx: req.with_json(
              {k: v for k, v in req.json().items() if k != "notifiedAt"}))),
    Fault("watched-attributes-ignored", ("SUB-018",),
          chain(_hide("watchedAttributes", top=True),
                on_request("PATCH", "subscriptions/{id}", _forget_hidden))),
    Fault("notification-attributes-ignored", ("SUB-019",), _hide("attributes")),
    Fault("notification-format-ignored", ("SUB-020",), _hide("format")),
    Fault("statistics-without-times-sent", ("SUB-021",),
          on_response("GET", "subscriptions/{id}", 200,
                      _sub_member(lambda b: (b.get("notification") or {}).pop("timesSent", 0)))),
    Fault("paused-subscription-notifies", ("SUB-022",), _hide("isActive", top=True)),
    Fault("subscription-without-selection-accepted", ("SUB-007",),
          on_response("POST", "subscriptions", 400, created, where=_selects_nothing)),
    Fault("new-subscription-not-active", ("SUB-009",),
          on_response("GET", "subscriptions/{id}", 200,
                      _sub_member(lambda b: b.update(status="unknown")))),
    Fault("subscription-count-wrong", ("SUB-012",),
          on_response("GET", "subscriptions", 200, count_plus_one,
                      where=lambda r: r.param("count") == "true")),
]
# fmt: on


def _types_seen(req: Req, resp: Resp, ctx: Context) -> Resp:
    """typeList keeps every type it ever listed (types without entities stay listed)."""
    if req.method != "GET" or route(req) != "types" or req.query or resp.status != 200:
        return resp
    body = resp.json()
    seen = ctx.state.setdefault("types", set())
    seen.update(body.get("typeList", []))
    return resp.with_json({**body, "typeList": sorted(seen)})


def _count_wrong(body: Any) -> None:
    body["entityCount"] = int(body.get("entityCount", 0)) + 1


def _details_untyped(body: Any) -> None:
    for item in body:
        item.pop("type", None)


def _without_b_types(body: Any) -> None:
    """typeList without the names ending in B (the suite's second type of each scenario)."""
    body["typeList"] = [t for t in body.get("typeList", []) if not t.endswith("B")]


def _type_info(req: Req, resp: Resp, ctx: Context) -> Resp:
    return Resp(
        200, (("Content-Type", "application/json"),), b'{"id": "x", "type": "EntityTypeInfo"}'
    )


def _each_without(member: str) -> Any:
    def edit(body: Any) -> None:
        for item in body:
            item.pop(member, None)

    return edit


# fmt: off
DISCOVERY_ROWS = [
    Fault("types-omit-some-types", ("DISC-001",),
          on_response("GET", "types", 200, edit_json(_without_b_types),
                      where=lambda r: not r.query)),
    Fault("types-without-entities-listed", ("DISC-002",), Hooks(response=_types_seen)),
    Fault("type-entity-count-wrong", ("DISC-004",),
          on_response("GET", "types/{type}", 200, edit_json(_count_wrong))),
    Fault("unknown-type-answers-200", ("DISC-005",),
          on_response("GET", "types/{type}", 404, _type_info)),
    Fault("attribute-details-untyped", ("DISC-007",),
          on_response("GET", "attributes", 200, edit_json(_details_untyped),
                      where=lambda r: r.param("details") == "true")),
    Fault("unknown-attribute-wrong-error-type", ("DISC-009",),
          on_response("GET", "attributes/{attr}", 404, problem_member("type", BAD_DATA))),
    Fault("type-details-without-attribute-names", ("DISC-003",),
          on_response("GET", "types", 200, edit_json(_each_without("attributeNames")),
                      where=lambda r: r.param("details") == "true")),
    Fault("attribute-list-mistyped", ("DISC-006",),
          on_response("GET", "attributes", 200,
                      edit_json(lambda b: {**b, "type": "AttributeNames"}),
                      where=lambda r: not r.query)),
    Fault("attribute-type-names-short", ("DISC-008",),
          on_response("GET", "attributes/{attr}", 200,
                      edit_json(lambda b: {**b, "typeNames": (b.get("typeNames") or [])[:1]}))),
]
# fmt: on
