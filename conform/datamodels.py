"""JSON-Schema validation of key-values entities: validators compiled once, `$ref`s local only.

Formats are asserted, alike in both engines (`conform/datamodel_formats.py`).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jsonschema import Draft202012Validator, SchemaError, validators
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from conform.bundle import Bundle
from conform.bundle.files import pointer_token, read_json
from conform.bundle.model import model_files
from conform.datamodel_errors import Failure, best, from_py, from_rs, message, show
from conform.datamodel_formats import FORMAT_CHECKER, SHARED_FORMATS, validator_class
from conform.errors import DataError, UsageError

try:  # the optional extra `fast`: compiled validation, verdicts and errors
    import jsonschema_rs
except ImportError:  # pragma: no cover - depends on the install
    jsonschema_rs = None  # type: ignore[assignment]

# Where Smart Data Models schemas are published; both forms map to the local folder.
SDM_BASE = "https://smart-data-models.github.io/"
_SDM_RAW = re.compile(r"^https://raw\.githubusercontent\.com/smart-data-models/([^/]+)/[^/]+/(.*)$")
# A schema that constrains nothing at its top level (beyond being an object) only holds
# shared definitions (common-schema.json, Environment-schema.json): a library, not a model.
_CONSTRAINING = {"properties", "required", "allOf", "anyOf", "oneOf", "$ref", "const", "enum"}
_DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
_UNBUILT = object()


@dataclass(frozen=True)
class Violation:
    """One way a document breaks its schema: where (JSON pointer) and why."""

    pointer: str
    message: str


def _load_schema(path: Path) -> dict[str, Any]:
    """A schema file's contents; one without `$id` gets its file URI so relative refs resolve.

    A `$schema` naming draft 2020-12 (the default anyway) is dropped: jsonschema would switch
    to its stock validator class at such a schema and lose our ECMA-262 `pattern`.
    """
    contents = read_json(path, DataError)
    if not isinstance(contents, dict):
        raise DataError(f"{path}: not a JSON Schema (expected an object)")
    if str(contents.get("$schema", "")).rstrip("#") == _DRAFT_2020_12:
        contents = {k: v for k, v in contents.items() if k != "$schema"}
    return contents if "$id" in contents else {**contents, "$id": path.resolve().as_uri()}


_OUTLINE_DEPTH = 32  # $ref / allOf nesting followed by `outline` (a cycle stops here)


class ModelSet:
    """The data models one can validate against, keyed by model (entity type) name."""

    def __init__(
        self,
        root: Path,
        models: dict[str, Path],
        library: Iterable[Path] = (),
        *,
        fast: bool = True,
    ) -> None:
        self.root = root.resolve()
        self._schemas = {name: _load_schema(path) for name, path in models.items()}
        self._paths = dict(models)
        self._validators: dict[str, Validator] = {}
        # FAST: jsonschema-rs judges and explains when installed (same verdicts and pointers,
        # proven by tests/test_datamodels_accel.py); jsonschema where it cannot build a model.
        self.fast = fast and jsonschema_rs is not None
        self._fast: dict[str, Any] = {}
        self._shared = [_load_schema(path) for path in library]
        self._documents = {s["$id"]: s for s in [*self._schemas.values(), *self._shared]}
        self._retrieved: dict[str, Resource[Any]] = {}
        resources = [
            (schema["$id"], Resource.from_contents(schema, default_specification=DRAFT202012))
            for schema in [*self._schemas.values(), *self._shared]
        ]
        registry: Registry[Any] = Registry(retrieve=self._retrieve)  # type: ignore[call-arg]
        self.registry = registry.with_resources(resources)

    @classmethod
    def from_bundle(cls, bundle: Bundle, *, fast: bool = True) -> ModelSet:
        """The models of a spec bundle (models/<Name>.json, sharing models/common.json)."""
        return cls.from_models_dir(bundle.models_dir, fast=fast)

    @classmethod
    def from_models_dir(cls, folder: Path, *, fast: bool = True) -> ModelSet:
        """The models of a bundle's models folder: `<Name>.json`; other files are resolved by
        `$ref` (common.json, official Smart Data Models files in their own layout)."""
        models = model_files(folder)
        library = [p for p in folder.glob("*.json") if p not in models.values()]
        return cls(folder, models, library, fast=fast)

    @classmethod
    def from_folder(cls, root: Path, *, fast: bool = True) -> ModelSet:
        """Schemas found below ROOT: Smart-Data-Models `<Model>/schema.json` or `<Model>.json`.

        Schemas that only hold shared definitions (`common-schema.json`) are a library for
        `$ref`s, not models; JSON files without `$schema` (examples, contexts) are ignored.
        """
        if not root.is_dir():
            raise DataError(f"{root}: schema folder not found")
        models: dict[str, Path] = {}
        library: list[Path] = []
        for path in sorted(root.rglob("*.json")):
            if any(part.startswith(".") for part in path.relative_to(root).parts):
                continue
            name = path.parent.name if path.name == "schema.json" else path.stem
            contents = read_json(path, DataError)
            if not isinstance(contents, dict) or (
                path.name != "schema.json" and "$schema" not in contents
            ):
                continue  # examples, lists, contexts: not schemas
            if path.name != "schema.json" and not _CONSTRAINING & contents.keys():
                library.append(path)
            elif name not in models:
                models[name] = path
            elif _wraps(path, models[name]):  # a bundle's model around the official schema
                library.append(models[name])
                models[name] = path
            elif _wraps(models[name], path):
                library.append(path)
            else:
                raise DataError(f"model {name!r} is defined twice: {models[name]} and {path}")
        if not models:
            raise DataError(f"{root}: no JSON Schemas found (schema.json or *.json with $schema)")
        return cls(root, models, library, fast=fast)

    @property
    def names(self) -> list[str]:
        """Model names, sorted."""
        return sorted(self._schemas)

    def local_path(self, uri: str) -> Path | None:
        """The file below the root a schema URI stands for, or None if it is not local."""
        parts = urlsplit(uri)
        raw = _SDM_RAW.match(uri.split("#")[0])
        if uri.startswith(SDM_BASE):
            path = self.root / unquote(parts.path).lstrip("/")
        elif raw:
            path = self.root / unquote(raw.group(1)) / unquote(raw.group(2))
        elif parts.scheme == "file":
            path = Path(unquote(parts.path))
        else:
            return None
        path = path.resolve()
        return path if path.is_relative_to(self.root) and path.is_file() else None

    def _retrieve(self, uri: str) -> Resource[Any]:
        """Registry hook: serve local files only; never the network."""
        if uri not in self._retrieved:  # the registry does not keep what it retrieved
            path = self.local_path(uri)
            if path is None:
                raise DataError(
                    f"$ref {uri!r} is not a file under {self.root}; "
                    "conform never fetches schemas from the network"
                )
            contents = _load_schema(path)
            self._retrieved[uri] = Resource.from_contents(
                contents, default_specification=DRAFT202012
            )
        return self._retrieved[uri]

    def schema(self, name: str) -> dict[str, Any]:
        """The schema of model NAME, or UsageError listing the known models."""
        if name not in self._schemas:
            raise UsageError(f"no model {name!r} (models: {', '.join(self.names)})")
        return self._schemas[name]

    def outline(self, name: str) -> tuple[frozenset[str], frozenset[str]]:
        """The top-level members model NAME describes and those it requires, through `$ref`,
        `allOf` (required too), `anyOf` and `oneOf` (members only: alternatives require
        nothing for sure). An unresolvable `$ref` contributes nothing."""
        members: set[str] = set()
        required: set[str] = set()

        def walk(node: Any, resolver: Any, sure: bool, depth: int = 0) -> None:
            if not isinstance(node, dict) or depth > _OUTLINE_DEPTH:
                return
            if isinstance(node.get("properties"), dict):
                members.update(node["properties"])
            if sure and isinstance(node.get("required"), list):
                required.update(r for r in node["required"] if isinstance(r, str))
            if isinstance(node.get("$ref"), str):
                with contextlib.suppress(Unresolvable, DataError):
                    found = resolver.lookup(node["$ref"])
                    walk(found.contents, found.resolver, sure, depth + 1)
            for key, also_sure in (("allOf", sure), ("anyOf", False), ("oneOf", False)):
                for item in node.get(key) or []:
                    walk(item, resolver, also_sure, depth + 1)

        schema = self.schema(name)
        walk(schema, self.registry.resolver(base_uri=schema["$id"]), True)
        return frozenset(members), frozenset(required)

    def validator(self, name: str) -> Validator:
        """The compiled validator of model NAME, built on first use and reused."""
        if name not in self._validators:
            schema = self.schema(name)
            cls = validators.validator_for(schema, default=Draft202012Validator)
            try:
                cls.check_schema(schema)
            except SchemaError as exc:
                where = "/" + "/".join(pointer_token(p) for p in exc.path)
                msg = f"{self._paths[name]}: {where}: not a valid JSON Schema: {exc.message}"
                raise DataError(msg) from exc
            self._validators[name] = validator_class(cls)(
                schema, registry=self.registry, format_checker=FORMAT_CHECKER
            )
        return self._validators[name]

    def _fast_validator(self, name: str) -> Any:
        """The jsonschema-rs validator of model NAME, or None where only jsonschema can judge."""
        if name not in self._fast:
            self._fast[name] = None
            self.validator(name)  # a schema jsonschema rejects never reaches jsonschema-rs
            draft = validators.validator_for(self._schemas[name], default=Draft202012Validator)
            rs_cls = getattr(jsonschema_rs, draft.__name__, None)
            if rs_cls is not None:
                # An unresolvable $ref or unsupported keyword fails this model only: jsonschema
                # then decides for it, every other model keeps its accelerator.
                with contextlib.suppress(Exception):
                    self._fast[name] = rs_cls(
                        self._schemas[name],
                        validate_formats=True,
                        formats=SHARED_FORMATS,
                        registry=jsonschema_rs.Registry(
                            [(s["$id"], s) for s in self._shared], retriever=self._rs_retrieve
                        ),
                    )
        return self._fast[name]

    def _rs_retrieve(self, uri: str) -> dict[str, Any]:
        """jsonschema-rs hook: the models and library by `$id`, else the same local-only files."""
        known = self._documents.get(uri.split("#")[0])
        return known if known is not None else self._retrieve(uri).contents

    def unresolved_refs(self, name: str) -> list[tuple[str, str]]:
        """(where, message) for every `$ref` reachable from model NAME that does not resolve.

        WHERE is a JSON pointer into the model's file, or the chain of `$ref`s that led into
        another schema followed by a pointer inside it.
        """
        schema = self.schema(name)
        found: list[tuple[str, str]] = []
        seen: set[int] = set()
        todo: list[tuple[Any, Any, str]] = [(schema, self.registry.resolver(schema["$id"]), "")]
        while todo:
            node, resolver, prefix = todo.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            for pointer, ref in _refs(node, ""):
                try:
                    resolved = resolver.lookup(ref)
                except Unresolvable as exc:
                    found.append((prefix + pointer, _reason(exc, ref)))
                else:
                    todo.append((resolved.contents, resolved.resolver, f"{prefix}{pointer} -> "))
        return sorted(found)

    def broken(self, name: str) -> str | None:
        """Why model NAME cannot be used (its first unresolvable `$ref`), or None."""
        unresolved = self.unresolved_refs(name)
        if not unresolved:
            return None
        where, reason = unresolved[0]
        return f"{reason} (at {where})"

    def validate(self, entity: Any, model: str | None = None) -> list[Violation]:
        """Violations of ENTITY against MODEL (default: the model named by its `type`)."""
        if not isinstance(entity, dict):
            return [Violation("", "document is not a JSON object")]
        if model is None:
            model = entity.get("type")
            if "type" not in entity:
                return [Violation("", '"type" is a required property (it names the model)')]
            if not isinstance(model, str) or model not in self._schemas:
                known = ", ".join(self.names)
                return [Violation("/type", f"no model {show(model)} (models: {known})")]
        fast = self._fast.get(model, _UNBUILT)  # the hot path: one lookup per document
        if fast is _UNBUILT:
            fast = self._fast_validator(model) if self.fast else None
        if fast is not None:
            if fast.is_valid(entity):
                return []
            failures = [from_rs(error) for error in fast.iter_errors(entity)]
        else:
            try:
                failures = [from_py(error) for error in self.validator(model).iter_errors(entity)]
            except Unresolvable as exc:
                return [Violation("", f"model {model} cannot be used: {_reason(exc, str(exc))}")]
        violations = [_violation(failure) for failure in failures]
        if len(violations) > 1:
            violations.sort(key=lambda v: v.pointer.split("/"))
        return violations


def _wraps(outer: Path, inner: Path) -> bool:
    """True if schema file OUTER refers to schema file INNER by its `$id`."""
    inner_id = read_json(inner, DataError).get("$id")
    return bool(inner_id) and f'"{inner_id}' in outer.read_text(encoding="utf-8")


def _reason(exc: BaseException, ref: str) -> str:
    """Our own DataError behind a referencing failure (it says why), else a generic message."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, DataError):
        cause = cause.__cause__
    return str(cause) if cause else f"cannot resolve $ref {ref!r}"


def _violation(failure: Failure) -> Violation:
    """The most specific reason behind FAILURE (the best anyOf/oneOf alternative), pointed."""
    chosen = best(failure)
    return Violation(chosen.pointer, message(chosen))


def _refs(node: Any, pointer: str) -> Iterator[tuple[str, str]]:
    """(pointer, ref) of every `$ref` string in a schema."""
    if isinstance(node, dict):
        for key, value in node.items():
            child = f"{pointer}/{pointer_token(key)}"
            if key == "$ref" and isinstance(value, str):
                yield child, value
            else:
                yield from _refs(value, child)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _refs(item, f"{pointer}/{index}")
