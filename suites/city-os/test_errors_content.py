"""Errors and content negotiation: problem details, media types, @context rules, 405/406/411/415.

ERR-021..024 (no 5xx, documented codes, schema conformance) are verified by the property-based
phase, not here.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from _builders import create, link_rels, probe_entity, probe_type

from conform.http import Client, Response
from conform.namespace import Namespace
from conform.profiles.ngsi_ld import ERROR_TYPE_PREFIX
from conform.suite import expect_media_type, expect_problem, expect_status

CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"
CORE_CONTEXT = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"
CONTEXT_LINK = f'<{CORE_CONTEXT}>; rel="{CONTEXT_REL}"; type="application/ld+json"'
LD = "application/ld+json"


def _entity(ns: Namespace) -> dict[str, object]:
    """A new probe entity of the run (not yet created)."""
    return probe_entity(ns.entity_id(probe_type(ns)), probe_type(ns), temperature=21.5)


def _created(client: Client, ns: Namespace) -> str:
    """The id of a probe entity created for this test."""
    return str(create(client, _entity(ns))["id"])


# --- ERR-001..004: every NGSI-LD error is a problem-details body --------------------------

# Each case provokes one NGSI-LD error: (expected status, error name, request).
ErrorCase = Callable[[Client, Namespace], Response]


def _unknown_entity(client: Client, ns: Namespace) -> Response:
    return client.get(f"/entities/{ns.entity_id(probe_type(ns))}")


def _query_without_filter(client: Client, ns: Namespace) -> Response:
    return client.get("/entities")


def _duplicate_entity(client: Client, ns: Namespace) -> Response:
    entity = create(client, _entity(ns))
    return client.post("/entities", json=entity)


def _body_not_json(client: Client, ns: Namespace) -> Response:
    body = f'{{"id": "{ns.entity_id(probe_type(ns))}", "type": '
    return client.post("/entities", data=body, headers={"Content-Type": "application/json"})


_READ = pytest.mark.read_only
ERROR_CASES = [
    pytest.param(404, "ResourceNotFound", _unknown_entity, marks=_READ, id="404"),
    pytest.param(400, "BadRequestData", _query_without_filter, marks=_READ, id="400-data"),
    pytest.param(409, "AlreadyExists", _duplicate_entity, id="409"),
    pytest.param(400, "InvalidRequest", _body_not_json, id="400-invalid"),
]


def _error_body(resp: Response, status: int) -> dict[str, object]:
    """The JSON object body of an error response of STATUS."""
    expect_status(resp, status)
    body = resp.json()
    assert isinstance(body, dict), f"expected a problem details object, got {resp.text[:120]!r}"
    return body


@pytest.mark.req("ERR-001")
@pytest.mark.parametrize(("status", "name", "provoke"), ERROR_CASES)
def test_error_is_problem_details_json(client, ns, status, name, provoke):
    r = provoke(client, ns)
    body = _error_body(r, status)
    expect_media_type(r, "application/json")
    assert isinstance(body.get("type"), str), (
        f"expected a string member type, got {body.get('type')!r} [{r.exchange_id}]"
    )


@pytest.mark.req("ERR-002")
@pytest.mark.parametrize(("status", "name", "provoke"), ERROR_CASES)
def test_error_type_is_ngsi_ld_uri(client, ns, status, name, provoke):
    r = provoke(client, ns)
    body = _error_body(r, status)
    assert body.get("type") == ERROR_TYPE_PREFIX + name, (
        f"expected type {ERROR_TYPE_PREFIX + name}, got {body.get('type')!r} [{r.exchange_id}]"
    )


@pytest.mark.req("ERR-003")
@pytest.mark.parametrize(("status", "name", "provoke"), ERROR_CASES)
def test_error_has_title(client, ns, status, name, provoke):
    r = provoke(client, ns)
    title = _error_body(r, status).get("title")
    assert isinstance(title, str) and title.strip(), (
        f"expected a non-empty title, got {title!r} [{r.exchange_id}]"
    )


@pytest.mark.req("ERR-004")
@pytest.mark.parametrize(("status", "name", "provoke"), ERROR_CASES)
def test_error_status_member_matches(client, ns, status, name, provoke):
    r = provoke(client, ns)
    body = _error_body(r, status)
    if "status" in body:  # optional member: only its value is constrained
        assert body["status"] == status, (
            f"expected status member {status}, got {body['status']!r} [{r.exchange_id}]"
        )


# --- ERR-005..010: negotiation and malformed requests --------------------------------------


@pytest.mark.req("ERR-005")
def test_unacceptable_accept_is_406(client, ns):
    eid = _created(client, ns)
    expect_status(client.get(f"/entities/{eid}", headers={"Accept": "text/csv"}), 406)
    params = {"type": probe_type(ns)}
    expect_status(client.get("/entities", params=params, headers={"Accept": "text/csv"}), 406)


@pytest.mark.req("ERR-006")
def test_unsupported_content_type_is_415(client, ns):
    text = {"Content-Type": "text/plain"}
    expect_status(client.post("/entities", json=_entity(ns), headers=text), 415)
    eid = _created(client, ns)
    patch = {"temperature": {"type": "Property", "value": 30}}
    expect_status(client.patch(f"/entities/{eid}/attrs", json=patch, headers=text), 415)


@pytest.mark.req("ERR-007")
def test_body_without_content_length_is_411(client, ns):
    entity = _entity(ns)
    r = client.post("/entities", json=entity, chunked=True)
    if 200 <= r.status_code < 300:  # accepted after all: remove what it created
        client.delete(f"/entities/{entity['id']}")
    expect_status(r, 411)


@pytest.mark.req("ERR-008")
def test_body_not_json_is_invalid_request(client, ns):
    json_type = {"Content-Type": "application/json"}
    eid = ns.entity_id(probe_type(ns))
    broken = f'{{"id": "{eid}", "type": "{probe_type(ns)}",'
    expect_problem(client.post("/entities", data=broken, headers=json_type), 400, "InvalidRequest")
    eid = _created(client, ns)
    r = client.patch(f"/entities/{eid}/attrs", data='{"temperature": {', headers=json_type)
    expect_problem(r, 400, "InvalidRequest")


@pytest.mark.req("ERR-009")
@pytest.mark.parametrize("shape", ["array", "string"])
def test_body_not_object_is_invalid_request(client, ns, shape):
    entity = _entity(ns)
    body = [entity] if shape == "array" else json.dumps(entity)
    expect_problem(client.post("/entities", json=body), 400, "InvalidRequest")


@pytest.mark.req("ERR-010")
@pytest.mark.read_only
def test_unknown_options_is_invalid_request_before_lookup(client, ns):
    unknown = ns.entity_id(probe_type(ns))  # never created
    bad = {"options": "foo"}
    expect_problem(client.get(f"/entities/{unknown}", params=bad), 400, "InvalidRequest")
    r = client.get("/entities", params={"type": probe_type(ns), **bad})
    expect_problem(r, 400, "InvalidRequest")


@pytest.mark.req("ERR-010")
def test_unknown_options_on_existing_entity_is_invalid_request(client, ns):
    eid = _created(client, ns)
    r = client.get(f"/entities/{eid}", params={"options": "foo"})
    expect_problem(r, 400, "InvalidRequest")


# --- ERR-011..018: @context and response media types ---------------------------------------


def _reads(client: Client, ns: Namespace, eid: str, accept: str | None) -> list[Response]:
    """A retrieve of EID and a query of the probe type, with the given Accept (None: none)."""
    headers = {"Accept": accept}
    return [
        client.get(f"/entities/{eid}", headers=headers),
        client.get("/entities", params={"type": probe_type(ns)}, headers=headers),
    ]


def _entities(resp: Response) -> list[object]:
    body = resp.json()
    return body if isinstance(body, list) else [body]


@pytest.mark.req("ERR-011")
def test_json_response_carries_context_link(client, ns):
    eid = _created(client, ns)
    for r in _reads(client, ns, eid, "application/json"):
        expect_status(r, 200)
        expect_media_type(r, "application/json")
        assert CONTEXT_REL in link_rels(r), (
            f'expected a Link header with rel="{CONTEXT_REL}", '
            f"got {r.headers.get('Link')!r} [{r.exchange_id}]"
        )


@pytest.mark.req("ERR-012")
def test_ld_json_response_carries_context_member(client, ns):
    eid = _created(client, ns)
    for r in _reads(client, ns, eid, LD):
        expect_status(r, 200)
        expect_media_type(r, LD)
        entities = _entities(r)
        assert entities, f"expected the created entity in the answer, got none [{r.exchange_id}]"
        for entity in entities:
            assert isinstance(entity, dict) and "@context" in entity, (
                f"expected an @context member in every entity, got {json.dumps(entity)[:120]} "
                f"[{r.exchange_id}]"
            )


@pytest.mark.req("ERR-013")
def test_ld_json_request_without_context_is_400(client, ns):
    r = client.post("/entities", json=_entity(ns), headers={"Content-Type": LD})
    expect_problem(r, 400, "BadRequestData")


@pytest.mark.req("ERR-014")
def test_ld_json_request_with_context_link_is_400(client, ns):
    body = {**_entity(ns), "@context": CORE_CONTEXT}
    headers = {"Content-Type": LD, "Link": CONTEXT_LINK}
    expect_problem(client.post("/entities", json=body, headers=headers), 400, "BadRequestData")


@pytest.mark.req("ERR-015")
def test_json_request_with_context_member_is_400(client, ns):
    body = {**_entity(ns), "@context": CORE_CONTEXT}
    expect_problem(client.post("/entities", json=body), 400, "BadRequestData")


@pytest.mark.req("ERR-016")
@pytest.mark.parametrize("accept", [None, "*/*"], ids=["no-accept", "any"])
def test_default_response_is_json(client, ns, accept):
    eid = _created(client, ns)
    for r in _reads(client, ns, eid, accept):
        expect_status(r, 200)
        expect_media_type(r, "application/json")


@pytest.mark.req("ERR-017")
def test_accept_ld_json_is_honoured(client, ns):
    eid = _created(client, ns)
    for r in _reads(client, ns, eid, LD):
        expect_status(r, 200)
        expect_media_type(r, LD)


@pytest.mark.req("ERR-018")
@pytest.mark.read_only
def test_errors_stay_json_under_ld_accept(client, ns):
    ld = {"Accept": LD}
    r = client.get(f"/entities/{ns.entity_id(probe_type(ns))}", headers=ld)
    expect_status(r, 404)
    expect_media_type(r, "application/json")
    r = client.get("/entities", headers=ld)  # no type, attrs, q or geo-query
    expect_status(r, 400)
    expect_media_type(r, "application/json")


@pytest.mark.req("ERR-019")
def test_merge_patch_content_type_is_accepted(client, ns):
    eid = _created(client, ns)
    patch = {"temperature": {"type": "Property", "value": 30}}
    headers = {"Content-Type": "application/merge-patch+json"}
    expect_status(client.patch(f"/entities/{eid}/attrs", json=patch, headers=headers), 204)
    r = client.get(f"/entities/{eid}")
    expect_status(r, 200)
    got = (r.json().get("temperature") or {}).get("value")
    assert got == 30, f"expected temperature 30 after the patch, got {got!r} [{r.exchange_id}]"


@pytest.mark.req("ERR-020")
@pytest.mark.parametrize(
    ("method", "suffix", "supported"),
    [("POST", "", {"GET", "DELETE"}), ("PUT", "/attrs", {"POST", "PATCH"})],
    ids=["POST-entity", "PUT-attrs"],
)
def test_unsupported_method_is_405_with_allow(client, ns, method, suffix, supported):
    # PUT /entities itself is refused by the namespace guard (no id), so an entity's own
    # paths, with methods neither the bundle nor CIM 009 define there, stand in for it.
    eid = _created(client, ns)
    body = {"temperature": {"type": "Property", "value": 1}}
    r = client.request(method, f"/entities/{eid}{suffix}", json=body)
    expect_status(r, 405)
    allow = {m.strip().upper() for m in (r.headers.get("Allow") or "").split(",") if m.strip()}
    assert supported <= allow and method not in allow, (
        f"expected Allow listing {', '.join(sorted(supported))} (not {method}), "
        f"got {r.headers.get('Allow')!r} [{r.exchange_id}]"
    )
