"""Entities, attributes and attribute values on the NGSI v2 reference server."""

from __future__ import annotations

from reference_v2.helpers import V2, expect_error


def test_create_read_back_with_defaults(v2: V2, kind: str) -> None:
    r = v2(
        "POST",
        "/entities",
        json={
            "id": f"{kind}-1",
            "type": kind,
            "n": {"value": 3},
            "s": {"value": "x"},
            "b": {"value": True},
            "o": {"value": {"k": 1}, "metadata": {"unit": {"value": "m"}}},
        },
    )
    assert r.status_code == 201 and r.content == b""
    assert r.headers["Location"] == f"/v2/entities/{kind}-1?type={kind}"
    got = v2("GET", f"/entities/{kind}-1").json()
    assert {k: got[k]["type"] for k in ("n", "s", "b", "o")} == {
        "n": "Number",
        "s": "Text",
        "b": "Boolean",
        "o": "StructuredValue",
    }
    assert got["o"]["metadata"] == {"unit": {"type": "Text", "value": "m"}}
    expect_error(
        v2("POST", "/entities", json={"id": f"{kind}-1", "type": kind}), 422, "Unprocessable"
    )
    v2.create({"id": f"{kind}-2"})
    assert v2("GET", f"/entities/{kind}-2").json()["type"] == "Thing"


def test_representations(v2: V2, kind: str) -> None:
    v2.create(
        {"id": f"{kind}-1", "type": kind, "a": 1, "b": 1, "c": "z"}, params={"options": "keyValues"}
    )
    base = f"/entities/{kind}-1"
    assert v2("GET", base, params={"options": "keyValues"}).json() == {
        "id": f"{kind}-1",
        "type": kind,
        "a": 1,
        "b": 1,
        "c": "z",
    }
    assert v2("GET", base, params={"options": "values", "attrs": "c,a"}).json() == ["z", 1]
    assert v2("GET", base, params={"options": "unique"}).json() == [1, "z"]
    assert set(v2("GET", base, params={"attrs": "a"}).json()) == {"id", "type", "a"}
    assert set(v2("GET", base + "/attrs").json()) == {"a", "b", "c"}
    dates = v2("GET", base, params={"attrs": "dateCreated,dateModified"}).json()
    assert dates["dateCreated"]["type"] == "DateTime"
    assert dates["dateModified"]["value"] >= dates["dateCreated"]["value"]


def test_attribute_updates(v2: V2, kind: str) -> None:
    v2.create({"id": f"{kind}-1", "type": kind, "a": {"value": 1}})
    attrs = f"/entities/{kind}-1/attrs"
    assert v2("POST", attrs, json={"a": {"value": 2}, "b": {"value": 3}}).status_code == 204
    expect_error(
        v2("POST", attrs, params={"options": "append"}, json={"a": {"value": 9}}),
        422,
        "Unprocessable",
    )
    assert v2("GET", attrs + "/a").json() == {"type": "Number", "value": 2, "metadata": {}}
    assert v2("PATCH", attrs, json={"b": {"value": 4}}).status_code == 204
    expect_error(v2("PATCH", attrs, json={"zz": {"value": 4}}), 422, "Unprocessable")
    assert "zz" not in v2("GET", attrs).json()
    assert v2("PUT", attrs, json={"c": {"value": 5}}).status_code == 204
    assert set(v2("GET", attrs).json()) == {"c"}
    assert v2("PUT", attrs + "/c", json={"value": "t", "type": "Text"}).status_code == 204
    assert v2("GET", attrs + "/c").json()["value"] == "t"
    assert v2("DELETE", attrs + "/c").status_code == 204
    expect_error(v2("GET", attrs + "/c"), 404, "NotFound")
    assert v2("DELETE", f"/entities/{kind}-1").status_code == 204
    expect_error(v2("GET", f"/entities/{kind}-1"), 404, "NotFound")


def test_values_text_and_json(v2: V2, kind: str) -> None:
    v2.create(
        {"id": f"{kind}-1", "type": kind, "s": "hi", "o": {"k": [1]}},
        params={"options": "keyValues"},
    )
    value = f"/entities/{kind}-1/attrs/s/value"
    r = v2("GET", value, headers={"Accept": "text/plain"})
    assert (r.status_code, r.headers["Content-Type"], r.text) == (200, "text/plain", '"hi"')
    expect_error(v2("GET", value, headers={"Accept": "application/json"}), 406, "NotAcceptable")
    assert v2("GET", f"/entities/{kind}-1/attrs/o/value").json() == {"k": [1]}
    for text, stored in (("12.5", 12.5), ("true", True), ('"w"', "w")):
        r = v2("PUT", value, data=text, headers={"Content-Type": "text/plain"})
        assert r.status_code == 204
        assert (
            v2("GET", f"/entities/{kind}-1", params={"options": "keyValues"}).json()["s"] == stored
        )
    expect_error(
        v2("PUT", value, data="nan?", headers={"Content-Type": "text/plain"}), 400, "BadRequest"
    )
    assert v2("PUT", value, json={"x": 1}).status_code == 204
    assert v2("GET", value).json() == {"x": 1}


def test_type_disambiguation_and_upsert(v2: V2, kind: str) -> None:
    v2.create({"id": f"{kind}-1", "type": f"{kind}A"})
    v2.create({"id": f"{kind}-1", "type": f"{kind}B"})
    expect_error(v2("GET", f"/entities/{kind}-1"), 409, "TooManyResults")
    assert (
        v2("GET", f"/entities/{kind}-1", params={"type": f"{kind}B"}).json()["type"] == f"{kind}B"
    )
    expect_error(v2("DELETE", f"/entities/{kind}-1", params={"type": "Other"}), 404, "NotFound")
    r = v2(
        "POST",
        "/entities",
        params={"options": "upsert"},
        json={"id": f"{kind}-1", "type": f"{kind}A", "x": {"value": 1}},
    )
    assert r.status_code == 204
    assert v2("GET", f"/entities/{kind}-1", params={"type": f"{kind}A"}).json()["x"]["value"] == 1
