"""Fault rows for the mandatory entity and query classes (CORE, QRY)."""

from __future__ import annotations

import re
from typing import Any

from faults.proxy import Context, Hooks, Req, Resp
from faults.rewrites import (
    ERROR_URI,
    MODELS,
    Fault,
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
    problem_member,
    refetch,
    req_header,
    route,
    status,
    with_problem,
)


def _not_model(req: Req) -> bool:
    return entity_type(req) not in MODELS and req.param("type") not in MODELS


def _remember_created(req: Req, resp: Resp, ctx: Context) -> Resp:
    """Note the id of every entity created through the proxy."""
    body = req.json()
    if req.method == "POST" and route(req) == "entities" and resp.status == 201:
        ctx.state.setdefault("created", set()).add(body.get("id"))
    return resp


def _wrong_type_if_never_created(req: Req, resp: Resp, ctx: Context) -> Resp | None:
    if req.parts()[1] in ctx.state.get("created", set()):
        return None  # deleted entities keep their correct 404 (CORE-015 checks those)
    return problem_member("type", ERROR_URI + "InvalidRequest")(req, resp, ctx)


def _unknown_probe(req: Req) -> bool:
    # model-typed unknown ids are DM-002's own check of a rejected create
    return entity_type(req) not in MODELS and not req.query


def _null_attrs(req: Req, ctx: Context) -> Req | None:
    body = req.json()
    if not isinstance(body, dict):
        return None
    kept = {
        k: v for k, v in body.items() if not (isinstance(v, dict) and v.get("value", 0) is None)
    }
    return req.with_json(kept) if kept != body else None


def _without_type(req: Req, ctx: Context) -> Req | None:
    body = req.json()
    if isinstance(body, dict) and "type" in body:
        return req.with_json({k: v for k, v in body.items() if k != "type"})
    return None


def _other_device(body: Any) -> None:
    if isinstance(body, dict) and isinstance(body.get("refDevice"), dict):
        body["refDevice"]["object"] = "urn:ngsi-ld:Device:someone-else"


def _no_type_member(req: Req) -> bool:
    body = req.json()
    return isinstance(body, dict) and "type" not in body


def _count_plus_one(req: Req, resp: Resp, ctx: Context) -> Resp | None:
    count = resp.header("NGSILD-Results-Count")
    return resp.with_header("NGSILD-Results-Count", str(int(count) + 1)) if count else None


def _simple_equality(req: Req) -> bool:
    return bool(re.fullmatch(r"\w+==[^;|()]+", req.param("q") or ""))


def _limit_between(low: int, high: int) -> Any:
    return lambda req: (
        (req.param("limit") or "").isdigit() and low <= int(req.param("limit") or 0) <= high
    )


# fmt: off
CORE_ROWS = [
    Fault("create-without-location", ("CORE-001",),
          on_response("POST", "entities", 201, header("Location", None))),
    Fault("read-back-changes-a-relationship", ("CORE-002",),
          on_response("GET", "entities/{id}", 200, edit_json(_other_device),
                      where=lambda r: not r.query)),
    # the 409 case of the ERR-001..004 suites provokes exactly this duplicate create
    Fault("duplicate-create-accepted", ("CORE-003",),
          on_response("POST", "entities", 409, created), also=("ERR-001", "ERR-002", "ERR-004")),
    Fault("create-without-type-accepted", ("CORE-005",),
          on_request("POST", "entities", lambda r, c: created(r, Resp(201), c),
                     where=_no_type_member)),
    Fault("null-property-dropped", ("CORE-006",),
          chain(on_request("POST", "entities", _null_attrs),
                on_request("POST", "entities/{id}/attrs", _null_attrs))),
    # the ERR-002 suite's 404 case is the same request (an unknown probe entity)
    Fault("unknown-entity-wrong-error-type", ("CORE-008",),
          chain(Hooks(response=_remember_created),
                on_response("GET", "entities/{id}", 404, _wrong_type_if_never_created,
                            where=_unknown_probe)),
          also=("ERR-002",)),
    Fault("malformed-id-is-404", ("CORE-009",),
          on_response("GET", "entities/{id}", 400, with_problem(404, "ResourceNotFound"),
                      where=lambda r: not r.query)),
    Fault("key-values-ignored", ("CORE-010",),
          on_request("GET", "entities/{id}", param("options", None),
                     where=lambda r: has_param("options", "keyValues")(r) and _not_model(r))),
    Fault("attrs-ignored", ("CORE-011",),
          on_response("GET", "entities/{id}", 200, refetch(lambda r: r.with_param("attrs", None)),
                      where=has_param("attrs"))),
    Fault("sys-attrs-ignored", ("CORE-013",),
          on_request("GET", "entities/{id}", param("options", None),
                     where=has_param("options", "sysAttrs"))),
    Fault("geo-json-ignored", ("CORE-014",),
          on_request("GET", "entities/{id}", req_header("Accept", "application/json"),
                     where=lambda r: "geo+json" in (r.header("Accept") or ""))),
    # DM-001's and DISC-002's scenarios delete an entity and require 204 on the way
    Fault("delete-answers-200", ("CORE-015",),
          on_response("DELETE", "entities/{id}", 204, status(200)), also=("DM-001", "DISC-002")),
    Fault("delete-unknown-answers-204", ("CORE-016",),
          on_response("DELETE", "entities/{id}", 404, status(204))),
    Fault("append-never-overwrites", ("CORE-018",),
          on_request("POST", "entities/{id}/attrs", param("options", "noOverwrite"),
                     where=lambda r: r.param("options") is None)),
    Fault("append-skipped-not-reported", ("CORE-020",),
          on_response("POST", "entities/{id}/attrs", 207, status(204))),
    Fault("append-to-unknown-answers-204", ("CORE-021",),
          on_response("POST", "entities/{id}/attrs", 404, status(204))),
    Fault("update-missing-answers-204", ("CORE-023",),
          on_response("PATCH", "entities/{id}/attrs", 207, status(204))),
    Fault("update-unknown-answers-204", ("CORE-024",),
          on_response("PATCH", "entities/{id}/attrs", 404, status(204))),
    Fault("partial-update-changes-type", ("CORE-027",),
          on_request("PATCH", "entities/{id}/attrs/{attr}", _without_type)),
    Fault("delete-missing-attribute-answers-204", ("CORE-029",),
          on_response("DELETE", "entities/{id}/attrs/{attr}", 404, status(204))),
]

QUERY_ROWS = [
    Fault("id-filter-ignored", ("QRY-002",),
          on_request("GET", "entities", param("id", None),
                     where=lambda r: ":" in (r.param("id") or "") and r.param("type") is not None)),
    Fault("q-equality-ignored", ("QRY-006",),
          on_request("GET", "entities", param("q", None), where=_simple_equality)),
    Fault("query-key-values-ignored", ("QRY-012",),
          on_request("GET", "entities", param("options", None),
                     where=lambda r: has_param("options", "keyValues")(r) and _not_model(r))),
    # limit=1 is the harness's reachability probe: faults start at 2
    Fault("small-limit-ignored", ("QRY-014",),
          on_request("GET", "entities", param("limit", None), where=_limit_between(2, 5))),
    Fault("default-page-size-10", ("QRY-016",),
          on_request("GET", "entities", param("limit", "10"),
                     where=lambda r: r.param("limit") is None and r.param("type") is not None)),
    Fault("limit-above-maximum-clamped", ("QRY-017",),
          on_request("GET", "entities", param("limit", "1000"),
                     where=_limit_between(1001, 10**9))),
    Fault("no-link-next", ("QRY-019",), on_response("GET", "entities", 200, drop_link("next"))),
    Fault("wrong-results-count", ("QRY-022",),
          on_response("GET", "entities", 200, _count_plus_one,
                      where=lambda r: r.param("limit") != "0")),
    Fault("limit-zero-without-count-accepted", ("QRY-024",),
          on_response("GET", "entities", 400, refetch(lambda r: r.with_param("count", "true")),
                      where=lambda r: r.param("limit") == "0" and r.param("count") is None)),
]
# fmt: on
