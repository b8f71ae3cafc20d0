"""Lint: OpenAPI checks on small documents, bundle and model checks, uncovered MUSTs."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from conform.bundle import load_bundle
from conform.errors import BundleError
from conform.lint import Finding, Severity, lint_path, uncovered_musts

MINIMAL = Path(__file__).parent / "data" / "bundles" / "good" / "minimal"
BASE: dict[str, Any] = yaml.safe_load((MINIMAL / "openapi.yaml").read_text())


def _lint_doc(tmp_path: Path, doc: dict[str, Any]) -> list[Finding]:
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(doc))
    return lint_path(path)


def _where(findings: list[Finding], code: str) -> list[str]:
    return [f.location for f in findings if f.code == code]


def test_clean_document_has_no_findings(tmp_path: Path) -> None:
    assert _lint_doc(tmp_path, BASE) == []


def test_missing_mandated_error_responses(tmp_path: Path) -> None:
    doc = copy.deepcopy(BASE)
    post = doc["paths"]["/entities"]["post"]["responses"]
    for code in ("400", "411", "415"):
        del post[code]
    get = doc["paths"]["/entities/{entityId}"]["get"]["responses"]
    del get["404"], get["406"]
    findings = _lint_doc(tmp_path, doc)
    by_code = {f.code: f for f in findings}
    assert by_code["missing-400"].location == "/paths/~1entities/post/responses"
    assert by_code["missing-415"].severity is Severity.ERROR
    assert by_code["missing-411"].severity is Severity.WARNING
    assert _where(findings, "missing-404") == ["/paths/~1entities~1{entityId}/get/responses"]
    assert _where(findings, "missing-406") == ["/paths/~1entities~1{entityId}/get/responses"]
    assert by_code["missing-406"].message.startswith(
        "GET /entities/{entityId} does not document 406"
    )


def test_status_range_documents_the_codes_it_covers(tmp_path: Path) -> None:
    doc = copy.deepcopy(BASE)
    responses = doc["paths"]["/entities"]["post"]["responses"]
    del responses["400"], responses["415"], responses["411"]
    responses["4XX"] = {"$ref": "#/components/responses/BadRequest"}
    assert _lint_doc(tmp_path, doc) == []


@pytest.mark.parametrize(
    ("media_type", "severity", "hint"),
    [
        ("application/json+ld", Severity.ERROR, "did you mean application/ld+json?"),
        ("application", Severity.ERROR, "did you mean application/json?"),
        ("application/jsonld", Severity.WARNING, "did you mean application/ld+json?"),
    ],
)
def test_bad_media_types(tmp_path: Path, media_type: str, severity: Severity, hint: str) -> None:
    doc = copy.deepcopy(BASE)
    content = doc["paths"]["/entities"]["post"]["requestBody"]["content"]
    content[media_type] = content.pop("application/ld+json")
    (finding,) = [f for f in _lint_doc(tmp_path, doc) if f.code == "media-type"]
    token = media_type.replace("/", "~1")
    assert finding.location == f"/paths/~1entities/post/requestBody/content/{token}"
    assert (finding.severity, finding.hint) == (severity, hint)


def test_acceptable_media_types(tmp_path: Path) -> None:
    doc = copy.deepcopy(BASE)
    content = doc["paths"]["/entities"]["post"]["requestBody"]["content"]
    for media_type in ("application/vnd.city+json", "text/csv", "image/*", "*/*"):
        content[media_type] = {"schema": {"type": "object"}}
    content["application/json; charset=utf-8"] = {"schema": {"type": "object"}}
    assert _lint_doc(tmp_path, doc) == []


def test_refs_unresolved_remote_and_external(tmp_path: Path) -> None:
    doc = copy.deepcopy(BASE)
    schemas = doc["components"]["schemas"]
    schemas["Remote"] = {"$ref": "https://example.com/schema.json"}
    schemas["External"] = {"$ref": "shared.yaml#/Thing"}
    schemas["Missing"] = {"$ref": "shared.yaml#/Nothing"}
    (tmp_path / "shared.yaml").write_text("Thing: {type: string}\n")
    doc["paths"]["/entities"]["post"]["requestBody"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/Entities"
    }
    findings = _lint_doc(tmp_path, doc)
    assert _where(findings, "ref-remote") == ["/components/schemas/Remote/$ref"]
    unresolved = {f.location: f.hint for f in findings if f.code == "ref-unresolved"}
    assert unresolved == {
        "/paths/~1entities/post/requestBody/content/application~1json/schema/$ref": (
            "did you mean '#/components/schemas/Entity'?"
        ),
        "/components/schemas/Missing/$ref": "is shared.yaml in the same folder?",
    }


def test_oas_meta_schema_violations_are_pointed(tmp_path: Path) -> None:
    doc = copy.deepcopy(BASE)
    doc["paths"]["/entities"]["post"]["responses"]["201"] = {"summary": "no description"}
    findings = _lint_doc(tmp_path, doc)
    assert [f.location for f in findings if f.code == "oas-schema"] == [
        "/paths/~1entities/post/responses/201"
    ]


def test_not_openapi_3(tmp_path: Path) -> None:
    (finding,) = _lint_doc(tmp_path, {"swagger": "2.0", "info": {}, "paths": {}})
    assert (finding.code, finding.location) == ("oas-version", "/openapi")


def test_error_response_without_problem_details_warns_once(tmp_path: Path) -> None:
    doc = copy.deepcopy(BASE)
    doc["components"]["responses"]["NotFound"] = {"description": "Not found"}
    findings = _lint_doc(tmp_path, doc)
    assert [(f.location, f.severity) for f in findings] == [
        ("/components/responses/NotFound", Severity.WARNING)
    ]


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    path = tmp_path / "openapi.yaml"
    path.write_text("openapi: 3.0.3\ninfo: {title: x\npaths: {}\n")
    with pytest.raises(BundleError, match=r"openapi.yaml: line 3: invalid YAML"):
        lint_path(path)


def test_bundle_models_invalid_schema_and_unresolved_ref(tmp_path: Path) -> None:
    folder = tmp_path / "b"
    shutil.copytree(MINIMAL, folder)
    widget = json.loads((folder / "models" / "Widget.json").read_text())
    widget["properties"]["size"] = {"type": "integr"}
    widget["properties"]["location"] = {"$ref": "common.json#/$defs/Place"}
    (folder / "models" / "Widget.json").write_text(json.dumps(widget))
    gadget = json.loads((folder / "models" / "Gadget.json").read_text())
    gadget["properties"]["colour"] = {"$ref": "https://example.com/colour.json"}
    (folder / "models" / "Gadget.json").write_text(json.dumps(gadget))
    findings = lint_path(folder)
    assert [(Path(f.file).name, f.code, f.location) for f in findings] == [
        ("Gadget.json", "model-ref", "/properties/colour/$ref"),
        ("Widget.json", "model-schema", "/properties/size/type"),
    ]
    assert "never fetches schemas from the network" in findings[0].message


def test_bundle_structure_problems_are_all_reported(tmp_path: Path) -> None:
    folder = tmp_path / "b"
    shutil.copytree(MINIMAL, folder)
    reqs = folder / "requirements.yaml"
    text = reqs.read_text()
    text = text.replace("class: batch", "class: batches").replace('"RFC 7807 3.1"', '"RFC 7807"')
    reqs.write_text(text.replace("id: CORE-002", "id: CORE-001"))
    findings = lint_path(folder)
    assert [(f.code, f.severity, f.location) for f in findings] == [
        ("duplicate-id", Severity.ERROR, "line 8"),
        ("clause-number", Severity.WARNING, "line 19"),
        ("unknown-class", Severity.ERROR, "line 24"),
    ]


def test_uncovered_musts() -> None:
    bundle = load_bundle(MINIMAL)
    assert [r.id for r in uncovered_musts(bundle, {"CORE-001"})] == ["CORE-002"]
    assert uncovered_musts(bundle, {"CORE-001", "CORE-002"}) == []  # SHOULD/MAY never required


def test_lint_with_coverage_reports_uncovered_musts_as_errors() -> None:
    findings = lint_path(MINIMAL, covered={"CORE-002", "BAT-001"})
    (finding,) = findings
    assert (finding.code, finding.severity, finding.location) == (
        "uncovered",
        Severity.ERROR,
        "CORE-001",
    )
    assert finding.message.startswith("no test covers requirement CORE-001")
    assert lint_path(MINIMAL, covered={"CORE-001", "CORE-002"}) == []
