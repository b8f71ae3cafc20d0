"""Acceptance tests of `conform validate-data` through the real CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_cli_spec import MINIMAL, REPO, run_cli

ENTITIES = Path(__file__).parent / "data" / "entities"
# the official Smart Data Models files, as the 1.1 bundle ships them
SDM = REPO / "specs" / "city-os" / "1.1" / "models"
needs_sdm = pytest.mark.skipif(not SDM.is_dir(), reason=f"shared reference folder {SDM} absent")


def test_mixed_ndjson_against_a_bundle() -> None:
    result = run_cli("validate-data", str(ENTITIES / "widgets.ndjson"), "--bundle", str(MINIMAL))
    assert result.code == 1
    name = ENTITIES / "widgets.ndjson"
    assert result.stdout.splitlines() == [  # errors only, by default
        f"{name}#1: /location/coordinates: [1] has fewer than 2 items",
        f"{name}#1: /size: -1 is less than the minimum of 0",
        f'{name}#2: (root): "colour" is a required property',
        f'{name}#3: /type: no model "Thing" (models: Gadget, Widget)',
        "4 documents (4 key-values), 1 valid, 3 invalid",
    ]
    verbose = run_cli("validate-data", str(name), "--bundle", str(MINIMAL), "--verbose")
    assert verbose.stdout.splitlines()[0] == f"{name}#0 (key-values): ok"
    quiet = run_cli("validate-data", str(name), "--bundle", str(MINIMAL), "-q")
    assert (quiet.code, quiet.stdout) == (1, "4 documents (4 key-values), 1 valid, 3 invalid\n")


def test_forced_model_and_json_output(tmp_path: Path) -> None:
    data = tmp_path / "w.json"
    data.write_text('[{"id": "a", "type": "Gadget", "size": 1}]')
    result = run_cli(
        "validate-data",
        str(data),
        "--bundle",
        str(MINIMAL),
        "--model",
        "Widget",
        "--format",
        "json",
    )
    assert result.code == 1, result
    doc = json.loads(result.stdout)
    violation = {"pointer": "/type", "message": '"Widget" was expected'}
    assert doc["documents"] == [
        {
            "file": str(data),
            "index": 0,
            "form": "key-values",
            "valid": False,
            "violations": [violation],
        }
    ]
    assert (doc["valid"], doc["invalid"], doc["forms"]) == (0, 1, {"key-values": 1})


def test_unknown_model_is_a_usage_error() -> None:
    result = run_cli(
        "validate-data", str(ENTITIES / "widgets.ndjson"), "--bundle", str(MINIMAL), "--model", "X"
    )
    assert result.code == 2
    assert result.stderr == "error: no model 'X' (models: Gadget, Widget)\n"


@needs_sdm
def test_smart_data_models_key_values_pass() -> None:
    examples = sorted(str(p) for p in SDM.glob("dataModel.Parking/*/examples/example.json"))
    result = run_cli("validate-data", *examples, "--schemas", str(SDM))
    assert result.code == 0, result.stdout
    assert result.stdout.splitlines() == ["2 documents (2 key-values), 2 valid, 0 invalid"]


@needs_sdm
def test_smart_data_models_normalized_fail_with_pointers() -> None:
    example = (
        SDM / "dataModel.Parking" / "OffStreetParking" / "examples" / "example-normalized.json"
    )
    result = run_cli("validate-data", str(example), "--schemas", str(SDM), "--format", "json")
    assert result.code == 1
    (doc,) = json.loads(result.stdout)["documents"]
    pointers = {v["pointer"] for v in doc["violations"]}
    assert {"/availableSpotNumber", "/name"} <= pointers
    assert any('is not of type "integer"' in v["message"] for v in doc["violations"])
    assert doc["violations"][0] == {
        "pointer": "",
        "message": "the document looks normalized NGSI v2: try --form auto",
    }


@needs_sdm
def test_default_bundle_accepts_smart_data_models_key_values() -> None:
    if not (REPO / "specs" / "city-os" / "1.0" / "bundle.yaml").is_file():
        pytest.skip("specs/city-os/1.0/bundle.yaml not written yet")
    example = SDM / "dataModel.Parking" / "OffStreetParking" / "examples" / "example.json"
    result = run_cli("validate-data", str(example))
    assert result.code == 0, result.stdout


def test_unusable_files_are_one_line_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("")
    good = ENTITIES / "widgets.ndjson"
    for args, message in [
        ([str(good), str(empty)], f"error: {empty}: empty file (expected JSON or NDJSON entities)"),
        (
            [str(tmp_path)],
            f"error: {tmp_path}: is a folder, not a data file (name the files in it)",
        ),
        ([str(tmp_path / "nope.json")], f"error: {tmp_path / 'nope.json'}: file not found"),
    ]:
        result = run_cli("validate-data", *args, "--bundle", str(MINIMAL))
        assert (result.code, result.stdout, result.stderr) == (2, "", message + "\n"), args


def test_ndjson_line_that_is_not_json_is_an_invalid_document(tmp_path: Path) -> None:
    data = tmp_path / "d.ndjson"
    data.write_text('{"id": "a", "type": "Widget", "size": 1}\n{"id": \n\n{"type": "Widget"}\n')
    result = run_cli("validate-data", str(data), "--bundle", str(MINIMAL))
    assert result.code == 1
    assert result.stdout.splitlines() == [
        f"{data}#1: (root): line 2: invalid JSON: Expecting value",
        f'{data}#2: (root): "id" is a required property',
        "3 documents (3 key-values), 1 valid, 2 invalid",
    ]


def test_schemas_folder_with_a_broken_model_validates_the_others(tmp_path: Path) -> None:
    folder = tmp_path / "sdm"
    for part in ("dataModel.Environment", "dataModel.Parking", "data-models"):
        shutil.copytree(SDM / part, folder / part)
    (folder / "dataModel.Environment" / "Environment-schema.json").unlink()
    spot = SDM / "dataModel.Parking" / "ParkingSpot" / "examples" / "example.json"
    aqo = SDM / "dataModel.Environment" / "AirQualityObserved" / "examples" / "example.json"
    result = run_cli("validate-data", str(spot), str(aqo), "--schemas", str(folder))
    assert result.code == 1
    (warning,) = result.stderr.splitlines()
    assert warning.startswith("warning: model AirQualityObserved cannot be used: $ref")
    (line, summary) = result.stdout.splitlines()
    assert line.startswith(f"{aqo}#0: (root): model AirQualityObserved cannot be used: $ref")
    assert summary == "2 documents (2 key-values), 1 valid, 1 invalid"


def test_auto_form_says_what_it_detected() -> None:
    examples = sorted(str(p) for p in SDM.glob("dataModel.Parking/*/examples/example*.json*"))
    result = run_cli("validate-data", *examples, "--form", "auto", "-v", "--format", "json")
    assert result.code == 0, result.stdout
    doc = json.loads(result.stdout)
    assert doc["forms"] == {
        "key-values": 4,  # example.json and example.jsonld (key-values with @context)
        "normalized NGSI v2": 2,
        "normalized NGSI-LD": 2,
    }
    assert all(d["valid"] for d in doc["documents"]) and len(doc["documents"]) == 8
