"""Entities: create, retrieve, representations, delete, type disambiguation (CORE)."""

from __future__ import annotations

import pytest
from _v2 import create, expect_error, key_values, kind, read

from conform.suite import expect_header, expect_status


@pytest.mark.req("CORE-001")
def test_create_answers_201_with_location(client, ns):
    eid, t = ns.entity_id("Room"), kind(ns)
    r = client.post("/entities", json={"id": eid, "type": t, "temperature": {"value": 21}})
    expect_status(r, 201)
    assert not r.content, f"expected an empty body, got {r.text[:80]!r}"
    expect_header(r, "Location", f"/v2/entities/{eid}?type={t}")


@pytest.mark.req("CORE-002")
def test_created_entity_reads_back(client, ns):
    sent = {
        "temperature": {"value": 21.5, "type": "Number"},
        "name": {"value": "hall", "type": "Text"},
        "info": {"value": {"floor": 2}, "type": "StructuredValue"},
    }
    eid = create(client, {"id": ns.entity_id("Room"), "type": kind(ns), **sent})
    got = read(client, eid)
    assert (got.get("id"), got.get("type")) == (eid, kind(ns)), (
        f"got id/type {got.get('id')}/{got.get('type')}"
    )
    for name, attr in sent.items():
        assert isinstance(got.get(name), dict), f"attribute {name} missing"
        assert (got[name].get("value"), got[name].get("type")) == (attr["value"], attr["type"]), (
            f"attribute {name}: got {got[name]}"
        )


@pytest.mark.req("CORE-003")
def test_create_existing_is_422(client, ns):
    eid = create(client, {"id": ns.entity_id("Room"), "type": kind(ns), "a": {"value": 1}})
    r = client.post("/entities", json={"id": eid, "type": kind(ns), "a": {"value": 2}})
    expect_error(r, 422, "Unprocessable")
    assert key_values(client, eid)["a"] == 1, "the stored entity changed"


@pytest.mark.req("CORE-004")
def test_entity_without_type_is_thing(client, ns):
    eid = create(client, {"id": ns.entity_id("Thing"), "a": {"value": 1}})
    assert read(client, eid, type="Thing")["type"] == "Thing"


@pytest.mark.req("CORE-005")
def test_attribute_default_types(client, ns):
    eid = create(
        client,
        {
            "id": ns.entity_id("Room"),
            "type": kind(ns),
            "n": {"value": 1},
            "s": {"value": "x"},
            "b": {"value": False},
            "o": {"value": {"k": 1}},
            "l": {"value": [1]},
        },
    )
    got = read(client, eid)
    types = {k: got[k].get("type") for k in ("n", "s", "b", "o", "l")}
    assert types == {
        "n": "Number",
        "s": "Text",
        "b": "Boolean",
        "o": "StructuredValue",
        "l": "StructuredValue",
    }, f"got types {types}"


@pytest.mark.req("CORE-006")
def test_create_key_values(client, ns):
    body = {"id": ns.entity_id("Room"), "type": kind(ns), "t": 20, "s": "on", "o": {"k": [1, 2]}}
    r = client.post("/entities", json=body, params={"options": "keyValues"})
    expect_status(r, 201)
    got = key_values(client, body["id"])
    assert got == body, f"got {got}"


@pytest.mark.req("CORE-007")
@pytest.mark.read_only
def test_unknown_entity_is_404(client, ns):
    expect_error(client.get(f"/entities/{ns.entity_id('Nothing')}"), 404, "NotFound")


@pytest.mark.req("CORE-008")
def test_retrieve_key_values(client, ns):
    eid = create(
        client,
        {
            "id": ns.entity_id("Room"),
            "type": kind(ns),
            "t": {"value": 3},
            "m": {"value": "x", "metadata": {"unit": {"value": "C"}}},
        },
    )
    got = read(client, eid, options="keyValues")
    assert got == {"id": eid, "type": kind(ns), "t": 3, "m": "x"}, f"got {got}"


@pytest.mark.req("CORE-009")
def test_retrieve_values(client, ns):
    eid = create(
        client,
        {
            "id": ns.entity_id("Room"),
            "type": kind(ns),
            "a": {"value": 1},
            "b": {"value": "two"},
            "c": {"value": 3},
        },
    )
    got = read(client, eid, options="values", attrs="b,a")
    assert got == ["two", 1], f"got {got}"


@pytest.mark.req("CORE-010")
def test_retrieve_unique(client, ns):
    eid = create(
        client,
        {
            "id": ns.entity_id("Room"),
            "type": kind(ns),
            "a": {"value": 7},
            "b": {"value": 7},
            "c": {"value": "x"},
        },
    )
    got = read(client, eid, options="unique")
    assert isinstance(got, list) and sorted(map(str, got)) == ["7", "x"], f"got {got}"


@pytest.mark.req("CORE-011")
def test_retrieve_attrs_filter(client, ns):
    eid = create(
        client, {"id": ns.entity_id("Room"), "type": kind(ns), "a": {"value": 1}, "b": {"value": 2}}
    )
    got = read(client, eid, attrs="a")
    assert set(got) == {"id", "type", "a"}, f"got members {sorted(got)}"


@pytest.mark.req("CORE-012")
def test_retrieve_entity_attributes(client, ns):
    eid = create(
        client, {"id": ns.entity_id("Room"), "type": kind(ns), "a": {"value": 1}, "b": {"value": 2}}
    )
    r = client.get(f"/entities/{eid}/attrs")
    expect_status(r, 200)
    got = r.json()
    assert set(got) == {"a", "b"} and got["a"].get("value") == 1, f"got {got}"


@pytest.mark.req("CORE-018")
def test_delete_entity(client, ns):
    eid = create(client, {"id": ns.entity_id("Room"), "type": kind(ns)})
    expect_status(client.delete(f"/entities/{eid}"), 204)
    expect_error(client.get(f"/entities/{eid}"), 404, "NotFound")


@pytest.mark.req("CORE-028")
def test_ambiguous_id_is_409(client, ns):
    eid = ns.entity_id("Twin")
    create(client, {"id": eid, "type": kind(ns, "A")})
    create(client, {"id": eid, "type": kind(ns, "B")})
    try:
        expect_error(client.get(f"/entities/{eid}"), 409, "TooManyResults")
        assert read(client, eid, type=kind(ns, "B"))["type"] == kind(ns, "B")
    finally:  # the ledger knows the id once; both entities go
        for suffix in ("A", "B"):
            client.delete(f"/entities/{eid}", params={"type": kind(ns, suffix)})


@pytest.mark.req("CORE-029")
def test_type_parameter_scopes_delete(client, ns):
    eid = create(client, {"id": ns.entity_id("Room"), "type": kind(ns)})
    expect_error(
        client.delete(f"/entities/{eid}", params={"type": kind(ns, "Other")}), 404, "NotFound"
    )
    assert read(client, eid)["id"] == eid, "the entity was deleted"


@pytest.mark.req("CORE-030")
def test_metadata_is_kept(client, ns):
    eid = create(
        client,
        {
            "id": ns.entity_id("Room"),
            "type": kind(ns),
            "t": {
                "value": 21,
                "metadata": {"unit": {"value": "CEL", "type": "Text"}, "accuracy": {"value": 0.5}},
            },
        },
    )
    metadata = read(client, eid)["t"].get("metadata", {})
    assert metadata.get("unit") == {"value": "CEL", "type": "Text"}, f"got metadata {metadata}"
    assert metadata.get("accuracy", {}).get("value") == 0.5, f"got metadata {metadata}"


@pytest.mark.req("CORE-031")
def test_create_upsert(client, ns):
    eid = create(client, {"id": ns.entity_id("Room"), "type": kind(ns), "a": {"value": 1}})
    r = client.post(
        "/entities",
        json={"id": eid, "type": kind(ns), "a": {"value": 2}},
        params={"options": "upsert"},
    )
    expect_status(r, 204)
    assert key_values(client, eid)["a"] == 2, "upsert did not update the attribute"


@pytest.mark.req("CORE-032")
def test_builtin_dates(client, ns):
    eid = create(client, {"id": ns.entity_id("Room"), "type": kind(ns), "a": {"value": 1}})
    got = read(client, eid, attrs="dateCreated,dateModified")
    created, modified = got.get("dateCreated", {}), got.get("dateModified", {})
    assert created.get("type") == "DateTime" and modified.get("type") == "DateTime", f"got {got}"
    assert str(modified.get("value")) >= str(created.get("value")), (
        "dateModified before dateCreated"
    )
