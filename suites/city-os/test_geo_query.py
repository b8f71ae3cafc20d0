"""Geo-queries (GEO-001..013): georel, geometry, coordinates, geoproperty; GeoJSON collections.

One module dataset of a run-unique type, laid out around a centre in Tokyo so that no entity
touches a boundary a query draws (edges either cross or stay at least 45 m apart, a point lies
45 m or more inside or outside, and every distance is at least 50 % away from maxDistance /
minDistance): a correct server never fails for rounding, its distance formula or its plane.
Expected answers are computed here with shapely (relations) and geographiclib (geodesic
distances) from the same data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from _builders import created, expect_ids, expect_problem_any, geo, probe_entity, probe_type
from geographiclib.geodesic import Geodesic
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from conform.suite import expect_json_equal, expect_media_type, expect_status
from conform.suite.expect import shape_of

CENTRE = (139.70, 35.68)
NEAR_M = 2000


def _box(west: float, south: float, east: float, north: float) -> list[list[list[float]]]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return [ring]


def _poly(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": _box(west, south, east, north)}


# name -> location geometry (GeoJSON, longitude first)
LAYOUT: dict[str, dict[str, Any]] = {
    "p1": {"type": "Point", "coordinates": [139.701, 35.68]},  # ~90 m east of the centre
    "p2": {"type": "Point", "coordinates": [139.71, 35.68]},  # ~900 m
    "p3": {"type": "Point", "coordinates": [139.75, 35.68]},  # ~4.5 km
    "square": _poly(139.80, 35.60, 139.82, 35.62),
    "square2": _poly(139.81, 35.61, 139.83, 35.63),  # overlaps square
    "line": {"type": "LineString", "coordinates": [[139.60, 35.60], [139.62, 35.62]]},
    "pair": {
        "type": "MultiPolygon",
        "coordinates": [_box(139.85, 35.70, 139.86, 35.71), _box(139.87, 35.70, 139.88, 35.71)],
    },
    "observer": {"type": "Point", "coordinates": [139.50, 35.50]},
}
# a second GeoProperty: only `observer` has one, and it covers the centre
OBSERVED = _poly(139.69, 35.67, 139.71, 35.69)

WITHIN = _poly(139.695, 35.675, 139.865, 35.715)  # p1-p3 and half of pair
OVERLAPS = _poly(139.74, 35.605, 139.805, 35.69)  # p3 and a corner of square
AROUND_CENTRE = _poly(139.685, 35.665, 139.72, 35.695)  # p1, p2 and the observationSpace
DISJOINT = _poly(139.69, 35.67, 139.72, 35.69)  # around p1, p2
CROSSING = {"type": "LineString", "coordinates": [[139.61, 35.58], [139.61, 35.64]]}
PAIR = {
    "type": "MultiPolygon",
    "coordinates": [
        _box(139.7005, 35.6795, 139.7015, 35.6805),
        _box(139.815, 35.615, 139.83, 35.63),
    ],
}
INSIDE_SQUARE = {"type": "Point", "coordinates": [139.805, 35.605]}
# the square's own ring, starting at another corner: equal as a geometry, not as JSON
SQUARE_AGAIN = {
    "type": "Polygon",
    "coordinates": [
        [[139.82, 35.62], [139.80, 35.62], [139.80, 35.60], [139.82, 35.60], [139.82, 35.62]]
    ],
}


@dataclass(frozen=True)
class GeoData:
    """The module's entities: type, name -> id, and the bodies as created."""

    type_: str
    ids: dict[str, str]
    bodies: tuple[dict[str, Any], ...]

    def where(self, relation: str, reference: dict[str, Any]) -> set[str]:
        """Ids of the entities whose location stands in RELATION to REFERENCE (shapely)."""
        ref = shape(reference)
        return {self.ids[n] for n, g in LAYOUT.items() if getattr(shape(g), relation)(ref)}

    def farther(self, metres: float) -> set[str]:
        """Ids of the entities whose location lies farther than METRES from the centre."""
        return {self.ids[n] for n, g in LAYOUT.items() if _metres(shape(g)) > metres}


def _metres(target: BaseGeometry) -> float:
    """Geodesic distance from the centre to the nearest vertex of TARGET (none lies inside)."""
    lon, lat = CENTRE
    points = [p for part in getattr(target, "geoms", [target]) for p in _vertices(part)]
    return min(Geodesic.WGS84.Inverse(lat, lon, y, x)["s12"] for x, y in points)


def _vertices(part: BaseGeometry) -> list[tuple[float, float]]:
    coords = part.exterior.coords if hasattr(part, "exterior") else part.coords
    return list(coords)


@pytest.fixture(scope="module")
def data(conform_context) -> Iterator[GeoData]:
    """The layout's entities; `observer` also has an observationSpace around the centre."""
    ns = conform_context.namespace
    type_ = probe_type(ns, "G")
    ids = {name: ns.entity_id(type_) for name in LAYOUT}
    bodies = []
    for name, where in LAYOUT.items():
        extra = {"observationSpace": geo(OBSERVED)} if name == "observer" else {}
        bodies.append(probe_entity(ids[name], type_, location=geo(where), **extra))
    for name, where in LAYOUT.items():  # the layout keeps clear of every near threshold
        assert abs(_metres(shape(where)) - NEAR_M) > NEAR_M / 2, name
    with created(conform_context.client, bodies):
        yield GeoData(type_, ids, tuple(bodies))


def _geo_get(client, data: GeoData, georel: str, reference: dict[str, Any], **more: str):
    params = {
        "type": data.type_,
        "georel": georel,
        "geometry": reference["type"],
        "coordinates": json.dumps(reference["coordinates"], separators=(",", ":")),
        **more,
    }
    return client.get("/entities", params=params)


def _expect_geo(client, data: GeoData, georel: str, reference: dict[str, Any], want: set[str]):
    r = _geo_get(client, data, georel, reference)
    expect_status(r, 200)
    expect_ids(r, want, f"georel={georel} geometry={reference['type']}")


CENTRE_POINT = {"type": "Point", "coordinates": list(CENTRE)}


@pytest.mark.req("GEO-001")
def test_near_max_distance(client, data):
    want = set(data.ids.values()) - data.farther(NEAR_M)
    assert want == {data.ids["p1"], data.ids["p2"]}
    _expect_geo(client, data, f"near;maxDistance=={NEAR_M}", CENTRE_POINT, want)


@pytest.mark.req("GEO-002")
def test_near_min_distance(client, data):
    _expect_geo(client, data, f"near;minDistance=={NEAR_M}", CENTRE_POINT, data.farther(NEAR_M))


@pytest.mark.req("GEO-003")
def test_within(client, data):
    want = data.where("within", WITHIN)
    assert want == {data.ids[n] for n in ("p1", "p2", "p3")}  # pair only intersects
    _expect_geo(client, data, "within", WITHIN, want)


@pytest.mark.req("GEO-004")
def test_contains(client, data):
    want = data.where("contains", INSIDE_SQUARE)
    assert want == {data.ids["square"]}
    _expect_geo(client, data, "contains", INSIDE_SQUARE, want)


@pytest.mark.req("GEO-005")
def test_intersects_line_and_multipolygon(client, data):
    assert data.where("intersects", CROSSING) == {data.ids["line"]}
    _expect_geo(client, data, "intersects", CROSSING, data.where("intersects", CROSSING))
    want = data.where("intersects", PAIR)
    assert want == {data.ids[n] for n in ("p1", "square", "square2")}
    _expect_geo(client, data, "intersects", PAIR, want)


@pytest.mark.req("GEO-006")
def test_equals(client, data):
    assert data.where("equals", SQUARE_AGAIN) == {data.ids["square"]}
    _expect_geo(client, data, "equals", SQUARE_AGAIN, {data.ids["square"]})
    _expect_geo(client, data, "equals", LAYOUT["p1"], {data.ids["p1"]})


@pytest.mark.req("GEO-007")
def test_disjoint(client, data):
    want = data.where("disjoint", DISJOINT)
    assert len(want) == len(LAYOUT) - 2  # all but p1 and p2
    _expect_geo(client, data, "disjoint", DISJOINT, want)


@pytest.mark.req("GEO-008")
def test_overlaps(client, data):
    assert data.where("intersects", OVERLAPS) == {data.ids["p3"], data.ids["square"]}
    want = data.where("overlaps", OVERLAPS)
    assert want == {data.ids["square"]}  # a point never overlaps a polygon
    _expect_geo(client, data, "overlaps", OVERLAPS, want)


@pytest.mark.req("GEO-009")
def test_geoproperty_selects_the_geo_property(client, data):
    observed = data.where("within", AROUND_CENTRE)
    assert observed == {data.ids["p1"], data.ids["p2"]}
    assert shape(OBSERVED).within(shape(AROUND_CENTRE))
    r = _geo_get(client, data, "within", AROUND_CENTRE, geoproperty="observationSpace")
    expect_status(r, 200)
    expect_ids(r, {data.ids["observer"]}, "georel=within geoproperty=observationSpace")
    r = _geo_get(client, data, "within", AROUND_CENTRE, geoproperty="location")
    expect_status(r, 200)
    expect_ids(r, observed, "georel=within geoproperty=location")


@pytest.mark.req("GEO-010")
def test_geo_query_by_post(client, data):
    body = {
        "type": "Query",
        "entities": [{"type": data.type_}],
        "geoQ": {"georel": "within", "geometry": "Polygon", "coordinates": WITHIN["coordinates"]},
    }
    r = client.post("/entityOperations/query", json=body)
    expect_status(r, 200)
    expect_ids(r, data.where("within", WITHIN), "POST /entityOperations/query with geoQ within")


BAD_GEO_QUERIES = {
    "unknown georel": {"georel": "nearby", "geometry": "Point", "coordinates": "[139.7,35.68]"},
    "near without distance": {
        "georel": "near",
        "geometry": "Point",
        "coordinates": "[139.7,35.68]",
    },
    "near of a polygon": {
        "georel": "near;maxDistance==10",
        "geometry": "Polygon",
        "coordinates": json.dumps(WITHIN["coordinates"]),
    },
    "unknown geometry": {"georel": "within", "geometry": "Circle", "coordinates": "[139.7,35.68]"},
    "coordinates not JSON": {"georel": "within", "geometry": "Polygon", "coordinates": "[[[139.7,"},
    "geometry does not fit": {
        "georel": "intersects",
        "geometry": "Point",
        "coordinates": "[[139.7,35.68],[139.8,35.7]]",
    },
    "polygon not closed": {
        "georel": "within",
        "geometry": "Polygon",
        "coordinates": "[[[139.6,35.6],[139.9,35.6],[139.9,35.9]]]",
    },
    "no coordinates": {"georel": "within", "geometry": "Point"},
    "no georel": {"geometry": "Point", "coordinates": "[139.7,35.68]"},
}


@pytest.mark.req("GEO-011")
@pytest.mark.parametrize("case", sorted(BAD_GEO_QUERIES))
def test_invalid_geo_query_is_400(client, data, case):
    r = client.get("/entities", params={"type": data.type_, **BAD_GEO_QUERIES[case]})
    expect_problem_any(r, 400, ("BadRequestData",))


@pytest.mark.req("GEO-011")
def test_invalid_geo_query_by_post_is_400(client, data):
    geo_q = {"georel": "within", "geometry": "Point", "coordinates": [[139.7, 35.68]]}
    body = {"type": "Query", "entities": [{"type": data.type_}], "geoQ": geo_q}
    r = client.post("/entityOperations/query", json=body)
    expect_problem_any(r, 400, ("BadRequestData",))


def _features(r) -> list[dict[str, Any]]:
    expect_status(r, 200)
    expect_media_type(r, "application/geo+json")
    body = r.json()
    assert isinstance(body, dict) and body.get("type") == "FeatureCollection", (
        f"expected a GeoJSON FeatureCollection, got {shape_of(body)}: {r.text[:120]} "
        f"[{r.exchange_id}]"
    )
    features = body.get("features")
    assert isinstance(features, list) and all(isinstance(f, dict) for f in features), (
        f"expected an array of Feature objects, got {r.text[:120]} [{r.exchange_id}]"
    )
    return features


@pytest.mark.req("GEO-012")
def test_geo_query_as_geo_json(client, data):
    params = {
        "type": data.type_,
        "georel": f"near;maxDistance=={NEAR_M}",
        "geometry": "Point",
        "coordinates": json.dumps(list(CENTRE)),
    }
    r = client.get("/entities", params=params, headers={"Accept": "application/geo+json"})
    features = _features(r)
    got = sorted(str(f.get("id")) for f in features)
    assert got == sorted({data.ids["p1"], data.ids["p2"]}), (
        f"expected one Feature per entity within {NEAR_M} m, got ids {got} [{r.exchange_id}]"
    )
    by_id = {b["id"]: b["location"]["value"] for b in data.bodies}
    for feature in features:
        assert feature.get("type") == "Feature", f"expected a Feature, got {feature.get('type')!r}"
        expect_json_equal(feature.get("geometry"), by_id[feature["id"]], "/geometry")


@pytest.mark.req("GEO-013")
def test_geometry_property_picks_the_feature_geometry(client, data):
    params = {"type": data.type_, "geometryProperty": "observationSpace"}
    r = client.get("/entities", params=params, headers={"Accept": "application/geo+json"})
    features = {str(f.get("id")): f for f in _features(r)}
    observer = features.get(data.ids["observer"])
    assert observer is not None, f"expected a Feature for {data.ids['observer']} [{r.exchange_id}]"
    expect_json_equal(observer.get("geometry"), OBSERVED, "/geometry")
