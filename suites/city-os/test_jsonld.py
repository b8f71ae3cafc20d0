"""JSON-LD @context processing (CIM 009 5.5.7, 6.3.5, 6.3.6): names are expanded with the
client's context, responses compacted with it, the context echoed, unreachable contexts refused.

Expected IRIs come from a real JSON-LD processor (pyld, `conform.jsonld`) over the contexts the
bundle ships; nothing is fetched from the network. A server may answer a name by any term that
expands to the same IRI where the requirement is about expansion.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from _builders import (
    json_object,
    link_rels,
    model_sample,
    normalized,
    probe_type,
    prop,
    read_entity,
)

from conform.http import Client
from conform.jsonld import ContextLibrary, Names
from conform.namespace import Namespace
from conform.profiles.ngsi_ld import CORE_CONTEXT, LATEST_CORE_CONTEXT
from conform.suite import expect_problem, expect_status, requires

# the Parking context at the commit the bundle's copy came from (contexts/index.yaml): a broker
# under test fetches exactly the document the expected IRIs are computed from
PARKING = (
    "https://raw.githubusercontent.com/smart-data-models/dataModel.Parking/"
    "d49af3c051dfc06d08d43183d2a7a3586d2ba163/context.jsonld"
)
UNREACHABLE = "https://context.invalid/conform-absent-context.jsonld"
CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"
LD = "application/ld+json"
_SYSTEM = {"id", "type", "@context", "scope", "createdAt", "modifiedAt"}


def _link(url: str) -> dict[str, str]:
    return {"Link": f'<{url}>; rel="{CONTEXT_REL}"; type="application/ld+json"'}


@pytest.fixture
def contexts(bundle) -> ContextLibrary:
    """The bundle's contexts, loaded offline."""
    return ContextLibrary(bundle.path / "contexts")


def _group(ns: Namespace, **attrs: Any) -> dict[str, Any]:
    """A ParkingGroup (a Smart Data Models type, not a city-os model) of the run."""
    body = {"id": ns.entity_id("ParkingGroup"), "type": "ParkingGroup"}
    return {**body, "name": prop("Conform group"), "totalSpotNumber": prop(40), **attrs}


def _create(client: Client, body: dict[str, Any], headers: dict[str, str], needs: str = "") -> str:
    """POST BODY; with NEEDS, a refusal blocks the test (NEEDS' behaviour is missing)."""
    r = client.post("/entities", json=body, headers=headers)
    if needs:
        with requires(needs):
            expect_status(r, 201)
    else:
        expect_status(r, 201)
    return str(body["id"])


def _types(entity: dict[str, Any]) -> list[Any]:
    kind = entity.get("type")
    return kind if isinstance(kind, list) else [kind]


def _expect_expanded(got: dict[str, Any], core: Names, iris: dict[str, str]) -> None:
    """GOT (read with the core context only) names type and attributes by the IRIs IRIS."""
    types = {core.expand(t) for t in _types(got) if isinstance(t, str)}
    assert iris["ParkingGroup"] in types, f"expected type {iris['ParkingGroup']}, got {types}"
    names = {core.expand(k) for k in got if k not in _SYSTEM}
    for term in ("name", "totalSpotNumber"):
        assert iris[term] in names, f"expected attribute {iris[term]} (from {term}), got {names}"


def _expect_compacted(got: dict[str, Any]) -> None:
    """GOT (read with the Parking context) names type and attributes by the short terms."""
    assert "ParkingGroup" in _types(got), f"expected type ParkingGroup, got {got.get('type')!r}"
    for term in ("name", "totalSpotNumber"):
        assert term in got, f"expected attribute {term}, got {sorted(got)}"


def _iris(contexts: ContextLibrary) -> dict[str, str]:
    parking = contexts.names(PARKING)
    return {t: parking.expand(t) for t in ("ParkingGroup", "name", "totalSpotNumber")}


@pytest.mark.req("LD-001")
def test_names_are_expanded_with_the_link_context(client, ns, contexts):
    eid = _create(client, _group(ns), _link(PARKING))
    _expect_expanded(read_entity(client, eid), contexts.names(), _iris(contexts))


@pytest.mark.req("LD-002")
def test_response_is_compacted_with_the_link_context(client, ns):
    eid = _create(client, _group(ns), _link(PARKING))
    r = client.get(f"/entities/{eid}", headers=_link(PARKING))
    expect_status(r, 200)
    _expect_compacted(r.json())


@pytest.mark.req("LD-003")
def test_query_compares_expanded_types(client, ns):
    eid = _create(client, _group(ns), _link(PARKING))
    params = {"type": "ParkingGroup", "id": eid}
    r = client.get("/entities", params=params, headers=_link(PARKING))
    expect_status(r, 200)
    found = [e.get("id") for e in r.json() if isinstance(e, dict)]
    assert found == [eid], f"expected {eid} found with the Parking context, got {found}"
    r = client.get("/entities", params=params)
    expect_status(r, 200)
    found = [e.get("id") for e in r.json() if isinstance(e, dict)]
    assert found == [], f"expected no match for the core-context type ParkingGroup, got {found}"


@pytest.mark.req("LD-004")
def test_json_ld_body_context_is_used(client, ns):
    body = {**_group(ns), "@context": PARKING}
    eid = _create(client, body, {"Content-Type": LD})
    r = client.get(f"/entities/{eid}", headers={**_link(PARKING), "Accept": LD})
    expect_status(r, 200)
    _expect_compacted(r.json())


@pytest.mark.req("LD-005")
def test_client_context_is_echoed(client, ns):
    eid = _create(client, _group(ns), _link(PARKING))
    r = client.get(f"/entities/{eid}", headers=_link(PARKING))
    expect_status(r, 200)
    echoed = link_rels(r).get(CONTEXT_REL)
    assert echoed == PARKING, f"expected Link rel=context {PARKING}, got {echoed!r}"
    r = client.get(f"/entities/{eid}", headers={**_link(PARKING), "Accept": LD})
    expect_status(r, 200)
    context = r.json().get("@context")
    contexts = context if isinstance(context, list) else [context]
    assert PARKING in contexts, f"expected @context naming {PARKING}, got {context!r}"


@pytest.mark.req("LD-006")
def test_unreachable_context_is_503(client, ns):
    body = _group(ns)
    r = client.post("/entities", json=body, headers=_link(UNREACHABLE))
    expect_status(r, 503, 504)
    expect_problem(r, r.status_code, "LdContextNotAvailable")
    expect_status(client.get(f"/entities/{body['id']}"), 404)


@pytest.mark.req("LD-007")
def test_vocab_values_are_expanded(client, ns, contexts):
    vocab = {"type": "VocabProperty", "vocab": "OffStreetParking"}
    eid = _create(client, _group(ns, conformCategory=vocab), _link(PARKING))
    got = read_entity(client, eid, attrs="conformCategory").get("conformCategory")
    value = got.get("vocab") if isinstance(got, dict) else None
    expected = contexts.names(PARKING).expand("OffStreetParking")
    assert isinstance(value, str) and contexts.names().expand(value) == expected, (
        f"expected vocab {expected}, got {value!r}"
    )


@pytest.mark.req("LD-008")
def test_q_names_are_expanded(client, ns):
    eid = _create(client, _group(ns), _link(PARKING))
    for q, hit in (("totalSpotNumber==40", True), ("totalSpotNumber==41", False)):
        params = {"type": "ParkingGroup", "id": eid, "q": q}
        r = client.get("/entities", params=params, headers=_link(PARKING))
        expect_status(r, 200)
        found = [e.get("id") for e in r.json() if isinstance(e, dict)]
        assert found == ([eid] if hit else []), f"expected q {q} to match {hit}, got {found}"


@pytest.mark.req("DM-011")
def test_model_entities_sent_with_their_context_are_validated(client, ns):
    valid = normalized(model_sample("ParkingSpot", ns))
    invalid = normalized({**model_sample("ParkingSpot", ns), "status": "notAStatus"})
    _create(client, valid, _link(PARKING), needs="DM-001")  # as DM-004..010: blocked by DM-001
    r = client.post("/entities", json=invalid, headers=_link(PARKING))
    expect_problem(r, 400, "BadRequestData")
    expect_status(client.get(f"/entities/{invalid['id']}"), 404)


@pytest.mark.req("LD-009")
def test_update_result_names_attributes_by_client_terms(client, ns):
    eid = _create(client, _group(ns), _link(PARKING))
    body = {"totalSpotNumber": prop(41), "availableSpotNumber": prop(3)}
    params = {"options": "noOverwrite"}
    r = client.post(f"/entities/{eid}/attrs", params=params, json=body, headers=_link(PARKING))
    with requires("CORE-020"):  # the 207 itself is CORE-020's
        expect_status(r, 207)
        result = json_object(r, "an UpdateResult object")
    entries = result.get("notUpdated")
    names = [e.get("attributeName") for e in entries or [] if isinstance(e, dict)]
    assert names == ["totalSpotNumber"], (
        f"expected notUpdated to name totalSpotNumber as sent, got {names} [{r.exchange_id}]"
    )
    updated = result.get("updated")
    assert updated == ["availableSpotNumber"], (
        f"expected updated [availableSpotNumber] as sent, got {updated!r} [{r.exchange_id}]"
    )


DEFAULT_VOCAB = "https://uri.etsi.org/ngsi-ld/default-context/"


@pytest.mark.req("LD-010")
def test_default_vocabulary_terms_match_their_iris(client, ns):
    kind = probe_type(ns, "Vocab")  # defined by no context: the default vocabulary's
    short = {"id": ns.entity_id(kind), "type": kind, "temperature": prop(20)}
    full = {"id": ns.entity_id(kind), "type": DEFAULT_VOCAB + kind, "temperature": prop(21)}
    ids = sorted([_create(client, short, {}), _create(client, full, {})])
    for written in (kind, DEFAULT_VOCAB + kind):
        r = client.get("/entities", params={"type": written, "id": ",".join(ids)})
        expect_status(r, 200)
        found = sorted(e.get("id") for e in r.json() if isinstance(e, dict))
        assert found == ids, f"expected type {written} to find {ids}, got {found}"


@pytest.mark.req("LD-011")
def test_unversioned_core_context_is_the_core_context(client, ns):
    kind = probe_type(ns)
    body = {"id": ns.entity_id(kind), "type": kind, "temperature": prop(21.5)}
    r = client.post("/entities", json=body, headers=_link(LATEST_CORE_CONTEXT))
    expect_status(r, 201)
    got = read_entity(client, body["id"])
    assert got.get("type") == kind and "temperature" in got, (
        f"expected type {kind} with temperature, got {json.dumps(got)[:160]}"
    )


@pytest.mark.req("BAT-015")
def test_batch_entities_are_expanded_with_their_own_context(client, ns, contexts):
    parked = {**_group(ns), "@context": PARKING}
    plain = {**_group(ns), "@context": CORE_CONTEXT}
    r = client.post("/entityOperations/create", json=[parked, plain], headers={"Content-Type": LD})
    with requires("BAT-001"):
        expect_status(r, 201)
    iris, core = _iris(contexts), contexts.names()
    _expect_expanded(read_entity(client, parked["id"]), core, iris)
    got = read_entity(client, plain["id"])
    types = {core.expand(t) for t in _types(got) if isinstance(t, str)}
    expected = core.expand("ParkingGroup")
    assert types == {expected}, f"expected {plain['id']} of type {expected}, got {types}"


@pytest.mark.req("BAT-018")
def test_batch_result_names_attributes_by_client_terms(client, ns, contexts):
    eid = _create(client, _group(ns), _link(PARKING))
    item = {"id": eid, "type": "ParkingGroup", "totalSpotNumber": prop(41)}
    r = client.post(
        "/entityOperations/update",
        params={"options": "noOverwrite"},
        json=[item],
        headers=_link(PARKING),
    )
    with requires("BAT-014"):  # the 207 and its entry are BAT-014's
        expect_status(r, 207)
        errors = json_object(r, "a BatchOperationResult object").get("errors")
        mine = [e for e in errors or [] if isinstance(e, dict) and e.get("entityId") == eid]
        assert mine, f"expected an errors entry for {eid}, got {r.text[:200]}"
    text, iri = json.dumps(mine), _iris(contexts)["totalSpotNumber"]
    assert "totalSpotNumber" in text and iri not in text, (
        f"expected the entry to name totalSpotNumber as sent, not {iri}: {text[:300]} "
        f"[{r.exchange_id}]"
    )
