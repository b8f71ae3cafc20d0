"""Core entities (CORE-001..016): create, retrieve and delete, read back and compared."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import unquote, urlsplit

import pytest
from _builders import (
    attr_value,
    create_probe,
    entity_list,
    expect_attrs,
    point,
    probe_entity,
    probe_type,
    prop,
    read_back,
    read_entity,
)

from conform.suite import (
    expect_header,
    expect_json_equal,
    expect_media_type,
    expect_problem,
    expect_status,
)


def _bad_id(ns) -> str:
    """An id of the run's namespace that is not a URI (no scheme)."""
    return f"{ns.prefix}not-a-uri"


@pytest.mark.req("CORE-001")
def test_create_answers_201_with_location(client, ns):
    eid = ns.entity_id(probe_type(ns))
    r = client.post("/entities", json=probe_entity(eid, probe_type(ns), temperature=20))
    expect_status(r, 201)
    location = expect_header(r, "Location")
    path = unquote(urlsplit(location).path)
    assert path == f"/ngsi-ld/v1/entities/{eid}", (
        f"expected Location path /ngsi-ld/v1/entities/{eid}, got {location!r}"
    )


@pytest.mark.req("CORE-002")
def test_created_entity_reads_back_unchanged(client, ns):
    sent = create_probe(client, ns)
    got = read_entity(client, sent["id"])
    assert got.get("id") == sent["id"], f"expected id {sent['id']}, got {got.get('id')!r}"
    assert got.get("type") == sent["type"], f"expected type {sent['type']}, got {got.get('type')!r}"
    attrs = {k for k in sent if k not in ("id", "type")}
    extra = sorted(set(got) - attrs - {"id", "type", "@context"})
    assert not extra, f"expected only the attributes created, got also {extra[0]!r}"
    expect_attrs(got, sent)
    for name in sorted(attrs):  # an attribute type, where the answer states one, is as sent
        kind = got[name].get("type") if isinstance(got[name], dict) else None
        assert kind in (None, sent[name]["type"]), (
            f"expected {name} of type {sent[name]['type']}, got {kind!r}"
        )


@pytest.mark.req("CORE-003")
def test_create_existing_id_is_409_and_keeps_entity(client, ns):
    sent = create_probe(client, ns)
    again = {**sent, "temperature": prop(99.0)}
    expect_problem(client.post("/entities", json=again), 409, "AlreadyExists")
    got = read_back(client, sent["id"])
    expect_json_equal(attr_value(got.get("temperature")), 21.5, "/temperature")


@pytest.mark.req("CORE-004")
def test_create_with_non_uri_id_is_400(client, ns):
    type_ = probe_type(ns, "NoUri")
    body = probe_entity(_bad_id(ns), type_, temperature=20)
    expect_problem(client.post("/entities", json=body), 400, "BadRequestData")
    r = client.get("/entities", params={"type": type_})
    expect_status(r, 200)
    assert entity_list(r) == [], f"expected no entity of type {type_} created, got {r.text[:200]}"


@pytest.mark.req("CORE-005")
def test_create_without_type_is_400(client, ns):
    body = {"id": ns.entity_id(probe_type(ns)), "temperature": prop(20)}
    expect_problem(client.post("/entities", json=body), 400, "BadRequestData")


@pytest.mark.req("CORE-006")
def test_create_with_null_property_value_is_400(client, ns):
    body = probe_entity(ns.entity_id(probe_type(ns)), probe_type(ns), temperature=prop(None))
    expect_problem(client.post("/entities", json=body), 400, "BadRequestData")


@pytest.mark.req("CORE-006")
def test_append_with_null_property_value_is_400(client, ns):
    eid = create_probe(client, ns)["id"]
    r = client.post(f"/entities/{eid}/attrs", json={"humidity": prop(None)})
    expect_problem(r, 400, "BadRequestData")


@pytest.mark.req("CORE-007")
def test_retrieve_answers_200_with_id_and_type(client, ns):
    sent = create_probe(client, ns)
    got = read_entity(client, sent["id"])
    assert (got.get("id"), got.get("type")) == (sent["id"], sent["type"]), (
        f"expected id {sent['id']} type {sent['type']}, got {got.get('id')!r} {got.get('type')!r}"
    )


@pytest.mark.req("CORE-008")
@pytest.mark.read_only
def test_retrieve_unknown_entity_is_404(client, ns):
    # an id of the run's namespace that was never created: certainly unknown to the target
    eid = ns.entity_id(probe_type(ns))
    expect_problem(client.get(f"/entities/{eid}"), 404, "ResourceNotFound")


@pytest.mark.req("CORE-009")
@pytest.mark.read_only
def test_retrieve_malformed_id_is_400(client, ns):
    expect_problem(client.get(f"/entities/{_bad_id(ns)}"), 400, "BadRequestData")


@pytest.mark.req("CORE-009")
def test_writes_to_malformed_id_are_400(client, ns):
    bad = _bad_id(ns)
    attr = {"temperature": prop(1)}
    for r in (
        client.delete(f"/entities/{bad}"),
        client.post(f"/entities/{bad}/attrs", json=attr),
        client.patch(f"/entities/{bad}/attrs", json=attr),
        client.patch(f"/entities/{bad}/attrs/temperature", json={"value": 1}),
        client.delete(f"/entities/{bad}/attrs/temperature"),
    ):
        expect_problem(r, 400, "BadRequestData")


@pytest.mark.req("CORE-010")
def test_key_values_returns_simplified_form(client, ns):
    sent = create_probe(client, ns)
    got = read_entity(client, sent["id"], options="keyValues")
    expected = {
        "id": sent["id"],
        "type": sent["type"],
        "temperature": 21.5,
        "name": "probe",
        "refDevice": sent["refDevice"]["object"],
        "location": point(),
    }
    expect_json_equal(got, expected)


@pytest.mark.req("CORE-011")
def test_attrs_limits_returned_attributes(client, ns):
    sent = create_probe(client, ns)
    got = read_entity(client, sent["id"], attrs="temperature,name,absentAttr")
    assert set(got) - {"@context"} == {"id", "type", "temperature", "name"}, (
        f"expected members id, type, temperature, name, got {sorted(got)}"
    )
    expect_json_equal(attr_value(got["temperature"]), 21.5, "/temperature")


@pytest.mark.req("CORE-012")
def test_attrs_naming_no_existing_attribute_is_404(client, ns):
    eid = create_probe(client, ns)["id"]
    r = client.get(f"/entities/{eid}", params={"attrs": "absentAttr"})
    expect_problem(r, 404, "ResourceNotFound")


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str) or "T" not in value:
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


@pytest.mark.req("CORE-013")
def test_sys_attrs_adds_created_and_modified(client, ns):
    got = read_entity(client, create_probe(client, ns)["id"], options="sysAttrs")
    for name in ("createdAt", "modifiedAt"):
        assert _is_date_time(got.get(name)), f"expected {name} date-time, got {got.get(name)!r}"


@pytest.mark.req("CORE-014")
def test_retrieve_as_geo_json_is_a_feature(client, ns):
    sent = create_probe(client, ns)
    r = client.get(f"/entities/{sent['id']}", headers={"Accept": "application/geo+json"})
    expect_status(r, 200)
    expect_media_type(r, "application/geo+json")
    feature = r.json()
    assert isinstance(feature, dict) and feature.get("type") == "Feature", (
        f"expected a GeoJSON Feature, got {r.text[:120]}"
    )
    assert feature.get("id") == sent["id"], f"expected id {sent['id']}, got {feature.get('id')!r}"
    expect_json_equal(feature.get("geometry"), point(), "/geometry")


@pytest.mark.req("CORE-015")
def test_delete_answers_204_and_removes(client, ns):
    eid = create_probe(client, ns)["id"]
    expect_status(client.delete(f"/entities/{eid}"), 204)
    expect_status(client.get(f"/entities/{eid}"), 404)  # the error's type is CORE-008's


@pytest.mark.req("CORE-016")
def test_delete_unknown_entity_is_404(client, ns):
    eid = ns.entity_id(probe_type(ns))
    expect_problem(client.delete(f"/entities/{eid}"), 404, "ResourceNotFound")
