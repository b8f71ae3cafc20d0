"""Queries: ids, patterns, the Simple Query Language, geo-queries, ordering and paging."""

from __future__ import annotations

from typing import Any

import pytest
from reference_v2.helpers import V2, expect_error


def _ids(v2: V2, kind: str, **params: Any) -> list[str]:
    r = v2("GET", "/entities", params={"type": kind, "limit": 100, **params})
    assert r.status_code == 200, r.text
    return [e["id"] for e in r.json()]


@pytest.fixture
def rooms(v2: V2, kind: str) -> list[str]:
    data = [
        {"t": 10, "name": "alpha", "info": {"floor": 1}},
        {"t": 20, "name": "beta", "info": {"floor": 2}},
        {"t": 30, "name": "gamma"},
    ]
    for n, attrs in enumerate(data):
        v2.create({"id": f"{kind}-{n}", "type": kind, **attrs}, params={"options": "keyValues"})
    v2("PUT", f"/entities/{kind}-0/attrs/t", json={"value": 10, "metadata": {"acc": {"value": 5}}})
    return [f"{kind}-{n}" for n in range(3)]


def test_simple_query_language(v2: V2, kind: str, rooms: list[str]) -> None:
    r0, r1, r2 = rooms
    assert _ids(v2, kind, q="t==20") == [r1]
    assert _ids(v2, kind, q="name=='beta'") == [r1]
    assert _ids(v2, kind, q="t!=20") == [r0, r2]
    assert _ids(v2, kind, q="t>10") == [r1, r2]
    assert _ids(v2, kind, q="t<=20") == [r0, r1]
    assert _ids(v2, kind, q="t==15..30") == [r1, r2]
    assert _ids(v2, kind, q="t==10,30") == [r0, r2]
    assert _ids(v2, kind, q="info") == [r0, r1]
    assert _ids(v2, kind, q="!info") == [r2]
    assert _ids(v2, kind, q="name~=^g") == [r2]
    assert _ids(v2, kind, q="t>5;name~=a$") == [r0, r1, r2]
    assert _ids(v2, kind, q="info.floor==2") == [r1]
    assert _ids(v2, kind, mq="t.acc==5") == [r0]
    expect_error(v2("GET", "/entities", params={"q": "==3"}), 400, "BadRequest")
    expect_error(v2("GET", "/entities", params={"q": "t=="}), 400, "BadRequest")


def test_selection_and_projection(v2: V2, kind: str, rooms: list[str]) -> None:
    r0, r1, r2 = rooms
    assert _ids(v2, kind, id=f"{r0},{r2}") == [r0, r2]
    assert _ids(v2, kind, idPattern="-[12]$") == [r1, r2]
    assert [
        e["id"] for e in v2("GET", "/entities", params={"typePattern": f"^{kind}$"}).json()
    ] == rooms
    expect_error(v2("GET", "/entities", params={"id": r0, "idPattern": ".*"}), 400, "BadRequest")
    body = v2("GET", "/entities", params={"type": kind, "attrs": "name"}).json()
    assert all(set(e) == {"id", "type", "name"} for e in body)
    body = v2("GET", "/entities", params={"id": r0, "metadata": "none"}).json()
    assert body[0]["t"]["metadata"] == {}
    assert v2(
        "GET", "/entities", params={"type": kind, "options": "values", "attrs": "t,name"}
    ).json() == [[10, "alpha"], [20, "beta"], [30, "gamma"]]


def test_order_and_paging(v2: V2, kind: str, rooms: list[str]) -> None:
    r0, r1, r2 = rooms
    assert _ids(v2, kind, orderBy="!t") == [r2, r1, r0]
    assert _ids(v2, kind, orderBy="name") == [r0, r1, r2]
    assert _ids(v2, kind, orderBy="!id") == [r2, r1, r0]
    r = v2("GET", "/entities", params={"type": kind, "limit": 2, "offset": 1, "options": "count"})
    assert [e["id"] for e in r.json()] == [r1, r2]
    assert r.headers["Fiware-Total-Count"] == "3"
    assert _ids(v2, kind, offset=10) == []
    for bad in ("0", "1001", "x", "-1"):
        expect_error(v2("GET", "/entities", params={"limit": bad}), 400, "BadRequest")
    expect_error(v2("GET", "/entities", params={"offset": "-1"}), 400, "BadRequest")
    expect_error(v2("GET", "/entities", params={"options": "bogus"}), 400, "BadRequest")


def test_default_page_size(v2: V2, kind: str) -> None:
    r = v2(
        "POST",
        "/op/update",
        json={
            "actionType": "append",
            "entities": [{"id": f"{kind}-{n:02}", "type": kind} for n in range(25)],
        },
    )
    assert r.status_code == 204
    assert len(v2("GET", "/entities", params={"type": kind}).json()) == 20


def test_geo_queries(v2: V2, kind: str) -> None:
    v2.create(
        {
            "id": f"{kind}-near",
            "type": kind,
            "location": {"type": "geo:point", "value": "35.0, 139.0"},
        }
    )
    v2.create(
        {
            "id": f"{kind}-far",
            "type": kind,
            "location": {
                "type": "geo:json",
                "value": {"type": "Point", "coordinates": [139.1, 35.0]},
            },
        }
    )
    near = {"georel": "near;maxDistance:2000", "geometry": "point", "coords": "35.01,139.0"}
    assert _ids(v2, kind, **near) == [f"{kind}-near"]
    square = "34.9,138.9;34.9,139.05;35.1,139.05;35.1,138.9;34.9,138.9"
    assert _ids(v2, kind, georel="coveredBy", geometry="polygon", coords=square) == [f"{kind}-near"]
    assert _ids(v2, kind, georel="intersects", geometry="polygon", coords=square) == [
        f"{kind}-near"
    ]
    assert _ids(v2, kind, georel="disjoint", geometry="polygon", coords=square) == [f"{kind}-far"]
    far = {"georel": "near;maxDistance:50000", "geometry": "point", "coords": "35.0,139.2"}
    assert _ids(v2, kind, orderBy="geo:distance", **far) == [f"{kind}-far", f"{kind}-near"]
    expect_error(v2("GET", "/entities", params={"georel": "near;maxDistance:5"}), 400, "BadRequest")
