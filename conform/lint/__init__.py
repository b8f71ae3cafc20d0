"""`conform spec lint`: findings for a bundle folder or a bare OpenAPI file."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from jsonschema import Draft202012Validator, SchemaError, validators

from conform.bundle import Bundle, inspect_folder
from conform.bundle.files import pointer_token, read_yaml
from conform.bundle.load import Inspection
from conform.bundle.model import Requirement, model_files
from conform.datamodels import ModelSet
from conform.errors import BundleError, UsageError
from conform.lint.findings import Finding, Severity, render_json, render_text, summary
from conform.lint.openapi import check_openapi
from conform.resources import suites_dir
from conform.results import Level
from conform.runner.coverage import suite_coverage

__all__ = [
    "Finding",
    "Severity",
    "lint_path",
    "property_covered",
    "render_json",
    "render_text",
    "suite_covered",
    "summary",
    "uncovered_musts",
]


def lint_path(path: Path, covered: set[str] | None = None) -> list[Finding]:
    """Lint a bundle folder or a bare OpenAPI file; unreadable input raises a ConformError.

    With COVERED (requirement ids some suite test verifies), every MUST requirement outside it
    is an error.
    """
    path = Path(path)
    if path.is_dir():
        return _lint_bundle(path, covered)
    if not path.is_file():
        raise BundleError(f"{path}: no such file or folder")
    doc, _ = read_yaml(path)
    return check_openapi(doc, path)


def property_covered() -> set[str]:
    """Requirement ids the property-based phase verifies (its check -> requirement map)."""
    from conform.fuzz import DEFAULT_CHECK_MAP  # schemathesis is heavy: only when a suite exists

    return set(DEFAULT_CHECK_MAP.values())


def suite_covered(path: Path, suite: Path | None = None) -> set[str] | None:
    """Requirement ids tested for bundle folder PATH (SUITE, else its packaged suite), or None."""
    # The property-based phase counts too: its checks verify requirements no suite test marks.
    if suite is not None and not suite.is_dir():
        raise UsageError(f"--suite: {suite}: not a folder")
    if not path.is_dir():
        if suite is not None:
            raise UsageError(f"--suite: {path} is not a bundle folder")
        return None
    if suite is None:
        bundle_id = inspect_folder(path).fields.get("id")
        if not isinstance(bundle_id, str) or Path(bundle_id).name != bundle_id:
            return None  # lint reports the bad id itself
        suite = suites_dir() / bundle_id
        if not suite.is_dir():
            return None
    return set(suite_coverage(suite)) | property_covered()


def uncovered_musts(bundle: Bundle | Inspection, covered: Iterable[str]) -> list[Requirement]:
    """MUST requirements of BUNDLE that no test covers (none may be left uncovered)."""
    done = set(covered)
    return [r for r in bundle.requirements if r.level is Level.MUST and r.id not in done]


def _lint_bundle(folder: Path, covered: set[str] | None) -> list[Finding]:
    found = inspect_folder(folder)
    findings = [
        Finding(
            str(p.file),
            p.location,
            Severity.WARNING if p.warning else Severity.ERROR,
            p.code,
            p.message,
        )
        for p in found.problems
    ]
    parts = found.fields.get("parts") or {}
    openapi = folder / str(parts.get("openapi", ""))
    if parts.get("openapi") and openapi.is_file():
        findings += check_openapi(read_yaml(openapi)[0], openapi)
    models = folder / str(parts.get("models", ""))
    if parts.get("models") and models.is_dir():
        findings += _lint_models(models)
    if covered is not None:
        requirements = folder / str(parts.get("requirements"))
        for req in uncovered_musts(found, covered):
            message = f"no test covers requirement {req.id} ({req.title})"
            hint = f'mark a suite test with @pytest.mark.req("{req.id}")'
            findings.append(
                Finding(str(requirements), req.id, Severity.ERROR, "uncovered", message, hint)
            )
    return findings


def _lint_models(folder: Path) -> list[Finding]:
    """Every model is a valid JSON Schema whose `$ref`s resolve within the models folder."""
    models = ModelSet.from_models_dir(folder)
    findings: list[Finding] = []
    for name, file in model_files(folder).items():
        schema = models.schema(name)
        try:
            validators.validator_for(schema, default=Draft202012Validator).check_schema(schema)
        except SchemaError as exc:
            where = "".join(f"/{pointer_token(p)}" for p in exc.path)
            message = f"not a valid JSON Schema: {exc.message}"
            findings.append(Finding(str(file), where, Severity.ERROR, "model-schema", message))
            continue
        for pointer, reason in models.unresolved_refs(name):
            findings.append(Finding(str(file), pointer, Severity.ERROR, "model-ref", reason))
    return findings
