"""CLI commands: `conform validate-data` — check entity files against data-model schemas.

Results are written as they are found (NDJSON input is streamed), so memory stays bounded
however many documents a file holds.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, TextIO

import typer

from conform.bundle import DEFAULT_BUNDLE, load_bundle
from conform.cli.spec import FormatOption, OutputFormat
from conform.datafiles import DocumentResult, validate_files
from conform.datamodel_forms import Form
from conform.datamodels import ModelSet
from conform.errors import DataError, ExitCode, UsageError


class _Counts:
    def __init__(self) -> None:
        self.valid = self.invalid = 0
        self.forms: dict[str, int] = {}

    def add(self, result: DocumentResult) -> None:
        if result.valid:
            self.valid += 1
        else:
            self.invalid += 1
        self.forms[result.form] = self.forms.get(result.form, 0) + 1

    def summary(self) -> str:
        forms = ", ".join(f"{n} {form}" for form, n in sorted(self.forms.items()))
        total = self.valid + self.invalid
        noun = "document" if total == 1 else "documents"
        return f"{total} {noun} ({forms or 'none'}), {self.valid} valid, {self.invalid} invalid"


def write_text(
    results: Iterable[DocumentResult], out: TextIO, verbosity: int, counts: _Counts
) -> None:
    """One `file#index: /pointer: message` line per violation (with `ok` lines and the form
    of each document when VERBOSITY > 0, nothing when < 0), then a summary line."""
    for r in results:
        counts.add(r)
        if verbosity < 0 or (r.valid and verbosity == 0):
            continue
        label = f"{r.file}#{r.index}" + (f" ({r.form})" if verbosity > 0 else "")
        out.writelines(f"{label}: {v.pointer or '(root)'}: {v.message}\n" for v in r.violations)
        if r.valid:
            out.write(f"{label}: ok\n")
    out.write(counts.summary() + "\n")


def write_json(
    results: Iterable[DocumentResult], out: TextIO, verbosity: int, counts: _Counts
) -> None:
    """`{"documents": [...], "valid": n, "invalid": n, "forms": {...}}`, written as it goes;
    documents listed as in the text output (invalid ones; all with VERBOSITY > 0)."""
    out.write('{"documents": [')
    first = True
    for r in results:
        counts.add(r)
        if verbosity < 0 or (r.valid and verbosity == 0):
            continue
        doc = {
            "file": str(r.file),
            "index": r.index,
            "form": r.form,
            "valid": r.valid,
            "violations": [{"pointer": v.pointer, "message": v.message} for v in r.violations],
        }
        out.write(("\n  " if first else ",\n  ") + json.dumps(doc, ensure_ascii=False))
        first = False
    tail = {"valid": counts.valid, "invalid": counts.invalid, "forms": counts.forms}
    out.write(f"\n], {json.dumps(tail, ensure_ascii=False)[1:]}\n")


def validate_data(
    files: Annotated[
        list[Path], typer.Argument(metavar="FILE...", help="JSON, JSON array or NDJSON files.")
    ],
    bundle: Annotated[
        str | None,
        typer.Option(
            "--bundle", metavar="ID[@VERSION]|PATH", help=f"Bundle (default {DEFAULT_BUNDLE})."
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", help="Validate every document as this model (default: its type)."),
    ] = None,
    schemas: Annotated[
        Path | None,
        typer.Option(
            "--schemas", help="Smart-Data-Models-style schema folder instead of a bundle."
        ),
    ] = None,
    form: Annotated[
        Form,
        typer.Option(
            "--form",
            help="How entities are written: key-values, normalized (NGSI-LD or NGSI v2, "
            "converted to key-values; pointers stay in the original), or auto (per document).",
        ),
    ] = Form.KEY_VALUES,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the summary line.")
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Also list valid documents and each one's form."),
    ] = False,
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """Validate entities (documents numbered from 0), listing the invalid ones; exit 1 if any."""
    if bundle and schemas:
        raise UsageError("--bundle and --schemas exclude each other: pick one schema source")
    if quiet and verbose:
        raise UsageError("--quiet and --verbose exclude each other: pick one")
    if schemas:
        models = ModelSet.from_folder(schemas)
    else:
        models = ModelSet.from_bundle(load_bundle(bundle or DEFAULT_BUNDLE))
    for name in models.names:  # a published bundle must be whole; a folder is what it is
        reason = models.broken(name)
        if reason and not schemas:
            raise DataError(f"bundle model {name} cannot be used: {reason}")
        if reason:
            typer.echo(f"warning: model {name} cannot be used: {reason}", err=True)
    results = validate_files(files, models, model, form)
    first = next(results, None)  # unreadable files and unknown --model fail before any output
    counts = _Counts()
    write = write_json if output is OutputFormat.JSON else write_text
    verbosity = -1 if quiet else int(verbose)
    write(_chain(first, results), sys.stdout, verbosity, counts)
    if counts.invalid:
        raise typer.Exit(int(ExitCode.FAILED))


def _chain(
    first: DocumentResult | None, rest: Iterable[DocumentResult]
) -> Iterable[DocumentResult]:
    if first is not None:
        yield first
        yield from rest


def register(app: typer.Typer) -> None:
    """Add `validate-data` to the app."""
    app.command("validate-data")(validate_data)
