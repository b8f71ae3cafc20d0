"""`spec lint` judges an NGSI v2 bundle by its profile: clauses cited by section title, and
`{"error", "description"}` error bodies, not NGSI-LD's numbered clauses and problem details."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from conform.lint import Finding, lint_path
from conform.resources import specs_dir

V2 = specs_dir() / "city-os-v2" / "1.0"
MINIMAL = Path(__file__).parent / "data" / "bundles" / "good" / "minimal"


def _codes(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.code, f.message) for f in findings]


def test_the_published_v2_bundle_lints_clean() -> None:
    assert lint_path(V2) == []


def test_a_v2_bundle_is_held_to_its_own_error_body_and_clause_form(tmp_path: Path) -> None:
    folder = tmp_path / "v2"
    shutil.copytree(V2, folder)
    openapi = folder / "openapi.yaml"
    doc = yaml.safe_load(openapi.read_text(encoding="utf-8"))
    # the v2 error schema replaced by an RFC 7807 one: right for NGSI-LD, wrong for v2
    doc["components"]["schemas"]["Error"] = {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"type": "string"}, "title": {"type": "string"}},
    }
    openapi.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    reqs = folder / "requirements.yaml"
    cited = reqs.read_text(encoding="utf-8")
    reqs.write_text(cited.replace("FIWARE NGSI v2 2.0 §", "FIWARE NGSI v2 ", 1), encoding="utf-8")
    findings = _codes(lint_path(folder))
    assert ("clause-number", findings[0][1]) == findings[0] and "§Create Entity" in findings[0][1]
    problems = [m for c, m in findings if c == "problem-details"]
    assert problems and all("no error body (description, error)" in m for m in problems)
    assert len(findings) == 1 + len(problems)


def test_an_ngsi_ld_bundle_does_not_accept_section_titles(tmp_path: Path) -> None:
    folder = tmp_path / "ld"
    shutil.copytree(MINIMAL, folder)
    reqs = folder / "requirements.yaml"
    reqs.write_text(reqs.read_text().replace('"RFC 7807 3.1"', '"Orion API §Errors"'))
    assert [f.code for f in lint_path(folder)] == ["clause-number"]
