"""Fault rows for the tenancy and security classes of city-os 1.1 (issue 14).

Each reproduces a defect a regional platform can have: a broker that lets one municipality see
or change another's data, takes requests without credentials, or answers a quote in `type`
with a 500 that shows its SQL.
"""

from __future__ import annotations

import json

from faults.proxy import Context, Hooks, Req, Resp
from faults.rewrites import OPTIONAL, Fault, on_request, on_response, route

TENANT = "NGSILD-Tenant"
A, B = "conform-a", "conform-b"
TENANTS = f"tenants: [{A}, {B}]\n"
TOKEN = "conform-fault-token"
AUTH = "auth: {kind: bearer, token_file: token}\n"
GOOD = f"Bearer {TOKEN}"
SQL_ERROR = (
    'ERROR: syntax error at or near "Quote" at character 52\n'
    "STATEMENT: SELECT * FROM entities WHERE type = 'Probe'Quote'"
)


def _tenancy(name: str, expected: str, hooks: Hooks, also: tuple[str, ...] = ()) -> Fault:
    return Fault(name, (expected,), hooks, also, (*OPTIONAL, "tenancy"), system=TENANTS)


def _in_tenant(tenant: str | None):
    return lambda req: req.header(TENANT) == tenant


def _as(tenant: str):
    return lambda req, ctx: req.with_header(TENANT, tenant)


def _leaky_read(req: Req, resp: Resp, ctx: Context) -> Resp | None:
    """The defect: an entity another tenant holds is found when the asked tenant has none."""
    if (resp.json() or {}).get("type", "").endswith("/ResourceNotFound"):
        for tenant in (A, B):
            found = ctx.forward(req.with_header(TENANT, tenant))
            if found.status == 200:
                return found
    return None


def _unknown_tenant_is_empty(req: Req, resp: Resp, ctx: Context) -> Resp | None:
    if (resp.json() or {}).get("type", "").endswith("/NonexistentTenant"):
        return Resp(200, (("Content-Type", "application/json"),), b"[]")
    return None


def _without_tenant(req: Req, ctx: Context) -> Req:
    return req.with_header(TENANT, None)


TENANCY_ROWS = (
    _tenancy("tenant_reads_leak", "TEN-001",
             on_response("GET", "entities/{id}", 404, _leaky_read)),
    _tenancy("tenant_writes_cross", "TEN-002", Hooks(request=lambda req, ctx: (
        req.with_header(TENANT, A)
        if req.header(TENANT) == B and req.method in ("PATCH", "DELETE")
        and route(req).startswith("entities/{id}") else req))),
    _tenancy("tenant_writes_refused", "TEN-003", on_request(
        "POST", "entities",
        lambda req, ctx: Resp(400, (("Content-Type", "application/json"),), json.dumps({
            "type": "https://uri.etsi.org/ngsi-ld/errors/BadRequestData",
            "title": "tenants are not supported"}).encode()),
        lambda req: req.header(TENANT) is not None)),
    _tenancy("unknown_tenant_is_empty", "TEN-004",
             on_response("GET", "entities", 404, _unknown_tenant_is_empty)),
    _tenancy("tenant_subscriptions_leak", "TEN-005",
             on_response("GET", "subscriptions/{id}", 404, lambda req, resp, ctx: (
                 ctx.forward(req.with_header(TENANT, A)) if req.header(TENANT) == B else None))),
    _tenancy("notification_without_tenant", "TEN-006", Hooks(notify=_without_tenant)),
    _tenancy("batch_delete_crosses_tenants", "TEN-007",
             on_request("POST", "entityOperations/delete", _as(A), _in_tenant(B))),
)  # fmt: skip


def _auth(name: str, expected: str, hooks: Hooks) -> Fault:
    return Fault(name, (expected,), hooks, system=AUTH, token=TOKEN)


def _wrong(value: str | None) -> bool:
    return value is not None and value != GOOD


def _write_then_refuse(req: Req, ctx: Context) -> Req | Resp:
    """An anonymous write is carried out with the service's token, then answered 401."""
    if req.header("Authorization") is not None or req.method in ("GET", "HEAD"):
        return req
    ctx.forward(req.with_header("Authorization", GOOD))
    return Resp(401, (("Content-Type", "application/json"),), b'{"title": "unauthorized"}')


SECURITY_ROWS = (
    # a gateway that lets an anonymous request through as its own service account
    _auth("anonymous_requests_accepted", "SEC-001", Hooks(request=lambda req, ctx: (
        req.with_header("Authorization", GOOD) if req.header("Authorization") is None
        else req))),
    # a gateway that checks credentials after the backend wrote: the refusal changes the data
    _auth("refused_after_writing", "SEC-001", Hooks(request=_write_then_refuse)),
    # a token check that only looks at the scheme
    _auth("any_bearer_token_accepted", "SEC-002", Hooks(request=lambda req, ctx: (
        req.with_header("Authorization", GOOD)
        if _wrong(req.header("Authorization")) else req))),
    # the broker: a quote in `type` reaches the SQL text; its 500 says so
    Fault("sql_error_in_500", ("SEC-003", "SEC-004"), on_request(
        "GET", "entities",
        lambda req, ctx: Resp(500, (("Content-Type", "text/plain"),), SQL_ERROR.encode()),
        lambda req: "'" in (req.param("type") or ""))),
    # the same broker after hiding its 500s: the refusal still quotes the database
    Fault("sql_error_in_400", ("SEC-004",), on_request(
        "GET", "entities",
        lambda req, ctx: Resp(400, (("Content-Type", "application/json"),), json.dumps({
            "type": "https://uri.etsi.org/ngsi-ld/errors/BadRequestData",
            "title": "Bad request data", "detail": SQL_ERROR}).encode()),
        lambda req: "'" in (req.param("type") or ""))),
    # no size limit: the body is taken whatever its size
    Fault("oversized_body_taken", ("SEC-005",), on_request(
        "POST", "entities",
        lambda req, ctx: req.with_json({k: v for k, v in req.json().items() if k != "blob"}),
        lambda req: len(req.body) > 1 << 20)),
    # a recursive parser that falls over on deep nesting
    Fault("deep_body_crashes", ("SEC-006",), on_request(
        "POST", "entities",
        lambda req, ctx: Resp(500, (("Content-Type", "application/json"),), b"{}"),
        lambda req: b"[[[[[[[[[[" in req.body)),
)  # fmt: skip
