"""The loaded spec bundle as frozen data: conformance classes, requirements, the bundle."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conform.bundle.files import read_yaml
from conform.errors import BundleError
from conform.profiles import DEFAULT_PROFILE
from conform.results import Level

COMMON_MODEL = "common.json"  # shared definitions, not a model of its own
# Facts of a target a bundle may make a class or a requirement depend on (`needs:`,
# `applies_when:`), each with what its absence means.
TARGET_FACTS = {
    "auth": "the system file declares no credentials (auth)",
    "https": "the target is not an https URL",
    "tenant": "the system file names no tenant of its own (tenant:)",
    "tenants": "the system file names fewer than two tenants (tenants: [a, b])",
}


def model_files(folder: Path) -> dict[str, Path]:
    """Model name -> schema file, for every <Name>.json directly in FOLDER except common.json
    (files in subfolders, e.g. official Smart Data Models, are reached by `$ref` only)."""
    files = sorted(folder.glob("*.json"))
    return {p.stem: p for p in files if p.name != COMMON_MODEL and not p.name.startswith(".")}


@dataclass(frozen=True)
class ConformanceClass:
    """A group of requirements a target implements as a whole; optional ones are declared."""

    id: str
    title: dict[str, str]
    mandatory: bool
    # a fact of the target a declaration of this class needs (TARGET_FACTS):
    # declaring the class without it is a usage error, never a silent skip
    needs: str | None = None


@dataclass(frozen=True)
class Requirement:
    """One normative requirement of the bundle."""

    id: str
    title: str  # in English
    statement: dict[str, str]
    level: Level
    cls: str
    clause: str
    titles: dict[str, str] = field(default_factory=dict, compare=False)  # language -> title
    security: bool = False  # a finding of it is a security finding, in every report format
    # a fact of the target without which it does not apply (TARGET_FACTS)
    applies_when: str | None = None


@dataclass(frozen=True)
class Bundle:
    """A validated spec bundle: manifest, classes, requirements, and where its parts live."""

    id: str
    version: str
    title: dict[str, str]
    path: Path
    manifest: dict[str, Any] = field(compare=False)
    classes: tuple[ConformanceClass, ...]
    requirements: tuple[Requirement, ...]
    sha256: str
    profile: str = DEFAULT_PROFILE  # the protocol profile (conform/profiles/<name>.py)
    # property-based check -> requirement it verifies; None: the profile's default map
    checks: Mapping[str, str] | None = field(default=None, compare=False)

    @property
    def ref(self) -> str:
        """The bundle's name as users write it: id@version."""
        return f"{self.id}@{self.version}"

    @property
    def openapi_path(self) -> Path:
        """The OpenAPI document of the bundle."""
        return self.path / self.manifest["parts"]["openapi"]

    @property
    def models_dir(self) -> Path:
        """The folder of JSON Schemas (one per data model, plus common.json)."""
        return self.path / self.manifest["parts"]["models"]

    def model_paths(self) -> dict[str, Path]:
        """Model name -> schema file, for every models/<Name>.json except common.json."""
        return model_files(self.models_dir)

    def load_openapi(self) -> dict[str, Any]:
        """The parsed OpenAPI document (JSON-compatible data)."""
        data, _ = read_yaml(self.openapi_path)
        if not isinstance(data, dict):
            raise BundleError(f"{self.openapi_path}: not an OpenAPI document (expected a mapping)")
        return data

    def requirement(self, req_id: str) -> Requirement:
        """The requirement with this id, or BundleError."""
        for req in self.requirements:
            if req.id == req_id:
                return req
        raise BundleError(f"bundle {self.ref} has no requirement {req_id!r}")

    def cls(self, cls_id: str) -> ConformanceClass:
        """The conformance class with this id, or BundleError listing the known ones."""
        for item in self.classes:
            if item.id == cls_id:
                return item
        known = ", ".join(c.id for c in self.classes)
        raise BundleError(f"bundle {self.ref} has no class {cls_id!r} (classes: {known})")

    @property
    def mandatory_classes(self) -> tuple[ConformanceClass, ...]:
        """Classes every target must pass."""
        return tuple(c for c in self.classes if c.mandatory)

    @property
    def optional_classes(self) -> tuple[ConformanceClass, ...]:
        """Classes that apply only when the target declares them."""
        return tuple(c for c in self.classes if not c.mandatory)

    def level_counts(self) -> dict[str, Counter[Level]]:
        """Class id -> number of requirements per level."""
        counts: dict[str, Counter[Level]] = {c.id: Counter() for c in self.classes}
        for req in self.requirements:
            counts[req.cls][req.level] += 1
        return counts
