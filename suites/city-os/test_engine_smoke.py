"""Core entity lifecycle and error body: create, read back, delete, unknown id."""

from __future__ import annotations

import pytest

from conform.suite import expect_header, expect_json_equal, expect_problem, expect_status

TYPE = "ConformProbe"  # not a published model type: no schema decides these tests


def _entity(eid: str) -> dict[str, object]:
    return {
        "id": eid,
        "type": TYPE,
        "temperature": {"type": "Property", "value": 21.5},
        "name": {"type": "Property", "value": "probe"},
    }


@pytest.mark.req("CORE-001")
def test_create_answers_201_with_location(client, ns):
    eid = ns.entity_id(TYPE)
    r = client.post("/entities", json=_entity(eid))
    expect_status(r, 201)
    expect_header(r, "Location", f"/ngsi-ld/v1/entities/{eid}")


@pytest.mark.req("CORE-002")
def test_created_entity_reads_back_unchanged(client, ns):
    eid = ns.entity_id(TYPE)
    expect_status(client.post("/entities", json=_entity(eid)), 201)
    r = client.get(f"/entities/{eid}")
    expect_status(r, 200)
    expect_json_equal(r.json(), _entity(eid))


@pytest.mark.req("CORE-015")
def test_delete_answers_204_and_removes(client, ns):
    eid = ns.entity_id(TYPE)
    expect_status(client.post("/entities", json=_entity(eid)), 201)
    expect_status(client.delete(f"/entities/{eid}"), 204)
    expect_problem(client.get(f"/entities/{eid}"), 404, "ResourceNotFound")


@pytest.mark.req("CORE-008", "ERR-001")
@pytest.mark.read_only
def test_unknown_entity_is_404_problem(client, ns):
    # an id of the run's namespace that was never created: certainly unknown to the target
    expect_problem(client.get(f"/entities/{ns.entity_id(TYPE)}"), 404, "ResourceNotFound")
