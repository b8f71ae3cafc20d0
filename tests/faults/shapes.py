"""The shape-fault family: the target's answers in shapes the tests did not expect.

Each row reshapes one kind of answer (an array for an object and back, attributes as arrays of
instances or without `type`, numbers as strings, `null`, an empty body, an HTML body, a problem
body that is a JSON string). Whatever a test expected, every requirement must end passed,
failed or blocked — never `error` — and no exception text may reach any output. A row runs a
focused selection: the requirements that read such answers, and every requirement another test
may need (a blocked one is only blocked when its blocker ran and failed).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from faults.proxy import Context, Hooks, Req, Resp
from faults.rewrites import route

# what other tests need (create, read back, provoke errors, delete, model creates, batch 207s)
BLOCKERS = (
    "CORE-001", "CORE-003", "CORE-007", "CORE-008", "CORE-009", "CORE-015", "QRY-004",
    "QRY-010", "ERR-001", "ERR-008", "DM-001", "BAT-002", "BAT-008",
)  # fmt: skip
# requirements reading entities back, by retrieve or query
READERS = (
    "core-entities", "batch", "DM-004", "DM-005", "DM-006", "DM-007", "DM-008", "DM-009",
    "DM-010", "ERR-011", "ERR-012", "ERR-016", "ERR-017", "ERR-019", "QRY-001", "QRY-005",
    "QRY-012", "QRY-013", "DISC-002",
)  # fmt: skip
# requirements judging error answers
ERRORS = (
    "errors-content", "CORE-004", "CORE-005", "CORE-012", "CORE-016", "CORE-021", "QRY-011",
    "QRY-017", "QRY-018", "BAT-009", "BAT-010", "DISC-005", "DISC-009", "SUB-003",
)  # fmt: skip
EVERYTHING = (
    "core-entities", "query-pagination", "errors-content", "data-models", "batch",
    "subscriptions", "discovery", "geo-query", "temporal",
)  # fmt: skip

Edit = Callable[[Resp, Any], Resp]


@dataclass(frozen=True)
class ShapeFault:
    """One reshaping of the target's answers and the requirements (or classes) its run covers."""

    name: str
    hooks: Hooks
    runs: tuple[str, ...]
    passes: tuple[str, ...] = ()  # a shape the standard allows: these must still pass


def _answers(edit: Edit, *, errors: bool = False, routes: tuple[str, ...] = ()) -> Hooks:
    """EDIT every JSON answer (2xx, or with ERRORS 4xx/5xx) on ROUTES (all when empty)."""

    def hook(req: Req, resp: Resp, ctx: Context) -> Resp:
        wanted = resp.status >= 400 if errors else 200 <= resp.status < 300
        if not wanted or (routes and route(req) not in routes) or not resp.body:
            return resp
        body = resp.json()
        return resp if body is None else edit(resp, body)

    return Hooks(response=hook)


_ENTITY = ("entities/{id}", "entities")
_ATTR_TYPES = {"Property", "Relationship", "GeoProperty", "LanguageProperty"}


def _each_entity(change: Callable[[dict[str, Any]], dict[str, Any]]) -> Edit:
    """CHANGE applied to the entity object (or each of an array of them)."""

    def edit(resp: Resp, body: Any) -> Resp:
        if isinstance(body, dict):
            return resp.with_json(change(body))
        if isinstance(body, list):
            return resp.with_json([change(e) if isinstance(e, dict) else e for e in body])
        return resp

    return edit


def _is_attr(value: Any) -> bool:
    return isinstance(value, dict) and value.get("type") in _ATTR_TYPES


def _instances(entity: dict[str, Any]) -> dict[str, Any]:
    return {k: [v] if _is_attr(v) else v for k, v in entity.items()}


def _untyped(entity: dict[str, Any]) -> dict[str, Any]:
    drop = lambda v: {m: x for m, x in v.items() if m != "type"}  # noqa: E731
    return {k: drop(v) if _is_attr(v) else v for k, v in entity.items()}


def _instances_untyped(entity: dict[str, Any]) -> dict[str, Any]:
    """Attributes as arrays of instances that carry no type (as one broker answered)."""
    drop = lambda v: {m: x for m, x in v.items() if m != "type"}  # noqa: E731
    return {k: [drop(v)] if _is_attr(v) else v for k, v in entity.items()}


def _stringly(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        return {k: v if k == "type" else _stringly(v) for k, v in value.items()}
    return value


def _numbers_as_strings(entity: dict[str, Any]) -> dict[str, Any]:
    return {k: v if k in ("id", "type", "@context") else _stringly(v) for k, v in entity.items()}


def _with_context(entity: dict[str, Any]) -> dict[str, Any]:
    return {**entity, "@context": "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"}


def _swap(resp: Resp, body: Any) -> Resp:
    """An object answered as an array of it, an array as an object holding it."""
    return resp.with_json([body] if isinstance(body, dict) else {"results": body})


def _text(media: str, data: bytes) -> Edit:
    def edit(resp: Resp, body: Any) -> Resp:
        return replace(resp.with_header("Content-Type", media), body=data)

    return edit


_INSTANT = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)Z")


def _micro_offset(value: Any) -> Any:
    """Every DateTime '...:00Z' as '...:00.000000+00:00': the same instant (RFC 3339 5.6)."""
    if isinstance(value, str):
        return _INSTANT.sub(r"\1.000000+00:00", value)
    if isinstance(value, list):
        return [_micro_offset(v) for v in value]
    if isinstance(value, dict):
        return {k: _micro_offset(v) for k, v in value.items()}
    return value


def _temporal_forms(req: Req, resp: Resp, ctx: Context) -> Resp:
    """Temporal answers in other forms the standard allows: times with microseconds and +00:00,
    the id in a Location percent-encoded (as CORE-001 accepts it)."""
    if req.parts()[:1] != ["temporal"]:
        return resp
    location = resp.header("Location")
    if location:
        head, _, eid = location.rpartition("/")
        return resp.with_header("Location", f"{head}/{quote(eid, safe='')}")
    if resp.status != 200 or not resp.body:
        return resp
    return resp.with_json(_micro_offset(resp.json()))


def _runs(*groups: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(x for g in (*groups, BLOCKERS) for x in g))


# fmt: off
SHAPE_ROWS = (
    ShapeFault("shape-objects-and-arrays-swapped", _answers(_swap), _runs(EVERYTHING)),
    ShapeFault("shape-entity-as-array", _answers(
        lambda resp, body: resp.with_json([body]) if isinstance(body, dict) else resp,
        routes=("entities/{id}",)), _runs(READERS)),
    ShapeFault("shape-attributes-as-instance-arrays",
               _answers(_each_entity(_instances), routes=_ENTITY), _runs(READERS)),
    ShapeFault("shape-attributes-without-type",
               _answers(_each_entity(_untyped), routes=_ENTITY), _runs(READERS)),
    ShapeFault("shape-untyped-instance-arrays",
               _answers(_each_entity(_instances_untyped), routes=_ENTITY),
               _runs(READERS)),
    ShapeFault("shape-numbers-as-strings",
               _answers(_each_entity(_numbers_as_strings), routes=_ENTITY), _runs(READERS)),
    ShapeFault("shape-null-body",
               _answers(lambda resp, body: resp.with_json(None), routes=_ENTITY), _runs(READERS)),
    ShapeFault("shape-empty-body", _answers(_text("application/json", b""), routes=_ENTITY),
               _runs(READERS)),
    # an @context member is no attribute: nothing that counts attributes may count it
    ShapeFault("shape-context-member", _answers(_each_entity(_with_context), routes=_ENTITY),
               _runs(("CORE-002", "CORE-011", "QRY-005")),
               passes=("CORE-002", "CORE-011", "QRY-005")),
    ShapeFault("shape-temporal-other-forms", Hooks(response=_temporal_forms),
               _runs(("temporal",)),
               passes=("TMP-001", "TMP-002", "TMP-003", "TMP-004", "TMP-005", "TMP-006", "TMP-007",
                       "TMP-008")),
    ShapeFault("shape-html-error-body",
               _answers(_text("text/html", b"<html><body><h1>Error</h1></body></html>"),
                        errors=True), _runs(ERRORS)),
    ShapeFault("shape-problem-as-json-string",
               _answers(lambda resp, body: resp.with_json("Something went wrong"), errors=True),
               _runs(ERRORS)),
)
# fmt: on
