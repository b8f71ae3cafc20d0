"""CLI commands: `conform validate-data` — check entity files against data-model schemas."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from conform.bundle import DEFAULT_BUNDLE, load_bundle
from conform.cli.spec import FormatOption, OutputFormat
from conform.datamodels import DocumentResult, ModelSet, validate_files
from conform.errors import ExitCode, UsageError


def render_text(results: Sequence[DocumentResult]) -> str:
    """`file#index: ok`, or one `file#index: /pointer: message` line per violation; a summary."""
    lines = []
    for r in results:
        label = f"{r.file}#{r.index}"
        lines += [f"{label}: {v.pointer or '(root)'}: {v.message}" for v in r.violations]
        lines += [] if r.violations else [f"{label}: ok"]
    invalid = sum(1 for r in results if not r.valid)
    lines.append(f"{len(results)} documents, {len(results) - invalid} valid, {invalid} invalid")
    return "\n".join(lines) + "\n"


def render_json(results: Sequence[DocumentResult]) -> str:
    """Per-document verdicts and violations as JSON."""
    docs = [
        {
            "file": str(r.file),
            "index": r.index,
            "valid": r.valid,
            "violations": [{"pointer": v.pointer, "message": v.message} for v in r.violations],
        }
        for r in results
    ]
    invalid = sum(1 for r in results if not r.valid)
    doc = {"documents": docs, "valid": len(results) - invalid, "invalid": invalid}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


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
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """Validate key-values entities (documents numbered from 0); exit 1 if any is invalid."""
    if bundle and schemas:
        raise UsageError("--bundle and --schemas exclude each other: pick one schema source")
    if schemas:
        models = ModelSet.from_folder(schemas)
    else:
        models = ModelSet.from_bundle(load_bundle(bundle or DEFAULT_BUNDLE))
    results = validate_files(files, models, model)
    render = render_json if output is OutputFormat.JSON else render_text
    typer.echo(render(results), nl=False)
    if any(not r.valid for r in results):
        raise typer.Exit(int(ExitCode.FAILED))


def register(app: typer.Typer) -> None:
    """Add `validate-data` to the app."""
    app.command("validate-data")(validate_data)
