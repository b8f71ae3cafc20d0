"""Violation messages: the best anyOf/oneOf alternative, JSON values, one text for both engines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from model_corpus import MODELS_11

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


@pytest.mark.parametrize("fast", ENGINES)
def test_nested_email_format(bundle_models: dict[bool, ModelSet], fast: bool) -> None:
    models = bundle_models[fast]
    station = json.loads(
        (MODELS_11 / "dataModel.Transportation/EVChargingStation/examples/example.json").read_text()
    )
    assert models.validate(station) == []
    broken = {**station, "contactPoint": {"email": "parking at city"}}
    assert [(v.pointer, v.message) for v in models.validate(broken)] == [
        ("/contactPoint/email", '"parking at city" is not a valid "idn-email"')
    ]


FORMATS = {
    "when": {"type": "string", "format": "date-time"},
    "day": {"type": "string", "format": "date"},
    "opens": {"type": "string", "format": "time"},
    "site": {"type": "string", "format": "uri"},
    "mail": {"type": "string", "format": "email"},
}
GOOD = {
    "when": "2026-06-30T23:59:60Z",  # a leap second: RFC 3339 allows it
    "day": "2024-02-29",
    "opens": "08:00:00+09:00",
    "site": "urn:ngsi-ld:Thing:1",
    "mail": "a@b.example",
}
BAD = {
    "when": ["2026-11-28T09:00:00", "15/03/2016 11:00", "yesterday", "2026-11-28T25:00:00Z"],
    "day": ["2023-02-29", "15/03/2016"],
    "opens": ["08:00:00", "08:00", "25:00:00Z"],
    "site": ["not a uri", "www.example.org"],
    "mail": ["x", "a b@c.d", "a@b@c", "A <a@b.c>"],
}


@pytest.mark.parametrize("fast", ENGINES)
def test_formats_policy(tmp_path: Path, fast: bool) -> None:
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "properties": FORMATS}
    (tmp_path / "Thing.json").write_text(json.dumps(schema))
    models = ModelSet.from_folder(tmp_path, fast=fast)
    assert models.validate({"type": "Thing", **GOOD}) == []
    for member, values in BAD.items():
        for value in values:
            (violation,) = models.validate({"type": "Thing", **GOOD, member: value})
            assert violation.pointer == f"/{member}", value
            assert f'is not a valid "{FORMATS[member]["format"]}"' in violation.message
