"""Distances on the WGS84 ellipsoid between shapely geometries in (lon, lat) degrees.

Shared by the NGSI-LD and NGSI v2 reference servers. Between two points the distance is the
geodesic on the ellipsoid (geographiclib, accurate to nanometres). For a line or polygon the
nearest points are picked in the lon/lat plane first, then measured on the ellipsoid: exact when
either geometry is a point lying inside the other, and within the east-west stretch of the
plane (1/cos(latitude), about 23 % at 35 degrees) otherwise; the suites query points only.
"""

from __future__ import annotations

from geographiclib.geodesic import Geodesic
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points


def distance_m(a: BaseGeometry, b: BaseGeometry) -> float:
    """Geodesic distance in metres between the nearest points of A and B (0 when they meet)."""
    if a.intersects(b):
        return 0.0
    p, q = nearest_points(a, b)
    return float(Geodesic.WGS84.Inverse(p.y, p.x, q.y, q.x)["s12"])
