"""Violation messages: the best anyOf/oneOf alternative, JSON values, one text for both engines."""

from __future__ import annotations

from typing import Any

import pytest

from conform.bundle import load_bundle
from conform.datamodels import ModelSet, Violation, jsonschema_rs

ENGINES = [
    pytest.param(
        True,
        id="jsonschema-rs",
        marks=pytest.mark.skipif(jsonschema_rs is None, reason="no jsonschema-rs"),
    ),
    pytest.param(False, id="jsonschema"),
]
SPOT = {
    "id": "urn:ngsi-ld:ParkingSpot:1",
    "type": "ParkingSpot",
    "status": "free",
    "category": ["onStreet"],
    "refParkingSite": "urn:ngsi-ld:OffStreetParking:1",
    "location": {"type": "Point", "coordinates": [139.7, 35.6]},
}
GEOMETRY_TYPES = '["Point","LineString","Polygon","MultiPoint","MultiLineString","MultiPolygon"]'
CASES: list[tuple[dict[str, Any], list[tuple[str, str]]]] = [
    (  # a GeoJSON branch is chosen by its type: the Polygon's ring is too short
        {"location": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}},
        [("/location/coordinates/0", "[[0,0],[1,0],[0,0]] has fewer than 4 items")],
    ),
    (
        {"location": {"type": "Point", "coordinates": ["a", 0]}},
        [("/location/coordinates/0", '"a" is not of type "number"')],
    ),
    (
        {"location": {"type": "Circle", "coordinates": [0, 0]}},
        [("/location/type", f'"Circle" is not one of {GEOMETRY_TYPES}')],
    ),
    ({"location": "here"}, [("/location", '"here" is not of type "object"')]),
    ({"refParkingSite": 5}, [("/refParkingSite", '5 is not of type "string"')]),
    (
        {"status": None},
        [
            ("/status", 'null is not of type "string"'),
            ("/status", 'null is not one of ["closed","free","occupied","unknown"]'),
        ],
    ),
    ({"width": True}, [("/width", 'true is not of type "number"')]),
    ({"width": -1}, [("/width", "-1 is less than the minimum of 0")]),
    ({"category": []}, [("/category", "[] has fewer than 1 items")]),
    (
        {"category": ["onStreet", "onStreet"]},
        [
            ("/category", '["onStreet","onStreet"] has non-unique elements'),
        ],
    ),
    ({"dateModified": "yesterday"}, [("/dateModified", '"yesterday" is not a valid "date-time"')]),
    (
        {"dateModified": "2026-11-28T09:00:00"},
        [
            (
                "/dateModified",
                '"2026-11-28T09:00:00" is not a valid "date-time" '
                "(a date-time needs a UTC offset, e.g. Z or +09:00)",
            )
        ],
    ),
]


@pytest.fixture(scope="module")
def bundle_models() -> dict[bool, ModelSet]:
    bundle = load_bundle("city-os@1.1")
    return {fast: ModelSet.from_bundle(bundle, fast=fast) for fast in (True, False)}


@pytest.mark.parametrize("fast", ENGINES)
@pytest.mark.parametrize(("change", "expected"), CASES)
def test_messages(
    bundle_models: dict[bool, ModelSet],
    fast: bool,
    change: dict[str, Any],
    expected: list[tuple[str, str]],
) -> None:
    models = bundle_models[fast]
    assert models.validate(SPOT) == []
    got = models.validate({**SPOT, **change})
    assert [(v.pointer, v.message) for v in got] == expected


@pytest.mark.parametrize("fast", ENGINES)
def test_missing_or_unknown_type(bundle_models: dict[bool, ModelSet], fast: bool) -> None:
    models = bundle_models[fast]
    assert models.validate({"id": "x"}) == [
        Violation("", '"type" is a required property (it names the model)')
    ]
    (unknown,) = models.validate({"id": "x", "type": None})
    assert unknown.pointer == "/type" and unknown.message.startswith("no model null (models: ")
