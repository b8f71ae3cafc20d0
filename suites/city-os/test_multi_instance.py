"""Multi-instance attributes (CIM 009 4.5.5): instances of one attribute told apart by datasetId.

A server may answer a one-instance attribute as an object or as an array of one: both are read.
"""

from __future__ import annotations

from typing import Any

import pytest
from _builders import create, probe_entity, probe_type, prop, read_entity

from conform.http import Client
from conform.namespace import Namespace
from conform.suite import expect_problem, expect_status, requires

SENSOR_A = "urn:ngsi-ld:Dataset:conform-sensor-a"
SENSOR_B = "urn:ngsi-ld:Dataset:conform-sensor-b"
ALL = {None: 20.0, SENSOR_A: 21.0, SENSOR_B: 22.0}  # what `_multi` creates


def _instances(entity: dict[str, Any], name: str) -> dict[str | None, Any]:
    """datasetId (None: the default instance) -> value of every instance of attribute NAME."""
    attr = entity.get(name)
    items = attr if isinstance(attr, list) else [] if attr is None else [attr]
    found: dict[str | None, Any] = {}
    for item in items:
        assert isinstance(item, dict), f"expected attribute instances as objects, got {item!r}"
        found[item.get("datasetId")] = item.get("value")
    return found


def _expect_instances(got: dict[str, Any], name: str, expected: dict[str | None, Any]) -> None:
    found = _instances(got, name)
    assert found == expected, f"expected instances of {name} {expected}, got {found}"


def _multi(client: Client, ns: Namespace) -> str:
    """A created probe entity whose temperature has a default instance, A and B (read back:
    a target keeping fewer fails CORE-033, and blocks the tests starting from it)."""
    eid = ns.entity_id(probe_type(ns))
    temperature = [prop(20.0), prop(21.0, datasetId=SENSOR_A), prop(22.0, datasetId=SENSOR_B)]
    create(client, {**probe_entity(eid, probe_type(ns)), "temperature": temperature})
    with requires("CORE-033"):
        _expect_instances(read_entity(client, eid), "temperature", ALL)
    return eid


@pytest.mark.req("CORE-031")
def test_delete_with_dataset_id_deletes_only_that_instance(client, ns):
    eid = _multi(client, ns)
    r = client.delete(f"/entities/{eid}/attrs/temperature", params={"datasetId": SENSOR_A})
    expect_status(r, 204)
    _expect_instances(read_entity(client, eid), "temperature", {None: 20.0, SENSOR_B: 22.0})


@pytest.mark.req("CORE-032")
def test_delete_of_unknown_dataset_id_is_404(client, ns):
    eid = _multi(client, ns)
    unknown = "urn:ngsi-ld:Dataset:conform-absent"
    r = client.delete(f"/entities/{eid}/attrs/temperature", params={"datasetId": unknown})
    expect_problem(r, 404, "ResourceNotFound")
    _expect_instances(read_entity(client, eid), "temperature", ALL)


@pytest.mark.req("CORE-033")
def test_multi_instance_attribute_reads_back(client, ns):
    eid = _multi(client, ns)
    _expect_instances(read_entity(client, eid), "temperature", ALL)


@pytest.mark.req("CORE-034")
def test_append_adds_and_replaces_instances_by_dataset_id(client, ns):
    eid = _multi(client, ns)
    sensor_c = "urn:ngsi-ld:Dataset:conform-sensor-c"
    for instance in (prop(23.0, datasetId=sensor_c), prop(31.0, datasetId=SENSOR_A)):
        r = client.post(f"/entities/{eid}/attrs", json={"temperature": instance})
        expect_status(r, 204)
    expected = {None: 20.0, SENSOR_A: 31.0, SENSOR_B: 22.0, sensor_c: 23.0}
    _expect_instances(read_entity(client, eid), "temperature", expected)


@pytest.mark.req("CORE-035")
def test_update_by_dataset_id_changes_only_that_instance(client, ns):
    eid = _multi(client, ns)
    body = {"temperature": prop(32.0, datasetId=SENSOR_B)}
    expect_status(client.patch(f"/entities/{eid}/attrs", json=body), 204)
    expected = {None: 20.0, SENSOR_A: 21.0, SENSOR_B: 32.0}
    _expect_instances(read_entity(client, eid), "temperature", expected)


@pytest.mark.req("CORE-036")
def test_partial_update_by_dataset_id_changes_only_that_instance(client, ns):
    eid = _multi(client, ns)
    path = f"/entities/{eid}/attrs/temperature"
    expect_status(client.patch(path, json={"value": 33.0, "datasetId": SENSOR_A}), 204)
    unknown = {"value": 99.0, "datasetId": "urn:ngsi-ld:Dataset:conform-absent"}
    expect_problem(client.patch(path, json=unknown), 404, "ResourceNotFound")
    expected = {None: 20.0, SENSOR_A: 33.0, SENSOR_B: 22.0}
    _expect_instances(read_entity(client, eid), "temperature", expected)


@pytest.mark.req("CORE-037")
def test_delete_all_removes_every_instance(client, ns):
    eid = _multi(client, ns)
    r = client.delete(f"/entities/{eid}/attrs/temperature", params={"deleteAll": "true"})
    expect_status(r, 204)
    got = read_entity(client, eid)
    assert "temperature" not in got, f"expected every instance gone, got {got['temperature']!r}"


@pytest.mark.req("CORE-038")
def test_duplicate_dataset_id_is_400(client, ns):
    eid = ns.entity_id(probe_type(ns))
    twice = [prop(1.0, datasetId=SENSOR_A), prop(2.0, datasetId=SENSOR_A)]
    body = {**probe_entity(eid, probe_type(ns)), "temperature": twice}
    expect_problem(client.post("/entities", json=body), 400, "BadRequestData")
    expect_status(client.get(f"/entities/{eid}"), 404)


@pytest.mark.req("QRY-026")
def test_query_matches_any_instance(client, ns):
    eid = _multi(client, ns)
    for q, hit in (
        ("temperature==22.0", True),
        ("temperature>21.5", True),
        ("temperature>50", False),
    ):
        r = client.get("/entities", params={"type": probe_type(ns), "q": q})
        expect_status(r, 200)
        got = [e for e in r.json() if isinstance(e, dict) and e.get("id") == eid]
        assert bool(got) == hit, f"expected the entity {'' if hit else 'not '}matched by {q}"
        if got:
            expected = {None: 20.0, SENSOR_A: 21.0, SENSOR_B: 22.0}
            _expect_instances(got[0], "temperature", expected)
