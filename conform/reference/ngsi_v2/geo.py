"""Geographical queries (`georel`, `geometry`, `coords`) over entity locations, with shapely."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shapely.errors import ShapelyError
from shapely.geometry import LineString, Point, Polygon, box, shape
from shapely.geometry.base import BaseGeometry

from conform.reference.geodesy import distance_m
from conform.reference.ngsi_v2.entity import Entity
from conform.reference.ngsi_v2.errors import V2Error, bad_request

GEO_TYPES = ("geo:point", "geo:line", "geo:box", "geo:polygon", "geo:json")
_RELATIONS = ("near", "coveredBy", "intersects", "equals", "disjoint")


def _lat_lon(text: Any) -> tuple[float, float]:
    """(lon, lat) of a "lat, lon" string, for shapely (x, y)."""
    try:
        lat, lon = (float(part) for part in str(text).split(","))
    except ValueError as exc:
        raise bad_request(f"bad coordinates {text!r} (expected 'lat, lon')") from exc
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise bad_request(f"coordinates {text!r} out of range")
    return lon, lat


def _from(kind: str, points: list[tuple[float, float]]) -> BaseGeometry:
    try:
        if kind == "point" and len(points) == 1:
            return Point(points[0])
        if kind == "line" and len(points) >= 2:
            return LineString(points)
        if kind == "box" and len(points) == 2:
            (x1, y1), (x2, y2) = points
            return box(min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
        if kind == "polygon" and len(points) >= 4 and points[0] == points[-1]:
            return Polygon(points)
    except (ValueError, ShapelyError) as exc:
        raise bad_request(f"bad {kind}: {exc}") from exc
    raise bad_request(f"bad {kind}: wrong number of coordinates (a polygon must be closed)")


def location(entity: Entity) -> BaseGeometry | None:
    """The entity's location: its first attribute of a geo: type, as a shapely geometry."""
    for attr in entity.attrs.values():
        kind, value = attr["type"], attr["value"]
        if kind not in GEO_TYPES:
            continue
        try:
            if kind == "geo:json":
                return shape(value)
            if kind == "geo:point":
                return Point(_lat_lon(value))
            return _from(kind[4:], [_lat_lon(v) for v in value])
        except (V2Error, ValueError, TypeError, KeyError, AttributeError, ShapelyError):
            return None  # a malformed stored location is simply no location
    return None


def check_location(attrs: dict[str, dict[str, Any]]) -> None:
    """400 if a geo: attribute cannot be read as a geometry."""
    for name, attr in attrs.items():
        if attr["type"] not in GEO_TYPES:
            continue
        probe = Entity("probe", "probe", "/", {name: attr})
        if location(probe) is None:
            raise bad_request(f"attribute {name}: not a valid {attr['type']} location")


@dataclass(frozen=True)
class GeoQuery:
    """A parsed geo-query: relation, its distance bounds, the reference geometry."""

    relation: str
    geometry: BaseGeometry
    max_distance: float | None = None
    min_distance: float | None = None

    @classmethod
    def parse(cls, georel: str | None, geometry: str | None, coords: str | None) -> GeoQuery | None:
        """The query, None without any geo parameter; 400 when incomplete or malformed."""
        if georel is None and geometry is None and coords is None:
            return None
        if not (georel and geometry and coords):
            raise bad_request("georel, geometry and coords must be used together")
        parts = georel.split(";")
        relation = parts[0]
        if relation not in _RELATIONS:
            raise bad_request(f"unknown georel {relation!r}")
        bounds: dict[str, float] = {}
        for modifier in parts[1:]:
            name, _, number = modifier.partition(":")
            if name not in ("maxDistance", "minDistance"):
                raise bad_request(f"unknown georel modifier {modifier!r}")
            try:
                bounds[name] = float(number)
            except ValueError as exc:
                raise bad_request(f"bad georel modifier {modifier!r}") from exc
        if relation == "near" and (geometry != "point" or not bounds):
            raise bad_request("georel=near needs geometry=point and maxDistance or minDistance")
        if geometry not in ("point", "line", "box", "polygon"):
            raise bad_request(f"unknown geometry {geometry!r}")
        shape_ = _from(geometry, [_lat_lon(c) for c in coords.split(";")])
        return cls(relation, shape_, bounds.get("maxDistance"), bounds.get("minDistance"))

    def holds(self, where: BaseGeometry | None) -> bool:
        """Whether an entity at WHERE satisfies the relation."""
        if where is None:
            return False
        if self.relation == "near":
            d = distance_m(self.geometry, where)
            return (self.max_distance is None or d <= self.max_distance) and (
                self.min_distance is None or d >= self.min_distance
            )
        if self.relation == "coveredBy":
            return bool(self.geometry.covers(where))
        if self.relation == "intersects":
            return bool(self.geometry.intersects(where))
        if self.relation == "equals":
            return bool(self.geometry.equals(where))
        return bool(self.geometry.disjoint(where))
