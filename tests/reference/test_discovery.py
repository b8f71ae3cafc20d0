"""Discovery class: /types and /attributes."""

from __future__ import annotations

from reference.helpers import eid, expect_problem, prop


def _make(http, api, kind: str, **attrs) -> str:
    entity_id = eid(kind)
    body = {"id": entity_id, "type": kind, **{k: prop(v) for k, v in attrs.items()}}
    assert http.post(f"{api}/entities", json=body).status_code == 201
    return entity_id


def test_types_list_and_details(http, api, kind):
    """DISC-001, DISC-002, DISC-003."""
    entity_id = _make(http, api, kind, speed=1)
    listing = http.get(f"{api}/types").json()
    assert listing["type"] == "EntityTypeList"
    assert listing["id"].startswith("urn:ngsi-ld:EntityTypeList:")
    assert kind in listing["typeList"]
    details = http.get(f"{api}/types", params={"details": "true"}).json()
    mine = next(d for d in details if d["typeName"] == kind)
    assert mine == {"id": kind, "type": "EntityType", "typeName": kind, "attributeNames": ["speed"]}
    assert http.delete(f"{api}/entities/{entity_id}").status_code == 204
    assert kind not in http.get(f"{api}/types").json()["typeList"]


def test_type_info(http, api, kind):
    """DISC-004, DISC-005."""
    _make(http, api, kind, speed=1)
    _make(http, api, kind, speed=2, color="red")
    info = http.get(f"{api}/types/{kind}").json()
    assert info["type"] == "EntityTypeInformation"
    assert info["typeName"] == kind
    assert info["entityCount"] == 2
    assert [a["attributeName"] for a in info["attributeDetails"]] == ["color", "speed"]
    expect_problem(http.get(f"{api}/types/NoSuchType"), 404, "ResourceNotFound")


def test_attributes(http, api, kind):
    """DISC-006, DISC-007, DISC-008, DISC-009."""
    attr = f"a{kind}"
    _make(http, api, kind, **{attr: 1})
    listing = http.get(f"{api}/attributes").json()
    assert listing["type"] == "AttributeList"
    assert attr in listing["attributeList"]
    details = http.get(f"{api}/attributes", params={"details": "true"}).json()
    assert any(d["attributeName"] == attr and d["type"] == "Attribute" for d in details)
    info = http.get(f"{api}/attributes/{attr}").json()
    assert info["attributeName"] == attr
    assert info["typeNames"] == [kind]
    assert info["attributeCount"] == 1
    assert info["attributeTypes"] == ["Property"]
    expect_problem(http.get(f"{api}/attributes/noSuchAttribute"), 404, "ResourceNotFound")
