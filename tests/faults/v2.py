"""The NGSI v2 fault table: each row breaks one requirement of city-os-v2 1.0 (Orion behaviour).

Rows reuse the proxy and the building blocks of the NGSI-LD table (`rewrites`): the proxy is
built for the city-os-v2 bundle, so routes are read below /v2.
"""

from __future__ import annotations

import json
import re
from typing import Any

from conform.bundle import load_bundle
from faults.proxy import Context, Hooks, Req, Resp
from faults.rewrites import Fault, on_request, on_response

JSON = (("Content-Type", "application/json"),)
OPTIONAL_V2 = ("batch", "subscriptions", "discovery", "multi-tenancy")
MODELS = set(load_bundle("city-os-v2").model_paths())
_BUILTIN = {"dateCreated", "dateModified", "dateExpires", "*"}  # attrs names that are not filters
_SERVICE = re.compile(r"^[A-Za-z0-9_]{1,50}$")  # Orion: a service name is alphanumeric or _


def v2_error(status: int, name: str, description: str = "injected fault") -> Resp:
    """An Orion error answer."""
    body = json.dumps({"error": name, "description": description}).encode()
    return Resp(status, JSON, body)


def _row(name: str, expected: str, hooks: Hooks, *also: str) -> Fault:
    return Fault(name, (expected,), hooks, also=also, classes=OPTIONAL_V2)


def _without(header: str) -> Any:
    return lambda req, resp, ctx: resp.with_header(header, None)


def _invalid_service_dropped(req: Req, ctx: Context) -> Req | Resp:
    service = req.header("Fiware-Service")
    return (
        req.with_header("Fiware-Service", None) if service and not _SERVICE.match(service) else req
    )


def _filters(attrs: str | None) -> bool:
    """Whether an `attrs` value names ordinary attributes only (no builtin, no `*`)."""
    return attrs is not None and not set(attrs.split(",")) & _BUILTIN


def _key_values(req: Req) -> bool:
    return "keyValues" in (req.param("options") or "").split(",")


def _model_entity_body(body: Any) -> bool:
    """Whether BODY is an entity of a published model type."""
    return isinstance(body, dict) and isinstance(body.get("type"), str) and body["type"] in MODELS


def _model_entity(req: Req) -> bool:
    """A create of an entity of a published model type."""
    return _model_entity_body(req.json())


def _unknown_action(req: Req) -> bool:
    body = req.json()
    known = {"append", "appendStrict", "update", "delete", "replace"}
    return isinstance(body, dict) and body.get("actionType") not in known


def _never_created_400(req: Req, resp: Resp, ctx: Context) -> Resp:
    created: set[str] = ctx.state.setdefault("subscriptions", set())
    if req.method == "POST" and req.api == "/subscriptions" and resp.status == 201:
        created.add((resp.header("Location") or "").rsplit("/", 1)[-1])
    parts = req.parts()
    unknown = len(parts) == 2 and parts[0] == "subscriptions" and parts[1] not in created
    return v2_error(400, "BadRequest") if unknown and resp.status == 404 else resp


def _created(req: Req, ctx: Context) -> Resp:
    """A create acknowledged without storing anything."""
    return Resp(201, (("Location", f"{req.root}/entities/never-stored"),))


def _is(check: Any) -> Any:
    """WHERE: the request body is a JSON object on which CHECK holds."""
    return lambda req: isinstance(req.json(), dict) and check(req.json())


def _param(name: str, check: Any = lambda v: True) -> Any:
    """WHERE: query parameter NAME is present and CHECK holds for its value."""
    return lambda req: req.param(name) is not None and check(req.param(name))


def _option(name: str) -> Any:
    return _param("options", lambda v: name in v.split(","))


def _retry_without(name: str) -> Any:
    """A response change: the request sent again without parameter NAME."""
    return lambda req, resp, ctx: ctx.forward(req.with_param(name, None))


def _rename_error(old: str, new: str) -> Any:
    def change(req: Req, resp: Resp, ctx: Context) -> Resp | None:
        body = resp.json()
        if isinstance(body, dict) and body.get("error") == old:
            return resp.with_json({**body, "error": new})
        return None

    return change


def _drop_member(name: str) -> Any:
    def change(req: Req, resp: Resp, ctx: Context) -> Resp | None:
        body = resp.json()
        return (
            resp.with_json({k: v for k, v in body.items() if k != name})
            if isinstance(body, dict)
            else None
        )

    return change


def _reversed(req: Req, resp: Resp, ctx: Context) -> Resp | None:
    body = resp.json()
    return resp.with_json(body[::-1]) if isinstance(body, list) else None


def _invalid_model_served(req: Req, resp: Resp, ctx: Context) -> Resp | None:
    body = resp.json()
    broken = {"id": "vendor-broken-1", "type": req.param("type"), "location": "not GeoJSON"}
    return resp.with_json([*body, broken]) if isinstance(body, list) else None


def _count_plus_one(req: Req, resp: Resp, ctx: Context) -> Resp | None:
    body = resp.json()
    if isinstance(body, dict) and isinstance(body.get("count"), int):
        return resp.with_json({**body, "count": body["count"] + 1})
    return None


def _fake_subscription(req: Req, ctx: Context) -> Resp:
    return Resp(201, (("Location", f"{req.root}/subscriptions/000000000000000000000001"),))


def _forbidden_in_id(body: dict[str, Any]) -> bool:
    return isinstance(body.get("id"), str) and any(c in body["id"] for c in "&?/#")


MORE_ROWS: tuple[Fault, ...] = (
    _row(
        "v2-create-existing-201",
        "CORE-003",
        on_response("POST", "entities", 422, lambda req, resp, ctx: Resp(201)),
    ),
    _row(
        "v2-values-reordered",
        "CORE-009",
        on_response("GET", "entities/{id}", 200, _reversed, _option("values")),
    ),
    _row(
        "v2-unique-repeats",
        "CORE-010",
        on_request(
            "GET",
            "entities/{id}",
            lambda req, ctx: req.with_param("options", "values"),
            _option("unique"),
        ),
    ),
    _row(
        "v2-attrs-ignored",
        "CORE-011",
        on_request(
            "GET",
            "entities/{id}",
            lambda req, ctx: req.with_param("attrs", None),
            lambda req: req.param("options") is None and _filters(req.param("attrs")),
        ),
    ),
    _row(
        "v2-attrs-list-drops-b",
        "CORE-012",
        on_response("GET", "entities/{id}/attrs", 200, _drop_member("b")),
    ),
    _row(
        "v2-delete-with-wrong-type-deletes",
        "CORE-029",
        on_response("DELETE", "entities/{id}", 404, _retry_without("type"), _param("type")),
    ),
    _row(
        "v2-id-and-idpattern-accepted",
        "QRY-005",
        on_request(
            "GET",
            "entities",
            lambda req, ctx: req.with_param("idPattern", None),
            lambda req: req.param("id") is not None and req.param("idPattern") is not None,
        ),
    ),
    _row(
        "v2-invalid-q-empty",
        "QRY-015",
        on_response(
            "GET", "entities", 400, lambda req, resp, ctx: resp.with_json([], 200), _param("q")
        ),
    ),
    _row(
        "v2-order-descending-ignored",
        "QRY-019",
        on_request(
            "GET",
            "entities",
            lambda req, ctx: req.with_param("orderBy", (req.param("orderBy") or "")[1:]),
            _param("orderBy", lambda v: v.startswith("!")),
        ),
    ),
    _row(
        "v2-incomplete-geo-ignored",
        "QRY-024",
        on_request(
            "GET",
            "entities",
            lambda req, ctx: req.with_param("georel", None),
            lambda req: req.param("georel") is not None and req.param("geometry") is None,
        ),
    ),
    _row(
        "v2-limit-clamped",
        "QRY-029",
        on_request(
            "GET",
            "entities",
            lambda req, ctx: req.with_param("limit", "1000"),
            _param("limit", lambda v: v.isdigit() and int(v) > 1000),
        ),
    ),
    _row(
        "v2-limit-zero-accepted",
        "QRY-030",
        on_request(
            "GET",
            "entities",
            lambda req, ctx: req.with_param("limit", "1"),
            _param("limit", lambda v: v == "0"),
        ),
    ),
    _row(
        "v2-offset-off-by-one",
        "QRY-027",
        on_request(
            "GET",
            "entities",
            lambda req, ctx: req.with_param("offset", str(int(req.param("offset") or 0) - 1)),
            _param("offset", lambda v: v.isdigit() and 0 < int(v) < 100),
        ),
    ),
    _row(
        "v2-parse-error-named-bad-request",
        "ERR-002",
        on_response("POST", "entities", 400, _rename_error("ParseError", "BadRequest")),
    ),
    _row(
        "v2-forbidden-id-chars-accepted",
        "ERR-003",
        on_request("POST", "entities", _created, _is(_forbidden_in_id)),
    ),
    _row(
        "v2-long-ids-accepted",
        "ERR-004",
        on_request("POST", "entities", _created, _is(lambda b: len(str(b.get("id"))) > 256)),
    ),
    _row(
        "v2-method-not-allowed-404",
        "ERR-007",
        Hooks(
            response=lambda req, resp, ctx: (
                v2_error(404, "NotFound") if resp.status == 405 else resp
            )
        ),
    ),
    _row(
        "v2-chunked-400",
        "ERR-008",
        on_response("POST", "entities", 411, lambda req, resp, ctx: v2_error(400, "BadRequest")),
    ),
    _row(
        "v2-too-large-400",
        "ERR-009",
        on_response("POST", "entities", 413, lambda req, resp, ctx: v2_error(400, "BadRequest")),
    ),
    _row(
        "v2-accept-ignored",
        "ERR-011",
        on_response(
            "GET",
            "entities",
            406,
            lambda req, resp, ctx: ctx.forward(req.with_header("Accept", None)),
        ),
    ),
    _row(
        "v2-list-as-text",
        "ERR-012",
        on_response(
            "GET",
            "entities",
            200,
            lambda req, resp, ctx: resp.with_header("Content-Type", "text/plain"),
            lambda req: [k for k, _ in req.query] == ["limit"],
        ),
    ),
    _row(
        "v2-bogus-option-ignored",
        "ERR-014",
        on_request(
            "GET", "entities", lambda req, ctx: req.with_param("options", None), _option("bogus")
        ),
    ),
    _row(
        "v2-empty-id-accepted",
        "ERR-015",
        on_request("POST", "entities", _created, _is(lambda b: b.get("id") == "")),
    ),
    _row(
        "v2-list-id-accepted",
        "ERR-016",
        on_request("POST", "entities", _created, _is(lambda b: isinstance(b.get("id"), list))),
    ),
    _row(
        "v2-model-normalized-refused",
        "DM-002",
        on_request(
            "POST",
            "entities",
            lambda req, ctx: v2_error(400, "BadRequest"),
            lambda req: not _key_values(req) and _model_entity(req),
        ),
    ),
    _row(
        "v2-invalid-model-served",
        "DM-004",
        on_response(
            "GET",
            "entities",
            200,
            _invalid_model_served,
            lambda req: _key_values(req) and req.param("limit") == "100",
        ),
    ),
    _row(
        "v2-batch-missing-update-204",
        "BAT-004",
        on_response("POST", "op/update", 404, lambda req, resp, ctx: Resp(204)),
    ),
    _row(
        "v2-batch-query-no-count",
        "BAT-011",
        on_response("POST", "op/query", 200, _without("Fiware-Total-Count")),
    ),
    _row(
        "v2-invalid-subscription-201",
        "SUB-006",
        on_response(
            "POST", "subscriptions", 400, lambda req, resp, ctx: _fake_subscription(req, ctx)
        ),
    ),
    _row(
        "v2-subscription-list-no-count",
        "SUB-003",
        on_response("GET", "subscriptions", 200, _without("Fiware-Total-Count")),
    ),
    _row(
        "v2-type-values-as-objects",
        "DISC-002",
        on_request(
            "GET", "types", lambda req, ctx: req.with_param("options", None), _option("values")
        ),
    ),
    _row(
        "v2-type-count-plus-one",
        "DISC-003",
        on_response("GET", "types/{type}", 200, _count_plus_one),
    ),
    _row(
        "v2-relative-service-path-ignored",
        "TEN-006",
        Hooks(
            request=lambda req, ctx: (
                req.with_header("Fiware-ServicePath", None)
                if (req.header("Fiware-ServicePath") or "/").split(",")[0][:1] != "/"
                else req
            )
        ),
    ),
)


CLASS_ROWS: tuple[Fault, ...] = (  # one per class first
    # core-entities: a create answers 201 without telling where the entity is
    _row(
        "v2-create-no-location",
        "CORE-001",
        on_response("POST", "entities", 201, _without("Location")),
    ),
    # query-pagination: options=count is ignored on entity lists
    _row(
        "v2-list-no-total-count",
        "QRY-028",
        on_response("GET", "entities", 200, _without("Fiware-Total-Count")),
    ),
    # errors-content: an XML body is refused, but as 400 instead of 415
    _row(
        "v2-unsupported-media-400",
        "ERR-010",
        on_request(
            "POST",
            "entities",
            lambda req, ctx: v2_error(400, "BadRequest"),
            lambda req: (req.header("Content-Type") or "").startswith("application/xml"),
        ),
    ),
    # data-models: keyValues creates of model entities (they carry a location) are refused
    _row(
        "v2-model-key-values-refused",
        "DM-001",
        on_request(
            "POST",
            "entities",
            lambda req, ctx: v2_error(400, "BadRequest"),
            lambda req: _key_values(req) and _model_entity(req),
        ),
    ),
    # batch: an unknown actionType is silently accepted
    _row(
        "v2-batch-unknown-action-accepted",
        "BAT-008",
        on_request("POST", "op/update", lambda req, ctx: Resp(204), _unknown_action),
    ),
    # subscriptions: a subscription id never created is 400, not 404 (a deleted one stays 404)
    _row("v2-unknown-subscription-400", "SUB-007", Hooks(response=_never_created_400)),
    # discovery: an unknown type reads as an empty type
    _row(
        "v2-unknown-type-empty",
        "DISC-004",
        on_response(
            "GET",
            "types/{type}",
            404,
            lambda req, resp, ctx: resp.with_json({"attrs": {}, "count": 0}, 200),
        ),
    ),
    # multi-tenancy: an invalid service name is ignored (the default service answers)
    _row(
        "v2-invalid-service-ignored",
        "TEN-007",
        Hooks(request=_invalid_service_dropped),
    ),
)


def _drop_param(name: str) -> Any:
    """A request rewrite: parameter NAME removed."""
    return lambda req, ctx: req.with_param(name, None)


def _body_change(change: Any) -> Any:
    """A request rewrite: the JSON object body changed by CHANGE."""
    return lambda req, ctx: req.with_json(change(dict(req.json())))


def _action(old: str, new: str) -> Any:
    return on_request(
        "POST",
        "op/update",
        _body_change(lambda b: {**b, "actionType": new}),
        _is(lambda b: b.get("actionType") == old),
    )


def _value_path(req: Req) -> bool:
    parts = req.parts()
    return len(parts) == 5 and parts[0] == "entities" and parts[4] == "value"


def _text_as_json(req: Req, resp: Resp, ctx: Context) -> Resp:
    plain = (req.header("Accept") or "").startswith("text/plain")
    hit = req.method == "GET" and _value_path(req) and resp.status == 200 and plain
    return resp.with_header("Content-Type", "application/json") if hit else resp


def _only_first_id(req: Req, ctx: Context) -> Req:
    return req.with_param("id", (req.param("id") or "").split(",")[0])


BROADER_ROWS: tuple[Fault, ...] = (
    _row(
        "v2-untyped-entity-not-thing",
        "CORE-004",
        on_request(
            "POST",
            "entities",
            _body_change(lambda b: {**b, "type": "Untyped"}),
            _is(lambda b: "type" not in b and isinstance(b.get("id"), str)),
        ),
    ),
    _row(
        "v2-replace-ignored",
        "CORE-017",
        on_request("PUT", "entities/{id}/attrs", lambda req, ctx: Resp(204)),
    ),
    _row(
        "v2-attribute-delete-ignored",
        "CORE-022",
        on_request("DELETE", "entities/{id}/attrs/{attr}", lambda req, ctx: Resp(204)),
    ),
    _row("v2-text-value-as-json", "CORE-023", Hooks(response=_text_as_json)),
    _row(
        "v2-upsert-ignored",
        "CORE-031",
        on_request("POST", "entities", _drop_param("options"), _option("upsert")),
    ),
    _row(
        "v2-builtins-not-served",
        "CORE-032",
        on_request(
            "GET",
            "entities/{id}",
            _drop_param("attrs"),
            _param("attrs", lambda v: "dateCreated" in v),
        ),
    ),
    _row(
        "v2-id-list-first-only",
        "QRY-002",
        on_request("GET", "entities", _only_first_id, _param("id", lambda v: "," in v)),
    ),
    _row(
        "v2-idpattern-ignored",
        "QRY-003",
        on_request(
            "GET",
            "entities",
            _drop_param("idPattern"),
            lambda req: req.param("idPattern") is not None and req.param("id") is None,
        ),
    ),
    _row(
        "v2-typepattern-ignored",
        "QRY-004",
        on_request("GET", "entities", _drop_param("typePattern"), _param("typePattern")),
    ),
    _row(
        "v2-mq-ignored", "QRY-016", on_request("GET", "entities", _drop_param("mq"), _param("mq"))
    ),
    _row(
        "v2-list-attrs-ignored",
        "QRY-017",
        on_request(
            "GET",
            "entities",
            _drop_param("attrs"),
            lambda req: req.param("options") is None and _filters(req.param("attrs")),
        ),
    ),
    _row(
        "v2-metadata-filter-ignored",
        "QRY-018",
        on_request("GET", "entities", _drop_param("metadata"), _param("metadata")),
    ),
    _row(
        "v2-order-by-id-ignored",
        "QRY-020",
        on_request(
            "GET",
            "entities",
            _drop_param("orderBy"),
            _param("orderBy", lambda v: v.lstrip("!") == "id"),
        ),
    ),
    _row(
        "v2-order-by-distance-ignored",
        "QRY-025",
        on_request(
            "GET",
            "entities",
            _drop_param("orderBy"),
            _param("orderBy", lambda v: v == "geo:distance"),
        ),
    ),
    _row("v2-batch-append-strict-lenient", "BAT-002", _action("appendStrict", "append")),
    _row("v2-batch-replace-as-update", "BAT-005", _action("replace", "update")),
    _row(
        "v2-batch-query-expression-ignored",
        "BAT-010",
        on_request(
            "POST",
            "op/query",
            _body_change(lambda b: {k: v for k, v in b.items() if k != "expression"}),
            _is(lambda b: "expression" in b),
        ),
    ),
    _row(
        "v2-subscription-update-ignored",
        "SUB-004",
        on_request(
            "PATCH",
            "subscriptions/{id}",
            lambda req, ctx: Resp(204),
            _is(lambda b: "status" not in b),
        ),
    ),
)


def _strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [t for item in items for t in _strings_in(item)]


def _forbidden_in_values(body: dict[str, Any]) -> bool:
    values = [v for k, v in body.items() if k not in ("id", "type")]
    return any(c in text for text in _strings_in(values) for c in "<>\"'=;()")


def _forbidden_in_names(body: dict[str, Any]) -> bool:
    return any(c in name for name in body if name not in ("id", "type") for c in " &?/#")


def _malformed_paging(req: Req) -> bool:
    """A negative limit or offset (other malformed values stay refused)."""
    return any((req.param(n) or "").startswith("-") for n in ("limit", "offset"))


def _value_406_served(req: Req, resp: Resp, ctx: Context) -> Resp:
    if req.method == "GET" and _value_path(req) and resp.status == 406:
        return Resp(200, JSON, b"1")
    return resp


def _broken_model_location(body: dict[str, Any]) -> bool:
    location = body.get("location")
    return (
        _model_entity_body(body)
        and isinstance(location, dict)
        and isinstance(location.get("coordinates"), str)
    )


LAST_ROWS: tuple[Fault, ...] = (
    _row(
        "v2-forbidden-value-chars-accepted",
        "ERR-005",
        on_request("POST", "entities", _created, _is(_forbidden_in_values)),
    ),
    _row(
        "v2-forbidden-name-chars-accepted",
        "ERR-006",
        on_request("POST", "entities", _created, _is(_forbidden_in_names)),
    ),
    _row(
        "v2-malformed-paging-ignored",
        "ERR-013",
        on_request(
            "GET",
            "entities",
            lambda req, ctx: req.with_param("limit", None).with_param("offset", None),
            _malformed_paging,
        ),
    ),
    _row(
        "v2-strict-append-lenient",
        "CORE-014",
        on_response("POST", "entities/{id}/attrs", 422, lambda req, resp, ctx: Resp(204)),
    ),
    _row(
        "v2-update-missing-attribute-204",
        "CORE-016",
        on_response("PATCH", "entities/{id}/attrs", 422, lambda req, resp, ctx: Resp(204)),
    ),
    _row("v2-scalar-served-as-json", "CORE-025", Hooks(response=_value_406_served)),
    _row(
        "v2-batch-key-values-ignored",
        "BAT-007",
        on_request("POST", "op/update", _drop_param("options"), _option("keyValues")),
    ),
    _row(
        "v2-model-violation-accepted",
        "DM-003",
        on_request("POST", "entities", _created, _is(_broken_model_location)),
    ),
)


V2_ROWS: tuple[Fault, ...] = (*CLASS_ROWS, *MORE_ROWS, *BROADER_ROWS, *LAST_ROWS)
