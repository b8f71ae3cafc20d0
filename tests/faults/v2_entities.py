"""NGSI v2 fault rows for the mandatory classes: entities, attributes, queries, errors.

Each row breaks the one behaviour its requirement states, narrowly enough (a parameter, an
operator, an answer of one kind) that the requirement's test alone meets it. The errors rows
ERR-021..023 are judged by the property-based phase: their faults sit on an operation only the
phase calls (`GET /v2/types/{type}` with a type no suite test names).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from faults.proxy import Context, Hooks, Req, Resp
from faults.rewrites import Fault, on_request, on_response, route
from faults.v2 import JSON, _key_values, _option, _param, _row, v2_error

_SERVICE_HEADERS = ("fiware-service", "fiware-servicepath")


def lookup(req: Req, path: str, **params: str) -> Req:
    """A GET of PATH (below the API root) in REQ's service and service path."""
    headers = tuple((k, v) for k, v in req.headers if k.lower() in _SERVICE_HEADERS)
    return Req("GET", req.root + path, tuple(params.items()), headers, root=req.root)


def _entity_path(req: Req) -> str:
    return "/entities/" + req.parts()[1]


def _no_params(req: Req) -> bool:
    return not req.query


def _id_ends(suffix: str) -> Any:
    """WHERE: the entity id in the path ends in SUFFIX (ids are `<local>-<Type>`)."""
    return lambda req: req.parts()[1].endswith(suffix)


def _q(pattern: str) -> Any:
    """WHERE: the `q` parameter matches PATTERN."""
    return _param("q", lambda v: re.search(pattern, v) is not None)


def _q_sub(pattern: str, new: str) -> Any:
    """A request rewrite: the `q` parameter with PATTERN replaced by NEW."""
    return lambda req, ctx: req.with_param("q", re.sub(pattern, new, req.param("q") or ""))


def _edit_json(edit: Any) -> Any:
    """A response change: the JSON body passed through EDIT (None: left alone)."""

    def change(req: Req, resp: Resp, ctx: Context) -> Resp | None:
        body = resp.json()
        edited = edit(body) if body is not None else None
        return None if edited is None else resp.with_json(edited)

    return change


def _attrs(entity: Any) -> dict[str, Any]:
    """The normalized attributes of ENTITY (id and type left out)."""
    if not isinstance(entity, dict):
        return {}
    return {k: v for k, v in entity.items() if k not in ("id", "type") and isinstance(v, dict)}


# --- entities ----------------------------------------------------------------------------------


def _structured_as_text(body: Any) -> Any:
    """A StructuredValue `info` served as its JSON text (with type Text)."""
    info = _attrs(body).get("info")
    if not info or info.get("type") != "StructuredValue":
        return None
    return {**body, "info": {**info, "type": "Text", "value": json.dumps(info.get("value"))}}


def _lists_typed_array(req: Req, ctx: Context) -> Req | None:
    """Untyped list values stored with type Array (instead of StructuredValue)."""
    body = req.json()
    if _key_values(req) or not str(body.get("type", "")).startswith("Conform"):
        return None
    changed = {
        k: {**v, "type": "Array"} if "type" not in v and isinstance(v.get("value"), list) else v
        for k, v in _attrs(body).items()
    }
    return req.with_json({**body, **changed})


def _objects_dropped_on_create(req: Req, ctx: Context) -> Req | None:
    """keyValues creates silently drop object values (scalars only)."""
    body = req.json()
    if not isinstance(body, dict) or not str(body.get("type", "")).startswith("Conform"):
        return None
    return req.with_json({k: v for k, v in body.items() if not isinstance(v, dict)})


def _key_values_with_metadata(req: Req, resp: Resp, ctx: Context) -> Resp | None:
    """keyValues keeps the value and metadata of attributes that carry metadata."""
    full = ctx.forward(req.with_param("options", None)).json()
    extra = {
        k: {"value": v.get("value"), "metadata": v["metadata"]}
        for k, v in _attrs(full).items()
        if v.get("metadata")
    }
    body = resp.json()
    return resp.with_json({**body, **extra}) if extra and isinstance(body, dict) else None


def _existing(req: Req, ctx: Context) -> set[str]:
    """The attribute names of the entity REQ's path names (empty when it is unknown)."""
    resp = ctx.forward(lookup(req, _entity_path(req), options="keyValues"))
    body = resp.json() if resp.status == 200 else None
    return set(body) - {"id", "type"} if isinstance(body, dict) else set()


def _new_attributes_dropped(req: Req, ctx: Context) -> Req | None:
    """Update-or-append updates existing attributes only (new ones are silently dropped)."""
    body, known = req.json(), _existing(req, ctx)
    if not isinstance(body, dict) or set(body) <= known:
        return None
    return req.with_json({k: v for k, v in body.items() if k in known})


def _update_ignored(req: Req, ctx: Context) -> Req | Resp | None:
    """A PATCH of existing attributes acknowledged without being applied."""
    body = req.json()
    if isinstance(body, dict) and body and set(body) <= _existing(req, ctx):
        return Resp(204)
    return None


def _stale_after_delete(req: Req, ctx: Context) -> Req | Resp:
    """The entity is read before a delete (a cache that is never invalidated)."""
    parts = req.parts()
    if req.method == "DELETE" and len(parts) == 2 and parts[0] == "entities" and not req.query:
        resp = ctx.forward(lookup(req, _entity_path(req)))
        if resp.status == 200:
            ctx.state.setdefault("deleted", {})[parts[1]] = resp
    return req


def _stale_served(req: Req, resp: Resp, ctx: Context) -> Resp:
    """A deleted entity still served from the cache."""
    cached = ctx.state.get("deleted", {})
    hit = req.method == "GET" and len(req.parts()) == 2 and req.parts()[0] == "entities"
    if hit and resp.status == 404 and not req.query and req.parts()[1] in cached:
        return cached[req.parts()[1]]
    return resp


def _first_of_ambiguous(req: Req, resp: Resp, ctx: Context) -> Resp | None:
    """An ambiguous id answered with the first entity found instead of 409."""
    found = ctx.forward(lookup(req, "/entities", id=req.parts()[1], limit="1")).json()
    return resp.with_json(found[0], 200) if isinstance(found, list) and found else None


def _metadata_untyped(body: Any) -> Any:
    """Metadata served without their types."""
    attrs = _attrs(body)
    if not any(isinstance(a.get("metadata"), dict) and a["metadata"] for a in attrs.values()):
        return None
    for attr in attrs.values():
        metadata = attr.get("metadata")
        if isinstance(metadata, dict):
            for value in metadata.values():
                if isinstance(value, dict):
                    value.pop("type", None)
    return body


def _text_stored_as_string(req: Req, ctx: Context) -> Req | None:
    """A text/plain value stored as a string whatever it is (true, 42 become text)."""
    if not (req.header("Content-Type") or "").startswith("text/plain"):
        return None
    text = req.body.decode()
    return None if text.startswith('"') else replace(req, body=json.dumps(text).encode())


def _is_json(req: Req) -> bool:
    return (req.header("Content-Type") or "").startswith("application/json")


ENTITY_ROWS: tuple[Fault, ...] = (
    _row(
        "v2-structured-value-as-text",
        "CORE-002",
        on_response("GET", "entities/{id}", 200, _edit_json(_structured_as_text), _no_params),
    ),
    _row("v2-list-typed-array", "CORE-005", on_request("POST", "entities", _lists_typed_array)),
    _row(
        "v2-key-values-objects-dropped",
        "CORE-006",
        on_request("POST", "entities", _objects_dropped_on_create, _option("keyValues")),
    ),
    _row(
        "v2-unknown-entity-misnamed",
        "CORE-007",
        on_response(
            "GET",
            "entities/{id}",
            404,
            lambda req, resp, ctx: v2_error(404, "EntityNotFound"),
            _id_ends("-Nothing"),
        ),
    ),
    _row(
        "v2-key-values-keeps-metadata",
        "CORE-008",
        on_response(
            "GET",
            "entities/{id}",
            200,
            _key_values_with_metadata,
            _param("options", lambda v: v == "keyValues"),
        ),
    ),
    _row(
        "v2-update-or-append-drops-new",
        "CORE-013",
        on_request("POST", "entities/{id}/attrs", _new_attributes_dropped, _no_params),
    ),
    _row(
        "v2-attribute-update-ignored",
        "CORE-015",
        on_request("PATCH", "entities/{id}/attrs", _update_ignored),
    ),
    _row(
        "v2-deleted-entity-still-served",
        "CORE-018",
        Hooks(request=_stale_after_delete, response=_stale_served),
    ),
    _row(
        "v2-attribute-without-metadata",
        "CORE-019",
        on_response(
            "GET",
            "entities/{id}/attrs/{attr}",
            200,
            _edit_json(lambda b: {k: v for k, v in b.items() if k != "metadata"}),
        ),
    ),
    _row(
        "v2-unknown-attribute-null",
        "CORE-020",
        on_response(
            "GET",
            "entities/{id}/attrs/{attr}",
            404,
            lambda req, resp, ctx: resp.with_json({"value": None, "type": "None"}, 200),
        ),
    ),
    _row(
        "v2-attribute-put-ignored",
        "CORE-021",
        on_request("PUT", "entities/{id}/attrs/{attr}", lambda req, ctx: Resp(204)),
    ),
    _row(
        "v2-json-value-as-text",
        "CORE-024",
        Hooks(
            response=lambda req, resp, ctx: (
                resp.with_header("Content-Type", "text/plain")
                if req.method == "GET"
                and req.parts()[-1:] == ["value"]
                and resp.status == 200
                and (req.header("Accept") or "").startswith("application/json")
                else resp
            )
        ),
    ),
    _row(
        "v2-text-value-stored-as-string",
        "CORE-026",
        Hooks(
            request=lambda req, ctx: (
                (_text_stored_as_string(req, ctx) or req)
                if req.method == "PUT" and req.parts()[-1:] == ["value"]
                else req
            )
        ),
    ),
    _row(
        "v2-json-value-put-ignored",
        "CORE-027",
        Hooks(
            request=lambda req, ctx: (
                Resp(204)
                if req.method == "PUT" and req.parts()[-1:] == ["value"] and _is_json(req)
                else req
            )
        ),
    ),
    _row(
        "v2-ambiguous-id-first-served",
        "CORE-028",
        on_response("GET", "entities/{id}", 409, _first_of_ambiguous, _no_params),
    ),
    _row(
        "v2-metadata-types-lost",
        "CORE-030",
        on_response("GET", "entities/{id}", 200, _edit_json(_metadata_untyped), _no_params),
    ),
)


# --- queries -----------------------------------------------------------------------------------


def _only(*names: str) -> Any:
    """WHERE: the request's query parameters are exactly NAMES."""
    return lambda req: sorted(k for k, _ in req.query) == sorted(names)


def _type_leaks_last(req: Req, resp: Resp, ctx: Context) -> Resp:
    """A type-filtered list right after a create of another type lists that entity too (an
    index updated late)."""
    last, ctx.state["last"] = ctx.state.get("last"), None
    if req.method == "POST" and route(req) == "entities" and resp.status == 201:
        ctx.state["last"] = (req.json() or {}).get("type")
    listed = req.method == "GET" and route(req) == "entities" and resp.status == 200
    if not (listed and _only("type", "limit")(req)) or last in (None, req.param("type")):
        return resp
    leaked = ctx.forward(lookup(req, "/entities", type=str(last), limit="1")).json()
    return resp.with_json([*resp.json(), *leaked])


def _sorted_by_id(body: Any) -> Any:
    return sorted(body, key=lambda e: str(e.get("id"))) if isinstance(body, list) else None


def _objects_dropped(body: Any) -> Any:
    if not isinstance(body, list):
        return None
    return [{k: v for k, v in e.items() if not isinstance(v, dict)} for e in body]


def _rows_reversed(body: Any) -> Any:
    if not isinstance(body, list):
        return None
    return [row[::-1] if isinstance(row, list) else row for row in body]


def _georel(old: str, new: str) -> Any:
    return on_request(
        "GET",
        "entities",
        lambda req, ctx: req.with_param("georel", new),
        _param("georel", lambda v: v == old),
    )


QUERY_ROWS: tuple[Fault, ...] = (
    _row(
        "v2-type-filter-leaks",
        "QRY-001",
        Hooks(response=_type_leaks_last),
    ),
    _row(
        "v2-q-equality-negated",
        "QRY-006",
        on_request("GET", "entities", _q_sub("==", "!="), _q(r"^\w+==[^.,]+$")),
    ),
    _row(
        "v2-q-inequality-as-equality",
        "QRY-007",
        on_request("GET", "entities", _q_sub("!=", "=="), _q("!=")),
    ),
    _row(
        "v2-q-greater-inclusive",
        "QRY-008",
        on_request("GET", "entities", _q_sub(">", ">="), _q(r"^\w+>\d+$")),
    ),
    _row(
        "v2-q-range-lower-only",
        "QRY-009",
        on_request("GET", "entities", _q_sub(r"\.\.\d+", ""), _q(r"\.\.")),
    ),
    _row(
        "v2-q-list-first-only",
        "QRY-010",
        on_request("GET", "entities", _q_sub(r",.*", ""), _q(r"^\w+==\d+,")),
    ),
    _row(
        "v2-q-negation-ignored",
        "QRY-011",
        on_request("GET", "entities", _q_sub(r"^!", ""), _q(r"^!\w+$")),
    ),
    _row(
        "v2-q-pattern-as-equality",
        "QRY-012",
        on_request("GET", "entities", _q_sub("~=", "=="), _q("~=")),
    ),
    _row(
        "v2-q-conjunction-first-only",
        "QRY-013",
        on_request("GET", "entities", _q_sub(";.*", ""), _q(";")),
    ),
    _row(
        "v2-q-compound-path-ignored",
        "QRY-014",
        on_request("GET", "entities", _q_sub(r"^(\w+)\.\w+", r"\1"), _q(r"^\w+\.\w+==")),
    ),
    _row(
        "v2-near-max-distance-ignored",
        "QRY-021",
        on_request(
            "GET",
            "entities",
            lambda req, ctx: req.with_param("georel", "near;maxDistance:1000000"),
            lambda req: (
                (req.param("georel") or "").startswith("near;maxDistance")
                and req.param("orderBy") is None
                and req.param("geometry") is not None
            ),
        ),
    ),
    _row("v2-covered-by-as-disjoint", "QRY-022", _georel("coveredBy", "disjoint")),
    _row("v2-covered-by-as-intersects", "QRY-022", _georel("coveredBy", "intersects")),
    _row("v2-disjoint-as-intersects", "QRY-023", _georel("disjoint", "intersects")),
    _row("v2-intersects-as-covered-by", "QRY-023", _georel("intersects", "coveredBy")),
    _row(
        "v2-default-page-of-10",
        "QRY-026",
        on_request(
            "GET", "entities", lambda req, ctx: req.with_param("limit", "10"), _only("type")
        ),
    ),
    _row(
        "v2-offset-beyond-wraps",
        "QRY-031",
        on_response(
            "GET",
            "entities",
            200,
            lambda req, resp, ctx: (
                ctx.forward(req.with_param("offset", None)) if resp.json() == [] else None
            ),
            _param("offset"),
        ),
    ),
    _row(
        "v2-default-order-by-id",
        "QRY-032",
        on_response("GET", "entities", 200, _edit_json(_sorted_by_id), _only("type", "limit")),
    ),
    _row(
        "v2-list-key-values-drops-objects",
        "QRY-033",
        on_response(
            "GET",
            "entities",
            200,
            _edit_json(_objects_dropped),
            lambda req: _key_values(req) and req.param("id") is not None,
        ),
    ),
    _row(
        "v2-list-values-reversed",
        "QRY-034",
        on_response("GET", "entities", 200, _edit_json(_rows_reversed), _option("values")),
    ),
)


# --- errors ------------------------------------------------------------------------------------


def _phase_type(req: Req) -> bool:
    """A type the property-based phase made up (every suite test's types start `Conform`)."""
    return not req.parts()[1].startswith("Conform")


ERROR_ROWS: tuple[Fault, ...] = (
    _row(
        "v2-error-description-object",
        "ERR-001",
        on_response(
            "GET",
            "entities/{id}",
            404,
            lambda req, resp, ctx: resp.with_json(
                {"error": "NotFound", "description": {"id": req.parts()[1]}}
            ),
            _id_ends("-None"),
        ),
    ),
    # also ERR-022: the OpenAPI documents no 5xx, so a 500 is an undocumented status too
    _row(
        "v2-unknown-type-500",
        "ERR-021",
        on_response(
            "GET",
            "types/{type}",
            404,
            lambda req, resp, ctx: v2_error(500, "InternalServerError"),
            _phase_type,
        ),
        "ERR-022",
    ),
    _row(
        "v2-unknown-type-409",
        "ERR-022",
        on_response(
            "GET",
            "types/{type}",
            404,
            lambda req, resp, ctx: v2_error(409, "Conflict"),
            _phase_type,
        ),
    ),
    _row(
        "v2-unknown-type-error-not-string",
        "ERR-023",
        on_response(
            "GET",
            "types/{type}",
            404,
            lambda req, resp, ctx: Resp(404, JSON, json.dumps({"error": 404}).encode()),
            _phase_type,
        ),
    ),
)
