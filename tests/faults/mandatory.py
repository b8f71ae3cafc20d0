"""Fault rows for the mandatory entity and query classes (CORE, QRY)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from faults.proxy import API, Context, Hooks, Req, Resp
from faults.rewrites import (
    ERROR_URI,
    MODELS,
    Fault,
    accepts,
    chain,
    count_plus_one,
    created,
    drop_link,
    edit_json,
    entity_type,
    has_param,
    header,
    on_request,
    on_response,
    only_params,
    param,
    problem,
    problem_member,
    refetch,
    reply,
    req_header,
    route,
    status,
    with_problem,
    without_attr,
)


def _no_dataset_id(req: Req) -> bool:
    body = req.json()
    return not (isinstance(body, dict) and "datasetId" in body)


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


def _simple_equality(req: Req) -> bool:
    return bool(re.fullmatch(r"\w+==[^;|()]+", req.param("q") or ""))


def _limit_between(low: int, high: int) -> Any:
    return lambda req: (
        (req.param("limit") or "").isdigit() and low <= int(req.param("limit") or 0) <= high
    )


def _non_uri_id(req: Req) -> bool:
    body = req.json()
    return isinstance(body, dict) and ":" not in str(body.get("id", ":"))


def _other_type(body: Any) -> None:
    if isinstance(body, dict) and "type" in body:
        body["type"] = "SomethingElse"


def _overwrite_anyway(req: Req, resp: Resp, ctx: Context) -> None:
    """The noOverwrite append answered as asked, but then applied with overwrite."""
    ctx.forward(req.with_param("options", None))


def _replace_whole_attribute(req: Req, resp: Resp, ctx: Context) -> None:
    """The partial update applied as a full replace: the attribute's other members are lost."""
    eid, attr = req.parts()[1], req.parts()[3]
    value = (req.json() or {}).get("value")
    whole = {attr: {"type": "Property", "value": value}}
    ctx.forward(Req("POST", f"{API}/entities/{eid}/attrs", (), req.headers).with_json(whole))


def _keep_existing_attribute(req: Req, ctx: Context) -> Resp | None:
    """DELETE of an existing attribute answered 204 without deleting it."""
    _, eid, _, attr = req.parts()
    got = ctx.forward(Req("GET", f"{API}/entities/{eid}", (), req.headers))
    body = got.json() if got.status == 200 else None
    return Resp(204) if isinstance(body, dict) and attr in body else None


def _relabel_last(body: Any) -> None:
    if isinstance(body, list) and body and isinstance(body[-1], dict):
        body[-1]["type"] = "SomethingElse"


def _q_with(pattern: str) -> Any:
    return lambda req: bool(re.fullmatch(pattern, req.param("q") or ""))


def _first_term(sep: str) -> Any:
    return lambda req, ctx: req.with_param("q", (req.param("q") or "").split(sep)[0])


def _valid_regex(req: Req) -> bool:
    try:
        re.compile(req.param("idPattern") or "")
    except re.error:
        return False
    return req.param("type") is not None and req.param("idPattern") is not None


def _offset_one_short(req: Req, ctx: Context) -> Req | None:
    offset = req.param("offset") or ""
    if not offset.isdigit() or offset == "0":
        return None
    return req.with_param("offset", str(int(offset) - 1))


def _not_integer(req: Req) -> bool:
    return any(not (req.param(n) or "0").isdigit() for n in ("limit", "offset"))


def _integers_only(req: Req) -> Req:
    drop = [n for n in ("limit", "offset") if not (req.param(n) or "0").isdigit()]
    for name in drop:
        req = req.with_param(name, None)
    return req


def _next_on_last_page(req: Req, resp: Resp, ctx: Context) -> Resp | None:
    if 'rel="next"' in ",".join(v for k, v in resp.headers if k.lower() == "link"):
        return None
    query = urlencode([*((k, v) for k, v in req.query if k != "offset"), ("offset", "1000")])
    return replace(resp, headers=(*resp.headers, ("Link", f'<{req.path}?{query}>; rel="next"')))


def _empty_as_404(req: Req, resp: Resp, ctx: Context) -> Resp | None:
    return problem(404, "ResourceNotFound") if resp.json() == [] else None


def _no_selector(req: Req) -> bool:
    return not any(req.param(n) for n in ("type", "attrs", "q", "georel", "geometry"))


# fmt: off
CORE_ROWS = [
    Fault("create-without-location", ("CORE-001",),
          on_response("POST", "entities", 201, header("Location", None))),
    Fault("read-back-changes-a-relationship", ("CORE-002",),
          on_response("GET", "entities/{id}", 200, edit_json(_other_device),
                      where=lambda r: not r.query)),
    Fault("duplicate-create-accepted", ("CORE-003",),
          on_response("POST", "entities", 409, created)),
    Fault("create-without-type-accepted", ("CORE-005",),
          on_request("POST", "entities", lambda r, c: created(r, Resp(201), c),
                     where=_no_type_member)),
    Fault("null-property-dropped", ("CORE-006",),
          chain(on_request("POST", "entities", _null_attrs),
                on_request("POST", "entities/{id}/attrs", _null_attrs))),
    # ERR-002 says the error name matches the HTTP status: InvalidRequest on a 404 breaks it too
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
    Fault("delete-answers-200", ("CORE-015",),
          on_response("DELETE", "entities/{id}", 204, status(200))),
    Fault("delete-unknown-answers-204", ("CORE-016",),
          on_response("DELETE", "entities/{id}", 404, status(204))),
    # CORE-034 overwrites an attribute instance by datasetId with an append too
    Fault("append-never-overwrites", ("CORE-018",),
          on_request("POST", "entities/{id}/attrs", param("options", "noOverwrite"),
                     where=lambda r: r.param("options") is None), also=("CORE-034",)),
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
          on_response("DELETE", "entities/{id}/attrs/{attr}", 404, status(204),
                      where=lambda r: r.param("datasetId") is None)),  # CORE-032's own
    Fault("non-uri-id-accepted", ("CORE-004",),
          on_response("POST", "entities", 400, created, where=_non_uri_id)),
    # CORE-002 says the entity reads back with the same type
    Fault("retrieve-answers-another-type", ("CORE-007",),
          on_response("GET", "entities/{id}", 200, edit_json(_other_type),
                      where=lambda r: not r.query and _not_model(r) and not accepts("geo+json")(r)),
          also=("CORE-002",)),
    Fault("attrs-without-match-answers-entity", ("CORE-012",),
          on_response("GET", "entities/{id}", 404, refetch(lambda r: r.with_param("attrs", None)),
                      where=has_param("attrs"))),
    Fault("append-drops-note", ("CORE-017",),
          on_request("POST", "entities/{id}/attrs", without_attr("note"))),
    Fault("no-overwrite-overwrites", ("CORE-019",),
          on_response("POST", "entities/{id}/attrs", 207, _overwrite_anyway,
                      where=has_param("options", "noOverwrite"))),
    Fault("update-drops-name", ("CORE-022",),
          on_request("PATCH", "entities/{id}/attrs", without_attr("name"))),
    # instances addressed by datasetId (or a query) are CORE-031..037's own (multi-instance)
    Fault("partial-update-replaces-attribute", ("CORE-025",),
          on_response("PATCH", "entities/{id}/attrs/{attr}", 204, _replace_whole_attribute,
                      where=_no_dataset_id)),
    Fault("partial-update-unknown-answers-204", ("CORE-026",),
          on_response("PATCH", "entities/{id}/attrs/{attr}", 404, status(204),
                      where=_no_dataset_id)),
    Fault("attribute-delete-not-applied", ("CORE-028",),
          on_request("DELETE", "entities/{id}/attrs/{attr}", _keep_existing_attribute,
                     where=lambda r: not r.query)),
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
          on_response("GET", "entities", 200, count_plus_one,
                      where=lambda r: r.param("limit") != "0")),
    Fault("limit-zero-without-count-accepted", ("QRY-024",),
          on_response("GET", "entities", 400, refetch(lambda r: r.with_param("count", "true")),
                      where=lambda r: r.param("limit") == "0" and r.param("count") is None)),
    Fault("type-query-mislabels-one", ("QRY-001",),
          on_response("GET", "entities", 200, edit_json(_relabel_last),
                      where=only_params("type"))),
    Fault("id-pattern-ignored", ("QRY-003",),
          on_request("GET", "entities", param("idPattern", None), where=_valid_regex)),
    Fault("unselective-query-answers-200", ("QRY-004",),
          on_response("GET", "entities", 400, reply(200, []), where=_no_selector)),
    Fault("attrs-query-adds-members", ("QRY-005",),
          on_response("GET", "entities", 200,
                      edit_json(lambda b: [{**e, "extra": 1} for e in b]),
                      where=lambda r: has_param("attrs")(r) and r.param("type") is None)),
    # QRY-026 compares a multi-instance attribute with > too
    Fault("q-comparison-ignored", ("QRY-007",),
          on_request("GET", "entities", param("q", None), where=_q_with(r"\w+(>|<|>=|<=|!=)\d+")),
          also=("QRY-026",)),
    Fault("q-and-keeps-first-term", ("QRY-008",),
          on_request("GET", "entities", _first_term(";"), where=_q_with(r"[^;|]+;[^;|]+"))),
    Fault("q-or-keeps-first-term", ("QRY-009",),
          on_request("GET", "entities", _first_term("|"), where=_q_with(r"[^;|]+\|[^;|]+"))),
    Fault("invalid-q-answers-200", ("QRY-010",),
          on_response("GET", "entities", 400, reply(200, []), where=has_param("q"))),
    Fault("invalid-id-or-pattern-answers-200", ("QRY-011",),
          on_response("GET", "entities", 400, reply(200, []),
                      where=lambda r: r.param("type") is not None
                      and (has_param("id")(r) or has_param("idPattern")(r)))),
    Fault("query-geo-json-ignored", ("QRY-013",),
          on_request("GET", "entities", req_header("Accept", "application/json"),
                     where=accepts("geo+json"))),
    # QRY-019/020/021 follow links the server derives from the shifted offset: consistent
    Fault("offset-one-short", ("QRY-015",), on_request("GET", "entities", _offset_one_short)),
    Fault("invalid-limit-or-offset-ignored", ("QRY-018",),
          on_response("GET", "entities", 400, refetch(_integers_only), where=_not_integer)),
    Fault("no-link-prev", ("QRY-020",), on_response("GET", "entities", 200, drop_link("prev"))),
    Fault("link-next-on-last-page", ("QRY-021",),
          on_response("GET", "entities", 200, _next_on_last_page,
                      where=lambda r: r.param("limit") is not None)),
    Fault("limit-zero-without-count-header", ("QRY-023",),
          on_response("GET", "entities", 200, header("NGSILD-Results-Count", None),
                      where=lambda r: r.param("limit") == "0")),
    Fault("empty-type-query-answers-404", ("QRY-025",),
          on_response("GET", "entities", 200, _empty_as_404, where=only_params("type"))),
]
# fmt: on
