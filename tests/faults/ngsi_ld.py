"""Fault rows for what city-os 1.1 adds: each reproduces a defect a real broker had (issue 13)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from conform.bundle import load_bundle
from conform.jsonld import ContextLibrary
from conform.profiles.ngsi_ld import CORE_CONTEXT, LATEST_CORE_CONTEXT
from conform.reference.messages import CONTEXT_REL
from conform.reference.parameters import declared_parameters
from faults.proxy import Context, Hooks, Req, Resp
from faults.rewrites import (
    LD,
    Fault,
    accepts,
    chain,
    created,
    has_param,
    header,
    on_request,
    on_response,
    param,
    problem,
    req_header,
    route,
    status,
    with_problem,
)

GEO_QUERY = ("georel", "geometry", "coordinates", "geoproperty")
DECLARED = frozenset().union(*declared_parameters(load_bundle("city-os").openapi_path).values())


def _context_refused(req: Req, ctx: Context) -> Resp | None:
    """The old defect: @context in a JSON-LD partial update taken for a sub-attribute (400)."""
    body = req.json()
    if LD in (req.header("Content-Type") or "") and isinstance(body, dict) and "@context" in body:
        return problem(400, "BadRequestData")
    return None


def _delete_every_instance(req: Req, resp: Resp, ctx: Context) -> None:
    """The old defect: a delete by datasetId deletes every instance of the attribute."""
    ctx.forward(req.with_param("datasetId", None).with_param("deleteAll", "true"))


def _ignore_unknown_parameters(req: Req, ctx: Context) -> Req:
    """Parameters the bundle does not declare are dropped, as if ignored (geo-queries kept)."""
    for name, _ in req.query:
        if name not in DECLARED and name not in GEO_QUERY:
            req = req.with_param(name, None)
    return req


def _ignore_geo_query(req: Req, ctx: Context) -> Req:
    """The old defect: a geo-query is accepted and every entity comes back unfiltered."""
    for name in GEO_QUERY:
        req = req.with_param(name, None)
    return req


def _instance_lists(body: object) -> dict[str, list[Any]]:
    """Attribute name -> instances of every attribute given as an array of instances."""
    if not isinstance(body, dict):
        return {}
    return {k: v for k, v in body.items() if isinstance(v, list) and k not in ("type", "scope")}


def _keep_first_instance(req: Req, ctx: Context) -> Req | None:
    """The old defect: a created multi-instance attribute keeps one instance."""
    body = req.json()
    lists = _instance_lists(body)
    if not lists or _has_duplicates(lists):
        return None  # validation still runs (CORE-038's own check)
    return req.with_json({**body, **{k: v[0] for k, v in lists.items()}})


def _has_duplicates(lists: dict[str, list[Any]]) -> bool:
    for items in lists.values():
        ids = [i.get("datasetId") if isinstance(i, dict) else None for i in items]
        if len(set(ids)) != len(ids):
            return True
    return False


def _has_dataset_id(req: Req) -> bool:
    body = req.json()
    return isinstance(body, dict) and any(
        isinstance(v, dict) and "datasetId" in v for v in body.values()
    )


def _replace_whole_attribute(req: Req, resp: Resp, ctx: Context) -> None:
    """The old defect: an append or update by datasetId replaces every instance."""
    for name in req.json():
        ctx.forward(Req("DELETE", f"{req.path}/{name}", (("deleteAll", "true"),), req.headers))
    ctx.forward(replace(req, method="POST", query=()))


def _without_dataset_id(req: Req, ctx: Context) -> Req | None:
    body = req.json()
    if not isinstance(body, dict) or "datasetId" not in body:
        return None
    return req.with_json({k: v for k, v in body.items() if k != "datasetId"})


def _last_of_duplicates(req: Req, ctx: Context) -> Req | None:
    """Instances with a repeated datasetId are not refused: the last one wins."""
    body = req.json()
    lists = _instance_lists(body)
    if not lists:
        return None
    deduplicated = {}
    for name, items in lists.items():
        by_id = {i.get("datasetId") if isinstance(i, dict) else None: i for i in items}
        deduplicated[name] = list(by_id.values())
    return req.with_json({**body, **deduplicated})


def _multi_instance_never_matches(req: Req, resp: Resp, ctx: Context) -> Resp | None:
    """q is evaluated on single-instance attributes only: multi-instance entities drop out."""
    body = resp.json()
    if not isinstance(body, list):
        return None
    return resp.with_json([e for e in body if not _instance_lists(e)])


NULL = "urn:ngsi-ld:null"


def _merge_replaces_attributes(req: Req, resp: Resp, ctx: Context) -> None:
    """The merge applied as a replace of each existing attribute: unsent members are lost."""
    for name, value in (req.json() or {}).items():
        if isinstance(value, dict) and value.get("value") != NULL:
            ctx.forward(
                replace(req, method="PUT", path=f"{req.path}/attrs/{name}").with_json(value)
            )


def _merge_ignores_null(req: Req, ctx: Context) -> Req | Resp | None:
    """urn:ngsi-ld:null taken for nothing to do: the attribute stays."""
    body = req.json()
    if not isinstance(body, dict) or NULL not in body.values():
        return None
    kept = {k: v for k, v in body.items() if v != NULL}
    return req.with_json(kept) if set(kept) - {"@context"} else Resp(204)


def _as_merge(req: Req, ctx: Context) -> Req:
    """A replace applied as a merge: attributes absent from the body survive."""
    body = req.json()
    attrs = {k: v for k, v in body.items() if k not in ("id", "type")}
    return replace(req, method="PATCH").with_json(attrs)


def _as_partial_update(req: Req, ctx: Context) -> Req:
    """A replace of an attribute applied as a partial update: unsent members survive."""
    return replace(req, method="PATCH")


def _post_query_without(member: str) -> Any:
    def rewrite(req: Req, ctx: Context) -> Req | None:
        body = req.json()
        if not isinstance(body, dict) or member not in body:
            return None
        return req.with_json({k: v for k, v in body.items() if k != member})

    return rewrite


# fmt: off
STRICTNESS_ROWS = [
    Fault("json-ld-partial-update-refused", ("CORE-030",),
          on_request("PATCH", "entities/{id}/attrs/{attr}", _context_refused)),
    Fault("dataset-delete-deletes-every-instance", ("CORE-031",),
          on_response("DELETE", "entities/{id}/attrs/{attr}", 204, _delete_every_instance,
                      where=has_param("datasetId"))),
    Fault("unknown-dataset-delete-answers-204", ("CORE-032",),
          on_response("DELETE", "entities/{id}/attrs/{attr}", 404, status(204),
                      where=has_param("datasetId"))),
    Fault("batch-no-overwrite-answers-204", ("BAT-014",),
          on_response("POST", "entityOperations/update", 207, status(204),
                      where=has_param("options", "noOverwrite"))),
    Fault("unknown-parameters-ignored", ("ERR-025",),
          Hooks(request=_ignore_unknown_parameters)),
]

MERGE_REPLACE_ROWS = [
    Fault("merge-replaces-attributes", ("CORE-039",),
          on_response("PATCH", "entities/{id}", 204, _merge_replaces_attributes)),
    Fault("merge-ignores-null", ("CORE-040",),
          on_request("PATCH", "entities/{id}", _merge_ignores_null)),
    Fault("merge-or-replace-of-unknown-answers-204", ("CORE-041",),
          chain(on_response("PATCH", "entities/{id}", 404, status(204)),
                on_response("PUT", "entities/{id}", 404, status(204)))),
    Fault("replace-keeps-absent-attributes", ("CORE-042",),
          on_request("PUT", "entities/{id}", _as_merge)),
    Fault("replace-attribute-keeps-members", ("CORE-043",),
          on_request("PUT", "entities/{id}/attrs/{attr}", _as_partial_update)),
    Fault("post-query-ignores-q", ("QRY-027",),
          on_request("POST", "entityOperations/query", _post_query_without("q"))),
    Fault("post-query-ignores-offset", ("QRY-028",),
          on_request("POST", "entityOperations/query", param("offset", None))),
]

MULTI_INSTANCE_ROWS = [
    Fault("create-keeps-one-instance", ("CORE-033",),
          on_request("POST", "entities", _keep_first_instance)),  # the others: blocked by it
    Fault("append-by-dataset-id-replaces-attribute", ("CORE-034",),
          on_response("POST", "entities/{id}/attrs", 204, _replace_whole_attribute,
                      where=_has_dataset_id)),
    Fault("update-by-dataset-id-replaces-attribute", ("CORE-035",),
          on_response("PATCH", "entities/{id}/attrs", 204, _replace_whole_attribute,
                      where=_has_dataset_id)),
    Fault("partial-update-ignores-dataset-id", ("CORE-036",),
          on_request("PATCH", "entities/{id}/attrs/{attr}", _without_dataset_id)),
    Fault("delete-all-deletes-default-instance", ("CORE-037",),
          on_request("DELETE", "entities/{id}/attrs/{attr}", param("deleteAll", None))),
    Fault("duplicate-dataset-id-accepted", ("CORE-038",),
          on_request("POST", "entities", _last_of_duplicates)),
    Fault("query-skips-multi-instance", ("QRY-026",),
          on_response("GET", "entities", 200, _multi_instance_never_matches,
                      where=has_param("q"))),
]

# fmt: on


# --- geo-queries ----------------------------------------------------------------------------


def _georel_is(*prefixes: str) -> Any:
    """The request's georel starts with one of PREFIXES."""
    return lambda req: (req.param("georel") or "").startswith(prefixes)


def _near_point(req: Req) -> bool:
    return _georel_is("near;")(req) and req.param("geometry") == "Point"


def _is_geo_query(req: Req) -> bool:
    return any(req.param(name) is not None for name in GEO_QUERY)


def _geo_json_query(req: Req) -> bool:
    return accepts("application/geo+json")(req) and _is_geo_query(req)


def _georel_as(relation: str) -> Any:
    """The old defect: one relation evaluated as another (operands swapped, a wrong predicate)."""
    return param("georel", relation)


def _swap_lon_lat(req: Req, ctx: Context) -> Req | None:
    """The old defect: the near point read as [lat, lon] instead of GeoJSON's [lon, lat]."""
    try:
        lon, lat = json.loads(req.param("coordinates") or "")
    except ValueError:
        return None
    return req.with_param("coordinates", json.dumps([lat, lon]))


def _distance_in_kilometres(req: Req, ctx: Context) -> Req:
    """The old defect: maxDistance taken in kilometres, not metres."""
    name, _, number = (req.param("georel") or "").partition("==")
    return req.with_param("georel", f"{name}=={float(number) * 1000:g}")


def _min_as_max(req: Req, ctx: Context) -> Req:
    """The old defect: minDistance treated like maxDistance."""
    georel = req.param("georel") or ""
    return req.with_param("georel", georel.replace("minDistance", "maxDistance"))


def _geo_on(relation: str, new: str) -> Hooks:
    return on_request("GET", "entities", _georel_as(new), where=_georel_is(relation))


# fmt: off
GEO_ROWS = [
    Fault("near-query-ignored", ("GEO-001", "GEO-002", "GEO-012"),
          on_request("GET", "entities", _ignore_geo_query, where=_near_point)),
    Fault("near-point-read-lat-lon", ("GEO-001", "GEO-002", "GEO-012"),
          on_request("GET", "entities", _swap_lon_lat, where=_georel_is("near"))),
    Fault("max-distance-in-kilometres", ("GEO-001", "GEO-012"),
          on_request("GET", "entities", _distance_in_kilometres,
                     where=_georel_is("near;maxDistance"))),
    Fault("min-distance-as-max-distance", ("GEO-002",),
          on_request("GET", "entities", _min_as_max, where=_georel_is("near;minDistance"))),
    Fault("within-as-intersects", ("GEO-003",), _geo_on("within", "intersects")),
    Fault("contains-as-within", ("GEO-004",), _geo_on("contains", "within")),
    Fault("intersects-as-within", ("GEO-005",), _geo_on("intersects", "within")),
    Fault("equals-as-intersects", ("GEO-006",), _geo_on("equals", "intersects")),
    Fault("disjoint-as-intersects", ("GEO-007",), _geo_on("disjoint", "intersects")),
    Fault("overlaps-as-intersects", ("GEO-008",), _geo_on("overlaps", "intersects")),
    Fault("geoproperty-ignored", ("GEO-009",),
          on_request("GET", "entities", param("geoproperty", None))),
    Fault("post-query-ignores-geoq", ("GEO-010",),
          on_request("POST", "entityOperations/query", _post_query_without("geoQ")),
          also=("GEO-011",)),  # an ignored geoQ cannot be refused when malformed either
    Fault("bad-geo-query-answers-500", ("GEO-011",),
          on_response("GET", "entities", 400, with_problem(500, "InternalError"),
                      where=_is_geo_query)),
    Fault("geo-json-ignores-geo-query", ("GEO-012",),
          on_request("GET", "entities", _ignore_geo_query,
                     where=_geo_json_query)),
    Fault("geometry-property-ignored", ("GEO-013",),
          on_request("GET", "entities", param("geometryProperty", None))),
]
# fmt: on


# --- temporal -------------------------------------------------------------------------------


def _temporal(method: str, depth: int) -> Any:
    """Requests of METHOD on /temporal/entities (depth 0), /{id} (1) or /{id}/attrs (2)."""
    return lambda req: (
        req.method == method
        and req.parts()[:2] == ["temporal", "entities"]
        and len(req.parts()) == 2 + depth
    )


def _temporal_request(method: str, depth: int, rewrite: Any, where: Any = None) -> Hooks:
    hit = _temporal(method, depth)

    def hook(req: Req, ctx: Context) -> Req | Resp:
        if hit(req) and (where is None or where(req)):
            return rewrite(req, ctx) or req
        return req

    return Hooks(request=hook)


def _temporal_response(method: str, depth: int, code: int, change: Any, where: Any = None) -> Hooks:
    hit = _temporal(method, depth)

    def hook(req: Req, resp: Resp, ctx: Context) -> Resp:
        if hit(req) and resp.status == code and (where is None or where(req)):
            return change(req, resp, ctx) or resp
        return resp

    return Hooks(response=hook)


def _latest_only(req: Req, resp: Resp, ctx: Context) -> Resp | None:
    """The old defect: only the current state is kept, so the history is its last instance."""
    body = resp.json()
    if not isinstance(body, dict):
        return None
    return resp.with_json({k: v[-1:] if isinstance(v, list) else v for k, v in body.items()})


def _plain_retrieve(req: Req) -> bool:
    return not any(req.param(n) for n in ("timerel", "lastN", "options"))


def _refuse_known_ids(req: Req, ctx: Context) -> Resp | None:
    """The old defect: a POST for an existing temporal entity is refused, nothing is added."""
    body = req.json()
    eid = body.get("id") if isinstance(body, dict) else None
    seen = ctx.state.setdefault("temporal", set())
    if eid in seen:
        return problem(409, "AlreadyExists")
    seen.add(eid)
    return None


def _without(*names: str) -> Any:
    def rewrite(req: Req, ctx: Context) -> Req:
        for name in names:
            req = req.with_param(name, None)
        return req

    return rewrite


def _dated(req: Req) -> bool:
    return req.param("timerel") == "after" and (req.param("timeAt") or "").startswith("20")


# fmt: off
TEMPORAL_ROWS = [
    Fault("temporal-create-without-location", ("TMP-001",),
          _temporal_response("POST", 0, 201, header("Location", None))),
    Fault("temporal-keeps-latest-only", ("TMP-002", "TMP-003", "TMP-004"),
          _temporal_response("GET", 1, 200, _latest_only, where=_plain_retrieve)),
    Fault("temporal-post-of-existing-refused", ("TMP-003",),
          _temporal_request("POST", 0, _refuse_known_ids)),
    Fault("temporal-append-ignored", ("TMP-004",),
          _temporal_request("POST", 2, lambda req, ctx: Resp(204))),
    Fault("timerel-ignored", ("TMP-005",),
          _temporal_request("GET", 1, _without("timerel", "timeAt", "endTimeAt"))),
    Fault("last-n-ignored", ("TMP-006",), _temporal_request("GET", 1, _without("lastN"))),
    Fault("temporal-values-ignored", ("TMP-007",),
          _temporal_request("GET", 1, _without("options"))),
    Fault("temporal-query-ignores-time-at", ("TMP-008",),
          _temporal_request("GET", 0, param("timeAt", "1970-01-01T00:00:00Z"), where=_dated)),
    Fault("temporal-query-not-paginated", ("TMP-009",),
          _temporal_request("GET", 0, _without("limit"))),
    Fault("bad-temporal-query-answers-500", ("TMP-010",),
          _temporal_response("GET", 0, 400, with_problem(500, "InternalError"))),
    Fault("temporal-delete-keeps-history", ("TMP-011",),
          _temporal_request("DELETE", 1, lambda req, ctx: Resp(204))),
]
# fmt: on


# --- JSON-LD ---------------------------------------------------------------------------------

# the suite's (suites/city-os/test_jsonld.py): the rows recognise its requests by it
PARKING = (
    "https://raw.githubusercontent.com/smart-data-models/dataModel.Parking/"
    "d49af3c051dfc06d08d43183d2a7a3586d2ba163/context.jsonld"
)
DEFAULT_VOCAB = "https://uri.etsi.org/ngsi-ld/default-context/"


def _link(url: str) -> str:
    return f'<{url}>; rel="{CONTEXT_REL}"; type="application/ld+json"'


def _names_parking(req: Req) -> bool:
    return PARKING in (req.header("Link") or "")


def _remember_parking_entities(req: Req, ctx: Context) -> Req:
    """Note the ids of entities created with the Parking context."""
    body = req.json()
    created = req.method == "POST" and route(req) == "entities" and isinstance(body, dict)
    if created and _names_parking(req):
        ctx.state.setdefault("parking", set()).add(body.get("id"))
    return req


def _answered_as_written(req: Req, resp: Resp, ctx: Context) -> Resp | None:
    """Read without a context, an entity written with one still shows the short names."""
    if req.parts()[1] not in ctx.state.get("parking", set()):
        return None
    return ctx.forward(req.with_header("Link", _link(PARKING)))


def _not_compacted(req: Req, resp: Resp, ctx: Context) -> Resp:
    """The body as for no context (full IRIs), the headers as answered."""
    return replace(resp, body=ctx.forward(req.with_header("Link", None)).body)


def _context_dropped(req: Req, ctx: Context) -> Req | None:
    """A JSON-LD body's @context ignored: processed as JSON without a context."""
    body = req.json()
    if not isinstance(body, dict) or body.get("@context") != PARKING:
        return None
    plain = {k: v for k, v in body.items() if k != "@context"}
    return req.with_header("Content-Type", "application/json").with_json(plain)


def _core_context_echoed(req: Req, resp: Resp, ctx: Context) -> Resp:
    """The response names the core context whatever the client sent."""
    body = resp.json()
    if isinstance(body, dict) and "@context" in body:
        return resp.with_json({**body, "@context": CORE_CONTEXT})
    return resp.with_header("Link", _link(CORE_CONTEXT))


def _vocab_as_default_iri(req: Req, ctx: Context) -> Req | None:
    """VocabProperty values kept as written: the default vocabulary's IRI, not the context's."""
    body = req.json()
    if not isinstance(body, dict):
        return None
    vocab = {
        k: {**v, "vocab": DEFAULT_VOCAB + v["vocab"]}
        for k, v in body.items()
        if isinstance(v, dict)
        and v.get("type") == "VocabProperty"
        and isinstance(v.get("vocab"), str)
    }
    return req.with_json({**body, **vocab}) if vocab else None


def _q_as_default_iri(req: Req, ctx: Context) -> Req | None:
    """q attribute names looked up as written (the default vocabulary), not expanded."""
    q = req.param("q") or ""
    return req.with_param("q", DEFAULT_VOCAB + q) if q and not q.startswith("http") else None


_CONTEXTS = ContextLibrary(load_bundle("city-os").path / "contexts")


def _as_iri(name: object) -> object:
    """A Parking context term as the IRI it expands to (anything else unchanged)."""
    if not isinstance(name, str):
        return name
    iri = _CONTEXTS.names(PARKING).expand(name)
    return iri if iri != _CONTEXTS.names().expand(name) else name


def _update_result_as_iris(req: Req, resp: Resp, ctx: Context) -> Resp | None:
    """The old defect: a 207 UpdateResult names attributes by their stored IRIs."""
    body = resp.json()
    if not isinstance(body, dict):
        return None
    failed = [
        {**e, "attributeName": _as_iri(e.get("attributeName"))} if isinstance(e, dict) else e
        for e in body.get("notUpdated") or []
    ]
    updated = [_as_iri(n) for n in body.get("updated") or []]
    return resp.with_json({**body, "updated": updated, "notUpdated": failed})


def _batch_result_as_iris(req: Req, resp: Resp, ctx: Context) -> Resp | None:
    """The old defect: a 207 BatchOperationResult's error details name stored IRIs."""
    body = resp.json()
    if not isinstance(body, dict):
        return None

    def renamed(entry: Any) -> Any:
        error = entry.get("error") if isinstance(entry, dict) else None
        if not isinstance(error, dict) or not isinstance(error.get("detail"), str):
            return entry
        detail = re.sub(r"[A-Za-z]+", lambda m: str(_as_iri(m.group(0))), error["detail"])
        return {**entry, "error": {**error, "detail": detail}}

    return resp.with_json({**body, "errors": [renamed(e) for e in body.get("errors") or []]})


def _first_context_for_all(req: Req, ctx: Context) -> Req | None:
    """The old defect: every entity of a JSON-LD batch read with the first one's @context."""
    body = req.json()
    if not isinstance(body, list) or not body or not isinstance(body[0], dict):
        return None
    first = body[0].get("@context")
    return req.with_json([{**e, "@context": first} if isinstance(e, dict) else e for e in body])


def _remember_full_default_types(req: Req, ctx: Context) -> Req:
    """Note the ids of entities created with a default-vocabulary IRI as type."""
    body = req.json()
    created = req.method == "POST" and route(req) == "entities" and isinstance(body, dict)
    if created and str(body.get("type", "")).startswith(DEFAULT_VOCAB):
        ctx.state.setdefault("full", set()).add(body.get("id"))
    return req


def _types_as_written(req: Req, resp: Resp, ctx: Context) -> Resp | None:
    """Types compared as strings: a default-vocabulary IRI never meets its term."""
    body, wanted = resp.json(), req.param("type") or ""
    if not isinstance(body, list):
        return None
    if wanted.startswith(DEFAULT_VOCAB):
        return resp.with_json([e for e in body if isinstance(e, dict) and e.get("type") == wanted])
    full = ctx.state.get("full", set())
    return resp.with_json([e for e in body if not isinstance(e, dict) or e.get("id") not in full])


def _unversioned_core_refused(req: Req, ctx: Context) -> Req | Resp:
    """The old defect: the unversioned core-context URL taken for an unknown remote context."""
    if LATEST_CORE_CONTEXT in (req.header("Link") or ""):
        return problem(503, "LdContextNotAvailable")
    return req


def _merge_ignores_nulls(req: Req, ctx: Context) -> Req | None:
    """urn:ngsi-ld:null in a batch merge taken for nothing to do: the attribute stays."""
    body = req.json()
    if not isinstance(body, list):
        return None
    kept = [
        {k: v for k, v in e.items() if not (isinstance(v, dict) and v.get("value") == NULL)}
        if isinstance(e, dict)
        else e
        for e in body
    ]
    return req.with_json(kept)


def _is_ld(req: Req) -> bool:
    return LD in (req.header("Content-Type") or "")


# fmt: off
BATCH_CONTEXT_ROWS = [
    Fault("batch-first-context-for-all", ("BAT-015",),
          chain(*(on_request("POST", f"entityOperations/{op}", _first_context_for_all,
                             where=_is_ld) for op in ("create", "upsert", "update", "merge")))),
    Fault("batch-merge-missing", ("BAT-016", "BAT-017"),
          on_request("POST", "entityOperations/merge",
                     lambda req, ctx: problem(404, "ResourceNotFound"))),
    Fault("batch-merge-ignores-null", ("BAT-016",),
          on_request("POST", "entityOperations/merge", _merge_ignores_nulls)),
    Fault("batch-merge-unknown-answers-204", ("BAT-017",),
          on_response("POST", "entityOperations/merge", 207, status(204))),
    Fault("batch-result-names-iris", ("BAT-018",),
          on_response("POST", "entityOperations/update", 207, _batch_result_as_iris,
                      where=_names_parking)),
]

JSONLD_ROWS = [
    Fault("names-stored-as-written", ("LD-001",),
          chain(Hooks(request=_remember_parking_entities),
                on_response("GET", "entities/{id}", 200, _answered_as_written,
                            where=lambda r: not r.query and r.header("Link") is None))),
    Fault("responses-not-compacted", ("LD-002",),
          on_response("GET", "entities/{id}", 200, _not_compacted,
                      where=lambda r: _names_parking(r) and not accepts(LD)(r))),
    Fault("types-compared-as-written", ("LD-003",),
          on_request("GET", "entities", req_header("Link", _link(PARKING)),
                     where=lambda r: r.param("type") == "ParkingGroup" and not r.header("Link"))),
    Fault("json-ld-body-context-ignored", ("LD-004",),
          on_request("POST", "entities", _context_dropped)),
    Fault("core-context-echoed", ("LD-005",),
          on_response("GET", "entities/{id}", 200, _core_context_echoed, where=_names_parking)),
    Fault("unreachable-context-ignored", ("LD-006",),
          on_request("POST", "entities", req_header("Link", None),
                     where=lambda r: "context.invalid" in (r.header("Link") or ""))),
    Fault("vocab-not-expanded", ("LD-007",),
          on_request("POST", "entities", _vocab_as_default_iri, where=_names_parking)),
    Fault("q-names-not-expanded", ("LD-008",),
          on_request("GET", "entities", _q_as_default_iri, where=_names_parking)),
    Fault("update-result-names-iris", ("LD-009",),
          on_response("POST", "entities/{id}/attrs", 207, _update_result_as_iris,
                      where=_names_parking)),
    Fault("default-vocabulary-compared-as-written", ("LD-010",),
          chain(Hooks(request=_remember_full_default_types),
                on_response("GET", "entities", 200, _types_as_written,
                            where=lambda r: bool(r.param("type")) and not r.header("Link")))),
    Fault("unversioned-core-context-refused", ("LD-011",),
          Hooks(request=_unversioned_core_refused)),
]
# fmt: on


# --- subscriptions in full -------------------------------------------------------------------


def _edit_subscription(edit: Any) -> Any:
    """A request rewrite applying EDIT (in place) to a subscription body; None: unchanged."""

    def rewrite(req: Req, ctx: Context) -> Req | None:
        body = req.json()
        if not isinstance(body, dict) or edit(body, ctx) is False:
            return None
        return req.with_json(body)

    return rewrite


def _drop_throttling(body: dict[str, Any], ctx: Context) -> bool:
    return body.pop("throttling", None) is not None


def _interval_as_watch(body: dict[str, Any], ctx: Context) -> bool:
    """Periodic subscriptions taken for change-based ones."""
    if body.pop("timeInterval", None) is None:
        return False
    body["watchedAttributes"] = ["temperature"]
    return True


def _drop_future_expiry(body: dict[str, Any], ctx: Context) -> bool:
    expires = str(body.get("expiresAt", ""))
    try:
        future = datetime.fromisoformat(expires.replace("Z", "+00:00")) > datetime.now(UTC)
    except ValueError:
        return False
    return future and body.pop("expiresAt", None) is not None


def _endpoint(body: dict[str, Any]) -> dict[str, Any]:
    endpoint = (body.get("notification") or {}).get("endpoint")
    return endpoint if isinstance(endpoint, dict) else {}


def _accept_json(body: dict[str, Any], ctx: Context) -> bool:
    endpoint = _endpoint(body)
    if endpoint.get("accept") != LD:
        return False
    endpoint["accept"] = "application/json"
    return True


def _drop_receiver_info(body: dict[str, Any], ctx: Context) -> bool:
    return _endpoint(body).pop("receiverInfo", None) is not None


def _hide_q(body: dict[str, Any], ctx: Context) -> bool:
    """q kept for display only: matching ignores it when watchedAttributes are given."""
    if "q" not in body or "watchedAttributes" not in body:
        return False
    ctx.state.setdefault("q", {})[body.get("id")] = body.pop("q")
    return True


def _show_q(req: Req, resp: Resp, ctx: Context) -> Resp | None:
    body = resp.json()
    hidden = ctx.state.get("q", {})
    if not isinstance(body, dict) or body.get("id") not in hidden:
        return None
    return resp.with_json({**body, "q": hidden[body["id"]]})


def _type_refused(req: Req, ctx: Context) -> Resp | None:
    body = req.json()
    return problem(400, "BadRequestData") if isinstance(body, dict) and "type" in body else None


# fmt: off
SUBSCRIPTION_FULL_ROWS = [
    Fault("throttling-ignored", ("SUB-023",),
          on_request("POST", "subscriptions", _edit_subscription(_drop_throttling))),
    Fault("time-interval-ignored", ("SUB-024",),
          on_request("POST", "subscriptions", _edit_subscription(_interval_as_watch))),
    Fault("expiry-ignored", ("SUB-025",),
          on_request("POST", "subscriptions", _edit_subscription(_drop_future_expiry))),
    Fault("endpoint-accept-ignored", ("SUB-026",),
          on_request("POST", "subscriptions", _edit_subscription(_accept_json))),
    Fault("receiver-info-dropped", ("SUB-027",),
          on_request("POST", "subscriptions", _edit_subscription(_drop_receiver_info))),
    Fault("q-ignored-with-watched-attributes", ("SUB-028",),
          chain(on_request("POST", "subscriptions", _edit_subscription(_hide_q)),
                on_response("GET", "subscriptions/{id}", 200, _show_q))),
    Fault("update-with-type-refused", ("SUB-029",),
          on_request("PATCH", "subscriptions/{id}", _type_refused)),
]
# fmt: on

# a model entity sent with its context is taken for an unknown type: never validated
CONTEXT_MODEL_ROW = Fault(
    "model-with-context-not-validated",
    ("DM-011",),
    on_response("POST", "entities", 400, created, where=_names_parking),
)
