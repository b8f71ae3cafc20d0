"""CLI commands: `conform spec list|show|diff|lint` — inspect, compare and lint spec bundles."""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from conform.bundle import Bundle, find_bundles, load_bundle
from conform.bundle.changes import compare, previous_version, render_changes
from conform.errors import BundleError, ExitCode
from conform.i18n import normalise_lang
from conform.lint import Severity, lint_path, render_json, render_text, suite_covered
from conform.results import Level
from conform.runner.preflight import check_bundle


class OutputFormat(StrEnum):
    """Machine- or human-readable command output."""

    TEXT = "text"
    JSON = "json"


LangOption = Annotated[
    str, typer.Option("--lang", callback=normalise_lang, help="Language of titles: en or ja.")
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]


def table(rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns separated by two spaces (the last column is not padded)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = [
        "  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[-1]])
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def _text(texts: dict[str, str], lang: str) -> str:
    return texts.get(lang) or texts["en"]


def list_bundles(
    long: Annotated[bool, typer.Option("--long", help="Show the full SHA-256.")] = False,
    lang: LangOption = "en",
) -> None:
    """List the published bundles: id, version, content hash, title."""
    rows = [("ID", "VERSION", "SHA256", "TITLE")]
    for b in find_bundles():
        rows.append((b.id, b.version, b.sha256 if long else b.sha256[:12], _text(b.title, lang)))
    typer.echo(table(rows))


def show(
    ref: Annotated[str, typer.Argument(metavar="ID[@VERSION]|PATH", help="Bundle to show.")],
    requirements: Annotated[
        bool, typer.Option("--requirements", help="List every requirement.")
    ] = False,
    lang: LangOption = "en",
) -> None:
    """Show a bundle: manifest, conformance classes, requirement counts, changes since the
    previous version; exit 2 if it is broken."""
    bundle = load_bundle(ref)
    check_bundle(bundle)  # a bundle a run would refuse must not look fine here
    text = describe(bundle, lang, requirements)
    try:
        earlier = previous_version(bundle, find_bundles())
    except BundleError:  # another bundle in the search path is broken: show this one anyway
        earlier = None
    if earlier is not None:
        changes = render_changes(compare(earlier, bundle), bundle, titles=False)
        hint = f"(details: conform spec diff {earlier.ref} {bundle.ref})"
        text += f"\n\n{changes}\n{hint}"
    typer.echo(text)


def diff(
    old: Annotated[str, typer.Argument(metavar="OLD", help="Earlier bundle (ID@VERSION|PATH).")],
    new: Annotated[str, typer.Argument(metavar="NEW", help="Later bundle (ID@VERSION|PATH).")],
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """List what NEW changes relative to OLD: classes, requirements, operations, models."""
    before, after = load_bundle(old), load_bundle(new)
    changes = compare(before, after)
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(changes.to_json(), indent=2, ensure_ascii=False))
    else:
        typer.echo(render_changes(changes, after))


def describe(bundle: Bundle, lang: str, requirements: bool) -> str:
    """The text of `spec show`."""
    manifest = bundle.manifest
    base = manifest.get("base_standard") or {}
    head = [
        ("bundle:", bundle.ref),
        ("title:", _text(bundle.title, lang)),
        ("publisher:", str(manifest.get("publisher", ""))),
        ("published:", str(manifest.get("published", ""))),
        ("base standard:", f"{base.get('name', '')} {base.get('version', '')}"),
        ("path:", str(bundle.path)),
        ("sha256:", bundle.sha256),
    ]
    counts = bundle.level_counts()
    classes = [("CLASS", "KIND", *(level.value for level in Level), "TITLE")]
    for c in bundle.classes:
        levels = (str(counts[c.id][level]) for level in Level)
        kind = "mandatory" if c.mandatory else "optional"
        classes.append((c.id, kind, *levels, _text(c.title, lang)))
    total = ", ".join(f"{sum(n[level] for n in counts.values())} {level.value}" for level in Level)
    parts = [
        table(head),
        "",
        table(classes),
        "",
        f"{len(bundle.requirements)} requirements ({total})",
    ]
    if requirements:
        rows = [("ID", "LEVEL", "CLASS", "CLAUSE", "TITLE")]
        rows += [
            (r.id, r.level.value, r.cls, r.clause, r.titles.get(lang) or r.title)
            for r in bundle.requirements
        ]
        parts += ["", table(rows)]
    return "\n".join(parts)


def lint(
    path: Annotated[Path, typer.Argument(help="Bundle folder or OpenAPI file.")],
    output: FormatOption = OutputFormat.TEXT,
    suite: Annotated[
        Path | None,
        typer.Option("--suite", help="Suite folder (default: the packaged suite for the bundle)."),
    ] = None,
) -> None:
    """Lint a bundle folder or a bare OpenAPI file (exit 1 if any error).

    When the bundle has a suite, every MUST requirement no test covers is an error.
    """
    findings = lint_path(path, suite_covered(path, suite))
    render = render_json if output is OutputFormat.JSON else render_text
    typer.echo(render(findings), nl=False)
    if any(f.severity is Severity.ERROR for f in findings):
        raise typer.Exit(int(ExitCode.FAILED))


def register(app: typer.Typer) -> None:
    """Add the `spec` command group to the app."""
    group = typer.Typer(name="spec", help="Inspect and lint spec bundles.", no_args_is_help=True)
    group.command("list")(list_bundles)
    group.command("show")(show)
    group.command("diff")(diff)
    group.command("lint")(lint)
    app.add_typer(group, name="spec")
