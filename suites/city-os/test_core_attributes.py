"""Core entities (CORE-017..029): append, update, partial update and delete of attributes."""

from __future__ import annotations

from typing import Any

import pytest
from _builders import (
    attr_instance,
    attr_value,
    create_probe,
    json_object,
    probe_type,
    prop,
    read_back,
    rel,
)

from conform.suite import expect_json_equal, expect_problem, expect_status


def _expect_not_updated(r, updated: list[str], skipped: str) -> None:
    """A 207 UpdateResult: UPDATED exactly, SKIPPED in notUpdated with attributeName and reason."""
    expect_status(r, 207)
    body = json_object(r, "an UpdateResult object")
    got = body.get("updated")
    assert isinstance(got, list) and sorted(map(str, got)) == sorted(updated), (
        f"expected updated {updated}, got {body.get('updated')!r}"
    )
    entries = body.get("notUpdated")
    objects = [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
    names = [e.get("attributeName") for e in objects]
    assert names == [skipped] and len(objects) == len(entries or []), (
        f"expected notUpdated [{{attributeName: {skipped!r}, reason}}], got {entries!r}"
    )
    reason = objects[0].get("reason")
    assert isinstance(reason, str) and reason.strip(), f"expected a reason, got {reason!r}"


@pytest.mark.req("CORE-017")
def test_append_adds_attributes(client, ns):
    eid = create_probe(client, ns)["id"]
    r = client.post(f"/entities/{eid}/attrs", json={"humidity": prop(0.4), "note": prop("x")})
    expect_status(r, 204)
    got = read_back(client, eid)
    expect_json_equal(attr_value(got.get("humidity")), 0.4, "/humidity")
    expect_json_equal(attr_value(got.get("note")), "x", "/note")


@pytest.mark.req("CORE-018")
def test_append_overwrites_by_default(client, ns):
    eid = create_probe(client, ns)["id"]
    expect_status(client.post(f"/entities/{eid}/attrs", json={"temperature": prop(30.0)}), 204)
    expect_json_equal(attr_value(read_back(client, eid).get("temperature")), 30.0, "/temperature")


def _append_no_overwrite(client, ns) -> tuple[str, Any]:
    eid = create_probe(client, ns)["id"]
    body = {"temperature": prop(30.0), "humidity": prop(0.4)}
    r = client.post(f"/entities/{eid}/attrs", params={"options": "noOverwrite"}, json=body)
    return eid, r


@pytest.mark.req("CORE-019")
def test_append_no_overwrite_keeps_existing(client, ns):
    eid, r = _append_no_overwrite(client, ns)
    expect_status(r, 204, 207)
    got = read_back(client, eid)
    expect_json_equal(attr_value(got.get("temperature")), 21.5, "/temperature")
    expect_json_equal(attr_value(got.get("humidity")), 0.4, "/humidity")


@pytest.mark.req("CORE-020")
def test_append_no_overwrite_reports_skipped(client, ns):
    _, r = _append_no_overwrite(client, ns)
    _expect_not_updated(r, ["humidity"], "temperature")


@pytest.mark.req("CORE-021")
def test_append_to_unknown_entity_is_404(client, ns):
    eid = ns.entity_id(probe_type(ns))
    r = client.post(f"/entities/{eid}/attrs", json={"humidity": prop(0.4)})
    expect_problem(r, 404, "ResourceNotFound")


@pytest.mark.req("CORE-022")
def test_update_attributes_changes_them(client, ns):
    eid = create_probe(client, ns)["id"]
    body = {"temperature": prop(25.0), "name": prop("renamed")}
    expect_status(client.patch(f"/entities/{eid}/attrs", json=body), 204)
    got = read_back(client, eid)
    expect_json_equal(attr_value(got.get("temperature")), 25.0, "/temperature")
    expect_json_equal(attr_value(got.get("name")), "renamed", "/name")


@pytest.mark.req("CORE-023")
def test_update_of_missing_attribute_is_207(client, ns):
    eid = create_probe(client, ns)["id"]
    body = {"temperature": prop(25.0), "humidity": prop(0.4)}
    _expect_not_updated(
        client.patch(f"/entities/{eid}/attrs", json=body), ["temperature"], "humidity"
    )
    got = read_back(client, eid)
    expect_json_equal(attr_value(got.get("temperature")), 25.0, "/temperature")
    assert "humidity" not in got, f"expected humidity not created, got {got.get('humidity')!r}"


@pytest.mark.req("CORE-024")
def test_update_of_unknown_entity_is_404(client, ns):
    eid = ns.entity_id(probe_type(ns))
    r = client.patch(f"/entities/{eid}/attrs", json={"temperature": prop(1)})
    expect_problem(r, 404, "ResourceNotFound")


@pytest.mark.req("CORE-025")
def test_partial_attribute_update_keeps_other_members(client, ns):
    eid = create_probe(client, ns)["id"]
    expect_status(client.patch(f"/entities/{eid}/attrs/temperature", json={"value": 25.0}), 204)
    got = attr_instance(read_back(client, eid).get("temperature"))
    expect_json_equal(attr_value(got), 25.0, "/temperature/value")
    assert got.get("unitCode") == "CEL", f"expected unitCode CEL kept, got {got.get('unitCode')!r}"


@pytest.mark.req("CORE-026")
def test_partial_update_of_missing_entity_or_attribute_is_404(client, ns):
    eid = create_probe(client, ns)["id"]
    unknown = ns.entity_id(probe_type(ns))
    for path in (f"/entities/{unknown}/attrs/temperature", f"/entities/{eid}/attrs/absentAttr"):
        expect_problem(client.patch(path, json={"value": 1}), 404, "ResourceNotFound")


@pytest.mark.req("CORE-027")
def test_partial_update_may_not_change_attribute_type(client, ns):
    eid = create_probe(client, ns)["id"]
    body = rel(ns.entity_id("Device"))
    r = client.patch(f"/entities/{eid}/attrs/temperature", json=body)
    expect_problem(r, 400, "BadRequestData")
    got = attr_instance(read_back(client, eid).get("temperature"))
    kept = got.get("type", "Property") == "Property" and "object" not in got  # concise: no type
    assert kept, f"expected the Property kept, got {got!r}"
    expect_json_equal(attr_value(got), 21.5, "/temperature/value")


@pytest.mark.req("CORE-028")
def test_delete_attribute_removes_it(client, ns):
    eid = create_probe(client, ns)["id"]
    expect_status(client.delete(f"/entities/{eid}/attrs/name"), 204)
    got = read_back(client, eid)
    assert "name" not in got, f"expected attribute name deleted, got {got.get('name')!r}"
    assert "temperature" in got, "expected the other attributes kept, got temperature missing"


@pytest.mark.req("CORE-029")
def test_delete_missing_attribute_is_404(client, ns):
    eid = create_probe(client, ns)["id"]
    unknown = ns.entity_id(probe_type(ns))
    for path in (f"/entities/{unknown}/attrs/temperature", f"/entities/{eid}/attrs/absentAttr"):
        expect_problem(client.delete(path), 404, "ResourceNotFound")
