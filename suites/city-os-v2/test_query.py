"""Queries: ids, patterns, the Simple Query Language, attrs, metadata, ordering (QRY)."""

from __future__ import annotations

import pytest
from _v2 import create, expect_error, fresh_kind, ids, kind, query_ids

from conform.suite import expect_status


@pytest.fixture
def rooms(client, ns):
    """Three entities of a run-unique type: t 10/20/30, names, one without `info`."""
    t = fresh_kind(ns, "Q")
    data = [
        {
            "t": {"value": 10, "metadata": {"acc": {"value": 1}}},
            "name": {"value": "alpha"},
            "info": {"value": {"floor": 1}},
        },
        {
            "t": {"value": 20, "metadata": {"acc": {"value": 2}}},
            "name": {"value": "beta"},
            "info": {"value": {"floor": 2}},
        },
        {"t": {"value": 30}, "name": {"value": "gamma"}},
    ]
    return t, [create(client, {"id": ns.entity_id("Room"), "type": t, **attrs}) for attrs in data]


def _expect(client, t, expected, what, **params):
    got = query_ids(client, t, **params)
    assert sorted(got) == sorted(expected), f"{what}: expected {expected}, got {got}"


@pytest.mark.req("QRY-001")
def test_filter_by_type(client, ns, rooms):
    t, (r0, r1, r2) = rooms
    create(client, {"id": ns.entity_id("Other"), "type": kind(ns, "Other")})
    _expect(client, t, [r0, r1, r2], "type")


@pytest.mark.req("QRY-002")
def test_filter_by_ids(client, rooms):
    t, (r0, _, r2) = rooms
    _expect(client, t, [r0, r2], "id list", id=f"{r0},{r2}")


@pytest.mark.req("QRY-003")
def test_filter_by_id_pattern(client, ns):
    t = fresh_kind(ns, "Pattern")
    hits = [create(client, {"id": ns.entity_id("Hit"), "type": t}) for _ in range(2)]
    create(client, {"id": ns.entity_id("Miss"), "type": t})
    _expect(client, t, hits, "idPattern", idPattern="-Hit$")


@pytest.mark.req("QRY-004")
def test_filter_by_type_pattern(client, ns, rooms):
    t, found = rooms
    create(client, {"id": ns.entity_id("Other"), "type": t + "X"})
    got = ids(client.get("/entities", params={"typePattern": f"^{t}$", "limit": 100}))
    assert sorted(got) == sorted(found), f"typePattern: got {got}"


@pytest.mark.req("QRY-005")
@pytest.mark.read_only
def test_id_and_id_pattern_is_400(client, ns):
    r = client.get("/entities", params={"id": ns.entity_id("X"), "idPattern": ".*"})
    expect_error(r, 400, "BadRequest")


@pytest.mark.req("QRY-006")
def test_q_equality(client, rooms):
    t, (_, r1, _) = rooms
    _expect(client, t, [r1], "q number", q="t==20")
    _expect(client, t, [r1], "q string", q="name=='beta'")


@pytest.mark.req("QRY-007")
def test_q_inequality(client, rooms):
    t, (r0, _, r2) = rooms
    _expect(client, t, [r0, r2], "q !=", q="t!=20")


@pytest.mark.req("QRY-008")
def test_q_comparisons(client, rooms):
    t, (r0, r1, r2) = rooms
    _expect(client, t, [r1, r2], "q >", q="t>10")
    _expect(client, t, [r1, r2], "q >=", q="t>=20")
    _expect(client, t, [r0], "q <", q="t<20")
    _expect(client, t, [r0, r1], "q <=", q="t<=20")


@pytest.mark.req("QRY-009")
def test_q_range(client, rooms):
    t, (_, r1, r2) = rooms
    _expect(client, t, [r1, r2], "q range", q="t==20..30")


@pytest.mark.req("QRY-010")
def test_q_value_list(client, rooms):
    t, (r0, _, r2) = rooms
    _expect(client, t, [r0, r2], "q list", q="t==10,30")


@pytest.mark.req("QRY-011")
def test_q_existence(client, rooms):
    t, (r0, r1, r2) = rooms
    _expect(client, t, [r0, r1], "q exists", q="info")
    _expect(client, t, [r2], "q not exists", q="!info")


@pytest.mark.req("QRY-012")
def test_q_pattern(client, rooms):
    t, (r0, _, r2) = rooms
    _expect(client, t, [r0, r2], "q ~=", q="name~=^[ag]")


@pytest.mark.req("QRY-013")
def test_q_conjunction(client, rooms):
    t, (_, r1, _) = rooms
    _expect(client, t, [r1], "q conjunction", q="t>10;info")


@pytest.mark.req("QRY-014")
def test_q_compound_path(client, rooms):
    t, (_, r1, _) = rooms
    _expect(client, t, [r1], "q compound", q="info.floor==2")


@pytest.mark.req("QRY-015")
@pytest.mark.read_only
def test_invalid_q_is_400(client):
    for bad in ("t==", "==3"):
        expect_error(client.get("/entities", params={"q": bad}), 400, "BadRequest")


@pytest.mark.req("QRY-016")
def test_mq(client, rooms):
    t, (_, r1, _) = rooms
    _expect(client, t, [r1], "mq", mq="t.acc==2")


@pytest.mark.req("QRY-017")
def test_attrs_on_list(client, rooms):
    t, _ = rooms
    r = client.get("/entities", params={"type": t, "attrs": "name"})
    expect_status(r, 200)
    members = [sorted(e) for e in r.json()]
    assert members and all(m == ["id", "name", "type"] for m in members), f"got {members}"


@pytest.mark.req("QRY-018")
def test_metadata_filter(client, rooms):
    t, (r0, _, _) = rooms
    create_meta = {"t": {"value": 1, "metadata": {"keep": {"value": 1}, "drop": {"value": 2}}}}
    client.post(f"/entities/{r0}/attrs", json=create_meta)
    r = client.get("/entities", params={"id": r0, "type": t, "metadata": "keep"})
    expect_status(r, 200)
    metadata = r.json()[0]["t"].get("metadata", {})
    assert set(metadata) == {"keep"}, f"got metadata {sorted(metadata)}"


@pytest.mark.req("QRY-019")
def test_order_by_attribute(client, rooms):
    t, (r0, r1, r2) = rooms
    assert query_ids(client, t, orderBy="t") == [r0, r1, r2], "ascending"
    assert query_ids(client, t, orderBy="!t") == [r2, r1, r0], "descending"


@pytest.mark.req("QRY-020")
def test_order_by_id(client, ns):
    t = fresh_kind(ns, "ById")
    made = [ns.entity_id("Room") for _ in range(3)]
    for eid in (made[2], made[0], made[1]):  # creation order is not id order
        create(client, {"id": eid, "type": t})
    assert query_ids(client, t, orderBy="id") == sorted(made)


@pytest.mark.req("QRY-033")
def test_list_key_values(client, rooms):
    t, (r0, _, _) = rooms
    r = client.get("/entities", params={"type": t, "id": r0, "options": "keyValues"})
    expect_status(r, 200)
    got = r.json()
    assert got == [{"id": r0, "type": t, "t": 10, "name": "alpha", "info": {"floor": 1}}], (
        f"got {got}"
    )


@pytest.mark.req("QRY-034")
def test_list_values(client, rooms):
    t, _ = rooms
    r = client.get(
        "/entities", params={"type": t, "options": "values", "attrs": "name,t", "orderBy": "t"}
    )
    expect_status(r, 200)
    assert r.json() == [["alpha", 10], ["beta", 20], ["gamma", 30]], f"got {r.text[:200]}"
