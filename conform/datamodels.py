"""JSON-Schema validation of key-values entities: validators compiled once, `$ref`s local only."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jsonschema import Draft202012Validator, SchemaError, validators
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from conform.bundle import Bundle
from conform.bundle.files import pointer_token, read_json, read_text
from conform.errors import DataError, UsageError

try:  # the optional extra `fast`: a compiled "is it valid?" check, never the error messages
    import jsonschema_rs
except ImportError:  # pragma: no cover - depends on the install
    jsonschema_rs = None  # type: ignore[assignment]

SDM_BASE = "https://smart-data-models.github.io/"
NDJSON_SUFFIXES = {".ndjson", ".jsonl"}
_MAX_MESSAGE = 240
# A schema that constrains nothing at its top level only holds shared definitions.
_CONSTRAINING = {"type", "properties", "required", "allOf", "anyOf", "oneOf", "$ref", "const"}


@dataclass(frozen=True)
class Violation:
    """One way a document breaks its schema: where (JSON pointer) and why."""

    pointer: str
    message: str


@dataclass(frozen=True)
class DocumentResult:
    """The verdict on one document of a data file (index counts from 0)."""

    file: Path
    index: int
    violations: tuple[Violation, ...]

    @property
    def valid(self) -> bool:
        """True when the document matched its schema."""
        return not self.violations


def _load_schema(path: Path) -> dict[str, Any]:
    """A schema file's contents; one without `$id` gets its file URI so relative refs resolve."""
    contents = read_json(path, DataError)
    if not isinstance(contents, dict):
        raise DataError(f"{path}: not a JSON Schema (expected an object)")
    return contents if "$id" in contents else {**contents, "$id": path.resolve().as_uri()}


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
        # FAST: answer valid documents with jsonschema-rs when installed (same verdicts, proven
        # by tests/test_datamodels_accel.py); invalid ones always go through jsonschema.
        self.fast = fast and jsonschema_rs is not None
        self._fast: dict[str, Any] = {}
        shared = [_load_schema(path) for path in library]
        self._shared = shared
        resources = [
            (schema["$id"], Resource.from_contents(schema, default_specification=DRAFT202012))
            for schema in [*self._schemas.values(), *shared]
        ]
        registry: Registry[Any] = Registry(retrieve=self._retrieve)  # type: ignore[call-arg]
        self.registry = registry.with_resources(resources)

    @classmethod
    def from_bundle(cls, bundle: Bundle, *, fast: bool = True) -> ModelSet:
        """The models of a spec bundle (models/<Name>.json, sharing models/common.json)."""
        library = [
            p for p in bundle.models_dir.glob("*.json") if p not in bundle.model_paths().values()
        ]
        return cls(bundle.models_dir, bundle.model_paths(), library, fast=fast)

    @classmethod
    def from_folder(cls, root: Path, *, fast: bool = True) -> ModelSet:
        """Schemas found below ROOT: Smart-Data-Models `<Model>/schema.json` or `<Model>.json`."""
        if not root.is_dir():
            raise DataError(f"{root}: schema folder not found")
        models: dict[str, Path] = {}
        library: list[Path] = []
        for path in sorted(root.rglob("*.json")):
            if any(part.startswith(".") for part in path.relative_to(root).parts):
                continue
            name = path.parent.name if path.name == "schema.json" else path.stem
            contents = read_json(path, DataError)
            if path.name != "schema.json" and not (
                isinstance(contents, dict) and "$schema" in contents
            ):
                continue  # examples, lists, contexts: not schemas
            if not (isinstance(contents, dict) and _CONSTRAINING & contents.keys()):
                library.append(path)
            elif name in models:
                raise DataError(f"model {name!r} is defined twice: {models[name]} and {path}")
            else:
                models[name] = path
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
        if uri.startswith(SDM_BASE):
            path = self.root / unquote(parts.path).lstrip("/")
        elif parts.scheme == "file":
            path = Path(unquote(parts.path))
        else:
            return None
        path = path.resolve()
        return path if path.is_relative_to(self.root) and path.is_file() else None

    def _retrieve(self, uri: str) -> Resource[Any]:
        """Registry hook: serve local files only; never the network."""
        path = self.local_path(uri)
        if path is None:
            raise DataError(
                f"$ref {uri!r} is not a file under {self.root}; "
                "conform never fetches schemas from the network"
            )
        return Resource.from_contents(_load_schema(path), default_specification=DRAFT202012)

    def schema(self, name: str) -> dict[str, Any]:
        """The schema of model NAME, or UsageError listing the known models."""
        if name not in self._schemas:
            raise UsageError(f"no model {name!r} (models: {', '.join(self.names)})")
        return self._schemas[name]

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
            self._validators[name] = cls(schema, registry=self.registry)
        return self._validators[name]

    def _fast_validator(self, name: str) -> Any:
        """The jsonschema-rs validator of model NAME, or None where only jsonschema can judge."""
        if name not in self._fast:
            self._fast[name] = None
            kind = type(self.validator(name)).__name__  # the same draft jsonschema picked
            rs_cls = getattr(jsonschema_rs, kind, None)
            if rs_cls is not None:
                resources = [(s["$id"], s) for s in [*self._schemas.values(), *self._shared]]
                # Unresolvable $ref, unsupported keyword: no accelerator, jsonschema decides.
                # Formats are annotations only, as for jsonschema without a format checker.
                with contextlib.suppress(Exception):
                    self._fast[name] = rs_cls(
                        self._schemas[name],
                        validate_formats=False,
                        registry=jsonschema_rs.Registry(resources, retriever=self._rs_retrieve),
                    )
        return self._fast[name]

    def _rs_retrieve(self, uri: str) -> dict[str, Any]:
        """jsonschema-rs hook: the same local-only files as the jsonschema registry."""
        return self._retrieve(uri).contents

    def unresolved_refs(self, name: str) -> list[tuple[str, str]]:
        """(JSON pointer, message) for every `$ref` of model NAME that does not resolve."""
        schema = self.schema(name)
        resolver = self.registry.resolver(base_uri=schema["$id"])
        found = []
        for pointer, ref in _refs(schema, ""):
            try:
                resolver.lookup(ref)
            except Unresolvable as exc:
                found.append((pointer, _reason(exc, ref)))
        return found

    def validate(self, entity: Any, model: str | None = None) -> list[Violation]:
        """Violations of ENTITY against MODEL (default: the model named by its `type`)."""
        if not isinstance(entity, dict):
            return [Violation("", "document is not a JSON object")]
        if model is None:
            model = entity.get("type")
            if model not in self._schemas:
                return [Violation("/type", f"no schema for type {model!r}")]
        fast = self._fast_validator(model) if self.fast else None
        if fast is not None and fast.is_valid(entity):
            return []
        try:
            errors = list(self.validator(model).iter_errors(entity))
        except Unresolvable as exc:
            raise DataError(f"{self._paths[model]}: {_reason(exc, str(exc))}") from exc
        return [_violation(error) for error in sorted(errors, key=lambda e: list(map(str, e.path)))]


def _reason(exc: BaseException, ref: str) -> str:
    """Our own DataError behind a referencing failure (it says why), else a generic message."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, DataError):
        cause = cause.__cause__
    return str(cause) if cause else f"cannot resolve $ref {ref!r}"


def _violation(error: ValidationError) -> Violation:
    """The most specific reason behind ERROR (descending into anyOf/oneOf), pointed."""
    best = best_match([error]) if error.context else error
    pointer = "".join(f"/{pointer_token(p)}" for p in best.absolute_path)
    message = best.message
    if len(message) > _MAX_MESSAGE:
        message = message[: _MAX_MESSAGE - 3] + "..."
    return Violation(pointer, message)


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


def read_documents(path: Path) -> list[Any]:
    """The documents of a data file: a JSON object, a JSON array, or NDJSON (one per line)."""
    text = read_text(path, DataError)
    if path.suffix not in NDJSON_SUFFIXES:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            if exc.msg != "Extra data":  # several values in a row: treat as NDJSON
                raise DataError(f"{path}: line {exc.lineno}: invalid JSON: {exc.msg}") from exc
        else:
            return data if isinstance(data, list) else [data]
    documents = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                documents.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}: line {number}: invalid JSON: {exc.msg}") from exc
    return documents


def validate_files(
    files: Iterable[Path], models: ModelSet, model: str | None = None
) -> list[DocumentResult]:
    """Validate every document of every file; unreadable files raise DataError."""
    if model is not None:
        models.schema(model)  # unknown --model is a usage error before any file is read
    return [
        DocumentResult(path, index, tuple(models.validate(doc, model)))
        for path in files
        for index, doc in enumerate(read_documents(path))
    ]
