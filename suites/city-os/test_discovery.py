"""Type and attribute discovery over run-unique types and attribute names (vendor data ignored)."""

from __future__ import annotations

from typing import Any

import pytest
from _builders import create, probe_entity, probe_type

from conform.http import Client, Response
from conform.namespace import Namespace
from conform.suite import expect_problem, expect_status, requires
from conform.suite.expect import shape_of


def _attr(ns: Namespace, suffix: str) -> str:
    """A run-unique attribute name, so no vendor entity has it."""
    return f"conformAttr{ns.run_id}{suffix}"


def _populate(client: Client, ns: Namespace, suffix: str) -> tuple[str, str, str, str]:
    """Two entities of type A and one of type B sharing attribute `shared`; A also has `own`.

    Returns (type A, type B, shared attribute, attribute only A has).
    """
    type_a, type_b = probe_type(ns, f"{suffix}A"), probe_type(ns, f"{suffix}B")
    shared, own = _attr(ns, f"{suffix}Shared"), _attr(ns, f"{suffix}Own")
    for kind, attrs in (
        (type_a, {shared: 1, own: 2}),
        (type_a, {shared: 3}),
        (type_b, {shared: 4}),
    ):
        create(client, probe_entity(ns.entity_id(kind), kind, **attrs))
    return type_a, type_b, shared, own


def _ok(resp: Response) -> Any:
    expect_status(resp, 200)
    return resp.json()


def _list_of(client: Client, member: str) -> Any:
    """MEMBER of the EntityTypeList that GET /types answers."""
    body = _ok(client.get("/types"))
    assert isinstance(body, dict), f"expected an EntityTypeList object, got {shape_of(body)}"
    return body.get(member)


def _shape(item: Any, kind: str, *members: str) -> None:
    """ITEM is an object of type KIND carrying MEMBERS."""
    ok = isinstance(item, dict) and item.get("type") == kind and all(m in item for m in members)
    assert ok, f"expected a {kind} with {', '.join(members)}, got {str(item)[:160]}"


def _missing(wanted: list[str], listed: Any, what: str) -> None:
    absent = [w for w in wanted if not isinstance(listed, list) or w not in listed]
    assert not absent, f"expected {absent[0]} in {what}, got {str(listed)[:160]}"


@pytest.mark.req("DISC-001")
def test_types_lists_existing_types(client, ns):
    type_a, type_b, _, _ = _populate(client, ns, "D1")
    body = _ok(client.get("/types"))
    _shape(body, "EntityTypeList", "id", "typeList")
    _missing([type_a, type_b], body["typeList"], "typeList")


@pytest.mark.req("DISC-002")
def test_type_without_entities_is_not_listed(client, ns):
    kind = probe_type(ns, "D2")
    eid = create(client, probe_entity(ns.entity_id(kind), kind, level=1))["id"]
    _missing([kind], _list_of(client, "typeList"), "typeList while it has an entity")
    with requires("CORE-015"):  # the delete is CORE-015's; what /types says after it is ours
        expect_status(client.delete(f"/entities/{eid}"), 204)
    listed = _list_of(client, "typeList")
    assert isinstance(listed, list) and kind not in listed, (
        f"expected {kind} no longer in typeList after its last entity was deleted, "
        f"got {str(listed)[:160]}"
    )


@pytest.mark.req("DISC-003")
def test_types_details(client, ns):
    type_a, type_b, shared, own = _populate(client, ns, "D3")
    body = _ok(client.get("/types", params={"details": "true"}))
    assert isinstance(body, list), f"expected an array of EntityType, got {str(body)[:160]}"
    for item in body:
        _shape(item, "EntityType", "id", "typeName", "attributeNames")
    by_name = {item["typeName"]: item for item in body}
    _missing([type_a, type_b], list(by_name), "the typeName values")
    _missing([shared, own], by_name[type_a]["attributeNames"], f"attributeNames of {type_a}")


@pytest.mark.req("DISC-004")
def test_type_information(client, ns):
    type_a, _, shared, own = _populate(client, ns, "D4")
    body = _ok(client.get(f"/types/{type_a}"))
    assert isinstance(body, dict) and body.get("typeName") == type_a, (
        f"expected typeName {type_a}, got {str(body)[:160]}"
    )
    assert body.get("entityCount") == 2, f"expected entityCount 2, got {body.get('entityCount')!r}"
    details = body.get("attributeDetails")
    listed = details if isinstance(details, list) else []
    names = [d.get("attributeName") for d in listed if isinstance(d, dict)]
    _missing([shared, own], names, "attributeDetails")


@pytest.mark.req("DISC-005")
@pytest.mark.read_only
def test_unknown_type_is_404(client, ns):
    r = client.get(f"/types/{probe_type(ns, 'NeverCreated')}")
    expect_problem(r, 404, "ResourceNotFound")


@pytest.mark.req("DISC-006")
def test_attributes_lists_names(client, ns):
    _, _, shared, own = _populate(client, ns, "D6")
    body = _ok(client.get("/attributes"))
    _shape(body, "AttributeList", "id", "attributeList")
    _missing([shared, own], body["attributeList"], "attributeList")


@pytest.mark.req("DISC-007")
def test_attributes_details(client, ns):
    _, _, shared, own = _populate(client, ns, "D7")
    body = _ok(client.get("/attributes", params={"details": "true"}))
    assert isinstance(body, list), f"expected an array of Attribute, got {str(body)[:160]}"
    for item in body:
        _shape(item, "Attribute", "id", "attributeName")
    _missing([shared, own], [item["attributeName"] for item in body], "the attributeName values")


@pytest.mark.req("DISC-008")
def test_attribute_information(client, ns):
    type_a, type_b, shared, _ = _populate(client, ns, "D8")
    body = _ok(client.get(f"/attributes/{shared}"))
    assert isinstance(body, dict) and body.get("attributeName") == shared, (
        f"expected attributeName {shared}, got {str(body)[:160]}"
    )
    _missing([type_a, type_b], body.get("typeNames"), "typeNames")


@pytest.mark.req("DISC-009")
@pytest.mark.read_only
def test_unknown_attribute_is_404(client, ns):
    r = client.get(f"/attributes/{_attr(ns, 'NeverUsed')}")
    expect_problem(r, 404, "ResourceNotFound")
