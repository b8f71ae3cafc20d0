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
from conform.profiles import load_profile
from conform.resources import suites_dir
from conform.results import Level
from conform.suite.coverage import suite_coverage

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


def property_covered(folder: Path) -> set[str]:
    """Requirement ids the property-based phase verifies for the bundle in FOLDER.

    The bundle's `checks:` map, else its profile's default map (an unknown profile: none).
    """
    fields = inspect_folder(folder).fields
    checks = fields.get("checks")
    if checks is not None:
        return set(checks.values())
    name = fields.get("profile")
    return set(load_profile(name).default_checks.values()) if name else set()


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
    return set(suite_coverage(suite)) | property_covered(path)


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
        name = found.fields.get("profile")
        profile = load_profile(name) if name else None  # unknown: already a finding above
        findings += check_openapi(read_yaml(openapi)[0], openapi, profile)
    findings += _lint_checks(
        manifest_file=folder / "bundle.yaml", checks=found.fields.get("checks")
    )
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


def _lint_checks(manifest_file: Path, checks: dict[str, str] | None) -> list[Finding]:
    """`checks:` names only checks schemathesis has (the loader cannot know them)."""
    if not checks:
        return []
    from conform.fuzz import known_checks  # schemathesis is heavy: only when a bundle names checks

    known = known_checks()
    return [
        Finding(
            str(manifest_file), f"/checks/{name}", Severity.ERROR, "unknown-check",
            f"checks: {name!r} is not a schemathesis check",
            f"one of: {', '.join(sorted(known))}",
        )
        for name in checks
        if name not in known
    ]  # fmt: skip


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
