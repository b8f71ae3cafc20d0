"""The NGSI v2 fault table: each row breaks one requirement of city-os-v2 1.0 (Orion behaviour).

Rows reuse the proxy and the building blocks of the NGSI-LD table (`rewrites`): the proxy is
built for the city-os-v2 bundle, so routes are read below /v2.
"""

from __future__ import annotations

import json
import re
from typing import Any

from faults.proxy import Context, Hooks, Req, Resp
from faults.rewrites import Fault, on_request, on_response

JSON = (("Content-Type", "application/json"),)
OPTIONAL_V2 = ("batch", "subscriptions", "discovery", "multi-tenancy")
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


def _key_values(req: Req) -> bool:
    return "keyValues" in (req.param("options") or "").split(",")


def _model_entity(req: Req) -> bool:
    body = req.json()
    return _key_values(req) and isinstance(body, dict) and "location" in body


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


V2_ROWS: tuple[Fault, ...] = (
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
        on_request("POST", "entities", lambda req, ctx: v2_error(400, "BadRequest"), _model_entity),
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
