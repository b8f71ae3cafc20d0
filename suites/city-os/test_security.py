"""Security: credentials on every operation, hostile input, leaks, body limits (SEC-001..006).

Credentials are tested only when the system file declares them (else not applicable: the plan
says so); every operation of the bundle's OpenAPI is sent without and with wrong credentials,
naming only ids of the run. The same hostile probes are judged twice: no 5xx (SEC-003) and no
internals in any error body (SEC-004).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from _builders import (
    attr_value,
    create,
    json_object,
    probe_entity,
    probe_type,
    prop,
    subscription,
)

from conform.http import Client, Response, TransportError
from conform.namespace import Namespace

METHODS = ("get", "post", "patch", "put", "delete")
HOSTILE = (
    "'", '"', "\\", "\x00", "' OR '1'='1", "1; DROP TABLE entities--", '{"$gt": ""}',
    "[$ne]=1", "a" * 4000,
)  # fmt: skip
# what server internals look like in a body: stack traces, database errors, source paths
LEAKS = re.compile(
    r"Traceback \(most recent call last\)|\bat [\w$.]+\([\w$]+\.(?:java|kt|scala):\d+\)"
    r"|\bat .+\(.+\.[jt]s:\d+:\d+\)|goroutine \d+ \[|Exception in thread"
    r"|syntax error at or near|unterminated quoted string|SQLSTATE|PSQLException|ORA-\d{5}"
    r"|error in your SQL syntax|SQLITE_ERROR|sqlite3\.\w+Error|SQLException|Mongo\w*Error"
    r"|(?:/usr|/var|/home|/opt|/srv|/app)/[\w./-]+\.(?:py|java|js|ts|go|rb|php)\b"
    r"|\b\w+(?:Error|Exception)\(['\"]|\b[a-z]\w*(?:\.[a-z]\w*)+\.\w*(?:Error|Exception)\b",
    re.IGNORECASE,
)


def _operations(bundle: Any) -> list[tuple[str, str]]:
    """(METHOD, path template) of every operation of the bundle's OpenAPI."""
    doc = yaml.safe_load(bundle.openapi_path.read_text(encoding="utf-8"))
    return [
        (method.upper(), path)
        for path, item in (doc.get("paths") or {}).items()
        for method in METHODS
        if method in (item or {})
    ]


@dataclass(frozen=True)
class _Targets:
    """What the refused requests name: an existing entity, and ids nothing may create."""

    kind: str
    kept: str  # exists (temperature 1.0): every {entityId} path and batch names it
    fresh: str  # a new entity id every creating body names
    sid: str  # a new subscription id


def _request(t: _Targets, method: str, template: str) -> tuple[str, dict[str, Any]]:
    """The path and keyword arguments of OPERATION: a write would change `kept` (temperature
    2.0, or deleted) or create `fresh` / `sid`, which the caller checks afterwards."""
    values = {"entityId": t.kept, "subscriptionId": t.sid, "attrId": "temperature", "type": t.kind}
    path = re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x"), template)
    kw: dict[str, Any] = {}
    if method == "GET" and path.rstrip("/").endswith("/entities"):
        kw["params"] = {"type": t.kind}
    if method in ("POST", "PATCH", "PUT"):
        fresh = probe_entity(t.fresh, t.kind, temperature=prop(2.0))
        if path.endswith("/entityOperations/delete"):
            kw["json"] = [t.kept]
        elif path.endswith("/entityOperations/query"):
            kw["json"] = {"type": "Query", "entities": [{"type": t.kind}]}
        elif "/entityOperations/" in path:
            kw["json"] = [probe_entity(t.kept, t.kind, temperature=prop(2.0)), fresh]
        elif path.startswith("/subscriptions"):
            kw["json"] = subscription(t.sid, t.kind, "http://127.0.0.1:9/")
        elif path.endswith("/attrs/temperature"):
            kw["json"] = prop(2.0)
        elif "/attrs" in path:
            kw["json"] = {"temperature": prop(2.0)}
        elif t.kept in path:  # merge or replace of the entity
            kw["json"] = probe_entity(t.kept, t.kind, temperature=prop(2.0))
        else:
            kw["json"] = fresh
    return path, kw


_SENT = {"none": "sent without credentials", "wrong": "sent with wrong credentials"}


def _refused_everywhere(client: Client, ns: Namespace, bundle: Any, credentials: str) -> None:
    kind = probe_type(ns, "Sec")
    t = _Targets(kind, ns.entity_id(kind), ns.entity_id(kind), ns.subscription_id())
    create(client, probe_entity(t.kept, kind, temperature=prop(1.0)))
    operations = _operations(bundle)
    answers: dict[int, Response] = {}

    def send(n: int) -> None:
        method, template = operations[n]
        path, kw = _request(t, method, template)
        answers[n] = client.request(method, path, credentials=credentials, **kw)  # type: ignore[arg-type]

    client.each(send, range(len(operations)))  # independent requests: their round trips overlap
    accepted = [
        f"{method} {template}: {answers[n].status_code} [{answers[n].exchange_id}]"
        for n, (method, template) in enumerate(operations)
        if answers[n].status_code not in (401, 403)
    ]
    assert not accepted, (
        f"expected 401 or 403 for every operation {_SENT[credentials]}, got "
        f"{len(accepted)} answered otherwise: {'; '.join(accepted[:3])}"
    )
    _expect_unchanged(client, t)


def _expect_unchanged(client: Client, t: _Targets) -> None:
    """The refused requests changed nothing: `kept` as created, `fresh` and `sid` absent."""
    r = client.get(f"/entities/{t.kept}")
    got = attr_value(json_object(r).get("temperature")) if r.status_code == 200 else None
    seen = f"temperature {got!r}" if r.status_code == 200 else str(r.status_code)
    assert got == 1.0, (
        f"expected {t.kept} unchanged by the refused requests, got {seen} [{r.exchange_id}]"
    )
    r = client.get(f"/entities/{t.fresh}")
    assert r.status_code == 404, _created(r, t.fresh)  # a missing entity is 404 (5.7.1)
    r = client.get(f"/subscriptions/{t.sid}")
    assert r.status_code // 100 != 2, _created(r, t.sid)  # an optional API: anything but 2xx


def _created(r: Response, what: str) -> str:
    return (
        f"expected nothing created by the refused requests, got {r.status_code} for {what} "
        f"[{r.exchange_id}]"
    )


@pytest.mark.req("SEC-001")
def test_requests_without_credentials_are_refused(client, ns, bundle):
    _refused_everywhere(client, ns, bundle, "none")


@pytest.mark.req("SEC-002")
def test_requests_with_wrong_credentials_are_refused(client, ns, bundle):
    _refused_everywhere(client, ns, bundle, "wrong")


Answer = tuple[str, Response | str]  # what was sent, and the response or the transport error


@pytest.fixture
def hostile(client: Client, ns: Namespace) -> list[Answer]:
    """Every hostile value in type, q, idPattern, attrs, id and an entity path (reads only)."""
    kind = probe_type(ns)
    cases: list[tuple[str, str, dict[str, str]]] = []
    for value in HOSTILE:
        cases += [
            ("type", "/entities", {"type": value}),
            ("q", "/entities", {"type": kind, "q": value}),
            ("q value", "/entities", {"type": kind, "q": f"temperature=={value}"}),
            ("idPattern", "/entities", {"type": kind, "idPattern": value}),
            ("attrs", "/entities", {"type": kind, "attrs": value}),
            ("id", "/entities", {"id": value}),
            ("entity path", "/entities/" + _path_segment(value), {}),
        ]
    answers: dict[int, Answer] = {}

    def send(n: int) -> None:
        where, path, params = cases[n]
        sent = f"GET {path[:40]} with {where} {params.get(where, where)[:20]!r}"
        try:
            answers[n] = (sent, client.get(path, params=params or None))
        except TransportError as exc:
            answers[n] = (sent, str(exc))

    client.each(send, range(len(cases)))  # independent reads: their round trips overlap
    return [answers[n] for n in range(len(cases))]


def _path_segment(value: str) -> str:
    return "".join(c if c.isalnum() else f"%{ord(c):02X}" for c in value)


@pytest.mark.req("SEC-003")
@pytest.mark.read_only
def test_hostile_input_is_never_a_server_error(hostile):
    bad = [
        f"{sent}: {r if isinstance(r, str) else f'{r.status_code} [{r.exchange_id}]'}"
        for sent, r in hostile
        if isinstance(r, str) or r.status_code >= 500
    ]
    assert not bad, (
        f"expected a 4xx or an ordinary answer to each hostile probe, got {len(bad)} "
        f"server errors or no answer: {'; '.join(bad[:3])}"
    )


@pytest.mark.req("SEC-003")
def test_hostile_entity_type_on_create_is_no_server_error(client, ns):
    for value in ("Probe'Quote", 'Probe"Quote', "Probe\\Slash", "Probe'); DROP TABLE x;--"):
        r = client.post("/entities", json={"id": ns.entity_id("Sec"), "type": value})
        assert r.status_code < 500, (
            f"expected 201 or a 4xx creating an entity of type {value!r}, got {r.status_code} "
            f"[{r.exchange_id}]"
        )


@pytest.mark.req("SEC-004")
@pytest.mark.read_only
def test_error_bodies_leak_no_internals(hostile):
    leaks = [
        f"{sent}: {m.group(0)[:60]!r} [{r.exchange_id}]"
        for sent, r in hostile
        if not isinstance(r, str) and r.status_code >= 400
        for m in [LEAKS.search(r.text)]
        if m
    ]
    assert not leaks, (
        f"expected error bodies without server internals, got {len(leaks)} leaking: "
        f"{'; '.join(leaks[:3])}"
    )


def _refused(r: Response, what: str) -> None:
    assert r.status_code in (400, 413), (
        f"expected 413 or 400 for {what}, got {r.status_code} [{r.exchange_id}]"
    )


@pytest.mark.req("SEC-005")
def test_an_oversized_body_is_refused(client, ns, bundle):
    limit = int((bundle.manifest.get("defaults") or {}).get("max_request_body", 1 << 20))
    size = min(limit + (1 << 20), 4 << 20)  # do no harm: never more than 4 MiB
    body = probe_entity(ns.entity_id(probe_type(ns)), probe_type(ns), blob="x" * size)
    try:
        r = client.post("/entities", json=body)
    except TransportError as exc:
        raise AssertionError(f"expected 413 or 400 for a {size}-byte body, got {exc}") from None
    _refused(r, f"a {size}-byte body")


@pytest.mark.req("SEC-006")
def test_a_deeply_nested_body_is_refused(client, ns):
    depth = 10_000
    eid, kind = ns.entity_id(probe_type(ns)), probe_type(ns)
    data = (
        f'{{"id": "{eid}", "type": "{kind}", "deep": {{"type": "Property", "value": '
        + "[" * depth + "]" * depth + "}}"
    )  # fmt: skip
    try:
        r = client.post("/entities", data=data, headers={"Content-Type": "application/json"})
    except TransportError as exc:
        raise AssertionError(
            f"expected 400 or 413 for a body nested {depth} deep, got {exc}"
        ) from None
    _refused(r, f"a body nested {depth} deep")
