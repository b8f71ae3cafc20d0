"""Merge (PATCH /entities/{id}), replace (PUT /entities/{id}, PUT .../attrs/{attr}) and query
by POST (POST /entityOperations/query) of city-os 1.1.
"""

from __future__ import annotations

from typing import Any

import pytest
from _builders import (
    attr_instance,
    attr_value,
    create,
    create_probe,
    entity_ids,
    expect_ids,
    probe_entity,
    probe_type,
    prop,
    read_entity,
)

from conform.http import Client, Response
from conform.suite import expect_json_equal, expect_problem, expect_status

NULL = "urn:ngsi-ld:null"


@pytest.mark.req("CORE-039")
def test_merge_adds_and_merges_attributes(client, ns):
    eid = create_probe(client, ns)["id"]
    body = {"temperature": {"type": "Property", "value": 25.0}, "humidity": prop(0.4)}
    expect_status(client.patch(f"/entities/{eid}", json=body), 204)
    got = read_entity(client, eid)
    expect_json_equal(attr_value(got.get("temperature")), 25.0, "/temperature/value")
    unit = attr_instance(got.get("temperature")).get("unitCode")
    assert unit == "CEL", f"expected unitCode CEL kept by the merge, got {unit!r}"
    expect_json_equal(attr_value(got.get("humidity")), 0.4, "/humidity")
    expect_json_equal(attr_value(got.get("name")), "probe", "/name")


@pytest.mark.req("CORE-040")
def test_merge_with_null_deletes_attribute(client, ns):
    eid = create_probe(client, ns)["id"]
    expect_status(client.patch(f"/entities/{eid}", json={"name": NULL}), 204)
    got = read_entity(client, eid)
    assert "name" not in got, f"expected name deleted by urn:ngsi-ld:null, got {got['name']!r}"
    assert "temperature" in got, "expected the other attributes kept, got temperature missing"


@pytest.mark.req("CORE-041")
def test_merge_or_replace_of_unknown_entity_is_404(client, ns):
    eid = ns.entity_id(probe_type(ns))
    body = {"temperature": prop(1.0)}
    expect_problem(client.patch(f"/entities/{eid}", json=body), 404, "ResourceNotFound")
    replacement = probe_entity(eid, probe_type(ns), temperature=1.0)
    expect_problem(client.put(f"/entities/{eid}", json=replacement), 404, "ResourceNotFound")
    expect_status(client.get(f"/entities/{eid}"), 404)


@pytest.mark.req("CORE-042")
def test_replace_entity_leaves_exactly_the_sent_attributes(client, ns):
    eid = create_probe(client, ns)["id"]
    body = probe_entity(eid, probe_type(ns), humidity=0.4, note="replaced")
    expect_status(client.put(f"/entities/{eid}", json=body), 204)
    got = read_entity(client, eid)
    attrs = sorted(set(got) - {"id", "type", "@context", "scope", "createdAt", "modifiedAt"})
    assert attrs == ["humidity", "note"], f"expected only humidity and note, got {attrs}"
    expect_json_equal(attr_value(got["humidity"]), 0.4, "/humidity")
    expect_json_equal(attr_value(got["note"]), "replaced", "/note")


@pytest.mark.req("CORE-043")
def test_replace_attribute_makes_it_exactly_the_body(client, ns):
    eid = create_probe(client, ns)["id"]
    path = f"/entities/{eid}/attrs/temperature"
    expect_status(client.put(path, json={"type": "Property", "value": 30.0}), 204)
    got = read_entity(client, eid)["temperature"]
    expect_json_equal(attr_value(got), 30.0, "/temperature/value")
    assert "unitCode" not in got, f"expected unitCode gone after the replace, got {got!r}"
    absent = client.put(f"/entities/{eid}/attrs/absentAttr", json=prop(1.0))
    expect_problem(absent, 404, "ResourceNotFound")


def _post_query(client: Client, body: dict[str, Any], **params: str) -> Response:
    r = client.post("/entityOperations/query", json=body, params=params or None)
    expect_status(r, 200)
    return r


@pytest.mark.req("QRY-027")
def test_query_by_post_selects_like_get(client, ns):
    kind = probe_type(ns, "Post")
    ids = [ns.entity_id(kind) for _ in range(3)]
    for eid, value in zip(ids, (10.0, 25.0, 30.0), strict=True):
        create(client, probe_entity(eid, kind, temperature=value))
    query = {"type": "Query", "entities": [{"type": kind}], "q": "temperature>20"}
    expect_ids(_post_query(client, query), set(ids[1:]), "POST query temperature>20")


@pytest.mark.req("QRY-028")
def test_query_by_post_is_paginated(client, ns):
    kind = probe_type(ns, "PostPage")
    ids = {ns.entity_id(kind) for _ in range(3)}
    for eid in sorted(ids):
        create(client, probe_entity(eid, kind, temperature=1.0))
    query = {"type": "Query", "entities": [{"type": kind}]}
    first = _post_query(client, query, limit="2", offset="0", count="true")
    second = _post_query(client, query, limit="2", offset="2")
    pages = entity_ids(first) + entity_ids(second)
    assert len(entity_ids(first)) == 2, f"expected 2 entities on page 1, got {entity_ids(first)}"
    assert sorted(pages) == sorted(ids), f"expected every match once over the pages, got {pages}"
    total = first.headers.get("NGSILD-Results-Count")
    assert total == "3", f"expected NGSILD-Results-Count 3, got {total!r} [{first.exchange_id}]"
