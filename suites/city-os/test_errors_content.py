"""Errors and content negotiation: problem details, media types, @context rules, 405/406/411/415.

ERR-021..024 (no 5xx, documented codes, schema conformance) are verified by the property-based
phase, not here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from _builders import attr_value, create, link_rels, probe_entity, probe_type, read_back

from conform.http import Client, Response
from conform.namespace import Namespace
from conform.profiles.ngsi_ld import CORE_CONTEXT, ERROR_TYPE_PREFIX
from conform.suite import (
    Precondition,
    expect_media_type,
    expect_problem,
    expect_status,
    requires,
)
from conform.suite.expect import shape_of

CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"
CONTEXT_LINK = f'<{CORE_CONTEXT}>; rel="{CONTEXT_REL}"; type="application/ld+json"'
LD = "application/ld+json"


def _entity(ns: Namespace) -> dict[str, object]:
    """A new probe entity of the run (not yet created)."""
    return probe_entity(ns.entity_id(probe_type(ns)), probe_type(ns), temperature=21.5)


def _created(client: Client, ns: Namespace) -> str:
    """The id of a probe entity created for this test."""
    return str(create(client, _entity(ns))["id"])


# --- ERR-001..004: every NGSI-LD error is a problem-details body --------------------------
# Several independent provocations, each the business of another requirement; the format is
# judged on every answer that is an error. If none is, the test is blocked by the first
# requirement that should have produced one (a failure there explains it).

Provoke = Callable[[Client, Namespace, dict[str, str]], Response]


def _unknown_entity(client: Client, ns: Namespace, headers: dict[str, str]) -> Response:
    return client.get(f"/entities/{ns.entity_id(probe_type(ns))}", headers=headers)


def _malformed_id(client: Client, ns: Namespace, headers: dict[str, str]) -> Response:
    return client.get(f"/entities/{ns.prefix}not-a-uri", headers=headers)


def _query_without_filter(client: Client, ns: Namespace, headers: dict[str, str]) -> Response:
    return client.get("/entities", headers=headers)


def _invalid_q(client: Client, ns: Namespace, headers: dict[str, str]) -> Response:
    return client.get("/entities", params={"type": probe_type(ns), "q": "a=="}, headers=headers)


def _body_not_json(client: Client, ns: Namespace, headers: dict[str, str]) -> Response:
    body = f'{{"id": "{ns.entity_id(probe_type(ns))}", "type": '
    return client.post("/entities", data=body, headers={**headers, **JSON_TYPE})


def _duplicate_entity(client: Client, ns: Namespace, headers: dict[str, str]) -> Response:
    entity = create(client, _entity(ns))
    return client.post("/entities", json=entity, headers=headers)


JSON_TYPE = {"Content-Type": "application/json"}
# (the requirement that makes the error, the request); reads first, writes last
READ_PROVOCATIONS: tuple[tuple[str, Provoke], ...] = (
    ("CORE-008", _unknown_entity),
    ("CORE-009", _malformed_id),
    ("QRY-004", _query_without_filter),
    ("QRY-010", _invalid_q),
)
PROVOCATIONS = (*READ_PROVOCATIONS, ("ERR-008", _body_not_json), ("CORE-003", _duplicate_entity))
# NGSI-LD error names per HTTP status (CIM 009 clause 5.5.2, table 5.5.2-1)
ERROR_NAMES = {
    400: {"InvalidRequest", "BadRequestData"},
    403: {"TooManyResults", "TooComplexQuery"},
    404: {"ResourceNotFound"},
    409: {"AlreadyExists"},
    422: {"OperationNotSupported"},
    500: {"InternalError"},
    503: {"LdContextNotAvailable"},
}


def _errors(
    client: Client,
    ns: Namespace,
    provocations: tuple[tuple[str, Provoke], ...] = PROVOCATIONS,
    headers: dict[str, str] | None = None,
) -> list[Response]:
    """The answers to PROVOCATIONS that are errors (4xx/5xx); blocked when there is none."""
    answers: list[str] = []
    errors = []
    for req_id, provoke in provocations:
        try:
            r = provoke(client, ns, headers or {})
        except Precondition as exc:  # could not even set it up (a create refused)
            answers.append(f"{req_id}: {exc.detail}")
            continue
        if r.status_code >= 400:
            errors.append(r)
        else:
            answers.append(f"{req_id}: {r.status_code} [{r.exchange_id}]")
    if not errors:
        raise Precondition(
            provocations[0][0], f"no provocation produced an error ({'; '.join(answers)})"
        )
    return errors


def _problem(r: Response) -> dict[str, Any]:
    """The problem object of an error answer; another shape is ERR-001's failure, not ours."""
    with requires("ERR-001"):
        body = r.json()
        assert isinstance(body, dict), (
            f"expected a problem details object, got {shape_of(body)} [{r.exchange_id}]"
        )
    return body


@pytest.mark.req("ERR-001")
def test_error_is_problem_details_json(client, ns):
    for r in _errors(client, ns):
        expect_media_type(r, "application/json")
        body = r.json()
        assert isinstance(body, dict), (
            f"expected a problem details object, got {shape_of(body)}: {r.text[:80]!r} "
            f"[{r.exchange_id}]"
        )
        assert isinstance(body.get("type"), str), (
            f"expected a string member type, got {body.get('type')!r} [{r.exchange_id}]"
        )


@pytest.mark.req("ERR-002")
def test_error_type_is_ngsi_ld_uri_matching_status(client, ns):
    for r in _errors(client, ns):
        kind = _problem(r).get("type")
        names = ERROR_NAMES.get(r.status_code, set())
        wanted = " or ".join(ERROR_TYPE_PREFIX + n for n in sorted(names)) or "an NGSI-LD error"
        assert kind in {ERROR_TYPE_PREFIX + n for n in names}, (
            f"expected type {wanted} for status {r.status_code}, got {kind!r} [{r.exchange_id}]"
        )


@pytest.mark.req("ERR-003")
def test_error_has_title(client, ns):
    for r in _errors(client, ns):
        title = _problem(r).get("title")
        assert isinstance(title, str) and title.strip(), (
            f"expected a non-empty title, got {title!r} [{r.exchange_id}]"
        )


@pytest.mark.req("ERR-004")
def test_error_status_member_matches(client, ns):
    for r in _errors(client, ns):
        body = _problem(r)
        if "status" in body:  # optional member: only its value is constrained
            assert body["status"] == r.status_code, (
                f"expected status member {r.status_code}, got {body['status']!r} [{r.exchange_id}]"
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
    for r in _errors(client, ns, READ_PROVOCATIONS, {"Accept": LD}):
        expect_media_type(r, "application/json")


@pytest.mark.req("ERR-019")
def test_merge_patch_content_type_is_accepted(client, ns):
    eid = _created(client, ns)
    patch = {"temperature": {"type": "Property", "value": 30}}
    headers = {"Content-Type": "application/merge-patch+json"}
    expect_status(client.patch(f"/entities/{eid}/attrs", json=patch, headers=headers), 204)
    got = attr_value(read_back(client, eid).get("temperature"))
    assert got == 30, f"expected temperature 30 after the patch, got {got!r}"


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
