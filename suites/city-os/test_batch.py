"""Batch operations: create, upsert, update, delete; 201/204/207 results and their error entries."""

from __future__ import annotations

from typing import Any

import pytest
from _builders import (
    create,
    expect_attrs,
    expect_problem_any,
    json_object,
    model_sample,
    normalized,
    probe_entity,
    probe_type,
    prop,
    read_back,
)

from conform.http import Client, Response
from conform.namespace import Namespace
from conform.profiles.ngsi_ld import CORE_CONTEXT, ERROR_TYPE_PREFIX
from conform.suite import expect_problem, expect_status, requires
from conform.suite.expect import shape_of

OPS = ("create", "upsert", "update", "delete")


def _new(ns: Namespace, temperature: float = 20.0) -> dict[str, Any]:
    """A probe entity of the run, not yet created."""
    return probe_entity(ns.entity_id(probe_type(ns)), probe_type(ns), temperature=temperature)


def _batch(client: Client, op: str, body: Any) -> Response:
    return client.post(f"/entityOperations/{op}", json=body)


def _ids(resp: Response) -> list[str]:
    """The JSON array of ids a 201 batch answer carries."""
    body = resp.json()
    assert isinstance(body, list) and all(isinstance(i, str) for i in body), (
        f"expected a JSON array of created ids, got {shape_of(body)}: {resp.text[:120]!r} "
        f"[{resp.exchange_id}]"
    )
    return body


def _result(resp: Response) -> tuple[list[Any], list[dict[str, Any]]]:
    """success and errors of a 207 BatchOperationResult."""
    expect_status(resp, 207)
    body = json_object(resp, "a BatchOperationResult object")
    success, errors = body.get("success"), body.get("errors")
    assert isinstance(success, list) and isinstance(errors, list), (
        f"expected a BatchOperationResult with success and errors arrays, "
        f"got {resp.text[:160]!r} [{resp.exchange_id}]"
    )
    return success, errors


def _error_for(errors: list[dict[str, Any]], eid: str, name: str, resp: Response) -> None:
    """ERRORS has exactly one entry for EID and its error type is NAME."""
    mine = [e for e in errors if isinstance(e, dict) and e.get("entityId") == eid]
    assert len(mine) == 1, (
        f"expected one errors entry for {eid}, got {len(mine)} [{resp.exchange_id}]"
    )
    error = mine[0].get("error")
    kind = error.get("type") if isinstance(error, dict) else None
    assert kind == ERROR_TYPE_PREFIX + name, (
        f"expected error type {ERROR_TYPE_PREFIX + name} for {eid}, got {kind!r} "
        f"[{resp.exchange_id}]"
    )


def _reads_back(client: Client, entity: dict[str, Any]) -> None:
    """The entity exists with every sent attribute's value (in whatever shape it is served)."""
    expect_attrs(read_back(client, entity["id"]), entity, f" for {entity['id']}")


def _gone(client: Client, eid: str) -> None:
    expect_status(client.get(f"/entities/{eid}"), 404)


@pytest.mark.parametrize(
    "op",
    [
        pytest.param("create", marks=pytest.mark.req("BAT-001"), id="create"),
        pytest.param("upsert", marks=pytest.mark.req("BAT-003"), id="upsert"),
    ],
)
def test_new_entities_answer_201_with_ids(client, ns, op):
    entities = [_new(ns), _new(ns)]
    r = _batch(client, op, entities)
    expect_status(r, 201)
    assert sorted(_ids(r)) == sorted(e["id"] for e in entities), (
        f"expected the created ids {[e['id'] for e in entities]}, got {r.text} [{r.exchange_id}]"
    )
    for entity in entities:
        _reads_back(client, entity)


@pytest.mark.req("BAT-002")
def test_create_with_existing_id_answers_207(client, ns):
    existing, fresh = create(client, _new(ns)), _new(ns)
    r = _batch(client, "create", [existing, fresh])
    success, errors = _result(r)
    assert success == [fresh["id"]], (
        f"expected success [{fresh['id']}], got {success} [{r.exchange_id}]"
    )
    _error_for(errors, existing["id"], "AlreadyExists", r)
    _reads_back(client, fresh)


@pytest.mark.req("BAT-004")
def test_upsert_of_existing_entities_answers_204(client, ns):
    entities = [create(client, _new(ns)), create(client, _new(ns))]
    changed = [{**e, "temperature": prop(31.5), "humidity": prop(0.4)} for e in entities]
    expect_status(_batch(client, "upsert", changed), 204)
    for entity in changed:
        _reads_back(client, entity)


@pytest.mark.req("BAT-005")
def test_update_answers_204(client, ns):
    entities = [create(client, _new(ns)), create(client, _new(ns))]
    updates = [{"id": e["id"], "type": e["type"], "temperature": prop(27.0)} for e in entities]
    expect_status(_batch(client, "update", updates), 204)
    for entity in entities:
        _reads_back(client, {**entity, "temperature": prop(27.0)})


@pytest.mark.req("BAT-006")
def test_update_with_unknown_entity_answers_207(client, ns):
    existing, unknown = create(client, _new(ns)), _new(ns)  # `unknown` is never created
    updates = [{**existing, "temperature": prop(28.0)}, {**unknown, "temperature": prop(28.0)}]
    r = _batch(client, "update", updates)
    _, errors = _result(r)
    _error_for(errors, unknown["id"], "ResourceNotFound", r)
    _reads_back(client, {**existing, "temperature": prop(28.0)})


@pytest.mark.req("BAT-007")
def test_delete_answers_204(client, ns):
    ids = [create(client, _new(ns))["id"], create(client, _new(ns))["id"]]
    expect_status(_batch(client, "delete", ids), 204)
    for eid in ids:
        _gone(client, eid)


@pytest.mark.req("BAT-008")
def test_delete_of_unknown_id_answers_207(client, ns):
    existing, unknown = create(client, _new(ns))["id"], ns.entity_id(probe_type(ns))
    r = _batch(client, "delete", [existing, unknown])
    success, errors = _result(r)
    assert success == [existing], f"expected success [{existing}], got {success} [{r.exchange_id}]"
    _error_for(errors, unknown, "ResourceNotFound", r)
    _gone(client, existing)


@pytest.mark.req("BAT-009")
@pytest.mark.parametrize("op", OPS)
def test_empty_batch_is_bad_request_data(client, op):
    expect_problem(_batch(client, op, []), 400, "BadRequestData")


@pytest.mark.req("BAT-010")
@pytest.mark.parametrize("op", OPS)
def test_batch_body_not_array_is_400(client, ns, op):
    r = _batch(client, op, _new(ns))
    expect_problem_any(r, 400, ("InvalidRequest", "BadRequestData"))


@pytest.mark.req("BAT-011")
def test_error_entries_carry_problem_details(client, ns):
    existing = create(client, _new(ns))
    r1 = _batch(client, "create", [existing, _new(ns)])
    with requires("BAT-002"):  # the 207 answers are theirs; the entries' contents are ours
        _, created_errors = _result(r1)
    unknown = ns.entity_id(probe_type(ns))
    r2 = _batch(client, "delete", [unknown])
    with requires("BAT-008"):
        _, deleted_errors = _result(r2)
    for resp, errors in ((r1, created_errors), (r2, deleted_errors)):
        assert errors, f"expected an errors entry, got none [{resp.exchange_id}]"
        for entry in errors:
            error = entry.get("error") if isinstance(entry, dict) else None
            ok = (
                isinstance(entry, dict)
                and isinstance(entry.get("entityId"), str)
                and isinstance(error, dict)
                and str(error.get("type", "")).startswith(ERROR_TYPE_PREFIX)
                and isinstance(error.get("title"), str)
                and error["title"].strip()
            )
            assert ok, (
                "expected entityId and an error with an NGSI-LD type and a title, "
                f"got {entry!r} [{resp.exchange_id}]"
            )


@pytest.mark.req("BAT-012")
@pytest.mark.parametrize("op", ["create", "upsert"])
def test_model_violation_is_error_entry(client, ns, op):
    valid = normalized(model_sample("Streetlight", ns))
    invalid = normalized({**model_sample("Streetlight", ns), "status": "notAStatus"})
    r = _batch(client, op, [valid, invalid])
    success, errors = _result(r)
    _error_for(errors, invalid["id"], "BadRequestData", r)
    assert valid["id"] in success, (
        f"expected {valid['id']} in success, got {success} [{r.exchange_id}]"
    )
    _gone(client, invalid["id"])
    _reads_back(client, valid)


@pytest.mark.req("BAT-013")
def test_context_member_under_json_is_error_entry(client, ns):
    plain, with_context = _new(ns), {**_new(ns), "@context": CORE_CONTEXT}
    r = _batch(client, "create", [plain, with_context])
    success, errors = _result(r)
    _error_for(errors, with_context["id"], "BadRequestData", r)
    assert plain["id"] in success, (
        f"expected {plain['id']} in success, got {success} [{r.exchange_id}]"
    )
    _reads_back(client, plain)


NULL = "urn:ngsi-ld:null"


@pytest.mark.req("BAT-016")
def test_merge_merges_each_entity(client, ns):
    kept = create(client, _new(ns))
    pruned = create(client, {**_new(ns), "humidity": prop(0.4)})
    merges = [
        {"id": kept["id"], "type": kept["type"], "humidity": prop(0.5)},
        {"id": pruned["id"], "type": pruned["type"], "temperature": prop(NULL)},
    ]
    expect_status(_batch(client, "merge", merges), 204)
    got = read_back(client, kept["id"])
    expect_attrs(got, {**kept, "humidity": prop(0.5)}, f" for {kept['id']}")
    got = read_back(client, pruned["id"])
    expect_attrs(got, {"humidity": prop(0.4)}, f" for {pruned['id']}")
    assert "temperature" not in got, (
        f"expected temperature of {pruned['id']} deleted by {NULL}, got {got['temperature']!r}"
    )


@pytest.mark.req("BAT-017")
def test_merge_with_unknown_entity_answers_207(client, ns):
    known, unknown = create(client, _new(ns)), _new(ns)
    merges = [{**e, "temperature": prop(22.5)} for e in (known, unknown)]
    r = _batch(client, "merge", merges)
    success, errors = _result(r)
    _error_for(errors, unknown["id"], "ResourceNotFound", r)
    assert success == [known["id"]], (
        f"expected success [{known['id']}], got {success} [{r.exchange_id}]"
    )
    expect_attrs(read_back(client, known["id"]), merges[0], f" for {known['id']}")
    _gone(client, unknown["id"])
