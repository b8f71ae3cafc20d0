"""Data files of entities (a JSON object, a JSON array, NDJSON) validated one document at a time.

NDJSON is streamed line by line, so memory stays bounded whatever the file's size; a line that
is not JSON is an invalid document, not the end of the run. Files that cannot be data at all
(missing, a folder, empty) are refused before any document is validated; a JSON file that does
not parse is refused when it is reached.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conform.datamodel_forms import KEY_VALUES, Form, detect, to_key_values
from conform.datamodels import ModelSet, Violation
from conform.errors import DataError

NDJSON_SUFFIXES = {".ndjson", ".jsonl"}


@dataclass(frozen=True)
class DocumentResult:
    """The verdict on one document of a data file (index counts from 0) and its detected form."""

    file: Path
    index: int
    violations: tuple[Violation, ...]
    form: str = KEY_VALUES

    @property
    def valid(self) -> bool:
        """True when the document matched its schema."""
        return not self.violations


@dataclass(frozen=True)
class _Unparsable:
    """A document that is not JSON: where and why."""

    message: str


def check_files(files: Iterable[Path]) -> None:
    """DataError, naming the file, for the first path that cannot hold documents."""
    for path in files:
        if path.is_dir():
            raise DataError(f"{path}: is a folder, not a data file (name the files in it)")
        try:
            size = path.stat().st_size
        except FileNotFoundError as exc:
            raise DataError(f"{path}: file not found") from exc
        except OSError as exc:
            raise DataError(f"{path}: cannot read: {exc.strerror}") from exc
        if size == 0:
            raise DataError(f"{path}: empty file (expected JSON or NDJSON entities)")


def iter_documents(path: Path) -> Iterator[Any]:
    """The documents of PATH in order; a document that is not JSON comes as `_Unparsable`."""
    try:
        with path.open(encoding="utf-8") as stream:
            if path.suffix in NDJSON_SUFFIXES:
                yield from _lines(stream)
                return
            text = stream.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read: {exc}") from exc
    if not text.strip():
        raise DataError(f"{path}: empty file (expected JSON or NDJSON entities)")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":  # several values in a row: read as NDJSON
            raise DataError(f"{path}: line {exc.lineno}: invalid JSON: {exc.msg}") from exc
        yield from _lines(text.splitlines())
        return
    yield from data if isinstance(data, list) else [data]


def _lines(lines: Iterable[str]) -> Iterator[Any]:
    for number, line in enumerate(lines, start=1):
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                yield _Unparsable(f"line {number}: invalid JSON: {exc.msg}")


def read_documents(path: Path) -> list[Any]:
    """Every document of PATH (tests and small files); invalid JSON raises DataError."""
    check_files([path])
    documents = list(iter_documents(path))
    for doc in documents:
        if isinstance(doc, _Unparsable):
            raise DataError(f"{path}: {doc.message}")
    return documents


def validate_document(
    doc: Any, models: ModelSet, model: str | None, form: Form
) -> tuple[tuple[Violation, ...], str]:
    """The violations of one document and the form it was read in."""
    if isinstance(doc, _Unparsable):
        return (Violation("", doc.message),), KEY_VALUES
    kv = to_key_values(doc, form)
    found = [Violation(pointer, text) for pointer, text in kv.problems]
    for v in models.validate(kv.document, model):
        found.append(Violation(kv.original_pointer(v.pointer), v.message))
    if found and form is Form.KEY_VALUES and (seen := detect(doc)) != KEY_VALUES:
        found.insert(0, Violation("", f"the document looks {seen}: try --form auto"))
    return tuple(found), kv.form


def validate_files(
    files: Iterable[Path],
    models: ModelSet,
    model: str | None = None,
    form: Form = Form.KEY_VALUES,
) -> Iterator[DocumentResult]:
    """Verdicts on every document of every file, as they are found (files checked first)."""
    files = list(files)
    if model is not None:
        models.schema(model)  # unknown --model is a usage error before any file is read
    check_files(files)
    for path in files:
        for index, doc in enumerate(iter_documents(path)):
            violations, found = validate_document(doc, models, model, form)
            yield DocumentResult(path, index, violations, found)
