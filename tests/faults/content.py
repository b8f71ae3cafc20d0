"""Fault rows for errors and content negotiation (ERR) and data models (DM)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from conform.profiles.ngsi_ld import CORE_CONTEXT
from faults.proxy import Context, Hooks, Req, Resp
from faults.rewrites import (
    ERROR_URI,
    LD,
    MODELS,
    Fault,
    body_type,
    chain,
    created,
    drop_link,
    edit_json,
    entity_type,
    has_param,
    header,
    on_request,
    on_response,
    param,
    problem,
    problem_member,
    reply,
    req_header,
    status,
    with_problem,
)


def _media(req: Req) -> str:
    return (req.header("Content-Type") or "").split(";")[0].strip()


def _ld_without_context(req: Req) -> bool:
    body = req.json()
    ld = _media(req) == LD and isinstance(body, dict) and "@context" not in body
    return ld and not req.header("Link")


def _add_context(req: Req, ctx: Context) -> Req:
    return req.with_json({**req.json(), "@context": CORE_CONTEXT})


def _json_with_context(req: Req) -> bool:
    body = req.json()
    return _media(req) == "application/json" and isinstance(body, dict) and "@context" in body


def _no_context(req: Req, ctx: Context) -> Req:
    return req.with_json({k: v for k, v in req.json().items() if k != "@context"})


def _error_as_ld(req: Req, resp: Resp, ctx: Context) -> Resp:
    if resp.status >= 400 and LD in (req.header("Accept") or ""):
        return resp.with_header("Content-Type", LD)
    return resp


def _each(edit: Any) -> Any:
    """An edit of every entity of an array body (or of the one entity of an object body)."""

    def apply(body: Any) -> None:
        for item in body if isinstance(body, list) else [body]:
            if isinstance(item, dict):
                edit(item)

    return apply


def _no_context_member(item: dict[str, Any]) -> None:
    item.pop("@context", None)


def _break_location(item: dict[str, Any]) -> None:
    if item.get("type") == "Streetlight" and "location" in item:
        item["location"] = "somewhere"


def _break_capacity(item: dict[str, Any]) -> None:
    if item.get("type") == "EVChargingStation":
        item["capacity"] = "four"


def _not_json(req: Req) -> bool:
    try:
        json.loads(req.body)
    except ValueError:
        return True
    return False


def _unchunked(req: Req, ctx: Context) -> Req | None:
    return replace(req, chunked=False) if req.chunked else None


def _without_location_of(model: str) -> Any:
    def edit(item: dict[str, Any]) -> None:
        if item.get("type") == model:
            item.pop("location", None)

    return _each(edit)


def _model_path(req: Req) -> bool:
    return entity_type(req) in MODELS


def _dm_read_row(req_id: str, model: str) -> Fault:
    """A keyValues read of MODEL entities without their required location."""
    # DM-010 reads an OffStreetParking back in keyValues form and compares it in full
    also = ("DM-010",) if model == "OffStreetParking" else ()
    return Fault(f"{model.lower()}-key-values-without-location", (req_id,),
                 on_response("GET", "entities/{id}", 200, edit_json(_without_location_of(model)),
                             where=has_param("options", "keyValues")), also=also)  # fmt: skip


# a streetlight of the city's own, valid, for the served-entities check to read
STREETLIGHT = {
    "id": "urn:ngsi-ld:Streetlight:city-1",
    "type": "Streetlight",
    "status": {"type": "Property", "value": "ok"},
    "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [139.7, 35.7]}},
}
SDM_STREETLIGHT = {
    "id": "urn:ngsi-ld:Streetlight:city-2",
    "type": "https://smartdatamodels.org/dataModel.Streetlighting/Streetlight",
    "status": {"type": "Property", "value": "ok"},
}
_SERVED_VIOLATION = on_response(
    "GET",
    "entities",
    200,
    edit_json(_each(_break_location)),
    where=has_param("options", "keyValues"),
)

# fmt: off
ERROR_ROWS = [
    # CORE-003 says the 409 carries problem type AlreadyExists: a bare name is not that type
    Fault("problem-type-not-an-ngsi-ld-uri", ("ERR-002",),
          on_response("POST", "entities", 409, problem_member("type", "AlreadyExists")),
          also=("CORE-003",)),
    Fault("problem-status-member-wrong", ("ERR-004",),
          on_response("POST", "entities", 409, problem_member("status", 400))),
    Fault("problem-content-type-text-plain", ("ERR-001",),
          on_response("POST", "entities", 409, header("Content-Type", "text/plain"))),
    Fault("bad-accept-answers-200", ("ERR-005",),
          on_request("GET", "entities/{id}", req_header("Accept", "application/json"),
                     where=lambda r: r.header("Accept") == "text/csv")),
    Fault("bad-content-type-accepted", ("ERR-006",),
          on_request("POST", "entities", req_header("Content-Type", "application/json"),
                     where=lambda r: _media(r) == "text/plain")),
    Fault("non-object-body-wrong-error-type", ("ERR-009",),
          on_response("POST", "entities", 400, with_problem(400, "BadRequestData"),
                      where=lambda r: r.body[:1] in (b"[", b'"'))),
    Fault("unknown-options-ignored", ("ERR-010",),
          on_request("GET", "entities/{id}", param("options", None),
                     where=has_param("options", "foo"))),
    Fault("json-without-context-link", ("ERR-011",),
          on_response("GET", "entities/{id}", 200,
                      drop_link("http://www.w3.org/ns/json-ld#context"))),
    Fault("ld-json-without-context-member", ("ERR-012",),
          on_response("GET", "entities/{id}", 200, edit_json(_each(_no_context_member)),
                      where=lambda r: LD in (r.header("Accept") or ""))),
    Fault("ld-request-without-context-accepted", ("ERR-013",),
          on_request("POST", "entities", _add_context, where=_ld_without_context)),
    Fault("json-request-with-context-accepted", ("ERR-015",),
          on_request("POST", "entities", _no_context, where=_json_with_context)),
    Fault("no-accept-answers-ld-json", ("ERR-016",),
          on_request("GET", "entities/{id}", req_header("Accept", LD),
                     where=lambda r: (r.header("Accept") or "*/*") == "*/*")),
    Fault("errors-as-ld-json", ("ERR-018",), Hooks(response=_error_as_ld)),
    Fault("merge-patch-refused", ("ERR-019",),
          on_request("PATCH", "entities/{id}/attrs", lambda r, c: problem(415, "InvalidRequest"),
                     where=lambda r: "merge-patch" in _media(r))),
    Fault("broken-json-wrong-error-type", ("ERR-008",),
          chain(*(on_response(m, p, 400, problem_member("type", ERROR_URI + "BadRequestData"),
                              where=_not_json)
                  for m, p in (("POST", "entities"), ("PATCH", "entities/{id}/attrs"))))),
    Fault("ld-request-with-context-link-accepted", ("ERR-014",),
          on_request("POST", "entities", req_header("Link", None),
                     where=lambda r: _media(r) == LD and bool(r.header("Link")))),
    # ERR-012 says those answers have Content-Type application/ld+json too
    Fault("accept-ld-answers-json", ("ERR-017",),
          on_response("GET", "entities", 200, header("Content-Type", "application/json"),
                      where=lambda r: LD in (r.header("Accept") or "")),
          also=("ERR-012",)),
]

MODEL_ROWS = [
    # a model entity sent with a context Link is DM-011's own
    Fault("model-violation-accepted", ("DM-002",),
          on_response("POST", "entities", 400, created,
                      where=lambda r: body_type(r) in MODELS and r.header("Link") is None)),
    Fault("served-streetlight-violates-schema", ("DM-003",), _SERVED_VIOLATION,
          data_models=("Streetlight",), preload=(STREETLIGHT,)),
    # the city wrote its own streetlight with the Smart Data Models @context, without location:
    # naming `Streetlight` without that context never finds it (DM-003 once read none and passed)
    Fault("served-violation-under-its-context", ("DM-003",), Hooks(),
          data_models=("Streetlight",), preload=(SDM_STREETLIGHT,)),
    Fault("charging-station-key-values-violate", ("DM-009",),
          on_response("GET", "entities/{id}", 200, edit_json(_each(_break_capacity)),
                      where=has_param("options", "keyValues"))),
    # DM-004..010 create model entities too: blocked by DM-001, not failed
    Fault("model-entity-create-refused", ("DM-001",),
          on_request("POST", "entities", lambda r, c: problem(400, "BadRequestData"),
                     where=lambda r: body_type(r) in MODELS)),
    *(_dm_read_row(f"DM-00{n}", m) for n, m in (
        (4, "OffStreetParking"), (5, "ParkingSpot"), (6, "AirQualityObserved"),
        (7, "WeatherObserved"), (8, "Streetlight"))),
]

# SHOULD requirements: a failed SHOULD is a warning, so these runs end INCOMPLETE (exit 3), not
# NOT_CERTIFIED; the matrix checks the warning instead
SHOULD_ROWS = [
    Fault("wrongly-typed-count-accepted", ("ERR-024",),
          on_response("GET", "entities", 400, reply(200, []), where=has_param("count", "maybe"))),
    Fault("problem-title-empty", ("ERR-003",),
          on_response("POST", "entities", 409, problem_member("title", ""))),
    Fault("chunked-body-accepted", ("ERR-007",),
          on_request("POST", "entities", _unchunked)),
    Fault("unsupported-method-without-allow", ("ERR-020",),
          Hooks(response=lambda req, resp, ctx: resp.with_header("Allow", None)
                if resp.status == 405 else resp)),
    Fault("model-breaking-write-answers-204", ("DM-010",),
          chain(*(on_response(m, p, 400, status(204), where=_model_path) for m, p in (
              ("POST", "entities/{id}/attrs"), ("PATCH", "entities/{id}/attrs"),
              ("PATCH", "entities/{id}/attrs/{attr}"))))),
]

# found by the matrix: with --url and no system file the target declares no data models; DM-003
# once read nothing then and passed. It now reads every published model.
UNDECLARED_MODELS = Fault("served-violation-without-declared-models", ("DM-003",),
                          _SERVED_VIOLATION, preload=(STREETLIGHT,))
# fmt: on
