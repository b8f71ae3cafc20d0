"""What changed between two versions of a bundle: classes, requirements, operations, models."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from conform.bundle.files import read_yaml
from conform.bundle.model import Bundle, Requirement
from conform.bundle.operations import query_parameters
from conform.datamodels import ModelSet

_REQUIREMENT_FIELDS = ("title", "statement", "level", "cls", "clause", "security", "applies_when")
_MANIFEST_KEYS = ("base_standard", "checks", "defaults", "features", "profile")


@dataclass(frozen=True)
class BundleChanges:
    """The difference OLD -> NEW; lists sorted (added requirements in bundle order)."""

    old: str
    new: str
    classes_added: list[str] = field(default_factory=list)
    classes_removed: list[str] = field(default_factory=list)
    classes_changed: list[str] = field(default_factory=list)  # mandatory flag or title
    requirements_added: list[str] = field(default_factory=list)  # in bundle order
    requirements_removed: list[str] = field(default_factory=list)
    requirements_changed: dict[str, list[str]] = field(default_factory=dict)  # id -> fields
    operations_added: list[str] = field(default_factory=list)  # "METHOD /path"
    operations_removed: list[str] = field(default_factory=list)
    parameters_added: dict[str, list[str]] = field(default_factory=dict)  # operation -> names
    models_added: list[str] = field(default_factory=list)
    models_removed: list[str] = field(default_factory=list)
    models_changed: list[str] = field(default_factory=list)
    # model -> what changed in its schema: "properties added"/"properties removed"/
    # "required added"/"required removed" -> names (resolved through $ref and allOf)
    model_changes: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    manifest_changed: list[str] = field(default_factory=list)  # bundle.yaml keys

    @property
    def empty(self) -> bool:
        """Whether nothing but the version (and the dates and titles naming it) changed."""
        return not any(value for key, value in vars(self).items() if key not in ("old", "new"))

    def to_json(self) -> dict[str, Any]:
        """The changes as JSON-compatible data."""
        return dict(vars(self))


def _operations(bundle: Bundle) -> dict[str, frozenset[str]]:
    """'METHOD /path' -> the query parameter names of every operation of the OpenAPI."""
    found = query_parameters(bundle.load_openapi())
    return {f"{method} {path}": names for (path, method), names in found.items()}


def _model(bundle: Bundle, name: str) -> str:
    """A model schema without the members naming its bundle version ($id, title)."""
    data, _ = read_yaml(bundle.model_paths()[name])
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k not in ("$id", "title")}
    text = json.dumps(data, sort_keys=True)
    return text.replace(f"/{bundle.version}/", "/{version}/")


def _model_changes(old: Bundle, new: Bundle, names: list[str]) -> dict[str, dict[str, list[str]]]:
    """How each of NAMES changed: the members and required members it gained or lost."""
    if not names:
        return {}
    before, after = ModelSet.from_bundle(old), ModelSet.from_bundle(new)
    out: dict[str, dict[str, list[str]]] = {}
    for name in names:
        (old_members, old_required), (members, required) = before.outline(name), after.outline(name)
        found = {
            "properties added": sorted(members - old_members),
            "properties removed": sorted(old_members - members),
            "required added": sorted(required - old_required),
            "required removed": sorted(old_required - required),
        }
        out[name] = {k: v for k, v in found.items() if v}
    return out


def _requirement_fields(old: Requirement, new: Requirement) -> list[str]:
    return [f for f in _REQUIREMENT_FIELDS if getattr(old, f) != getattr(new, f)]


def compare(old: Bundle, new: Bundle) -> BundleChanges:
    """What NEW changes relative to OLD."""
    old_classes = {c.id: c for c in old.classes}
    new_classes = {c.id: c for c in new.classes}
    old_reqs = {r.id: r for r in old.requirements}
    new_reqs = {r.id: r for r in new.requirements}
    old_ops, new_ops = _operations(old), _operations(new)
    old_models, new_models = set(old.model_paths()), set(new.model_paths())
    models_changed = sorted(m for m in old_models & new_models if _model(old, m) != _model(new, m))
    return BundleChanges(
        old=old.ref,
        new=new.ref,
        classes_added=sorted(set(new_classes) - set(old_classes)),
        classes_removed=sorted(set(old_classes) - set(new_classes)),
        classes_changed=sorted(
            c for c in set(old_classes) & set(new_classes) if old_classes[c] != new_classes[c]
        ),
        requirements_added=[r.id for r in new.requirements if r.id not in old_reqs],
        requirements_removed=sorted(set(old_reqs) - set(new_reqs)),
        requirements_changed={
            r: fields
            for r in sorted(set(old_reqs) & set(new_reqs))
            if (fields := _requirement_fields(old_reqs[r], new_reqs[r]))
        },
        operations_added=sorted(set(new_ops) - set(old_ops)),
        operations_removed=sorted(set(old_ops) - set(new_ops)),
        parameters_added={
            op: sorted(new_ops[op] - old_ops[op])
            for op in sorted(set(old_ops) & set(new_ops))
            if new_ops[op] - old_ops[op]
        },
        models_added=sorted(new_models - old_models),
        models_removed=sorted(old_models - new_models),
        models_changed=models_changed,
        model_changes=_model_changes(old, new, models_changed),
        manifest_changed=[k for k in _MANIFEST_KEYS if old.manifest.get(k) != new.manifest.get(k)],
    )


def previous_version(bundle: Bundle, versions: list[Bundle]) -> Bundle | None:
    """The highest version of the same bundle id below BUNDLE's, among VERSIONS."""
    from conform.bundle.load import version_key

    older = [
        b
        for b in versions
        if b.id == bundle.id and version_key(b.version) < version_key(bundle.version)
    ]
    return max(older, key=lambda b: version_key(b.version), default=None)


def render_changes(changes: BundleChanges, new: Bundle, titles: bool = True) -> str:
    """The changes as text: one section per kind, each item on its own line."""
    if changes.empty:
        return f"no changes from {changes.old} to {changes.new} besides the version"
    reqs = {r.id: r for r in new.requirements}
    lines = [f"changes from {changes.old} to {changes.new}:"]

    def section(name: str, items: list[str]) -> None:
        if items and not titles:
            lines.append(f"  {name} ({len(items)}): {', '.join(items)}")
        elif items:
            lines.append(f"  {name} ({len(items)}):")
            lines.extend(f"    {item}" for item in items)

    classes = {c.id: c for c in new.classes}
    section(
        "classes added",
        [
            f"{c} ({'mandatory' if classes[c].mandatory else 'optional'})"
            for c in changes.classes_added
        ],
    )
    section("classes removed", changes.classes_removed)
    section("classes changed", changes.classes_changed)
    added = changes.requirements_added
    section(
        "requirements added",
        [f"{r:<8}  {reqs[r].level.value:<6}  {reqs[r].title}" if titles else r for r in added],
    )
    section("requirements removed", changes.requirements_removed)
    section(
        "requirements changed",
        [f"{r} ({', '.join(f)})" for r, f in changes.requirements_changed.items()],
    )
    section("operations added", changes.operations_added)
    section("operations removed", changes.operations_removed)
    section(
        "query parameters added",
        [f"{op}: {', '.join(names)}" for op, names in changes.parameters_added.items()],
    )
    section("models added", changes.models_added)
    section("models removed", changes.models_removed)
    models = changes.models_changed
    section("models changed", [_model_line(m, changes) for m in models] if titles else models)
    section("bundle.yaml changed", changes.manifest_changed)
    return "\n".join(lines)


def _model_line(name: str, changes: BundleChanges) -> str:
    """A changed model and how: 'Streetlight: required added: name; properties removed: x'."""
    how = changes.model_changes.get(name) or {}
    if not how:
        return f"{name}: no property or required member changed (constraints only)"
    return f"{name}: " + "; ".join(f"{kind}: {', '.join(names)}" for kind, names in how.items())
