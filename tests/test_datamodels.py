"""Data-model validation: pointed violations, type dispatch, local-only `$ref`s, data files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conform.bundle import load_bundle
from conform.datafiles import read_documents, validate_files
from conform.datamodel_forms import Form
from conform.datamodels import ModelSet, Violation
from conform.errors import DataError, UsageError

DATA = Path(__file__).parent / "data"
MINIMAL = DATA / "bundles" / "good" / "minimal"
# the official Smart Data Models files, as the 1.1 bundle ships them
SDM = Path(__file__).resolve().parents[1] / "specs" / "city-os" / "1.1" / "models"
needs_sdm = pytest.mark.skipif(not SDM.is_dir(), reason=f"shared reference folder {SDM} absent")


@pytest.fixture(scope="module")
def models() -> ModelSet:
    return ModelSet.from_bundle(load_bundle(MINIMAL))


def test_valid_entity_has_no_violations(models: ModelSet) -> None:
    assert models.validate({"id": "urn:ngsi-ld:Widget:1", "type": "Widget", "size": 2}) == []


def test_violations_are_pointed_and_sorted(models: ModelSet) -> None:
    entity = {
        "id": "x",
        "type": "Widget",
        "size": -1,
        "location": {"type": "Point", "coordinates": [1]},
    }
    assert models.validate(entity) == [
        Violation("/location/coordinates", "[1] has fewer than 2 items"),
        Violation("/size", "-1 is less than the minimum of 0"),
    ]


def test_type_dispatch_and_forced_model(models: ModelSet) -> None:
    assert models.validate({"id": "x", "type": "Thing"}) == [
        Violation("/type", 'no model "Thing" (models: Gadget, Widget)')
    ]
    assert models.validate([1, 2]) == [Violation("", "document is not a JSON object")]
    forced = models.validate({"id": "x", "type": "Widget"}, model="Gadget")
    assert Violation("", '"colour" is a required property') in forced
    assert models.validate({"id": "x"}) == [
        Violation("", '"type" is a required property (it names the model)')
    ]
    with pytest.raises(UsageError, match=r"no model 'Nope' \(models: Gadget, Widget\)"):
        models.validate({"id": "x"}, model="Nope")


def test_validators_are_compiled_once(models: ModelSet) -> None:
    assert models.validator("Widget") is models.validator("Widget")


def test_read_documents_object_array_and_ndjson(tmp_path: Path) -> None:
    one, many, concatenated = tmp_path / "one.json", tmp_path / "many.json", tmp_path / "c.json"
    one.write_text('{"a": 1}')
    many.write_text('[{"a": 1}, {"a": 2}]')
    concatenated.write_text('{"a": 1}\n{"a": 2}\n')
    assert read_documents(one) == [{"a": 1}]
    assert read_documents(many) == [{"a": 1}, {"a": 2}]
    assert read_documents(concatenated) == [{"a": 1}, {"a": 2}]
    assert len(read_documents(DATA / "entities" / "widgets.ndjson")) == 4


def test_read_errors_name_file_and_line(tmp_path: Path) -> None:
    bad_ndjson = tmp_path / "x.ndjson"
    bad_ndjson.write_text('{"a": 1}\n{"a": \n')
    with pytest.raises(DataError, match=r"x\.ndjson: line 2: invalid JSON"):
        read_documents(bad_ndjson)
    empty = tmp_path / "empty.json"
    empty.write_text("")
    with pytest.raises(DataError, match=r"empty\.json: empty file"):
        read_documents(empty)
    blank = tmp_path / "blank.json"
    blank.write_text("  \n")
    with pytest.raises(DataError, match=r"blank\.json: empty file"):
        read_documents(blank)
    with pytest.raises(DataError, match=r"missing\.json: file not found"):
        read_documents(tmp_path / "missing.json")
    with pytest.raises(DataError, match=r": is a folder, not a data file"):
        read_documents(tmp_path)


def test_validate_files_numbers_documents(models: ModelSet) -> None:
    results = list(validate_files([DATA / "entities" / "widgets.ndjson"], models))
    assert [(r.index, r.valid) for r in results] == [(0, True), (1, False), (2, False), (3, False)]


def _sdm_copy(root: Path, with_id: bool) -> Path:
    """A tiny Smart-Data-Models layout whose model refs the common schema by its public URL."""
    common = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "definitions": {"Name": {"type": "string", "maxLength": 5}},
    }
    if with_id:
        common["$id"] = "https://smart-data-models.github.io/data-models/common-schema.json"
    (root / "data-models").mkdir(parents=True)
    (root / "data-models" / "common-schema.json").write_text(json.dumps(common))
    model = root / "dataModel.Test" / "Bench"
    (model / "examples").mkdir(parents=True)
    (model / "schema.json").write_text(
        json.dumps(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$id": "https://smart-data-models.github.io/dataModel.Test/Bench/schema.json",
                "type": "object",
                "properties": {
                    "name": {
                        "$ref": "https://smart-data-models.github.io/data-models/common-schema.json#/definitions/Name"
                    }
                },
            }
        )
    )
    (model / "examples" / "example.json").write_text('{"id": "b1", "type": "Bench", "name": "ok"}')
    return root


@pytest.mark.parametrize("with_id", [True, False])
def test_sdm_urls_map_to_local_files(tmp_path: Path, with_id: bool) -> None:
    models = ModelSet.from_folder(_sdm_copy(tmp_path, with_id))
    assert models.names == ["Bench"]
    assert models.unresolved_refs("Bench") == []
    assert models.validate({"type": "Bench", "name": "too long"}) == [
        Violation("/name", '"too long" is longer than 5 characters')
    ]


def test_remote_refs_are_never_fetched(tmp_path: Path) -> None:
    (tmp_path / "Remote.json").write_text(
        json.dumps(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "properties": {"x": {"$ref": "https://example.com/x.json"}},
            }
        )
    )
    models = ModelSet.from_folder(tmp_path)
    ((pointer, reason),) = models.unresolved_refs("Remote")
    assert pointer == "/properties/x/$ref"
    assert "never fetches schemas from the network" in reason
    # the model's documents are invalid, with the reason; never valid, never fetched
    ((violation),) = models.validate({"type": "Remote", "x": 1})
    assert violation.pointer == ""
    assert violation.message.startswith("model Remote cannot be used: $ref")
    assert "never fetches schemas from the network" in violation.message


def test_schema_folder_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="schema folder not found"):
        ModelSet.from_folder(tmp_path / "nope")
    with pytest.raises(DataError, match="no JSON Schemas found"):
        ModelSet.from_folder(tmp_path)
    for group in ("a", "b"):
        (tmp_path / group / "Same").mkdir(parents=True)
        (tmp_path / group / "Same" / "schema.json").write_text('{"type": "object"}')
    with pytest.raises(DataError, match="model 'Same' is defined twice"):
        ModelSet.from_folder(tmp_path)


@needs_sdm
def test_smart_data_models_examples() -> None:
    models = ModelSet.from_folder(SDM)
    assert {"OffStreetParking", "ParkingSpot"} <= set(models.names)
    for example in sorted(SDM.glob("dataModel.Parking/*/examples/example.json")):
        assert next(validate_files([example], models)).valid, example
    for example in sorted(SDM.glob("dataModel.Parking/*/examples/example-normalized.json")):
        (result,) = validate_files([example], models)  # key-values expected: these fail
        assert not result.valid
        assert result.violations[0].message.startswith("the document looks normalized NGSI v2")
        assert all(v.pointer.startswith("/") for v in result.violations[1:])
        (auto,) = validate_files([example], models, form=Form.AUTO)
        assert (auto.valid, auto.form) == (True, "normalized NGSI v2")


def test_official_folder_both_url_forms_and_libraries() -> None:
    models = ModelSet.from_folder(SDM)  # the bundle's copy: wrappers and the official files
    assert models.names == [
        "AirQualityObserved",
        "EVChargingStation",
        "OffStreetParking",
        "ParkingSpot",
        "Streetlight",
        "WeatherObserved",
    ]  # common-schema, Environment-schema and weather-schema hold definitions: not models
    raw = "https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/"
    assert models.local_path(raw + "Environment-schema.json") == (
        SDM / "dataModel.Environment" / "Environment-schema.json"
    )
    for name in models.names:
        assert models.unresolved_refs(name) == [], name
        assert not models.fast or models._fast_validator(name) is not None, name


def test_unresolvable_ref_is_reported_per_model(tmp_path: Path) -> None:
    folder = tmp_path / "sdm"
    shutil.copytree(SDM / "dataModel.Environment", folder / "dataModel.Environment")
    shutil.copytree(SDM / "dataModel.Parking", folder / "dataModel.Parking")
    shutil.copytree(SDM / "data-models", folder / "data-models")
    (folder / "dataModel.Environment" / "Environment-schema.json").unlink()
    models = ModelSet.from_folder(folder)
    reason = models.broken("AirQualityObserved")
    assert reason is not None and "Environment-schema.json" in reason
    assert "/allOf/1/properties/airQualityLevel/$ref" in reason
    assert models.broken("ParkingSpot") is None
    assert not models.fast or models._fast_validator("ParkingSpot") is not None
    spot = json.loads((SDM / "dataModel.Parking/ParkingSpot/examples/example.json").read_text())
    assert models.validate(spot) == []
    aqo = {"id": "a", "type": "AirQualityObserved", "airQualityLevel": "good"}
    (violation,) = models.validate(aqo)
    assert violation.message.startswith("model AirQualityObserved cannot be used: $ref")
