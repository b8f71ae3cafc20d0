"""Errors: Orion's names and codes, syntax restrictions, media types (ERR)."""

from __future__ import annotations

import json

import pytest
from _v2 import expect_error, fresh_kind, kind, query_ids

from conform.suite import expect_media_type, expect_status


def _refused(client, ns, body, **kw):
    """POST BODY to /entities; 400 BadRequest expected and nothing created."""
    expect_error(client.post("/entities", json=body, **kw), 400, "BadRequest")


@pytest.mark.req("ERR-001")
def test_error_body_shape(client, ns):
    answers = [
        client.get(f"/entities/{ns.entity_id('None')}"),
        client.get("/entities", params={"limit": "x"}),
        client.post("/entities", json={"id": f"{ns.prefix}bad id"}),
    ]
    for r in answers:
        assert 400 <= r.status_code < 500, f"expected a 4xx, got {r.status_code}"
        expect_media_type(r, "application/json")
        body = r.json()
        assert isinstance(body, dict) and isinstance(body.get("error"), str), (
            f"got {r.text[:120]!r}"
        )
        assert isinstance(body.get("description", ""), str), "description is not a string"


@pytest.mark.req("ERR-002")
def test_unparseable_json_is_parse_error(client, ns):
    eid = ns.entity_id("Room")
    r = client.post(
        "/entities",
        data=json.dumps({"id": eid})[:-1] + ', "type": ',
        headers={"Content-Type": "application/json"},
    )
    expect_error(r, 400, "ParseError")
    assert client.get(f"/entities/{eid}").status_code == 404, "an entity was created"


@pytest.mark.req("ERR-003")
def test_forbidden_characters_in_id(client, ns):
    t = fresh_kind(ns, "Bad")
    for char in (" ", "&", "?", "/", "#"):
        _refused(client, ns, {"id": f"{ns.prefix}a{char}b", "type": t})
    assert query_ids(client, t) == [], "an entity was created"


@pytest.mark.req("ERR-004")
def test_identifiers_longer_than_256(client, ns):
    t = fresh_kind(ns, "Long")
    _refused(client, ns, {"id": ns.prefix + "x" * 257, "type": t})
    _refused(client, ns, {"id": ns.entity_id("Room"), "type": "T" * 257})
    _refused(client, ns, {"id": ns.entity_id("Room"), "type": t, "a" * 257: {"value": 1}})


@pytest.mark.req("ERR-005")
def test_forbidden_characters_in_values(client, ns):
    t = fresh_kind(ns, "Chars")
    for char in "<>\"'=;()":
        _refused(client, ns, {"id": ns.entity_id("Room"), "type": t, "a": {"value": f"x{char}y"}})
    assert query_ids(client, t) == [], "an entity was created"


@pytest.mark.req("ERR-006")
def test_forbidden_characters_in_attribute_names(client, ns):
    for char in (" ", "&", "?", "/", "#"):
        _refused(
            client, ns, {"id": ns.entity_id("Room"), "type": kind(ns), f"a{char}b": {"value": 1}}
        )


@pytest.mark.req("ERR-007")
def test_method_not_allowed(client):
    r = client.request("POST", "/types", data=b"{}", headers={"Content-Type": "application/json"})
    expect_status(r, 405)


@pytest.mark.req("ERR-008")
def test_chunked_body_is_411(client, ns):
    body = json.dumps({"id": ns.entity_id("Room"), "type": kind(ns, "Chunk")})
    r = client.post(
        "/entities", data=body, headers={"Content-Type": "application/json"}, chunked=True
    )
    expect_error(r, 411, "ContentLengthRequired")


@pytest.mark.req("ERR-009")
def test_body_above_1mib_is_413(client, ns):
    eid = ns.entity_id("Room")
    body = {"id": eid, "type": kind(ns, "Big"), "a": {"value": "x" * (1024 * 1024 + 16)}}
    expect_error(client.post("/entities", json=body), 413, "RequestEntityTooLarge")
    assert client.get(f"/entities/{eid}").status_code == 404, "an entity was created"


@pytest.mark.req("ERR-010")
def test_unsupported_content_type(client, ns):
    r = client.post("/entities", data="<entity/>", headers={"Content-Type": "application/xml"})
    expect_error(r, 415, "UnsupportedMediaType")


@pytest.mark.req("ERR-011")
@pytest.mark.read_only
def test_unsatisfiable_accept(client):
    expect_error(
        client.get("/entities", params={"limit": 1}, headers={"Accept": "application/xml"}),
        406,
        "NotAcceptable",
    )


@pytest.mark.req("ERR-012")
@pytest.mark.read_only
def test_json_responses_are_application_json(client):
    for path in ("/entities", "/types"):
        r = client.get(path, params={"limit": 1})
        if r.status_code == 200:
            expect_media_type(r, "application/json")
        else:
            assert path == "/types", f"GET {path}: expected 200, got {r.status_code}"


@pytest.mark.req("ERR-013")
@pytest.mark.read_only
def test_malformed_limit_or_offset(client):
    for params in ({"limit": "abc"}, {"limit": "-1"}, {"offset": "x"}, {"offset": "-5"}):
        expect_error(client.get("/entities", params=params), 400, "BadRequest")


@pytest.mark.req("ERR-014")
@pytest.mark.read_only
def test_unknown_option(client):
    expect_error(client.get("/entities", params={"options": "bogus"}), 400, "BadRequest")


@pytest.mark.req("ERR-015")
def test_empty_id(client, ns):
    _refused(client, ns, {"id": "", "type": kind(ns)})


@pytest.mark.req("ERR-016")
def test_non_string_id_or_type(client, ns):
    _refused(client, ns, {"id": [ns.entity_id("Room")], "type": kind(ns)})
    _refused(client, ns, {"id": ns.entity_id("Room"), "type": {"x": 1}})
