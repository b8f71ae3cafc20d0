"""Data-models class: entities of published model types are validated in keyValues form."""

from __future__ import annotations

from reference.helpers import eid, expect_problem, prop

LOCATION = {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [139.7, 35.6]}}


def _streetlight(**attrs) -> dict:
    return {"id": eid("Streetlight"), "type": "Streetlight", "location": LOCATION, **attrs}


def test_valid_model_entity_is_created_and_validates_served(http, api):
    """DM-001, DM-003, DM-008."""
    body = _streetlight(status=prop("ok"), powerState=prop("on"))
    assert http.post(f"{api}/entities", json=body).status_code == 201
    served = http.get(f"{api}/entities/{body['id']}", params={"options": "keyValues"}).json()
    assert served["status"] == "ok"


def test_model_violation_is_bad_request_data_naming_the_pointer(http, api):
    """DM-002: wrong enum value and missing required member; nothing is created."""
    body = _streetlight(status=prop("exploded"))
    problem = expect_problem(http.post(f"{api}/entities", json=body), 400, "BadRequestData")
    assert "/status" in problem["detail"]
    expect_problem(http.get(f"{api}/entities/{body['id']}"), 404, "ResourceNotFound")
    no_location = {"id": eid("Streetlight"), "type": "Streetlight"}
    problem = expect_problem(http.post(f"{api}/entities", json=no_location), 400, "BadRequestData")
    assert "/location" in problem["detail"]


def test_updates_breaking_the_model_are_rejected(http, api):
    """DM-010: append, update and partial update keep the entity valid."""
    body = _streetlight(status=prop("ok"))
    assert http.post(f"{api}/entities", json=body).status_code == 201
    url = f"{api}/entities/{body['id']}"
    expect_problem(http.post(f"{url}/attrs", json={"status": prop("bad")}), 400, "BadRequestData")
    expect_problem(http.patch(f"{url}/attrs", json={"status": prop("bad")}), 400, "BadRequestData")
    expect_problem(http.patch(f"{url}/attrs/status", json={"value": "bad"}), 400, "BadRequestData")
    assert http.get(url).json()["status"] == prop("ok")


def test_other_types_are_not_model_checked(http, api):
    """Types that are not published models are stored as sent."""
    body = {"id": eid(), "type": "Gadget", "status": prop("anything")}
    assert http.post(f"{api}/entities", json=body).status_code == 201
