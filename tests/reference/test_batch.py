"""Batch class: entityOperations create, upsert, update and delete."""

from __future__ import annotations

from conform.reference.messages import CORE_CONTEXT
from reference.helpers import eid, expect_problem, prop

ERRORS = "https://uri.etsi.org/ngsi-ld/errors/"


def _thing(**attrs) -> dict:
    return {"id": eid(), "type": "Thing", **attrs}


def test_batch_create(http, api):
    """BAT-001, BAT-002, BAT-011."""
    first, second = _thing(a=prop(1)), _thing(a=prop(2))
    created = http.post(f"{api}/entityOperations/create", json=[first, second])
    assert created.status_code == 201
    assert created.json() == [first["id"], second["id"]]
    third = _thing()
    mixed = http.post(f"{api}/entityOperations/create", json=[first, third])
    assert mixed.status_code == 207
    result = mixed.json()
    assert result["success"] == [third["id"]]
    assert result["errors"][0]["entityId"] == first["id"]
    assert result["errors"][0]["error"]["type"] == ERRORS + "AlreadyExists"
    assert result["errors"][0]["error"]["title"]


def test_batch_upsert(http, api):
    """BAT-003, BAT-004: 201 with created ids, then 204; options=update keeps other attrs."""
    body = _thing(a=prop(1), b=prop(2))
    created = http.post(f"{api}/entityOperations/upsert", json=[body])
    assert created.status_code == 201
    assert created.json() == [body["id"]]
    replaced = http.post(
        f"{api}/entityOperations/upsert", json=[{**body, "a": prop(5), "b": prop(6)}]
    )
    assert replaced.status_code == 204
    updated = http.post(
        f"{api}/entityOperations/upsert",
        params={"options": "update"},
        json=[{"id": body["id"], "type": "Thing", "a": prop(7)}],
    )
    assert updated.status_code == 204
    entity = http.get(f"{api}/entities/{body['id']}").json()
    assert entity["a"] == prop(7)
    assert entity["b"] == prop(6)


def test_batch_update(http, api):
    """BAT-005, BAT-006."""
    body = _thing(a=prop(1))
    assert http.post(f"{api}/entities", json=body).status_code == 201
    ok = http.post(f"{api}/entityOperations/update", json=[{**body, "a": prop(2)}])
    assert ok.status_code == 204
    ghost = _thing(a=prop(1))
    partial = http.post(f"{api}/entityOperations/update", json=[{**body, "a": prop(3)}, ghost])
    assert partial.status_code == 207
    assert partial.json()["errors"][0]["entityId"] == ghost["id"]
    assert partial.json()["errors"][0]["error"]["type"] == ERRORS + "ResourceNotFound"
    assert http.get(f"{api}/entities/{body['id']}").json()["a"] == prop(3)


def test_batch_delete(http, api):
    """BAT-007, BAT-008."""
    body = _thing()
    assert http.post(f"{api}/entities", json=body).status_code == 201
    assert http.post(f"{api}/entityOperations/delete", json=[body["id"]]).status_code == 204
    again = http.post(f"{api}/entityOperations/delete", json=[body["id"]])
    assert again.status_code == 207
    assert again.json() == {"success": [], "errors": [again.json()["errors"][0]]}
    assert again.json()["errors"][0]["error"]["type"] == ERRORS + "ResourceNotFound"


def test_batch_body_rules(http, api):
    """BAT-009, BAT-010, BAT-013."""
    expect_problem(http.post(f"{api}/entityOperations/create", json=[]), 400, "BadRequestData")
    expect_problem(
        http.post(f"{api}/entityOperations/create", json={"id": "urn:x:1"}), 400, "InvalidRequest"
    )
    with_context = {**_thing(), "@context": CORE_CONTEXT}
    response = http.post(f"{api}/entityOperations/create", json=[with_context])
    assert response.status_code == 207
    assert response.json()["errors"][0]["error"]["type"] == ERRORS + "BadRequestData"


def test_batch_validates_models(http, api):
    """BAT-012: an invalid model entity is an error entry; the valid one is stored."""
    location = {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [1, 2]}}
    bad = {
        "id": eid("Streetlight"),
        "type": "Streetlight",
        "location": location,
        "status": prop("x"),
    }
    good = {**bad, "id": eid("Streetlight"), "status": prop("ok")}
    response = http.post(f"{api}/entityOperations/upsert", json=[bad, good])
    assert response.status_code == 207
    assert response.json()["success"] == [good["id"]]
    assert response.json()["errors"][0]["error"]["type"] == ERRORS + "BadRequestData"
    expect_problem(http.get(f"{api}/entities/{bad['id']}"), 404, "ResourceNotFound")
