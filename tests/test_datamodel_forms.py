"""Normalized NGSI-LD and NGSI v2 entities are validated as key-values, pointed in the original."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from model_corpus import MODELS_11

from conform.bundle import load_bundle
from conform.datafiles import validate_files
from conform.datamodel_forms import KEY_VALUES, NGSI_LD, NGSI_V2, Form, detect, to_key_values
from conform.datamodels import ModelSet, Violation

LD = {
    "id": "urn:ngsi-ld:ParkingSpot:1",
    "type": "ParkingSpot",
    "@context": ["https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"],
    "status": {"type": "Property", "value": "free", "observedAt": "2026-11-28T09:00:00Z"},
    "category": [  # a multi-attribute: the default instance (no datasetId) is the value
        {"type": "Property", "value": ["offStreet"], "datasetId": "urn:ngsi-ld:Dataset:a"},
        {"type": "Property", "value": ["onStreet"]},
    ],
    "refParkingSite": {"type": "Relationship", "object": "urn:ngsi-ld:OffStreetParking:1"},
    "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [1, 2]}},
    "dateModified": {
        "type": "Property",
        "value": {"@type": "DateTime", "@value": "2026-11-28T09:00:00Z"},
    },
}
V2 = {
    "id": "spot-1",
    "type": "ParkingSpot",
    "status": {"type": "Text", "value": "free", "metadata": {}},
    "category": {"type": "StructuredValue", "value": ["onStreet"]},
    "refParkingSite": {"type": "Relationship", "value": "site-1"},
    "location": {"type": "geo:json", "value": {"type": "Point", "coordinates": [1, 2]}},
}


@pytest.fixture(scope="module")
def models() -> ModelSet:
    return ModelSet.from_bundle(load_bundle("city-os@1.1"))


def test_detect() -> None:
    assert detect(LD) == NGSI_LD
    assert detect(V2) == NGSI_V2
    kv = to_key_values(LD, Form.AUTO).document
    assert detect(kv) == KEY_VALUES
    assert kv["category"] == ["onStreet"] and kv["dateModified"] == "2026-11-28T09:00:00Z"
    assert kv["refParkingSite"] == "urn:ngsi-ld:OffStreetParking:1"
    assert detect([LD]) == KEY_VALUES  # not an entity: validated (and refused) as it is


def test_normalized_entities_validate(models: ModelSet) -> None:
    for doc in (LD, V2):
        kv = to_key_values(doc, Form.NORMALIZED)
        assert models.validate(kv.document) == [], kv.form


def test_violations_point_into_the_original(models: ModelSet) -> None:
    broken = {
        **LD,
        "status": {"type": "Property", "value": "parked"},
        "category": [{"type": "Property", "value": ["onStreet", "nowhere"]}],
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": ["a", 2]}},
        "refParkingSite": {"type": "Relationship", "object": 5},
        "dateModified": {"type": "Property", "value": {"@value": "yesterday"}},
    }
    kv = to_key_values(broken, Form.AUTO)
    got = [kv.original_pointer(v.pointer) for v in models.validate(kv.document)]
    assert got == [
        "/category/0/value/1",
        "/dateModified/value/@value",
        "/location/value/coordinates/0",
        "/refParkingSite/object",
        "/status/value",
    ]
    v2 = to_key_values({**V2, "status": {"type": "Text", "value": 3}}, Form.AUTO)
    assert [v2.original_pointer(v.pointer) for v in models.validate(v2.document)] == [
        "/status/value",
        "/status/value",
    ]


def test_forced_normalized_names_what_is_not_an_attribute(tmp_path: Path, models: ModelSet) -> None:
    data = tmp_path / "mixed.json"
    data.write_text(json.dumps({**LD, "name": "plain value"}))
    (result,) = validate_files([data], models, form=Form.NORMALIZED)
    assert result.form == NGSI_LD
    assert result.violations == (
        Violation("/name", "expected an NGSI-LD attribute (type and value/object) in a "
                  "normalized NGSI-LD entity"),
    )  # fmt: skip
    (auto,) = validate_files([data], models, form=Form.AUTO)
    assert auto.form == KEY_VALUES and not auto.valid  # mixed: read as key-values


def test_official_normalized_examples(models: ModelSet) -> None:
    examples = sorted(MODELS_11.glob("dataModel.Parking/*/examples/example-normalized.json*"))
    results = list(validate_files(examples, models, form=Form.AUTO))
    assert [(r.form, r.valid) for r in results] == [
        (NGSI_V2, True), (NGSI_LD, True), (NGSI_V2, True), (NGSI_LD, True),
    ]  # fmt: skip
