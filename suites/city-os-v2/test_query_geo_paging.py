"""Geo-queries, pagination and counting (QRY)."""

from __future__ import annotations

import time

import pytest
from _v2 import create, expect_error, fresh_kind, query_ids

from conform.suite import expect_header, expect_status

SQUARE = "35.60,139.60;35.60,139.80;35.80,139.80;35.80,139.60;35.60,139.60"


def _place(client, ns, t: str, lon: float, lat: float) -> str:
    # GeoJSON: the one location form Orion still documents (its manual dropped the Simple
    # Location Format, geo:point, which it deprecated); the requirements are about the queries
    point = {"type": "Point", "coordinates": [lon, lat]}
    location = {"type": "geo:json", "value": point}
    return create(client, {"id": ns.entity_id("Place"), "type": t, "location": location})


@pytest.fixture
def places(client, ns):
    """One place inside SQUARE (Tokyo station area) and one far outside it (Yokohama)."""
    t = fresh_kind(ns, "Geo")
    return t, _place(client, ns, t, 139.767, 35.681), _place(client, ns, t, 139.638, 35.444)


@pytest.mark.req("QRY-021")
def test_near(client, places):
    t, inside, _ = places
    got = query_ids(
        client, t, georel="near;maxDistance:2000", geometry="point", coords="35.69,139.77"
    )
    assert got == [inside], f"near: got {got}"


def _street(client, ns, t: str) -> str:
    """A street crossing SQUARE's southern edge: it intersects the square, but is not inside."""
    line = {"type": "LineString", "coordinates": [[139.75, 35.55], [139.75, 35.65]]}
    location = {"type": "geo:json", "value": line}
    return create(client, {"id": ns.entity_id("Street"), "type": t, "location": location})


@pytest.mark.req("QRY-022")
def test_covered_by(client, ns, places):
    t, inside, _ = places
    _street(client, ns, t)
    got = query_ids(client, t, georel="coveredBy", geometry="polygon", coords=SQUARE)
    assert got == [inside], f"coveredBy: got {got}"


@pytest.mark.req("QRY-023")
def test_intersects_and_disjoint(client, ns, places):
    t, inside, outside = places
    street = _street(client, ns, t)
    got = query_ids(client, t, georel="intersects", geometry="polygon", coords=SQUARE)
    assert sorted(got) == sorted([inside, street]), f"intersects: got {got}"
    got = query_ids(client, t, georel="disjoint", geometry="polygon", coords=SQUARE)
    assert got == [outside], f"disjoint: got {got}"


@pytest.mark.req("QRY-024")
@pytest.mark.read_only
def test_incomplete_geo_query_is_400(client):
    expect_error(
        client.get("/entities", params={"georel": "near;maxDistance:10"}), 400, "BadRequest"
    )


@pytest.mark.req("QRY-025")
def test_order_by_distance(client, places):
    t, inside, outside = places
    near_yokohama = {
        "georel": "near;maxDistance:100000",
        "geometry": "point",
        "coords": "35.45,139.63",
    }
    got = query_ids(client, t, orderBy="geo:distance", **near_yokohama)
    assert got == [outside, inside], f"geo:distance: got {got}"


@pytest.fixture
def many(client, ns):
    """25 entities of a run-unique type, created in order."""
    t = fresh_kind(ns, "Page")
    return t, [
        create(client, {"id": ns.entity_id("Item"), "type": t, "n": {"value": n}})
        for n in range(25)
    ]


@pytest.mark.req("QRY-026")
def test_limit_and_default_page_size(client, many):
    t, _ = many
    assert len(query_ids(client, t, limit=3)) == 3, "limit=3"
    r = client.get("/entities", params={"type": t})
    expect_status(r, 200)
    assert len(r.json()) == 20, f"default page: got {len(r.json())}"


@pytest.mark.req("QRY-027")
def test_offset_pages(client, many):
    t, made = many
    pages = [query_ids(client, t, limit=10, offset=o, orderBy="n") for o in (0, 10, 20)]
    seen = [i for p in pages for i in p]
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen)), "pages repeat or skip"


@pytest.mark.req("QRY-028")
def test_count_header(client, many):
    t, _ = many
    r = client.get("/entities", params={"type": t, "limit": 1, "options": "count"})
    expect_status(r, 200)
    expect_header(r, "Fiware-Total-Count", "25")


@pytest.mark.req("QRY-029")
@pytest.mark.read_only
def test_limit_above_max_is_400(client):
    expect_error(client.get("/entities", params={"limit": 1001}), 400, "BadRequest")


@pytest.mark.req("QRY-030")
@pytest.mark.read_only
def test_limit_zero_is_400(client):
    expect_error(client.get("/entities", params={"limit": 0}), 400, "BadRequest")


@pytest.mark.req("QRY-031")
def test_offset_beyond_results(client, ns):
    t = fresh_kind(ns, "Few")
    create(client, {"id": ns.entity_id("Item"), "type": t})
    assert query_ids(client, t, offset=5) == []


@pytest.mark.req("QRY-032")
def test_default_order_is_creation(client, ns):
    t = fresh_kind(ns, "Order")
    made = [ns.entity_id("Item") for _ in range(3)]
    order = [made[2], made[0], made[1]]  # creation order is not id order
    for eid in order:
        create(client, {"id": eid, "type": t})
        time.sleep(0.02)  # Orion keeps creation times to the millisecond: no two may be equal
    assert query_ids(client, t) == order, "not in creation order"
