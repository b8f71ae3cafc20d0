"""Find and load spec bundles by id, id@version or folder; loading fails closed."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from conform.bundle.checks import (
    VERSION_RE,
    Problem,
    check_check_map,
    check_manifest,
    check_requirements,
)
from conform.bundle.files import content_hash, read_yaml
from conform.bundle.model import Bundle, Requirement
from conform.errors import BundleError
from conform.resources import specs_dir

DEFAULT_BUNDLE = "city-os"
SPECS_PATH_ENV = "CONFORM_SPECS_PATH"
MANIFEST = "bundle.yaml"


@dataclass(frozen=True)
class Inspection:
    """Everything structural found in a bundle folder, before deciding to trust it."""

    folder: Path
    manifest: dict[str, Any]
    fields: dict[str, Any]
    requirements: tuple[Requirement, ...]
    problems: tuple[Problem, ...]


def inspect_folder(folder: Path) -> Inspection:
    """Parse bundle.yaml and requirements.yaml and collect every structural problem.

    Unreadable files (missing bundle.yaml, YAML syntax errors) raise BundleError at once.
    """
    manifest_file = folder / MANIFEST
    if not folder.is_dir():
        raise BundleError(f"{folder}: no such bundle folder")
    if not manifest_file.is_file():
        raise BundleError(f"{folder}: missing {MANIFEST} (not a spec bundle folder)")
    data, lines = read_yaml(manifest_file)
    problems, fields = check_manifest(data, manifest_file, lines)
    parts = fields.get("parts") or {}
    for key in ("openapi", "requirements", "models"):
        name = parts.get(key)
        if not isinstance(name, str):
            continue
        target = folder / name
        inside = target.resolve().is_relative_to(folder.resolve())
        exists = target.is_dir() if key == "models" else target.is_file()
        if not (inside and exists):
            where = f"line {lines.get(f'/parts/{key}', 1)}"
            what = "folder" if key == "models" else "file"
            msg = f"parts.{key}: {what} {name!r} not found in the bundle folder"
            problems.append(Problem(manifest_file, where, msg, "missing-part"))
    requirements: tuple[Requirement, ...] = ()
    req_name = parts.get("requirements")
    if isinstance(req_name, str) and (folder / req_name).is_file():
        req_file = folder / req_name
        req_data, req_lines = read_yaml(req_file)
        class_ids = {c.id for c in fields.get("classes", ())}
        req_problems, requirements = check_requirements(req_data, req_file, req_lines, class_ids)
        problems.extend(req_problems)
        if requirements:
            checks = fields.get("checks")
            problems.extend(check_check_map(checks, requirements, manifest_file, lines))
    manifest = data if isinstance(data, dict) else {}
    return Inspection(folder, manifest, fields, requirements, tuple(problems))


def load_folder(folder: Path) -> Bundle:
    """Load the bundle in FOLDER; the first structural problem raises BundleError."""
    found = inspect_folder(folder)
    errors = [problem for problem in found.problems if not problem.warning]
    if errors:
        raise BundleError(errors[0].render())
    fields = found.fields
    return Bundle(
        id=fields["id"],
        version=fields["version"],
        title=dict(fields["title"]),
        path=folder,
        manifest=found.manifest,
        classes=fields["classes"],
        requirements=found.requirements,
        sha256=content_hash(folder),
        profile=fields["profile"],
        checks=None if fields["checks"] is None else MappingProxyType(fields["checks"]),
    )


def version_key(version: str) -> tuple[int, ...]:
    """Numeric sort key: "1.10" sorts after "1.9"."""
    return tuple(int(part) for part in version.split("."))


def search_dirs(search: Path | None = None) -> list[Path]:
    """Folders of <id>/<version>/ bundles: SEARCH, else packaged specs + $CONFORM_SPECS_PATH."""
    if search is not None:
        return [search]
    extra = os.environ.get(SPECS_PATH_ENV, "")
    return [specs_dir(), *(Path(p) for p in extra.split(os.pathsep) if p)]


def _index(search: Path | None) -> dict[tuple[str, str], Path]:
    """(id, version) -> folder for every bundle folder in the search path."""
    index: dict[tuple[str, str], Path] = {}
    for root in search_dirs(search):
        for manifest in sorted(root.glob(f"*/*/{MANIFEST}")):
            folder = manifest.parent
            key = (folder.parent.name, folder.name)
            if not VERSION_RE.match(key[1]):
                continue
            if key in index and index[key].resolve() != folder.resolve():
                where = f"{index[key]} and {folder}"
                raise BundleError(f"bundle {key[0]}@{key[1]} found twice: {where}")
            index[key] = folder
    return index


def _is_path(ref: str | Path) -> bool:
    if isinstance(ref, Path):
        return True
    return "@" not in ref and (os.sep in ref or "/" in ref or Path(ref).is_dir())


def load_bundle(ref: str | Path, search: Path | None = None) -> Bundle:
    """Load a bundle named `id`, `id@version` (latest version if omitted) or a folder path."""
    if _is_path(ref):
        return load_folder(Path(ref))
    bundle_id, _, version = str(ref).partition("@")
    index = _index(search)
    versions = {v: folder for (i, v), folder in index.items() if i == bundle_id}
    if not versions:
        known = ", ".join(f"{i}@{v}" for i, v in sorted(index)) or "none"
        raise BundleError(f"unknown bundle {bundle_id!r} (known bundles: {known})")
    if version and version not in versions:
        known = ", ".join(sorted(versions, key=version_key))
        raise BundleError(f"bundle {bundle_id!r} has no version {version!r} (known: {known})")
    version = version or max(versions, key=version_key)
    bundle = load_folder(versions[version])
    if (bundle.id, bundle.version) != (bundle_id, version):
        raise BundleError(
            f"{versions[version] / MANIFEST}: says {bundle.ref} but lives in folder "
            f"{bundle_id}/{version}"
        )
    return bundle


def find_bundles(search: Path | None = None) -> list[Bundle]:
    """Every bundle in the search path, loaded and validated, sorted by id and version."""
    index = _index(search)
    ordered = sorted(index, key=lambda key: (key[0], version_key(key[1])))
    return [load_bundle(f"{i}@{v}", search) for i, v in ordered]
