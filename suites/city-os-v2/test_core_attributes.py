"""Attributes and attribute values: /attrs, /attrs/{attrName}, /value incl. text/plain (CORE)."""

from __future__ import annotations

import pytest
from _v2 import create, expect_error, key_values, kind, read

from conform.suite import expect_media_type, expect_status


@pytest.fixture
def room(client, ns):
    """A fresh entity with a number `a`, a string `s` and an object `o`."""
    return create(
        client,
        {
            "id": ns.entity_id("Room"),
            "type": kind(ns),
            "a": {"value": 1},
            "s": {"value": "hello"},
            "o": {"value": {"k": [1, 2]}},
        },
    )


@pytest.mark.req("CORE-013")
def test_update_or_append(client, room):
    r = client.post(f"/entities/{room}/attrs", json={"a": {"value": 5}, "new": {"value": "n"}})
    expect_status(r, 204)
    got = key_values(client, room)
    assert (got.get("a"), got.get("new")) == (5, "n"), f"got {got}"


@pytest.mark.req("CORE-014")
def test_strict_append_of_existing_is_422(client, room):
    r = client.post(
        f"/entities/{room}/attrs", json={"a": {"value": 9}}, params={"options": "append"}
    )
    expect_error(r, 422, "Unprocessable")
    assert key_values(client, room)["a"] == 1, "the attribute changed"


@pytest.mark.req("CORE-015")
def test_update_existing(client, room):
    expect_status(client.patch(f"/entities/{room}/attrs", json={"a": {"value": 8}}), 204)
    assert key_values(client, room)["a"] == 8


@pytest.mark.req("CORE-016")
def test_update_of_missing_attribute_is_422(client, room):
    r = client.patch(f"/entities/{room}/attrs", json={"missing": {"value": 1}})
    expect_error(r, 422, "Unprocessable")
    assert "missing" not in key_values(client, room), "the attribute was added"


@pytest.mark.req("CORE-017")
def test_replace_all(client, room):
    expect_status(client.put(f"/entities/{room}/attrs", json={"z": {"value": 0}}), 204)
    got = key_values(client, room)
    assert set(got) == {"id", "type", "z"}, f"got members {sorted(got)}"


@pytest.mark.req("CORE-019")
def test_get_attribute_data(client, room):
    r = client.get(f"/entities/{room}/attrs/a")
    expect_status(r, 200)
    got = r.json()
    assert got.get("value") == 1 and got.get("type") == "Number", f"got {got}"
    assert isinstance(got.get("metadata"), dict), f"no metadata object: {got}"


@pytest.mark.req("CORE-020")
def test_unknown_attribute_is_404(client, room):
    expect_error(client.get(f"/entities/{room}/attrs/none"), 404, "NotFound")


@pytest.mark.req("CORE-021")
def test_update_attribute_data(client, room):
    r = client.put(f"/entities/{room}/attrs/a", json={"value": "ten", "type": "Text"})
    expect_status(r, 204)
    got = read(client, room)["a"]
    assert (got.get("value"), got.get("type")) == ("ten", "Text"), f"got {got}"


@pytest.mark.req("CORE-022")
def test_remove_single_attribute(client, room):
    expect_status(client.delete(f"/entities/{room}/attrs/a"), 204)
    assert "a" not in key_values(client, room), "the attribute is still there"


@pytest.mark.req("CORE-023")
def test_value_as_text_plain(client, room):
    r = client.get(f"/entities/{room}/attrs/s/value", headers={"Accept": "text/plain"})
    expect_status(r, 200)
    expect_media_type(r, "text/plain")
    assert r.text == '"hello"', f"expected the string in citation marks, got {r.text!r}"
    r = client.get(f"/entities/{room}/attrs/a/value", headers={"Accept": "text/plain"})
    expect_status(r, 200)
    assert r.text.strip() == "1", f"expected 1, got {r.text!r}"


@pytest.mark.req("CORE-024")
def test_object_value_as_json(client, room):
    r = client.get(f"/entities/{room}/attrs/o/value", headers={"Accept": "application/json"})
    expect_status(r, 200)
    expect_media_type(r, "application/json")
    assert r.json() == {"k": [1, 2]}, f"got {r.text!r}"


@pytest.mark.req("CORE-025")
def test_scalar_value_json_only_is_406(client, room):
    r = client.get(f"/entities/{room}/attrs/s/value", headers={"Accept": "application/json"})
    expect_error(r, 406, "NotAcceptable")


@pytest.mark.req("CORE-026")
def test_update_value_text_plain(client, room):
    plain = {"Content-Type": "text/plain"}
    for text, stored in (('"abc"', "abc"), ("true", True), ("42", 42)):
        expect_status(client.put(f"/entities/{room}/attrs/s/value", data=text, headers=plain), 204)
        got = key_values(client, room)["s"]
        assert got == stored and type(got) is type(stored), f"{text}: stored {got!r}"


@pytest.mark.req("CORE-027")
def test_update_value_json(client, room):
    expect_status(client.put(f"/entities/{room}/attrs/o/value", json={"x": [3]}), 204)
    assert key_values(client, room)["o"] == {"x": [3]}
