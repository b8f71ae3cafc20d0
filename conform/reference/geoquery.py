"""NGSI-LD geo-queries (CIM 009 4.10): georel, geometry, coordinates, geoproperty, with shapely.

The relation is read with the entity's geometry first: `within` selects entities inside the
reference geometry, `contains` entities that contain it. Distances of `near` are geodesic on
the WGS84 ellipsoid (conform.reference.geodesy). Every malformed part is 400 BadRequestData.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shapely.errors import ShapelyError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from conform.reference.geodesy import distance_m
from conform.reference.instances import instances
from conform.reference.problems import bad_data

# geometry type -> nesting depth of its coordinates (a position is depth 1)
DEPTH = {
    "Point": 1,
    "MultiPoint": 2,
    "LineString": 2,
    "MultiLineString": 3,
    "Polygon": 3,
    "MultiPolygon": 4,
}
RELATIONS = ("near", "within", "contains", "intersects", "equals", "disjoint", "overlaps")
DISTANCES = ("maxDistance", "minDistance")
DEFAULT_GEOPROPERTY = "location"


def _depth(coords: Any) -> int:
    """The nesting depth of a coordinates array; 400 unless its positions are lon/lat numbers."""
    if not isinstance(coords, list) or not coords:
        raise bad_data(f"coordinates {coords!r} are not a non-empty array")
    if all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords):
        if len(coords) not in (2, 3) or not all(math.isfinite(c) for c in coords):
            raise bad_data(f"position {coords!r} is not [longitude, latitude]")
        if not (-180 <= coords[0] <= 180 and -90 <= coords[1] <= 90):
            raise bad_data(f"position {coords!r} is out of range (longitude first)")
        return 1
    depths = {_depth(c) for c in coords}
    if len(depths) != 1:
        raise bad_data(f"coordinates {coords!r} mix nesting levels")
    return depths.pop() + 1


def reference_geometry(geometry: Any, coordinates: Any) -> BaseGeometry:
    """The query's reference geometry; COORDINATES may be JSON text (GET) or an array (POST)."""
    if geometry not in DEPTH:
        raise bad_data(f"geometry {geometry!r} is not one of {', '.join(DEPTH)}")
    if isinstance(coordinates, str):
        try:
            coordinates = json.loads(coordinates)
        except (ValueError, RecursionError) as exc:
            raise bad_data(f"coordinates {coordinates!r} are not a JSON array") from exc
    if _depth(coordinates) != DEPTH[geometry]:
        raise bad_data(f"coordinates {coordinates!r} do not fit a {geometry}")
    polygons = {"Polygon": [coordinates], "MultiPolygon": coordinates}.get(geometry, [])
    if any(len(r) < 4 or r[0] != r[-1] for rings in polygons for r in rings):
        raise bad_data("every polygon ring needs 4 or more positions, the last equal to the first")
    try:
        found = shape({"type": geometry, "coordinates": coordinates})
    except (ValueError, TypeError, ShapelyError) as exc:
        raise bad_data(f"coordinates do not make a {geometry}: {exc}") from exc
    if found.is_empty or not found.is_valid:
        raise bad_data(f"coordinates do not make a valid {geometry} (rings closed, no crossing)")
    return found


def _relation(georel: Any, geometry: Any) -> tuple[str, dict[str, float]]:
    """The relation and its distance bounds (near;maxDistance==N, near;minDistance==N)."""
    if not isinstance(georel, str):
        raise bad_data("georel must be a string")
    relation, *modifiers = georel.split(";")
    if relation not in RELATIONS:
        raise bad_data(f"georel {relation!r} is not one of {', '.join(RELATIONS)}")
    bounds: dict[str, float] = {}
    for modifier in modifiers:
        name, _, number = modifier.partition("==")
        try:
            value = float(number)
        except ValueError:
            value = -1.0
        if name not in DISTANCES or name in bounds or not (value >= 0 and math.isfinite(value)):
            raise bad_data(f"georel modifier {modifier!r} is not maxDistance==N or minDistance==N")
        bounds[name] = value
    if (relation == "near") != bool(bounds):
        raise bad_data("georel near needs maxDistance==N or minDistance==N, other relations none")
    if relation == "near" and geometry != "Point":
        raise bad_data("georel near needs geometry Point")
    return relation, bounds


@dataclass(frozen=True)
class GeoQuery:
    """A parsed geo-query: relation, distance bounds, reference geometry, GeoProperty name."""

    relation: str
    reference: BaseGeometry
    geoproperty: str
    bounds: tuple[tuple[str, float], ...] = ()

    def holds(self, target: BaseGeometry) -> bool:
        """Whether an entity geometry TARGET stands in the relation to the reference."""
        if self.relation == "near":
            d = distance_m(self.reference, target)
            limits = dict(self.bounds)
            return d <= limits.get("maxDistance", math.inf) and d >= limits.get("minDistance", 0)
        test: Callable[[BaseGeometry], bool] = getattr(target, self.relation)
        return bool(test(self.reference))

    def matches(self, entity: dict[str, Any]) -> bool:
        """Whether some instance of the entity's GeoProperty satisfies the query."""
        try:
            return any(self.holds(g) for g in geometries(entity, self.geoproperty))
        except ShapelyError:  # a stored geometry GEOS cannot relate (self-crossing): no match
            return False


def geometries(entity: dict[str, Any], name: str) -> list[BaseGeometry]:
    """The geometries of the entity's GeoProperty NAME (malformed values are none)."""
    found = []
    for item in instances(entity.get(name)) if name in entity else []:
        value = item.get("value") if isinstance(item, dict) else None
        try:
            found.append(shape(value))
        except (ValueError, TypeError, AttributeError, KeyError, ShapelyError):
            continue
    return found


def parse_geo_query(
    georel: Any, geometry: Any, coordinates: Any, geoproperty: Any, rename: Callable[[str], str]
) -> GeoQuery | None:
    """The geo-query, None when none is asked; 400 BadRequestData when a part is missing or bad.

    RENAME maps the GeoProperty name as written to the name it is stored under (JSON-LD terms).
    """
    if georel is None and geometry is None and coordinates is None:
        return None
    missing = [
        n
        for n, v in (("georel", georel), ("geometry", geometry), ("coordinates", coordinates))
        if v in (None, "")
    ]
    if missing:
        raise bad_data(f"a geo-query needs georel, geometry and coordinates; missing {missing}")
    relation, bounds = _relation(georel, geometry)
    reference = reference_geometry(geometry, coordinates)
    if geoproperty is not None and (not isinstance(geoproperty, str) or not geoproperty):
        raise bad_data("geoproperty must be an attribute name")
    name = rename(geoproperty or DEFAULT_GEOPROPERTY)
    return GeoQuery(relation, reference, name, tuple(sorted(bounds.items())))
