"""Multi-instance attributes (CIM 009 4.5.5): instances of one attribute told apart by datasetId.

A server may answer a one-instance attribute as an object or as an array of one: both are read.
"""

from __future__ import annotations

from typing import Any

import pytest
from _builders import create, probe_entity, probe_type, prop, read_entity

from conform.http import Client
from conform.namespace import Namespace
from conform.suite import expect_problem, expect_status

SENSOR_A = "urn:ngsi-ld:Dataset:conform-sensor-a"
SENSOR_B = "urn:ngsi-ld:Dataset:conform-sensor-b"


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
    """A created probe entity whose temperature has a default instance, A and B."""
    eid = ns.entity_id(probe_type(ns))
    temperature = [prop(20.0), prop(21.0, datasetId=SENSOR_A), prop(22.0, datasetId=SENSOR_B)]
    create(client, {**probe_entity(eid, probe_type(ns)), "temperature": temperature})
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
    expected = {None: 20.0, SENSOR_A: 21.0, SENSOR_B: 22.0}
    _expect_instances(read_entity(client, eid), "temperature", expected)
