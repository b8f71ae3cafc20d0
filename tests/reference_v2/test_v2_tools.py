"""The offline tools know the NGSI v2 bundle: `spec list` shows both bundles, `spec lint` passes
it clean, and `validate-data --bundle city-os-v2` judges key-values and NGSI v2 normalized
entities against its official Smart Data Models."""

from __future__ import annotations

import json
from pathlib import Path

from test_cli_spec import REPO, run_cli

MODELS = REPO / "specs" / "city-os-v2" / "1.0" / "models"


def _example(model: str, form: str) -> dict[str, object]:
    path = next(MODELS.glob(f"dataModel.*/{model}/examples/{form}.json"))
    doc: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return doc


def test_spec_list_shows_both_bundles() -> None:
    done = run_cli("spec", "list")
    assert done.code == 0, done.stderr
    rows = {tuple(line.split()[:2]) for line in done.stdout.splitlines()[1:]}
    assert {("city-os", "1.1"), ("city-os-v2", "1.0")} <= rows
    assert "(FIWARE NGSI v2 profile)" in done.stdout and "(NGSI-LD profile)" in done.stdout
    ja = run_cli("spec", "list", "--long", "--lang", "ja")
    assert "FIWARE NGSI v2 プロファイル" in ja.stdout and "NGSI-LD プロファイル" in ja.stdout


def test_spec_lint_passes_the_v2_bundle_clean() -> None:
    done = run_cli("spec", "lint", "specs/city-os-v2/1.0")
    assert (done.code, done.stdout.splitlines()[-1]) == (0, "0 errors, 0 warnings"), done


def test_validate_data_judges_both_ngsi_v2_forms(tmp_path: Path) -> None:
    streetlight = _example("Streetlight", "example-normalized")
    with_metadata = {
        **streetlight,
        "status": {"type": "Text", "value": "ok", "metadata": {"source": {"value": "sensor"}}},
    }
    broken = {**streetlight, "status": {"type": "Text", "value": "glowing", "metadata": {}}}
    docs = [
        _example("Streetlight", "example"),  # key-values
        streetlight,  # normalized, as the official example writes it
        with_metadata,
        _example("ParkingSpot", "example-normalized"),
        broken,
    ]
    data = tmp_path / "orion-dump.ndjson"
    data.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    done = run_cli("validate-data", str(data), "--bundle", "city-os-v2", "--form", "auto")
    assert done.code == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "5 documents (1 key-values, 4 normalized NGSI v2), 4 valid, 1 invalid"
    assert [line.split(": ", 2)[:2] for line in lines[:-1]] == [[f"{data}#4", "/status/value"]]
    assert '"glowing"' in lines[0]
    valid = tmp_path / "valid.json"
    valid.write_text(json.dumps(docs[1:4]), encoding="utf-8")  # normalized only
    ok = run_cli("validate-data", str(valid), "--bundle", "city-os-v2", "--form", "normalized")
    assert ok.code == 0, ok.stdout
