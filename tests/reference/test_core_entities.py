"""Core entities class: create, retrieve, delete and attribute operations."""

from __future__ import annotations

import pytest
import requests

from reference.helpers import eid, expect_problem, prop

CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"


def _entity(entity_id: str) -> dict:
    return {
        "id": entity_id,
        "type": "Thing",
        "temperature": prop(21.5),
        "owner": {"type": "Relationship", "object": "urn:ngsi-ld:Person:1"},
        "location": {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [139.7, 35.6]},
        },
    }


def _create(http: requests.Session, api: str, body: dict) -> requests.Response:
    response = http.post(f"{api}/entities", json=body)
    assert response.status_code == 201, response.text
    return response


def test_create_answers_201_with_location_and_reads_back(http, api):
    """CORE-001, CORE-002, CORE-007: 201 + Location, empty body; GET returns what was sent."""
    body = _entity(eid())
    response = _create(http, api, body)
    assert response.headers["Location"] == f"/ngsi-ld/v1/entities/{body['id']}"
    assert response.content == b""
    read = http.get(f"{api}/entities/{body['id']}")
    assert read.status_code == 200
    assert read.json() == body
    assert CONTEXT_REL in read.headers["Link"]


def test_create_rejects_duplicates_bad_ids_missing_type_and_null_values(http, api):
    """CORE-003, CORE-004, CORE-005, CORE-006."""
    body = _entity(eid())
    _create(http, api, body)
    expect_problem(http.post(f"{api}/entities", json=body), 409, "AlreadyExists")
    expect_problem(
        http.post(f"{api}/entities", json={**body, "id": "no uri"}), 400, "BadRequestData"
    )
    expect_problem(http.post(f"{api}/entities", json={"id": eid()}), 400, "BadRequestData")
    null_value = {"id": eid(), "type": "Thing", "x": {"type": "Property", "value": None}}
    expect_problem(http.post(f"{api}/entities", json=null_value), 400, "BadRequestData")


def test_retrieve_unknown_is_404_and_malformed_id_is_400(http, api):
    """CORE-008, CORE-009."""
    expect_problem(http.get(f"{api}/entities/urn:ngsi-ld:Thing:nope"), 404, "ResourceNotFound")
    expect_problem(http.get(f"{api}/entities/not-a-uri"), 400, "BadRequestData")


def test_retrieve_options_and_attrs(http, api):
    """CORE-010, CORE-011, CORE-012, CORE-013: keyValues, attrs projection, sysAttrs."""
    body = _entity(eid())
    _create(http, api, body)
    url = f"{api}/entities/{body['id']}"
    simple = http.get(url, params={"options": "keyValues"}).json()
    assert simple["temperature"] == 21.5
    assert simple["owner"] == "urn:ngsi-ld:Person:1"
    assert simple["location"] == {"type": "Point", "coordinates": [139.7, 35.6]}
    assert set(http.get(url, params={"attrs": "temperature"}).json()) == {
        "id",
        "type",
        "temperature",
    }
    expect_problem(http.get(url, params={"attrs": "nothing"}), 404, "ResourceNotFound")
    sys_attrs = http.get(url, params={"options": "sysAttrs"}).json()
    assert sys_attrs["createdAt"].endswith("Z")
    assert sys_attrs["temperature"]["modifiedAt"].endswith("Z")


def test_retrieve_as_geojson_is_a_feature(http, api):
    """CORE-014."""
    body = _entity(eid())
    _create(http, api, body)
    response = http.get(f"{api}/entities/{body['id']}", headers={"Accept": "application/geo+json"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/geo+json"
    feature = response.json()
    assert feature["type"] == "Feature"
    assert feature["id"] == body["id"]
    assert feature["geometry"] == body["location"]["value"]


def test_delete_entity(http, api):
    """CORE-015, CORE-016."""
    body = _entity(eid())
    _create(http, api, body)
    assert http.delete(f"{api}/entities/{body['id']}").status_code == 204
    expect_problem(http.get(f"{api}/entities/{body['id']}"), 404, "ResourceNotFound")
    expect_problem(http.delete(f"{api}/entities/{body['id']}"), 404, "ResourceNotFound")


def test_append_attributes(http, api):
    """CORE-017, CORE-018, CORE-019, CORE-020, CORE-021."""
    body = _entity(eid())
    _create(http, api, body)
    url = f"{api}/entities/{body['id']}/attrs"
    assert http.post(url, json={"humidity": prop(40)}).status_code == 204
    assert http.post(url, json={"temperature": prop(30)}).status_code == 204
    kept = http.post(url, params={"options": "noOverwrite"}, json={"temperature": prop(99)})
    assert kept.status_code == 207
    assert kept.json() == {
        "updated": [],
        "notUpdated": [
            {"attributeName": "temperature", "reason": kept.json()["notUpdated"][0]["reason"]}
        ],
    }
    entity = http.get(f"{api}/entities/{body['id']}").json()
    assert entity["humidity"] == prop(40)
    assert entity["temperature"] == prop(30)
    missing = f"{api}/entities/urn:ngsi-ld:Thing:missing/attrs"
    expect_problem(http.post(missing, json={"a": prop(1)}), 404, "ResourceNotFound")


def test_update_attributes(http, api):
    """CORE-022, CORE-023, CORE-024."""
    body = _entity(eid())
    _create(http, api, body)
    url = f"{api}/entities/{body['id']}/attrs"
    assert http.patch(url, json={"temperature": prop(1)}).status_code == 204
    partial = http.patch(url, json={"temperature": prop(2), "ghost": prop(3)})
    assert partial.status_code == 207
    assert partial.json()["updated"] == ["temperature"]
    assert partial.json()["notUpdated"][0]["attributeName"] == "ghost"
    assert http.get(f"{api}/entities/{body['id']}").json()["temperature"] == prop(2)
    missing = f"{api}/entities/urn:ngsi-ld:Thing:missing/attrs"
    expect_problem(http.patch(missing, json={"a": prop(1)}), 404, "ResourceNotFound")


def test_partial_attribute_update(http, api):
    """CORE-025, CORE-026, CORE-027."""
    body = _entity(eid())
    _create(http, api, body)
    url = f"{api}/entities/{body['id']}/attrs/temperature"
    assert http.patch(url, json={"value": 5}).status_code == 204
    retyped = http.patch(url, json={"type": "Relationship", "object": "urn:x:1"})
    expect_problem(retyped, 400, "BadRequestData")
    assert http.get(f"{api}/entities/{body['id']}").json()["temperature"] == prop(5)
    expect_problem(
        http.patch(f"{api}/entities/{body['id']}/attrs/none", json={"value": 1}),
        404,
        "ResourceNotFound",
    )
    missing = f"{api}/entities/urn:ngsi-ld:Thing:missing/attrs/temperature"
    expect_problem(http.patch(missing, json={"value": 1}), 404, "ResourceNotFound")


def test_delete_attribute(http, api):
    """CORE-028, CORE-029."""
    body = _entity(eid())
    _create(http, api, body)
    url = f"{api}/entities/{body['id']}/attrs/temperature"
    assert http.delete(url).status_code == 204
    assert "temperature" not in http.get(f"{api}/entities/{body['id']}").json()
    expect_problem(http.delete(url), 404, "ResourceNotFound")


def test_store_helpers_preload_and_snapshot(http, api, server):
    """put_entity preloads data served over HTTP; snapshot returns what is stored."""
    body = _entity(eid())
    server.store.put_entity(body)
    assert http.get(f"{api}/entities/{body['id']}").json() == body
    assert server.store.snapshot()["entities"][body["id"]] == body


@pytest.mark.parametrize("kind", [{"x": 1}, ["Property"], 7])
def test_attribute_type_that_is_not_a_string_is_400(api, kind):
    """An attribute whose type member is not a string is BadRequestData, never a 500."""
    body = {"id": "urn:ngsi-ld:T:bad-kind", "type": "T", "k": {"type": kind, "value": 1}}
    r = requests.post(f"{api}/entities", json=body, timeout=5)
    assert r.status_code == 400, r.text
    assert r.json()["type"].endswith("/BadRequestData")
