"""`conform spec diff` and the changes `spec show` lists: bundle versions compared."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from conform.bundle import load_bundle
from conform.bundle.changes import compare, previous_version

REPO = Path(__file__).resolve().parents[1]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CONFORM_SPECS_PATH"}
    return subprocess.run(
        [sys.executable, "-m", "conform", *args], capture_output=True, text=True, cwd=REPO, env=env
    )


def test_city_os_1_1_against_1_0() -> None:
    changes = compare(load_bundle("city-os@1.0"), load_bundle("city-os@1.1"))
    assert {"jsonld", "geo-query", "temporal", "security", "tenancy"} <= set(changes.classes_added)
    assert {"LD-001", "CORE-039", "SUB-029"} <= set(changes.requirements_added)
    assert changes.requirements_removed == [] and changes.requirements_changed == {}
    assert "PUT /entities/{entityId}" in changes.operations_added
    assert changes.parameters_added["DELETE /entities/{entityId}/attrs/{attrId}"] == [
        "datasetId",
        "deleteAll",
    ]
    # 1.1's models are the official Smart Data Models (an allOf of the shipped schema)
    assert changes.models_changed == sorted(load_bundle("city-os@1.0").model_paths())
    # looked at inside: what each official schema adds, drops or now requires
    assert changes.model_changes["Streetlight"]["required added"] == ["status"]
    assert "refDevice" in changes.model_changes["EVChargingStation"]["properties removed"]
    assert {"checks", "features"} <= set(changes.manifest_changed)


def test_a_changed_requirement_and_model_are_reported(tmp_path: Path) -> None:
    folder = tmp_path / "city-os" / "1.2"
    shutil.copytree(REPO / "specs" / "city-os" / "1.1", folder)
    manifest = folder / "bundle.yaml"
    manifest.write_text(manifest.read_text().replace('version: "1.1"', 'version: "1.2"'))
    reqs = folder / "requirements.yaml"
    data = yaml.safe_load(reqs.read_text())
    data["requirements"][0]["level"] = "SHOULD"
    reqs.write_text(yaml.safe_dump(data, allow_unicode=True))
    model = folder / "models" / "Streetlight.json"
    schema = json.loads(model.read_text())
    schema["required"] = [*schema.get("required", []), "name"]
    model.write_text(json.dumps(schema))
    changes = compare(load_bundle("city-os@1.1"), load_bundle(folder))
    assert changes.requirements_changed == {"CORE-001": ["level"]}
    assert changes.models_changed == ["Streetlight"]
    assert changes.model_changes == {"Streetlight": {"required added": ["name"]}}
    previous = previous_version(
        load_bundle(folder), [load_bundle("city-os@1.0"), load_bundle("city-os@1.1")]
    )
    assert previous is not None and previous.version == "1.1"


def test_cli_diff_text_json_and_show() -> None:
    text = _cli("spec", "diff", "city-os@1.0", "city-os@1.1")
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("changes from city-os@1.0 to city-os@1.1:")
    assert "    LD-006    MUST    An unreachable remote @context is 503" in text.stdout
    doc = json.loads(_cli("spec", "diff", "city-os@1.0", "city-os@1.1", "--format", "json").stdout)
    assert {"jsonld", "geo-query", "temporal", "security", "tenancy"} <= set(doc["classes_added"])
    shown = _cli("spec", "show", "city-os@1.1")
    assert "changes from city-os@1.0 to city-os@1.1:" in shown.stdout
    assert "(details: conform spec diff city-os@1.0 city-os@1.1)" in shown.stdout
    assert "changes from" not in _cli("spec", "show", "city-os@1.0").stdout


def test_cli_diff_of_an_unknown_version_is_a_usage_error() -> None:
    result = _cli("spec", "diff", "city-os@1.0", "city-os@9.9")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: ") and "no version '9.9'" in result.stderr
